"""``render()``: a Quarto document → report file(s), with Quarto or the built-in engine."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from stigma_analysis.errors import RenderError

__all__ = ["render"]

_EXTENSIONS = {
    "html": "html",
    "pdf": "pdf",
    "docx": "docx",
    "odt": "odt",
    "typst": "pdf",
    "epub": "epub",
    "revealjs": "html",
    "gfm": "md",
}
_EXECUTE_KEYS = ("echo", "eval", "output", "warning", "error", "include", "code-fold", "timeout")
_NOT_META = {"project", "format", "execute", "params", "jupyter", "engine", "website", "book"}

Progress = bool | Callable[[int, int, str, float], None] | None


def _load_yaml(path: Path) -> dict[str, Any]:
    import yaml

    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RenderError(path, None, f"cannot read the Quarto project file: {exc}") from None
    if loaded is not None and not isinstance(loaded, dict):
        raise RenderError(path, None, "the Quarto project file must be a YAML mapping")
    return loaded or {}


def find_project(document: Path) -> tuple[Path | None, dict[str, Any]]:
    """The folder and contents of the nearest ``_quarto.yml`` above ``document``."""
    for folder in document.resolve().parents:
        for name in ("_quarto.yml", "_quarto.yaml"):
            if (folder / name).is_file():
                return folder, _load_yaml(folder / name)
    return None, {}


def _html_format(config: Mapping[str, Any]) -> dict[str, Any]:
    fmt = config.get("format")
    if isinstance(fmt, Mapping):
        html = fmt.get("html")
        if isinstance(html, Mapping):
            return dict(html)
    return {}


def merge_options(
    front_matter: Mapping[str, Any], project: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(document options, execution defaults): project < document, top level < ``format: html``."""
    meta: dict[str, Any] = {}
    execute: dict[str, Any] = {}
    for config in (project, front_matter):
        meta.update({k: v for k, v in config.items() if k not in _NOT_META})
        meta.update(_html_format(config))
        exe = config.get("execute")
        if isinstance(exe, Mapping):
            execute.update(exe)
    for key in _EXECUTE_KEYS:
        if key in meta:
            execute.setdefault(key, meta[key])
    return meta, execute


def _progress_callback(
    progress: Progress, name: str
) -> Callable[[int, int, str, float], None] | None:
    if callable(progress):
        return progress
    if progress is False or (progress is None and not sys.stderr.isatty()):
        return None
    tty = sys.stderr.isatty()

    def report(done: int, total: int, label: str, seconds: float) -> None:
        line = f"{name}: [{done:>{len(str(total))}}/{total}] {label} ({seconds:.1f} s)"
        if tty:
            end = "\n" if done == total else ""
            sys.stderr.write(f"\r\x1b[K{line}{end}")
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    return report


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_atomic(target: Path, data: bytes) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a report is for sharing
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target


def _param_value(value: Any) -> str:
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    return value if isinstance(value, str) else json.dumps(value)


