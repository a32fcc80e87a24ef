"""Every evaluation estimator given weights uses them or refuses, never silently ignores them."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from stigma_analysis import evaluation as ev


def _long(seed=5, n=40):
    rng = np.random.default_rng(seed)
    ids = np.arange(n)
    arm = np.where(ids % 2 == 0, "intervention", "comparison")
    w = rng.uniform(0.5, 3.0, n).round(3)
    pre = rng.normal(2.5, 0.5, n)
    post = pre - 0.2 * (arm == "intervention") + rng.normal(0, 0.3, n)
    frames = [
        pd.DataFrame({"rid": ids, "wave": t, "arm": arm, "w": w, "s": y})
        for t, y in ((1, pre), (2, post))
    ]
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize(
    ("function", "kwargs"),
    [
        (ev.pre_post, {"score": "s", "id": "rid"}),
        (
            ev.reliable_change,
            {"score": "s", "id": "rid", "reliability": 0.8, "direction": "lower_is_better"},
        ),
        (ev.arm_by_wave, {"score": "s", "id": "rid"}),
    ],
    ids=["pre_post", "reliable_change", "arm_by_wave"],
)
def test_estimators_without_a_weighted_form_refuse(function, kwargs):
    data = _long()
    with pytest.raises(ValueError, match=r"cannot use sampling weights \(weights='w'\)"):
        function(data, weights="w", **kwargs)
    function(data, weights=None, **kwargs)  # None is the default and fine


def test_threshold_attainment_uses_weights():
    data = _long()
    plain = ev.threshold_attainment(data, score="s", cutoff=2.5, direction="at_or_above")
    ones = ev.threshold_attainment(
        data.assign(one=1.0), score="s", cutoff=2.5, direction="at_or_above", weights="one"
    )
    # equal weights: the unweighted result exactly (Kish n_eff = n)
    pd.testing.assert_frame_equal(plain, ones, rtol=1e-12)
    weighted = ev.threshold_attainment(
        data, score="s", cutoff=2.5, direction="at_or_above", weights="w"
    )
    # by hand: weighted share, Wilson interval at Kish's effective n
    first = data.loc[data["wave"] == 1]
    w, meets = first["w"].to_numpy(), (first["s"] >= 2.5).to_numpy()
    share = w[meets].sum() / w.sum()
    n_eff = w.sum() ** 2 / (w**2).sum()
    z = 1.959963984540054
    centre = (share + z**2 / (2 * n_eff)) / (1 + z**2 / n_eff)
    half = z * math.sqrt(share * (1 - share) / n_eff + z**2 / (4 * n_eff**2)) / (1 + z**2 / n_eff)
    row = weighted.iloc[0]
    assert row["share"] == pytest.approx(share, rel=1e-12)
    assert row["ci_low"] == pytest.approx(centre - half, rel=1e-12)
    assert row["ci_high"] == pytest.approx(centre + half, rel=1e-12)
    assert row["share"] != pytest.approx(plain.iloc[0]["share"])
    assert (row["n"], row["k"]) == (plain.iloc[0]["n"], plain.iloc[0]["k"])


def test_threshold_attainment_rejects_negative_weights():
    data = _long().assign(w=-1.0)
    with pytest.raises(ValueError, match="weights column 'w' must be non-negative"):
        ev.threshold_attainment(data, score="s", cutoff=2.5, direction="below", weights="w")
