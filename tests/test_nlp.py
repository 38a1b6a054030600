import numpy as np
import pytest

from analyzer import nlp as N
from analyzer.nlp import UNDETERMINED, get_nlp, identify_language


@pytest.mark.parametrize("lang", ["en", "es", "it"])
def test_tokenizer_keeps_social_tokens_whole(lang):
    nlp = get_nlp(lang)
    text = "@ana_b #SmallBiz 👍🏽👨‍👩‍👧 🇮🇹 https://bit.ly/x?utm_source=ig great👍🏽"
    assert [t.text for t in nlp(text)] == [
        "@ana_b", "#SmallBiz", "👍🏽", "👨‍👩‍👧", "🇮🇹", "https://bit.ly/x?utm_source=ig", "great", "👍🏽"]


@pytest.mark.parametrize("text,tokens", [
    ("¿Qué tal? ¡Genial!", ["¿", "Qué", "tal", "?", "¡", "Genial", "!"]),
    ("Don't miss it: 19,99€ or $5.99 (-20%)!!", ["Do", "n't", "miss", "it", ":", "19,99", "€", "or", "$", "5.99",
                                               "(", "-", "20", "%", ")", "!", "!"]),
    ("It's here... finally.Great", ["It", "'s", "here", "...", "finally", ".", "Great"]),
    ("hola,que tal—bien", ["hola", ",", "que", "tal", "—", "bien"]),
    ("l'amico di Marco. Ciao!", ["l'amico", "di", "Marco", ".", "Ciao", "!"]),
])
def test_tokenizer_rules_for_three_languages(text, tokens):
    assert [t.text for t in get_nlp()(text)] == tokens


def test_one_shared_pipeline():
    assert get_nlp("es") is get_nlp("en") is get_nlp() is get_nlp("de")
    assert get_nlp().lang == "xx"


def test_lexeme_table_bits():
    nlp = get_nlp()
    words = ["Hola", "SALE", "19,99", "?", "\n", "🔥", "#ad", "@bob", "bit.ly/x", "care.umma", "años", "perché"]
    doc = nlp.make_doc(" ".join(words).replace(" \n ", "\n"))
    orth = doc.to_array("ORTH").astype(np.uint64)
    lower, length, bits = N.lex_table().lookup(orth, nlp.vocab.strings)
    by = {t.text: int(b) for t, b in zip(doc, bits)}
    has = lambda w, bit: bool(by[w] >> bit & 1)  # noqa: E731
    assert has("Hola", N.ALPHA) and not has("Hola", N.UPPER) and has("SALE", N.UPPER)
    assert has("19,99", N.NUM) and has("?", N.PUNCT) and has("?", N.FINAL)
    assert has("🔥", N.EMOJI) and has("#ad", N.HASHTAG) and has("@bob", N.MENTION)
    assert has("bit.ly/x", N.LINK) and not has("care.umma", N.LINK)
    langs = N.supported_languages()
    assert has("años", N._LANG_CHAR_BIT + langs.index("es"))
    assert has("perché", N._LANG_CHAR_BIT + langs.index("it")) is False  # é is not Italian-only
    assert list(length[:2]) == [4, 4]


@pytest.mark.parametrize("text,lang", [
    ("What do you think about the new schedule?", "en"),
    ("Thanks for coming to the meetup, it was great", "en"),
    ("¿Qué opináis del nuevo horario del metro?", "es"),
    ("Mañana abrimos la tienda a las diez", "es"),
    ("Cosa ne pensate del nuovo orario dei treni?", "it"),
    ("SCONTO del 20% su tutta la collezione", "it"),
    ("Grazie a tutti per ieri sera", "it"),
    ("🔥🔥🔥", UNDETERMINED),
    ("", UNDETERMINED),
    ("Wir freuen uns sehr", UNDETERMINED),
])
def test_identify_language(text, lang):
    assert identify_language(text) == lang


def test_identify_languages_in_batch_equals_one_by_one():
    texts = ["hello there, how are you", "¿qué tal?", "ciao a tutti", "#tbt"]
    assert N.identify_languages(texts) == [identify_language(t) for t in texts]


def test_matcher_labels_and_extra_words():
    nlp = get_nlp()
    doc = nlp("Bag yours now, link in bio")
    labels = {nlp.vocab.strings[m] for m, _, _ in N.all_cue_matcher()[0](doc)}
    assert "en:click_ask" in labels and "en:cta_verbs" not in labels
    extra = N.frozen_extra({"en": {"cta_verbs": ["bag yours"]}})
    labels = {nlp.vocab.strings[m] for m, _, _ in N.all_cue_matcher(extra)[0](doc)}
    assert "en:cta_verbs" in labels


def test_reset_when_vocabulary_grows(monkeypatch):
    before = get_nlp()
    monkeypatch.setattr(N, "MAX_LEXEMES", 10)
    N.maybe_reset()
    after = get_nlp()
    assert after is not before and len(after.vocab) < len(before.vocab)
    assert identify_language("gracias a todos") == "es"  # everything rebuilt lazily
