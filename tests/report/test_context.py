"""``stigma_analysis.report.context``: the state both report documents share."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from stigma_analysis import report
from tests.report.small_studies import pallant_study, programme_study


def _context(study: Path, **params: object) -> report.ReportContext:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # provisional-instrument notices
        return report.context(study, params)


@pytest.fixture(scope="module")
def programme(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return programme_study(tmp_path_factory.mktemp("p") / "study")


def test_seed_is_the_study_seed_unless_given(tmp_path: Path) -> None:
    study = pallant_study(tmp_path / "s")  # seed: 4242
    assert _context(study).seed == 4242
    assert _context(study, seed=None).seed == 4242
    assert _context(study, seed=7).seed == 7


def test_design_comes_from_the_study_file(programme: Path) -> None:
    ctx = _context(programme)
    assert (ctx.arm, ctx.site, ctx.reference_arm) == ("programme", "district", "comparison")
    assert ctx.programme_arms == ["programme"]
    assert ctx.arm_name("comparison") == "comparison"
    assert ctx.group_words([ctx.site, ctx.arm]) == "district and programme"
    assert ctx.group_words([None, ctx.arm]) == "programme"


def test_seen_at_both_keeps_only_people_at_the_first_and_last_wave(programme: Path) -> None:
    ctx = _context(programme)
    both = ctx.seen_at_both()
    per_person = both.groupby(ctx.id)[ctx.wave].nunique()
    assert (per_person == 2).all()
    at_2 = set(ctx.scores.loc[ctx.scores[ctx.wave] == 2, ctx.id])
    assert set(both[ctx.id]) == at_2  # everyone at wave 2 was at wave 1
    assert len(both) == 2 * len(at_2) < len(ctx.scores) + len(at_2)


def test_heading_names_direction_and_avoids_repeating_the_name(programme: Path) -> None:
    ctx = _context(programme)
    (b,) = ctx.instruments
    assert ctx.heading(b) == "**Depression symptoms** (lower is better)"
