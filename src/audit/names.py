"""Names the toolkit shows and the folders it makes: file labels safe to print, area folders that never collide.

File names and area names come from untrusted input. A file name may hold bytes
that are not UTF-8, terminal escape sequences or a newline; two inputs may share
a name in different folders; two area names may fold to the same folder name, or
to a folder the toolkit itself uses. Everything shown or made from them passes
through here.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

# Folders the toolkit writes in OUT or OUT/restricted beside the areas': no area may be given one of these.
RESERVED_FOLDERS = frozenset({"national", "restricted", "prepared"})
# Names Windows will not give a folder (whatever the case); OUT may be copied to, or read on, Windows.
WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(1, 10)} | {f"lpt{i}" for i in range(1, 10)}
)
_MAX_SHOWN = 120


def safe_text(text: object, limit: int = _MAX_SHOWN) -> str:
    """Text as it may be printed anywhere: no control or format characters, no undecodable bytes, one line.

    A byte that was not UTF-8 reaches Python as a lone surrogate; it and every control
    character (escape sequences, newlines, bidirectional overrides) become U+FFFD.
    """
    out = []
    for ch in str(text):
        cat = unicodedata.category(ch)
        out.append("\ufffd" if cat in ("Cc", "Cs", "Cf", "Zl", "Zp") else ch)
    shown = "".join(out)
    return shown if len(shown) <= limit else shown[: limit - 1] + "\u2026"


def display_name(path: str | Path) -> str:
    """A file's name as it may be shown in a message, a page, a workbook or JSON."""
    return safe_text(Path(path).name or str(path))


def unique_labels(paths: Iterable[Path]) -> dict[Path, str]:
    """A short, distinct, printable label for each input: its name, or as much of its path as tells it apart.

    ``north/cases.xlsx`` and ``south/cases.xlsx`` are labelled by their folder too, so
    that no message, manifest entry or report footer can confuse one with the other.
    """
    paths = list(dict.fromkeys(Path(p) for p in paths))
    labels: dict[Path, str] = {}
    parts = {p: [safe_text(x) for x in Path(os.path.realpath(p)).parts[1:]] or [display_name(p)] for p in paths}
    depth = {p: 1 for p in paths}
    while True:
        shown = {p: "/".join(parts[p][-depth[p] :]) for p in paths}
        counts = Counter(shown.values())
        clashing = [p for p in paths if counts[shown[p]] > 1 and depth[p] < len(parts[p])]
        if not clashing:
            break
        for p in clashing:
            depth[p] += 1
    seen: Counter[str] = Counter()
    for p in paths:
        label = shown[p]
        seen[label] += 1
        # Only distinct paths that print alike (undecodable bytes) get here: number them.
        labels[p] = label if counts[label] == 1 else f"{label} [{seen[label]}]"
    return labels


def _base_slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.casefold()).strip("-")[:60].strip("-")


def _hashed(name: str, base: str) -> str:
    digest = hashlib.sha256(" ".join(name.split()).casefold().encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{base or 'area'}-{digest}"


def area_slugs(areas: Iterable[str]) -> dict[str, str]:
    """Each area's folder name: lower case and hyphens, distinct, and never a folder the toolkit uses.

    An area whose plain folder name would be shared with another area, would be empty
    (a name with no Latin letters or digits) or is reserved (``national``,
    ``restricted``, or a name Windows keeps for devices, such as ``con``) gets the
    plain name plus a short hash of its own name: stable from
    run to run, and the same in ``score``, ``report`` and ``batch`` for the same inputs.
    """
    areas = list(dict.fromkeys(areas))
    base = {a: _base_slug(a) for a in areas}
    by_base: dict[str, list[str]] = defaultdict(list)
    for a in areas:
        by_base[base[a]].append(a)
    slugs = {}
    for a in areas:
        b = base[a]
        plain = b and b not in RESERVED_FOLDERS | WINDOWS_RESERVED and len(by_base[b]) == 1
        slugs[a] = b if plain else _hashed(a, b)
    taken = Counter(slugs.values())
    for a in areas:  # a hashed name can only meet another by a hash collision: then add more of the hash
        if taken[slugs[a]] > 1:
            slugs[a] = f"{slugs[a]}-{hashlib.sha256(a.encode('utf-8', 'surrogatepass')).hexdigest()[8:16]}"
    return slugs
