"""Execute a parsed ``.qmd`` document's cells in a fresh Jupyter kernel (nbclient).

The kernel is the current interpreter (``sys.executable -m ipykernel_launcher``), so the
render works without any installed kernelspec and sees exactly the packages of the caller.
Parameters are injected as Quarto and papermill do: a cell tagged ``parameters`` in the
document keeps its defaults, and an injected cell right after it (or first, when there is
none) overrides them.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stigma_analysis.errors import RenderError
from stigma_analysis.report._qmd import CodeCell, Markdown, QmdDocument

__all__ = ["ExecutedCell", "Execution", "ProgressCallback", "execute_document"]

ProgressCallback = Callable[[int, int, str, float], None]
"""``progress(done, total, cell_label, seconds)``, called after each executed cell."""

KERNEL_NAME = "python3"
INLINE_MIME = "application/x-stigma-inline+json"
_INLINE = re.compile(r"`\{python\}\s+([^`]+?)\s*`")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

# Mirrors Quarto's Jupyter setup cell: figure size/dpi/format from the document's options.
# Retina PNG, no "Software" text chunk and a fixed SVG hash salt keep figures byte-identical.
_SETUP = """\
try:
    import matplotlib as __sa_mpl
    __sa_mpl.rcParams.update({{
        "figure.figsize": ({width!r}, {height!r}),
        "figure.dpi": {dpi!r},
        "savefig.dpi": "figure",
        "svg.hashsalt": "stigma-analysis",
    }})
    from matplotlib_inline.backend_inline import set_matplotlib_formats as __sa_formats
    __sa_formats({fmt!r}, metadata={metadata})
    del __sa_mpl, __sa_formats
except ImportError:
    pass
try:  # Noto Sans with Khmer/Thai fallback, so labels in those scripts draw their glyphs
    from stigma_analysis.report._fonts import use_report_fonts as __sa_fonts
    __sa_fonts()
    del __sa_fonts
except ImportError:
    pass
"""


def strip_ansi(text: str) -> str:
    """Remove terminal colour codes (IPython tracebacks are coloured)."""
    return _ANSI.sub("", text)


@dataclass(slots=True, kw_only=True)
class ExecutedCell:
    """A document cell with the outputs of its execution (empty when ``eval: false``)."""

    cell: CodeCell
    outputs: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class Execution:
    """Results of executing a document.

    ``cells`` maps a code cell's index to its outputs; ``inline`` maps the id of a markdown
    block (its line) to the string values of its inline ```{python} expr``` expressions.
    """

    cells: dict[int, ExecutedCell]
    inline: dict[int, list[str]]


def _literal(name: str, value: Any) -> str:
    """A Python literal for a parameter value (str, number, bool, None, list, dict)."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if value is None or isinstance(value, bool | int | float | str):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_literal(name, v) for v in value) + "]"
    if isinstance(value, dict):
        items = (f"{_literal(name, k)}: {_literal(name, v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    raise TypeError(
        f"params[{name!r}] must be a str, number, bool, None, path, list or dict; "
        f"got {type(value).__name__}"
    )


def parameter_source(params: Mapping[str, Any]) -> str:
    """The source of the injected-parameters cell."""
    lines = ["# Injected parameters"]
    for name, value in params.items():
        if not str(name).isidentifier():
            raise ValueError(f"parameter names must be Python identifiers; got {name!r}")
        lines.append(f"{name} = {_literal(name, value)}")
    return "\n".join(lines)


def _current_python_km_class() -> type:
    """An AsyncKernelManager whose ``python3`` kernel is ``sys.executable``, spec or not."""
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class _CurrentPythonSpecs(KernelSpecManager):  # type: ignore[misc]
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            return KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name=f"Python {sys.version_info.major}.{sys.version_info.minor}",
                language="python",
                resource_dir="",
                metadata={},
            )

    class _CurrentPythonKernelManager(AsyncKernelManager):  # type: ignore[misc]
        @default("kernel_spec_manager")
        def _default_specs(self) -> KernelSpecManager:
            return _CurrentPythonSpecs()

    return _CurrentPythonKernelManager


