"""Every audit number checked against a hand computation on a small hand-made input."""

import statistics

import pytest

from analyzer.audit import AuditBuilder, build_audit, month_of

S = lambda name, c: {"name": name, "dimension": name.split("__")[0], "value": 1.0, "contribution": c, "text": name}  # noqa: E731


def row(i, author, when, platform, p, *, reply=None, q=0, url=0, sched=0, dims=(0, 0, 0, 0, 0), signals=()):
    label = "networking" if p > 0.5 else "media"
    return {"id": str(i), "text": f"post {i}", "author": author, "created_at": when, "platform": platform,
            "is_reply": reply, "lang": "en", "label": label, "p_networking": p,
            "style": dims[0], "goals": dims[1], "content": dims[2], "effort": dims[3], "roi": dims[4],
            "signals": list(signals), "status": "ok",
            "style__n_questions": q, "content__n_urls": url, "effort__has_scheduler": sched}


ROWS = [
    row(1, "acme", "2026-01-01T10:00:00+00:00", "x", 0.10, reply=False, url=1, sched=1, dims=(-1, -2, 0, 0, 0),
        signals=[S("goals__has_price", -1.5), S("style__n_questions", 0.4)]),
    row(2, "acme", "2026-01-02T10:00:00+00:00", "x", 0.20, reply=False, url=1, sched=1, dims=(0, -1, 0, 0, -1),
        signals=[S("goals__has_price", -1.0), S("roi__has_click_ask", -0.5)]),
    row(3, "acme", "2026-01-03T10:00:00+00:00", "instagram", 0.45, reply=False, q=1, dims=(1, 0, 0, 0, 0),
        signals=[S("roi__has_click_ask", -0.8)]),
    row(4, "acme", "2026-02-04T10:00:00+00:00", "instagram", 0.90, reply=True, q=1, dims=(2, 0, 1, 0, 0),
        signals=[S("style__n_questions", 1.2)]),
    row(5, "acme", "2026-02-05T10:00:00+00:00", "x", 0.05, reply=False, url=1, dims=(0, -3, 0, 0, 0),
        signals=[S("goals__has_price", -2.0)]),
    row(6, "bea", "2026-01-10T08:00:00+00:00", "x", 0.95, reply=True, q=1, dims=(3, 0, 0, 1, 1),
        signals=[S("style__has_thanks", 1.0)]),
    row(7, "bea", "2026-01-20T08:00:00+00:00", "mastodon", 0.55, reply=False, dims=(1, 0, 0, 0, 0)),
    {"id": "8", "text": "", "status": "empty", "label": None, "p_networking": None, "author": "bea"},
]


@pytest.fixture(scope="module")
def audit():
    return build_audit(ROWS, weights={"style__n_questions": 1.5, "goals__has_price": -2.0}, examples=2)


def test_overall(audit):
    assert audit["rows"] == 8
    assert audit["status"] == {"ok": 7, "empty": 1, "error": 0}
    o = audit["overall"]
    # media = p <= 0.5: rows 1, 2, 3, 5 -> 4 of 7; uncertain = 0.4 <= p <= 0.6: rows 3 and 7
    assert (o["posts"], o["media"], o["networking"], o["uncertain"]) == (7, 4, 3, 2)
    assert o["media_share"] == pytest.approx(4 / 7)
    assert o["over_target"] == pytest.approx(4 / 7 - 0.2)
    assert o["rules"]["80/20"]["met"] is False and o["rules"]["4-1-1"]["met"] is False
    assert o["dimensions"]["style"] == pytest.approx((-1 + 0 + 1 + 2 + 0 + 3 + 1) / 7)
    assert o["dimensions"]["goals"] == pytest.approx((-2 - 1 + 0 + 0 - 3) / 7)


def test_mix_per_account_sorted_furthest_from_target(audit):
    rows = audit["mix"]["account"]["rows"]
    assert [r["key"] for r in rows] == ["acme", "bea"]
    acme = rows[0]
    assert (acme["posts"], acme["media"], acme["networking"], acme["uncertain"]) == (5, 4, 1, 1)
    assert acme["media_share"] == pytest.approx(0.8) and acme["over_target"] == pytest.approx(0.6)
    assert rows[1]["media_share"] == 0 and rows[1]["over_target"] == pytest.approx(-0.2)
    assert audit["dimensions"]["by_account"]["bea"]["style"] == pytest.approx(2.0)


def test_mix_per_month_and_platform(audit):
    months = audit["mix"]["month"]["rows"]
    assert [(r["key"], r["posts"], r["media"]) for r in months] == [("2026-01", 5, 3), ("2026-02", 2, 1)]
    platforms = {r["key"]: (r["posts"], r["media"]) for r in audit["mix"]["platform"]["rows"]}
    assert platforms == {"x": (4, 3), "instagram": (2, 1), "mastodon": (1, 0)}  # x: rows 1, 2, 5 media; 6 networking
    assert audit["mix"]["language"]["rows"][0]["key"] == "en"


