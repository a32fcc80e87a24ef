#!/usr/bin/env python3
"""Build the API reference from the docstrings (pdoc), into ``_output/api/``.

    python scripts/build_docs.py            # writes _output/api/index.html (open it in a browser)
    python scripts/build_docs.py --check    # builds into a temporary folder and fails if any
                                            # public name lacks a docstring (CI runs this)

Every public family is documented from its subpackage (``stigma_analysis.study``,
``stigma_analysis.reliability``, ...); private modules (``_name``) are not.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# the public subpackages and modules, in reading order
MODULES = [
    "stigma_analysis",
    "stigma_analysis.io",
    "stigma_analysis.instruments",
    "stigma_analysis.study",
    "stigma_analysis.scoring",
    "stigma_analysis.reliability",
    "stigma_analysis.structure",
    "stigma_analysis.models",
    "stigma_analysis.evaluation",
    "stigma_analysis.privacy",
    "stigma_analysis.plots",
    "stigma_analysis.report",
    "stigma_analysis.simulate",
    "stigma_analysis.errors",
]


def modules() -> list[str]:
    return list(MODULES)


def undocumented(names: list[str]) -> list[str]:
    """Public names (``__all__`` of each module) whose object has no docstring of its own."""
    missing = []
    for modname in names:
        mod = importlib.import_module(modname)
        if not (mod.__doc__ or "").strip():
            missing.append(modname)
        for attr in getattr(mod, "__all__", []):
            obj = getattr(mod, attr)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue  # constants are documented where they are defined
            if not (inspect.getdoc(obj) or "").strip():
                missing.append(f"{modname}.{attr}")
    return sorted(set(missing))


def build(out: Path) -> None:
    import pdoc
    import pdoc.render

    pdoc.render.configure(docformat="numpy", footer_text="stigma-analysis", search=True)
    pdoc.pdoc(*modules(), output_directory=out)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="build into a temporary folder")
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "_output" / "api")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    # pdoc reaches stigma_analysis.irt through the package itself; check its names all the same
    missing = undocumented([*modules(), "stigma_analysis.irt"])
    if missing:
        print("public names without a docstring:\n  " + "\n  ".join(missing), file=sys.stderr)
        return 1
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            build(Path(tmp))
            pages = sorted(p.name for p in Path(tmp).rglob("*.html"))
        print(f"API reference builds: {len(pages)} pages, every public name documented")
        return 0
    build(args.output)
    print(f"API reference written to {args.output / 'index.html'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
