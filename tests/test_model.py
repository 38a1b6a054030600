import numpy as np
import pytest

from analyzer.model import (
    TrainingDataError,
    build_model,
    cross_validate,
    evaluate,
    prepare_training_posts,
    train,
)
from analyzer.posts import Label, Post


def test_pipeline_shape():
    model = build_model(C=2.0, min_df=1)
    assert [name for name, _ in model.steps] == ["features", "clf"]
    assert model.named_steps["clf"].C == 2.0
    with pytest.raises(TypeError, match="unknown model parameters"):
        build_model(colour="red")


def test_train_is_deterministic(train_posts, trained):
    again = train(train_posts, n_splits=3, random_state=0)
    assert again.cv == trained.cv
    texts = [p.text for p in train_posts]
    a = trained.model.predict_proba(np.array(texts, dtype=object))
    b = again.model.predict_proba(np.array(texts, dtype=object))
    np.testing.assert_array_equal(a, b)


def test_cross_validation_is_grouped_by_author(trained):
    assert trained.cv_scheme == {"kind": "StratifiedGroupKFold", "grouped_by": "author",
                                 "n_splits": 3, "n_groups": 18}
    assert set(trained.cv["by_group"]) == {"en", "es", "it"}
    assert trained.cv["overall"]["n"] == 50
    assert trained.label_counts == {"media": 25, "networking": 25}
    assert trained.lang_counts == {"en": 20, "es": 16, "it": 14}


def test_cross_validation_without_authors_is_stratified(train_posts):
    anonymous = [Post(id=p.id, text=p.text, lang=p.lang, label=p.label) for p in train_posts]
    report, proba, scheme = cross_validate(anonymous, n_splits=4)
    assert scheme == {"kind": "StratifiedKFold", "grouped_by": None, "n_splits": 4}
    assert proba.shape == (50,) and ((proba >= 0) & (proba <= 1)).all()
    assert report["overall"]["n"] == 50


def test_classes_and_probabilities(trained):
    clf = trained.model.named_steps["clf"]
    assert list(clf.classes_) == ["media", "networking"]
    p = trained.model.predict_proba(["Shop the sale now, 50% off! Link in bio",
                                     "Has anyone tried this? What do you think?"])[:, 1]
    assert p[0] < 0.5 < p[1]


def _posts(n_media, n_net, **kw):
    out = [Post(id=f"m{i}", text=f"Buy product number {i} now", label=Label.MEDIA, **kw) for i in range(n_media)]
    out += [Post(id=f"n{i}", text=f"What do you think about idea {i}?", label=Label.NETWORKING, **kw) for i in range(n_net)]
    return out


def test_training_data_errors_list_the_rows():
    bad = _posts(12, 12) + [Post(id="x1", text="hello", meta={"label_raw": "spam"}),
                             Post(id="x2", text="hi", meta={"label_raw": "spam"})]
    with pytest.raises(TrainingDataError, match=r"2 row\(s\) without a valid label \('spam' x2\).*Rows: x1, x2") as exc:
        prepare_training_posts(bad)
    assert exc.value.rows == ["x1", "x2"]
    with pytest.raises(TrainingDataError, match="no post labelled networking"):
        prepare_training_posts(_posts(12, 0))
    with pytest.raises(TrainingDataError, match="too few posts per class .*networking: 3"):
        prepare_training_posts(_posts(12, 3))
    with pytest.raises(TrainingDataError, match="could not be read: r9: text is a dict"):
        prepare_training_posts(_posts(12, 12) + [Post(id="r9", text="", error="text is a dict")])


def test_training_data_warnings():
    posts = _posts(12, 12) + [
        Post(id="e1", text="  ", label=Label.MEDIA),
        Post(id="c1", text="Same text", label=Label.MEDIA),
        Post(id="c2", text="same   TEXT", label=Label.NETWORKING),
        Post(id="d1", text="Wie geht's?", label=Label.NETWORKING, lang="de"),
    ]
    kept, warnings = prepare_training_posts(posts)
    assert len(kept) == len(posts) - 1
    assert warnings[0] == "left out 1 post(s) with empty text: e1"
    assert warnings[1] == "1 text(s) appear with both labels: c1/c2"
    assert warnings[2].startswith("no lexicon for language(s) de (1 posts)")


def test_evaluate_reports_per_language_and_errors(trained, train_posts):
    report = evaluate(trained.model, train_posts, errors=3)
    assert set(report["by_group"]) == {"en", "es", "it"}
    assert report["overall"]["n"] == 50
    assert report["overall"]["confusion"]["labels"] == ["media", "networking"]
    assert len(report["errors"]) <= 3
    for e in report["errors"]:
        assert e["label"] != e["predicted"]


def test_repeated_posts_are_left_out_once_with_a_warning():
    posts = _posts(12, 12) + [
        Post(id="r1", text="¡Hola a todos!", label=Label.NETWORKING),
        Post(id="r2", text="¡hola  a TODOS!", label=Label.NETWORKING),  # the same, said again
        Post(id="r3", text="Ciao ragazzi", label=Label.NETWORKING),
        Post(id="r4", text="Ciao ragazzi", label=Label.NETWORKING),
        Post(id="r5", text="Ciao ragazzi", label=Label.MEDIA),  # other label: kept, and warned
    ]
    kept, warnings = prepare_training_posts(posts)
    assert [p.id for p in kept[-3:]] == ["r1", "r3", "r5"]
    assert len(kept) == 24 + 3
    assert warnings == ["left out 2 repeated post(s), same text and label as an earlier one: r2, r4",
                        "1 text(s) appear with both labels: r3/r4/r5"]


def test_two_texts_repeated_many_times_are_two_posts():
    posts = [Post(id=str(n), text=("Who is coming?" if n % 2 else "Big sale today"),
                  label=(Label.NETWORKING if n % 2 else Label.MEDIA)) for n in range(100_000)]
    with pytest.raises(TrainingDataError, match="too few posts per class"):
        prepare_training_posts(posts)
