from analyzer.report_model import model_insights, model_summary

META = {"created_at": "2026-11-21T00:00:00+00:00", "n_signals": 61, "n_ngrams": 10, "versions": {"spacy": "3.8"},
        "training": {"n_posts": 50, "lang_counts": {"en": 50}},
        "cv": {"overall": {"n": 50, "macro_f1": 0.9}, "by_group": {"en": {"n": 20, "macro_f1": 0.8}}},
        "evaluations": {"held-out authors": {"report": {"overall": {"n": 5, "macro_f1": 0.7}, "by_group": {}},
                                             "baseline": {"overall": {"n": 5, "macro_f1": 0.6}, "by_group": {}}}}}


def test_model_summary():
    m = model_summary(META, "/home/ana/models/mine")
    assert m == {"name": "mine", "created_at": "2026-11-21T00:00:00+00:00", "versions": {"spacy": "3.8"},
                 "n_signals": 61, "n_ngrams": 10, "training_posts": 50, "training_languages": {"en": 50},
                 "cv_scheme": None,
                 "cv_macro_f1": {"en": {"posts": 20, "macro_f1": 0.8}, "all": {"posts": 50, "macro_f1": 0.9}},
                 "evaluations": {"held-out authors": {"model": {"all": {"posts": 5, "macro_f1": 0.7}},
                                                      "baseline": {"all": {"posts": 5, "macro_f1": 0.6}}}}}
    assert model_summary({})["name"] is None and model_summary({})["evaluations"] == {}


def test_model_insights(trained):
    ins = model_insights(trained.model, k=3)
    assert set(ins["signals_by_dimension"]) == {"style", "goals", "content", "effort", "roi"}
    for v in ins["signals_by_dimension"].values():
        assert len(v["toward_media"]) <= 3 and len(v["toward_networking"]) <= 3
        assert all(x["weight"] < 0 for x in v["toward_media"])
        assert all(x["weight"] > 0 for x in v["toward_networking"])
    assert set(ins["ngrams_by_language"]) <= {"en", "es", "it", "und"}
    assert "en" in ins["ngrams_by_language"]
    assert ins["intercept"] == float(trained.model.named_steps["clf"].intercept_[0])
