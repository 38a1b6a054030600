"""Copies of model directories to damage or forge, shared by the model-file tests."""

import hashlib
import json
import shutil

from analyzer.modelfiles import META_FILE, MODEL_FILE


def copy_model(model_dir, tmp_path):
    dst = tmp_path / "model"
    shutil.copytree(model_dir, dst)
    return dst


def rewrite_hash(path):
    meta = json.loads((path / META_FILE).read_text())
    meta["model_sha256"] = hashlib.sha256((path / MODEL_FILE).read_bytes()).hexdigest()
    (path / META_FILE).write_text(json.dumps(meta))
