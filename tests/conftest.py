"""Shared fixtures: paths to the shared SPSS corpus, the example study, and plot hygiene."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
EXAMPLE_STUDY = ROOT / "surveys" / "example" / "study.yaml"
# Real SPSS files from other projects' test suites, beside the checkout (absent in a user's clone).
SHARED_SPSS = Path(os.environ.get("STIGMA_SHARED_DATA", ROOT.parent / "shared" / "data")) / "spss"

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def shared_spss() -> Path:
    if not SHARED_SPSS.is_dir():
        if os.environ.get(
            "CI"
        ):  # CI always has the corpus beside the checkout: a skip hides a break
            pytest.fail(f"shared SPSS corpus not found at {SHARED_SPSS}, and CI is set")
        pytest.skip(
            f"shared SPSS corpus not found at {SHARED_SPSS} (only on developer machines and CI)"
        )
    return SHARED_SPSS


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        plt.close("all")
