import pytest

from analyzer.nlp import UNDETERMINED, cue_matcher, freeze_cues, get_nlp, identify_language


@pytest.mark.parametrize("lang", ["en", "es", "it"])
def test_tokenizer_keeps_social_tokens_whole(lang):
    nlp = get_nlp(lang)
    text = "@ana_b #SmallBiz 👍🏽👨‍👩‍👧 🇮🇹 https://bit.ly/x?utm_source=ig great👍🏽"
    assert [t.text for t in nlp(text)] == [
        "@ana_b", "#SmallBiz", "👍🏽", "👨‍👩‍👧", "🇮🇹", "https://bit.ly/x?utm_source=ig", "great", "👍🏽"]


def test_pipeline_is_cached_and_sentencised():
    assert get_nlp("es") is get_nlp("es")
    doc = get_nlp("en")("First one. Second one!")
    assert len(list(doc.sents)) == 2


def test_unsupported_language_uses_multilanguage_tokenizer():
    assert get_nlp("de").lang == "xx"


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


def test_matcher_labels_and_extra_words():
    nlp = get_nlp("en")
    base = cue_matcher("en")
    doc = nlp("Bag yours now, link in bio")
    labels = {nlp.vocab.strings[m] for m, _, _ in base(doc)}
    assert "click_ask" in labels and "cta_verbs" not in labels
    extra = freeze_cues({"en": {"cta_verbs": ["bag yours"]}}, "en")
    labels = {nlp.vocab.strings[m] for m, _, _ in cue_matcher("en", extra)(doc)}
    assert "cta_verbs" in labels


def test_undetermined_matcher_unites_all_lexicons():
    nlp = get_nlp(UNDETERMINED)
    doc = nlp("grazie gracias thanks")
    hits = [nlp.vocab.strings[m] for m, _, _ in cue_matcher(UNDETERMINED)(doc)]
    assert hits.count("thanks") == 3
