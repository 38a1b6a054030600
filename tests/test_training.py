from analyzer.model import DEFAULT_PARAMS
import json

import pytest

from analyzer.readers import Columns
from analyzer.signals import SIGNAL_NAMES
from analyzer.training import bundled_corpus_files, train_files
from analyzer.writers import OutputExistsError


def test_train_files_writes_meta_with_file_hashes(labelled_file, tmp_path):
    out = tmp_path / "m"
    result = train_files([str(labelled_file)], out, n_splits=3, command="content-analyzer train x")
    meta = json.loads((out / "meta.json").read_text())
    assert meta["training"]["files"][0]["rows"] == 50
    assert len(meta["training"]["files"][0]["sha256"]) == 64
    assert meta["n_signals"] == len(SIGNAL_NAMES) and meta["n_ngrams"] > 0
    assert meta["params"]["signal_weight"] == DEFAULT_PARAMS["signal_weight"]
    assert meta["training"]["function_counts"] == {"action": 17, "community": 25, "information": 8}
    assert meta["function_head"] is True and meta["calibration"]["method"] == "platt"
    assert meta["cv"] == result.cv
    with pytest.raises(OutputExistsError):
        train_files([str(labelled_file)], out)


def test_train_without_cross_validation(labelled_file, tmp_path):
    result = train_files([str(labelled_file)], tmp_path / "m", n_splits=0)
    assert result.cv is None


def test_custom_columns(tmp_path):
    src = tmp_path / "d.csv"
    rows = ["msg,verdict"] + [f"Buy item {i} now,promotional" for i in range(12)] + \
           [f"What do you think of {i}?,conversational" for i in range(12)]
    src.write_text("\n".join(rows) + "\n")
    result = train_files([str(src)], tmp_path / "m", n_splits=2,
                         columns=Columns(text="msg", label="verdict"))
    assert result.label_counts == {"media": 12, "networking": 12}


def test_bundled_corpus_is_shipped():
    assert bundled_corpus_files(), "data/corpus must be reachable as analyzer/bundled_corpus"


def test_encoding_applies_to_the_users_files(train_posts, tmp_path):
    import csv as _csv
    import io as _io

    buf = _io.StringIO()
    w = _csv.writer(buf)
    w.writerow(["id", "text", "label", "author", "lang"])
    for p in train_posts:
        w.writerow([p.id, p.text.replace("🛍️", "").replace("🎁", "").replace("👉", "").replace("💙", ""),
                    p.label.value, p.author, p.lang])
    src = tmp_path / "legacy.csv"
    src.write_bytes(buf.getvalue().encode("cp1252", "ignore"))
    result = train_files([str(src)], tmp_path / "m", n_splits=0, encoding="cp1252")
    texts = {p.id: p.text for p in result.posts}
    assert texts["m11"] == "¡Rebajas! 40% de descuento en toda la colección de invierno. Compra ya en nuestra web."
    assert result.n_posts == 50
