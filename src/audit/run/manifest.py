"""The run manifest: what went into a set of reports, so anyone can tell exactly what they were made from."""

from __future__ import annotations

import datetime as dt
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from audit.framework.model import Framework

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


def input_records(data: Any) -> list[dict[str, Any]]:
    """Every input the run was given: each file read with its SHA-256 and its rows accounted for, and each not read.

    Files are named by their labels: as much of the path as tells two inputs apart. Workbooks read
    as older rounds under an older framework version (``data.earlier``) are listed with their version.
    Rows read = cases scored + rows excluded (rows naming no area are among the excluded).
    """
    records = []
    # Workbooks of an older framework version read as areas' earlier rounds are inputs too (with their version).
    files = {label: (digest, part) for part in (*data.earlier, data) for label, digest in part.files.items()}
    for label, (digest, part) in sorted(files.items()):
        cases = part.cases
        mine = cases[cases["file"] == label]
        excluded = mine[mine["status"] != "scored"]
        records.append(
            {
                "file": label,
                "sha256": digest,
                "rows_read": len(mine),
                "cases_scored": len(mine) - len(excluded),
                "rows_excluded": len(excluded),
                "rows_without_area": int(mine["area"].isna().sum()),
                **({"framework_version": part.framework.version} if data.earlier else {}),
            }
        )
    records.extend({"file": label, "not_read": str(exc)} for label, exc in sorted(data.failed.items()))
    return records


def build_manifest(
    inputs: dict[str, str] | list[dict[str, Any]],
    framework: Framework,
    parameters: dict[str, Any],
    started: dt.datetime,
    outputs: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Inputs with their SHA-256, the framework with its version and hash, the parameters and the software."""
    if isinstance(inputs, dict):
        inputs = [{"file": name, "sha256": digest} for name, digest in sorted(inputs.items())]
    return {
        "made": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "started": started.isoformat(timespec="seconds"),
        "inputs": inputs,
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


def write_run_manifest(
    out_dir: Path, data: Any, parameters: dict[str, Any], started: dt.datetime, outputs: dict[str, str]
) -> Path:
    """OUT/manifest.json for the run that last wrote into OUT: what it read, how it was set, what it made."""
    import json

    from audit.run.report import write_atomic

    manifest = build_manifest(input_records(data), data.framework, parameters, started, outputs)
    return write_atomic(out_dir / "manifest.json", json.dumps(manifest, indent=2) + "\n")
