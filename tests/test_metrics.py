import pytest

from analyzer.metrics import classification_report, expected_calibration_error, report_by


def test_classification_report_by_hand():
    y_true = ["media", "media", "media", "networking", "networking"]
    y_pred = ["media", "media", "networking", "networking", "media"]
    r = classification_report(y_true, y_pred)
    # media: P 2/3 R 2/3 F1 2/3; networking: P 1/2 R 1/2 F1 1/2
    assert r["per_class"]["media"] == pytest.approx({"precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3, "support": 3})
    assert r["per_class"]["networking"]["f1"] == pytest.approx(0.5)
    assert r["macro_f1"] == pytest.approx((2 / 3 + 0.5) / 2)
    assert r["accuracy"] == pytest.approx(3 / 5)
    assert r["confusion"]["rows_true_cols_pred"] == [[2, 1], [1, 1]]
    assert "ece" not in r


def test_macro_f1_ignores_absent_classes():
    r = classification_report(["media", "media"], ["media", "networking"])
    assert r["macro_f1"] == pytest.approx(2 / 3)  # media F1 only (networking has no support)


def test_ece_by_hand():
    # bin 0.9-1.0: p=0.9,0.95 outcomes 1,0 -> |0.5-0.925| * 2/4; bin 0.1-0.2: p=0.1,0.1 outcomes 0,0 -> 0.1 * 2/4
    y = ["networking", "media", "media", "media"]
    p = [0.9, 0.95, 0.1, 0.1]
    assert expected_calibration_error(y, p) == pytest.approx(0.5 * 0.425 + 0.5 * 0.1)
    assert expected_calibration_error(["media"], [0.0]) == 0.0


def test_report_by_groups():
    r = report_by(["en", "es", "en"], ["media", "networking", "networking"],
                  ["media", "networking", "media"], [0.2, 0.8, 0.4])
    assert set(r["by_group"]) == {"en", "es"}
    assert r["by_group"]["es"]["accuracy"] == 1.0
    assert r["overall"]["n"] == 3


def test_empty():
    assert classification_report([], []) == {"n": 0}
