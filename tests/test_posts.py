from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analyzer.posts import (
    MAX_CHARS,
    Label,
    LabelError,
    Post,
    media_rule,
    normalize_text,
    own_words,
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


def test_status_of_posts_with_media_and_no_words():
    photo = Post(id="1", text="", meta={"media_count": 1, "is_reply": False})
    assert (photo.status, photo.media_count, photo.by_rule) == ("ok", 1, True)
    assert Post(id="2", text="", meta={"media_count": 0}).status == "empty"
    assert Post(id="3", text="", meta={"media_count": "2"}).status == "empty"  # not a count
    assert Post(id="4", text="", meta={"media_count": True}).status == "empty"
    assert Post(id="5", text="", error="bad", meta={"media_count": 1}).status == "error"
    # a reply whose only text is the @-name before it has no words of its own
    assert Post(id="6", text="@ana @bob@example.social", meta={"media_count": 1, "is_reply": True}).by_rule
    # outside a reply an @-name is written by the author: the model reads it
    assert not Post(id="7", text="@ana", meta={"media_count": 1, "is_reply": False}).by_rule
    assert not Post(id="8", text="Look!", meta={"media_count": 3, "is_reply": False}).by_rule


def test_own_words():
    assert own_words("@luis_m @marta_g Thanks both") == "Thanks both"
    assert own_words("@bob@other.example") == ""
    assert own_words("@a, @b: ok") == "ok"
    assert own_words("hello @ana") == "hello @ana"


def test_media_rule():
    assert media_rule(Post(id="1", text="", meta={"media_count": 2, "is_reply": False})) == (
        Label.MEDIA, "information",
        "has no words, only 2 photos/videos/GIFs, posted on its own (not a reply); labelled by rule "
        "from its metadata: broadcast (media, information)")
    assert media_rule(Post(id="2", text="@ana", meta={"media_count": 1, "is_reply": True})) == (
        Label.NETWORKING, "community",
        "has no words, only 1 photo/video/GIF, sent as a reply; labelled by rule from its "
        "metadata: conversational (networking, community)")
    assert media_rule(Post(id="3", text="", meta={"media_count": 0})) is None
    assert media_rule(Post(id="4", text="Sunset", meta={"media_count": 1})) is None


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
