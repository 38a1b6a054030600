"""Turn posts into the model's feature matrix: named signals, word and character n-grams.

One transformer holds every block, because all need the same tokens: each batch
is parsed once (:mod:`analyzer.parsing`) and every block (:mod:`analyzer.blocks`)
reads that parse, so no Python loop walks the tokens.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import MaxAbsScaler
from sklearn.utils.validation import check_is_fitted

from .blocks import CharNgramCounts, ConstantColumn, SignalValues, WordNgramCounts, name_array
from .parsing import Parsed, inputs, parse_posts, resolve_langs
from .posts import normalize_lang

# parse_posts, resolve_langs and normalize_lang are also reached from here (model, tests)
__all__ = ["Parsed", "PostFeaturizer", "normalize_lang", "parse_posts", "resolve_langs"]


class PostFeaturizer(TransformerMixin, BaseEstimator):
    """Signals, word n-grams and character n-grams for a batch of posts, as one matrix.

    The posts are tokenised once (:func:`parse_posts`); a scikit-learn
    ``FeatureUnion`` of named blocks then reads that one parse:

    - ``signals``: the named signals (``style__n_questions`` ...), counts on a log
      scale, through ``MaxAbsScaler``;
    - ``words``: word 1-2-gram counts (no n-gram of only punctuation and placeholders)
      through ``TfidfTransformer``;
    - ``chars``: character 2-5-grams inside word bounds through ``TfidfTransformer``;
    - ``start``: a column of ones, the starting point (the classifier fits no
      intercept of its own; calibration adds one).

    ``signal_weight`` and ``char_weight`` are the union's block weights. Each row is
    then scaled by its evidence, ``n / (n + evidence_prior)`` where ``n`` counts the
    words, numbers, links, @handles and hashtags of the post: a post with nothing to
    go on ("👍", "😍🔥🔥") scores at the classifier's starting point, a one-word post
    at a quarter of its weights, a 30-word post at 91 %. Contributions stay exact,
    because the scale is part of the features. Input: an iterable of strings or
    :class:`~analyzer.posts.Post` (whose ``lang`` and export ``meta`` are used).
    """

    def __init__(
        self,
        *,
        ngram_range=(1, 2),
        min_df=2,
        max_features=50_000,
        sublinear_tf=True,
        use_signals=True,
        use_ngrams=True,
        signal_weight=1.0,
        extra_cues=None,
        lang=None,
        signals=None,
        log_counts=True,
        drop_weak_ngrams=True,
        stop_words_weak=False,
        use_chars=True,
        char_ngram_range=(2, 5),
        char_min_df=3,
        char_max_features=100_000,
        char_weight=1.0,
        evidence_prior=3.0,
        evidence_words="all",
    ):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.use_signals = use_signals
        self.use_ngrams = use_ngrams
        self.signal_weight = signal_weight
        self.extra_cues = extra_cues
        self.lang = lang
        self.signals = signals
        self.log_counts = log_counts
        self.drop_weak_ngrams = drop_weak_ngrams
        self.stop_words_weak = stop_words_weak
        self.use_chars = use_chars
        self.char_ngram_range = char_ngram_range
        self.char_min_df = char_min_df
        self.char_max_features = char_max_features
        self.char_weight = char_weight
        self.evidence_prior = evidence_prior
        self.evidence_words = evidence_words

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    def parse(self, X: Iterable[Any], *, transient: bool = True) -> Parsed:
        """Tokenise and measure posts (the one pass over tokens)."""
        texts, given, metas = inputs(X)
        if self.lang:
            given = [self.lang] * len(texts)
        return parse_posts(texts, given, metas, extra_cues=self.extra_cues, transient=transient)

    def _union(self) -> FeatureUnion:
        if not (self.use_signals or self.use_ngrams or self.use_chars):
            raise ValueError("at least one of use_signals, use_ngrams and use_chars must be True")
        blocks = [
            ("signals", Pipeline([("values", SignalValues(self.signals, self.log_counts)),
                                  ("scale", MaxAbsScaler())]) if self.use_signals else "drop"),
            ("words", Pipeline([("counts", WordNgramCounts(tuple(self.ngram_range), self.min_df,
                                                           self.max_features, self.drop_weak_ngrams,
                                                           self.stop_words_weak)),
                                ("tfidf", TfidfTransformer(sublinear_tf=self.sublinear_tf))])
             if self.use_ngrams else "drop"),
            ("chars", Pipeline([("counts", CharNgramCounts(tuple(self.char_ngram_range), self.char_min_df,
                                                           self.char_max_features)),
                                ("tfidf", TfidfTransformer(sublinear_tf=True))])
             if self.use_chars else "drop"),
            ("start", ConstantColumn()),
        ]
        return FeatureUnion(blocks, transformer_weights={"signals": float(self.signal_weight),
                                                         "words": 1.0, "chars": float(self.char_weight),
                                                         "start": 1.0})

    def fit(self, X, y=None):
        self._fit(self.parse(X, transient=False))
        return self

    def fit_transform(self, X, y=None, **fit_params):
        parsed = self.parse(X, transient=False)
        self._fit(parsed)
        return self.transform_parsed(parsed)

    def _fit(self, parsed: Parsed) -> None:
        union = self._union()
        # a block whose vocabulary comes out empty (tiny or one-word training sets) is
        # dropped: scikit-learn's TF-IDF refuses zero columns
        for i, (name, block) in enumerate(union.transformer_list):
            if name in ("words", "chars") and block != "drop" and not len(clone(block[0]).fit(parsed).vocabulary_keys_):
                union.transformer_list[i] = (name, "drop")
        union.fit(parsed)
        self.union_ = union
        self.signal_names_ = list(self._block("signals", "values").signal_names_) if self.use_signals else []
        words = self._block("words", "counts")
        self.ngram_names_ = words.ngram_names_ if words is not None else name_array([])
        self.ngram_lang_mask_ = words.ngram_lang_mask_ if words is not None else np.zeros(0, np.uint64)
        self.languages_ = list(words.languages_) if words is not None else sorted(set(parsed.langs))
        chars = self._block("chars", "counts")
        self.char_names_ = chars.ngram_names_ if chars is not None else name_array([])
        self.n_features_out_ = len(self.signal_names_) + len(self.ngram_names_) + len(self.char_names_) + 1

    def _block(self, name: str, step: str) -> Any:
        block = dict(self.union_.transformer_list)[name]
        return None if block == "drop" else block.named_steps[step]

    def signal_values(self, parsed: Parsed) -> np.ndarray:
        """Signal values as a person reads them (capped, before the log scale)."""
        check_is_fitted(self, "union_")
        if not self.signal_names_:
            return np.zeros((len(parsed), 0))
        return self._block("signals", "values").raw(parsed)

    def transform(self, X):
        check_is_fitted(self, "union_")
        return self.transform_parsed(self.parse(X))

    def transform_parsed(self, parsed: Parsed, signal_values: np.ndarray | None = None) -> sp.csr_matrix:
        check_is_fitted(self, "union_")
        if len(parsed) == 0:  # scikit-learn's scalers refuse empty input
            return sp.csr_matrix((0, self.n_features_out_))
        out = sp.csr_matrix(self.union_.transform(parsed))
        if self.evidence_prior:
            # each row times its scale, as diags(scale) @ out gives it (products that come
            # out zero are dropped there too), without a sparse product and its re-sorting
            out.data *= np.repeat(self.evidence_scale(parsed), np.diff(out.indptr))
            out.eliminate_zeros()
        out.sort_indices()
        return out

    def evidence_scale(self, parsed: Parsed) -> np.ndarray:
        """Per post, n / (n + evidence_prior): how much the post gives the model to go on."""
        b = parsed.base
        # models saved before the option existed counted every word
        distinct = getattr(self, "evidence_words", "all") == "distinct"
        words = b["n_distinct_words"] if distinct else b["n_words"]
        n = words + b["n_urls"] + b["n_mentions"] + b["n_hashtags"]
        if not self.evidence_prior:
            return np.ones(len(parsed))
        return n / (n + float(self.evidence_prior))

    def column_kinds(self) -> np.ndarray:
        """0 for signal columns, 1 for word n-grams, 2 for character n-grams, 3 for the
        starting point (the last column)."""
        return np.repeat([0, 1, 2, 3], [len(self.signal_names_), len(self.ngram_names_), len(self.char_names_), 1])

    def feature_name(self, col: int) -> str:
        """The name of one output column (what ``get_feature_names_out()[col]`` is, without
        building all 100,000 names)."""
        n_sig, n_word = len(self.signal_names_), len(self.ngram_names_)
        if col < n_sig:
            return self.signal_names_[col]
        if col < n_sig + n_word:
            return f"ngram__{self.ngram_names_[col - n_sig]}"
        if col < n_sig + n_word + len(self.char_names_):
            return f"char__{self.char_names_[col - n_sig - n_word]}"
        return "starting_point"

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "union_")
        return np.asarray([*self.signal_names_, *(f"ngram__{g}" for g in self.ngram_names_),
                           *(f"char__{g}" for g in self.char_names_), "starting_point"], dtype=object)
