import json
import os
import pickle
import zipfile

import numpy as np
import pytest
import skops.io as sio
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from analyzer.persistence import (
    META_FILE,
    MODEL_FILE,
    TRUSTED_TYPES,
    ModelError,
    load_model,
    read_meta,
    save_model,
)

from model_dirs import copy_model, rewrite_hash

PWNED = "pwned.txt"


def test_round_trip(model_dir, trained):
    model = load_model(model_dir)
    texts = ["Shop now, 20% off!", "Anyone around for coffee tomorrow?"]
    assert (model.pipeline.predict_proba(texts) == trained.model.predict_proba(texts)).all()
    assert model.meta["labels"] == ["media", "networking"]
    assert model.meta["trusted_types"] == list(TRUSTED_TYPES)
    assert set(model.meta["versions"]) >= {"python", "scikit-learn", "spacy", "skops", "analyzer"}
    preds = model.predict(texts)
    assert [p.label for p in preds] == ["media", "networking"]
    assert (model_dir / "README.md").read_text().startswith("# content-type-analyzer model")
    assert oct(os.stat(model_dir / MODEL_FILE).st_mode & 0o777) != "0o600"


def test_one_changed_byte_is_refused(model_dir, tmp_path):
    path = copy_model(model_dir, tmp_path)
    data = bytearray((path / MODEL_FILE).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (path / MODEL_FILE).write_bytes(bytes(data))
    with pytest.raises(ModelError, match="sha256 does not match meta.json"):
        load_model(path)


def test_truncated_file_is_refused(model_dir, tmp_path):
    path = copy_model(model_dir, tmp_path)
    data = (path / MODEL_FILE).read_bytes()
    (path / MODEL_FILE).write_bytes(data[: len(data) // 3])
    with pytest.raises(ModelError, match="sha256 does not match"):
        load_model(path)
    rewrite_hash(path)  # even with a matching hash, a truncated zip is not loaded
    with pytest.raises(ModelError, match="not a readable skops file"):
        load_model(path)


def test_wrong_hash_in_meta_is_refused(model_dir, tmp_path):
    path = copy_model(model_dir, tmp_path)
    meta = json.loads((path / META_FILE).read_text())
    meta["model_sha256"] = "0" * 64
    (path / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="sha256 does not match"):
        load_model(path)


def test_other_sklearn_version_is_refused(model_dir, tmp_path):
    path = copy_model(model_dir, tmp_path)
    meta = json.loads((path / META_FILE).read_text())
    meta["versions"]["scikit-learn"] = "0.24.2"
    (path / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="saved with scikit-learn 0.24.2, installed is"):
        load_model(path)
    assert load_model(path, allow_version_mismatch=True).pipeline is not None


def test_untrusted_type_is_refused_and_never_runs(model_dir, tmp_path):
    """A pipeline step that would call os.system on load is refused before loading."""
    path = copy_model(model_dir, tmp_path)
    evil = Pipeline([("x", FunctionTransformer(os.system, kw_args={"command": f"touch {tmp_path / PWNED}"}))])
    (path / MODEL_FILE).write_bytes(sio.dumps(evil))
    rewrite_hash(path)
    with pytest.raises(ModelError, match="types outside the allow-list.*posix.system"):
        load_model(path)
    assert not (tmp_path / PWNED).exists()


def test_pickle_renamed_to_skops_is_refused_and_never_runs(model_dir, tmp_path):
    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {tmp_path / PWNED}",))

    path = copy_model(model_dir, tmp_path)
    (path / MODEL_FILE).write_bytes(pickle.dumps(Payload()))
    rewrite_hash(path)
    with pytest.raises(ModelError, match="not a readable skops file"):
        load_model(path)
    assert not (tmp_path / PWNED).exists()


@pytest.mark.parametrize("name", ["model.joblib", "model.pkl", "model.pickle"])
def test_pickle_files_are_refused_by_name(tmp_path, name):
    (tmp_path / name).write_bytes(b"whatever")
    with pytest.raises(ModelError, match="pickle/joblib model files are refused"):
        load_model(tmp_path / name)


def test_missing_and_malformed_directories(tmp_path):
    with pytest.raises(ModelError, match="model directory not found"):
        load_model(tmp_path / "nope")
    with pytest.raises(ModelError, match="no meta.json"):
        load_model(tmp_path)
    (tmp_path / META_FILE).write_text("{not json")
    with pytest.raises(ModelError, match="not valid JSON"):
        read_meta(tmp_path)
    (tmp_path / META_FILE).write_text('{"format_version": 99}')
    with pytest.raises(ModelError, match="unknown model format 99"):
        read_meta(tmp_path)


def test_a_trusted_object_of_the_wrong_shape_is_refused(model_dir, tmp_path):
    path = copy_model(model_dir, tmp_path)
    model = load_model(path)
    (path / MODEL_FILE).write_bytes(sio.dumps(model.pipeline))  # the pipeline alone, no parts dict
    rewrite_hash(path)
    with pytest.raises(ModelError, match="expected binary and function parts"):
        load_model(path)


def test_every_fitted_part_survives_the_round_trip(model_dir, trained):
    """One format: what skops reads back is the trained model, attribute for attribute."""
    loaded = load_model(model_dir).pipeline.named_steps["features"]
    fitted = trained.model.named_steps["features"]
    for name in ("signal_names_", "ngram_names_", "char_names_", "languages_"):
        assert list(getattr(loaded, name)) == list(getattr(fitted, name))
    # feature names travel as unicode arrays (one .npy block each), not lists of 100,000 strings
    assert loaded.ngram_names_.dtype.kind == "U" and loaded.char_names_.dtype.kind == "U"
    np.testing.assert_array_equal(loaded.ngram_lang_mask_, fitted.ngram_lang_mask_)
    assert loaded.get_params() == fitted.get_params()


def test_model_file_path_is_accepted(model_dir):
    assert load_model(model_dir / MODEL_FILE).path == model_dir


def test_save_refuses_untrusted_types(tmp_path):
    evil = Pipeline([("x", FunctionTransformer(os.system))])
    with pytest.raises(ModelError, match="refusing to save"):
        save_model(evil, tmp_path / "out")


def test_bundled_model_loads():
    model = load_model()
    assert model.meta["training"]["n_posts"] > 0
    assert model.predict(["Big sale today, link in bio!"])[0].label == "media"


def test_skops_file_is_a_zip_without_pickle(model_dir):
    with zipfile.ZipFile(model_dir / MODEL_FILE) as z:
        names = z.namelist()
    assert "schema.json" in names
    assert not any(n.endswith((".pkl", ".pickle")) for n in names)


def test_with_overrides_leaves_the_loaded_model_as_it_is(model_dir, tmp_path):
    lexicon = tmp_path / "mine.toml"
    lexicon.write_text('[en]\ncta_verbs = ["bag yours"]\n', "utf-8")
    model = load_model(model_dir)
    assert model.with_overrides() is model
    mine = model.with_overrides(lang="es", lexicon=lexicon)
    features = mine.pipeline.named_steps["features"]
    assert (features.lang, features.extra_cues) == ("es", {"en": {"cta_verbs": ["bag yours"]}})
    assert mine.overrides == {"lang": "es", "lexicon": {"en": {"cta_verbs": ["bag yours"]}}}
    assert model.pipeline.named_steps["features"].lang is None and model.overrides == {}
    assert model.pipeline.named_steps["features"].extra_cues is None
    assert mine.pipeline.named_steps["clf"] is model.pipeline.named_steps["clf"]
    assert [p.lang for p in mine.predict(["Anyone tried the new trail shoes?"])] == ["es"]
    assert [p.lang for p in model.predict(["Anyone tried the new trail shoes?"])] == ["en"]


def test_with_overrides_merges_a_lexicon_over_the_models_cue_words(model_dir):
    model = load_model(model_dir)
    model.pipeline.named_steps["features"].set_params(
        extra_cues={"en": {"cta_verbs": ["preorder"]}, "it": {"thanks": ["grazie mille"]}})
    mine = model.with_overrides(lexicon={"en": {"cta_verbs": ["bag yours"], "thanks": ["cheers"]},
                                         "es": {"sponsor": ["#colabo"]}})
    merged = mine.pipeline.named_steps["features"].extra_cues
    assert list(merged) == ["en", "it", "es"]
    assert merged == {"en": {"cta_verbs": ["preorder", "bag yours"], "thanks": ["cheers"]},
                      "it": {"thanks": ["grazie mille"]}, "es": {"sponsor": ["#colabo"]}}
    assert model.pipeline.named_steps["features"].extra_cues["en"] == {"cta_verbs": ["preorder"]}
