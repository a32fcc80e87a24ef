"""Participant flow diagram (issue 17): counts from the data equal the attrition table, small
boxes are hidden with a partner so that no box can be recovered by subtraction; and the
dot-and-interval plot of change by site and arm."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import stigma_analysis as sa
from stigma_analysis.evaluation import attrition, pre_post
from stigma_analysis.plots import change_dot_plot
from stigma_analysis.privacy import DisclosurePolicy
from stigma_analysis.report import participant_flow
from stigma_analysis.report._flow import ALL, flow_counts
from tests.conftest import EXAMPLE_STUDY


@pytest.fixture(scope="module")
def example() -> sa.Study:
    return sa.load_study(EXAMPLE_STUDY)


def _texts(fig: plt.Figure) -> str:
    return "\n".join(t.get_text() for ax in fig.axes for t in ax.texts)


def test_counts_equal_the_attrition_table(example: sa.Study) -> None:
    flow = participant_flow(example)
    retention = attrition(
        example.data, id=example.id, wave=example.wave, baseline=example.waves[0], by="arm"
    ).retention
    shown = flow.table.set_index(["arm", "wave", "box"])["n"]
    for row in retention.itertuples(index=False):
        box = "enrolled" if row.wave == 1 else "seen"
        assert shown[(row.arm, row.wave, box)] == str(row.n_present)
        if row.wave != 1:
            assert shown[(row.arm, row.wave, "not seen")] == str(row.n_baseline - row.n_present)
    total = retention.groupby("wave")["n_present"].sum()
    for wave, n in total.items():
        assert shown[(ALL, wave, "enrolled" if wave == 1 else "seen")] == str(n)
    text = _texts(flow.figure)
    assert "n = 600" in text
    assert "and visit 3, n = 422" in text
    plt.close(flow.figure)


def _study(data: pd.DataFrame, min_cell: int = 5) -> SimpleNamespace:
    return SimpleNamespace(
        data=data,
        id="pid",
        wave="wave",
        spec=SimpleNamespace(groups=["site", "arm"], design=SimpleNamespace(arm="arm")),
        value_labels=lambda col: {},
        disclosure_policy=lambda: DisclosurePolicy(min_cell=min_cell, id_columns=("pid",)),
    )


def _long(arms: dict[str, tuple[int, ...]]) -> pd.DataFrame:
    """``{"A": (40, 37, 30)}``: 40 enrolled, the first 37 seen at wave 2, the first 30 at 3."""
    rows = []
    pid = 0
    for arm, seen in arms.items():
        for person in range(seen[0]):
            pid += 1
            for wave, n in enumerate(seen, start=1):
                if person < n:
                    rows.append({"pid": pid, "wave": wave, "arm": arm, "site": 1})
    return pd.DataFrame(rows)


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _check_no_box_recoverable(table: pd.DataFrame) -> None:
    """Every additive relation (enrolled = seen + not seen per arm; arms add up to "all")
    has either none or at least two hidden terms."""
    shown = table.set_index(["arm", "wave", "box"])["n"]
    waves = sorted(table["wave"].unique())
    arms = [a for a in table["arm"].unique() if a != ALL]
    for w in waves[1:]:
        for a in [*arms, ALL]:
            terms = [
                shown[(a, waves[0], "enrolled")],
                shown[(a, w, "seen")],
                shown[(a, w, "not seen")],
            ]
            assert sum(_number(t) is None for t in terms) != 1, (a, w, terms)
        for box in ("seen", "not seen"):
            terms = [shown[(a, w, box)] for a in [*arms, ALL]]
            assert sum(_number(t) is None for t in terms) != 1, (w, box, terms)
    terms = [shown[(a, waves[0], "enrolled")] for a in [*arms, ALL]]
    assert sum(_number(t) is None for t in terms) != 1


def test_small_boxes_are_hidden_with_a_partner() -> None:
    data = _long({"A": (40, 37, 30), "B": (30, 28, 20), "C": (25, 20, 22)})
    raw = flow_counts(data, id="pid", wave="wave", arm="arm").set_index(["arm", "wave"])
    assert raw.loc[("A", 2), "not seen"] == 3
    flow = participant_flow(_study(data))
    shown = flow.table.set_index(["arm", "wave", "box"])["n"]
    assert shown[("A", 2, "not seen")] == "<5"
    assert shown[("A", 2, "seen")] == "[c]"  # else 40 - 37 gives the hidden 3 back
    _check_no_box_recoverable(flow.table)
    # what is shown is the true count
    for (arm, wave, box), text in shown.items():
        if text.isdigit():
            column = "enrolled" if box == "enrolled" else box
            assert int(text) == raw.loc[(arm, wave), column]
    assert "visit 2: <5" in _texts(flow.figure)
    assert "visit 2: 3\n" not in _texts(flow.figure) + "\n"
    plt.close(flow.figure)


def test_a_small_arm_is_hidden_whole() -> None:
    data = _long({"A": (40, 35, 30), "B": (3, 3, 2), "C": (30, 25, 20)})
    flow = participant_flow(_study(data))
    shown = flow.table.set_index(["arm", "wave", "box"])["n"]
    assert shown[("B", 1, "enrolled")] == "<5"
    assert all(not shown[("B", w, b)].isdigit() for w in (2, 3) for b in ("seen", "not seen"))
    _check_no_box_recoverable(flow.table)
    plt.close(flow.figure)


def test_change_dot_plot_draws_each_site_and_arm(example: sa.Study) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # provisional instruments
        scores = sa.score(example)
    table = pre_post(
        scores,
        score="ismi_total",
        id=example.id,
        wave=example.wave,
        pre=1,
        post=3,
        by=["site", "arm"],
    )
    ax = change_dot_plot(table, labels={"site": {1: "Phnom Penh"}}, min_cell=5)
    lines = [line for line in ax.get_lines() if line.get_linestyle() == "None"]
    assert len(lines) == table["arm"].nunique()
    dots = np.concatenate([line.get_xdata() for line in lines])
    assert np.allclose(np.sort(dots), np.sort(table["mean_change"].to_numpy()))
    assert ax.get_yticklabels()[0].get_text() == "Phnom Penh"
    assert len(ax.collections) == table["arm"].nunique()  # one interval collection per arm
    small = table.assign(n=np.where(np.arange(len(table)) == 0, 3, table["n"]))
    ax2 = change_dot_plot(small, min_cell=5)
    dots2 = np.concatenate(
        [line.get_xdata() for line in ax2.get_lines() if line.get_linestyle() == "None"]
    )
    assert len(dots2) == len(table) - 1
    plt.close("all")
