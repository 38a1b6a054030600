"""labels.jsonl: one JSON line per label, appended, flushed and fsynced (nothing lost on
Ctrl-C or a killed terminal), read back on resume, the last line removed on undo; the
lines are what `train` and `evaluate` read.
"""

from __future__ import annotations

import collections
import json
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

from .errors import UsageError
from .posts import LABELS, Label, Post

__all__ = ["LabelFile", "LabelFileError", "label_record", "post_keys", "record_post"]


class LabelFileError(UsageError):
    """A labels file that cannot be resumed; the message names the file and line."""



def post_keys(posts: Sequence[Post]) -> list[str]:
    """A unique key per post: its id, with ``#2``, ``#3`` ... added to repeated ids."""
    seen: collections.Counter[str] = collections.Counter()
    out = []
    for p in posts:
        seen[p.id] += 1
        out.append(p.id if seen[p.id] == 1 else f"{p.id}#{seen[p.id]}")
    return out


def label_record(key: str, post: Post, label: str, function: str | None, *,
                 suggested: str | None, p_networking: float | None) -> dict[str, Any]:
    """One line of labels.jsonl: what ``train`` and ``evaluate`` read, plus the model's
    suggestion at the time (``suggested``, ``p_networking``), which they ignore."""
    rec: dict[str, Any] = {"id": key, "text": post.text, "label": label}
    if function:
        rec["function"] = function
    for name in ("author", "lang", "platform"):
        if getattr(post, name):
            rec[name] = getattr(post, name)
    if post.created_at is not None:
        rec["created_at"] = post.created_at.isoformat()
    rec["suggested"] = suggested
    rec["p_networking"] = None if p_networking is None else round(float(p_networking), 6)
    return rec


class LabelFile:
    """labels.jsonl, appended one line per label (flushed and fsynced), so that a
    killed terminal loses nothing. A last line cut short by a crash (no newline) is
    dropped when the file is opened again; any other unreadable line is an error."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.records: list[dict[str, Any]] = []
        self.dropped_partial = False
        offsets = [0]
        if self.path.exists():
            data = self.path.read_bytes()
            end = data.rfind(b"\n") + 1
            if end < len(data):
                self.dropped_partial = True
            for n, line in enumerate(data[:end].split(b"\n")[:-1], 1):
                offsets.append(offsets[-1] + len(line) + 1)
                if not line.strip():
                    raise LabelFileError(f"{self.path}:{n}: empty line")
                try:
                    rec = json.loads(line)
                except (ValueError, RecursionError):
                    raise LabelFileError(f"{self.path}:{n}: not a JSON object") from None
                if not isinstance(rec, dict) or "id" not in rec or rec.get("label") not in LABELS:
                    raise LabelFileError(f"{self.path}:{n}: expected an object with an id and a label "
                                         f"({' or '.join(LABELS)})")
                self.records.append(rec)
            if self.dropped_partial:
                with open(self.path, "r+b") as fh:
                    fh.truncate(end)
                    os.fsync(fh.fileno())
        self._offsets = offsets  # byte offset where each record starts, and the end

    @property
    def keys(self) -> set[str]:
        return {str(r["id"]) for r in self.records}

    def append(self, record: Mapping[str, Any]) -> None:
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        with open(self.path, "ab") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
        self.records.append(dict(record))
        self._offsets.append(self._offsets[-1] + len(line))

    def remove_last(self) -> dict[str, Any]:
        """Remove the last label from the file (undo) and return it."""
        if not self.records:
            raise IndexError("no label to remove")
        with open(self.path, "r+b") as fh:
            fh.truncate(self._offsets[-2])
            fh.flush()
            os.fsync(fh.fileno())
        self._offsets.pop()
        return self.records.pop()


def record_post(rec: Mapping[str, Any]) -> Post:
    """A labelled Post from a labels.jsonl record (for refitting on it)."""
    function = rec.get("function") or None
    return Post(id=str(rec["id"]), text=str(rec.get("text") or ""), author=rec.get("author"),
                lang=rec.get("lang"), label=Label(rec["label"]), function=function)
