"""The explorer works in JupyterLab: open the notebook, run it, change a dropdown, see the table change.

JupyterLab runs on a free local port with its own settings folders (nothing of the user's is read or
changed), on a copy of the notebook pointed at the sample data. tests/browser/explore_lab.mjs drives
Debian's Chromium through playwright-core and prints what it saw. Skips, saying why, where Chromium,
node or the npm packages are missing (`make test` installs them).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE_DATA, node_json
from tests.test_accessibility import _browser_unavailable

DRIVER = ROOT / "tests" / "browser" / "explore_lab.mjs"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _notebook_copy(folder: Path) -> Path:
    """The explorer notebook with its source set to the sample data, wherever the test runs."""
    nb = json.loads((ROOT / "notebooks" / "explore_cases.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if "parameters" in cell["metadata"].get("tags", []):
            lines = "".join(cell["source"]).splitlines(keepends=True)
            lines[0] = f"source: str = {str(SAMPLE_DATA)!r}  # the sample data\n"
            cell["source"] = lines
    path = folder / "explore_cases.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """JupyterLab serving a copy of the explorer; yields the notebook's URL (with the token)."""
    why = _browser_unavailable()
    if why:
        pytest.skip(f"JupyterLab browser test skipped: {why}")
    home = tmp_path_factory.mktemp("lab")
    work = home / "work"
    work.mkdir()
    _notebook_copy(work)
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "HOME": str(home),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
    }
    server = subprocess.Popen(
        [
            sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
            f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
            "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None", "--LabApp.check_for_updates_class="
            "jupyterlab.NeverCheckForUpdate", "--LabApp.extension_manager=readonly",
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        status = f"http://127.0.0.1:{port}/api/status?token={token}"
        for _ in range(300):  # up to about 30 s for the server to answer; it usually takes 2-4
            if server.poll() is not None:
                pytest.fail(f"JupyterLab stopped: {server.stderr.read()[-2000:] if server.stderr else ''}")
            try:
                with urllib.request.urlopen(status, timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/lab/tree/explore_cases.ipynb?token={token}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(home, ignore_errors=True)


def test_changing_a_dropdown_changes_the_table_in_jupyterlab(lab: str):
    _, seen, _ = node_json([str(DRIVER), lab], ROOT, 120, "explore_lab.mjs")
    assert "error" not in seen, json.dumps(seen, indent=1)[:3000]
    before, after = seen["before"], seen["after"]
    # The parameters' selection first: Amberlow Vale, focus ages, V1 answered No.
    assert before["summary"].startswith("Amberlow Vale, age Unborn, 0-2, 3-7, V1")
    assert set(before["v1"]) == {"No"} and before["rows"] > 0
    assert "V1 evidence" in before["headers"] and "Agencies" in before["headers"]
    options = [o.replace("\xa0", " ") for o in seen["answerOptions"]]
    assert options == ["Yes, Partly or No", "Yes", "Partly", "No", "N/A"]
    # The answer changed to Yes: the line and the table follow.
    assert after["summary"] != before["summary"] and ": Yes in " in after["summary"]
    assert set(after["v1"]) == {"Yes"} and after["rows"] > 0
    assert seen["outside"] == []  # itables' and the widgets' JavaScript came with the packages
