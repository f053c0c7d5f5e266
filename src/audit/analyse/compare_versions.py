"""Change over time across two versions of a framework: the criteria a mapping carries over, compared.

Design. Cases scored against two versions never share one cases frame: their
criterion columns differ. Each round is scored under its own version (the older
round's cases are ``AuditData.earlier``, read with the version their workbook
names), and the two rounds' per-criterion results are set side by side through
the criterion mapping shipped for the two versions (:mod:`audit.framework.mapping`):

- a criterion is compared only where the mapping pairs it one-to-one (the same
  question in both versions); a criterion split, merged or with no equivalent
  cannot be compared, and nor can a criterion new in the later version;
- a theme is compared only where every criterion of it, in both versions, is in
  such a pair within the two themes (otherwise its rate pools different questions);
- with no mapping shipped for the two versions, nothing is compared.

The comparison itself (Newcombe interval, Holm's correction, the minimum answers)
is the one :func:`audit.analyse.compare.change_since_previous` makes within a version.
What could not be compared is listed in ``frame.attrs["not_compared"]`` (criterion
and theme IDs with the reason), so the report says so plainly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from audit.analyse.rounds import audit_rounds, round_order
from audit.framework.mapping import load_mapping, mapping_path
from audit.framework.model import Framework

#: Where the two versions have no mapping between them.
NO_MAPPING = "no criterion mapping is shipped between the two versions"


def criterion_pairs(
    old: Framework, new: Framework
) -> tuple[dict[tuple[str, str], tuple[str, str]], list[dict[str, str]]]:
    """What is compared, (level, later ID) -> (level, earlier ID), and what cannot be, each with why."""
    path = mapping_path(new.id, old.version, new.version) if old.id == new.id else None
    if path is None:
        return {}, [
            {"level": "criterion", "id": c, "version": old.version, "why": NO_MAPPING} for c in old.criterion_ids
        ]
    mapping = load_mapping(path, old, new)
    pairs = {later: earlier for earlier, later in mapping.comparable.items()}
    not_compared = [
        {"level": "criterion", "id": c, "version": old.version, "why": mapping.why_not_comparable(c)}
        for c in mapping.not_comparable
    ]
    not_compared += [
        {"level": "criterion", "id": c, "version": new.version, "why": f"{c} is new in version {new.version}"}
        for c in mapping.new_in_target
    ]
    sources = {("criterion", later): ("criterion", earlier) for later, earlier in pairs.items()}
    for t in new.themes:
        mine = {pairs.get(c.id) for c in new.criteria_in(t.id)}
        olds = {old.criterion(s).theme for s in mine if s is not None}
        if None not in mine and len(olds) == 1 and {c.id for c in old.criteria_in(next(iter(olds)))} == mine:
            sources[("theme", t.id)] = ("theme", next(iter(olds)))
        else:
            why = f"theme {t.number}. {t.label} does not ask the same questions in both versions"
            not_compared.append({"level": "theme", "id": t.id, "version": new.version, "why": why})
    return sources, not_compared


def earlier_round(
    cases: pd.DataFrame, fw: Framework, earlier: Sequence[tuple[pd.DataFrame, Framework]]
) -> tuple[pd.DataFrame, Framework, pd.DataFrame, str, str, bool] | None:
    """The last round of the newest earlier version and the latest round under ``fw``, in date order.

    (the earlier version's round, its framework, the round under ``fw``, the previous label,
    the latest label, and whether the earlier version's round is the later in time); None when
    either has no round. A label typed the same in both gets its version added.
    """
    older = [(c, f) for c, f in earlier if len(c)]
    rounds = audit_rounds(cases, fw)
    order = round_order(cases, rounds)
    if not older or not order:
        return None
    old_cases, old_fw = older[-1]
    old_rounds = audit_rounds(old_cases, old_fw)
    old_order = round_order(old_cases, old_rounds)
    if not old_order:
        return None
    before, after = old_cases[old_rounds == old_order[-1]], cases[rounds == order[-1]]
    old_label, new_label = old_order[-1], order[-1]
    if old_label == new_label:
        old_label, new_label = f"{old_label} (version {old_fw.version})", f"{new_label} (version {fw.version})"
    # Usually the older version's round came first; where it was audited later, it is the latest round.
    swapped = _first_date(before) > _first_date(after)
    previous, latest = (new_label, old_label) if swapped else (old_label, new_label)
    return before, old_fw, after, previous, latest, swapped


def _first_date(cases: pd.DataFrame) -> dt.date:
    dates = [d for d in cases["audit_date"] if isinstance(d, dt.date)]
    return min(dates) if dates else dt.date.min
