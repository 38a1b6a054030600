from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analyzer.posts import (
    MAX_CHARS,
    Label,
    LabelError,
    Post,
    normalize_text,
    parse_date,
    parse_label,
)


@pytest.mark.parametrize("raw,label", [
    ("media", Label.MEDIA), ("MEDIA", Label.MEDIA), (" Promotional ", Label.MEDIA),
    ("broadcast", Label.MEDIA), ("networking", Label.NETWORKING),
    ("Conversational", Label.NETWORKING), (Label.NETWORKING, Label.NETWORKING),
])
def test_parse_label_accepts_synonyms_in_any_case(raw, label):
    assert parse_label(raw) is label


@pytest.mark.parametrize("raw", ["spam", "", None, "1", "médias"])
def test_parse_label_rejects_anything_else_with_the_accepted_list(raw):
    with pytest.raises(LabelError, match="accepted: .*conversational.*media"):
        parse_label(raw)


def test_normalize_text_cleans_and_flags():
    assert normalize_text("  hola\r\nqué tal  ") == ("hola\nqué tal", ())
    assert normalize_text("e\u0301") == ("é", ())  # NFC
    assert normalize_text("a\x00b\x1bc") == ("a b c", ("control_characters",))
    assert normalize_text("bad \ud800 surrogate") == ("bad \ufffd surrogate", ("invalid_unicode",))
    assert normalize_text(None) == ("", ())
    assert normalize_text(float("nan")) == ("", ())
    assert normalize_text(42) == ("42", ("non_string_text",))
    text, flags = normalize_text("x" * (MAX_CHARS + 5))
    assert len(text) == MAX_CHARS and flags == ("truncated",)


@given(st.text())
def test_normalize_text_never_raises_and_is_idempotent(raw):
    text, _ = normalize_text(raw)
    assert normalize_text(text)[0] == text
    assert len(text) <= MAX_CHARS


def test_post_status():
    assert Post(id="1", text="hi").status == "ok"
    assert Post(id="1", text="  ").status == "empty"
    assert Post(id="1", text="hi", error="bad row").status == "error"


@pytest.mark.parametrize("raw,expected", [
    ("2026-08-03T09:00:00+00:00", datetime(2026, 8, 3, 9, tzinfo=timezone.utc)),
    ("2026-08-03T09:00:00Z", datetime(2026, 8, 3, 9, tzinfo=timezone.utc)),
    ("Wed Oct 10 20:19:24 +0000 2018", datetime(2018, 10, 10, 20, 19, 24, tzinfo=timezone.utc)),
    (1700000000, datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)),
    (1700000000000, datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)),
    ("1700000000", datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)),
    ("2026-08-03", datetime(2026, 8, 3)),
    ("yesterday", None), ("", None), (None, None), (float("nan"), None), (True, None),
])
def test_parse_date(raw, expected):
    assert parse_date(raw) == expected
