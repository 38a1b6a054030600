import math

import pytest

from analyzer.row_values import as_bool, as_flags, as_float


@pytest.mark.parametrize("value,expected", [
    ("0.25", 0.25), (2, 2.0), (True, 1.0), ("", None), (None, None), ("n/a", None), (float("nan"), None),
    ("nan", None), ([1], None)])
def test_as_float(value, expected):
    assert as_float(value) == expected


def test_as_float_keeps_infinity():
    assert as_float("inf") == math.inf


@pytest.mark.parametrize("value,expected", [
    (True, True), (False, False), ("False", False), (" TRUE ", True), ("1", True), ("yes", True),
    ("0", False), ("", None), (None, None)])
def test_as_bool(value, expected):
    assert as_bool(value) is expected


@pytest.mark.parametrize("value,expected", [
    ("no_text, truncated", ["no_text", "truncated"]), ("no_text", ["no_text"]), ("", [""]),
    (["a", 1], ["a", "1"]), (("b",), ["b"]), (None, []), (3, [])])
def test_as_flags(value, expected):
    assert as_flags(value) == expected
