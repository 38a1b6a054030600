import math

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.selection import random_order, representativeness, select_batch, uncertainty


def test_uncertainty_exact_values():
    out = uncertainty(np.array([0.0, math.log(3), -math.log(3), 50.0]))
    assert np.allclose(out, [1.0, 0.5, 0.5, 0.0])


def _rows(*vectors):
    return sp.csr_matrix(np.array(vectors, dtype=float))


def test_select_batch_skips_near_copies():
    # rows 0-2 are the same post, 3 and 4 are different ones; all equally uncertain
    X = _rows([1, 0, 0], [1, 0, 0], [1, 0, 0.01], [0, 1, 0], [0, 0, 1])
    chosen = select_batch(X, np.zeros(5), range(5), 3, seed=0)
    assert len(chosen) == 3
    assert len(set(chosen) & {0, 1, 2}) == 1 and {3, 4} <= set(chosen)
    # without diversity, ties fall back to the seeded order: all five are equal
    plain = select_batch(X, np.zeros(5), range(5), 5, seed=0, diversity=0.0)
    assert plain == [int(i) for i in np.lexsort((random_order(5, 0), -np.ones(5)))]


def test_select_batch_prefers_uncertain_and_avoids_what_is_labelled():
    X = _rows([1, 0], [0, 1], [1, 0.05], [0.05, 1])
    decision = np.array([0.1, 0.2, 3.0, 4.0])
    assert select_batch(X, decision, [0, 1, 2, 3], 2, seed=1) == [0, 1]
    # row 0 already labelled: its near-copy 2 is worth less than row 1
    assert select_batch(X, decision, [1, 2, 3], 1, seed=1, seen=[0]) == [1]


def test_select_batch_empty_cases():
    X = _rows([1, 0])
    assert select_batch(X, np.zeros(1), [], 5) == []
    assert select_batch(X, np.zeros(1), [0], 0) == []


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 30), st.integers(0, 12), st.integers(0, 10_000), st.data())
def test_select_batch_properties(n, k, seed, data):
    rng = np.random.default_rng(seed)
    X = sp.csr_matrix(rng.random((n, 4)) * (rng.random((n, 4)) > 0.4))
    decision = rng.normal(size=n) * 3
    available = data.draw(st.lists(st.integers(0, n - 1), unique=True))
    chosen = select_batch(X, decision, available, k, seed=seed)
    assert len(chosen) == min(k, len(available))
    assert len(set(chosen)) == len(chosen) and set(chosen) <= set(available)
    assert chosen == select_batch(X, decision, available, k, seed=seed)  # reproducible


def test_random_order_is_seeded():
    assert random_order(6, 3).tolist() == random_order(6, 3).tolist()
    assert sorted(random_order(6, 3).tolist()) == list(range(6))


def test_representativeness_exact_values():
    # two posts alike and one outlier: cosine to the centroid of the unit rows
    X = _rows([1, 0], [1, 0], [0, 1])
    centroid = np.array([2 / 3, 1 / 3])
    expected = np.array([centroid[0], centroid[0], centroid[1]]) / centroid[0]
    assert np.allclose(representativeness(X), expected)
    assert np.allclose(representativeness(X), [1.0, 1.0, 0.5])
    assert representativeness(_rows([0, 0], [0, 0])).tolist() == [1.0, 1.0]  # no features: all alike
    assert representativeness(sp.csr_matrix((0, 3))).tolist() == []


def test_select_batch_weighs_uncertainty_by_density():
    # rows 0 and 2 equally uncertain; 2 is an outlier, 0 stands for rows 0-1
    X = _rows([1, 0], [1, 0.1], [0, 1])
    decision = np.array([0.0, 2.0, 0.0])
    dens = representativeness(X)
    assert dens[0] > dens[2]
    assert select_batch(X, decision, [0, 2], 1, seed=0, density=dens) == [0]
    assert select_batch(X, decision, [0, 2], 1, seed=0, density=np.array([0.1, 1.0, 1.0])) == [2]
    # a density of 1 everywhere is uncertainty alone
    assert (select_batch(X, decision, [0, 1, 2], 3, seed=4, density=np.ones(3))
            == select_batch(X, decision, [0, 1, 2], 3, seed=4))