def test_signal_prevalence(audit):
    by = {r["name"]: r for r in audit["signals"]}
    # questions: media posts with q>0: row 3 (1 of 4); networking: rows 4, 6 (2 of 3)
    assert by["style__n_questions"]["media_share"] == pytest.approx(1 / 4)
    assert by["style__n_questions"]["networking_share"] == pytest.approx(2 / 3)
    assert by["style__n_questions"]["weight"] == 1.5
    # links: rows 1, 2, 5 are media -> 3 of 4
    assert by["content__n_urls"]["media_share"] == pytest.approx(3 / 4)
    assert by["content__n_urls"]["networking_share"] == 0


def test_prevalence_counts_only_rows_that_carry_signal_values():
    # the same posts once more, as `score --no-text` writes them: no signal columns
    bare = [{k: v for k, v in r.items() if "__" not in k} | {"id": f"b{r['id']}"} for r in ROWS]
    by = {r["name"]: r for r in build_audit(ROWS + bare)["signals"]}
    assert by["style__n_questions"]["media_share"] == pytest.approx(1 / 4)
    assert by["style__n_questions"]["networking_share"] == pytest.approx(2 / 3)
    assert by["content__n_urls"]["media_share"] == pytest.approx(3 / 4)


def test_string_and_missing_signal_values_count_like_numbers():
    as_text = [{k: (str(v) if "__" in k else v) for k, v in r.items()} for r in ROWS]
    as_text[0]["style__n_questions"] = ""
    as_text[1].pop("content__n_urls")
    by = {r["name"]: r for r in build_audit(as_text)["signals"]}
    assert by["style__n_questions"]["media_share"] == pytest.approx(1 / 4)
    assert by["content__n_urls"]["media_share"] == pytest.approx(2 / 4)


def test_behaviour(audit):
    acme = audit["behaviour"]["by_account"]["acme"]
    assert acme["reply_share"] == pytest.approx(1 / 5)
    assert acme["link_share"] == pytest.approx(3 / 5)
    assert acme["scheduler_share"] == pytest.approx(2 / 5)
    assert acme["question_share"] == pytest.approx(2 / 5)
    gaps = [24, 24, 32 * 24, 24]  # hours between the five posts
    assert acme["median_interval_hours"] == pytest.approx(statistics.median(gaps))
    assert acme["interval_cv"] == pytest.approx(statistics.pstdev(gaps) / statistics.fmean(gaps))
    assert "median_interval_hours" not in audit["behaviour"]["by_account"]["bea"]  # two posts only
    overall = audit["behaviour"]["overall"]
    assert overall["reply_share"] == pytest.approx(2 / 7)


def test_examples(audit):
    ex = audit["examples"]
    assert [e["id"] for e in ex["media"]] == ["5", "1"]          # p 0.05, 0.10
    assert [e["id"] for e in ex["networking"]] == ["6", "4"]     # p 0.95, 0.90
    assert [e["id"] for e in ex["borderline"]] == ["3", "7"]     # |p-0.5| 0.05 (first seen), 0.05


def test_actions_are_about_the_data(audit):
    acme = audit["actions"]["by_account"]["acme"]
    assert [a["rank"] for a in acme] == list(range(1, len(acme) + 1)) and 3 <= len(acme) <= 5
    assert acme[0]["kind"] == "mix" and acme[0]["number"] == "80% promotional"
    assert acme[0]["text"].startswith("4 of your 5 posts (80%) broadcast or promote; the 80/20 target is at most 20%.")
    assert acme[0]["example"]["id"] == "5"  # its most confidently media post
    kinds = [a["kind"] for a in acme]
    # x: 3 media of 3; instagram: 1 of 2 -> X is the broadcast-only platform
    platform = acme[kinds.index("platform")]
    assert platform["text"].startswith("All 3 of your X posts promote or broadcast, against 50% on Instagram.")
    habit = acme[kinds.index("habit")]  # the price is the top push of 3 of the 4 media posts
    assert habit["number"] == "3 of 4 promotional posts" and "mentions a price" in habit["text"]
    assert "replies" not in kinds  # reply share 0.2 is not below 0.1
    for a in acme:
        assert "__" not in a["text"] and " h " not in a["text"]
    assert "bea" not in audit["actions"]["by_account"]  # two posts: too few for advice
    # each post quoted once per account
    quoted = [a["example"]["id"] for a in acme if a["example"]]
    assert len(quoted) == len(set(quoted))


