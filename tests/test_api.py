"""The public API: every advertised name resolves, and importing the package stays cheap."""

from __future__ import annotations

import subprocess
import sys

import pytest

import stigma_analysis as sa


@pytest.mark.parametrize("name", sa.__all__)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(sa, name) is not None


def test_unknown_attribute() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = sa.nope


def test_import_is_cheap() -> None:
    code = "import sys, stigma_analysis; print(sorted(m for m in ('pandas', 'scipy', 'statsmodels', 'matplotlib', 'nbclient') if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_all_lists_every_lazy_name() -> None:
    assert set(sa.__all__) >= set(sa._LAZY)


def test_reliability_is_callable_whatever_was_imported_first() -> None:
    code = (
        "import stigma_analysis.reliability, stigma_analysis as sa; "
        "assert callable(sa.reliability); assert sa.reliability.alpha; print('ok')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "ok"
