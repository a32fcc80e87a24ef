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

__all__ = [
    "FlowDiagram",
    "disclose_retention",
    "flow_counts",
    "flow_table",
    "flow_text",
    "participant_flow",
    "retention_counts",
]

ALL = "all"


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowDiagram:
    """The participant flow, disclosed.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
    table : pandas.DataFrame
        The disclosed counts (text; hidden as ``<5`` or ``[c]``), one row per box:
        ``arm, wave, box, n`` with ``box`` in ``enrolled``, ``seen``, ``not seen``.
    text : str
        The same counts in words (:func:`flow_text`), for the report's text.
    retention : pandas.DataFrame
        Participants reached at each wave, disclosed (:func:`disclose_retention`):
        ``visit, reached, reached_from_first_visit, percent_of_first_visit``; its
        ``reached_from_first_visit`` is the diagram's "all" column.
    """

    figure: Figure
    table: pd.DataFrame
    text: str
    retention: pd.DataFrame


def flow_counts(data: pd.DataFrame, *, id: str, wave: str, arm: str | None) -> pd.DataFrame:
    """Raw (undisclosed) flow counts: ``arm, wave, enrolled, seen, not seen``.

    ``enrolled`` is the people present at the first wave (their arm from that row); ``seen``
    those of them present at the wave. An ``"all"`` arm adds the arms up; with ``arm=None``
    (no arm declared) it is the only one.
    """
    import pandas as pd

    for col in (id, wave, *([arm] if arm is not None else [])):
        if col not in data.columns:
            raise KeyError(f"column {col!r} not in the data (flow diagram)")
    waves = sorted(pd.unique(data[wave].dropna()))
    if not waves:
        raise ValueError(f"column {wave!r} has no values; cannot draw the participant flow")
    first = data.loc[data[wave] == waves[0]]
    base = first[[id]].assign(_arm=first[arm] if arm is not None else ALL).drop_duplicates(id)
    if arm is not None:
        base = base.dropna(subset=["_arm"])  # no arm at the first wave: in no arm's column
    present = data.loc[data[id].isin(base[id]), [id, wave]].drop_duplicates()
    merged = present.merge(base, on=id, how="left")
    seen = pd.crosstab(merged["_arm"], merged[wave])  # one row per person and wave: a count
    seen = seen.reindex(columns=waves, fill_value=0)
    if arm is not None:
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
    shown: dict[tuple[Hashable, Any, str], str] = {}
    total_enrolled = policy.disclose(
        first.loc[[ALL], ["enrolled"]].rename_axis("arm"), count_columns=["enrolled"], totals="none"
    )
    if arms:
        # Enrolled by arm; their total (the "all" box) is published, so the column sum is known.
        enrolled = policy.disclose(
            first.loc[arms, ["enrolled"]].rename_axis("arm"),
            count_columns=["enrolled"],
            totals="columns",
        )
        for a in arms:
            shown[(a, waves[0], "enrolled")] = str(enrolled.loc[a, "enrolled"])
    shown[(ALL, waves[0], "enrolled")] = str(total_enrolled.loc[ALL, "enrolled"])
    hidden_arms = {a for a in arms if not shown[(a, waves[0], "enrolled")].isdigit()}
    for w in waves[1:]:
        at = counts.loc[counts["wave"] == w].set_index("arm")
        if arms:
            table = policy.disclose(
                at.loc[arms, ["seen", "not seen"]].rename_axis("arm"),
                count_columns=["seen", "not seen"],
                totals="both",
            )
            for a in arms:
                for box in ("seen", "not seen"):
                    value = str(table.loc[a, box])
                    if a in hidden_arms and value.isdigit():
                        value = "[c]"
                    shown[(a, w, box)] = value
        totals = policy.disclose(
            at.loc[[ALL], ["seen", "not seen"]].rename_axis("arm"),
            count_columns=["seen", "not seen"],
            totals="rows",
        )
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


def _declared_arm(study: Any) -> str | None:
    """The study file's ``design.arm`` (never guessed from column names), or None."""
    return getattr(getattr(study.spec, "design", None), "arm", None)


def flow_table(
    study: Any, *, arm: str | None = None, policy: DisclosurePolicy | None = None
) -> pd.DataFrame:
    """The disclosed box counts of :func:`participant_flow`, without drawing them.

    Returns ``arm, wave, box, n`` (``n`` as shown: a number, ``<5`` or ``[c]``); ``arm`` is
    the arm code or ``"all"``. ``arm`` defaults to the study file's ``design.arm``; without
    one, the flow has the ``"all"`` column only.
    """
    if policy is None:
        policy = study.disclosure_policy()
    if arm is None:
        arm = _declared_arm(study)
    counts = flow_counts(study.data, id=study.id, wave=study.wave, arm=arm)
    return _disclose_counts(counts, policy)


