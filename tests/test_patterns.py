import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.patterns import (
    CHAR_HANDLE, EMOJI_TOKEN, HASHTAG_IN_TEXT, HASHTAG_TOKEN, LINK_IN_TEXT, LINK_TOKEN, MENTION_IN_TEXT,
    MENTION_TOKEN, NUMBER_TOKEN, URL_IN_TEXT,
)


@pytest.mark.parametrize("pattern,token,whole", [
    (EMOJI_TOKEN, "👍🏽👨‍👩‍👧", True), (EMOJI_TOKEN, "a👍", False),
    (HASHTAG_TOKEN, "#SmallBiz", True), (HASHTAG_TOKEN, "#_x", False),
    (MENTION_TOKEN, "@ana@mastodon.social", True), (MENTION_TOKEN, "ana@x", False),
    (NUMBER_TOKEN, "19,99", True), (NUMBER_TOKEN, "3rd", True), (NUMBER_TOKEN, "v2", False),
    (LINK_TOKEN, "bit.ly/x", True), (LINK_TOKEN, "care.umma", False), (LINK_TOKEN, "tienda.es", True),
    (LINK_TOKEN, "todo.is", False), (LINK_TOKEN, "todo.is/x", True),
])
def test_whole_token_patterns(pattern, token, whole):
    assert bool(pattern.fullmatch(token)) is whole


def test_in_text_patterns():
    text = "see https://x.co/a, shop.example/sale and @ana.b: #win (mail me@home.org)"
    assert [m.group(0) for m in LINK_IN_TEXT.finditer(text)] == ["https://x.co/a,", "shop.example/sale"]
    assert CHAR_HANDLE.findall(text) == ["@ana.b", "@home.org"]
    assert URL_IN_TEXT.findall(text) == ["https://x.co/a,"]
    assert HASHTAG_IN_TEXT.findall(text) == ["win"]
    assert MENTION_IN_TEXT.findall(text) == ["ana.b"]


_PLAIN_LINK = re.compile(r"(?:https?://|ftp://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/\S*", re.IGNORECASE)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(list("ab.-_/ \n:1é") + ["www.", "http://", ".com/", "K"]), max_size=14).map("".join))
def test_the_link_lookahead_changes_no_match(text):
    assert [m.span() for m in LINK_IN_TEXT.finditer(text)] == [m.span() for m in _PLAIN_LINK.finditer(text)]
