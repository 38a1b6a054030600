import math
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.posts import MAX_CHARS, Post, normalize_text
from analyzer.persistence import Model
from analyzer.scoring import OUTPUT_COLUMNS, ScoreOptions, chunks, output_columns, score
from analyzer.signals import SIGNAL_NAMES


def row_batches(pipeline, posts, *, function_head=None, **options):
    """The rows of every chunk ``scoring.score`` yields for a fitted pipeline."""
    model = Model(pipeline=pipeline, meta={}, path=Path("."), function_head=function_head)
    return [chunk.payload for chunk in score(posts, model, ScoreOptions(**options))]


def test_empty_whitespace_and_huge_rows_keep_their_place(trained):
    huge, flags = normalize_text("Big sale! " * 20_000)  # 200 KB
    posts = [Post(id="e", text=""), Post(id="w", text=normalize_text("   \t ")[0]),
             Post(id="h", text=huge, flags=flags), Post(id="q", text="Any tips for Lisbon?")]
    rows = [r for batch in row_batches(trained.model, posts, chunk_size=3) for r in batch]
    assert [r["id"] for r in rows] == ["e", "w", "h", "q"]
    assert [r["status"] for r in rows] == ["empty", "empty", "ok", "ok"]
    assert rows[0]["label"] is None and rows[0]["p_networking"] is None
    assert [r["error"] for r in rows] == ["no text", "no text", None, None]
    assert [r["flags"] for r in rows] == [[], [], ["truncated"], []]
    assert rows[2]["flags"] == ["truncated"] and rows[2]["label"] in ("media", "networking")
    assert len(huge) == MAX_CHARS


def test_record_columns_and_values(trained):
    post = Post(id="7", text="Shop now: 20% off! Link in bio", author="acme", platform="instagram",
                meta={"is_reply": False})
    [rows] = list(row_batches(trained.model, [post], features=True, function_head=trained.function_head))
    rec = rows[0]
    assert list(rec) == output_columns(features=True)
    assert rec["author"] == "acme" and rec["platform"] == "instagram" and rec["is_reply"] is False
    assert rec["label"] == "media" and rec["confidence"] == max(rec["p_networking"], 1 - rec["p_networking"])
    assert rec["goals__has_percent"] == 1.0
    assert len(rec["signals"]) == 5
    assert all(isinstance(rec[d], float) for d in ("style", "goals", "content", "effort", "roi", "words"))
    # the rows add up: dimensions + words + starting point == the decision behind P(networking)
    decision = sum(rec[d] for d in ("style", "goals", "content", "effort", "roi", "words", "intercept"))
    assert abs(1 / (1 + math.exp(-decision)) - rec["p_networking"]) < 1e-3
    assert rec["function"] in ("information", "action") and set(rec["p_function"]) == {"information", "action", "community"}
    # each probability is rounded to 6 decimals, so the sum may be off by up to 1.5e-6
    assert abs(rec["p_function"]["community"] - rec["p_networking"]) < 1e-6
    assert abs(sum(rec["p_function"].values()) - 1) <= 1.5e-6 + 1e-12


def test_output_columns():
    assert output_columns() == list(OUTPUT_COLUMNS)
    assert output_columns(features=True)[len(OUTPUT_COLUMNS):] == list(SIGNAL_NAMES)


