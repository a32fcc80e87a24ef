"""Figures: inspect the artists (lines, patches, collections, labels, limits), never pixels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stigma_analysis import evaluation as ev
from stigma_analysis import plots

COEFS = pd.DataFrame(
    {
        "term": ["intercept", "arm[intervention]", "age"],
        "estimate": [2.4, -0.3, 0.01],
        "ci_low": [2.2, -0.5, -0.02],
        "ci_high": [2.6, -0.1, 0.04],
    }
)


def _scores(n=120, seed=0):
    rng = np.random.default_rng(seed)
    ids = np.arange(n)
    arm = np.where(ids % 2 == 0, "intervention", "comparison")
    site = np.where(ids % 3 == 0, "north", "south")
    frames = [
        pd.DataFrame(
            {
                "rid": ids,
                "wave": w,
                "arm": arm,
                "site": site,
                "y": rng.normal(2.4, 0.5, n) - 0.3 * (w - 1) * (arm == "intervention"),
            }
        )
        for w in (1, 2, 3)
    ]
    return pd.concat(frames, ignore_index=True)


def test_forest_plot_artists_and_order():
    import matplotlib.pyplot as plt

    _fig, ax = plt.subplots()
    out = plots.forest_plot(COEFS, ax=ax)
    assert out is ax
    assert len(ax.collections) == 1  # the interval segments
    segments = ax.collections[0].get_segments()
    assert len(segments) == 3
    # first term at the top; tick labels are readable (underscores/brackets kept, readable text)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    ticks = ax.get_yticks()
    assert labels[int(np.argmax(ticks))] == "intercept"
    # marker line + reference line
    assert len(ax.lines) == 2
    ref = ax.lines[1]
    assert list(ref.get_xdata()) == [0.0, 0.0]
    assert ax.get_xlabel() == "Estimate (95% CI)"


def test_forest_plot_selects_terms_and_no_reference():
    ax = plots.forest_plot(COEFS, terms=["age", "arm[intervention]"], reference=None)
    assert len(ax.lines) == 1
    assert len(ax.collections[0].get_segments()) == 2
    assert {t.get_text() for t in ax.get_yticklabels()} == {"age", "arm[intervention]"}
    with pytest.raises(ValueError, match="not in coefficients"):
        plots.forest_plot(COEFS, terms=["wave"])
    with pytest.raises(ValueError, match="no column"):
        plots.forest_plot(COEFS.drop(columns="ci_low"))


def test_forest_plot_takes_arm_by_wave_coefficients():
    res = ev.arm_by_wave(_scores(), score="y", id="rid")
    ax = plots.forest_plot(res.coefficients, terms=list(res.coefficients["term"][1:]))
    assert len(ax.collections[0].get_segments()) == 5


def test_trajectory_plot_means_and_intervals():
    from scipy import stats

    data = _scores()
    ax = plots.trajectory_plot(data, score="y", group="arm")
    legend = ax.get_legend()
    assert legend.get_title().get_text() == "Arm"
    assert [t.get_text() for t in legend.get_texts()] == ["comparison", "intervention"]
    assert ax.get_xlabel() == "Wave"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3"]
    # one data line per group, means at the markers
    data_lines = [ln for ln in ax.lines if ln.get_linestyle() == "-"]
    assert len(data_lines) == 2
    expected = data[data["arm"] == "comparison"].groupby("wave")["y"].mean().to_numpy()
    np.testing.assert_allclose(np.asarray(data_lines[0].get_ydata(), float), expected)
    # error bar half-width = t * s / sqrt(n) for the comparison arm at wave 1
    part = data[(data["arm"] == "comparison") & (data["wave"] == 1)]["y"]
    half = stats.t.ppf(0.975, len(part) - 1) * part.std() / np.sqrt(len(part))
    bars = ax.collections[0].get_segments()[0]
    assert bars[1][1] - bars[0][1] == pytest.approx(2 * half)


def test_trajectory_plot_without_group():
    ax = plots.trajectory_plot(_scores(), score="y", group=None)
    assert ax.get_legend() is None
    assert len([ln for ln in ax.lines if ln.get_linestyle() == "-"]) == 1


def test_distribution_plot_cutoff_lines_and_labels():
    data = _scores()
    cut = [("not_elevated", 1.0), ("elevated", 2.5)]
    ax = plots.distribution_plot(data, score="y", cutoffs=cut)
    vlines = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert sorted(ln.get_xdata()[0] for ln in vlines) == [1.0, 2.5]
    assert [t.get_text().strip(" →") for t in ax.texts] == ["not elevated", "elevated"]
    assert len(ax.patches) > 5  # histogram bars
    assert ax.get_xlabel() == "y"


def test_distribution_plot_accepts_instrument_bands_and_groups():
    from stigma_analysis.instruments.model import Band

    bands = (Band(label="low", **{"from": 1.0}), Band(label="high", **{"from": 3.0}))
    ax = plots.distribution_plot(_scores(), score="y", cutoffs=bands, by="arm")
    assert [t.get_text().strip(" →") for t in ax.texts] == ["low", "high"]
    kde_lines = [ln for ln in ax.lines if ln.get_linestyle() != "--"]
    assert len(kde_lines) == 2  # one KDE per arm
    with pytest.raises(TypeError, match="cutoffs must be"):
        plots.distribution_plot(_scores(), score="y", cutoffs=[2.5])


def _classified():
    data = _scores(n=200, seed=3)
    return ev.reliable_change(
        data, score="y", id="rid", reliability=0.8, direction="lower_is_better", by=("site", "arm")
    )


def test_reliable_change_plot_band_and_points():
    classified = _classified()
    ax = plots.reliable_change_plot(classified)
    present = classified["category"].value_counts()
    present = present[present > 0]
    assert len(ax.collections) == len(present)
    assert len(ax.lines) == 3  # identity and two band limits
    threshold = classified["threshold"].iloc[0]
    x = ax.lines[1].get_xdata()
    np.testing.assert_allclose(ax.lines[1].get_ydata(), x + threshold)
    assert ax.get_xlim() == ax.get_ylim()
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("Reliably improved (n=") for t in texts)


def test_reliable_change_bar_stacks_to_100():
    counts = ev.reliable_change_counts(_classified(), by=("site", "arm"))
    ax = plots.reliable_change_bar(counts)
    assert len(ax.containers) == 3
    assert len(ax.patches) == 3 * len(counts)
    widths = np.array([[p.get_width() for p in c] for c in ax.containers]).sum(axis=0)
    np.testing.assert_allclose(widths, 100.0)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    first = counts.iloc[0]
    assert f"{first['site']} / {first['arm']} (n={first['n']})" in labels
    assert ax.get_xlim() == (0.0, 100.0)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Reliably improved", "No reliable change", "Reliably deteriorated"]


def test_reliable_change_bar_overall_row():
    counts = ev.reliable_change_counts(_classified(), by=())
    ax = plots.reliable_change_bar(counts)
    assert [t.get_text() for t in ax.get_yticklabels()] == [f"all (n={counts['n'].item()})"]


def test_plots_create_axes_when_none_given_and_never_show(monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() called"))
    for ax in (
        plots.forest_plot(COEFS),
        plots.trajectory_plot(_scores(), score="y"),
        plots.distribution_plot(_scores(), score="y", kde=False),
    ):
        assert ax.figure is not None
