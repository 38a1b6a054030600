import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.strings import hash_string

from analyzer import lexemes as L
from analyzer.languages import LANG_CHAR_BIT, supported_languages
from analyzer.nlp import get_nlp


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(categories=("Lu", "Ll", "Lo", "Nd", "Po", "So", "Zs")) | st.sampled_from(
    list("$€#@.[ñàèéìòùç")), min_size=1, max_size=12) | st.sampled_from(["buffer", "Euro", "LATER", "año", "perché"]))
def test_lexeme_table_gives_the_bits_spelled_out_in_form_bits(text):
    table = L.lex_table()
    lower, length, bits = table.properties([text])
    assert bits == [L.form_bits(text, table.lang_chars, table.lang_words)]
    assert (lower, length) == ([hash_string(text.lower())], [len(text)])


def test_lexeme_table_bits():
    nlp = get_nlp()
    words = ["Hola", "SALE", "19,99", "?", "\n", "🔥", "#ad", "@bob", "bit.ly/x", "care.umma", "años", "perché"]
    doc = nlp.make_doc(" ".join(words).replace(" \n ", "\n"))
    orth = doc.to_array("ORTH").astype(np.uint64)
    lower, length, bits = L.lex_table().lookup(orth, nlp.vocab.strings)
    by = {t.text: int(b) for t, b in zip(doc, bits)}
    has = lambda w, bit: bool(by[w] >> bit & 1)  # noqa: E731
    assert has("Hola", L.ALPHA) and not has("Hola", L.UPPER) and has("SALE", L.UPPER)
    assert has("19,99", L.NUM) and has("?", L.PUNCT) and has("?", L.FINAL)
    assert has("🔥", L.EMOJI) and has("#ad", L.HASHTAG) and has("@bob", L.MENTION)
    assert has("bit.ly/x", L.LINK) and not has("care.umma", L.LINK)
    langs = supported_languages()
    assert has("años", LANG_CHAR_BIT + langs.index("es"))
    assert has("perché", LANG_CHAR_BIT + langs.index("it")) is False  # é is not Italian-only
    assert list(length[:2]) == [4, 4]