def retention_counts(study: Any) -> pd.DataFrame:
    """Participants reached at each wave (raw): ``visit, reached, reached_from_first_visit,
    percent_of_first_visit`` (:func:`stigma_analysis.evaluation.attrition`'s ``n_seen``,
    ``n_present`` and ``pct_retained``). ``reached_from_first_visit`` is the diagram's
    "all" column: enrolled at the first wave, seen at the later ones."""
    from stigma_analysis.evaluation import attrition

    retention = attrition(study.data, id=study.id, wave=study.wave).retention
    return retention.rename(
        columns={
            "wave": "visit",
            "n_seen": "reached",
            "n_present": "reached_from_first_visit",
            "pct_retained": "percent_of_first_visit",
        }
    )[["visit", "reached", "reached_from_first_visit", "percent_of_first_visit"]]


def disclose_retention(raw: pd.DataFrame, policy: DisclosurePolicy) -> pd.DataFrame:
    """:func:`retention_counts` through the gate: both counts are respondent counts (a
    percentage is hidden with its count). The rows (waves) and columns do not add up to
    anything, so no margin is published (``totals="none"``)."""
    return policy.disclose(
        raw,
        count_columns=["reached", "reached_from_first_visit"],
        stat_columns=[],
        derived={"percent_of_first_visit": "reached_from_first_visit"},
        totals="none",
    )


def flow_text(
    table: pd.DataFrame,
    *,
    labels: Mapping[Hashable, str] | None = None,
    wave_label: str = "visit",
) -> str:
    """The diagram's counts in words (a text alternative that carries the numbers).

    One sentence per column of the diagram, from the disclosed ``table`` (:func:`flow_table`),
    so a hidden box reads ``<5`` or ``[c]`` here too:
    ``All participants: enrolled at visit 1: 600; seen again at visit 2: 510 (not seen: 90);
    analysed, seen again at visit 3: 422 (not seen: 178).``
    """
    labels = dict(labels or {})
    value = {(r["arm"], r["wave"], r["box"]): str(r["n"]) for r in table.to_dict("records")}
    waves = list(dict.fromkeys(table["wave"]))
    sentences = []
    for a in dict.fromkeys(table["arm"]):
        name = "All participants" if a == ALL else labels.get(a, str(a))
        parts = [f"enrolled at {wave_label} {waves[0]}: {value[(a, waves[0], 'enrolled')]}"]
        for k, w in enumerate(waves[1:], start=1):
            what = "analysed, seen again" if k == len(waves) - 1 else "seen again"
            parts.append(
                f"{what} at {wave_label} {w}: {value[(a, w, 'seen')]} "
                f"(not seen: {value[(a, w, 'not seen')]})"
            )
        sentences.append(f"{name}: " + "; ".join(parts) + ".")
    return " ".join(sentences)


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
        A report passes its context's study (``report.context(...).study``), from which the
        small groups are already withheld (:func:`~stigma_analysis.report._context.small_groups`).
    arm : str, optional
        The arm column; default the study file's ``design.arm`` (never guessed from names).
        Without a declared arm the diagram has one column, all participants.
    labels : mapping, optional
        Display names of the arm codes; default the study's value labels.
    wave_label : str
        The word for a wave in the boxes (``visit``, ``wave``, ``round``).
    policy : DisclosurePolicy, optional
        Default ``study.disclosure_policy()``.

    Returns
    -------
    FlowDiagram
        ``figure``, ``table`` (the disclosed box counts: ``arm, wave, box, n``), ``text``
        and ``retention`` (participants reached at each wave). The
        counts equal :func:`stigma_analysis.evaluation.attrition`'s ``n_present`` by arm
        and wave (checked in tests/report/test_flow.py); counts below ``min_cell`` and their
        complements are hidden.
    """
    if policy is None:
        policy = study.disclosure_policy()
    if arm is None:
        arm = _declared_arm(study)
    table = flow_table(study, arm=arm, policy=policy)
    if labels is None:
        labels = {}
        if arm is not None:
            try:
                labels = {k: str(v) for k, v in study.value_labels(arm).items()}
            except (KeyError, AttributeError):
                labels = {}
    import matplotlib as mpl

    from stigma_analysis.report._fonts import use_report_fonts

    with mpl.rc_context():  # the Noto family list for Khmer/Thai labels, for this figure only
        use_report_fonts()
        figure = _draw(table, labels=labels, wave_label=wave_label, min_cell=policy.min_cell)
    return FlowDiagram(
        figure=figure,
        table=table,
        text=flow_text(table, labels=labels, wave_label=wave_label),
        retention=disclose_retention(retention_counts(study), policy),
    )
