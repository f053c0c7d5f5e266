"""Results for each agency, and how well information passed between agencies.

An agency's result pools the answers to the criteria it is responsible for
(``agencies`` in the framework file). Where a case lists the agencies involved,
only cases that involve the agency count towards it; a case that lists none is
counted for every agency, since nothing says which were involved.

The information-sharing matrix comes from criteria tagged ``shares: {from, to}``:
each sharing pair pools the answers to the criteria that tag it, over the cases
involving both agencies (by the same rule).
"""

from __future__ import annotations

import pandas as pd

from audit.analyse.groups import group_results
from audit.framework.model import Framework


def involvement(cases: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """A True/False column per agency ID: does the case count for the agency (see the module docstring)."""
    listed = cases["agencies"].map(lambda a: tuple(a) if isinstance(a, (tuple, list)) else ())
    return pd.DataFrame(
        {aid: listed.map(lambda a, aid=aid: not a or aid in a).astype(bool) for aid in fw.agencies},
        index=cases.index,
    )


def agency_results(cases: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """One row per agency with criteria (index: agency ID): label, its criteria, cases and pooled result."""
    involved = involvement(cases, fw)
    criteria_for = {aid: [c.id for c in fw.criteria if aid in c.agencies] for aid in fw.agencies}
    criteria_for = {aid: ids for aid, ids in criteria_for.items() if ids}
    table = group_results(cases, {aid: involved[aid] for aid in criteria_for}, fw, criteria_for)
    table.insert(0, "label", [fw.agencies[aid] for aid in table.index])
    table.insert(1, "criteria", [", ".join(criteria_for[aid]) for aid in table.index])
    return table


def sharing_pairs(fw: Framework) -> dict[tuple[str, str], list[str]]:
    """(from agency, to agency) -> the IDs of the criteria tagged with that pair, in framework order."""
    pairs: dict[tuple[str, str], list[str]] = {}
    for c in fw.criteria:
        for giver in c.shares_from:
            for receiver in c.shares_to:
                if giver != receiver:
                    pairs.setdefault((giver, receiver), []).append(c.id)
    return pairs


def sharing_results(cases: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """One row per sharing pair: from/to IDs and labels, criteria, cases and pooled result."""
    pairs = sharing_pairs(fw)
    involved = involvement(cases, fw)
    names = {f"{a} -> {b}": (a, b) for a, b in pairs}
    masks = {name: involved[a] & involved[b] for name, (a, b) in names.items()}
    table = group_results(cases, masks, fw, {name: pairs[names[name]] for name in names})
    table.insert(0, "from", [names[n][0] for n in table.index])
    table.insert(1, "to", [names[n][1] for n in table.index])
    table.insert(2, "from_label", [fw.agencies[a] for a in table["from"]])
    table.insert(3, "to_label", [fw.agencies[b] for b in table["to"]])
    table.insert(4, "criteria", [", ".join(pairs[names[n]]) for n in table.index])
    return table.reset_index(drop=True)


def sharing_matrix(sharing: pd.DataFrame, fw: Framework, value: str = "pct_yes") -> pd.DataFrame:
    """The pairs as a grid: rows the sharing agency, columns the receiving one (NaN where no criterion)."""
    givers = [a for a in fw.agencies if a in set(sharing["from"])]
    receivers = [a for a in fw.agencies if a in set(sharing["to"])]
    grid = pd.DataFrame(float("nan"), index=givers, columns=receivers)
    for row in sharing.itertuples(index=False):
        v = getattr(row, value)
        grid.loc[row[0], row[1]] = float("nan") if v is None else float(v)
    grid.index = [fw.agencies[a] for a in givers]
    grid.columns = [fw.agencies[a] for a in receivers]
    return grid