def kernel_env() -> dict[str, str]:
    """Environment of the kernel: the caller's, made deterministic."""
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = "0"
    # Agg would silence figures; the inline backend renders with Agg and displays them.
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    env["SOURCE_DATE_EPOCH"] = "0"  # matplotlib's SVG/PDF date stamps
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def execute_document(
    doc: QmdDocument,
    *,
    params: Mapping[str, Any],
    cwd: Path,
    execute_options: Mapping[str, Any],
    figure: Mapping[str, Any],
    progress: ProgressCallback | None = None,
) -> Execution:
    """Run the document's cells in a fresh kernel; stop at the first failing cell.

    Raises
    ------
    RenderError
        When a cell fails (naming its label) or the kernel dies.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    name = doc.path if doc.path is not None else Path("<document>")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": KERNEL_NAME,
        "display_name": "Python 3",
        "language": "python",
    }
    # (notebook cell, what it is, describe) in execution order
    plan: list[tuple[Any, str | tuple[str, int], str]] = []

    fmt = str(figure.get("fig-format", "retina"))
    setup = _SETUP.format(
        width=float(figure.get("fig-width", 7)),
        height=float(figure.get("fig-height", 5)),
        dpi=float(figure.get("fig-dpi", 96)),
        fmt=fmt,
        metadata='{"Software": None}' if fmt in {"png", "retina"} else "{}",
    )
    plan.append((nbformat.v4.new_code_cell(setup), "setup", "renderer setup"))

    cells = doc.cells
    param_at = next((c.index for c in cells if "parameters" in c.tags), None)
    injected = nbformat.v4.new_code_cell(parameter_source(params))
    injected.metadata["tags"] = ["injected-parameters"]
    if param_at is None and params:
        plan.append((injected, "params", "injected parameters"))

    result = Execution(cells={}, inline={})
    for block in doc.blocks:
        if isinstance(block, Markdown):
            exprs = _INLINE.findall(block.text)
            if exprs:
                values = ", ".join(f"str({e})" for e in exprs)
                src = (
                    "__import__('IPython').display.display("
                    f"{{{INLINE_MIME!r}: [{values}]}}, raw=True)"
                )
                plan.append(
                    (
                        nbformat.v4.new_code_cell(src),
                        ("inline", block.line),
                        f"inline code at line {block.line}",
                    )
                )
            continue
        if not isinstance(block, CodeCell):
            continue
        opts = {**execute_options, **block.options}
        result.cells[block.index] = ExecutedCell(cell=block)
        if opts.get("eval", True) is not False:
            nbcell = nbformat.v4.new_code_cell(block.source)
            if opts.get("error", False) is True:
                nbcell.metadata["tags"] = ["raises-exception"]
            plan.append((nbcell, ("cell", block.index), block.describe()))
        if block.index == param_at and params:
            plan.append((injected, "params", "injected parameters"))

    nb.cells = [p[0] for p in plan]
    timeout = execute_options.get("timeout")
    client = NotebookClient(
        nb,
        timeout=int(timeout) if timeout is not None else None,
        kernel_name=KERNEL_NAME,
        kernel_manager_class=_current_python_km_class(),
        resources={"metadata": {"path": str(cwd)}},
        allow_errors=False,
        record_timing=False,
        # ipykernel warns on stderr that its local TCP sockets are unencrypted; not news.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )
    total = len(plan)
    with client.setup_kernel(env=kernel_env()):
        for i, (nbcell, kind, describe) in enumerate(plan):
            t0 = time.perf_counter()
            try:
                client.execute_cell(nbcell, i)
            except CellExecutionError as exc:
                tb = strip_ansi(str(getattr(exc, "traceback", "") or "")).strip()
                tail = "\n".join(tb.splitlines()[-40:])
                head = f"{exc.ename}: {strip_ansi(str(exc.evalue))}"
                if isinstance(kind, tuple) and kind[0] == "cell":
                    head += f" (the cell starts at line {doc.cells[kind[1]].line})"
                raise RenderError(name, describe, f"{head}\n{tail}" if tail else head) from None
            except DeadKernelError as exc:
                raise RenderError(name, describe, f"the kernel died: {exc}") from None
            if progress is not None:
                progress(i + 1, total, describe, time.perf_counter() - t0)
            if isinstance(kind, tuple) and kind[0] == "cell":
                result.cells[kind[1]].outputs = [dict(o) for o in nbcell.outputs]
            elif isinstance(kind, tuple) and kind[0] == "inline":
                found: list[str] = []
                for out in nbcell.outputs:
                    data = out.get("data", {})
                    if INLINE_MIME in data:
                        found = [str(v) for v in data[INLINE_MIME]]
                result.inline[kind[1]] = found
    return result
