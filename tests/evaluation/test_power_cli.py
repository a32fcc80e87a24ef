"""The ``stigma-analysis power`` command."""

from __future__ import annotations

import json

import pytest

from stigma_analysis import evaluation as ev
from stigma_analysis.cli import main


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(args)
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


DESIGN = ["--n-per-arm", "120", "--clusters-per-arm", "6", "--icc", "0.05", "--cv", "0.4"]
DESIGN += ["--pre-post-r", "0.5", "--attrition", "0.2"]


def test_power_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["power", *DESIGN, "--effect-size", "0.3", "0.5"], capsys)
    assert code == 0
    assert "design effect 1.878" in out
    assert "effect_size  power" in out
    p = ev.power(
        n_per_arm=120,
        effect_size=0.5,
        clusters_per_arm=6,
        icc=0.05,
        cv=0.4,
        pre_post_r=0.5,
        attrition=0.2,
    )
    assert f"{p.power:.4f}" in out
    assert "minimum detectable effect at power 0.8: d = 0.533" in out


def test_power_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["power", "--n-per-arm", "64", "--effect-size", "0.5", "--json"], capsys)
    assert code == 0
    got = json.loads(out)
    assert got["power"][0]["power"] == pytest.approx(0.801459557922328, rel=1e-10)
    assert got["minimum_detectable_effect"]["effect_size"] == pytest.approx(0.49907, rel=1e-4)
    assert got["design"]["clusters_per_arm"] is None


def test_power_too_few_clusters_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["power", "--n-per-arm", "64", "--clusters-per-arm", "1"], capsys)
    assert code == 2
    assert out == ""
    assert "clusters_per_arm must be an integer >= 2" in err
