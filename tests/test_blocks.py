import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.blocks import CharNgramCounts, SignalValues, WordNgramCounts, char_ngram_keys, is_count_signal
from analyzer.features import parse_posts


def test_char_ngrams_stay_inside_word_bounds():
    doc, keys, starts, sizes, joined = char_ngram_keys(["Ab cd"], (2, 3))
    grams = sorted(joined[s:s + n] for s, n in zip(starts, sizes))
    # as scikit-learn's char_wb: " ab " and " cd " padded, no window spans the inner space
    assert grams == sorted([" a", "ab", "b ", " c", "cd", "d ", " ab", "ab ", " cd", "cd "])
    assert set(doc.tolist()) == {0}


def test_char_ngrams_mask_links_handles_and_digits():
    _, _, starts, sizes, joined = char_ngram_keys(["@Marta_rr mira https://bit.ly/3xYz 2024"], (3, 3))
    grams = {joined[s:s + n] for s, n in zip(starts, sizes)}
    assert {" @ ", " ↗ ", "000"} <= grams
    assert not any(c in g for g in grams for c in "xyz2")


def test_char_ngrams_of_posts_do_not_mix():
    doc, _, starts, sizes, joined = char_ngram_keys(["ab", "cd"], (2, 5))
    assert all("\x00" not in joined[s:s + n] for s, n in zip(starts, sizes))
    assert sorted(set(doc.tolist())) == [0, 1]


@pytest.mark.parametrize("texts", [
    ["graaazie mille raga", "grazie mille ragazzi"],          # it: letter repeats, slang
    ["porfaaa seguidme", "por favor seguidme"],                # es
    ["pleeease subscribe", "please subscribe"],                # en
])
def test_misspelt_and_correct_words_share_character_ngrams(texts):
    block = CharNgramCounts(ngram_range=(2, 4), min_df=2).fit(parse_posts(texts))
    assert len(block.ngram_names_) > 3
    X = block.transform(parse_posts(texts)).toarray()
    assert (X[0] > 0).sum() > 3 and (X[1] > 0).sum() > 3


def test_word_ngrams_of_only_stop_words_or_punctuation_are_dropped():
    parsed = parse_posts(["In the end, it is what it is.", "in the end it is what it is!"], ["en", "en"])
    names = WordNgramCounts(min_df=2, stop_words_weak=True).fit(parsed).ngram_names_
    # every other unigram and bigram is only stop words or punctuation
    assert sorted(names) == ["end", "the end"]
    unigrams = WordNgramCounts(min_df=2, stop_words_weak="unigrams").fit(parsed).ngram_names_
    assert "in the" in unigrams and "in" not in unigrams and "end" in unigrams
    default = WordNgramCounts(min_df=2).fit(parsed).ngram_names_  # punctuation-only dropped
    assert {"in", "the", "in the", "end"} <= set(default) and "." not in default
    kept = WordNgramCounts(min_df=1, drop_weak=False).fit(parsed).ngram_names_
    assert {".", "!", ","} <= set(kept)


def test_signal_values_log_scale_counts_only():
    parsed = parse_posts(["word " * 5000, "ok?"], ["en", "en"])
    block = SignalValues(signals=["content__n_words", "style__rate_caps", "content__is_long"]).fit(parsed)
    raw, logged = block.raw(parsed), block.transform(parsed)
    assert raw[:, 0].tolist() == [300.0, 1.0]  # capped as the catalogue says
    np.testing.assert_allclose(logged[:, 0], np.log1p([300.0, 1.0]))
    np.testing.assert_array_equal(logged[:, 1:], raw[:, 1:])
    assert is_count_signal("content__n_urls") and is_count_signal("style__mean_sentence_len")
    assert not is_count_signal("content__is_very_short")


def test_name_array_keeps_every_name_exactly():
    from analyzer.blocks import name_array

    names = ["ciao", "¿qué", "👍🏽 ok", "l'amico"]
    arr = name_array(names)
    assert arr.dtype.kind == "U" and arr.tolist() == names
    assert name_array(["ab\x00"]) == ["ab\x00"]  # an array would drop the trailing NUL: a list is kept
    assert len(name_array([])) == 0


def test_batch_char_text_equals_post_by_post():
    from analyzer.blocks import _joined, _norm_char_text

    batches = [[], [""], ["  "], ["", ""], ["Hi  @ana.b\tSEE https://x.co/a 2024!", "", " \n ", "ΟΔΟΣ ok"],
               ["a\x00b", "c"], ["www.x.com/a\nnext", "b.co/x"]]
    for texts in batches:
        assert _joined(texts) == "\x00".join(_norm_char_text(t) for t in texts)
    assert _joined(["Hi  @ana.b 2024!", ""]) == " hi @ 0000! \x00  "


_CHAR_PIECES = ["a", "Z", "é", "9", "0", " ", "  ", "\t", "\n", "\u00a0", "\u2003", "/", "www.", "WWW.", "http://",
                "https://x.co/", "ftp://", "bit.ly/3", "@", "@ana", ".", ":", "-", "_", "é.com/", "x.it/p", "😀", "\x1c"]


@given(st.lists(st.lists(st.sampled_from(_CHAR_PIECES), max_size=12).map("".join), max_size=6))
@settings(max_examples=300, deadline=None)
def test_batch_char_text_equals_post_by_post_on_any_links_and_whitespace(texts):
    """The batch looks for links only in chunks holding "/" or "www."; post by post, the
    pattern runs over the whole text: both must give the same text."""
    from analyzer.blocks import _joined, _norm_char_text

    assert _joined(texts) == "\x00".join(_norm_char_text(t) for t in texts)
    assert char_ngram_keys(texts, (2, 3))[4] == _joined(texts)


@given(st.lists(st.integers(0, 0x10FFFF), max_size=12), st.integers(1, 6), st.integers(0, 5))
def test_window_keys_are_the_spelled_out_hash(items, lo, extra):
    """Each window's key is ((s0 + n) * MIX + s1) * MIX ... + s(n-1) modulo 2**64, whatever
    way it is computed: the keys of a saved vocabulary depend on it."""
    from analyzer.blocks import _MIX, _windows

    seq = np.array(items, dtype=np.uint64)
    hi = lo + extra
    _, keys, starts, sizes = _windows(seq, np.zeros(len(seq), np.int64), (lo, hi), lambda n, i: np.ones(len(i), bool))
    expected = []
    for n in range(lo, hi + 1):
        for i in range(len(items) - n + 1):
            key = items[i] + n
            for k in range(1, n):
                key = (key * int(_MIX) + items[i + k]) % (1 << 64)
            expected.append((key, i, n))
    assert list(zip(keys.tolist(), starts.tolist(), sizes.tolist())) == expected
