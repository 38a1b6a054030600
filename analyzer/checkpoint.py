"""Resumable scoring: completed chunks kept beside the output until the job is done.

With ``score --resume`` every scored chunk is written to a hidden folder next
to the destination (``.scored.csv.resume/``) together with a small state file.
If the run is interrupted (Ctrl-C, a killed process, a reboot), running the
same command again skips the chunks already done and continues; the
destination file only appears, whole, when the last chunk is in. The state
records a fingerprint of the inputs' content, the model and the options, so a
changed input or option starts the job afresh instead of mixing results; standard
input cannot be resumed (there is no telling whether it is the same stream).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any, Mapping, Sequence

from .errors import ConcurrentRunError, UsageError
from .files import atomic_write, check_overwrite
from .writers import RowWriter

__all__ = ["ResumableOutput", "fingerprint"]

_STATE = "state.json"
_LOCK = "lock"  # held (flock) by the one run working in the folder


def fingerprint(inputs: Sequence[str], options: Mapping[str, Any]) -> str:
    """A digest of what determines the output: the inputs' content and the options.

    Content, not size and time: an input rewritten with other rows of the same size
    (or copied back with its old mtime) must not resume with stale rows. Each file is
    hashed in 1 MiB chunks (a 200 MB export costs a fraction of a second); a folder
    (an unpacked export) by every file in it, names included.
    """
    files = []
    for name in inputs:
        if name == "-":
            raise UsageError("--resume cannot tell whether standard input holds the same posts "
                             "as before; save it to a file and score that file with --resume")
        files.append([str(Path(name).resolve()), _content_digest(Path(name))])
    blob = json.dumps({"inputs": files, "options": options}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _content_digest(path: Path) -> str | None:
    """sha256 of a file's bytes, or of a folder's files (relative name and bytes) in order."""
    if not path.exists():
        return None  # reading it will fail with its own message
    digest = hashlib.sha256()
    members = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for member in members:
        if path.is_dir():
            digest.update(member.relative_to(path).as_posix().encode("utf-8", "surrogateescape") + b"\0")
        with open(member, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


class ResumableOutput:
    """Chunks in a sidecar folder, assembled into the destination at the end."""

    def __init__(self, dest: str, fmt: str, columns: Sequence[str], digest: str, *, force: bool = False):
        self.dest = Path(dest)
        self.fmt = fmt
        self.columns = list(columns)
        self.force = force
        self.folder = self.dest.with_name(f".{self.dest.name}.resume")
        self._lock: int | None = None
        check_overwrite(dest, force)
        self._take_lock()
        try:
            check_overwrite(dest, force)  # again: a run holding the lock may have just finished
            state = self._read_state()
            if state is None or state.get("digest") != digest:
                self._clear()
                state = {"digest": digest, "chunks": 0, "rows": 0,
                         "counts": {"ok": 0, "empty": 0, "error": 0}}
                self._save(state)
        except BaseException:
            if self._lock is not None and [p.name for p in self.folder.iterdir()] == [_LOCK]:
                shutil.rmtree(self.folder, ignore_errors=True)  # made for nothing
            self.close()
            raise
        self.state = state
        self.resumed = state["chunks"] > 0

    def _take_lock(self) -> None:
        """Be the one run working in the folder: a second run of the same job (or another job
        with the same destination) started meanwhile stops at once instead of mixing chunks,
        or deleting them, under the first."""
        try:
            import fcntl
        except ImportError:  # no flock here (Windows): runs are not guarded against each other
            self.folder.mkdir(parents=True, exist_ok=True)
            return
        for _ in range(3):  # the folder may be removed (a run finishing) between mkdir and open
            self.folder.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(self.folder / _LOCK, os.O_RDWR | os.O_CREAT, 0o644)
            except FileNotFoundError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise ConcurrentRunError(
                    f"{self.dest}: another run is working on this output right now (its resume "
                    f"folder {self.folder} is in use); wait for it to finish, then run the same "
                    "command again if it did not") from None
            lock = self.folder / _LOCK
            if lock.exists() and lock.stat().st_ino == os.fstat(fd).st_ino:
                self._lock = fd
                return
            os.close(fd)  # locked a file that the finishing run had just removed: again
        raise ConcurrentRunError(f"{self.dest}: its resume folder {self.folder} keeps being "
                                 "removed by another run; wait for that run to finish")

    def close(self) -> None:
        """Let another run work in the folder (done at commit, and when the process ends)."""
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def _clear(self) -> None:
        """Drop another job's chunks and state (the lock stays: it is this run's)."""
        for path in self.folder.iterdir():
            if path.name == _LOCK:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)

    def _gone(self) -> ConcurrentRunError:
        return ConcurrentRunError(
            f"{self.dest}: the resume folder {self.folder} was removed while this run was "
            "working (by another run of the same job finishing first?); nothing was written "
            "by this run: check the output, or run the same command again")

    def _read_state(self) -> dict | None:
        try:
            return json.loads((self.folder / _STATE).read_text("utf-8"))
        except (OSError, ValueError, RecursionError):  # damaged: the job starts afresh
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
        try:
            atomic_write(self._chunk_path(self.state["chunks"]), payload, durable=True)
            done = {**self.state, "chunks": self.state["chunks"] + 1,
                    "rows": self.state["rows"] + n_rows, "counts": {**self.state["counts"]}}
            for k, v in counts.items():
                done["counts"][k] = done["counts"].get(k, 0) + v
            self._save(done)
            self.state = done  # only once saved: an interrupted run reports what a resume will find
        except FileNotFoundError:
            if self.folder.is_dir():
                raise
            raise self._gone() from None

    def commit(self) -> None:
        """Assemble every chunk into the destination (atomically) and drop the folder."""
        if not (self.folder / _STATE).is_file():
            raise self._gone()
        # checked when the job started, and again (atomically) when the file is published
        try:
            with RowWriter(str(self.dest), self.fmt, self.columns, force=self.force) as writer:
                for k in range(self.state["chunks"]):
                    path = self._chunk_path(k)
                    if self.fmt == "parquet":
                        import pyarrow.parquet as pq

                        writer.write_encoded(pq.read_table(path), 0)
                    else:
                        with open(path, encoding="utf-8", newline="") as fh:
                            writer.write_encoded(fh.read(), 0)
        except FileNotFoundError:
            if self.folder.is_dir():
                raise
            raise self._gone() from None
        shutil.rmtree(self.folder, ignore_errors=True)
        self.close()
