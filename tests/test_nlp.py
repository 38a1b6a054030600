import pytest

from analyzer import nlp as N
from analyzer.nlp import UNDETERMINED, get_nlp, identify_language


def test_tokenizer_keeps_social_tokens_whole():
    nlp = get_nlp()
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
    assert get_nlp() is get_nlp()
    assert get_nlp().lang == "xx"


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


# posts in languages without a lexicon: `und`, not the nearest supported language (before the
# identification-only word lists, the French ones came out `it`, the Portuguese ones `es`)
OTHER_LANGUAGE_POSTS = [
    "Merci à tous pour votre soutien, on se retrouve très bientôt à Lyon !",
    "Nouvelle collection disponible dès aujourd'hui sur notre site, livraison offerte 🎁",
    "Quelqu'un a déjà testé ce restaurant près de la gare ? Vous en pensez quoi ?",
    "Offre spéciale : -20 % sur toute la boutique jusqu'à dimanche.",
    "Je suis tellement fière de vous",
    "Vielen Dank an alle, die heute dabei waren! Wir sehen uns nächste Woche.",
    "Hat jemand einen Tipp für ein gutes Café in Berlin? Was meint ihr?",
    "Ich bin so müde, aber das Konzert war es wert.",
    "Obrigado a todos que vieram ao evento, foi incrível!",
    "Nova coleção disponível na nossa loja, frete grátis para todo o Brasil.",
    "Alguém sabe onde posso encontrar um bom café em Lisboa? O que vocês acham?",
    "Promoção de verão: 30% de desconto em toda a loja até domingo!",
    "Weet iemand een goed restaurant in Utrecht? Wat vinden jullie?",
]

SHORT_OWN_POSTS = [
    ("Who's coming Saturday?", "en"), ("New post up, link in bio", "en"), ("Thanks so much ❤️", "en"),
    ("¡Qué partido!", "es"), ("Buenos días a todos", "es"), ("¿Alguien más?", "es"),
    ("Gracias por venir", "es"), ("Mañana más", "es"),
    ("Che bello!", "it"), ("Buongiorno a tutti", "it"), ("Qualcuno ci va?", "it"),
    ("Grazie mille ragazzi", "it"), ("Forza ragazzi, domani si vince! Siamo tutti con voi 💙", "it"),
]


def test_other_languages_are_undetermined_and_short_own_posts_keep_their_language():
    assert N.identify_languages(OTHER_LANGUAGE_POSTS) == [UNDETERMINED] * len(OTHER_LANGUAGE_POSTS)
    assert N.identify_languages([t for t, _ in SHORT_OWN_POSTS]) == [lang for _, lang in SHORT_OWN_POSTS]


def test_identification_only_languages_drop_common_words_of_supported_ones():
    from analyzer.lexicons import other_languages

    others = {lex.lang: lex for lex in other_languages()}
    assert sorted(others) == ["de", "fr", "nl", "pt"]
    assert not set(others) & set(N.supported_languages())
    # Spanish stop words that are no Spanish identification word never count for Portuguese
    assert "no" not in others["pt"].identify and "não" in others["pt"].identify
    assert "que" in others["pt"].identify  # also a Spanish identification word: a tie, Spanish wins
    assert identify_language("No, no es eso") == "es"


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
