import numpy as np
import pytest
import scipy.sparse as sp

from analyzer.adaptation import BaseData, refit
from analyzer.errors import TrainingDataError
from analyzer.explain import predict_posts
from analyzer.model import posts_array


def test_refit_without_user_labels_is_the_trained_model(parts, trained):
    featurizer, base, scorer, posts, X = parts
    again = refit(base, sp.csr_matrix((0, X.shape[1])), [])
    expected = trained.model.decision_function(posts_array(posts))
    assert again.n_user == 0
    assert np.allclose(again.decision(X), expected, atol=1e-3)
    assert np.allclose(scorer.decision(X), expected)


def test_refit_moves_toward_the_users_labels(parts):
    featurizer, base, scorer, posts, X = parts
    # the flash sale labelled networking (a codebook that calls it so), ten times the weight
    before = scorer.decision(X[[0]])[0]
    after = refit(base, X[[0]], ["networking"], warm=scorer)
    unweighted = refit(base, X[[0]], ["networking"], user_weight=1.0)
    assert before < 0
    assert after.decision(X[[0]])[0] > unweighted.decision(X[[0]])[0] > before
    assert after.n_user == 1


def test_refit_needs_both_classes(parts):
    featurizer, _, _, posts, X = parts
    empty = BaseData(sp.csr_matrix((0, X.shape[1])), np.array([], dtype=object), 8.0)
    with pytest.raises(TrainingDataError):
        refit(empty, X[[0, 2]], ["media", "media"])


def test_scorer_pipeline_explains_with_its_own_weights(parts):
    featurizer, base, scorer, posts, X = parts
    moved = refit(base, X[[0]], ["networking"], warm=scorer)
    [pred] = predict_posts(moved.pipeline(featurizer), [posts[0]], top_k=3)
    assert pred.decision == pytest.approx(moved.decision(X[[0]])[0])
    assert len(pred.top) == 3
