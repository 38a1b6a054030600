"""Writing files safely: atomic replacement, normal permissions, formats from names.

Every output of the tool (scored rows, reports, model files) appears whole or
not at all: data goes to a temporary file beside the destination, which is
renamed over it only once complete.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Mapping, Sequence

from .errors import AnalyzerError, UsageError

__all__ = ["OutputExistsError", "UnwritableOutputError", "atomic_write", "check_overwrite",
           "check_writable", "format_from_name", "publish", "share_mode"]


class OutputExistsError(AnalyzerError, FileExistsError):
    """The destination exists and overwriting was not asked for."""


class UnwritableOutputError(AnalyzerError, PermissionError):
    """The destination's folder cannot be written to (read-only, no permission)."""


def check_writable(dest: str | Path) -> None:
    """Fail now, not after an hour of work, if nothing can be written where ``dest`` goes.

    Tries what the run will do: create (and at once remove) a file in the nearest folder
    that exists, so read-only mounts are caught even for root.
    """
    folder = Path(dest).absolute().parent if not Path(dest).is_dir() else Path(dest).absolute()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".write-check.", suffix=".tmp")
    except OSError as exc:
        raise UnwritableOutputError(
            f"{dest}: cannot write in {folder} ({exc.strerror or exc})") from None
    os.close(fd)
    os.unlink(probe)


def check_overwrite(dest: str | Path, force: bool) -> None:
    """Refuse a destination that is a directory, or an existing file unless ``force``."""
    path = Path(dest)
    if path.is_dir():
        raise IsADirectoryError(f"{dest}: is a directory")
    if path.exists() and not force:
        raise OutputExistsError(
            f"{dest}: already exists; to overwrite the output file, set the --force or -F flag")


def publish(tmp: str | Path, dest: str | Path, *, replace: bool) -> None:
    """Move the finished temporary file ``tmp`` to ``dest``; unless ``replace``, never over
    a file that appeared meanwhile (another run writing the same path).

    The check at start-up is not enough: two runs started together both pass it. A hard
    link fails atomically when ``dest`` exists; where links are not supported (some
    network and FAT file systems) the check is repeated just before the rename.
    """
    if replace:
        os.replace(tmp, dest)
        return
    try:
        os.link(tmp, dest)
    except FileExistsError:
        Path(tmp).unlink(missing_ok=True)
        raise OutputExistsError(
            f"{dest}: was created by another process while this run was writing; it was left "
            "as it is and this run's output was not written (run again with --force to "
            "replace it)") from None
    except OSError:  # no hard links here
        if Path(dest).exists():
            Path(tmp).unlink(missing_ok=True)
            raise OutputExistsError(
                f"{dest}: was created by another process while this run was writing; it was "
                "left as it is and this run's output was not written (run again with --force "
                "to replace it)") from None
        os.replace(tmp, dest)
        return
    Path(tmp).unlink(missing_ok=True)


def share_mode(path: str | Path, mode: int = 0o666) -> None:
    """Give a file (or, with 0o777, a folder) made by mkstemp/mkdtemp (0600/0700)
    the permissions a normal one would get under the umask."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, mode & ~mask)


def atomic_write(path: str | Path, data: bytes | str, *, durable: bool = False,
                 replace: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file renamed into place;
    ``durable`` also flushes it to disk first (checkpoints that must survive a crash);
    ``replace=False`` refuses a ``path`` that appeared meanwhile (see ``publish``)."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        share_mode(tmp)
        publish(tmp, path, replace=replace)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def format_from_name(dest: str, fmt: str | None, known: Sequence[str], by_suffix: Mapping[str, str],
                     *, stdout: str, what: str, hint: str) -> str:
    """The format asked for, else the one the destination's suffix names (``-`` = stdout)."""
    if fmt:
        if fmt not in known:
            raise UsageError(f"unknown {what} format {fmt!r} (known: {', '.join(known)})")
        return fmt
    if dest == "-":
        return stdout
    suffix = Path(dest).suffix.lower()
    if suffix not in by_suffix:
        raise UsageError(f"cannot tell the {what} format from {dest!r}: {hint}")
    return by_suffix[suffix]
