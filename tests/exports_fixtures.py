"""Pack the readable export fixtures (tests/fixtures/exports/) into what users download.

The fixtures are kept as plain JSON/JS/CSV/HTML files so that a reviewer can read
them; the tests turn them into .zip / .tar.gz archives (and a Bluesky repo.car,
built with libipld's DAG-CBOR encoder from ``bluesky/repo.json``) in a temp dir.
"""

from __future__ import annotations

import hashlib
import json
import random
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import libipld

FIXTURES = Path(__file__).parent / "fixtures" / "exports"


def fixture(name: str) -> Path:
    """The folder (or file) of one fixture, e.g. ``x/modern``."""
    path = FIXTURES / name
    assert path.exists(), path
    return path


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def pack_zip(name: str, dest: Path, *, prefix: str = "", last: str | None = None,
             exclude: tuple[str, ...] = ()) -> Path:
    """Zip a fixture folder; ``prefix`` adds a top folder, ``last`` puts that member at the
    end (to cut it off), ``exclude`` leaves members out."""
    root = fixture(name)
    files = [p for p in _files(root) if p.relative_to(root).as_posix() not in exclude]
    if last is not None:
        files.sort(key=lambda p: p.relative_to(root).as_posix() == last)
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in files:
            zf.write(path, prefix + path.relative_to(root).as_posix())
    return dest


def pack_tar_gz(name: str, dest: Path, *, mode: str = "w:gz") -> Path:
    """The fixture as a tar archive (gzipped unless ``mode`` says otherwise, e.g. "w")."""
    root = fixture(name)
    with tarfile.open(dest, mode) as tf:
        for path in _files(root):
            tf.add(path, path.relative_to(root).as_posix())
    return dest


# -- Bluesky ---------------------------------------------------------------------------

def _cid(data: bytes, codec: int = 0x71) -> bytes:
    """CIDv1, sha2-256; 0x71 = dag-cbor, 0x55 = raw (blobs)."""
    return bytes([0x01, codec, 0x12, 0x20]) + hashlib.sha256(data).digest()


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _links(value: Any) -> Any:
    """``{"$link": s}`` in the JSON spec -> a CID link (libipld encodes 36-byte CIDs as links)."""
    if isinstance(value, dict):
        if set(value) == {"$link"}:
            return _cid(value["$link"].encode(), 0x55)
        return {k: _links(v) for k, v in value.items() if k != "_comment"}
    if isinstance(value, list):
        return [_links(v) for v in value]
    return value


def _mst(entries: list[tuple[bytes, bytes]], blocks: dict[bytes, bytes]) -> bytes | None:
    """A search tree over sorted (key, record CID) pairs with left and right subtrees.

    Not the layer-by-hash layout a PDS builds, but the same node format: two entries
    per node, a left subtree (l) and a subtree after each entry (t), and keys
    compressed against the previous entry of the node (p, k).
    """
    if not entries:
        return None
    n = len(entries)
    pivots = sorted({n // 3, (2 * n) // 3}) if n >= 3 else list(range(n))
    bounds = pivots + [n]
    node: dict[str, Any] = {"l": _mst(entries[:pivots[0]], blocks), "e": []}
    prev = b""
    for i, pivot in enumerate(pivots):
        key, value = entries[pivot]
        shared = 0
        while shared < min(len(prev), len(key)) and prev[shared] == key[shared]:
            shared += 1
        node["e"].append({"p": shared, "k": key[shared:], "v": value,
                          "t": _mst(entries[pivot + 1:bounds[i + 1]], blocks)})
        prev = key
    data = libipld.encode_dag_cbor(node)
    cid = _cid(data)
    blocks[cid] = data
    return cid


def build_car(spec: dict[str, Any] | None = None, *, drop_record: str | None = None,
              drop_node: bool = False) -> bytes:
    """repo.car bytes for ``bluesky/repo.json`` (or ``spec``), blocks in shuffled order.

    ``drop_record`` leaves that record's block out; ``drop_node`` leaves out an inner
    MST node (a damaged export).
    """
    if spec is None:
        spec = json.loads(fixture("bluesky/repo.json").read_text(encoding="utf-8"))
    blocks: dict[bytes, bytes] = {}
    entries = []
    for key in sorted(spec["records"]):
        data = libipld.encode_dag_cbor(_links(spec["records"][key]))
        cid = _cid(data)
        if key != drop_record:
            blocks[cid] = data
        entries.append((key.encode(), cid))
    root = _mst(entries, blocks)
    if drop_node:
        root_node = libipld.decode_dag_cbor(blocks[root])
        del blocks[root_node["l"] or root_node["e"][0]["t"]]
    commit = libipld.encode_dag_cbor({"did": spec["did"], "version": 3, "data": root,
                                      "rev": "3kmzz2aaaaa2a", "prev": None, "sig": bytes(64)})
    commit_cid = _cid(commit)
    blocks[commit_cid] = commit
    header = libipld.encode_dag_cbor({"roots": [commit_cid], "version": 1})
    order = sorted(blocks)
    random.Random(7).shuffle(order)
    out = bytearray(_varint(len(header)) + header)
    for cid in order:
        out += _varint(len(cid) + len(blocks[cid])) + cid + blocks[cid]
    return bytes(out)


def write_car(dest: Path, **kwargs: Any) -> Path:
    dest.write_bytes(build_car(**kwargs))
    return dest
