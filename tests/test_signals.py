"""Signals on hand-written posts in English, Spanish and Italian, with exact values.

Each case lists every signal that is not zero; all other signals must be zero.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from analyzer.features import parse_posts
from analyzer.lexicons import load_lexicon
from analyzer.signals import DIMENSIONS, SIGNAL_NAMES, SIGNALS, compute_signals, describe

CASES = [
    ("en", "Big news! We are excited to announce our new app. Download it today: "
           "https://bit.ly/app1?utm_source=x #launch #app",
     {"style__n_exclamations": 1, "style__rate_first_plural": 2 / 13, "style__has_cta_start": 1,
      "style__has_announcement": 1, "style__rate_hashtags": 2 / 19,
      "style__mean_sentence_len": 13 / 3, "goals__has_launch": 1, "content__n_urls": 1,
      "content__has_short_url": 1, "content__n_words": 13, "content__n_sentences": 3,
      "content__n_hashtags": 2, "effort__has_utm": 1, "effort__n_trailing_hashtags": 2,
      "roi__n_action_asks": 1}),
    ("en", "@tom_b @sara thanks for the tips yesterday! What do you think about Lisbon in May?",
     {"style__n_questions": 1, "style__has_question_opener": 1, "style__has_open_question": 1,
      "style__n_exclamations": 1, "style__rate_second_person": 1 / 13, "style__has_thanks": 1,
      "style__mean_sentence_len": 6.5, "style__n_leading_mentions": 2, "goals__has_advice_ask": 1,
      "goals__has_opinion_ask": 1, "content__is_text_only": 1, "content__n_words": 13,
      "content__n_sentences": 2, "effort__is_reply": 1, "effort__has_personal_ref": 1,
      "roi__n_response_asks": 3}),
    ("en", "Hey, buy this now",
     {"style__has_cta_start": 1, "style__has_greeting": 1, "style__mean_sentence_len": 4,
      "content__is_text_only": 1, "content__n_words": 4, "content__n_sentences": 1,
      "content__is_very_short": 1, "roi__n_action_asks": 1}),
    # "buy" in the middle of a sentence is not a call to action
    ("en", "We will buy more chairs soon.",
     {"style__rate_first_plural": 1 / 6, "style__mean_sentence_len": 6, "content__is_text_only": 1,
      "content__n_words": 6, "content__n_sentences": 1}),
    ("en", "Prices from $19.99 or 25 EUR — Black Friday 👨‍👩‍👧 deals [LINK] via Hootsuite",
     {"style__rate_caps": 2 / 12, "style__mean_sentence_len": 12, "goals__has_price": 1,
      "goals__n_offer_words": 2, "goals__has_discount": 1, "goals__n_numbers": 2,
      "content__n_emoji": 1, "content__n_words": 12, "content__n_sentences": 1,
      "effort__has_scheduler": 1, "effort__has_placeholder": 1}),
    ("en", "#tbt #summer ☀️",
     {"style__rate_hashtags": 2 / 3, "content__n_emoji": 1, "content__n_sentences": 1,
      "content__is_very_short": 1, "content__is_hashtag_only": 1, "content__n_hashtags": 2,
      "effort__n_trailing_hashtags": 2}),
    ("es", "¿Alguien me recomienda un fisio en Sevilla? Mi espalda no aguanta más 😩",
     {"style__n_questions": 1, "style__has_question_opener": 1, "style__has_open_question": 1,
      "style__rate_first_singular": 2 / 12, "style__mean_sentence_len": 6, "content__n_emoji": 1,
      "content__n_words": 12, "content__n_sentences": 2, "roi__n_response_asks": 1}),
    ("es", "¡Oferta! 2x1 en todos los cafés, solo hoy. Precio: 3,50 €. Pide ya en nuestra web. "
           "#cafe #oferta",
     {"style__n_exclamations": 1, "style__rate_first_plural": 1 / 14, "style__has_cta_start": 1,
      "style__rate_hashtags": 2 / 25, "style__mean_sentence_len": 14 / 5, "goals__has_price": 1,
      "goals__n_offer_words": 2, "goals__has_discount": 1, "goals__has_urgency": 1,
      "goals__has_sales_contact": 1, "goals__n_numbers": 1, "content__n_words": 14,
      "content__n_sentences": 5, "content__n_hashtags": 2, "effort__n_trailing_hashtags": 2,
      "roi__n_action_asks": 2}),
    ("es", "Hola! Os leo: ¿cuál preferís, opción A u opción B? Votad en la encuesta 👇",
     {"style__n_questions": 1, "style__has_question_opener": 1, "style__has_open_question": 1,
      "style__n_exclamations": 1, "style__rate_second_person": 1 / 14, "style__has_greeting": 1,
      "style__mean_sentence_len": 14 / 3, "content__n_emoji": 1, "content__has_poll": 1,
      "content__n_words": 14, "content__n_sentences": 3, "roi__has_reply_ask": 1,
      "roi__n_response_asks": 2}),
    ("it", "Cosa ne pensate del nuovo orario dei treni? Io lo trovo assurdo, fatemi sapere.",
     {"style__n_questions": 1, "style__has_question_opener": 1, "style__has_open_question": 1,
      "style__rate_first_singular": 1 / 14, "style__mean_sentence_len": 7, "goals__has_launch": 1,
      "goals__has_opinion_ask": 1, "content__is_text_only": 1, "content__n_words": 14,
      "content__n_sentences": 2, "roi__has_reply_ask": 1, "roi__n_response_asks": 4}),
    ("it", "SCONTO del 20% su tutta la collezione 🛍️🛍️ Link in bio! #saldi #moda #adv",
     {"style__n_exclamations": 1, "style__rate_caps": 1 / 10, "style__rate_hashtags": 3 / 17,
      "style__mean_sentence_len": 5, "goals__has_percent": 1, "goals__has_discount": 1,
      "goals__has_launch": 1, "goals__has_sponsor_tag": 1, "goals__n_numbers": 1,
      "content__has_read_more": 1, "content__n_emoji": 2, "content__n_words": 10,
      "content__n_sentences": 2, "content__n_hashtags": 3, "effort__n_trailing_hashtags": 3,
      "roi__has_click_ask": 1, "roi__n_action_asks": 1}),
    ("it", "Grazie @luca e @anna per ieri sera! Complimenti a tutti, un abbraccio.",
     {"style__n_exclamations": 1, "style__has_thanks": 1, "style__mean_sentence_len": 5,
      "goals__has_help_offer": 1, "goals__has_congrats": 1, "content__is_text_only": 1,
      "content__n_words": 10, "content__n_sentences": 2, "effort__n_mentions": 2,
      "effort__has_personal_ref": 1}),
]


def signal_values(texts, langs, metas=None):
    parsed = parse_posts(texts, langs, metas)
    return parsed, compute_signals(parsed.base)


@pytest.mark.parametrize("lang,text,expected", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_signals_exact_values(lang, text, expected):
    _, values = signal_values([text], [lang])
    got = {name: float(values[0, j]) for j, name in enumerate(SIGNAL_NAMES) if values[0, j] != 0}
    assert set(got) == set(expected)
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, abs=1e-12), name


def test_batch_equals_one_by_one():
    texts = [c[1] for c in CASES]
    langs = [c[0] for c in CASES]
    _, together = signal_values(texts, langs)
    for i, (t, lang) in enumerate(zip(texts, langs)):
        _, alone = signal_values([t], [lang])
        np.testing.assert_array_equal(together[i], alone[0])


def test_question_mark_inside_url_is_not_a_question():
    _, v = signal_values(["Shop: https://x.example/p?utm_source=ig&id=3"], ["en"])
    assert v[0, SIGNAL_NAMES.index("style__n_questions")] == 0
    assert v[0, SIGNAL_NAMES.index("effort__has_utm")] == 1


def test_export_metadata_marks_replies_and_schedulers():
    metas = [{"is_reply": True}, {"client": "Hootsuite Inc."}, {"client": "Twitter for iPhone"}]
    _, v = signal_values(["ok then", "New post", "New post"], ["en"] * 3, metas)
    assert list(v[:, SIGNAL_NAMES.index("effort__is_reply")]) == [1, 0, 0]
    assert list(v[:, SIGNAL_NAMES.index("effort__has_scheduler")]) == [0, 1, 0]


def test_empty_text_gives_zero_counts():
    _, v = signal_values([""], ["en"])
    got = {name for j, name in enumerate(SIGNAL_NAMES) if v[0, j] != 0}
    assert got == {"content__is_text_only", "content__is_very_short"}


def test_catalogue_has_at_least_40_signals_over_five_dimensions():
    assert len(SIGNALS) >= 40
    assert len(set(SIGNAL_NAMES)) == len(SIGNAL_NAMES)
    for dim in DIMENSIONS:
        assert sum(s.dimension == dim for s in SIGNALS) >= 4, dim
    for s in SIGNALS:
        assert re.fullmatch(r"(style|goals|content|effort|roi)__(n|has|rate|mean|is)_[a-z_]+", s.name)
        assert s.description.endswith(".") and len(s.description) > 10
        assert s.phrase


@pytest.mark.parametrize("lang", ["en", "es", "it"])
def test_every_cue_signal_has_words_in_every_language(lang):
    lexicon = load_lexicon(lang)
    for s in SIGNALS:
        if s.evidence in lexicon.cues:
            assert lexicon.cues[s.evidence], (lang, s.name)


def test_describe_uses_value_and_evidence():
    assert describe("goals__has_price", 1.0, "19,99 €") == "mentions a price (19,99 €)"
    assert describe("style__n_questions", 2.0) == "asks a question (2 question marks)"
    assert describe("style__n_questions", 1.0) == "asks a question (1 question mark)"
    assert describe("style__has_thanks", 1.0) == "thanks someone"
    assert describe("style__rate_caps", 0.25) == "shouts in capitals (25% of words)"


@pytest.mark.parametrize("name,value,expected", [
    ("content__n_words", 300.0, "has 300+ words"),
    ("content__n_words", 299.0, "has 299 words"),
    ("content__n_sentences", 20.0, "has 20+ sentences"),
    ("content__n_urls", 3.0, "links out (3+ links)"),
    ("content__n_urls", 1.0, "links out (1 link)"),
    ("roi__n_action_asks", 1.0, "asks readers to act (1 time)"),
    ("style__mean_sentence_len", 60.0, "writes 60+-word sentences on average"),
])
def test_capped_values_are_shown_as_capped(name, value, expected):
    assert describe(name, value) == expected


def test_every_stated_cap_is_the_computed_cap():
    from analyzer.signals import CAPS

    # a post far past every cap: each capped signal comes out exactly at the cap its description states
    text = " ".join(["Buy now at https://a.example/x #sale @ana 😀 100 sale?!"] * 400).replace("?!", "?!\n")
    base = parse_posts([text], ["en"]).base
    values = dict(zip(SIGNAL_NAMES, compute_signals(base)[0]))
    assert len(CAPS) >= 15
    for name, cap in CAPS.items():
        assert values[name] <= cap, name
    reached = {n for n, cap in CAPS.items() if values[n] == cap}
    assert {"content__n_words", "content__n_urls", "content__n_hashtags", "style__n_questions"} <= reached
