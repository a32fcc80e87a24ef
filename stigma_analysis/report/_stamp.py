"""The reproducibility stamp at the end of every report.

SHA-256 of each file the results depend on (data, study file, instruments), the versions of
the packages that computed them, the Python version, the operating system and the seed.
Nothing in it depends on the clock, the machine's name, the user or absolute paths.
"""

from __future__ import annotations

import hashlib
import html
import os
import platform
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PACKAGES", "Stamp", "stamp"]

PACKAGES: tuple[str, ...] = (
    "stigma-analysis",
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "pingouin",
    "pyreadstat",
    "pyarrow",
    "matplotlib",
    "seaborn",
    "pydantic",
    "pyyaml",
)
"""Distributions whose versions every stamp lists (absent ones show ``not installed``)."""

_CHUNK = 1 << 20


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _display_path(path: Path, root: Path | None) -> str:
    """A path that reveals no user name: relative to the study folder or the package."""
    import stigma_analysis

    pkg_root = Path(stigma_analysis.__file__).resolve().parent.parent
    for base in (root, pkg_root):
        if base is None:
            continue
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            pass
    if root is not None:
        rel = Path(os.path.relpath(path, root))
        # A short climb (../instruments/x.yaml) names nothing personal; a long one might.
        if rel.parts[:2] != ("..", "..") and rel.parts[:1] == ("..",):
            return rel.as_posix()
    return f".../{path.name}"


_ABSOLUTE_PATH = re.compile(
    r"""(?<![\w.])(?:~/|/(?:home|Users|root|mnt|media|tmp|var|srv|opt|data)\b|[A-Za-z]:[\\/])[^\s'",}\]#]*"""
)


