"""meta.json and the files of a model directory read safely (analyzer/modelfiles.py)."""

import json
import os

import pytest

import analyzer.modelfiles as modelfiles
from analyzer.modelfiles import META_FILE, MODEL_FILE, default_model_dir, read_meta
from analyzer.errors import ModelError
from analyzer.persistence import load_model
from model_dirs import copy_model


def test_default_model_dir_honours_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CONTENT_ANALYZER_MODEL", str(tmp_path))
    assert default_model_dir() == tmp_path


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
    path = copy_model(model_dir, tmp_path)
    size = (path / META_FILE).stat().st_size
    monkeypatch.setattr(modelfiles, "MAX_META_BYTES", size - 1)
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
