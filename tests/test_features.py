import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import (
    check_do_not_raise_errors_in_init_or_set_params,
    check_estimator_cloneable,
    check_estimator_repr,
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_set_params,
)

from analyzer.features import PostFeaturizer, normalize_lang, parse_posts, resolve_langs
from analyzer.nlp import UNDETERMINED
from analyzer.posts import Post
from analyzer.signals import SIGNAL_NAMES

TEXTS = [
    "Link in bio! New drop today #sale",
    "Anyone tried the new trail? Link in bio is broken lol",
    "¿Qué opináis del nuevo horario?",
    "Cosa ne pensate? Link in bio",
]


@pytest.mark.parametrize("check", [
    check_no_attributes_set_in_init, check_get_params_invariance, check_set_params,
    check_estimator_repr, check_do_not_raise_errors_in_init_or_set_params,
    check_estimator_cloneable,
])
def test_sklearn_api_checks(check):
    check(PostFeaturizer.__name__, PostFeaturizer())


def test_init_stores_parameters_only():
    f = PostFeaturizer(min_df=3, extra_cues={"en": {"thanks": ["ta"]}})
    assert f.get_params()["min_df"] == 3
    assert not [k for k in vars(f) if k.endswith("_")]


def test_not_fitted():
    with pytest.raises(NotFittedError):
        PostFeaturizer().transform(["x"])
    with pytest.raises(NotFittedError):
        PostFeaturizer().get_feature_names_out()


def test_names_match_transform_width_and_are_prefixed():
    f = PostFeaturizer(min_df=2, stop_words_weak=True).fit(TEXTS)
    X = f.transform(TEXTS)
    names = f.get_feature_names_out()
    assert sp.issparse(X) and X.shape == (4, len(names))
    assert list(names[: len(SIGNAL_NAMES)]) == list(SIGNAL_NAMES)
    grams = set(names[len(SIGNAL_NAMES):])
    # kept: n-grams in at least two posts; "link in bio" spans three posts; n-grams of
    # only stop words or punctuation ("in", "?") are left out
    assert {"ngram__link", "ngram__bio", "ngram__link in", "ngram__in bio"} <= grams
    assert not {"ngram__drop", "ngram__in", "ngram__?"} & grams
    # then character n-grams inside word bounds, seen in at least three posts
    assert {"char__ link", "char__ in ", "char__bio"} <= grams
    kinds = [n.split("__", 1)[0] for n in names[len(SIGNAL_NAMES):-1]]
    assert kinds == sorted(kinds, key=["ngram", "char"].index)
    assert names[-1] == "starting_point"
    assert names.dtype == object


def test_fit_transform_equals_fit_then_transform():
    a = PostFeaturizer(min_df=1).fit_transform(TEXTS)
    b = PostFeaturizer(min_df=1).fit(TEXTS).transform(TEXTS)
    assert (a != b).nnz == 0


def test_signal_block_is_scaled_by_training_maximum():
    f = PostFeaturizer(use_ngrams=False, use_chars=False).fit(TEXTS)
    f.set_params(evidence_prior=0)  # rows unscaled by evidence, to see the block itself
    X = f.transform(TEXTS).toarray()[:, :-1]
    assert X.shape == (4, len(SIGNAL_NAMES))
    assert X.max() <= 1.0 + 1e-12
    j = SIGNAL_NAMES.index("content__n_words")  # a count: on a log scale, then scaled
    raw = f.signal_values(f.parse(TEXTS))[:, j]
    assert raw.tolist() == [6.0, 11.0, 5.0, 6.0]
    np.testing.assert_allclose(X[:, j], np.log1p(raw) / np.log1p(11.0))
    k = SIGNAL_NAMES.index("style__rate_second_person")  # a rate: scaled as it is
    rate = f.signal_values(f.parse(TEXTS))[:, k]
    np.testing.assert_allclose(X[:, k], rate / rate.max() if rate.max() else rate)


def test_ngram_rows_are_l2_normalised():
    for words, chars in ((True, False), (False, True)):
        f = PostFeaturizer(use_signals=False, min_df=1, char_min_df=1, use_ngrams=words, use_chars=chars,
                           evidence_prior=0).fit(TEXTS)
        X = f.transform(TEXTS + [""])[:, :-1]  # without the starting-point column
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
        np.testing.assert_allclose(norms, [1, 1, 1, 1, 0])


def test_placeholders_stand_for_urls_handles_and_numbers():
    texts = ["visit https://a.example/x and @bob", "visit https://b.example/y with 42"]
    f = PostFeaturizer(use_signals=False, min_df=1, char_min_df=1, drop_weak_ngrams=False).fit(texts)
    grams = set(f.get_feature_names_out())
    assert {"ngram__<url>", "ngram__visit <url>", "ngram__<user>", "ngram__<num>"} <= grams
    assert not any("example" in g or "bob" in g for g in grams)
    # by default, placeholders alone are left out (links and handles are counted by signals)
    grams = set(PostFeaturizer(use_signals=False, min_df=1, stop_words_weak=True).fit(texts).get_feature_names_out())
    assert "ngram__visit <url>" in grams and not {"ngram__<url>", "ngram__<user>", "ngram__<num>"} & grams