def test_borderline_means_the_uncertain_band():
    rows = [dict(ROWS[0], id="a", p_networking=0.94, label="networking"),
            dict(ROWS[0], id="b", p_networking=0.05), dict(ROWS[0], id="c", p_networking=0.58, label="networking")]
    assert [e["id"] for e in build_audit(rows)["examples"]["borderline"]] == ["c"]


def test_missing_columns_are_left_out_with_a_reason():
    rows = [{"id": "1", "label": "media", "p_networking": 0.1, "status": "ok", "style": 0.0}]
    audit = build_audit(rows)
    assert audit["mix"] == {}
    assert audit["omitted"]["mix_by_account"] == "the input has no account column"
    assert audit["omitted"]["mix_by_month"] == "the input has no date column"
    assert audit["omitted"]["mix_by_platform"] == "the input has no platform column"
    assert "signal_prevalence" in audit["omitted"]


def test_streaming_in_chunks_equals_one_pass():
    one = build_audit(ROWS)
    b = AuditBuilder()
    for i in range(0, len(ROWS), 3):
        b.add(ROWS[i:i + 3])
    assert b.finish() == one


def test_rule_choice():
    audit = build_audit(ROWS, target_rule="4-1-1")
    assert audit["target_media_share"] == pytest.approx(1 / 6)


@pytest.mark.parametrize("value,month", [
    ("2026-03-31T23:30:00-02:00", "2026-04"), ("2026-03-31T23:30:00", "2026-03"), ("nope", None), (None, None)])
def test_month_of(value, month):
    assert month_of(value) == month


EXPLAIN = {"name": "rule__media_no_text", "dimension": "rule", "value": 1.0, "contribution": None,
           "text": "has no words, only 1 photo/video/GIF, ..."}


def rule_row(i, author, when, reply):
    """A row ``score`` writes for a post with no words, only a photo: labelled by rule."""
    label, function = ("networking", "community") if reply else ("media", "information")
    return {"id": str(i), "text": "", "author": author, "created_at": when, "platform": "x",
            "is_reply": reply, "lang": "und", "label": label, "p_networking": None, "confidence": None,
            "function": function, "style": None, "goals": None, "content": None, "effort": None,
            "roi": None, "signals": [EXPLAIN], "status": "ok", "flags": "no_text",
            "style__n_questions": None, "content__n_urls": None, "effort__has_scheduler": None}


RULE_ROWS = [
    row(1, "acme", "2026-01-01T10:00:00+00:00", "x", 0.10, reply=False, url=1, dims=(-1, -2, 0, 0, 0),
        signals=[S("goals__has_price", -1.5)]),
    rule_row(2, "acme", "2026-01-02T10:00:00+00:00", reply=False),
    row(3, "bea", "2026-01-03T10:00:00+00:00", "x", 0.95, reply=True, q=1, dims=(3, 0, 0, 1, 1)),
    rule_row(4, "bea", "2026-01-04T10:00:00+00:00", reply=True),
    {"id": "5", "text": "", "status": "empty", "label": None, "p_networking": None, "author": "bea",
     "flags": None},
]


def test_posts_labelled_by_rule_are_counted_with_their_label():
    audit = build_audit(RULE_ROWS, examples=5)
    assert (audit["rows"], audit["status"]) == (5, {"ok": 4, "empty": 1, "error": 0})
    assert audit["by_rule"] == {"posts": 2, "media": 1, "networking": 1}
    o = audit["overall"]
    assert (o["posts"], o["media"], o["networking"], o["uncertain"], o["by_rule"]) == (4, 2, 2, 0, 2)
    assert o["media_share"] == 0.5
    assert o["functions"] == {"information": 1, "action": 0, "community": 1}
    # dimension averages are over the two posts the model scored, not diluted by the rule posts
    assert o["dimensions"] == {"style": 1.0, "goals": -1.0, "content": 0.0, "effort": 0.5, "roi": 0.5}
    accounts = {r["key"]: (r["posts"], r["media"], r["networking"], r["by_rule"])
                for r in audit["mix"]["account"]["rows"]}
    assert accounts == {"acme": (2, 2, 0, 1), "bea": (2, 0, 2, 1)}
    assert audit["behaviour"]["overall"]["posts"] == 4
    assert audit["behaviour"]["overall"]["reply_share"] == 0.5
    assert audit["behaviour"]["overall"]["question_share"] == 0.5  # of the 2 rows with signal values
    # rule posts carry no text and no probability: never examples, never in signal prevalence
    assert [e["id"] for e in audit["examples"]["media"]] == ["1"]
    assert [e["id"] for e in audit["examples"]["networking"]] == ["3"]
    by = {r["name"]: r for r in audit["signals"]}
    assert (by["content__n_urls"]["media_share"], by["style__n_questions"]["networking_share"]) == (1.0, 1.0)
    assert audit["actions"]["by_account"] == {}  # two posts per account: too few for advice