def _render_quarto(
    quarto: str,
    doc_path: Path,
    *,
    out_dir: Path,
    formats: tuple[str, ...],
    params: Mapping[str, Any],
    progress: Progress,
    metadata: Mapping[str, str] | None = None,
) -> list[Path]:
    env = dict(os.environ, PYTHONHASHSEED="0", QUARTO_PYTHON=sys.executable)
    show = progress is True or (progress is None and sys.stderr.isatty())
    written: list[Path] = []
    out_dir.mkdir(parents=True, exist_ok=True)
    for fmt in formats:
        tmp = Path(tempfile.mkdtemp(dir=out_dir, prefix=".render-"))
        try:
            cmd = [quarto, "render", str(doc_path), "--to", fmt, "--output-dir", str(tmp)]
            for key, value in params.items():
                cmd += ["-P", f"{key}:{_param_value(value)}"]
            for key, text in (metadata or {}).items():
                cmd += ["-M", f"{key}:{text}"]
            proc = subprocess.run(
                cmd,
                env=env,
                cwd=doc_path.parent,
                stdout=subprocess.PIPE,
                stderr=None if show else subprocess.PIPE,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                tail = "\n".join((proc.stderr or "").strip().splitlines()[-40:])
                raise RenderError(
                    doc_path, None, f"quarto render failed (exit {proc.returncode})\n{tail}".strip()
                )
            name = f"{doc_path.stem}.{_EXTENSIONS[fmt]}"
            found = sorted(tmp.rglob(name))
            if not found:
                raise RenderError(doc_path, None, f"quarto wrote no {name} to {tmp}")
            target = out_dir / name
            os.replace(found[0], target)
            written.append(target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return written


def _study_title(path: Path, *, cwd: Path) -> str | None:
    """The ``title`` of a study file (None when it cannot be read; the document reports that)."""
    import yaml

    if not path.is_absolute():
        path = cwd / path
    if path.is_dir():
        path = path / "study.yaml"
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    title = loaded.get("title") if isinstance(loaded, dict) else None
    return str(title) if title else None


def render(
    document: str | os.PathLike[str],
    study: str | os.PathLike[str] | None = None,
    *,
    output_dir: str | os.PathLike[str] = "_output",
    formats: Iterable[str] = ("html",),
    params: Mapping[str, Any] | None = None,
    engine: Literal["auto", "quarto", "builtin"] = "auto",
    progress: Progress = None,
) -> list[Path]:
    """Render a Quarto document (``.qmd``) to a report.

    Parameters
    ----------
    document : path
        The ``.qmd`` file, e.g. ``analysis/reintegration.qmd``.
    study : path, optional
        A ``study.yaml``; passed to the document as its ``study`` parameter (made absolute).
        A document whose front matter has no ``title`` takes the study file's ``title:``.
    output_dir : path
        Folder of the output, created if needed; the report is ``<document stem>.html``.
    formats : iterable of str
        Output formats. Without Quarto ``"html"``, ``"docx"`` and ``"pdf"``, all built from
        one execution of the document (Word via python-docx, PDF via the ``typst`` package).
    params : mapping, optional
        More parameters (e.g. ``{"seed": 7}``); they override the document's defaults (the
        front matter's ``params`` and its ``parameters``-tagged cell).
    engine : {"auto", "quarto", "builtin"}
        ``"auto"`` runs ``quarto render`` when ``quarto`` is on PATH, else the built-in engine,
        which executes the ``{python}`` cells in a fresh Jupyter kernel of this interpreter
        and writes one self-contained HTML file.
    progress : bool, callable or None
        Cell-by-cell progress on stderr; ``None`` shows it when stderr is a terminal. A
        callable receives ``(done, total, cell_label, seconds)`` after each cell.

    Returns
    -------
    list of Path
        The written files, one per format.

    Raises
    ------
    RenderError
        A missing document or study file, a failing cell (named by its label; nothing is
        written), a format that needs Quarto when Quarto is absent, or a failing Quarto run.

    Notes
    -----
    Files are written to a temporary name and renamed, so a failed render never leaves a
    half-written report. The kernel runs with ``PYTHONHASHSEED=0``; the HTML has no time
    stamps or random ids, so rendering twice gives the same bytes.
    """
    if engine not in ("auto", "quarto", "builtin"):
        raise ValueError(f"engine must be 'auto', 'quarto' or 'builtin'; got {engine!r}")
    fmts = (formats,) if isinstance(formats, str) else tuple(formats)
    if not fmts:
        raise ValueError("formats must name at least one format; got an empty sequence")
    unknown = [f for f in fmts if f not in _EXTENSIONS]
    if unknown:
        raise ValueError(f"formats must be among {sorted(_EXTENSIONS)}; got {unknown}")
    if params is not None and not isinstance(params, Mapping):
        raise TypeError(f"params must be a mapping; got {type(params).__name__}")
    if progress is not None and not isinstance(progress, bool) and not callable(progress):
        raise TypeError(f"progress must be a bool, a callable or None; got {progress!r}")

    doc_path = Path(document)
    if doc_path.suffix.lower() not in (".qmd", ".md"):
        raise ValueError(f"document must be a .qmd file; got {os.fspath(document)!r}")
    if not doc_path.is_file():
        raise RenderError(doc_path, None, "no such document")
    doc_path = doc_path.resolve()
    overrides: dict[str, Any] = {}
    if study is not None:
        study_path = Path(study)
        if not study_path.is_file():
            raise RenderError(doc_path, None, f"study file not found: {os.fspath(study)}")
        overrides["study"] = str(study_path.resolve())
    for key, value in (params or {}).items():
        if not isinstance(key, str) or not key.isidentifier():
            raise ValueError(f"params keys must be Python identifiers; got {key!r}")
        if key == "study" and study is not None:
            raise ValueError("give the study either as `study` or as params['study'], not both")
        overrides[key] = value

    quarto = shutil.which("quarto")
    if engine == "quarto" and quarto is None:
        raise RenderError(doc_path, None, "engine='quarto' but `quarto` is not on PATH")
    use_quarto = quarto is not None and engine != "builtin"
    non_html = [f for f in fmts if f not in ("html", "docx", "pdf")]
    if non_html and not use_quarto:
        msg = (
            f"format(s) {non_html} need Quarto; the built-in engine writes HTML, docx and pdf. "
            'Install it with `pip install ".[quarto]"` on a machine with internet.'
        )
        if engine == "builtin":
            raise ValueError(msg)
        raise RenderError(doc_path, None, msg)

    from stigma_analysis.report._qmd import parse_qmd

    doc = parse_qmd(doc_path)
    all_params = {**doc.params, **overrides}
    out_dir = Path(output_dir)
    # a document without a title of its own takes the study's (`title:` of the study file)
    metadata: dict[str, str] = {}
    if "title" not in doc.front_matter and all_params.get("study"):
        title = _study_title(Path(str(all_params["study"])), cwd=doc_path.parent)
        if title:
            metadata["title"] = title
    if use_quarto and quarto is not None:
        return _render_quarto(
            quarto,
            doc_path,
            out_dir=out_dir,
            formats=fmts,
            params=all_params,
            progress=progress,
            metadata=metadata,
        )

    import stigma_analysis
    from stigma_analysis.report._execute import execute_document
    from stigma_analysis.report._html import build_html

    project_dir, project = find_project(doc_path)
    meta, execute = merge_options(doc.front_matter, project)
    meta.update(metadata)
    execute_dir = (project.get("project") or {}).get("execute-dir", "file")
    cwd = project_dir if (execute_dir == "project" and project_dir is not None) else doc_path.parent
    callback = _progress_callback(progress, doc_path.name)
    try:
        execution = execute_document(
            doc,
            params=all_params,
            cwd=cwd,
            execute_options=execute,
            figure=meta,
            progress=callback,
        )
    except RenderError:
        if callback is not None and not callable(progress) and sys.stderr.isatty():
            sys.stderr.write("\n")  # end the progress line before the error is shown
        raise
    page = build_html(
        doc,
        execution,
        meta=meta,
        execute=execute,
        generator=f"stigma-analysis {stigma_analysis.__version__} (built-in renderer)",
    )
    from stigma_analysis.report._formats import write_formats

    return write_formats(
        page, fmts, out_dir=out_dir, stem=doc_path.stem, meta=meta, write=_write_atomic
    )
