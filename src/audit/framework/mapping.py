"""How the criteria of one framework version carry over to the next: a mapping file read into plain data.

A mapping file (shipped in ``audit/data/mappings/``, named
``<framework id>_<from version>_<to version>.yml``) lists every criterion of the
earlier version once, with ``to``: the later criterion it became, the several
criteria it was split into, or ``no equivalent``; and a one-line ``note``.

Which pairs are comparable: only a one-to-one pair, where an earlier criterion
maps to exactly one later criterion and no other earlier criterion maps to that
one too. Its two results are the same question asked in two rounds, so change
over time compares them. Everything else is listed as not directly comparable,
with the note saying why:

- a split (one earlier criterion to several later ones): an earlier Yes meant
  every part was met, and the parts are now answered apart, so neither part's
  result continues the earlier one;
- a merge (several earlier criteria to one later one), for the same reason;
- ``no equivalent``: the subject is no longer asked.

Later criteria that no earlier criterion maps to are new, with no earlier figure.

The file is checked against both frameworks when it is read, so a report never
meets a mapping that names a criterion it does not have: a bad file is refused
with a FrameworkError naming the file, the key path and what was expected.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from audit.errors import FrameworkError
from audit.framework.model import Framework
from audit.names import safe_text
from audit.resources import MAPPINGS_DIR
from audit.safe_yaml import YamlRefused, load_yaml, read_settings

NO_EQUIVALENT = "no equivalent"
MAX_SHOWN = 20  # problems listed for one file; the rest are counted
_TOP_KEYS = ("framework", "from", "to", "criteria", "description")


@dataclass(frozen=True)
class CriterionMap:
    """Criterion IDs of one version (``from_version``) and what each became in the next (``to_version``)."""

    framework: str
    from_version: str
    to_version: str
    path: Path
    carried: dict[str, tuple[str, ...]]  # earlier ID -> the later ID, or the IDs it was split into
    no_equivalent: tuple[str, ...]  # earlier IDs with nothing later
    new_in_target: tuple[str, ...]  # later IDs no earlier criterion maps to
    notes: dict[str, str]  # earlier ID -> the file's one-line note

    @property
    def comparable(self) -> dict[str, str]:
        """Earlier ID -> later ID, for the one-to-one pairs only (see the module docstring)."""
        sources = Counter(t for targets in self.carried.values() for t in targets)
        return {
            old: targets[0] for old, targets in self.carried.items() if len(targets) == 1 and sources[targets[0]] == 1
        }

    @property
    def not_comparable(self) -> tuple[str, ...]:
        """Earlier IDs whose results cannot be compared with a later one: splits, merges and no equivalent."""
        pairs = self.comparable
        return tuple(old for old in [*self.carried, *self.no_equivalent] if old not in pairs)

    def why_not_comparable(self, old: str) -> str:
        """A plain sentence for a report, such as 'I5 was split into I6 and I7 (...)'."""
        note = self.notes.get(old, "")
        if old in self.no_equivalent:
            said = f"{old} has no equivalent in version {self.to_version}"
        elif old in self.comparable:
            return f"{old} is compared with {self.comparable[old]}"
        elif len(self.carried[old]) > 1:
            said = f"{old} was split into {_words(self.carried[old])}"
        else:
            merged = sorted(o for o, t in self.carried.items() if t == self.carried[old])
            said = f"{_words(tuple(merged))} were merged into {self.carried[old][0]}"
        return f"{said} ({note})" if note else said


def _words(ids: tuple[str, ...]) -> str:
    return ids[0] if len(ids) == 1 else ", ".join(ids[:-1]) + " and " + ids[-1]


def mapping_path(framework_id: str, from_version: str, to_version: str) -> Path | None:
    """The shipped mapping from one version of a framework to another, or None if none ships."""
    path = MAPPINGS_DIR / f"{framework_id}_{from_version}_{to_version}.yml"
    return path if path.is_file() else None


def shipped_mappings() -> tuple[Path, ...]:
    """Every mapping file shipped with the toolkit."""
    return tuple(sorted(MAPPINGS_DIR.glob("*.yml")))


def _scalar(value: Any) -> str:
    """A YAML value as the text a framework holds (a version such as 2026.1 may be written unquoted)."""
    return value if isinstance(value, str) else f"{value}"


def _shown(value: Any) -> str:
    return safe_text(str(value), 40)


def _check_header(data: dict[str, Any], source: Framework, target: Framework) -> list[str]:
    found = [
        f"{key}: unknown key; expected only {', '.join(_TOP_KEYS)}" for key in map(str, data) if key not in _TOP_KEYS
    ]
    for key in ("framework", "from", "to", "criteria"):
        if key not in data:
            found.append(f"(top level): missing {key!r}")
    expected = {"framework": source.id, "from": source.version, "to": target.version}
    for key, want in expected.items():
        if key in data and _scalar(data[key]) != want:
            found.append(f"{key}: expected {want!r}, to match the frameworks being compared")
    if source.id != target.id:
        found.append(f"framework: expected both versions of one framework; the target is {_shown(target.id)!r}")
    if "criteria" in data and not isinstance(data["criteria"], dict):
        found.append("criteria: expected a mapping of criterion IDs, each with 'to' and 'note'")
    return found


def _check_entry(old: str, entry: Any, target: Framework) -> tuple[list[str], tuple[str, ...] | None]:
    """Problems with one criterion's entry, and its target IDs (None for no equivalent, or when unreadable)."""
    where = f"criteria.{_shown(old)}"
    if not isinstance(entry, dict):
        return [f"{where}: expected a mapping with 'to' and 'note'"], None
    found = [f"{where}.{_shown(k)}: unknown key; expected only to, note" for k in entry if k not in ("to", "note")]
    note = entry.get("note")
    if not isinstance(note, str) or not note.strip():
        found.append(f"{where}.note: expected a one-line note saying what changed")
    to = entry.get("to")
    if isinstance(to, str) and " ".join(to.split()).casefold() == NO_EQUIVALENT:
        return found, None
    if not isinstance(to, list) or not to:
        found.append(f"{where}.to: expected a list of criterion IDs of version {target.version}, or '{NO_EQUIVALENT}'")
        return found, None
    known = {c.upper(): c for c in target.criterion_ids}
    ids: list[str] = []
    for i, cid in enumerate(to):
        if not isinstance(cid, str) or cid.upper() not in known:
            found.append(
                f"{where}.to[{i}]: expected a criterion ID of {target.id} {target.version}; not known: {_shown(cid)}"
            )
        elif known[cid.upper()] in ids:
            found.append(f"{where}.to[{i}]: expected each criterion once; repeated: {known[cid.upper()]}")
        else:
            ids.append(known[cid.upper()])
    return found, tuple(ids)


