"""The one way the toolkit reads YAML and JSON: plain data only, bounded in size, depth and alias expansion.

A criteria framework or a national-figures file comes from a user, so it is
untrusted. Safe loading builds no objects, but it does not bound what aliases
expand to: ten anchors of ten aliases each (the "billion laughs") stand for
10**10 nodes, and whatever walks the result runs for minutes and grows past
gigabytes. Before anything is built, the file's event stream (which never
expands an alias) is read once to count what the document would expand to.
YAML reads JSON too, so JSON files take the same path.
"""

from __future__ import annotations

from typing import Any

import yaml

#: libyaml's safe loader where PyYAML was built with it (ten times faster), else the pure-Python one:
#: both build only plain data, never objects.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: A framework file is a few hundred nodes and a few tens of kilobytes; these limits leave wide room.
MAX_BYTES = 2_000_000
MAX_NODES = 100_000  # nodes of the document with every alias expanded
MAX_DEPTH = 50


class YamlRefused(ValueError):
    """The text is not YAML or JSON the toolkit will read; the message says why, never quoting the file."""


def _expanded_size(text: str) -> None:
    """Count the nodes the document stands for, aliases expanded, from parser events; refuse past the limits."""
    sizes: dict[str, int] = {}  # anchor -> expanded size of the node it names
    stack: list[list[Any]] = [[None, 0]]  # [anchor, nodes so far] per open collection; the bottom is the stream
    total = 0
    for event in yaml.parse(text, Loader=SAFE_LOADER):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            stack.append([event.anchor, 1])
            if len(stack) > MAX_DEPTH:
                raise YamlRefused(f"nested more than {MAX_DEPTH} levels deep")
            continue
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            anchor, size = stack.pop()
        elif isinstance(event, yaml.ScalarEvent):
            anchor, size = event.anchor, 1
        elif isinstance(event, yaml.AliasEvent):
            anchor, size = None, sizes.get(event.anchor, 1)
        else:
            continue
        if anchor is not None:
            sizes[anchor] = size
        stack[-1][1] += size
        total += size if isinstance(event, yaml.AliasEvent) else 1
        if stack[-1][1] > MAX_NODES or total > MAX_NODES:
            raise YamlRefused(
                f"its aliases expand to more than {MAX_NODES:,} values (a file of this kind holds a few hundred)"
            )


def load_yaml(raw: bytes | str) -> Any:
    """Parse YAML or JSON text into plain data, refusing oversized, over-deep or alias-bomb documents.

    Raises YamlRefused with a message fit to show after the file's name.
    """
    if len(raw) > MAX_BYTES:
        raise YamlRefused(f"larger than {MAX_BYTES // 1_000_000} MB")
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise YamlRefused(f"not UTF-8 text (a byte that is not UTF-8 at position {exc.start})") from None
    try:
        _expanded_size(raw)
        return yaml.load(raw, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "not valid YAML"
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise YamlRefused(f"not valid YAML or JSON{where}: {problem}") from None
    except RecursionError:
        raise YamlRefused(f"nested more than {MAX_DEPTH} levels deep") from None
