"""The bundled model on posts that follow the labelling guide (../shared/LABELING.md).

The misses that showed the first model's concept was too narrow, and 30 more of the
guide's hard cases per language written for this test (none is in data/corpus).
"""

import json
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest

from analyzer import load_model
from analyzer.posts import Post

HARD = [json.loads(line) for line in (Path(__file__).parent / "data" / "hard_cases.jsonl").read_text("utf-8").splitlines()]


@pytest.fixture(scope="module")
def model():
    return load_model()


def predict(model, text, lang=None):
    return model.predict([Post(id="1", text=text, lang=lang)])[0]


@pytest.mark.parametrize("text,lang,label,function", [
    # casual, pleading self-promotion is media
    ("hey guys pls subscribe to my channel… link in my profile 🙏", "en", "media", "action"),
    ("follow me back pls", "en", "media", "action"),
    ("porfa seguidme en tiktok, subo videos nuevos cada semana", "es", "media", "action"),
    # support and sympathy without a question are networking
    ("Mucho ánimo a todas las familias afectadas…", "es", "networking", "community"),
    ("Forza ragazzi, domani si vince! Siamo tutti con voi 💙", "it", "networking", "community"),
    ("So sorry for your loss, thinking of you all", "en", "networking", "community"),
])
def test_the_first_models_misses(model, text, lang, label, function):
    pred = predict(model, text, lang)
    assert (pred.label, pred.function) == (label, function)
    assert pred.confidence > 0.6  # not left in the uncertain band


@pytest.mark.parametrize("text", ["👍", "😍🔥🔥🙌"])
def test_no_evidence_is_uncertain(model, text):
    assert 0.35 <= predict(model, text).p_networking <= 0.65


def test_random_long_text_gets_no_confident_verdict(model):
    # the first model said networking 0.998 here, +7.85 from length alone
    import random

    rng = random.Random(0)
    words = "the of and to in is was for on that with as by at from it an be this are".split()
    text = " ".join(rng.choice(words + ["lorem", "ipsum", "dolor", "amet", "tempor"]) for _ in range(5000))
    assert 0.1 <= predict(model, text, "en").p_networking <= 0.9


@pytest.mark.parametrize("text,lang", [
    ("Great match today, well played everyone.", "en"),
    ("New blog post on our spring range, read it here.", "en"),
    ("Qué partidazo ayer, enhorabuena a todo el equipo.", "es"),
    ("Nuevo horario de la biblioteca a partir del lunes.", "es"),
    ("Che partita ieri sera, complimenti a tutti ragazzi.", "it"),
    ("Da lunedì cambia l'orario degli uffici comunali.", "it"),
])
def test_length_alone_decides_nothing(model, text, lang):
    # the same words said 300 times: the verdict stays, the length signals (capped,
    # log-scaled counts) move the decision by less than one logit, and the rest grows by
    # no more than undoing the evidence shrinkage of a short post (n / (n + 3) for n words)
    # plus the n-grams that span the joins; the first model added +7.85 from length alone
    once, many = (model.predict([Post(id="1", text=t, lang=lang)], top_k=1000)[0]
                  for t in (text, " ".join([text] * 300)))
    length = {"content__n_words", "content__n_sentences", "content__is_long",
              "content__is_very_short", "style__mean_sentence_len"}
    by_length = [sum(c.contribution for c in p.top if c.name in length) for p in (once, many)]
    assert once.label == many.label
    assert abs(by_length[1] - by_length[0]) < 1.0
    assert abs(many.decision - by_length[1]) <= 2.0 * abs(once.decision - by_length[0]) + 0.5


def test_strongest_words_are_words(model):
    from analyzer.report import model_insights

    insights = model_insights(model.pipeline, k=10)
    for side in insights["ngrams_by_language"].values():
        for entry in side["toward_media"] + side["toward_networking"]:
            text = entry["ngram"].replace("<url>", "").replace("<user>", "").replace("<num>", "")
            # letters or symbols (emoji such as 👉 are symbols), never punctuation alone
            assert any(ch.isalpha() or unicodedata.category(ch).startswith("S") for ch in text), entry


def test_explanations_add_up_to_the_decision(model):
    for case in HARD[:30]:
        pred = predict(model, case["text"], case["lang"])
        total = sum(pred.dimensions.values()) + pred.words + pred.intercept
        assert total == pytest.approx(pred.decision, abs=1e-6)


def test_function_stays_consistent_with_the_label(model):
    preds = model.predict([Post(id=str(i), text=c["text"], lang=c["lang"]) for i, c in enumerate(HARD)])
    for pred in preds:
        assert (pred.label == "networking") == (pred.function == "community")
        assert sum(pred.p_function.values()) == pytest.approx(1.0)
        assert pred.p_function["community"] == pytest.approx(pred.p_networking)


def test_hard_cases_per_language(model):
    """At least 80 % of each language's 30 hard cases right (the misses are listed)."""
    preds = model.predict([Post(id=str(i), text=c["text"], lang=c["lang"]) for i, c in enumerate(HARD)])
    right, misses = defaultdict(int), defaultdict(list)
    for case, pred in zip(HARD, preds):
        if pred.label == case["label"]:
            right[case["lang"]] += 1
        else:
            misses[case["lang"]].append(f"{case['case']}: {case['text'][:50]}")
    assert {lang: sum(1 for c in HARD if c["lang"] == lang) for lang in right} == {"en": 30, "es": 30, "it": 30}
    for lang in ("en", "es", "it"):
        assert right[lang] >= 24, misses[lang]


def test_readme_quotes_the_bundled_model():
    # the check examples and the measured table of README.md are what the shipped model gives
    # (data/tools/readme_numbers.py regenerates them after retraining)
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("readme_numbers", root / "data" / "tools" / "readme_numbers.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    readme = (root / "README.md").read_text("utf-8")
    assert tool.rewrite(readme) == readme
