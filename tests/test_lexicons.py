import pytest

from analyzer.lexicons import (
    CUE_KEYS,
    LexiconError,
    available_languages,
    load_lexicon,
    read_user_lexicon,
)


def test_shipped_languages():
    assert available_languages() == ("en", "es", "it")


@pytest.mark.parametrize("lang", ["en", "es", "it"])
def test_every_lexicon_defines_every_cue_list(lang):
    lex = load_lexicon(lang)
    assert set(lex.cues) == set(CUE_KEYS)
    assert all(lex.cues[k] for k in CUE_KEYS)
    assert len(lex.identify) >= 40
    assert all(w == w.lower() for words in lex.cues.values() for w in words)


def test_lexicons_are_native_not_english_copies():
    en, es, it = (load_lexicon(x) for x in ("en", "es", "it"))
    assert "gracias" in es.cues["thanks"] and "grazie" in it.cues["thanks"]
    assert "¿qué opináis" not in es.cues["opinion_ask"]  # phrases, not punctuation
    assert "qué opináis" in es.cues["opinion_ask"]
    assert "cosa ne pensate" in it.cues["opinion_ask"]
    for key in ("cta_verbs", "thanks", "opinion_ask", "engagement_bait"):
        shared = set(en.cues[key]) & (set(es.cues[key]) | set(it.cues[key]))
        assert len(shared) <= 2, (key, shared)


def test_unknown_language():
    with pytest.raises(LexiconError, match="no lexicon for language 'de'"):
        load_lexicon("de")


def test_extra_words_are_merged_and_deduplicated():
    lex = load_lexicon("en", {"cta_verbs": ["Preorder", "buy", "reserve yours"]})
    assert lex.cues["cta_verbs"].count("buy") == 1
    assert "reserve yours" in lex.cues["cta_verbs"]
    assert "preorder" in lex.cues["cta_verbs"]
    assert "reserve yours" not in load_lexicon("en").cues["cta_verbs"]


def test_read_user_lexicon(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('[en]\ncta_verbs = ["preorder"]\n[es]\nsponsor = ["#colabo"]\n', "utf-8")
    assert read_user_lexicon(path) == {"en": {"cta_verbs": ["preorder"]}, "es": {"sponsor": ["#colabo"]}}


@pytest.mark.parametrize("content,message", [
    ('[de]\ncta_verbs = ["kaufen"]', r"\[de\] is not a supported language"),
    ('[en]\ncta_verb = ["buy"]', "unknown cue list 'cta_verb'"),
    ('[en]\ncta_verbs = "buy"', "must be a list of strings"),
    ("[en\n", "not valid TOML"),
])
def test_read_user_lexicon_errors(tmp_path, content, message):
    path = tmp_path / "bad.toml"
    path.write_text(content, "utf-8")
    with pytest.raises(LexiconError, match=message):
        read_user_lexicon(path)


def test_read_user_lexicon_missing_file(tmp_path):
    with pytest.raises(LexiconError, match="cannot read"):
        read_user_lexicon(tmp_path / "nope.toml")


def test_scheduler_vocabulary_feeds_the_text_pattern_the_clients_and_the_token_gate():
    from analyzer.lexicons.schedulers import client_pattern, scheduler_words, text_pattern

    words = scheduler_words()
    assert "hootsuite" in words.in_text and "buffer" in words.after_via and "publer" in words.clients
    hits = [m.group(0) if (m := text_pattern().search(t)) else None for t in (
        "Posted via @Buffer", "new post on sprout social", "bit.ly/x buff.ly/abc", "buffer the signal")]
    assert hits == ["via @Buffer", "sprout social", "buff.ly", None]
    assert client_pattern().search("Meta Business Suite").group(0) == "Meta Business Suite"
    assert client_pattern().search("Twitter for iPhone") is None
    # the gate: first words of the names, the via-only names, and the link domains
    assert words.gate_words == frozenset(
        "hootsuite sprout sproutsocial metricool socialbee loomly sendible agorapulse ifttt "
        "buffer later hubspot tweetdeck zapier".split())
    assert words.gate_substrings == ("later.com", "buff.ly", "ow.ly", "dlvr.it", "ift.tt")
