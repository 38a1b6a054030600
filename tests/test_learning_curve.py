import numpy as np
from label_examples import CANDIDATES, TRUTH
from sklearn.metrics import f1_score

from analyzer.learning_curve import curve_steps, learning_curve
from analyzer.model import posts_array
from analyzer.posts import Label, Post


def test_curve_steps():
    assert curve_steps(0) == [0]
    assert curve_steps(30) == [0, 25, 30]
    assert curve_steps(200) == [0, 25, 50, 100, 200]
    assert curve_steps(250) == [0, 25, 50, 100, 200, 250]


def test_learning_curve_on_labelled_posts(parts, train_posts):
    featurizer, base, scorer, _, _ = parts
    # the user's labels: the candidates twice over (other ids), with their true labels
    posts = [Post(id=f"u{i}", text=t + suffix, lang=lang, author=f"acct{i % 4}", label=Label(TRUTH[i]))
             for suffix in ("", " (2)") for i, (lang, t) in enumerate(CANDIDATES)]
    X = featurizer.transform(posts_array(posts))
    curve = learning_curve(posts, X, base, scorer, n_splits=4, seed=0, steps=[0, 5, 10])
    y = [p.label.value for p in posts]
    alone = f1_score(y, np.where(scorer.decision(X) > 0, "networking", "media"), average="macro")
    assert curve["n_labels"] == [0, 5, 10]
    assert curve["model_alone"] == round(alone, 4) == curve["macro_f1"][0]
    assert all(0.0 <= f <= 1.0 for f in curve["macro_f1"])
    assert curve["cv"]["grouped_by"] == "author" and curve["cv"]["n_splits"] == 4
    assert curve["label_counts"] == {"media": 14, "networking": 14}
