"""The count tables of the two reports, disclosed as the documents in ``analysis/`` do, read by
one attacker (:class:`tests.privacy.attacker.Attacker`) who links them by what they count."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from stigma_analysis.report import tables as T  # noqa: N812
from stigma_analysis.report._context import small_groups
from stigma_analysis.study import Study
from tests.privacy.attacker import Attacker, read_grid

COUNTS = ["n", "improved", "unchanged", "deteriorated"]


def _label(study: Study, column: str, code: Any) -> str:
    return str(study.value_labels(column).get(code, code))


def _star(label: Any) -> str:
    return "*" if str(label) == "Total" else str(label)


def _labels(study: Study, frame: pd.DataFrame) -> pd.DataFrame:
    out = study.labelled(frame)
    for g in study.spec.groups:
        if g in out.columns:
            out[g] = out[g].astype(str)
    return out


def attack_report(
    study: Study,
    *,
    joint: bool = True,
    instruments: Sequence[str] | None = None,
    linked_totals: bool = True,
) -> list[Attacker]:
    """Every count table of both reports, published through the study's policy.

    ``joint``: one attacker who links all tables (a list of one); else one attacker per table,
    who knows that table only (what :func:`~stigma_analysis.privacy.suppress` protects).
    ``instruments``: the instrument uses whose tables to include (default all).
    ``linked_totals``: disclose breakdowns whose group totals other tables publish with
    ``totals_within`` (n per arm within each wave), as the reports do.
    The study is first reduced as the reports reduce it (:func:`small_groups`).
    """
    from stigma_analysis.evaluation import pre_post, reliable_change
    from stigma_analysis.scoring import score

    # the reports break the study down without its small groups (pooled or withheld)
    study = small_groups(study).study
    policy = study.disclosure_policy()
    attackers = [Attacker(min_cell=policy.min_cell)]

    def table() -> Attacker:
        if not joint:
            attackers.append(Attacker(min_cell=policy.min_cell))
        return attackers[-1]

    attacker = attackers[0]
    wave = study.wave
    groups = list(study.spec.groups)
    arm = next((g for g in groups if g.lower() in {"arm", "group", "condition"}), None)
    site = next((g for g in groups if g != arm), None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = score(study)

    # Respondents per wave by site and arm (both reports).
    raw = T.sample_table(study)
    counts = [c for c in raw.columns if c not in (wave, site)]
    safe = T.disclose_blocks(policy, raw, block=wave, count_columns=counts, stat_columns=[])
    for w in study.waves:
        attacker = table()
        rows = (raw[wave] == w).to_numpy()
        sites = [_star(s) for s in raw.loc[rows, site]]
        arms = [_star(a) for a in counts]
        read_grid(
            attacker,
            safe.loc[raw.index[rows], counts].to_numpy(dtype=object),
            raw.loc[rows, counts].to_numpy(dtype=float),
            lambda i, j, w=w, sites=sites, arms=arms: ("resp", int(w), sites[i], arms[j]),
            margin_row=True,
            margin_col=True,
        )

    # Missing answers by instrument, reason and wave.
    raw = T.missing_table(study)
    if not raw.empty:
        attacker = table()
        safe = policy.disclose(raw)
        index, columns = list(raw.index), list(raw.columns)
        read_grid(
            attacker,
            safe.to_numpy(dtype=object),
            raw.to_numpy(dtype=float),
            lambda i, j: ("missing", index[i], columns[j]),
            margin_row=False,
            margin_col=False,
            row_totals=False,  # no other table publishes these sums
            col_totals=False,
        )

    for b in study.instruments:
        if instruments is not None and b.name not in instruments:
            continue
        scale = T.primary_scale(b.instrument)
        col = T.score_column(b, scale)

        def scored(w: Any, a: str, col: str = col) -> tuple[Any, ...]:
            return ("scored", col, int(w), a)

        # Score distribution (histogram bins x wave).
        lo, hi = b.instrument.scale_range(scale)
        raw = T.score_bins(scores, score=col, lo=lo, hi=hi, wave=wave)
        safe = policy.disclose(raw)
        attacker = table()
        bins, waves = list(raw.index), list(raw.columns)
        ids = read_grid(
            attacker,
            safe.to_numpy(dtype=object),
            raw.to_numpy(dtype=float),
            lambda i, j, col=col, bins=bins, waves=waves: ("bin", col, bins[i], waves[j]),
            margin_row=False,
            margin_col=False,
            row_totals=False,  # respondents per bin over all waves: published nowhere
            col_totals=True,  # respondents scored per wave: the n of the cut-off table
        )
        for j, name in enumerate(waves):
            w = int(str(name).rsplit(" ", 1)[1])
            total = attacker.var(scored(w, "*"), float(raw.iloc[:, j].sum()))
            attacker.sum_is([ids[i][j] for i in range(len(bins))], total)

        # Mean score by arm and wave (trajectory figure): n per arm x wave.
        by = [arm, wave] if arm else [wave]
        gm = _labels(study, T.group_means(scores, score=col, by=by))
        within = {"totals_within": [wave]} if linked_totals and arm else {}
        safe = policy.disclose(gm, count_columns=["n"], totals="columns", **within)
        attacker = table()
        parts: dict[int, list[int]] = {}
        ns = []
        for r, shown in zip(gm.itertuples(index=False), safe["n"], strict=True):
            a = str(getattr(r, arm)) if arm else "*"
            i = attacker.read(scored(getattr(r, wave), a), shown, float(r.n))
            ns.append(i)
            parts.setdefault(int(getattr(r, wave)), []).append(i)
        attacker.known_sum(ns)
        if arm:
            for w, members in parts.items():
                n_w = float(sum(attacker.truth[i] for i in members))
                attacker.sum_is(members, attacker.var(scored(w, "*"), n_w))

        # Change between the first and the last wave (programme evaluation).
        first, last = study.waves[0], study.waves[-1]
        by_groups = [g for g in (site, arm) if g]
        pp = pre_post(scores, score=col, id=study.id, wave=wave, pre=first, post=last, by=by_groups)
        t = _labels(study, pp)[[*by_groups, "n", "mean_pre", "mean_post", "mean_change"]]
        safe = policy.disclose(t, count_columns=["n"], totals="columns")
        attacker = table()
        ns = []
        for r, shown in zip(t.itertuples(index=False), safe["n"], strict=True):
            key = ("change", col, str(getattr(r, arm)), str(getattr(r, site)), "n")
            ns.append(attacker.read(key, shown, float(r.n)))
        attacker.known_sum(ns)

        alpha = T.scale_alpha(study, b, scale, wave=first)
        better = "higher_is_better" if T.higher_is_better(b.instrument) else "lower_is_better"
        classified = reliable_change(
            scores,
            score=col,
            id=study.id,
            wave=wave,
            pre=first,
            post=last,
            reliability=alpha,
            direction=better,
            by=by_groups,
        )
        raw = T.change_counts(classified, site=site, arm=arm)
        safe = T.disclose_blocks(
            policy,
            raw,
            block=arm or "arm",
            count_columns=COUNTS,
            stat_columns=[],
            derived={f"pct_{c}": [c, "n"] for c in COUNTS[1:]},
        )
        order = [*COUNTS[1:], "n"]  # n is the row total of the three categories
        attacker = table()
        for code in pd.unique(raw[arm]):
            rows = (raw[arm] == code).to_numpy()
            a = _label(study, arm, code)
            sites = ["*" if s == "Total" else _label(study, site, s) for s in raw.loc[rows, site]]
            read_grid(
                attacker,
                safe.loc[raw.index[rows], order].to_numpy(dtype=object),
                raw.loc[rows, order].to_numpy(dtype=float),
                lambda i, j, a=a, sites=sites, col=col, order=order: (
                    ("change", col, a, sites[i], order[j])
                ),
                margin_row=True,
                margin_col=True,
            )
            # people with both waves scored are among those met at the last wave
            for s in sites:
                n_both = attacker.keys[("change", col, a, s, "n")]
                met = attacker.keys.get(("resp", int(last), s, a))
                if met is not None:
                    attacker.at_most({n_both: 1.0, met: -1.0})

        _attack_clinical(
            study,
            policy=policy,
            table=table,
            b=b,
            scale=scale,
            classified=classified,
            safe_rc=safe,
            arm=arm,
        )

        # Average at the first and the last visit of the people scored at both (programme
        # evaluation figure): n per arm, the same people at both visits, whom the reliable-change
        # table counts too.
        both = _seen_at_both(scores, study, first, last)
        paired = both.dropna(subset=[col])
        paired = paired[paired.groupby(study.id)[col].transform("size") == 2]
        gm = _labels(study, T.group_means(paired, score=col, by=[arm, wave] if arm else [wave]))
        within = {"totals_within": [wave]} if linked_totals and arm else {}
        safe = policy.disclose(gm, count_columns=["n"], totals="columns", **within)
        attacker = table()
        for r, shown in zip(gm.itertuples(index=False), safe["n"], strict=True):
            a = str(getattr(r, arm)) if arm else "*"
            attacker.read(("change", col, a, "*", "n"), shown, float(r.n))

        # Share at or above each cut-off, by wave (and arm): everyone scored (research report);
        # by arm, the people seen at both the first and the last visit (programme evaluation).
        for by_arm in ([], [arm] if arm else []):
            people = both if by_arm else scores
            tag = "both" if by_arm else "all"
            cut = T.cutoff_table(study, by=by_arm, scores=people)
            cut = cut[(cut["instrument"] == T.short_name(b.instrument))]
            if cut.empty:
                continue
            within = {}
            if linked_totals and by_arm:
                within = {"totals_within": ["instrument", "scale", "band", wave]}
            safe = policy.disclose(
                cut,
                count_columns=["n", "k"],
                stat_columns=["share", "ci_low", "ci_high"],
                derived={"share": ["k", "n"], "ci_low": ["k", "n"], "ci_high": ["k", "n"]},
                totals="columns",
                **within,
            )
            safe = T.hide_repeated(
                safe,
                column="n",
                by=["instrument", "scale", wave, *by_arm],
                derived=["share", "ci_low", "ci_high"],
            )
            attacker = table()
            n_ids, k_ids = [], []
            for r, sn, sk in zip(cut.itertuples(index=False), safe["n"], safe["k"], strict=True):
                scale_col = f"{b.name}_{str(r.scale).replace(' ', '_')}"
                a = str(getattr(r, arm)) if by_arm else "*"
                w = int(getattr(r, wave))
                scored_key = (
                    ("scored", scale_col, w, a) if tag == "all" else ("both", scale_col, w, a)
                )
                n_id = attacker.read(scored_key, sn, float(r.n))
                k_id = attacker.read(("above", tag, scale_col, r.band, w, a), sk, float(r.k))
                attacker.at_most({k_id: 1.0, n_id: -1.0})
                n_ids.append(n_id)
                k_ids.append(k_id)
            attacker.known_sum(n_ids)
            attacker.known_sum(k_ids)
    _attrition_section(study, policy, table(), arm=arm, instruments=instruments)
    return [a for a in attackers if a.lower]


def _attrition_section(
    study: Study,
    policy: Any,
    attacker: Attacker,
    *,
    arm: str | None,
    instruments: Sequence[str] | None,
) -> None:
    """The programme report's "Who we lost touch with": the retention table and the
    participant flow diagram (boxes by arm), linked to what the other tables count.

    Keys shared with the other tables (the same people): the flow's enrolled are the
    respondents of the first wave (``("resp", first, "*", arm)``), the retention table's
    ``reached`` are each wave's respondents (``("resp", w, "*", "*")``). Relations, by arm
    and for all arms: enrolled = seen + not seen at each later wave; the arms add up to the
    "all" column; the people seen at a wave are among its respondents (``<=``: people who
    joined later are respondents too); the people scored at both the first and the last wave
    (change tables, cut-offs of the people met at both) are among those seen at the last.
    """
    from stigma_analysis.report._flow import ALL, flow_counts, flow_table

    wave, first, last = study.wave, study.waves[0], study.waves[-1]
    by = arm if arm else None
    raw = flow_counts(study.data, id=study.id, wave=wave, arm=by).set_index(["arm", "wave"])
    shown = flow_table(study, arm=by, policy=policy).set_index(["arm", "wave", "box"])["n"]
    codes = list(dict.fromkeys(raw.index.get_level_values("arm")))
    arms = [c for c in codes if c != ALL]
    name = {c: ("*" if c == ALL else _label(study, str(arm), c)) for c in codes}

    def key(code: Any, w: Any, box: str) -> tuple[Any, ...]:
        if box == "enrolled":
            return ("resp", int(first), "*", name[code])
        if box == "seen" and w == first:
            return ("resp", int(first), "*", name[code])
        return ("flow", int(w), name[code], box)

    if ("resp", int(first), "*", "*") in attacker.keys:  # linked: the same labels as there
        unknown = [c for c in codes if ("resp", int(first), "*", name[c]) not in attacker.keys]
        if unknown:
            raise AssertionError(f"flow arms {unknown} are not columns of the sample table")
    ids: dict[tuple[Any, Any, str], int] = {}
    for (code, w, box), text in shown.items():
        column = "enrolled" if box == "enrolled" else box
        value = int(text) if str(text).isdigit() else text  # the table's n is text
        ids[(code, w, box)] = attacker.read(
            key(code, w, box), value, float(raw.loc[(code, w), column])
        )
    later = [w for w in study.waves if w != first]
    for code in codes:
        enrolled = ids[(code, first, "enrolled")]
        for w in later:
            attacker.sum_is([ids[(code, w, "seen")], ids[(code, w, "not seen")]], enrolled)
            met = attacker.keys.get(("resp", int(w), "*", name[code]))
            if met is not None:  # seen again at w: among the respondents of w
                attacker.at_most({ids[(code, w, "seen")]: 1.0, met: -1.0})
    if arms:
        for w in later:
            for box in ("seen", "not seen"):
                attacker.sum_is([ids[(c, w, box)] for c in arms], ids[(ALL, w, box)])
        attacker.sum_is([ids[(c, first, "enrolled")] for c in arms], ids[(ALL, first, "enrolled")])

    # people scored at both the first and the last wave are among those seen at the last
    if later:
        for k, i in list(attacker.keys.items()):
            if not (isinstance(k, tuple) and k[0] in ("change", "both")):
                continue
            if k[0] == "change" and not (k[3] == "*" and k[4] == "n"):
                continue
            if instruments is not None and not any(str(k[1]).startswith(b) for b in instruments):
                continue
            a = k[2] if k[0] == "change" else k[3]
            code = next((c for c in codes if name[c] == a), None)
            if code is not None and (k[0] == "change" or k[2] in (first, last)):
                attacker.at_most({i: 1.0, ids[(code, last, "seen")]: -1.0})

    # Participants reached at each visit (retention table), disclosed as the document does:
    # reached = the wave's respondents; also at the first visit = the flow's "all" seen.
    from stigma_analysis.report._flow import disclose_retention, retention_counts

    raw_r = retention_counts(study)
    safe_r = disclose_retention(raw_r, policy)
    for r, s_reached, s_both in zip(
        raw_r.itertuples(index=False),
        safe_r["reached"],
        safe_r["reached_from_first_visit"],
        strict=True,
    ):
        w = r.visit
        attacker.read(("resp", int(w), "*", "*"), s_reached, float(r.reached))
        box = "enrolled" if w == first else "seen"
        both = attacker.read(key(ALL, w, box), s_both, float(r.reached_from_first_visit))
        if w != first:
            attacker.at_most({both: 1.0, attacker.keys[("resp", int(w), "*", "*")]: -1.0})


def _attack_clinical(
    study: Study,
    *,
    policy: Any,
    table: Any,
    b: Any,
    scale: str,
    classified: pd.DataFrame,
    safe_rc: pd.DataFrame,
    arm: str | None,
) -> None:
    """Who recovered (programme evaluation): the category counts by arm, linked to the
    reliable-change table's arm totals, and the binned first-against-last-visit figure."""
    from stigma_analysis.evaluation import CLINICAL_CATEGORIES
    from stigma_analysis.report import _evaluation_tables as E  # noqa: N812

    cut = E.clinical_cut(b, scale)
    if cut is None or arm is None:
        return
    col = T.score_column(b, scale)
    people = E.clinical_categories(classified, cut)
    counts = E.clinical_counts(people, arm=arm)
    safe = E.disclose_clinical(policy, counts, safe_rc, arm=arm)
    attacker = table()
    ns = []
    for i, code in enumerate(counts[arm]):
        a = _label(study, arm, code)
        ids = {}
        for c in ["n", *CLINICAL_CATEGORIES]:
            # n, unchanged and deteriorated are the reliable-change table's arm totals
            same = c in ("n", "unchanged", "deteriorated")
            key = ("change", col, a, "*", c) if same else ("clinical", col, a, c)
            ids[c] = attacker.read(key, safe.iloc[i][c], float(counts.iloc[i][c]))
        whole = float(counts.iloc[i]["recovered"] + counts.iloc[i]["improved"])
        improved_rc = attacker.var(("change", col, a, "*", "improved"), whole)
        attacker.sum_is([ids["recovered"], ids["improved"]], improved_rc)
        attacker.sum_is([ids[c] for c in CLINICAL_CATEGORIES], ids["n"])
        ns.append(ids["n"])

    # the figure: people per (first, last visit) bin of the scale, everyone of both arms;
    # hidden bins hold 0 to min_cell - 1 people; the grand total is everyone counted above
    lo, hi = b.instrument.scale_range(scale)
    grid, _ = E.clinical_grid(people, lo=lo, hi=hi)
    safe_grid = E.disclose_grid(policy, grid)
    counted = attacker
    attacker = table()
    cells = read_grid(
        attacker,
        safe_grid.to_numpy(dtype=object),
        grid.to_numpy(dtype=float),
        lambda i, j, col=col: ("jt_grid", col, i, j),
        margin_row=False,
        margin_col=False,
        row_totals=False,  # published nowhere
        col_totals=False,
    )
    everyone = [x for row in cells for x in row]
    for x in everyone:
        if attacker.hidden[x]:
            attacker.at_most({x: 1.0}, float(policy.min_cell - 1))
    if attacker is counted:  # one joint attacker: the figure counts the same people
        attacker.sum_is(everyone, _total(attacker, ns))
    else:
        attacker.known_sum(everyone)


def _total(attacker: Attacker, parts: Sequence[int]) -> int:
    """A variable equal to the sum of ``parts``."""
    total = attacker.var(("sum of", tuple(parts)), float(sum(attacker.truth[p] for p in parts)))
    attacker.sum_is(parts, total)
    return total


def _seen_at_both(scores: pd.DataFrame, study: Study, first: Any, last: Any) -> pd.DataFrame:
    """Score rows of the people seen at both visits (as :meth:`ReportContext.seen_at_both`)."""
    s = scores
    ids = set(s.loc[s[study.wave] == first, study.id]) & set(s.loc[s[study.wave] == last, study.id])
    return s[s[study.id].isin(ids) & s[study.wave].isin([first, last])]


def hidden_count(attacker: Attacker) -> int:
    return int(np.sum(attacker.hidden))