def _problems(data: Any, source: Framework, target: Framework) -> tuple[list[str], CriterionMap | None]:
    if not isinstance(data, dict):
        return ["(top level): expected a mapping with 'framework', 'from', 'to' and 'criteria'"], None
    found = _check_header(data, source, target)
    entries = data.get("criteria") if isinstance(data.get("criteria"), dict) else {}
    known = {c.upper(): c for c in source.criterion_ids}
    seen: dict[str, str] = {}
    carried: dict[str, tuple[str, ...]] = {}
    no_equivalent: list[str] = []
    notes: dict[str, str] = {}
    for key, entry in entries.items():
        old = str(key)
        if old.upper() not in known:
            found.append(f"criteria.{_shown(old)}: expected a criterion ID of {source.id} {source.version}")
            continue
        cid = known[old.upper()]
        if cid in seen:
            found.append(f"criteria.{_shown(old)}: expected each criterion once; {cid} is already listed")
            continue
        seen[cid] = old
        problems, targets = _check_entry(old, entry, target)
        found += problems
        if not problems:
            notes[cid] = " ".join(str(entry["note"]).split())
            if targets is None:
                no_equivalent.append(cid)
            else:
                carried[cid] = targets
    missing = [cid for cid in source.criterion_ids if cid not in seen]
    if missing and "criteria" in data:
        whole = f"{source.id} {source.version}"
        found.append(f"criteria: expected every criterion of {whole}; missing: {', '.join(missing)}")
    if found:
        return found, None
    mapped = {t for targets in carried.values() for t in targets}
    return [], CriterionMap(
        framework=source.id,
        from_version=source.version,
        to_version=target.version,
        path=Path(),
        carried={cid: carried[cid] for cid in source.criterion_ids if cid in carried},
        no_equivalent=tuple(cid for cid in source.criterion_ids if cid in no_equivalent),
        new_in_target=tuple(cid for cid in target.criterion_ids if cid not in mapped),
        notes=notes,
    )


def load_mapping(path: str | Path, source: Framework, target: Framework) -> CriterionMap:
    """Read a mapping file from ``source``'s version to ``target``'s and check it against both.

    Every criterion of ``source`` must be listed exactly once, and every ID it
    maps to must be a criterion of ``target``; otherwise a FrameworkError lists
    each problem as ``key.path: what was expected`` after the file's name.
    """
    path = Path(path)
    shown = safe_text(str(path), 240)
    try:
        data = load_yaml(read_settings(path))
    except OSError as exc:
        raise FrameworkError(f"{shown}: cannot read the criteria mapping file ({exc.strerror or exc})") from None
    except YamlRefused as exc:
        raise FrameworkError(f"{shown}: {exc}") from None
    problems, mapping = _problems(data, source, target)
    if mapping is None:
        listed = problems[:MAX_SHOWN]
        if len(problems) > MAX_SHOWN:
            listed.append(f"... and {len(problems) - MAX_SHOWN} more")
        raise FrameworkError(f"{shown}: not a valid criteria mapping:\n  " + "\n  ".join(listed))
    return replace(mapping, path=path.resolve())
