"""Atomic file output: write to a temporary file beside the target, then ``os.replace``.

Every output file of stigma-analysis goes through :func:`atomic_write`, so an interrupted or
failed write never leaves a half-written file and never damages an existing one, and an input
file can never be overwritten by mistake.

A process killed while writing (SIGKILL, power loss) cannot remove its temporary file: a hidden
``.<stem>.<8 random characters>.tmp<suffix>`` beside the output, a partial copy of what was
being written (often respondent-level data). The next write of the same output removes such
leftovers: only files matching that exact pattern for that output, and only those last
modified before the current process started (so another process's write in progress is left
alone).
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from stigma_analysis.errors import SurveyWriteError

__all__ = ["atomic_write", "atomic_write_many", "remove_stale_temporaries"]

# when this process started (module import is early: before any write of ours)
_PROCESS_START = time.time()
# tempfile.mkstemp's random part: 8 characters from this set
_RANDOM_PART = "[a-z0-9_]{8}"


def _temp_args(target: Path) -> tuple[str, str]:
    """``prefix`` and ``suffix`` of the temporary files for ``target``."""
    return f".{target.stem}.", f".tmp{target.suffix}"


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove temporary files left beside ``target`` by an earlier, killed write.

    Only regular files named exactly like this module's temporaries for ``target``
    (``.<stem>.<8 random characters>.tmp<suffix>``) and last modified before this process
    started are removed. Returns the removed paths; failures to remove are ignored.
    """
    prefix, suffix = _temp_args(target)
    pattern = re.compile(re.escape(prefix) + _RANDOM_PART + re.escape(suffix))
    removed: list[Path] = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and info.st_mtime < _PROCESS_START:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def _current_umask() -> int:
    try:  # Linux: read it without changing it (os.umask would, briefly, for every thread)
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(
    path: str | os.PathLike[str],
    write: Callable[[Path], None],
    *,
    protect: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Write a file atomically.

    ``write(tmp)`` is called with a temporary path in the target's folder; when it returns,
    the temporary file replaces ``path`` in one step (``os.replace``). On any failure the
    temporary file is removed and an existing ``path`` is left untouched. Temporary files of
    ``path`` left by a killed earlier write (older than this process) are removed first.

    Parameters
    ----------
    path : path-like
        The file to create or replace.
    write : callable
        ``write(tmp_path)`` writes the complete content to ``tmp_path``.
    protect : iterable of path-like
        Files that must never be overwritten (the inputs); writing to one of them raises.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    SurveyWriteError
        ``path`` is protected, its folder does not exist, or writing failed (the cause is
        given; nothing is left behind).
    """
    return atomic_write_many([(path, write)], protect=protect)[0]


def atomic_write_many(
    items: Sequence[tuple[str | os.PathLike[str], Callable[[Path], None]]],
    *,
    protect: Iterable[str | os.PathLike[str]] = (),
) -> list[Path]:
    """Write several files (e.g. data + codebook) so that none is replaced unless all were written.

    See :func:`atomic_write`; the final renames happen only after every ``write`` succeeded.
    """
    targets = [Path(p) for p, _ in items]
    protected = [Path(p) for p in protect]
    for target in targets:
        for guarded in protected:
            if _same_file(target, guarded):
                raise SurveyWriteError(
                    target, "refusing to overwrite an input file; choose another output path"
                )
        if target.is_dir():
            raise SurveyWriteError(target, "the path is a folder, not a file")
        if not target.parent.is_dir():
            raise SurveyWriteError(target, f"the folder {target.parent} does not exist")
    umask = _current_umask()
    for target in targets:
        remove_stale_temporaries(target)
    temps: list[Path] = []
    try:
        for target, (_, write) in zip(targets, items, strict=True):
            prefix, suffix = _temp_args(target)
            fd, name = tempfile.mkstemp(dir=target.parent, prefix=prefix, suffix=suffix)
            os.close(fd)
            tmp = Path(name)
            temps.append(tmp)
            try:
                write(tmp)
            except SurveyWriteError as exc:
                raise SurveyWriteError(target, exc.cause) from exc
            except Exception as exc:
                raise SurveyWriteError(target, _describe(exc)) from exc
            os.chmod(tmp, 0o666 & ~umask)
        for target, tmp in zip(targets, temps, strict=True):
            os.replace(tmp, target)
    except OSError as exc:
        raise SurveyWriteError(targets[0], _describe(exc)) from exc
    finally:
        for tmp in temps:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
    return targets


def _describe(exc: BaseException) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied (is the file open in another program, or the folder read-only?)"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
