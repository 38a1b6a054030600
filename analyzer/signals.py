"""The signal catalogue: every stylistic signal, its dimension, and how it is computed.

A signal is a formula over per-post measurements (token counts, cue-list hits,
regex hits) gathered in one pass by :mod:`analyzer.features`. Formulas work on
whole batches (numpy arrays), so adding a signal costs no per-post Python.
Names are ``<dimension>__<unit>_<what>``; the dimension is the seed difference
(style, goals, content, effort, roi) the signal belongs to.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from .lexicons import schedulers

__all__ = [
    "DIMENSIONS",
    "REGEXES",
    "SIGNALS",
    "SIGNAL_NAMES",
    "Signal",
    "compute_signals",
    "describe",
    "signal_by_name",
]

DIMENSIONS: tuple[str, ...] = ("style", "goals", "content", "effort", "roi")

Base = Mapping[str, np.ndarray]

# Language-independent patterns, searched on the raw text.
REGEXES: dict[str, re.Pattern[str]] = {
    "price": re.compile(
        r"(?:[$€£¥]\s?\d[\d.,]*|\b\d[\d.,]*\s?(?:[$€£¥]|(?:eur|euro|euros|usd|dollars?|pesos|"
        r"mxn|ars|clp|cop|gbp)\b))",
        re.IGNORECASE,
    ),
    "percent": re.compile(r"[-−]?\d+(?:[.,]\d+)?\s?%"),
    "short_url": re.compile(
        r"\b(?:bit\.ly|t\.co|ow\.ly|buff\.ly|lnkd\.in|tinyurl\.com|goo\.gl|is\.gd|dlvr\.it|"
        r"ift\.tt|fb\.me|amzn\.to|rebrand\.ly|shorturl\.at|cutt\.ly|bl\.ink|tiny\.cc)/\S+",
        re.IGNORECASE,
    ),
    "utm": re.compile(r"[?&]utm_[a-z]+=", re.IGNORECASE),
    "scheduler": schedulers.text_pattern(),
    "placeholder": re.compile(
        r"\[(?:[A-Z][A-Z _]{1,24}|link|url|name|nombre|nome|enlace|insert[^\]]{0,20})\]|"
        r"\{\{?\s*[A-Za-z_]+\s*\}?\}|<(?:link|url|name)>",
    ),
}

# A scheduler or automation client named by an export's metadata.
SCHEDULER_CLIENTS = schedulers.client_pattern()


@dataclass(frozen=True)
class Signal:
    """One named signal.

    ``phrase`` is what a marketer reads in a per-post explanation; it may use
    ``{value}`` (the signal value), ``{n}`` (the value as a whole number) and
    ``{evidence}`` (the first text that triggered it, when ``evidence`` names
    a cue list or a regex).
    """

    name: str
    description: str
    phrase: str
    compute: Callable[[Base], np.ndarray]
    evidence: str | None = None

    @property
    def dimension(self) -> str:
        return self.name.split("__", 1)[0]


def _cap(x: np.ndarray, cap: float) -> np.ndarray:
    return np.minimum(x, cap).astype(np.float64)


def _has(x: np.ndarray) -> np.ndarray:
    return (x > 0).astype(np.float64)


def _rate(x: np.ndarray, b: Base) -> np.ndarray:
    return x / np.maximum(b["n_words"], 1)


def _promo(b: Base) -> np.ndarray:
    """Anything in the post that asks readers to act on an offer."""
    return (
        b["start:cta_verbs"] + b["cue:offer"] + b["price"] + b["percent"] + b["cue:click_ask"]
        + b["cue:contest"] + b["cue:urgency"] + b["cue:sales_contact"] + b["cue:sponsor"]
        + b["cue:engagement_bait"]
    ) > 0


def _addressed_question(b: Base) -> np.ndarray:
    return (b["q_marks"] > 0) & (
        (b["cue:second_person"] + b["start:question_openers"] + b["cue:opinion_ask"]
         + b["cue:advice_ask"]) > 0
    )


def _cue(key: str) -> Callable[[Base], np.ndarray]:
    return lambda b: _has(b[f"cue:{key}"])


S = Signal
SIGNALS: tuple[Signal, ...] = (
    # style: you talk (media) vs talk and listen (networking)
    S("style__n_questions", "Question marks in the post (capped at 5).",
      "asks a question ({n} question mark(s))", lambda b: _cap(b["q_marks"], 5)),
    S("style__has_question_opener", "A sentence opens with a question word (what, ¿cómo, chi...).",
      "opens with a question word (\"{evidence}\")", lambda b: _has(b["start:question_openers"]),
      "question_openers"),
    S("style__has_open_question", "Asks readers something with no offer, link ask or CTA attached.",
      "asks readers a genuine question, with no offer attached",
      lambda b: (_addressed_question(b) & ~_promo(b)).astype(np.float64)),
    S("style__n_exclamations", "Exclamation marks (capped at 5).",
      "exclaims ({n} exclamation mark(s))", lambda b: _cap(b["excl"], 5)),
    S("style__rate_caps", "Share of words written in capitals (SALE, NOW).",
      "shouts in capitals ({value:.0%} of words)", lambda b: _rate(b["caps"], b)),
    S("style__rate_second_person", "Share of words addressing the reader (you, tú, voi).",
      "addresses the reader directly (\"{evidence}\")",
      lambda b: _rate(b["cue:second_person"], b), "second_person"),
    S("style__rate_first_singular", "Share of first-person singular words (I, yo, io).",
      "speaks as a person (\"{evidence}\")", lambda b: _rate(b["cue:first_singular"], b),
      "first_singular"),
    S("style__rate_first_plural", "Share of brand first-person plural words (we, nuestro, noi).",
      "speaks as a brand (\"{evidence}\")", lambda b: _rate(b["cue:first_plural"], b),
      "first_plural"),
    S("style__has_cta_start", "A sentence starts with an imperative call to action (shop, descarga, scopri).",
      "tells readers to act (\"{evidence}\")", lambda b: _has(b["start:cta_verbs"]), "cta_verbs"),
    S("style__has_announcement", "Announcement formula (we're excited to announce, presentamos).",
      "announces something (\"{evidence}\")", _cue("announce"), "announce"),
    S("style__has_thanks", "Thanks someone (thanks, gracias, grazie).",
      "thanks someone (\"{evidence}\")", _cue("thanks"), "thanks"),
    S("style__has_greeting", "Greets readers (hi, hola, ciao).",
      "greets readers (\"{evidence}\")", _cue("greetings"), "greetings"),
    S("style__has_agreement", "Agrees with someone (same here, tal cual, concordo).",
      "agrees with someone (\"{evidence}\")", _cue("agreement"), "agreement"),
    S("style__has_rhetorical", "Rhetorical hook (did you know, ¿sabías que, lo sapevi).",
      "uses a rhetorical hook (\"{evidence}\")", _cue("rhetorical"), "rhetorical"),
    S("style__rate_informal", "Share of chat spellings and abbreviations (u, lol, q, xq, cmq, nn).",
      "writes like a chat message (\"{evidence}\")", lambda b: _rate(b["cue:informal"], b), "informal"),
    S("style__rate_hashtags", "Hashtags per token (hashtag density).",
      "is dense with hashtags ({value:.0%} of tokens)",
      lambda b: b["n_hashtags"] / np.maximum(b["n_tokens"], 1)),
    S("style__mean_sentence_len", "Mean words per sentence (capped at 60).",
      "writes {n}-word sentences on average",
      lambda b: _cap(b["n_words"] / np.maximum(b["n_sents"], 1), 60)),
    S("style__n_leading_mentions", "@handles the post opens with, as replies do (capped at 3).",
      "replies to {n} person(s) (\"{evidence}\")", lambda b: _cap(b["leading_mentions"], 3),
      "leading_mention"),
    # goals: leads and sales (media) vs relationships (networking)
    S("goals__has_price", "Mentions a price or an amount of money (19,99 €, $5).",
      "mentions a price ({evidence})", lambda b: _has(b["price"]), "price"),
    S("goals__has_percent", "Mentions a percentage, as discounts do (-20%).",
      "mentions a percentage ({evidence})", lambda b: _has(b["percent"]), "percent"),
    S("goals__n_offer_words", "Offer words: sale, free, limited, oferta, gratis, saldi (capped at 5).",
      "uses offer words (\"{evidence}\")", lambda b: _cap(b["cue:offer"], 5), "offer"),
    S("goals__has_discount", "Discount or price vocabulary (code, coupon, descuento, sconto).",
      "talks discounts or prices (\"{evidence}\")", _cue("discount"), "discount"),
    S("goals__has_contest", "Contest or giveaway (win, sorteo, concorso).",
      "runs a contest (\"{evidence}\")", _cue("contest"), "contest"),
    S("goals__has_launch", "Product or release vocabulary (new, launch, novedad, novità).",
      "launches something (\"{evidence}\")", _cue("launch"), "launch"),
    S("goals__has_event_ask", "Event promotion (tickets, register, inscripciones, iscrizioni).",
      "promotes an event (\"{evidence}\")", _cue("event_ask"), "event_ask"),
    S("goals__has_donation_ask", "Donation or volunteering ask (donate, dona, raccolta fondi).",
      "asks for donations or volunteers (\"{evidence}\")", _cue("donation_ask"), "donation_ask"),
    S("goals__has_sponsor_tag", "Sponsorship disclosure (#ad, #publi, #adv, in collaborazione con).",
      "discloses a sponsorship (\"{evidence}\")", _cue("sponsor"), "sponsor"),
    S("goals__has_urgency", "Urgency (today only, última oportunidad, ultimi posti).",
      "creates urgency (\"{evidence}\")", _cue("urgency"), "urgency"),
    S("goals__has_sales_contact", "Points to a sales channel (DM us, book now, pedidos, ordina).",
      "points to a sales channel (\"{evidence}\")", _cue("sales_contact"), "sales_contact"),
    S("goals__has_promo_question", "A question in a post that also pushes an offer or CTA.",
      "asks a question that sells",
      lambda b: ((b["q_marks"] > 0) & _promo(b)).astype(np.float64)),
    S("goals__has_advice_ask", "Asks for advice or recommendations (any tips, me recomendáis, consigli).",
      "asks for advice (\"{evidence}\")", _cue("advice_ask"), "advice_ask"),
    S("goals__has_opinion_ask", "Asks for opinions (thoughts?, ¿qué opináis?, cosa ne pensate).",
      "asks for opinions (\"{evidence}\")", _cue("opinion_ask"), "opinion_ask"),
    S("goals__has_help_offer", "Offers help or support (happy to help, ánimo, a disposizione).",
      "offers help or support (\"{evidence}\")", _cue("help_offer"), "help_offer"),
    S("goals__has_congrats", "Congratulates someone (congrats, enhorabuena, complimenti).",
      "congratulates someone (\"{evidence}\")", _cue("congrats"), "congrats"),
    S("goals__n_numbers", "Numbers in the text (dates, prices, quantities; capped at 5).",
      "is full of numbers ({n})", lambda b: _cap(b["n_numbers"], 5)),
    # content: media pieces (media) vs conversation (networking)
    S("content__n_urls", "Links in the post (capped at 3).",
      "links out ({n} link(s))", lambda b: _cap(b["n_urls"], 3)),
    S("content__has_short_url", "Shortened link (bit.ly, t.co, lnkd.in, ow.ly).",
      "uses a shortened link ({evidence})", lambda b: _has(b["short_url"]), "short_url"),
    S("content__n_media_words", "Content-piece words: video, ebook, webinar, podcast (capped at 3).",
      "points to a content piece (\"{evidence}\")", lambda b: _cap(b["cue:media_words"], 3),
      "media_words"),
    S("content__has_read_more", "Read/watch more formulas (read more, link in bio, scopri di più).",
      "sends readers to more content (\"{evidence}\")", _cue("read_more"), "read_more"),
    S("content__n_emoji", "Emoji (capped at 10).", "uses emoji ({n})",
      lambda b: _cap(b["n_emoji"], 10)),
    S("content__is_text_only", "Plain text: no link, no hashtag, no emoji.",
      "is plain text (no links, hashtags or emoji)",
      lambda b: ((b["n_urls"] + b["n_hashtags"] + b["n_emoji"]) == 0).astype(np.float64)),
    S("content__has_poll", "Poll or vote (poll, encuesta, sondaggio).",
      "runs a poll (\"{evidence}\")", _cue("poll"), "poll"),
    S("content__n_words", "Words in the post (capped at 300).", "has {n} words",
      lambda b: _cap(b["n_words"], 300)),
    S("content__n_sentences", "Sentences in the post (capped at 20).", "has {n} sentence(s)",
      lambda b: _cap(b["n_sents"], 20)),
    S("content__is_very_short", "Five words or fewer.", "is very short",
      lambda b: (b["n_words"] <= 5).astype(np.float64)),
    S("content__is_long", "More than 80 words, as long personal or LinkedIn posts are.",
      "is a long post", lambda b: (b["n_words"] > 80).astype(np.float64)),
    S("content__is_hashtag_only", "Only hashtags (and maybe emoji), no words.",
      "is only hashtags",
      lambda b: ((b["n_hashtags"] > 0) & (b["n_words"] == 0)).astype(np.float64)),
    S("content__n_hashtags", "Hashtags (capped at 10).", "uses {n} hashtag(s)",
      lambda b: _cap(b["n_hashtags"], 10)),
    # effort: scheduled and templated (media) vs attentive, one-to-one (networking)
    S("effort__has_scheduler", "Scheduler or automation trace (Hootsuite, Buffer, dlvr.it, IFTTT).",
      "was posted through a scheduler ({evidence})",
      lambda b: _has(b["scheduler"] + b["meta_scheduler"]), "scheduler"),
    S("effort__has_utm", "Campaign-tracking link (utm_source=...).",
      "carries campaign tracking ({evidence})", lambda b: _has(b["utm"]), "utm"),
    S("effort__n_trailing_hashtags", "Hashtag block at the end of the post, as templates add (capped at 10).",
      "ends with a block of {n} hashtag(s)", lambda b: _cap(b["trailing_hashtags"], 10)),
    S("effort__has_placeholder", "Unfilled template placeholder ([LINK], {name}).",
      "contains a template placeholder ({evidence})", lambda b: _has(b["placeholder"]),
      "placeholder"),
    S("effort__is_reply", "A reply: opens with @handle, or the export marks it as a reply.",
      "is a reply", lambda b: _has(b["leading_mentions"] + b["meta_reply"])),
    S("effort__n_mentions", "@handles named inside the text (capped at 5).",
      "names {n} other account(s)",
      lambda b: _cap(np.maximum(b["n_mentions"] - b["leading_mentions"], 0), 5)),
    S("effort__has_personal_ref", "Personal detail (yesterday, my team, mi jefa, ieri sera, haha).",
      "shares personal detail (\"{evidence}\")", _cue("personal_ref"), "personal_ref"),
    S("effort__n_line_breaks", "Line breaks, as formatted and templated posts use (capped at 10).",
      "is laid out over {n} line break(s)", lambda b: _cap(b["newlines"], 10)),
    # roi: engagement and sales asks (media) vs direct responses (networking)
    S("roi__has_engagement_bait", "Engagement bait (like and share, tag a friend, dale like).",
      "asks for likes/shares/tags (\"{evidence}\")", _cue("engagement_bait"), "engagement_bait"),
    S("roi__has_click_ask", "Asks for a click (click the link, link in bio, clicca qui).",
      "asks for a click (\"{evidence}\")", _cue("click_ask"), "click_ask"),
    S("roi__has_reply_ask", "Asks for a direct reply (let me know, cuéntame, fammi sapere).",
      "asks readers to reply (\"{evidence}\")", _cue("reply_ask"), "reply_ask"),
    S("roi__n_action_asks", "Asks to act: CTAs, clicks, shares, sales channels, events, donations (capped at 5).",
      "asks readers to act ({n} time(s))",
      lambda b: _cap(
          b["start:cta_verbs"] + b["cue:click_ask"] + b["cue:engagement_bait"]
          + b["cue:sales_contact"] + b["cue:event_ask"] + b["cue:donation_ask"], 5)),
    S("roi__n_response_asks", "Asks for an answer: questions, reply asks, opinion or advice asks (capped at 5).",
      "asks readers to answer ({n} time(s))",
      lambda b: _cap(
          b["cue:reply_ask"] + b["cue:opinion_ask"] + b["cue:advice_ask"]
          + (b["q_marks"] > 0), 5)),
)
del S

SIGNAL_NAMES: tuple[str, ...] = tuple(s.name for s in SIGNALS)
_BY_NAME = {s.name: s for s in SIGNALS}
# each phrase with its evidence, and without it (evidence and its brackets dropped)
_PHRASES = {s.name: (s.phrase, re.sub(r"\s*\(\"?\{evidence\}\"?\)", "", s.phrase)) for s in SIGNALS}
# the cap each description states ("capped at 300"): a value at the cap is shown as "300+"
CAPS: dict[str, float] = {s.name: float(m.group(1)) for s in SIGNALS
                          if (m := re.search(r"capped at (\d+)", s.description))}
_PLURAL = re.compile(r"\((s|es)\)")


def signal_by_name(name: str) -> Signal:
    return _BY_NAME[name]


def compute_signals(base: Base, names: tuple[str, ...] = SIGNAL_NAMES) -> np.ndarray:
    """The (n_posts, n_signals) matrix of signal values for a batch."""
    n = len(base["n_words"])
    out = np.empty((n, len(names)), dtype=np.float64)
    for j, name in enumerate(names):
        out[:, j] = _BY_NAME[name].compute(base)
    return out


@functools.lru_cache(maxsize=8192)
def describe(name: str, value: float, evidence: str = "") -> str:
    """The marketer-facing phrase for one signal value of one post.

    ``evidence`` is the text that triggered the signal (see ``Signal.evidence``).
    """
    with_ev, without_ev = _PHRASES[name]
    n = int(round(value))
    capped = name in CAPS and value >= CAPS[name]
    text = (with_ev if evidence else without_ev).format(
        value=value, n=f"{n}+" if capped else n, evidence=evidence)
    # "1 link(s)" -> "1 link", "3 link(s)" -> "3 links"
    return _PLURAL.sub(lambda m: "" if n == 1 and not capped else m.group(1), text)
