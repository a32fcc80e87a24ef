"""Checks run before pyreadstat reads an SPSS file, so that a damaged file cannot take us down.

Two dangers come from ReadStat, the C library under pyreadstat:

- a damaged dictionary (for example one changed byte in a value-label record's variable
  index) makes it read or write out of bounds and the whole process dies with SIGSEGV;
- the header's case count is trusted: a header announcing 10^8 rows makes it allocate all the
  columns for them (tens of GB) before it notices the file is short.

:func:`check_declared_size` compares the header's case count with what the file could hold
(pure Python, a few hundred bytes read). :func:`probe_in_child` parses the file's dictionary
(``metadataonly=True``: header, variables, value labels, documents, extension records; no data)
in a forked child process: if the child dies from a signal or does not finish, the file is
reported as damaged and never parsed in this process. Fuzzing (``tests/robustness``) found
every crash in that dictionary parse, none in the data section.

The child is forked, not spawned: pyreadstat is already imported, so it costs a few tens of
milliseconds. When other Python threads run, or not on Linux, a crash or hang of the forked
child is confirmed in a fresh interpreter before the file is called damaged (a forked child
can also fail because of a lock another thread held, or a macOS framework that refuses fork).
Where ``os.fork`` does not exist (Windows) the probe always runs in a fresh interpreter.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import warnings
from pathlib import Path

from stigma_analysis.errors import SurveyReadError

__all__ = ["check_declared_size", "probe_in_child"]

PROBE_TIMEOUT = 120.0  # seconds for the dictionary of any real file, however wide
# zlib inflates at most ~1032:1 and every bytecode byte stands for one 8-byte cell
_ZSAV_CELLS_PER_BYTE = 1100
_HEADER_BYTES = 176


def _case_width(raw: bytes, end: str) -> int:
    """Number of 8-byte slots per case: the variable records (type 2) of the dictionary.

    Walks the records after the header; stops (returning what was counted, at least 1) at
    anything it does not understand, since this is only a bound.
    """
    count = 0
    off = _HEADER_BYTES
    n = len(raw)
    unpack = struct.Struct(end + "i").unpack_from
    try:
        while off + 4 <= n:
            kind = unpack(raw, off)[0]
            if kind != 2:
                break
            has_label, n_missing = unpack(raw, off + 8)[0], unpack(raw, off + 12)[0]
            count += 1
            off += 32
            if has_label:
                length = unpack(raw, off)[0]
                if not 0 <= length <= 65535:
                    break
                off += 4 + (length + 3) // 4 * 4
            if not -3 <= n_missing <= 3:
                break
            off += 8 * abs(n_missing)
    except struct.error:
        pass
    return max(count, 1)


def check_declared_size(path: Path, fmt: str) -> None:
    """Refuse a ``.sav``/``.zsav`` whose header announces more cases than the file can hold.

    Uncompressed, a case takes 8 bytes per slot; bytecode-compressed (the usual ``.sav``), at
    least one byte per slot; zlib-compressed (``.zsav``), a generous 1100 slots per byte.
    Files that are not SPSS at all are left to the reader, which says so.
    """
    size = path.stat().st_size
    with path.open("rb") as fh:
        # the dictionary (variable records) follows the header; 4 MiB covers ~100,000
        # variables, and fewer counted variables only make the bound more lenient
        head = fh.read(_HEADER_BYTES + 4 * 2**20)
    if len(head) < _HEADER_BYTES or not head.startswith((b"$FL2", b"$FL3")):
        return
    layout_le = struct.unpack_from("<i", head, 64)[0]
    end = "<" if layout_le in (2, 3) else ">"
    compression, n_cases = (
        struct.unpack_from(end + "i", head, 72)[0],
        struct.unpack_from(end + "i", head, 80)[0],
    )
    if n_cases <= 0:  # -1: unknown, counted while reading
        return
    width = _case_width(head, end)
    if compression == 0:
        capacity = size // (8 * width)
    elif compression == 1:
        capacity = size // width
    else:
        capacity = size * _ZSAV_CELLS_PER_BYTE // width
    if n_cases > capacity:
        raise SurveyReadError(
            path,
            fmt,
            f"damaged file: its header announces {n_cases:,} rows of {width} values, more than "
            f"a file of {size:,} bytes can hold (at most {capacity:,}); refusing to read it",
        )


def _child_read(path: str, fmt: str, encoding: str | None) -> None:
    import pyreadstat

    if fmt == "por":
        pyreadstat.read_por(path, metadataonly=True)
    else:
        pyreadstat.read_sav(path, metadataonly=True, encoding=encoding)


def _fork_probe(path: Path, fmt: str, encoding: str | None, timeout: float) -> int | None:
    """Exit status of the child (negative: killed by that signal), or None when it timed out."""
    import faulthandler
    import gc
    import select

    import pyreadstat  # noqa: F401  (imported before the fork: the child imports nothing)

    sys.stdout.flush()
    sys.stderr.flush()
    # the child holds the write end of a pipe: it closes when the child ends, however it ends
    done_r, done_w = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns that fork() in a threaded process may deadlock; the child only
        # parses one file in C and exits, and the parent waits with a timeout
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover (runs in the child; its exit status is what is tested)
        status = 0
        try:
            os.close(done_r)
            gc.disable()  # a collection would touch, and so copy, every page of the parent
            faulthandler.disable()  # die of the signal quietly; the parent reports it
            try:
                _child_read(str(path), fmt, encoding)
            except Exception:
                status = 3  # an ordinary error: the parent's own read reports it in words
        finally:
            os._exit(status)
    os.close(done_w)
    try:
        poller = select.poll()  # not select.select: it fails for descriptors above 1023
        poller.register(done_r, select.POLLIN | select.POLLHUP)
        ready = poller.poll(timeout * 1000)
    except BaseException:  # e.g. KeyboardInterrupt: do not leave the child behind
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        raise
    finally:
        os.close(done_r)
    if not ready:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        return None
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


_SPAWN_READER = (
    "import sys, pyreadstat\n"
    "path, fmt, enc = sys.argv[1], sys.argv[2], sys.argv[3] or None\n"
    "try:\n"
    "    if fmt == 'por': pyreadstat.read_por(path, metadataonly=True)\n"
    "    else: pyreadstat.read_sav(path, metadataonly=True, encoding=enc)\n"
    "except Exception:\n"
    "    sys.exit(3)\n"
)


def _spawn_probe(path: Path, fmt: str, encoding: str | None, timeout: float) -> int | None:
    try:
        done = subprocess.run(
            [sys.executable, "-c", _SPAWN_READER, str(path), fmt, encoding or ""],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    code = done.returncode
    # Windows reports an access violation as 0xC0000005 (as an unsigned exit code)
    return -11 if code >= 0xC0000000 else code


def _fork_is_trusted() -> bool:
    """Whether a forked child's crash can only be the file's: Linux, no other Python thread."""
    import threading

    return sys.platform.startswith("linux") and threading.active_count() == 1


def probe_in_child(
    path: Path, fmt: str, encoding: str | None, *, timeout: float = PROBE_TIMEOUT
) -> None:
    """Parse the file's dictionary in a child process; a crash there is a ``SurveyReadError``.

    Raises
    ------
    SurveyReadError
        The child was killed by a signal (the C reader crashed) or did not finish within
        ``timeout`` seconds. Ordinary read errors are left to the caller's own read, which
        describes them.
    """
    if hasattr(os, "fork"):
        code = _fork_probe(path, fmt, encoding, timeout)
        if (code is None or code not in (0, 1, 3)) and not _fork_is_trusted():
            # a forked child can also die of the parent's state (a lock held by another
            # thread, macOS frameworks that refuse fork): confirm in a fresh interpreter
            code = _spawn_probe(path, fmt, encoding, timeout)
    else:
        code = _spawn_probe(path, fmt, encoding, timeout)
    if code is None:
        raise SurveyReadError(
            path,
            fmt,
            f"damaged file: the SPSS reader did not finish reading its header within {timeout:g} s",
        )
    if code < 0 or code not in (0, 1, 3):
        raise SurveyReadError(
            path,
            fmt,
            "damaged file: its header or value labels are corrupt (the SPSS reader crashed on "
            "it in a separate process); re-export it from SPSS or restore a backup copy",
        )
