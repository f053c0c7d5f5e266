"""Content digests: one SHA-256 for a value built of plain data, tables and dataclasses.

An incremental batch keys each area's outputs on what they are made from, so the
digest must depend on the content only: the same rows give the same digest
whichever file held them or however often the workbook was saved, and any change
to a cell changes it. Values are turned into one canonical JSON text (dict keys
sorted, tables as their columns, types and cells) and hashed. A type it does not
know is an error, never skipped, so a new kind of field cannot silently drop out
of a key. Lists are JSON arrays and everything else that is not a plain JSON value
is a one-key object naming its kind (``{"datetime": ...}``, ``{"dict": {...}}``), so
no value can take the form of another (a list ``["datetime", "2025-01-01T00:00:00"]``
and a datetime differ).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any


def digest(value: Any) -> str:
    """The SHA-256 (hex) of ``value``'s canonical form."""
    return hashlib.sha256(canonical_bytes(value)).hexdigest()


def canonical_bytes(value: Any) -> bytes:
    """``value`` as canonical JSON, UTF-8: equal content gives equal bytes."""
    # ASCII with escapes: a file name read from the system may hold lone surrogates, which UTF-8 cannot encode
    return json.dumps(_canon(value), sort_keys=True, separators=(",", ":")).encode()


def _sort_key(item: Any) -> str:
    return json.dumps(item, sort_keys=True, separators=(",", ":"))


def _canon(value: Any) -> Any:  # noqa: C901, PLR0911, PLR0912 - one branch per kind of value
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value if not isinstance(value, enum.Enum) else {"enum": [type(value).__name__, value.value]}
    if isinstance(value, float):
        # NaN and infinities are not JSON; repr keeps every float exactly
        return {"float": repr(value)} if not math.isfinite(value) else value
    if isinstance(value, enum.Enum):
        return {"enum": [type(value).__name__, _canon(value.value)]}
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"time": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"timedelta": value.total_seconds()}
    if isinstance(value, decimal.Decimal):
        return {"decimal": str(value)}
    if isinstance(value, list | tuple):
        return [_canon(v) for v in value]
    if isinstance(value, set | frozenset):
        return {"set": sorted((_canon(v) for v in value), key=_sort_key)}
    if isinstance(value, Mapping):
        items = [[_canon(k), _canon(v)] for k, v in value.items()]
        if all(isinstance(k, str) for k, _ in items):
            return {"dict": {k: v for k, v in items}}
        return {"map": sorted(items, key=_sort_key)}
    if isinstance(value, BaseException):
        return {"error": [type(value).__name__, str(value)]}
    content_key = getattr(value, "content_key", None)
    if callable(content_key):  # an object that names its own identity (a framework: its id, version and file hash)
        return {"key": [type(value).__name__, _canon(content_key())]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            "dataclass": [
                type(value).__name__,
                {f.name: _canon(getattr(value, f.name)) for f in dataclasses.fields(value) if f.compare},
            ]
        }
    return _canon_other(value)


def _canon_other(value: Any) -> Any:
    import numpy as np
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return {
            "frame": [
                [_canon(c) for c in value.columns],
                [str(t) for t in value.dtypes],
                [_canon(i) for i in value.index.tolist()],
                [[_canon(v) for v in row] for row in value.to_numpy(dtype=object).tolist()],
            ]
        }
    if isinstance(value, pd.Series):
        return {"series": [_canon(value.name), str(value.dtype), [_canon(i) for i in value.index], _values(value)]}
    if isinstance(value, pd.Timestamp):
        return {"datetime": value.isoformat()}
    if value is pd.NaT:
        return {"nat": None}
    if value is pd.NA:
        return {"na": None}
    if isinstance(value, np.generic):
        return _canon(value.item())
    if isinstance(value, np.ndarray):
        return {"array": [_canon(v) for v in value.tolist()]}
    raise TypeError(f"cannot take a content digest of a {type(value).__name__}")


def _values(series: Any) -> list[Any]:
    return [_canon(v) for v in series.to_numpy(dtype=object).tolist()]
