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


def test_small_training_sets_get_a_warning(labelled_file, tmp_path):
    result = train_files([str(labelled_file)], tmp_path / "m", n_splits=3)
    assert any(w.startswith("small sample (") and "posts in the smaller class" in w for w in result.warnings)
    meta = json.loads((tmp_path / "m" / "meta.json").read_text())
    assert any("small sample" in w for w in meta["warnings"])


def test_small_sample_warning_names_what_is_missing():
    from analyzer.model import small_sample_warning
    from analyzer.posts import Label, Post

    def posts(n_authors, per_class):
        return [Post(id=f"{lab}{i}", text=t, label=Label(lab), author=f"a{i % n_authors}" if n_authors else None)
                for lab, t in (("media", "Saldi fino al 50%"), ("networking", "¿Qué tal el finde?"))
                for i in range(per_class)]

    assert small_sample_warning(posts(12, 200)) is None
    assert small_sample_warning(posts(6, 30)).startswith(
        "small sample (6 author(s), 30 posts in the smaller class; a figure that means something needs "
        "10+ authors and 200+ posts per class)")
    assert small_sample_warning(posts(0, 250)).startswith("small sample (no author column;")
    assert small_sample_warning(posts(20, 150)).startswith("small sample (150 posts in the smaller class;")


def test_add_default_reports_metrics_on_the_users_own_rows(labelled_file, tmp_path, monkeypatch):
    import analyzer.training as training

    # a stand-in bundled corpus (the real one takes minutes to cross-validate)
    monkeypatch.setattr(training, "bundled_corpus_files", lambda: [labelled_file])
    mine = tmp_path / "mine.jsonl"
    rows = [("Nuevo menú del día: 12 €, reservas al 600 000 000", "media", "es"),
            ("Svendita totale, tutto al 50% fino a domenica!", "media", "it"),
            ("Big sale this weekend, 30% off everything", "media", "en"),
            ("¿Alguien ha probado el bar nuevo de la esquina?", "networking", "es"),
            ("Che ne pensate del nuovo orario dei treni?", "networking", "it"),
            ("Anyone else up this early? Coffee time", "networking", "en")] * 2
    # distinct texts (training drops exact repeats)
    mine.write_text("".join(json.dumps({"id": f"u{i}", "text": t + (" 🙂" if i >= 6 else ""), "label": lab, "lang": lang,
                                        "author": f"me{i % 4}"}) + "\n" for i, (t, lab, lang) in enumerate(rows)))
    result = train_files([str(mine)], tmp_path / "m", add_default=True, n_splits=3)
    meta = json.loads((tmp_path / "m" / "meta.json").read_text())
    own = meta["cv_own_rows"]
    assert own["overall"]["n"] == len(rows)  # only the user's rows, all of them
    assert set(own["by_group"]) == {"en", "es", "it"}
    assert meta["cv"]["overall"]["n"] == len(rows) + 50
    assert any(w.startswith("your own posts: small sample (4 author(s), 6 posts in the smaller class")
               for w in result.warnings)
