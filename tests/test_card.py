from analyzer.card import metrics_rows, metrics_table, render_card

REPORT = {
    "overall": {"n": 4, "macro_f1": 0.75, "accuracy": 0.75, "ece": 0.1,
                "per_class": {"media": {"f1": 0.8}, "networking": {"f1": 0.7}}},
    "by_group": {"en": {"n": 4, "macro_f1": 0.75, "accuracy": 0.75, "ece": 0.1,
                        "per_class": {"media": {"f1": 0.8}, "networking": {"f1": 0.7}}}},
}


def test_metrics_table():
    table = metrics_table(REPORT)
    assert table.splitlines()[2] == "| en | 4 | 0.750 | 0.800 | 0.700 | 0.750 | 0.100 |"
    assert table.splitlines()[3].startswith("| all | 4 |")


def test_card_renders_every_section_from_meta():
    meta = {"n_signals": 60, "n_ngrams": 100, "params": {"C": 4.0}, "created_at": "2026-11-21",
            "versions": {"scikit-learn": "1.9.1"},
            "training": {"n_posts": 4, "label_counts": {"media": 2, "networking": 2},
                         "files": [{"path": "a.jsonl", "rows": 4, "sha256": "ab" * 32}]},
            "cv": REPORT, "cv_scheme": {"kind": "StratifiedGroupKFold", "n_splits": 5,
                                         "grouped_by": "author", "n_groups": 3},
            "evaluations": {"held-out authors": {"report": REPORT, "baseline": REPORT,
                                                 "description": "Authors never seen."}},
            "command": "content-analyzer train a.jsonl -o m"}
    card = render_card(meta)
    for part in ("## Intended use", "## Cross-validated metrics", "grouped by author (3 groups)",
                 "## Evaluation: held-out authors", "Authors never seen.", "Baseline",
                 "## Limitations", "content-analyzer train a.jsonl -o m", "`a.jsonl` (4 rows"):
        assert part in card, part


def test_metrics_rows_for_the_card_and_the_terminal():
    detailed = {"overall": {"n": 4, "macro_f1": 0.75, "accuracy": 0.75, "ece": None,
                            "per_class": {"media": {"precision": 1.0, "recall": 0.5, "f1": 2 / 3},
                                          "networking": {"precision": 0.6, "recall": 1.0, "f1": 0.75}}},
                "by_group": {"en": {"n": 0}}}
    assert metrics_rows(REPORT) == [["en", "4", "0.750", "0.800", "0.700", "0.750", "0.100"],
                                    ["all", "4", "0.750", "0.800", "0.700", "0.750", "0.100"]]
    assert metrics_rows(detailed, detail=True) == [  # a group without posts is left out
        ["all", "4", "0.750", "1.00/0.50/0.67", "0.60/1.00/0.75", "0.750", ""]]
