import hashlib
import json
import os
import pickle
import shutil
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
    default_model_dir,
    load_model,
    read_meta,
    save_model,
)

PWNED = "pwned.txt"


def copy_model(model_dir, tmp_path):
    dst = tmp_path / "model"
    shutil.copytree(model_dir, dst)
    return dst


def rewrite_hash(path):
    meta = json.loads((path / META_FILE).read_text())
    import hashlib

    meta["model_sha256"] = hashlib.sha256((path / MODEL_FILE).read_bytes()).hexdigest()
    (path / META_FILE).write_text(json.dumps(meta))


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


def test_default_model_dir_honours_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CONTENT_ANALYZER_MODEL", str(tmp_path))
    assert default_model_dir() == tmp_path


def test_bundled_model_loads():
    model = load_model()
    assert model.meta["training"]["n_posts"] > 0
    assert model.predict(["Big sale today, link in bio!"])[0].label == "media"


def test_skops_file_is_a_zip_without_pickle(model_dir):
    with zipfile.ZipFile(model_dir / MODEL_FILE) as z:
        names = z.namelist()
    assert "schema.json" in names
    assert not any(n.endswith((".pkl", ".pickle")) for n in names)


def test_meta_json_symlinked_to_a_device_is_refused(model_dir, tmp_path):
    path = copy_model(model_dir, tmp_path)
    (path / META_FILE).unlink()
    (path / META_FILE).symlink_to("/dev/zero")
    with pytest.raises(ModelError) as err:
        load_model(path)
    assert str(err.value) == (f"{path / META_FILE}: not a regular file (a device, FIFO or "
                              "socket); refusing to read it")


def test_meta_json_as_a_fifo_is_refused_without_hanging(model_dir, tmp_path):
    path = copy_model(model_dir, tmp_path)
    (path / META_FILE).unlink()
    os.mkfifo(path / META_FILE)
    with pytest.raises(ModelError, match="not a regular file"):
        read_meta(path)


def test_model_file_symlinked_to_a_device_is_refused(model_dir, tmp_path):
    path = copy_model(model_dir, tmp_path)
    (path / MODEL_FILE).unlink()
    (path / MODEL_FILE).symlink_to("/dev/zero")
    with pytest.raises(ModelError, match=f"{MODEL_FILE}: not a regular file"):
        load_model(path)


def test_oversized_meta_is_refused(model_dir, tmp_path, monkeypatch):
    import analyzer.persistence as persistence

    path = copy_model(model_dir, tmp_path)
    size = (path / META_FILE).stat().st_size
    monkeypatch.setattr(persistence, "MAX_META_BYTES", size - 1)
    with pytest.raises(ModelError) as err:
        read_meta(path)
    assert str(err.value) == (f"{path / META_FILE}: {size:,} bytes, more than the {size - 1:,} a "
                              "model file may have")


@pytest.mark.parametrize("name", ["../model.skops", "/etc/passwd", "sub/model.skops", "..", ""])
def test_model_file_outside_the_directory_is_refused(model_dir, tmp_path, name):
    path = copy_model(model_dir, tmp_path)
    meta = json.loads((path / META_FILE).read_text())
    meta["model_file"] = name
    (path / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelError) as err:
        load_model(path)
    assert str(err.value) == (f"{path / META_FILE}: model_file {name!r} must name a file inside "
                              "the model directory (no path)")


@pytest.mark.parametrize("key, value, message", [
    ("versions", ["x"], "'versions' should be an object, found list [\"x\"]"),
    ("model_file", 5, "'model_file' should be a string, found int 5"),
    ("model_sha256", None, "'model_sha256' should be a string, found NoneType null"),
    ("cv", "high", "'cv' should be an object, found str \"high\""),
])
def test_wrongly_typed_meta_fields_are_one_line_errors(model_dir, tmp_path, key, value, message):
    path = copy_model(model_dir, tmp_path)
    meta = json.loads((path / META_FILE).read_text())
    meta[key] = value
    (path / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelError) as err:
        load_model(path)
    assert str(err.value) == f"{path / META_FILE}: {message}"


def test_deeply_nested_meta_is_a_one_line_error(model_dir, tmp_path):
    path = copy_model(model_dir, tmp_path)
    (path / META_FILE).write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ModelError, match="not valid JSON"):
        read_meta(path)


# -- the fast form ------------------------------------------------------------------------

from analyzer.persistence import (  # noqa: E402
    FAST_ARRAYS_FILE,
    FAST_TREE_FILE,
    MODEL_TYPES,
    add_fast_form,
    fast_form,
)


def estimators(obj, path="root"):
    """(path, estimator) for every estimator in a loaded model, depth first."""
    from sklearn.base import BaseEstimator

    if isinstance(obj, BaseEstimator):
        yield path, obj
        for key, value in sorted(vars(obj).items()):
            yield from estimators(value, f"{path}.{key}")
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            yield from estimators(value, f"{path}[{i}]")
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from estimators(value, f"{path}[{key!r}]")


