"""Short forms and plots."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stigma_analysis.irt import (
    dif_lr,
    plot_dif,
    plot_icc,
    plot_information,
    short_form,
)

from .conftest import simulate_grm


@pytest.fixture(scope="module")
def long_form() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    a = np.array([1.8, 1.6, 1.4, 1.2, 1.0, 0.8, 0.7, 0.6])
    d = np.tile([2.0, 0.0, -2.0], (8, 1)) + rng.normal(0, 0.3, (8, 1))
    data, _ = simulate_grm(a, d, 1500, rng=rng)
    return data


def test_short_form_summaries(long_form):
    res = short_form(long_form, short_items=["i1", "i2", "i3"])
    info = res.information
    # the share is the ratio of areas under the two test information curves
    grid = info.index.to_numpy()
    area = lambda y: float(np.sum((y[1:] + y[:-1]) / 2 * np.diff(grid)))  # noqa: E731
    assert res.information_share == pytest.approx(
        area(info["short"].to_numpy()) / area(info["long"].to_numpy())
    )
    assert 0 < res.information_share < 1
    assert np.allclose(info["short"], res.fit.information(grid)[["i1", "i2", "i3"]].sum(axis=1))
    assert res.reliability_short < res.reliability_long
    assert res.reliability_long == pytest.approx(res.fit.marginal_reliability)
    assert 0.8 < res.correlation < 1
    frame = res.to_frame()
    assert frame["form"].tolist() == ["long", "short"]
    assert frame["n_items"].tolist() == [8, 3]


def test_most_informative_items_keep_more(long_form):
    fit = short_form(long_form, short_items=["i1"]).fit
    strong = short_form(long_form, short_items=["i1", "i2", "i3"], fit=fit)
    weak = short_form(long_form, short_items=["i6", "i7", "i8"], fit=fit)
    assert strong.information_share > weak.information_share
    assert strong.correlation > weak.correlation
    assert strong.empirical_reliability_short > weak.empirical_reliability_short


def test_short_form_rejects_unknown_items(long_form):
    with pytest.raises(ValueError, match="not among"):
        short_form(long_form, short_items=["zz"])
    with pytest.raises(ValueError, match="at least one"):
        short_form(long_form, short_items=[])


def test_plot_icc_draws_one_curve_per_category(science_fit):
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    out = plot_icc(science_fit, "Work", ax=ax)
    assert out is ax
    lines = ax.get_lines()
    assert len(lines) == 4
    assert [ln.get_label() for ln in lines] == ["1", "2", "3", "4"]
    total = sum(ln.get_ydata() for ln in lines)
    assert np.allclose(total, 1.0)
    assert ax.get_title() == "Item Work"
    ax2 = plot_icc(science_fit, 0, expected=True)
    (line,) = ax2.get_lines()
    assert 1 <= line.get_ydata().min() < line.get_ydata().max() <= 4


def test_plot_information_lines(science_fit):
    ax = plot_information(science_fit, theta=np.linspace(-3, 3, 31))
    labels = [ln.get_label() for ln in ax.get_lines()]
    assert labels == ["Comfort", "Work", "Future", "Benefit", "test"]
    test_line = ax.get_lines()[-1]
    assert np.allclose(test_line.get_ydata(), sum(ln.get_ydata() for ln in ax.get_lines()[:-1]))


def test_plot_dif_by_group():
    rng = np.random.default_rng(5)
    a = np.array([1.5, 1.2, 1.0, 1.3, 1.1])
    d = np.tile([1.5, 0.0, -1.5], (5, 1))
    g1, _ = simulate_grm(a, d, 400, rng=rng)
    d2 = d.copy()
    d2[0] += 1.0
    g2, _ = simulate_grm(a, d2, 400, rng=rng)
    data = pd.concat([g1.assign(site="A"), g2.assign(site="B")], ignore_index=True)
    res = dif_lr(data, "site", anchors=["i2", "i3", "i4", "i5"])
    ax = plot_dif(res, "i1")
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == ["A", "B"]
    # group B's item is easier: its expected category is higher in the middle of the scale
    mid = np.abs(lines[0].get_xdata()) <= 1
    assert np.all(lines[1].get_ydata()[mid] > lines[0].get_ydata()[mid] + 0.2)
    assert ax.get_title().startswith("i1: χ²(4)")
    with pytest.raises(ValueError, match="not tested"):
        plot_dif(res, "i2")
