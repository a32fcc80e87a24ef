"""Reading small input files (specifications, keys) without hanging or exhausting memory.

``Path.read_text`` on a named pipe blocks until a writer appears, and on ``/dev/zero`` reads
until memory runs out. :func:`read_bounded` opens without blocking, refuses anything but a
regular file, and refuses files above a size limit before reading them.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

__all__ = ["KEY_FILE_LIMIT", "SPEC_FILE_LIMIT", "file_kind", "read_bounded"]

SPEC_FILE_LIMIT = 10 * 2**20  # study and instrument files: a few KB in practice
KEY_FILE_LIMIT = 2**20  # a pseudonym key file holds a few dozen bytes


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words (``"a named pipe (FIFO)"``)."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _size(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n:,} bytes"


def read_bounded(
    path: str | os.PathLike[str], *, limit: int, error: Callable[[str], Exception]
) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    Parameters
    ----------
    path : path-like
        The file.
    limit : int
        Largest accepted size in bytes.
    error : callable
        ``error(cause)`` builds the typed error to raise (e.g. a ``SpecError`` naming the key);
        ``cause`` says what the file is, or how large it is, in words.

    Returns
    -------
    bytes
        The content.

    Raises
    ------
    Exception
        ``error(cause)`` for a folder, named pipe, device or socket, or a file above ``limit``.
    OSError
        The file does not exist or cannot be opened (callers word these themselves).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(Path(path), flags)  # non-blocking: opening a FIFO does not wait for a writer
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise error(f"this is {file_kind(mode)}, not a regular file")
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(limit + 1 - total, 2**20))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    if total > limit:
        raise error(f"the file is larger than {_size(limit)}, the most accepted here")
    return b"".join(chunks)