def assert_same_value(a, b, where):
    assert type(a) is type(b), where
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same_value(x, y, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            assert_same_value(a[key], b[key], f"{where}[{key!r}]")
    elif hasattr(a, "get_params"):
        assert_same_estimator(a, b, where)
    else:
        assert a == b or (a != a and b != b), where  # nan == nan


def assert_same_estimator(a, b, where):
    assert type(a) is type(b), where
    assert sorted(vars(a)) == sorted(vars(b)), where  # every parameter and fitted attribute
    for key in vars(a):
        assert_same_value(getattr(a, key), getattr(b, key), f"{where}.{key}")


def both_loads(path):
    skops_model = load_model(path, use_fast_form=False)
    fast_model = load_model(path)
    return ({"binary": skops_model.pipeline, "function": skops_model.function_head},
            {"binary": fast_model.pipeline, "function": fast_model.function_head})


@pytest.fixture(scope="module")
def bundled_dir():
    return default_model_dir()


@pytest.mark.parametrize("which", ["trained", "bundled"])
def test_fast_form_holds_every_parameter_and_fitted_attribute(model_dir, bundled_dir, which):
    skops_parts, fast_parts = both_loads(model_dir if which == "trained" else bundled_dir)
    pairs = list(zip(estimators(skops_parts), estimators(fast_parts)))
    assert [p for (p, _), _ in pairs] == [p for _, (p, _) in pairs]
    assert len(pairs) == 15  # 2 pipelines, featurizer, union, 3 block pipelines, 6 blocks, 2 heads
    for (where, a), (_, b) in pairs:
        assert_same_estimator(a, b, where)
        assert {type(x).__module__ + "." + type(x).__qualname__ for x in (a, b)} <= set(MODEL_TYPES)


def test_fast_form_keeps_shared_objects_shared(bundled_dir):
    for parts in both_loads(bundled_dir):
        features = parts["binary"].named_steps["features"]
        words = features.union_.transformer_list[1][1].steps[0][1]
        assert features.ngram_names_ is words.ngram_names_
        assert features.ngram_lang_mask_ is words.ngram_lang_mask_


POSTS = [  # hand-written, none in data/corpus
    ("en", "Flash sale ends at midnight: 25% off every tent, code CAMP25 at checkout"),
    ("en", "@jo_b did you ever get the bike fixed? mine's still making that noise"),
    ("es", "Últimos días para inscribirte en el taller de cerámica, plazas limitadas"),
    ("es", "¿Alguien sabe a qué hora abre mañana la piscina municipal?"),
    ("it", "Nuova collezione autunno in negozio da sabato, vi aspettiamo!"),
    ("it", "Ragazzi, qualcuno ha gli appunti di ieri? Me li sono persi"),
]


def test_fast_load_predicts_as_the_skops_load(bundled_dir):
    from analyzer.posts import Post

    posts = [Post(id=str(n), text=text, lang=lang) for n, (lang, text) in enumerate(POSTS)]
    by_skops, by_fast = (load_model(bundled_dir, use_fast_form=flag).predict(posts, top_k=10)
                         for flag in (False, True))
    assert [p.label for p in by_fast] == ["media", "networking"] * 3
    assert by_fast == by_skops


def test_bundled_model_has_a_verified_fast_form_of_its_own_skops_file(bundled_dir):
    meta = read_meta(bundled_dir)
    assert meta["fast_form"]["derived_from"] == meta["model_sha256"]
    assert set(meta["fast_form"]["files"]) == {FAST_TREE_FILE, FAST_ARRAYS_FILE}
    for name, digest in meta["fast_form"]["files"].items():
        assert hashlib.sha256((bundled_dir / name).read_bytes()).hexdigest() == digest
    assert "## Files" in (bundled_dir / "README.md").read_text("utf-8")


def test_fast_form_is_reproducible(model_dir):
    parts = both_loads(model_dir)[0]
    assert fast_form(parts) == fast_form(parts)
    assert fast_form(parts) == ((model_dir / FAST_TREE_FILE).read_bytes(),
                                (model_dir / FAST_ARRAYS_FILE).read_bytes())


def test_loading_the_bundled_model_does_not_import_skops():
    import subprocess
    import sys

    code = ("import sys\nfrom analyzer.persistence import load_model\nload_model()\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'skops'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def fail_skops(monkeypatch):
    """Make a load through model.skops fail loudly, so a test sees which file was read."""
    import analyzer.persistence as persistence

    def no_skops(path, data):
        raise AssertionError("model.skops was read")

    monkeypatch.setattr(persistence, "_load_skops", no_skops)


def test_a_verified_fast_form_is_read_instead_of_model_skops(model_dir, monkeypatch):
    fail_skops(monkeypatch)
    assert load_model(model_dir).pipeline is not None


@pytest.mark.parametrize("damage", ["changed byte", "missing", "stale", "no entry"])
def test_a_fast_form_that_does_not_verify_is_ignored(model_dir, tmp_path, damage):
    """Documented: the model then loads from model.skops, the canonical file."""
    path = copy_model(model_dir, tmp_path)
    meta = json.loads((path / META_FILE).read_text())
    if damage == "changed byte":
        data = bytearray((path / FAST_ARRAYS_FILE).read_bytes())
        data[len(data) // 2] ^= 0xFF
        (path / FAST_ARRAYS_FILE).write_bytes(bytes(data))
    elif damage == "missing":
        (path / FAST_TREE_FILE).unlink()
    elif damage == "stale":  # derived from another model.skops
        meta["fast_form"]["derived_from"] = "0" * 64
    else:
        del meta["fast_form"]
    (path / META_FILE).write_text(json.dumps(meta))
    calls = []
    import analyzer.persistence as persistence

    real = persistence._load_skops
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(persistence, "_load_skops", lambda p, d: calls.append(p) or real(p, d))
        fallback = load_model(path)
    assert calls == [path / MODEL_FILE]
    assert_same_value(fallback.pipeline, load_model(model_dir).pipeline, "pipeline")


def forge_fast_form(path, edit):
    """Apply ``edit`` to the fast form's JSON tree and rewrite its hash, as an attacker who
    can write the whole directory would."""
    tree = json.loads((path / FAST_TREE_FILE).read_text())
    edit(tree)
    data = json.dumps(tree).encode()
    (path / FAST_TREE_FILE).write_bytes(data)
    meta = json.loads((path / META_FILE).read_text())
    meta["fast_form"]["files"][FAST_TREE_FILE] = hashlib.sha256(data).hexdigest()
    (path / META_FILE).write_text(json.dumps(meta))


def scaler_node(tree):
    """The MaxAbsScaler node of a model's tree."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "sklearn.preprocessing._data.MaxAbsScaler":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(tree)
    return found[0]


@pytest.mark.parametrize("name", ["sklearn.preprocessing._function_transformer.FunctionTransformer",
                                  "posix.system", "builtins.eval"])
def test_a_fast_form_naming_a_type_outside_the_allow_list_is_refused(model_dir, tmp_path, name, monkeypatch):
    path = copy_model(model_dir, tmp_path)
    forge_fast_form(path, lambda tree: scaler_node(tree).update(type=name))
    fail_skops(monkeypatch)  # refused, not quietly loaded from model.skops
    with pytest.raises(ModelError) as err:
        load_model(path)
    assert str(err.value) == (f"{path / FAST_TREE_FILE}: the fast form names {name!r}, a type "
                              "outside the allow-list; refusing to load")


@pytest.mark.parametrize("key", ["__class__", "__dict__", "scale", "_private_"])
def test_a_fast_form_setting_a_non_fitted_attribute_is_refused(model_dir, tmp_path, key, monkeypatch):
    path = copy_model(model_dir, tmp_path)
    forge_fast_form(path, lambda tree: scaler_node(tree)["fitted"].update({key: 1}))
    fail_skops(monkeypatch)
    with pytest.raises(ModelError, match=f"fitted attribute {key!r} refused"):
        load_model(path)


def test_a_fast_form_with_an_unknown_parameter_is_refused(model_dir, tmp_path, monkeypatch):
    path = copy_model(model_dir, tmp_path)
    forge_fast_form(path, lambda tree: scaler_node(tree)["params"].update(command="touch x"))
    fail_skops(monkeypatch)
    with pytest.raises(ModelError, match="not a readable fast form .TypeError"):
        load_model(path)


def test_saving_refuses_a_class_outside_the_allow_list(tmp_path):
    from sklearn.preprocessing import StandardScaler

    with pytest.raises(ModelError) as err:
        save_model(Pipeline([("scale", StandardScaler())]), tmp_path / "out")
    assert str(err.value) == ("refusing to save a model with a class outside the allow-list: "
                              "sklearn.preprocessing._data.StandardScaler")
    assert not (tmp_path / "out" / MODEL_FILE).exists()


def test_saving_refuses_an_attribute_the_fast_form_cannot_name(trained, tmp_path):
    import copy

    pipeline = copy.deepcopy(trained.model)
    pipeline.named_steps["clf"].cache = {}
    with pytest.raises(ModelError) as err:
        save_model(pipeline, tmp_path / "out")
    assert str(err.value) == ("sklearn.linear_model._logistic.LogisticRegression: attribute(s) "
                              "['cache'] are neither parameters nor fitted attributes (ending in _); "
                              "the fast form cannot hold them")


def test_add_fast_form_leaves_model_skops_as_it_is(model_dir, tmp_path):
    path = copy_model(model_dir, tmp_path)
    meta = json.loads((path / META_FILE).read_text())
    del meta["fast_form"]
    (path / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    (path / FAST_TREE_FILE).unlink()
    (path / FAST_ARRAYS_FILE).unlink()
    before = (path / MODEL_FILE).read_bytes()
    written = add_fast_form(path)
    assert (path / MODEL_FILE).read_bytes() == before
    assert written["fast_form"] == json.loads((model_dir / META_FILE).read_text())["fast_form"]
    assert list(written) == list(json.loads((model_dir / META_FILE).read_text()))
    assert (path / FAST_ARRAYS_FILE).read_bytes() == (model_dir / FAST_ARRAYS_FILE).read_bytes()


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
