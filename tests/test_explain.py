import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analyzer.explain import dimension_matrix, global_weights, predict_posts
from analyzer.posts import Post
from analyzer.signals import DIMENSIONS

POSTS = [
    Post(id="1", text="SALE 50% off everything today only! Shop now https://x.example/s #sale", lang="en"),
    Post(id="2", text="¿Alguien me recomienda un buen dentista en Valencia? Gracias!", lang="es"),
    Post(id="3", text="Cosa ne pensate del nuovo orario? Fatemi sapere", lang="it"),
    Post(id="4", text="", lang="en"),
    Post(id="5", text="broken row", error="text is a list"),
]


def test_contributions_plus_intercept_equal_decision_function(trained):
    model = trained.model
    preds = predict_posts(model, POSTS, top_k=10_000)
    ok = [p for p in preds if p.label is not None]
    decision = model.decision_function(np.array([p.post.text for p in ok], dtype=object))
    for pred, d in zip(ok, decision):
        total = sum(c.contribution for c in pred.top) + pred.intercept
        assert total == pytest.approx(d, abs=1e-9)
        parts = sum(pred.dimensions.values()) + pred.words + pred.intercept
        assert parts == pytest.approx(d, abs=1e-9)
        assert pred.decision == pytest.approx(d, abs=1e-9)
        assert pred.p_networking == pytest.approx(1 / (1 + np.exp(-d)))


def test_predictions_keep_order_and_status(trained):
    preds = predict_posts(trained.model, POSTS)
    assert [p.post.id for p in preds] == ["1", "2", "3", "4", "5"]
    assert [p.status for p in preds] == ["ok", "ok", "ok", "empty", "error"]
    assert preds[3].label is None and preds[3].p_networking is None and preds[3].top == ()
    assert preds[0].label == "media" and preds[1].label == "networking"


def test_top_signals_sorted_by_absolute_contribution(trained):
    pred = predict_posts(trained.model, POSTS[:1], top_k=4)[0]
    assert len(pred.top) == 4
    sizes = [abs(c.contribution) for c in pred.top]
    assert sizes == sorted(sizes, reverse=True)
    for c in pred.top:
        assert c.text
        assert c.dimension in (*DIMENSIONS, "words")
        assert (c.kind == "ngram") == c.name.startswith("ngram__")


def test_dimension_scores_equal_sum_of_signal_contributions(trained):
    pred = predict_posts(trained.model, POSTS[:1], top_k=10_000)[0]
    for dim in DIMENSIONS:
        total = sum(c.contribution for c in pred.top if c.dimension == dim)
        assert pred.dimensions[dim] == pytest.approx(total, abs=1e-9)
    assert pred.words == pytest.approx(sum(c.contribution for c in pred.top if c.kind == "ngram"), abs=1e-9)


def test_with_signals_returns_raw_values(trained):
    pred = predict_posts(trained.model, POSTS[:1], with_signals=True)[0]
    assert pred.signals["goals__has_percent"] == 1.0
    assert pred.signals["content__n_urls"] == 1.0


def test_dimension_matrix():
    m = dimension_matrix(["style__a", "roi__b", "style__c"])
    assert m.tolist() == [[1, 0, 0, 0, 0], [0, 0, 0, 0, 1], [1, 0, 0, 0, 0]]


def test_global_weights(trained):
    w = global_weights(trained.model)
    assert len(w["names"]) == len(w["coef"])
    assert w["names"][0] == "style__n_questions"
    assert w["coef"][0] > 0  # questions push toward networking


def test_predict_posts_labels_media_without_words_by_rule(trained):
    posts = [Post(id="p", text="", meta={"media_count": 1, "is_reply": False}),
             Post(id="r", text="@ana", meta={"media_count": 2, "is_reply": True}),
             Post(id="e", text="")]
    assert [(p.label, p.function, p.p_networking, p.confidence, p.status)
            for p in predict_posts(trained.model, posts)] == [
        ("media", "information", None, None, "ok"),
        ("networking", "community", None, None, "ok"),
        (None, None, None, None, "empty"),
    ]


def test_top_k_ties_go_in_column_order_whatever_the_other_rows():
    from analyzer.explain import _top_k_positions

    # row 0: three equal sizes and a larger one; row 1 is long, so row 0 is padded wide
    alone = _top_k_positions(np.array([0, 4]), np.array([0.2, -0.2, 0.5, 0.2]), 2)
    assert alone.tolist() == [2, 0]
    values = np.array([0.2, -0.2, 0.5, 0.2, *np.linspace(0.01, 0.09, 9)])
    assert _top_k_positions(np.array([0, 4, 13]), values, 2).tolist() == [2, 0, 12, 11]
    assert _top_k_positions(np.array([0, 4, 13]), values, 3).tolist() == [2, 0, 1, 12, 11, 10]


@given(st.lists(st.lists(st.sampled_from([0.0, 0.1, -0.1, 0.3, -0.7, 0.3]), max_size=12), min_size=1, max_size=6),
       st.integers(1, 6))
def test_top_k_is_each_rows_largest_sizes_first_ties_by_column(rows, k):
    from analyzer.explain import _top_k_positions

    indptr = np.concatenate(([0], np.cumsum([len(r) for r in rows]))).astype(np.int64)
    values = np.array([v for r in rows for v in r], dtype=float)
    expected = []
    for lo, hi in zip(indptr[:-1], indptr[1:]):
        expected += sorted((p for p in range(lo, hi) if values[p] != 0), key=lambda p: (-abs(values[p]), p))[:k]
    assert _top_k_positions(indptr, values, k).tolist() == expected


@given(st.lists(st.integers(0, 70), min_size=1, max_size=40), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_top_k_of_rows_of_very_different_lengths(lengths, k, seed):
    """Rows are taken in groups of similar length; the answer is the one of each row alone."""
    from analyzer.explain import _top_k_positions

    rng = np.random.default_rng(seed)
    indptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    values = rng.choice([0.0, 0.1, -0.1, 0.25, -0.5, 0.5, 1.5], size=int(indptr[-1]))
    expected = []
    for lo, hi in zip(indptr[:-1].tolist(), indptr[1:].tolist()):
        expected += sorted((p for p in range(lo, hi) if values[p] != 0), key=lambda p: (-abs(values[p]), p))[:k]
    assert _top_k_positions(indptr, values, k).tolist() == expected
