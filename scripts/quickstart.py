#!/usr/bin/env python3
"""Set everything up and run the main job or the tests, on Linux, macOS or Windows.

    python3 scripts/quickstart.py report   # renders the example study's reports to _output/
    python3 scripts/quickstart.py test     # runs the test suite (extra arguments go to pytest)

Creates a virtual environment in .venv (unless one is already active), installs the package
into it (again only when pyproject.toml changed), then runs the command inside it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"


def _python() -> Path:
    if sys.prefix != sys.base_prefix:  # already inside a virtual environment
        return Path(sys.executable)
    exe = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not exe.exists():
        print(f"creating a virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    return exe


def _install(python: Path, extra: str) -> None:
    stamp = Path(python).parent.parent / f".stigma-analysis-{extra or 'base'}.installed"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    print("installing stigma-analysis and its dependencies (first run only) ...", flush=True)
    target = f".[{extra}]" if extra else "."
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True, cwd=ROOT)
    subprocess.run([*pip, "-e", target], check=True, cwd=ROOT)
    stamp.write_text(digest)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"report", "test"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    python = _python()
    _install(python, "dev" if command == "test" else "")
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED="0")
    if command == "test":
        return subprocess.run(
            [str(python), "-m", "pytest", "-q", *rest], check=False, cwd=ROOT, env=env
        ).returncode
    cmd = [
        str(python),
        "-m",
        "stigma_analysis",
        "report",
        "surveys/example/study.yaml",
        "-o",
        "_output",
        *rest,
    ]
    code = subprocess.run(cmd, check=False, cwd=ROOT, env=env).returncode
    if code == 0:
        print(
            f"\nOpen {ROOT / '_output' / 'reintegration.html'} (research report) and "
            f"{ROOT / '_output' / 'programme-evaluation.html'} (programme evaluation) in a browser."
        )
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
