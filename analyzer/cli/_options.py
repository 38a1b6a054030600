"""The ``Annotated`` options more than one command takes, written once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import UsageError
from ..posts import normalize_lang
from ..readers import Columns, check_encoding


def _check_lang(value: str | None) -> str | None:
    """--lang: a supported language (en, es, it; en-US etc. accepted) or und; else exit 2."""
    if value is None:
        return None
    from ..languages import UNDETERMINED, supported_languages  # numpy and the lexicons: not for --help

    code = normalize_lang(value)
    allowed = (*supported_languages(), UNDETERMINED)
    if code not in allowed:
        raise typer.BadParameter(f"{value!r} is not a supported language; use one of "
                                 f"{', '.join(allowed)} ({UNDETERMINED}: any other language)")
    return code


def _check_encoding(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return check_encoding(value)
    except UsageError as exc:
        raise typer.BadParameter(str(exc)) from None


def columns(text: str | None = None, id_: str | None = None, author: str | None = None,
            date: str | None = None, lang: str | None = None, label: str | None = None) -> Columns:
    return Columns(text=text, id=id_, author=author, created_at=date, lang=lang, label=label)


# -- options more than one command takes ------------------------------------------------
# fmt: off
ModelOpt = Annotated[Optional[Path], typer.Option("--model", "-m", help="Model directory (default: $CONTENT_ANALYZER_MODEL, else the bundled model).", show_default=False)]
LangOpt = Annotated[Optional[str], typer.Option("--lang", callback=_check_lang, help="Treat every post as this language instead of the lang column or identification: en, es, it, or und for any other language (cue words of all three).")]
LexiconOpt = Annotated[Optional[Path], typer.Option("--lexicon", help="TOML file of extra cue words merged over the shipped lexicons (tables [en], [es], [it] of cue lists).", exists=False)]
TopKOpt = Annotated[int, typer.Option("--top-k", "-k", min=0, max=50, help="How many top contributing signals to show per post.")]
ForceOpt = Annotated[bool, typer.Option("--force", "-F", help="Overwrite the output file if it exists.")]
TextCol = Annotated[Optional[str], typer.Option("--text-col", help="Column holding the post text (default: text, full_text, content, message, post, caption, body).")]
IdCol = Annotated[Optional[str], typer.Option("--id-col", help="Column holding the post id (default: id, post_id, tweet_id ...).")]
AuthorCol = Annotated[Optional[str], typer.Option("--author-col", help="Column holding the author/account (default: author, user, username, screen_name ...).")]
DateCol = Annotated[Optional[str], typer.Option("--date-col", help="Column holding the timestamp (default: created_at, date, timestamp ...).")]
LangCol = Annotated[Optional[str], typer.Option("--lang-col", help="Column holding the language code (default: lang, language).")]
LabelCol = Annotated[Optional[str], typer.Option("--label-col", help="Column holding the label (default: label, class, category).")]
InputFormat = Annotated[Optional[str], typer.Option("--input-format", help="Force the input format: csv, tsv, jsonl, json, parquet, txt, or a platform export: x, mastodon, linkedin, facebook, instagram, threads, bluesky (default: detected from the name and content).")]
EncodingOpt = Annotated[Optional[str], typer.Option("--encoding", callback=_check_encoding, help="Text encoding of CSV, TSV, JSON Lines, JSON and text inputs, e.g. utf-8, utf-16, cp1252, latin-1 (default: UTF-16 if the file starts with its BOM, else UTF-8, and rows that are not valid UTF-8 are read as cp1252 and flagged decoded_cp1252).")]
RepostsOpt = Annotated[bool, typer.Option("--include-reposts", help="Keep reposts (retweets, boosts, bare reshares) from platform exports; they are not the account's own words, so they are skipped and counted by default.")]
DirectOpt = Annotated[bool, typer.Option("--include-direct", help="Keep Mastodon direct messages (left out by default, for privacy).")]
# fmt: on
