"""The run manifest: what went into a set of reports, so anyone can tell exactly what they were made from."""

from __future__ import annotations

import datetime as dt
import platform
import sys
from importlib import metadata
from typing import Any

from audit.framework import Framework

PACKAGES = (
    "audit",
    "pandas",
    "python-calamine",
    "openpyxl",
    "statsmodels",
    "matplotlib",
    "papermill",
    "nbclient",
    "nbconvert",
    "defusedxml",
    "msoffcrypto-tool",
)


def package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def build_manifest(
    inputs: dict[str, str],
    framework: Framework,
    parameters: dict[str, Any],
    started: dt.datetime,
    outputs: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Inputs with their SHA-256, the framework with its version and hash, the parameters and the software."""
    return {
        "made": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "started": started.isoformat(timespec="seconds"),
        "inputs": [{"file": name, "sha256": digest} for name, digest in sorted(inputs.items())],
        "framework": {
            "id": framework.id,
            "version": framework.version,
            "file": framework.path.name,
            "sha256": framework.sha256,
        },
        "parameters": parameters,
        "outputs": outputs or {},
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": package_versions(),
    }
