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
    f = PostFeaturizer(min_df=2).fit(TEXTS)
    X = f.transform(TEXTS)
    names = f.get_feature_names_out()
    assert sp.issparse(X) and X.shape == (4, len(names))
    assert list(names[: len(SIGNAL_NAMES)]) == list(SIGNAL_NAMES)
    grams = set(names[len(SIGNAL_NAMES):])
    # kept: n-grams in at least two posts; "link in bio" spans three posts
    assert {"ngram__link", "ngram__in", "ngram__bio", "ngram__link in", "ngram__in bio", "ngram__?"} <= grams
    assert "ngram__drop" not in grams
    assert names.dtype == object


def test_fit_transform_equals_fit_then_transform():
    a = PostFeaturizer(min_df=1).fit_transform(TEXTS)
    b = PostFeaturizer(min_df=1).fit(TEXTS).transform(TEXTS)
    assert (a != b).nnz == 0


def test_signal_block_is_scaled_by_training_maximum():
    f = PostFeaturizer(use_ngrams=False).fit(TEXTS)
    X = f.transform(TEXTS).toarray()
    assert X.shape == (4, len(SIGNAL_NAMES))
    assert X.max() <= 1.0 + 1e-12
    j = SIGNAL_NAMES.index("content__n_words")
    raw = f.signal_values(f.parse(TEXTS))[:, j]
    np.testing.assert_allclose(X[:, j], raw / raw.max())


def test_ngram_rows_are_l2_normalised():
    f = PostFeaturizer(use_signals=False, min_df=1).fit(TEXTS)
    X = f.transform(TEXTS + [""])
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    np.testing.assert_allclose(norms, [1, 1, 1, 1, 0])


def test_placeholders_stand_for_urls_handles_and_numbers():
    f = PostFeaturizer(use_signals=False, min_df=1).fit(
        ["see https://a.example/x and @bob", "see https://b.example/y with 42"])
    grams = set(f.get_feature_names_out())
    assert {"ngram__<url>", "ngram__see <url>", "ngram__<user>", "ngram__<num>"} <= grams
    assert not any("a.example" in g for g in grams)


def test_posts_carry_language_and_metadata():
    f = PostFeaturizer(min_df=1).fit(TEXTS)
    parsed = f.parse([Post(id="1", text="thanks", lang="it"), Post(id="2", text="grazie")])
    assert parsed.langs == ["it", "it"]
    forced = PostFeaturizer(min_df=1, lang="es").fit(TEXTS).parse(["thanks"])
    assert forced.langs == ["es"]


def test_clone_and_determinism():
    f = PostFeaturizer(min_df=1).fit(TEXTS)
    g = clone(f).fit(TEXTS)
    assert f.ngram_names_ == g.ngram_names_
    assert (f.transform(TEXTS) != g.transform(TEXTS)).nnz == 0


def test_invalid_parameters_raise_at_fit():
    with pytest.raises(ValueError, match="at least one"):
        PostFeaturizer(use_signals=False, use_ngrams=False).fit(TEXTS)
    with pytest.raises(ValueError, match="ngram_range"):
        PostFeaturizer(ngram_range=(2, 1)).fit(TEXTS)


def test_trigrams():
    f = PostFeaturizer(use_signals=False, min_df=1, ngram_range=(3, 3)).fit(["link in bio now"])
    assert list(f.get_feature_names_out()) and all(len(n[7:].split()) == 3 for n in f.get_feature_names_out())
    assert set(f.get_feature_names_out()) == {"ngram__link in bio", "ngram__in bio now"}


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
