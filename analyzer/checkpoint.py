"""Resumable scoring: completed chunks kept beside the output until the job is done.

With ``score --resume`` every scored chunk is written to a hidden folder next
to the destination (``.scored.csv.resume/``) together with a small state file.
If the run is interrupted (Ctrl-C, a killed process, a reboot), running the
same command again skips the chunks already done and continues; the
destination file only appears, whole, when the last chunk is in. The state
records a fingerprint of the inputs, the model and the options, so a changed
input or option starts the job afresh instead of mixing results.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any, Mapping, Sequence

from .files import atomic_write, check_overwrite
from .writers import RowWriter

__all__ = ["ResumableOutput", "fingerprint"]

_STATE = "state.json"


def fingerprint(inputs: Sequence[str], options: Mapping[str, Any]) -> str:
    """A digest of what determines the output: input files (size, mtime) and options."""
    files = []
    for name in inputs:
        p = Path(name)
        if name != "-" and p.exists():
            st = p.stat()
            files.append([str(p.resolve()), st.st_size, st.st_mtime_ns])
        else:
            files.append([name, None, None])
    blob = json.dumps({"inputs": files, "options": options}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


class ResumableOutput:
    """Chunks in a sidecar folder, assembled into the destination at the end."""

    def __init__(self, dest: str, fmt: str, columns: Sequence[str], digest: str, *, force: bool = False):
        self.dest = Path(dest)
        self.fmt = fmt
        self.columns = list(columns)
        self.force = force
        self.folder = self.dest.with_name(f".{self.dest.name}.resume")
        check_overwrite(dest, force)
        state = self._read_state()
        if state is None or state.get("digest") != digest:
            if self.folder.exists():
                shutil.rmtree(self.folder)
            self.folder.mkdir(parents=True)
            state = {"digest": digest, "chunks": 0, "rows": 0, "counts": {"ok": 0, "empty": 0, "error": 0}}
            self._save(state)
        self.state = state
        self.resumed = state["chunks"] > 0

    def _read_state(self) -> dict | None:
        try:
            return json.loads((self.folder / _STATE).read_text("utf-8"))
        except (OSError, ValueError):
            return None

    def _save(self, state: Mapping[str, Any]) -> None:
        atomic_write(self.folder / _STATE, json.dumps(state), durable=True)

    @property
    def rows_done(self) -> int:
        return int(self.state["rows"])

    def _chunk_path(self, k: int) -> Path:
        return self.folder / f"chunk-{k:08d}.{self.fmt}"

    def write_chunk(self, payload: Any, n_rows: int, counts: Mapping[str, int]) -> None:
        """Keep one encoded chunk, then record it as done (in that order)."""
        if self.fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            buf = pa.BufferOutputStream()
            pq.write_table(payload, buf)
            payload = buf.getvalue().to_pybytes()
        atomic_write(self._chunk_path(self.state["chunks"]), payload, durable=True)
        self.state["chunks"] += 1
        self.state["rows"] += n_rows
        for k, v in counts.items():
            self.state["counts"][k] = self.state["counts"].get(k, 0) + v
        self._save(self.state)

    def commit(self) -> None:
        """Assemble every chunk into the destination (atomically) and drop the folder."""
        # checked when the job started, and again (atomically) when the file is published
        with RowWriter(str(self.dest), self.fmt, self.columns, force=self.force) as writer:
            for k in range(self.state["chunks"]):
                path = self._chunk_path(k)
                if self.fmt == "parquet":
                    import pyarrow.parquet as pq

                    writer.write_encoded(pq.read_table(path), 0)
                else:
                    with open(path, encoding="utf-8", newline="") as fh:
                        writer.write_encoded(fh.read(), 0)
        shutil.rmtree(self.folder, ignore_errors=True)
