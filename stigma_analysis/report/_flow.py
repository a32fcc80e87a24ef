"""A CONSORT-style participant flow diagram built from the data, through the privacy gate.

Boxes, per arm: enrolled (present at the first wave), then at each later wave the people
seen again and those not seen (enrolled = seen + not seen), the last wave being the people
analysed (seen at the first and the last wave). An "all" column adds the arms up.

Every count passes the study's disclosure policy. Each wave is one table (arms x {seen, not
seen}) whose row sums (enrolled) and column sums (all arms) are published, so a box below
``min_cell`` is hidden with partners (complementary suppression, ``totals="both"``): no
hidden box can be recovered by subtracting the others. When an arm's enrolled count is
hidden, so is every box of that arm (seen + not seen would give it back).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from stigma_analysis.privacy import DisclosurePolicy

__all__ = ["FlowDiagram", "flow_counts", "participant_flow"]

ALL = "all"


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowDiagram:
    """``figure`` (matplotlib) and ``table``: the disclosed counts (text; hidden as ``<5``
    or ``[c]``), one row per box: ``arm, wave, box, n`` with ``box`` in ``enrolled``,
    ``seen``, ``not seen``."""

    figure: Figure
    table: pd.DataFrame


def flow_counts(data: pd.DataFrame, *, id: str, wave: str, arm: str) -> pd.DataFrame:
    """Raw (undisclosed) flow counts: ``arm, wave, enrolled, seen, not seen``.

    ``enrolled`` is the people present at the first wave (their arm from that row); ``seen``
    those of them present at the wave. An ``"all"`` arm adds the arms up.
    """
    import pandas as pd

    for col in (id, wave, arm):
        if col not in data.columns:
            raise KeyError(f"column {col!r} not in the data (flow diagram)")
    waves = sorted(pd.unique(data[wave].dropna()))
    if not waves:
        raise ValueError(f"column {wave!r} has no values; cannot draw the participant flow")
    base = data.loc[data[wave] == waves[0], [id, arm]].drop_duplicates(id)
    present = data.loc[data[id].isin(base[id]), [id, wave]].drop_duplicates()
    merged = present.merge(base, on=id, how="left")
    seen = pd.crosstab(merged[arm], merged[wave])  # one row per person and wave: a count
    seen = seen.reindex(columns=waves, fill_value=0)
    seen.loc[ALL] = seen.sum(axis=0)
    rows = []
    for a in seen.index:
        enrolled = int(seen.loc[a, waves[0]])
        for w in waves:
            n = int(seen.loc[a, w])
            rows.append(
                {"arm": a, "wave": w, "enrolled": enrolled, "seen": n, "not seen": enrolled - n}
            )
    return pd.DataFrame(rows)


def _disclose_counts(counts: pd.DataFrame, policy: DisclosurePolicy) -> pd.DataFrame:
    """``arm, wave, box, n`` with ``n`` as shown (text)."""
    import pandas as pd

    waves = list(dict.fromkeys(counts["wave"]))
    arms = [a for a in dict.fromkeys(counts["arm"]) if a != ALL]
    first = counts.loc[counts["wave"] == waves[0]].set_index("arm")
    # Enrolled by arm; their total (the "all" box) is published, so the column sum is known.
    enrolled = policy.disclose(
        first.loc[arms, ["enrolled"]].rename_axis("arm"),
        count_columns=["enrolled"],
        totals="columns",
    )
    total_enrolled = policy.disclose(
        first.loc[[ALL], ["enrolled"]].rename_axis("arm"), count_columns=["enrolled"], totals="none"
    )
    shown: dict[tuple[Hashable, Any, str], str] = {}
    for a in arms:
        shown[(a, waves[0], "enrolled")] = str(enrolled.loc[a, "enrolled"])
    shown[(ALL, waves[0], "enrolled")] = str(total_enrolled.loc[ALL, "enrolled"])
    hidden_arms = {a for a in arms if not str(enrolled.loc[a, "enrolled"]).isdigit()}
    for w in waves[1:]:
        at = counts.loc[counts["wave"] == w].set_index("arm")
        table = policy.disclose(
            at.loc[arms, ["seen", "not seen"]].rename_axis("arm"),
            count_columns=["seen", "not seen"],
            totals="both",
        )
        totals = policy.disclose(
            at.loc[[ALL], ["seen", "not seen"]].rename_axis("arm"),
            count_columns=["seen", "not seen"],
            totals="rows",
        )
        for a in arms:
            for box in ("seen", "not seen"):
                value = str(table.loc[a, box])
                if a in hidden_arms and value.isdigit():
                    value = "[c]"
                shown[(a, w, box)] = value
        for box in ("seen", "not seen"):
            shown[(ALL, w, box)] = str(totals.loc[ALL, box])
    rows = [{"arm": a, "wave": w, "box": box, "n": n} for (a, w, box), n in shown.items()]
    return pd.DataFrame(rows)


def _draw(
    table: pd.DataFrame,
    *,
    labels: Mapping[Hashable, str],
    wave_label: str,
    min_cell: int,
) -> Figure:
    import matplotlib.pyplot as plt

    arms = list(dict.fromkeys(table["arm"]))
    waves = list(dict.fromkeys(table["wave"]))
    value = {(r["arm"], r["wave"], r["box"]): str(r["n"]) for r in table.to_dict("records")}
    n_rows = len(waves)
    fig, ax = plt.subplots(figsize=(2.6 * len(arms) + 0.6, 1.25 * n_rows + 0.6))
    ax.set_xlim(0, len(arms))
    ax.set_ylim(-n_rows + 0.2, 0.8)
    ax.axis("off")
    box_style = {"boxstyle": "round,pad=0.35", "facecolor": "white", "edgecolor": "0.3"}
    side_style = {"boxstyle": "round,pad=0.3", "facecolor": "0.94", "edgecolor": "0.6"}
    for i, a in enumerate(arms):
        x = i + 0.5
        name = "All participants" if a == ALL else labels.get(a, str(a))
        ax.text(x, 0.55, name, ha="center", va="bottom", fontsize=9)
        for k, w in enumerate(waves):
            y = -k
            if k == 0:
                text = f"Enrolled ({wave_label} {w})\nn = {value[(a, w, 'enrolled')]}"
            elif k == len(waves) - 1:
                text = f"Analysed: seen at {wave_label} {waves[0]}\nand {wave_label} {w}, n = {value[(a, w, 'seen')]}"
            else:
                text = f"Seen at {wave_label} {w}\nn = {value[(a, w, 'seen')]}"
            ax.text(x - 0.12, y, text, ha="center", va="center", fontsize=7.5, bbox=box_style)
            if k:
                ax.annotate(
                    "",
                    xy=(x - 0.12, y + 0.22),
                    xytext=(x - 0.12, y + 0.78),
                    arrowprops={"arrowstyle": "->", "color": "0.3"},
                )
                lost = f"Not seen at\n{wave_label} {w}: {value[(a, w, 'not seen')]}"
                ax.text(
                    x + 0.3, y + 0.5, lost, ha="center", va="center", fontsize=6.5, bbox=side_style
                )
    ax.text(
        0,
        -n_rows + 0.25,
        f"Counts below {min_cell} are hidden (<{min_cell}); [c] hides a count that would "
        "reveal one by subtraction.",
        fontsize=6.5,
        color="0.35",
        ha="left",
        va="bottom",
    )
    fig.tight_layout()
    return fig


def participant_flow(
    study: Any,
    *,
    arm: str | None = None,
    labels: Mapping[Hashable, str] | None = None,
    wave_label: str = "visit",
    policy: DisclosurePolicy | None = None,
) -> FlowDiagram:
    """CONSORT-style flow of participants (enrolled → seen at each wave → analysed), by arm.

    Parameters
    ----------
    study : Study
        A loaded study (``stigma_analysis.load_study``): its long data, id and wave columns.
    arm : str, optional
        The arm column; default the study file's ``design.arm`` (never guessed from names).
    labels : mapping, optional
        Display names of the arm codes; default the study's value labels.
    wave_label : str
        The word for a wave in the boxes (``visit``, ``wave``, ``round``).
    policy : DisclosurePolicy, optional
        Default ``study.disclosure_policy()``.

    Returns
    -------
    FlowDiagram
        ``figure`` and ``table`` (the disclosed box counts: ``arm, wave, box, n``). The
        counts equal :func:`stigma_analysis.evaluation.attrition`'s ``n_present`` by arm
        and wave (checked in tests/report/test_flow.py); counts below ``min_cell`` and their
        complements are hidden.
    """
    if policy is None:
        policy = study.disclosure_policy()
    if arm is None:  # declared, never guessed from column names
        arm = getattr(getattr(study.spec, "design", None), "arm", None)
        if arm is None:
            raise ValueError(
                "the study file declares no arm (design.arm); pass arm= to draw the flow by arm"
            )
    counts = flow_counts(study.data, id=study.id, wave=study.wave, arm=arm)
    table = _disclose_counts(counts, policy)
    if labels is None:
        try:
            labels = {k: str(v) for k, v in study.value_labels(arm).items()}
        except (KeyError, AttributeError):
            labels = {}
    import matplotlib as mpl

    from stigma_analysis.report._fonts import use_report_fonts

    with mpl.rc_context():  # the Noto family list for Khmer/Thai labels, for this figure only
        use_report_fonts()
        figure = _draw(table, labels=labels, wave_label=wave_label, min_cell=policy.min_cell)
    return FlowDiagram(figure=figure, table=table)
