from analyzer.numbers import fixed, pct, signed


def test_pct():
    assert (pct(0.125), pct(1 / 6), pct(0.0), pct(None), pct(None, "")) == ("12%", "17%", "0%", "–", "")


def test_signed():
    assert (signed(1.5), signed(-0.004), signed(0.0), signed(-1.25, 1), signed(None)) == (
        "+1.50", "-0.00", "+0.00", "-1.2", "–")


def test_fixed():
    assert (fixed(0.91234), fixed(0.5, 2), fixed(None), fixed(None, missing="–"), fixed(7), fixed("x")) == (
        "0.912", "0.50", "", "–", "7", "x")
