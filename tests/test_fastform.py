"""The fast form of a model directory: derived mechanically, verified, refused when forged
(analyzer/fastform.py, read and written through analyzer/persistence.py)."""

import hashlib
import json

import numpy as np
import pytest
from sklearn.pipeline import Pipeline

from analyzer.errors import ModelError
from analyzer.fastform import fast_form
from analyzer.modelfiles import FAST_ARRAYS_FILE, FAST_TREE_FILE, META_FILE, MODEL_FILE, MODEL_TYPES, read_meta
from analyzer.persistence import add_fast_form, default_model_dir, load_model, save_model
from model_dirs import copy_model



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
