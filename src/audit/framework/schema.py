"""A framework file's shape, checked against the JSON Schema shipped as package data.

The schema (``audit/data/framework.schema.json``) says which keys a framework
may hold, of which type, within which range. Each breach becomes one line that
names the key path and what was expected, never the value found there.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from audit.quiet_imports import import_jsonschema
from audit.resources import FRAMEWORK_SCHEMA

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator, ValidationError

_KIND = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping of keys to values",
    "null": "left empty",
}


@functools.cache
def _validator() -> Draft202012Validator:
    validator = import_jsonschema().Draft202012Validator  # imported here, without its slow URI grammar
    schema = json.loads(FRAMEWORK_SCHEMA.read_text(encoding="utf-8"))
    validator.check_schema(schema)
    return validator(schema)


def key_path(parts: Iterable[Any]) -> str:
    """``criteria[3].theme`` for the path (criteria, 3, theme); ``(top level)`` for the empty path."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _expected(error: ValidationError) -> str:
    """What the schema wanted where the error is, in words; the value found is not repeated."""
    kind, value, schema = error.validator, error.validator_value, error.schema
    described = schema.get("description")
    if kind == "type":
        kinds = [value] if isinstance(value, str) else list(value)
        words = " or ".join(_KIND.get(k, k) for k in kinds)
        hint = ""
        if "string" in kinds and isinstance(error.instance, bool):
            hint = " (quote words such as Yes, No, On and Off: unquoted, YAML reads them as true or false)"
        return f"expected {words}{hint}"
    if kind == "required":
        missing = [k for k in value if isinstance(error.instance, dict) and k not in error.instance]
        return f"missing {', '.join(repr(k) for k in missing)}" + (f" ({described})" if described else "")
    if kind == "additionalProperties":
        known = sorted(schema.get("properties", {}))
        unknown = sorted(str(k) for k in error.instance if k not in schema.get("properties", {}))
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(key, known, n=1)
            hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        return f"unknown key {', '.join(hints)}; expected only {', '.join(known)}"
    if kind in ("minimum", "maximum"):
        low, high = schema.get("minimum"), schema.get("maximum")
        if described:
            return f"expected {described}"
        if low is not None and high is not None:
            return f"expected a number from {low:g} to {high:g}"
        return f"expected a number {'at least' if kind == 'minimum' else 'at most'} {value:g}"
    if kind == "minItems":
        return "expected at least one item"
    if kind == "minProperties":
        return f"expected at least one entry{f' ({described})' if described else ''}"
    if kind == "minLength":
        return "expected text, not an empty value"
    if kind == "uniqueItems":
        return "expected each item once only"
    if kind == "pattern":
        return f"expected {described or 'text of the form ' + value}"
    return f"expected {described or 'a value of the shape the schema describes'}"


def schema_problems(data: Any) -> list[str]:
    """Every breach of the framework schema, as ``key.path: expected ...``, in file order of the keys."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{key_path(e.absolute_path)}: {_expected(e)}" for e in errors]
