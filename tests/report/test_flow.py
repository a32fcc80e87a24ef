"""Participant flow diagram (issue 17): counts from the data equal the attrition table, small
boxes are hidden with a partner so that no box can be recovered by subtraction; and the
dot-and-interval plot of change by site and arm."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import stigma_analysis as sa
from stigma_analysis.evaluation import attrition, pre_post
from stigma_analysis.plots import change_dot_plot
from stigma_analysis.privacy import DisclosurePolicy
from stigma_analysis.report import FlowDiagram, ReportContext, context, participant_flow
from stigma_analysis.report._flow import ALL, flow_counts
from tests.conftest import EXAMPLE_STUDY
from tests.privacy._studies import small_cell_example
from tests.report._rendered import programme_files, read_html
from tests.report.test_pdf import _alts as _pdf_alts

__all__ = ["programme_files"]  # the session fixture, imported for pytest


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


# ----------------------------------------------------------------------------- any study's shape
def test_no_arm_declared_draws_one_column() -> None:
    data = _long({"A": (40, 37, 30), "B": (30, 28, 20)})
    study = _study(data)
    study.spec.design.arm = None
    flow = participant_flow(study)
    assert set(flow.table["arm"]) == {ALL}
    shown = flow.table.set_index(["arm", "wave", "box"])["n"]
    assert shown[(ALL, 1, "enrolled")] == "70"
    assert shown[(ALL, 3, "seen")] == "50"
    assert "All participants" in _texts(flow.figure)
    assert flow.text == (
        "All participants: enrolled at visit 1: 70; seen again at visit 2: 65 (not seen: 5); "
        "analysed, seen again at visit 3: 50 (not seen: 20)."
    )
    plt.close(flow.figure)


def test_one_wave_has_the_enrolled_boxes_only() -> None:
    data = _long({"A": (40,), "B": (30,)})
    flow = participant_flow(_study(data))
    assert set(flow.table["box"]) == {"enrolled"}
    assert flow.text.startswith("A: enrolled at visit 1: 40.")
    assert list(flow.retention["reached"]) == [70]
    plt.close(flow.figure)


def test_small_boxes_are_hidden_in_the_text_and_the_retention_table() -> None:
    # 2 of arm A's 40 never come back; 3 people in all are seen at the last wave
    data = _long({"A": (40, 38, 2), "B": (30, 28, 1), "C": (25, 20, 0)})
    flow = participant_flow(_study(data))
    shown = flow.table.set_index(["arm", "wave", "box"])["n"]
    assert shown[("A", 2, "not seen")] == "<5"
    assert "seen again at visit 2: [c] (not seen: <5)" in flow.text
    assert shown[(ALL, 3, "seen")] == "<5"
    assert "analysed, seen again at visit 3: <5" in flow.text
    retention = flow.retention.set_index("visit")
    assert retention.loc[3, "reached_from_first_visit"] == "<5"
    assert retention.loc[3, "percent_of_first_visit"] == "[c]"  # 3/95 would give it back
    numbers = re.findall(r"(?<![<\d])\d+", re.sub(r"visit \d+", "", flow.text))
    assert numbers
    assert all(int(n) == 0 or int(n) >= 5 for n in numbers), numbers
    _check_no_box_recoverable(flow.table)
    plt.close(flow.figure)


# ----------------------------------------------------------------------------- in the NGO report
@pytest.fixture(scope="module")
def small_cells(tmp_path_factory: pytest.TempPathFactory) -> sa.Study:
    return sa.load_study(small_cell_example(tmp_path_factory.mktemp("flow_small_cells")))


def _report_flow(study: sa.Study) -> tuple[FlowDiagram, ReportContext]:
    """The flow as the programme-evaluation document builds it (cell ``fig-flow``)."""
    ctx = context(study)
    flow = participant_flow(ctx.study, arm=ctx.arm, labels=ctx.arm_label, wave_label="visit")
    plt.close(flow.figure)
    return flow, ctx


def test_report_flow_leaves_the_withheld_arm_out_and_hides_nothing_small(
    small_cells: sa.Study,
) -> None:
    # the small-cell study: a 3-person "Pilot" arm (1 person at visits 2 and 3), two small sites
    raw = flow_counts(small_cells.data, id=small_cells.id, wave=small_cells.wave, arm="arm")
    assert raw.loc[raw["arm"] == 3, "seen"].tolist() == [3, 1, 1]
    flow, ctx = _report_flow(small_cells)
    assert ctx.small_groups is not None
    assert ctx.small_groups.withheld["arm"] == [3]
    assert set(flow.table["arm"]) == {1.0, 2.0, ALL}
    assert "Pilot" not in flow.text
    assert "Pilot" not in _texts(flow.figure)
    shown = [int(n) for n in flow.table["n"] if n.isdigit()]
    assert all(n == 0 or n >= ctx.min_cell for n in shown)
    # the total enrolled counts nobody of the withheld groups
    enrolled = flow.table.set_index(["arm", "wave", "box"])["n"][(ALL, 1, "enrolled")]
    assert (
        int(enrolled) == ctx.policy.n_respondents == small_cells.data[small_cells.id].nunique() - 12
    )


@pytest.mark.parametrize("which", ["example", "small_cells"])
def test_report_flow_counts_equal_the_attrition_table(small_cells: sa.Study, which: str) -> None:
    study = sa.load_study(EXAMPLE_STUDY) if which == "example" else small_cells
    flow, ctx = _report_flow(study)
    shown = flow.table.set_index(["arm", "wave", "box"])["n"]
    retention = flow.retention.set_index("visit")
    api = attrition(ctx.study).retention.set_index("wave")
    for w in ctx.waves:
        box = "enrolled" if w == ctx.first else "seen"
        assert shown[(ALL, w, box)] == str(retention.loc[w, "reached_from_first_visit"])
        assert str(retention.loc[w, "reached_from_first_visit"]) == str(api.loc[w, "n_present"])
        by_arm = [int(shown[(a, w, box)]) for a in flow.table["arm"].unique() if a != ALL]
        assert sum(by_arm) == int(shown[(ALL, w, box)])


def test_rendered_report_shows_the_flow_in_every_format(programme_files: dict[str, Path]) -> None:
    """The diagram and its counts in the rendered programme report (HTML, Word, PDF): the
    counts in the text equal the attrition table's, the picture keeps its alt text."""
    import docx
    import pypdf

    page = read_html(programme_files["html"])
    text = re.sub(r"\s+", " ", "".join(page.text))
    flow_alt = [a for a in page.alts if a.startswith("Flow diagram")]
    assert len(flow_alt) == 1
    found = re.search(r"All participants: enrolled at visit 1: (\S+); (.*?)\.( |$)", text)
    assert found, "the flow's counts in words"
    in_text = [found.group(1), *re.findall(r"at visit \d: (\S+) \(not seen", found.group(2))]
    table = next(t for t in page.tables if t[0][:3] == ["visit", "reached", "also at first visit"])
    assert in_text == [row[2] for row in table[1:]] == ["600", "510", "422"]
    document = docx.Document(str(programme_files["docx"]))
    descriptions = [s._inline.docPr.get("descr") for s in document.inline_shapes]
    assert flow_alt[0] in descriptions
    assert "All participants: enrolled at visit 1: 600" in "\n".join(
        p.text for p in document.paragraphs
    )
    reader = pypdf.PdfReader(str(programme_files["pdf"]))
    assert flow_alt[0] in _pdf_alts(reader.trailer["/Root"]["/StructTreeRoot"])
    pdf_text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    assert "All participants: enrolled at visit 1: 600" in pdf_text
