"""Framework: the criteria an audit asks, held as data and checked when loaded.

- ``model``: the framework as dataclasses, read from YAML (the default ships in ``audit/data/criteria``).
- ``schema``: the file's shape, checked against the JSON Schema shipped as package data.
- ``rules``: the checks beyond the schema (references, uniqueness, ranges that depend on each other).
- ``registry``: the frameworks shipped (found with importlib.resources) and how ``--criteria`` names one.
- ``mapping``: how one version's criteria carry over to the next (for change over time across versions).
- ``settings``: the analysis settings the framework file holds (findings, moderation, rounds, age bands).

Each name below is imported on first use.
"""

from audit.lazy import exports

_EXPORTS = {
    "Framework": "audit.framework.model",
    "Criterion": "audit.framework.model",
    "Theme": "audit.framework.model",
    "load_framework": "audit.framework.model",
    "shipped": "audit.framework.registry",
    "framework_path": "audit.framework.registry",
    "finding_rules": "audit.framework.settings",
    "moderation_rules": "audit.framework.settings",
    "age_focus": "audit.framework.settings",
    "CriterionMap": "audit.framework.mapping",
    "load_mapping": "audit.framework.mapping",
    "mapping_path": "audit.framework.mapping",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = exports(__name__, _EXPORTS)
