"""Writing a file all or nothing: a crash or an error leaves the previous version, never half a file.

The data goes to a temporary file in the same folder (so the rename cannot cross file systems),
is flushed to disk, and is renamed over the target with :func:`os.replace`. If the writer raises,
the temporary file is removed and the target is untouched.

It lives at the bottom of ``index`` so that every layer may use it: the FAISS cache, the CLI's
exports and the lab's data builders.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_write", "atomic_write_bytes", "atomic_write_text", "remove_stale_temporaries"]


def atomic_write(path: str | os.PathLike[str], write: Callable[[str], None]) -> None:
    """Replace ``path`` by what ``write(tmp_path)`` writes to a temporary file beside it.

    For writers that want a file name (``faiss.write_index``); see :func:`atomic_write_bytes`
    and :func:`atomic_write_text` for data already in memory.
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb") as fp:
            os.fsync(fp.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _sync_folder(target.parent)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` by ``data``, all or nothing."""
    atomic_write(path, lambda tmp: Path(tmp).write_bytes(data))


def atomic_write_text(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8",
                      newline: str | None = None) -> None:
    """Replace ``path`` by ``text``, all or nothing (``newline`` as for :func:`open`: ``""`` for CSV)."""

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding=encoding, newline=newline) as fp:
            fp.write(text)

    atomic_write(path, write)


def _sync_folder(folder: Path) -> None:
    # The rename is durable once the folder's entry is on disk; not every platform can open a folder.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temporaries(folder: str | os.PathLike[str], older_than_s: float = 3600.0) -> int:
    """Remove what a writer killed mid-write left behind (``.NAME.*.tmp`` of :func:`atomic_write`),
    when it is older than ``older_than_s`` (a live writer's file is younger); returns how many."""
    import time

    removed = 0
    now = time.time()
    for tmp in Path(folder).glob(".*.tmp"):
        try:
            if tmp.is_file() and now - tmp.stat().st_mtime > older_than_s:
                tmp.unlink()
                removed += 1
        except OSError:
            continue  # another process removed or renamed it meanwhile
    return removed
