"""JSON members read incrementally with ijson (its C backend, yajl2_c, when installed).

X's tweets.js is one JS assignment of an array that can be hundreds of MB, and
Mastodon's outbox one object around a huge array, so items are decoded one at a time
(``ijson.items`` with a prefix such as ``item`` or ``orderedItems.item``) and can be
converted, and forgotten, as they arrive. ``_Body`` is the small file wrapper that
hands ijson only the JSON value: a BOM, X's leading ``window.YTD.<type>.part<N> =``
and a trailing ``;`` are cut off.

ijson matches every occurrence of a prefix, so an object that repeats a key (a
Mastodon server wrote ``"orderedItems": [], "orderedItems": [ ... ]``) gives the
items of both arrays, where ``json.loads`` would keep the last and a reader stopping
at the first would get none.

Errors name ``archive!member`` and the line: ijson does not count lines, so on a
parse error the member is read again with ``json`` (the error path only) to say
where and what, in the words ``json`` uses (``Expecting ',' delimiter, column 7``).
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any, Iterable, Iterator

import ijson
import numpy as np

from ..errors import TOO_DEEP, ReaderError

if TYPE_CHECKING:
    from .containers import Source

__all__ = ["CHUNK", "MAX_DEPTH", "JsonFile", "first_item", "open_json"]

CHUNK = 1 << 16  # bytes per read (tests make it tiny to cut strings and escapes)
_HOLD = 4096  # bytes kept back until the end of the member, where a ';' may be cut off
_WS = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"


MAX_DEPTH = 512  # arrays and objects inside each other; no export comes near


class TooDeep(Exception):
    """JSON nested deeper than MAX_DEPTH."""


# every byte but the structure: quotes and brackets
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
_QUOTE, _BACKSLASH = ord('"'), ord("\\")
_STEP = np.zeros(256, np.int8)
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1


class _DepthGuard:
    """Follows the nesting depth of JSON bytes as they are handed to ijson, and stops them
    past MAX_DEPTH: ijson keeps a path string per level, so its memory grows with the square
    of the depth (100,000 levels: tens of GB) long before it would fail.

    Every step runs in C over the chunk (numpy, bytes.translate): escaped quotes are
    blanked, every byte that is not a quote or a bracket dropped; in what is left (a tenth
    of the bytes) a bracket after an odd number of quotes is in a string (carried across
    chunks) and does not count, and the others are summed.
    """

    def __init__(self, limit: int = MAX_DEPTH):
        self.limit, self.depth = limit, 0
        self.in_string = self.backslash = False

    def feed(self, data: bytes) -> None:
        if self.backslash:
            data, self.backslash = b"\\" + data, False
        if b"\\" in data:
            data = self._blank_escaped_quotes(data)
        data = data.translate(None, _NOT_STRUCTURE)
        if not data:
            return
        kept = np.frombuffer(data, np.uint8)
        quotes = np.cumsum(kept == _QUOTE, dtype=np.int64)
        outside = (quotes & 1) == self.in_string  # parity flipped when a string was open
        depth = np.cumsum(_STEP[kept] * outside, dtype=np.int64) + self.depth
        if depth.max() > self.limit:
            raise TooDeep
        self.depth = int(depth[-1])
        self.in_string ^= bool(quotes[-1] & 1)

    def _blank_escaped_quotes(self, data: bytes) -> bytearray:
        """``data`` with each ``\\"`` quote made a space; an escape cut off by the chunk's
        end is kept for the next one. Backslashes only occur inside strings, and in a run
        of them each pair from the left is one escape (``\\\\``)."""
        out = bytearray(data)
        view = np.frombuffer(out, np.uint8)
        at = np.flatnonzero(view == _BACKSLASH)
        first = np.ones(at.size, bool)  # a backslash that starts a run
        first[1:] = np.diff(at) != 1
        starts = np.flatnonzero(first)
        offset = np.arange(at.size) - starts[np.cumsum(first) - 1]
        escaped = at[offset % 2 == 0] + 1  # the byte each escape applies to
        cut = bool(escaped.size) and escaped[-1] == len(out)
        if cut:
            escaped = escaped[:-1]
        view[escaped[view[escaped] == _QUOTE]] = ord(" ")
        if cut:
            self.backslash = True
            return out[:-1]
        return out


def _too_deep(data: bytes) -> bool:
    try:
        _DepthGuard().feed(data)
    except TooDeep:
        return True
    return False


def _show(text: str, limit: int = 40) -> str:
    text = text.strip()
    return repr(text[:limit] + ("..." if len(text) > limit else ""))


class _Body:
    """A binary member seen from its JSON value on (see the module docstring).

    ``name`` is the assignment's left side (None without one), ``first`` the value's
    first character ('' for an empty member) and ``line`` the line it starts on.
    """

    def __init__(self, raw: IO[bytes], where: str, assignment: bool, chunk: int):
        self._raw, self._chunk, self._where = raw, chunk, where
        self._guard = _DepthGuard()
        self._buf, self._eof, self._tail_done = b"", False, False
        self._lines = 0  # newlines in what was dropped from the front of _buf
        self.name: str | None = None
        while len(self._buf) < 3 and self._more():
            pass
        pos = 3 if self._buf.startswith(_BOM) else 0
        pos = self._skip_ws(pos)
        if assignment and pos < len(self._buf) and self._buf[pos:pos + 1] not in (b"[", b"{"):
            while True:
                eq, nl = self._buf.find(b"=", pos), self._buf.find(b"\n", pos)
                if eq >= 0 and (nl < 0 or eq < nl):
                    self.name = self._buf[pos:eq].decode("utf-8", "replace").strip()
                    pos = self._skip_ws(eq + 1)
                    break
                if nl >= 0 or len(self._buf) - pos > _HOLD or not self._more():
                    end = nl if nl >= 0 else len(self._buf)
                    found = self._buf[pos:end].decode("utf-8", "replace")
                    raise ReaderError(where, "expected a JS assignment `window.YTD.<type>.part<N> "
                                      f"= [`, found {_show(found)}", self._line(pos))
        self.first = self._buf[pos:pos + 1].decode("latin-1")
        self.line = self._line(pos)
        self._drop(pos)

    def _more(self) -> bool:
        data = self._raw.read(self._chunk)
        if not data:
            self._eof = True
            return False
        self._buf += data
        return True

    def _skip_ws(self, pos: int) -> int:
        while True:
            while pos < len(self._buf) and self._buf[pos] in _WS:
                pos += 1
            if pos < len(self._buf) or not self._more():
                return pos

    def _line(self, pos: int) -> int:
        return self._lines + self._buf.count(b"\n", 0, pos) + 1

    def _drop(self, n: int) -> bytes:
        out, self._buf = self._buf[:n], self._buf[n:]
        self._lines += out.count(b"\n")
        return out

    def read(self, n: int = -1) -> bytes:
        want = n if n is not None and n >= 0 else 1 << 62
        while not self._eof and len(self._buf) < want + _HOLD:
            self._more()
        if self._eof and not self._tail_done:
            self._tail_done = True
            tail = self._buf.rstrip(_WS)
            self._buf = tail[:-1] if tail.endswith(b";") else tail
        keep = 0 if self._eof else _HOLD
        out = self._drop(max(0, min(want, len(self._buf) - keep)))
        try:
            self._guard.feed(out)
        except TooDeep:
            raise ReaderError(self._where, TOO_DEEP, self._lines + 1) from None
        return out

    @property
    def lines_read(self) -> int:
        """Line of the last byte handed to the parser (where an ijson error happened)."""
        return self._lines + 1


class JsonFile:
    """One JSON member opened for incremental reading (``open_json``)."""

    def __init__(self, source: Source, member: str, raw: IO[bytes], *, assignment: bool = False,
                 chunk: int | None = None):
        self.source, self.member = source, member
        self.where = source.where(member)
        self._assignment = assignment
        self._body = _Body(raw, self.where, assignment, chunk or CHUNK)

    @property
    def name(self) -> str | None:
        """The JS assignment's left side (``window.YTD.tweets.part0``), None without one."""
        return self._body.name

    @property
    def first(self) -> str:
        """First character of the JSON value: '[' or '{' normally, '' for an empty file."""
        return self._body.first

    def error(self, message: str, line: int | None = None) -> ReaderError:
        """A ReaderError naming the member and a line (the value's first by default)."""
        return ReaderError(self.where, message, self._body.line if line is None else line)

    def items(self, prefix: str, top: dict[str, Any] | None = None) -> Iterator[Any]:
        """Values at ``prefix`` (``item``: a top-level array's items), one at a time.

        With ``top``, the top-level object's keys are recorded in it as they go by, with
        their values when scalar (``totalItems``), None otherwise.
        """
        try:
            if top is None:
                yield from ijson.items(self._body, prefix, use_float=True, buf_size=CHUNK)
            else:
                events = ijson.parse(self._body, use_float=True, buf_size=CHUNK)
                yield from ijson.items(_record_top(events, top), prefix)
        except ijson.JSONError as exc:
            raise self._locate(exc) from None

    def value(self) -> Any:
        """The whole value (small side files: actor.json, manifest.js)."""
        for value in self.items(""):
            return value
        raise self.error("expected a JSON value, found 'end of file'")

    def first_list(self) -> Iterator[Any]:
        """Items of the first list-valued member of a top-level object (Meta's
        ``{"<name>_v2": [...]}``); nothing when it has none: see ``found_list``."""
        self.found_list = False
        try:
            for _, value in ijson.kvitems(self._body, "", use_float=True, buf_size=CHUNK):
                if isinstance(value, list):
                    self.found_list = True
                    yield from value
                    return
        except ijson.JSONError as exc:
            raise self._locate(exc) from None

    def _locate(self, exc: Exception) -> ReaderError:
        """The parse error with its line, found by reading the member again with json."""
        reason = str(exc).split("\n", 1)[0].strip()
        fallback = self.error(f"invalid JSON ({reason})", self._body.lines_read)
        try:
            text = self.source.read_bytes(self.member).decode("utf-8-sig")
        except UnicodeDecodeError as err:
            return ReaderError(self.where, f"not valid UTF-8 text ({err.reason})")
        pos = 0
        if self._assignment and self.name is not None:
            pos = text.find("=") + 1
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        try:
            _, end = json.JSONDecoder().raw_decode(text, pos)
        except RecursionError:
            return self.error(TOO_DEEP)
        except json.JSONDecodeError as err:
            if err.pos >= len(text):
                return self.error(f"invalid JSON ({err.msg})", err.lineno)
            return self.error(f"invalid JSON ({err.msg}, column {err.colno})", err.lineno)
        rest = text[end:].lstrip(" \t\r\n")
        rest = rest[1:].lstrip(" \t\r\n") if rest.startswith(";") else rest
        if rest:
            line = text.count("\n", 0, len(text) - len(rest)) + 1
            return self.error(f"unexpected data after the JSON value: {_show(rest[:1])}", line)
        return fallback


def _record_top(events: Iterable[tuple[str, str, Any]], top: dict[str, Any]
                ) -> Iterator[tuple[str, str, Any]]:
    for prefix, event, value in events:
        if prefix == "" and event == "map_key":
            top.setdefault(value, None)
        elif event in ("number", "string", "boolean", "null") and prefix and "." not in prefix:
            top[prefix] = value
        yield prefix, event, value


@contextmanager
def open_json(source: Source, member: str, *, assignment: bool = False) -> Iterator[JsonFile]:
    """A member as a JsonFile; ``assignment`` allows a leading ``name =`` (X's .js files)."""
    with source.open(member) as fh:
        yield JsonFile(source, member, fh, assignment=assignment)


def first_item(head: bytes) -> Any:
    """The first item of the array at the start of ``head`` (the first bytes of a file),
    or None when there is none, it is cut or nested too deep."""
    if _too_deep(head):
        return None
    try:
        for item in ijson.items(head, "item", use_float=True):
            return item
    except ijson.JSONError:
        return None
    return None
