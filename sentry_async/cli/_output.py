"""Writing report files: atomically for regular files, directly for devices and pipes.

A regular file (or a symlink to one, or a new name) is written as a temporary file beside
the real target and then ``os.replace``-d over it: readers never see a half-written
report, and an interrupted write leaves the previous file untouched. A symlink is
resolved first, so the link stays and its target gets the report. A character device or a
FIFO (``/dev/stdout``, ``/dev/null``, a named pipe) is opened and written as it is: it
cannot be replaced. The new file gets the target's mode if it existed, else the usual mode
for new files under the current umask (not the 0600 of a temporary file).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

__all__ = ["check_writable", "write_report"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _special(path: Path) -> bool:
    """True for an existing target that is not a regular file (a device, a pipe...)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def check_writable(path: str | os.PathLike[str]) -> None:
    """Raise OSError (with a message naming ``path``, never a temporary name) unless the
    report could be written there: the file itself for a device or pipe, else a new file
    in its directory (created and removed at once)."""
    target = Path(os.path.realpath(path))
    if _special(target):
        if not os.access(target, os.W_OK):
            raise PermissionError(f"{path}: not writable")
        return
    if target.exists() and not os.access(target, os.W_OK):
        # Replacing needs only the directory, but an admin who made the file read-only
        # meant it: respect that.
        raise PermissionError(f"{path}: the file is read-only")
    try:
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise type(exc)(exc.errno, f"cannot create files in {str(target.parent)!r}") from None
    os.close(fd)
    os.unlink(temp)


def write_report(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` (see the module docstring); returns the file
    written (the symlink's target for a symlink)."""
    target = Path(os.path.realpath(path))
    if _special(target):
        with open(target, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        return target
    try:
        mode = target.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return target