def test_chunks():
    assert list(chunks(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert list(chunks([], 3)) == []
    # the last full chunk and the rest are split for the workers that finish the input
    assert list(chunks(range(10), 4, tail_parts=2)) == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert list(chunks(range(8), 4, tail_parts=4)) == [[0, 1, 2, 3], [4], [5], [6], [7]]
    assert list(chunks(range(3), 4, tail_parts=4)) == [[0], [1], [2]]
    assert list(chunks([], 4, tail_parts=4)) == []


@given(st.integers(0, 60), st.integers(1, 9), st.integers(1, 6))
def test_chunks_keep_every_item_in_order(n, size, parts):
    out = list(chunks(range(n), size, tail_parts=parts))
    assert [x for c in out for x in c] == list(range(n))
    assert all(0 < len(c) <= size for c in out)


def test_chunks_read_before_a_reading_error_come_out_first():
    def rows():
        yield from range(5)
        raise OSError("disk gone")

    got = []
    with pytest.raises(OSError):
        for c in chunks(rows(), 2, tail_parts=4):
            got.append(c)
    assert got == [[0, 1], [2, 3]]


def test_chunking_does_not_change_results(trained):
    posts = [Post(id=str(i), text=t) for i, t in enumerate(
        ["Sale today!", "Anyone around?", "", "¿Qué opináis?", "Scopri di più nel link in bio"])]
    one = [r for b in row_batches(trained.model, posts, chunk_size=1) for r in b]
    all_ = [r for b in row_batches(trained.model, posts, chunk_size=100) for r in b]
    assert one == all_


# -- properties over open-ended input (hypothesis) ----------------------------------

import csv as _csv  # noqa: E402
import io as _io  # noqa: E402
import json as _json  # noqa: E402


from analyzer.readers import read_posts  # noqa: E402

SPECIAL = st.sampled_from([
    "", " ", "\t\n ", "🔥🔥🔥", "👨‍👩‍👧👍🏽🇮🇹", "https://bit.ly/x?utm_source=ig", "#a #b #c", "@x @y",
    "مرحبا، كيف حالك؟ هل جربت؟", "שלום! מה שלומך?", "e\u0301\u0301\u0301 cafe\u0301", "zero\u200bwidth\u200djoin",
    "ctrl\x00\x01\x1b\x7f", "bad \ud800 surrogate", "¿Qué tal? ¡Genial!", "x" * 1_000_000, "a\r\nb\rc",
    "\ufeffbom", "\ue000 private", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "1e309", "NaN", "null",
])
TEXT = st.one_of(SPECIAL, st.text(max_size=300), st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Z", "C")), max_size=200))
VALUE = st.one_of(TEXT, st.none(), st.integers(), st.floats(allow_nan=True), st.booleans(),
                  st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


def _expected_status(value) -> str:
    if isinstance(value, (list, dict)):
        return "error"
    from analyzer.posts import normalize_text

    return "ok" if normalize_text(value)[0].strip() else "empty"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(values=st.lists(VALUE, min_size=1, max_size=12), ids=st.lists(st.sampled_from(["1", "1", "2", None]), max_size=12))
def test_jsonl_any_values_one_row_each_in_order(trained, values, ids):
    lines = []
    for i, v in enumerate(values):
        rec = {"text": v}
        if i < len(ids) and ids[i] is not None:
            rec["id"] = ids[i]  # duplicated ids are kept as given
        lines.append(_json.dumps(rec))
    posts = list(read_posts("-", stdin=_io.BytesIO("\n".join(lines).encode()), fmt="jsonl"))
    rows = [r for b in row_batches(trained.model, posts, chunk_size=5) for r in b]
    assert len(rows) == len(values)
    assert [r["status"] for r in rows] == [_expected_status(v) for v in values]
    for r in rows:
        assert (r["label"] is None) == (r["status"] != "ok")
        assert (r["error"] is not None) == (r["status"] != "ok")
        assert r["status"] != "empty" or r["error"] == "no text"
        assert isinstance(r["flags"], list)
    again = [r for b in row_batches(trained.model, read_posts("-", stdin=_io.BytesIO("\n".join(lines).encode()),
                                                             fmt="jsonl"), chunk_size=7) for r in b]
    assert again == rows  # deterministic, whatever the chunking


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(rows=st.lists(st.lists(TEXT, min_size=0, max_size=4), min_size=1, max_size=10))
def test_csv_ragged_rows_with_quotes_newlines_and_delimiters(trained, rows):
    buf = _io.StringIO()
    w = _csv.writer(buf)
    w.writerow(["id", "text", "author"])
    kept = []
    for i, cells in enumerate(rows):
        cells = [c.replace("\x00", "") for c in cells]  # NUL bytes make a file binary, tested elsewhere
        line = [f"r{i}", *cells]  # missing fields, or extra ones
        w.writerow(line)
        kept.append(line)
    data = buf.getvalue().encode("utf-8", "surrogatepass")
    posts = list(read_posts("-", stdin=_io.BytesIO(data), fmt="csv"))
    out = [r for b in row_batches(trained.model, posts) for r in b]
    assert [r["id"] for r in out] == [line[0] for line in kept]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.tuples(st.text(max_size=40), st.sampled_from(["utf-8", "latin-1", "cp1252"])),
                      min_size=1, max_size=8))
def test_lines_in_a_legacy_encoding_are_read_as_cp1252_flagged_and_kept(trained, lines):
    """Text files with lines in another encoding (a common export accident)."""
    raw = [t.replace("\n", " ").replace("\r", " ").replace("\x00", " ").encode(enc, "replace") for t, enc in lines]
    posts = list(read_posts("-", stdin=_io.BytesIO(b"\n".join(raw) + b"\n"), fmt="txt"))
    assert len(posts) == len(raw)
    for p, b in zip(posts, raw):
        try:
            b.decode("utf-8")
            valid = True
        except UnicodeDecodeError:
            valid = False
        assert ("decoded_cp1252" in p.flags) == (not valid) and "invalid_utf8" not in p.flags
        if not valid:  # read as cp1252 (or Latin-1 for its five undefined bytes): no replacement characters
            assert "\ufffd" not in p.text
    rows = [r for b in row_batches(trained.model, posts) for r in b]
    assert len(rows) == len(raw)


def test_worker_paths_fork_and_spawn_give_the_same_output(model_dir, monkeypatch):
    """Where fork is unavailable (macOS, Windows) the same pool spawns its workers instead."""
    import multiprocessing

    from analyzer.persistence import load_model

    model = load_model(model_dir)
    options = ScoreOptions(fmt="jsonl", columns=tuple(output_columns()), chunk_size=40)
    posts = [Post(id=str(i), text=f"Sale {i}: 20% off!" if i % 2 else f"Anyone tried {i}?") for i in range(300)]
    one = [p for _, p, _ in score(posts, model, options)]
    forked = [p for _, p, _ in score(posts, model, replace(options, workers=2))]
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    pooled = [p for _, p, _ in score(posts, model, replace(options, workers=2))]
    # workers get the end of the input in smaller chunks (chunks' tail_parts): the output is the same
    assert len(one) == 8 and len(forked) == len(pooled) == 10
    assert "".join(one) == "".join(forked) == "".join(pooled)


def test_media_without_words_is_labelled_by_rule_without_a_probability(trained):
    posts = [Post(id="photo", text="", platform="x", meta={"is_reply": False, "media_count": 2}),
             Post(id="gif", text="@ana", platform="x", flags=("control_characters",),
                  meta={"is_reply": True, "media_count": 1}),
             Post(id="none", text="", platform="x", meta={"is_reply": False, "media_count": 0}),
             Post(id="q", text="Any tips for Lisbon?", meta={"is_reply": False, "media_count": 1})]
    rows = [r for batch in row_batches(trained.model, posts, features=True,
                                       function_head=trained.function_head) for r in batch]
    assert list(rows[0]) == output_columns(features=True)
    nothing = {c: None for c in ("p_networking", "confidence", "p_function", "style", "goals",
                                 "content", "effort", "roi", "words", "intercept", *SIGNAL_NAMES)}
    assert [(r["id"], r["status"], r["label"], r["function"], r["flags"]) for r in rows[:3]] == [
        ("photo", "ok", "media", "information", ["no_text"]),
        ("gif", "ok", "networking", "community", ["control_characters", "no_text"]),
        ("none", "empty", None, None, []),
    ]
    for r in rows[:3]:
        assert {c: r[c] for c in nothing} == nothing
    assert rows[0]["signals"] == [{
        "name": "rule__media_no_text", "dimension": "rule", "value": 2.0, "contribution": None,
        "text": "has no words, only 2 photos/videos/GIFs, posted on its own (not a reply); "
                "labelled by rule from its metadata: broadcast (media, information)"}]
    assert rows[1]["signals"] == [{
        "name": "rule__media_no_text", "dimension": "rule", "value": 1.0, "contribution": None,
        "text": "has no words, only 1 photo/video/GIF, sent as a reply; labelled by rule from its "
                "metadata: conversational (networking, community)"}]
    assert rows[2]["signals"] == []
    # a post with words and a photo is read by the model as before
    assert rows[3]["status"] == "ok" and isinstance(rows[3]["p_networking"], float)
    assert [r["error"] for r in rows] == [None, None, "no text", None]
    assert rows[3]["flags"] == [] and rows[3]["signals"][0]["name"] != "rule__media_no_text"


def _dies_on_the_third_chunk(items):
    import os

    import analyzer.scoring as scoring

    if items[0].id == "80":
        os._exit(3)  # as a worker killed by the system would
    return scoring.score_chunk(scoring._FORKED["model"], scoring._FORKED["options"], items)


def test_a_worker_that_dies_stops_the_run_instead_of_hanging(model_dir, monkeypatch):
    import analyzer.scoring as scoring
    from analyzer.errors import WorkerError
    from analyzer.persistence import load_model

    model = load_model(model_dir)
    options = ScoreOptions(fmt="jsonl", columns=tuple(output_columns()), workers=2, chunk_size=40)
    posts = [Post(id=str(i), text=f"Anyone tried {i}?") for i in range(200)]
    monkeypatch.setattr(scoring, "_score_forked", _dies_on_the_third_chunk)
    got = []
    with pytest.raises(WorkerError, match="a worker process stopped unexpectedly"):
        for n, payload, _ in score(posts, model, options):
            got.append(n)
    assert sum(got) <= 80  # only the chunks before the lost one came back


def test_workers_make_the_model_with_the_same_overrides(model_dir):
    from analyzer.persistence import load_model
    from analyzer.scoring import ScoreJob, worker_model

    mine = load_model(model_dir).with_overrides(lang="it", lexicon={"it": {"thanks": ["grazie mille"]}})
    job = ScoreJob.for_model(mine, ScoreOptions())
    assert job.overrides == (("lang", "it"), ("lexicon", {"it": {"thanks": ["grazie mille"]}}))
    features = worker_model(job).pipeline.named_steps["features"]
    assert (features.lang, features.extra_cues) == ("it", {"it": {"thanks": ["grazie mille"]}})
    assert worker_model(job) is worker_model(job)  # loaded once, then reused


def test_scoring_freezes_the_heap_for_the_run_and_leaves_a_foreign_freeze_alone(trained):
    import gc

    from analyzer.scoring import long_lived_frozen

    posts = [Post(id=str(i), text=t) for i, t in enumerate(["Che ne pensate?", "New menu out now, link in bio"])]
    gc.unfreeze()  # an in-process worker_model of an earlier test may have frozen it
    model = Model(pipeline=trained.model, meta={}, path=Path("."))
    during = []
    for _ in score(posts, model):
        during.append(gc.get_freeze_count())
    assert during and all(n > 0 for n in during)
    assert gc.get_freeze_count() == 0  # unfrozen when the run ends
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with long_lived_frozen():
            pass
        assert gc.get_freeze_count() >= frozen  # someone else's freeze is not undone
    finally:
        gc.unfreeze()


def test_csv_json_cells_are_the_json_of_the_signal_dicts_in_three_languages(trained):
    """CSV's signals and p_function cells, written from format strings, are character for
    character what the JSON encoder makes of the dicts (rule, empty and scored rows)."""
    from analyzer.explain import explain_batch
    from analyzer.scoring import batch_columns
    from analyzer.writers import json_text

    posts = [Post(id="en", text='Any tips for "Lisbon"? \\ back in 2 days 🙏', lang="en"),
             Post(id="es", text="¡Últimas horas! 30% de descuento, link en bio 👉 #rebajas", lang="es"),
             Post(id="it", text="Forza ragazzi, domani si vince! Siamo tutti con voi 💙", lang="it"),
             Post(id="photo", text="", meta={"is_reply": False, "media_count": 2}),
             Post(id="none", text="")]
    batch = explain_batch(trained.model, posts, function_head=trained.function_head)
    as_dicts = batch_columns(batch)
    as_json = batch_columns(batch, json_cells=True)
    assert as_json["signals"] == [json_text(s) for s in as_dicts["signals"]]
    assert as_json["p_function"] == [None if p is None else json_text(p) for p in as_dicts["p_function"]]
    assert as_json["signals"][4] == "[]" and as_json["p_function"][3:] == [None, None]
    assert '"contribution": null' in as_json["signals"][3]
    assert {c: v for c, v in as_json.items() if c not in ("signals", "p_function")} == {
        c: v for c, v in as_dicts.items() if c not in ("signals", "p_function")}


def test_json_cells_leave_non_finite_numbers_to_the_encoder():
    from analyzer.scoring import _json_cells

    item = ("style__n_words", "style", 2.0, 0.5, 'writes "2" words')
    assert _json_cells([0], [item], [[0.25, 0.25, 0.5]], 1) == (
        ['[{"name": "style__n_words", "dimension": "style", "value": 2.0, "contribution": 0.5, '
         '"text": "writes \\"2\\" words"}]'],
        ['{"information": 0.25, "action": 0.25, "community": 0.5}'])
    assert _json_cells([0], [(*item[:3], float("nan"), item[4])], None, 1) is None
    assert _json_cells([0], [item], [[float("inf"), 0.0, 0.5]], 1) is None
