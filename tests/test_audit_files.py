import csv
import json
from types import SimpleNamespace

import pytest

from analyzer.audit_files import audit_sources, signal_weights
from analyzer.explain import global_weights
from analyzer.scoring import ScoreOptions, score
from analyzer.signals import SIGNAL_NAMES

POSTS = [("1", "acme", "Big SALE today, 30% off everything! Link in bio"),
         ("2", "acme", "Anyone tried the new trail shoes? What did you think?"),
         ("3", "bea", "Thanks so much for the kind words, see you Saturday!"),
         ("4", "bea", "New collection out now: shop https://example.com/new")]


@pytest.fixture()
def raw(tmp_path):
    path = tmp_path / "posts.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "author", "text"])
        w.writerows(POSTS)
    return path


def model(trained):
    return SimpleNamespace(pipeline=trained.model, function_head=trained.function_head)


def scored_file(trained, raw, path, features):
    from analyzer.inputs import read_many

    rows = [r for _, chunk, _ in score(read_many([str(raw)]), model(trained), ScoreOptions(features=features))
            for r in chunk]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_signal_weights_are_the_model_weights_of_the_signals(trained):
    w = global_weights(trained.model)
    weights = signal_weights(trained.model)
    assert list(weights) == [n for n in w["names"] if n in SIGNAL_NAMES]
    i = w["names"].index("style__n_questions")
    assert weights["style__n_questions"] == float(w["coef"][i])


def test_a_scored_file_is_counted_as_written(trained, raw, tmp_path, monkeypatch):
    direct = audit_sources([str(raw)], model(trained))
    path = scored_file(trained, raw, tmp_path / "scored.jsonl", features=True)
    featurizer = trained.model.named_steps["features"]
    monkeypatch.setattr(featurizer, "parse", lambda *a, **k: pytest.fail("a scored file was parsed again"))
    seen = []
    again = audit_sources([str(path)], model(trained), on_chunk=seen.append)
    assert seen == [4]
    assert again["overall"] == direct["overall"] and again["signals"] == direct["signals"]
    assert again["examples"] == direct["examples"] and again["actions"] == direct["actions"]


def test_a_scored_file_without_signal_values_gets_them_from_its_text(trained, raw, tmp_path):
    direct = audit_sources([str(raw)], model(trained))
    path = scored_file(trained, raw, tmp_path / "scored.jsonl", features=False)
    assert not any(name in json.loads(path.read_text().splitlines()[0]) for name in SIGNAL_NAMES)
    again = audit_sources([str(path)], model(trained))
    assert again["overall"] == direct["overall"]
    by = {r["name"]: r for r in again["signals"]}
    assert by["content__n_urls"] == {r["name"]: r for r in direct["signals"]}["content__n_urls"]
    assert by["content__n_urls"]["media_share"] > 0