def test_posts_carry_language_and_metadata():
    f = PostFeaturizer(min_df=1).fit(TEXTS)
    parsed = f.parse([Post(id="1", text="thanks", lang="it"), Post(id="2", text="grazie")])
    assert parsed.langs == ["it", "it"]
    forced = PostFeaturizer(min_df=1, lang="es").fit(TEXTS).parse(["thanks"])
    assert forced.langs == ["es"]


def test_clone_and_determinism():
    f = PostFeaturizer(min_df=1).fit(TEXTS)
    g = clone(f).fit(TEXTS)
    assert list(f.ngram_names_) == list(g.ngram_names_)
    assert (f.transform(TEXTS) != g.transform(TEXTS)).nnz == 0


def test_invalid_parameters_raise_at_fit():
    with pytest.raises(ValueError, match="at least one"):
        PostFeaturizer(use_signals=False, use_ngrams=False, use_chars=False).fit(TEXTS)
    with pytest.raises(ValueError, match="ngram_range"):
        PostFeaturizer(ngram_range=(2, 1)).fit(TEXTS)


def test_trigrams():
    f = PostFeaturizer(use_signals=False, use_chars=False, min_df=1, ngram_range=(3, 3)).fit(["link in bio now"])
    grams = [n for n in f.get_feature_names_out() if n != "starting_point"]
    assert grams and all(len(n[7:].split()) == 3 for n in grams)
    assert set(grams) == {"ngram__link in bio", "ngram__in bio now"}


@pytest.mark.parametrize("code,expected", [("en-US", "en"), ("ES_mx", "es"), (" it ", "it"),
                                           ("", None), (None, None), (3, None)])
def test_normalize_lang(code, expected):
    assert normalize_lang(code) == expected


def test_resolve_langs_prefers_given_code():
    assert resolve_langs(["hello there", "hola a todos"], ["fr", None]) == ["fr", "es"]


def test_posts_of_no_supported_language_match_every_lexicon():
    texts = ["grazie gracias thanks"] * 3
    parsed = parse_posts(texts, [UNDETERMINED, "de", "en"])
    assert parsed.base["cue:thanks"].tolist() == [3.0, 3.0, 1.0]


def test_identified_language_is_the_one_the_model_uses_even_for_long_posts():
    text = "the show was great and we loved it. " * 28 + "gracias a todos por venir, fue una noche increíble. " * 30
    assert resolve_langs([text], [None]) == parse_posts([text], [None]).langs == ["es"]


def test_a_block_with_no_vocabulary_is_left_out():
    f = PostFeaturizer(min_df=1, stop_words_weak=True).fit(["the", "of"])  # no word n-gram survives
    assert len(f.ngram_names_) == 0 and f.transform(["the cat"]).shape == (1, f.n_features_out_)


def test_exact_explanation_identity_holds_over_every_block():
    """intercept + sum of per-column contributions == the classifier's decision."""
    from sklearn.linear_model import LogisticRegression

    f = PostFeaturizer(min_df=1, char_min_df=1).fit(TEXTS)
    X = f.transform(TEXTS)
    clf = LogisticRegression().fit(X, [0, 1, 1, 1])
    contributions = X.multiply(clf.coef_[0]).toarray()
    np.testing.assert_allclose(contributions.sum(axis=1) + clf.intercept_[0], clf.decision_function(X))
    assert set(f.column_kinds()) == {0, 1, 2, 3} and len(f.column_kinds()) == X.shape[1]


def test_posts_without_evidence_keep_only_the_starting_point():
    f = PostFeaturizer(min_df=1, char_min_df=1).fit(TEXTS + ["👍", "😍🔥🔥🙌"])
    X = f.transform(["👍", "😍🔥🔥🙌", "Link", "Anyone tried the new trail? Link in bio is broken lol"]).toarray()
    assert not X[:2].any()  # nothing to go on: every column, the starting point too, is 0
    start = X[:, -1]
    assert start[2] == pytest.approx(1 / (1 + 3.0))  # one word: a quarter of the weights
    assert start[3] == pytest.approx(11 / (11 + 3.0))
    scaled = PostFeaturizer(min_df=1, char_min_df=1, evidence_prior=0).fit(TEXTS).transform(["Link"]).toarray()
    assert scaled[0, -1] == 1.0


def test_feature_name_is_get_feature_names_out_one_column_at_a_time():
    f = PostFeaturizer(min_df=1).fit(TEXTS)
    names = f.get_feature_names_out()
    assert [f.feature_name(i) for i in range(len(names))] == list(names)
    assert f.feature_name(len(names) - 1) == "starting_point"
