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

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
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


@dataclass
class _Open:
    """A collection still open in the event stream."""

    anchor: str | None
    size: int = 1  # nodes so far, aliases expanded, itself included
    mapping: bool = False
    key_next: bool = True  # in a mapping: whether the next node is a key
    keys: set[str] = field(default_factory=set)


def _check_events(text: str) -> None:
    """Read the parser's events (which never expand an alias) and refuse past the limits, or a repeated key.

    Counts the nodes the document stands for with every alias expanded; a key
    written twice in one mapping is refused too, as YAML would silently keep
    only the last (a second ``findings:`` section, a figure given twice).
    """
    sizes: dict[str, int] = {}  # anchor -> expanded size of the node it names
    stack = [_Open(None, 0)]  # the bottom is the stream
    total = 0
    for event in yaml.parse(text, Loader=SAFE_LOADER):
        if isinstance(event, yaml.NodeEvent):  # a node starts: in a mapping, keys and values alternate
            parent = stack[-1]
            if parent.mapping:
                if parent.key_next and isinstance(event, yaml.ScalarEvent) and event.value != "<<":
                    if event.value in parent.keys:
                        line = event.start_mark.line + 1 if event.start_mark else "?"
                        key = event.value if len(event.value) <= 40 else event.value[:37] + "..."
                        raise YamlRefused(f"the key {key!r} appears twice in one mapping (line {line})")
                    parent.keys.add(event.value)
                parent.key_next = not parent.key_next
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            stack.append(_Open(event.anchor, mapping=isinstance(event, yaml.MappingStartEvent)))
            if len(stack) > MAX_DEPTH:
                raise YamlRefused(f"nested more than {MAX_DEPTH} levels deep")
            continue
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            closed = stack.pop()
            anchor, size = closed.anchor, closed.size
        elif isinstance(event, yaml.ScalarEvent):
            anchor, size = event.anchor, 1
        elif isinstance(event, yaml.AliasEvent):
            anchor, size = None, sizes.get(event.anchor, 1)
        else:
            continue
        if anchor is not None:
            sizes[anchor] = size
        stack[-1].size += size
        total += size if isinstance(event, yaml.AliasEvent) else 1
        if stack[-1].size > MAX_NODES or total > MAX_NODES:
            raise YamlRefused(
                f"its aliases expand to more than {MAX_NODES:,} values (a file of this kind holds a few hundred)"
            )


def read_settings(path: Path) -> bytes:
    """A settings file's bytes, at most MAX_BYTES + 1 of them: a FIFO, a device or a folder is refused, never read.

    The size a file declares cannot be trusted (``/dev/zero`` declares 0 and never ends; opening
    a FIFO waits for a writer), so the file is opened without waiting, checked to be a regular
    file, and read only as far as the limit. Raises OSError or YamlRefused.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise YamlRefused(
                "is not a regular file (it is a folder, device, pipe or socket); give a YAML or JSON file"
            )
        return handle.read(MAX_BYTES + 1)


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
        _check_events(raw)
        return yaml.load(raw, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "not valid YAML"
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise YamlRefused(f"not valid YAML or JSON{where}: {problem}") from None
    except RecursionError:
        raise YamlRefused(f"nested more than {MAX_DEPTH} levels deep") from None
