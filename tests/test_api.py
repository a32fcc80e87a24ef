"""The public API: every advertised name resolves, and importing the package stays cheap."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
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


def test_reliability_table_lives_in_a_public_subpackage() -> None:
    code = (
        "import stigma_analysis.reliability, stigma_analysis as sa; "
        "print(sa.reliability_table.__module__, type(sa.reliability).__name__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    module, kind = out.split()
    assert module.startswith("stigma_analysis.reliability")
    assert kind == "module"  # no module-class swap: the family is a plain package


def test_deprecated_reliability_alias_warns() -> None:
    from stigma_analysis.reliability import reliability

    with pytest.warns(DeprecationWarning, match="reliability_table"):
        table = reliability(
            pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 3, 2, 4]}),
            sa.Instrument.model_validate(
                {
                    "id": "t",
                    "name": "t",
                    "construct": "other",
                    "status": "validated",
                    "citation": "-",
                    "licence": "-",
                    "direction": "lower_is_better",
                    "response": {"min": 1, "max": 4},
                    "items": ["a", "b"],
                }
            ),
            columns="{item}",
        )
    assert list(table["scale"]) == ["total"]
