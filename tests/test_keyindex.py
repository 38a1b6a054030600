import numpy as np

from analyzer.keyindex import KeyIndex, key_index


def test_finds_the_index_of_every_key_and_minus_one_for_others():
    rng = np.random.default_rng(0)
    vocab = np.unique(rng.integers(0, 2**64 - 1, 5000, dtype=np.uint64, endpoint=True))
    vocab = np.concatenate([[np.uint64(0)], vocab[vocab > 0]])  # key 0 is a key like any other
    queries = np.concatenate([vocab[::-1], rng.integers(0, 2**64 - 1, 3000, dtype=np.uint64, endpoint=True)])
    pos = np.minimum(np.searchsorted(vocab, queries), len(vocab) - 1)
    expected = np.where(vocab[pos] == queries, pos, -1)
    assert np.array_equal(KeyIndex(vocab).find(queries), expected)
    assert expected[:len(vocab)].tolist() == list(range(len(vocab) - 1, -1, -1))


def test_keys_that_share_a_home_slot_are_all_found():
    vocab = np.arange(64, dtype=np.uint64) << np.uint64(40)  # low bits alike: many collisions
    assert KeyIndex(vocab).find(vocab).tolist() == list(range(64))
    assert KeyIndex(np.zeros(0, np.uint64)).find(vocab).tolist() == [-1] * 64


def test_one_index_per_vocabulary_array():
    vocab = np.arange(10, dtype=np.uint64)
    assert key_index(vocab) is key_index(vocab)
    assert key_index(vocab.copy()) is not key_index(vocab)
