"""Rendering the example reports, and the wall time of ``stigma-analysis --help``.

Ours: ``stigma_analysis.report.render(document, "surveys/example/study.yaml", output_dir=tmp)``
for ``analysis/reintegration.qmd`` and ``analysis/programme-evaluation.qmd`` (built-in engine
when Quarto is absent: a fresh Jupyter kernel runs every cell), timed once each (a render is
deterministic and long; a second run would mostly re-measure the same kernel start-up).
By default the committed version (``HEAD``) of each document is rendered (``--source
worktree`` renders the files as they are on disk). ``stigma-analysis --help`` is timed as a subprocess (interpreter start-up included), median of
``repeat`` runs, next to a bare ``python -c pass`` for the floor. Targets: < 60 s per report,
< 0.5 s for ``--help``, and < 60 s for both reports in HTML, Word and PDF together
(``--formats``: one execution of each document, three files written from it).

    python benchmarks/bench_report.py [--repeat 5] [--skip-render] [--source worktree] [--formats]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import Row, print_table, timed

ROOT = Path(__file__).resolve().parent.parent
STUDY = ROOT / "surveys" / "example" / "study.yaml"
DOCUMENTS = ("analysis/reintegration.qmd", "analysis/programme-evaluation.qmd")


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
    ).stdout


def render_rows(documents: tuple[str, ...] = DOCUMENTS, *, source: str = "committed") -> list[Row]:
    """Render each document once. ``source="committed"`` renders the version in ``HEAD``
    (copied to a temporary folder, so colleagues' unsaved edits are not timed);
    ``"worktree"`` renders the file as it is on disk."""
    from stigma_analysis.report import render

    rows = []
    for doc in documents:
        path = ROOT / doc
        w = f"render {doc}"
        with tempfile.TemporaryDirectory(prefix="stigma-bench-") as tmp:
            if source == "committed":
                commit = _git("log", "-1", "--format=%h", "--", doc).strip()
                text = _git("show", f"HEAD:{doc}")
                if not commit or not text:
                    rows.append(Row(w, "stigma_analysis", None, note="document not committed"))
                    continue
                path = Path(tmp) / "src" / Path(doc).name
                path.parent.mkdir()
                path.write_text(text, encoding="utf-8")
                where = f"committed version ({commit})"
            else:
                if not path.exists():
                    rows.append(Row(w, "stigma_analysis", None, note="document not found"))
                    continue
                dirty = _git("status", "--porcelain", "--", doc).strip()
                where = "working tree" + (" (uncommitted edits)" if dirty else "")
            t0 = time.perf_counter()
            try:
                out = render(path, STUDY, output_dir=Path(tmp) / "out", progress=False)
            except Exception as exc:  # report the failure in the table, keep benchmarking
                note = f"FAILED ({where}): {type(exc).__name__}: {exc}"
                rows.append(Row(w, "stigma_analysis", None, note=note[:300].replace("\n", " ")))
                continue
            t = time.perf_counter() - t0
            kb = sum(p.stat().st_size for p in out) / 1024
            engine = "quarto" if shutil.which("quarto") else "built-in engine"
            rows.append(
                Row(
                    w,
                    "stigma_analysis",
                    t,
                    note=f"{where}, {engine}, {kb:.0f} kB HTML; "
                    f"target < 60 s: {'met' if t < 60 else 'MISSED'}",
                )
            )
    return rows


def formats_rows(documents: tuple[str, ...] = DOCUMENTS) -> list[Row]:
    """Both documents (as on disk) in html, docx and pdf: one render each, all three formats."""
    from stigma_analysis.report import render

    w = "render both reports as html + docx + pdf"
    with tempfile.TemporaryDirectory(prefix="stigma-bench-") as tmp:
        t0 = time.perf_counter()
        written = []
        for doc in documents:
            written += render(
                ROOT / doc,
                STUDY,
                output_dir=Path(tmp) / "out",
                formats=("html", "docx", "pdf"),
                progress=False,
            )
        t = time.perf_counter() - t0
        kinds = sorted({p.suffix for p in written})
    return [
        Row(
            w,
            "stigma_analysis",
            t,
            note=f"{len(written)} files ({', '.join(kinds)}); "
            f"target < 60 s: {'met' if t < 60 else 'MISSED'}",
        )
    ]


def help_rows(repeat: int = 5) -> list[Row]:
    w = "stigma-analysis --help (subprocess)"
    exe = shutil.which("stigma-analysis") or str(Path(sys.executable).parent / "stigma-analysis")
    cmd = (
        [exe, "--help"]
        if Path(exe).exists()
        else [sys.executable, "-m", "stigma_analysis", "--help"]
    )

    def cli() -> None:
        subprocess.run(cmd, capture_output=True, check=True)

    def bare() -> None:
        subprocess.run([sys.executable, "-c", "pass"], capture_output=True, check=True)

    def imp() -> None:
        subprocess.run(
            [sys.executable, "-c", "import stigma_analysis"], capture_output=True, check=True
        )

    t_cli, _ = timed(cli, repeat=repeat)
    t_imp, _ = timed(imp, repeat=repeat)
    t_bare, _ = timed(bare, repeat=repeat)
    return [
        Row(
            w,
            "stigma_analysis",
            t_cli,
            note=f"target < 0.5 s: {'met' if t_cli < 0.5 else 'MISSED'}",
        ),
        Row(w, "python -c 'import stigma_analysis'", t_imp, note="package import + interpreter"),
        Row(w, "python -c pass (floor)", t_bare, note="interpreter start-up only"),
    ]


def run(repeat: int = 5, render: bool = True, source: str = "committed") -> list[Row]:
    return help_rows(repeat) + (render_rows(source=source) if render else [])


def main(argv: list[str] | None = None) -> list[Row]:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--skip-render", action="store_true")
    ap.add_argument("--formats", action="store_true", help="time html + docx + pdf together")
    ap.add_argument(
        "--source",
        choices=["committed", "worktree"],
        default="committed",
        help="render the documents as committed in HEAD (default) or as on disk",
    )
    args = ap.parse_args(argv)
    rows = formats_rows() if args.formats else run(args.repeat, not args.skip_render, args.source)
    print_table(rows, baseline="stigma_analysis")
    return rows


if __name__ == "__main__":
    main()
