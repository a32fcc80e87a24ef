"""Scoring: hand-scored respondents, psych::scoreItems on bfi, and invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from stigma_analysis.errors import DataValidationError
from stigma_analysis.instruments import Instrument, load_instrument
from stigma_analysis.scoring import ProvisionalInstrumentWarning, item_matrix, score

from .conftest import RESULTS, ROOT

ISMI = load_instrument("ismi29")


def _ismi_frame(rows: list[dict[int, float]]) -> pd.DataFrame:
    return pd.DataFrame([{f"ismi_{i}": r.get(i, np.nan) for i in range(1, 30)} for r in rows])


def test_ismi29_hand_scored_respondents() -> None:
    all4 = dict.fromkeys(range(1, 30), 4)
    all1 = dict.fromkeys(range(1, 30), 1)
    # 23 of 29 answered (all 3): total needs ceil(0.8*29) = 24 -> missing;
    # alienation (1,5,8,16,17,21) keeps 5 of 6 answered (>= 5) -> scored
    few = {i: 3 for i in range(1, 30) if i not in {1, 2, 3, 4, 6, 10}}
    # exactly at the cut-off: SR-excluded items all answered 2.5-on-average
    edge = {
        i: (2 if n % 2 else 3)
        for n, i in enumerate(ISMI.scale_items("total_excl_sr"), 0)
        for i in [int(i)]
    }
    edge.update(dict.fromkeys((7, 14, 24, 26, 27), 2))
    out = score(_ismi_frame([all4, all1, few, edge]), ISMI, columns="ismi_{item}", name="ismi")

    # all 4: 24 stigma items = 4; SR items reversed 4 -> 1; total = (24*4 + 5*1)/29
    assert out.loc[0, "ismi_total_excl_sr"] == 4.0
    assert out.loc[0, "ismi_stigma_resistance"] == 1.0
    assert out.loc[0, "ismi_total"] == pytest.approx((24 * 4 + 5 * 1) / 29, abs=1e-12)
    assert out.loc[0, "ismi_total_excl_sr_band"] == "elevated"
    # all 1: SR reversed to 4
    assert out.loc[1, "ismi_total_excl_sr"] == 1.0
    assert out.loc[1, "ismi_total"] == pytest.approx((24 * 1 + 5 * 4) / 29, abs=1e-12)
    assert out.loc[1, "ismi_total_excl_sr_band"] == "not_elevated"
    # too few answered
    assert out.loc[2, "ismi_total_n_answered"] == 23
    assert np.isnan(out.loc[2, "ismi_total"])
    assert pd.isna(out.loc[2, "ismi_total_excl_sr_band"])
    assert out.loc[2, "ismi_alienation"] == 3.0
    assert out.loc[2, "ismi_alienation_n_answered"] == 5
    assert np.isnan(out.loc[2, "ismi_stereotype_endorsement"])  # 5 of 7 < ceil(5.6) = 6
    # 12 twos and 12 threes = 2.5 exactly: the band's lower bound is inclusive
    assert out.loc[3, "ismi_total_excl_sr"] == 2.5
    assert out.loc[3, "ismi_total_excl_sr_band"] == "elevated"


def test_output_columns_follow_formats_md() -> None:
    out = score(
        _ismi_frame([dict.fromkeys(range(1, 30), 2)]), "ismi29", columns="ismi_{item}", name="ismi"
    )
    for scale in ISMI.scales:
        assert f"ismi_{scale}" in out.columns
        assert f"ismi_{scale}_n_answered" in out.columns
    assert "ismi_total_excl_sr_band" in out.columns
    assert "ismi_total_band" not in out.columns
    assert out["ismi_total_excl_sr_band"].cat.ordered


def test_prorated_sum() -> None:
    # rses10: sum scoring, 8 of 10 needed; reverse 2,5,6,8,9 on 1-4
    rses = load_instrument("rses10")
    full = {f"rses_{i}": 3 for i in range(1, 11)}
    part = dict(full, rses_1=np.nan, rses_3=np.nan)  # 8 answered
    too_few = dict(part, rses_4=np.nan)  # 7 answered
    out = score(pd.DataFrame([full, part, too_few]), rses, columns="rses_{item}")
    # items 1,3,4,7,10 = 3; reversed items 2,5,6,8,9 -> 5 - 3 = 2; sum = 5*3 + 5*2 = 25
    assert out["rses10_total"].iloc[0] == 25
    # answered: 4,7,10 (3 each) + five reversed (2 each) = 19 over 8 items -> x10 = 23.75
    assert out["rses10_total"].iloc[1] == pytest.approx(23.75)
    assert np.isnan(out["rses10_total"].iloc[2])


def test_provisional_instrument_warns() -> None:
    df = pd.DataFrame({f"eds_{i}": [1] for i in range(1, 10)})
    with pytest.warns(ProvisionalInstrumentWarning, match="eds9 is provisional"):
        out = score(df, "eds9", columns="eds_{item}")
    assert out["eds9_total"].iloc[0] == 9


BFI_KEYS = {
    "agree": ["-A1", "A2", "A3", "A4", "A5"],
    "conscientious": ["C1", "C2", "C3", "-C4", "-C5"],
    "extraversion": ["-E1", "-E2", "E3", "E4", "E5"],
    "neuroticism": ["N1", "N2", "N3", "N4", "N5"],
    "openness": ["O1", "-O2", "O3", "O4", "-O5"],
}


def _bfi_instrument() -> Instrument:
    items = [k.lstrip("-") for keys in BFI_KEYS.values() for k in keys]
    return Instrument.from_dict(
        {
            "id": "bfi",
            "name": "bfi (psych)",
            "status": "validated",
            "direction": "lower_is_better",
            "response": {"min": 1, "max": 6},
            "items": items,
            "reverse": [k[1:] for keys in BFI_KEYS.values() for k in keys if k.startswith("-")],
            "min_answered": 1,  # any one item, as scoreItems(impute = "none")
            "scales": {s: [k.lstrip("-") for k in keys] for s, keys in BFI_KEYS.items()},
        }
    )


def test_scores_equal_psych_scoreitems_on_bfi() -> None:
    """Reference: tests/results/psych_reliability.R, scoreItems(keys, bfi, impute = "none")$scores."""
    bfi = pd.read_csv(ROOT / "tests" / "data" / "bfi.csv")
    ref = pd.read_csv(RESULTS / "psych_scores.csv")
    out = score(bfi, _bfi_instrument(), columns="{item}", name="bfi")
    for scale in BFI_KEYS:
        # closed form: rtol 1e-10 (psych writes CSV with 15 significant digits)
        np.testing.assert_allclose(out[f"bfi_{scale}"], ref[scale], rtol=1e-10, equal_nan=True)


def test_item_matrix_rejects_absent_columns() -> None:
    with pytest.raises(ValueError, match="not in the data"):
        item_matrix(pd.DataFrame({"x": [1]}), ISMI, ISMI.columns("ismi_{item}"))


def test_score_api_arguments() -> None:
    with pytest.raises(TypeError, match="instrument is required"):
        score(pd.DataFrame())
    with pytest.raises(TypeError, match="Study or a pandas DataFrame"):
        score([1, 2, 3])  # type: ignore[arg-type]


likert = hnp.arrays(
    float,
    st.tuples(st.integers(1, 40), st.just(29)),
    elements=st.one_of(st.sampled_from([1.0, 2.0, 3.0, 4.0]), st.just(np.nan)),
)


@settings(max_examples=60, deadline=None)
@given(likert, st.randoms(use_true_random=False))
def test_scores_within_range_and_row_order_irrelevant(X: np.ndarray, rnd) -> None:
    df = pd.DataFrame(X, columns=[f"ismi_{i}" for i in range(1, 30)])
    out = score(df, ISMI, columns="ismi_{item}", name="ismi")
    values = out[[f"ismi_{s}" for s in ISMI.scales]].to_numpy()
    assert np.all(np.isnan(values) | ((values >= 1) & (values <= 4)))
    perm = list(range(len(df)))
    rnd.shuffle(perm)
    out2 = score(df.iloc[perm], ISMI, columns="ismi_{item}", name="ismi")
    pd.testing.assert_frame_equal(out2.loc[out.index], out)


@settings(max_examples=40, deadline=None)
@given(likert)
def test_reversing_twice_is_identity(X: np.ndarray) -> None:
    df = pd.DataFrame(X, columns=[f"ismi_{i}" for i in range(1, 30)])
    once = item_matrix(df, ISMI, ISMI.columns("ismi_{item}"))
    raw = item_matrix(df, ISMI, ISMI.columns("ismi_{item}"), reverse=False)
    rev = [ISMI.items.index(i) for i in ISMI.reverse]
    twice = once.copy()
    twice[:, rev] = 5 - twice[:, rev]
    np.testing.assert_array_equal(twice, raw)


def test_dataframe_answers_out_of_range_are_refused_or_masked() -> None:
    df = pd.DataFrame({"q1": [1, 97, 2], "q2": [2, 2, "3 - often"], "q3": [3, 3, 1]})
    with pytest.raises(DataValidationError, match="ucla3: answers outside 1-3") as info:
        score(df, "ucla3", columns="q{item}")
    cases = info.value.failure_cases
    assert list(zip(cases["row"], cases["column"], strict=True)) == [(1, "q1"), (2, "q2")]
    with pytest.warns(UserWarning, match="2 invalid answers to ucla3 were treated as missing"):
        out = score(df, "ucla3", columns="q{item}", on_invalid="missing")
    assert out["ucla3_total"].tolist()[0] == 6.0
    assert np.isnan(out["ucla3_total"].tolist()[1])  # all 3 items needed