def _redact_paths(text: str) -> str:
    """Replace absolute paths (which may name a user) by ``.../<file name>``."""
    return _ABSOLUTE_PATH.sub(
        lambda m: ".../" + re.split(r"[\\/]", m.group(0).rstrip("/\\"))[-1], text
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Stamp:
    """A reproducibility stamp.

    Attributes
    ----------
    files : tuple of (str, str, int)
        ``(path, sha256, size_bytes)`` per file, the path relative to the study folder.
    packages : tuple of (str, str)
        ``(distribution, version)``, in the order of :data:`PACKAGES`.
    python : str
        The Python version, e.g. ``"3.11.9"``.
    platform : str
        The operating system's name (``"Linux"``, ``"Darwin"``, ``"Windows"``).
    seed : int or None
        The seed of the report's random steps.
    study_spec : str or None
        The text of the study file, when one was given (respondent ids in its cleaning
        rules replaced by ``[id]``).
    cleaning : tuple of (str, str, str, str)
        ``(rule, column, detail, n)`` for every cleaning rule applied on loading (the study's
        ``Study.cleaning``); ``n`` is a count of cells or rows, ``<min_cell`` when small, and
        rules that name respondent ids say how many ids, never which.
    """

    files: tuple[tuple[str, str, int], ...]
    packages: tuple[tuple[str, str], ...]
    python: str
    platform: str
    seed: int | None
    study_spec: str | None = None
    cleaning: tuple[tuple[str, str, str, str], ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per entry with columns ``kind`` (``file``, ``package``, ``python``,
        ``platform``, ``seed``), ``name`` and ``value`` (the SHA-256 for files)."""
        import pandas as pd

        rows: list[tuple[str, str, str]] = [("file", p, h) for p, h, _ in self.files]
        rows += [("package", d, v) for d, v in self.packages]
        rows.append(("python", "python", self.python))
        rows.append(("platform", "platform", self.platform))
        rows.append(("seed", "seed", "" if self.seed is None else str(self.seed)))
        return pd.DataFrame(rows, columns=["kind", "name", "value"])

    def to_html(self) -> str:
        """A compact HTML block for the end of a report."""
        e = html.escape
        file_rows = "".join(
            f'<tr><td><code>{e(p)}</code></td><td class="num">{size:,}</td>'
            f'<td><code class="sha">{e(h)}</code></td></tr>'
            for p, h, size in self.files
        )
        files = (
            '<div class="table-wrap"><table class="stamp-files"><thead><tr><th>File</th>'
            '<th class="num">Bytes</th><th>SHA-256</th></tr></thead>'
            f"<tbody>{file_rows}</tbody></table></div>"
            if self.files
            else "<p>No data files were given.</p>"
        )
        pkgs = ", ".join(f"{e(d)}&nbsp;{e(v)}" for d, v in self.packages)
        seed = "none" if self.seed is None else e(str(self.seed))
        spec = (
            "<details><summary>Study specification</summary>"
            f"<pre>{e(self.study_spec)}</pre></details>"
            if self.study_spec
            else ""
        )
        cleaning = ""
        if self.cleaning:
            rows = "".join(
                f"<tr><td>{e(r)}</td><td><code>{e(c)}</code></td><td>{e(d)}</td>"
                f'<td class="num">{e(n)}</td></tr>'
                for r, c, d, n in self.cleaning
            )
            cleaning = (
                "<p>Cleaning rules of the study file, applied on loading (the raw files are "
                'unchanged):</p><div class="table-wrap"><table class="stamp-cleaning"><thead><tr>'
                '<th>Rule</th><th>Column</th><th>Detail</th><th class="num">Cells or rows</th>'
                f"</tr></thead><tbody>{rows}</tbody></table></div>"
            )
        return (
            '<div class="repro-stamp">'
            "<p>Re-rendering this report from the same files, seed and package versions "
            "reproduces every number in it.</p>"
            f"{files}{cleaning}"
            '<dl class="stamp-env">'
            f"<dt>Seed</dt><dd>{seed}</dd>"
            f"<dt>Python</dt><dd>{e(self.python)} on {e(self.platform)}</dd>"
            f"<dt>Packages</dt><dd>{pkgs}</dd>"
            f"</dl>{spec}</div>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        lines = [f"{p}  sha256:{h}" for p, h, _ in self.files]
        lines += [f"{d} {v}" for d, v in self.packages]
        lines.append(f"Python {self.python} on {self.platform}; seed {self.seed}")
        return "\n".join(lines)


def _study_files(study: Any) -> tuple[Path | None, list[Path]]:
    """The study file (if known) and the files of a study path or a Study-like object."""
    if isinstance(study, str | os.PathLike):
        path = Path(study).resolve()
        try:
            from stigma_analysis.study import load_study

            loaded = load_study(path)
        except ImportError:  # the study module is optional for the stamp
            return path, [path]
        files = [Path(f).resolve() for f in getattr(loaded, "files", ())]
        return path, files if path in files else [path, *files]
    files_attr = getattr(study, "files", None)
    if files_attr is None:
        raise TypeError(
            "study must be a path to a study file, an object with a `.files` attribute "
            f"(a Study) or None; got {type(study).__name__}"
        )
    files = [Path(f).resolve() for f in files_attr]
    spec = next(
        (
            Path(p).resolve()
            for attr in ("path", "file", "spec_path", "study_file")
            if isinstance(p := getattr(study, attr, None), str | os.PathLike)
        ),
        None,
    )
    return spec, files


def stamp(
    study: Any = None,
    *,
    files: Iterable[str | os.PathLike[str]] = (),
    seed: int | None = None,
    root: str | os.PathLike[str] | None = None,
    packages: Iterable[str] = PACKAGES,
) -> Stamp:
    """Build the reproducibility stamp of a report.

    Parameters
    ----------
    study : path, Study or None
        A study file (its data and instrument files are found by loading it), or any object
        with a ``.files`` attribute listing the data, study and instrument files.
    files : iterable of paths
        More files to hash (added after the study's, duplicates dropped).
    seed : int, optional
        The seed of the report's random steps; default the study file's ``seed:`` (when
        ``study`` is a loaded study).
    root : path, optional
        Folder the file paths are shown relative to; default the study file's folder, else
        the files' common folder.
    packages : iterable of str
        Distributions whose versions are listed.

    Returns
    -------
    Stamp
        With ``.to_frame()`` (columns ``kind, name, value``) and ``.to_html()``; displays
        itself as HTML in a notebook or report.

    Notes
    -----
    Paths are shown relative to the study folder (files inside the installed package relative
    to its parent, anything else by name only), so the stamp never shows a user name.
    """
    if seed is None:
        spec_seed = getattr(getattr(study, "spec", None), "seed", None)
        seed = spec_seed if isinstance(spec_seed, int) and not isinstance(spec_seed, bool) else None
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f"seed must be an int or None; got {type(seed).__name__}")
    spec: Path | None = None
    paths: list[Path] = []
    if study is not None:
        spec, paths = _study_files(study)
    for f in files:
        p = Path(f).resolve()
        if p not in paths:
            paths.append(p)
    for p in paths:
        if not p.is_file():
            raise FileNotFoundError(f"stamp: no such file: {p}")
    if root is not None:
        base: Path | None = Path(root).resolve()
    elif spec is not None:
        base = spec.parent
    elif paths:
        base = Path(os.path.commonpath([p.parent for p in paths]))
    else:
        base = None
    entries = tuple((_display_path(p, base), _sha256(p), p.stat().st_size) for p in paths)
    spec_text = None
    if spec is not None and spec.is_file():
        spec_text = _redact_ids(
            _redact_paths(spec.read_text(encoding="utf-8", errors="replace")), study
        )
    return Stamp(
        files=entries,
        packages=tuple((d, _version(d)) for d in packages),
        python=platform.python_version(),
        platform=platform.system() or "unknown",
        seed=seed,
        study_spec=spec_text,
        cleaning=_cleaning_rows(study),
    )


def _excluded_ids(study: Any) -> list[str]:
    rules = getattr(getattr(getattr(study, "spec", None), "cleaning", None), "exclude", None)
    return [str(i).strip() for r in rules or () for i in (getattr(r, "id", None) or ())]


def _redact_ids(text: str, study: Any) -> str:
    """Respondent ids named in the study file's cleaning rules become ``[id]``."""
    for i in sorted(set(_excluded_ids(study)), key=len, reverse=True):
        if i:
            text = re.sub(rf"(?<![\w-]){re.escape(i)}(?![\w-])", "[id]", text)
    return text


def _cleaning_rows(study: Any) -> tuple[tuple[str, str, str, str], ...]:
    """The applied cleaning rules for the stamp: no ids, small counts as ``<min_cell``."""
    table = getattr(study, "cleaning", None)
    if table is None or not hasattr(table, "itertuples") or table.empty:
        return ()
    min_cell = int(getattr(getattr(getattr(study, "spec", None), "privacy", None), "min_cell", 5))
    ids = set(_excluded_ids(study))
    out = []
    for r in table.itertuples(index=False):
        detail = str(r.detail)
        if r.rule == "exclude" and str(detail).startswith("id in "):
            n_ids = len(
                [x for x in detail[len("id in ") :].split(" (", maxsplit=1)[0].split(", ") if x]
            )
            reason = detail.split(" (", 1)[1].rstrip(")") if " (" in detail else ""
            detail = f"by id ({n_ids} listed in the study file)" + (f": {reason}" if reason else "")
        detail = _redact_ids(detail, study) if ids else detail
        n = int(r.n)
        shown = f"<{min_cell}" if 0 < n < min_cell else str(n)
        column = "" if r.column is None or r.column != r.column else str(r.column)  # None or NaN
        out.append((str(r.rule), column, detail, shown))
    return tuple(out)
