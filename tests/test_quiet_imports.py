"""Loading a framework does not pay for jsonschema's URI grammar (about 2 s with jupyterlab installed)."""

from __future__ import annotations

import subprocess
import sys


def test_loading_a_framework_leaves_the_uri_grammar_unloaded():
    code = (
        "import sys\n"
        "from audit.framework.model import load_framework\n"
        "load_framework()\n"
        "print('rfc3987_syntax' in sys.modules, 'jsonschema' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True"]


def test_the_grammar_package_stays_importable_afterwards():
    code = (
        "import importlib.util, sys\n"
        "from audit.quiet_imports import import_jsonschema\n"
        "import_jsonschema()\n"
        "print(sys.modules.get('rfc3987_syntax', 'absent') is not None)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True"]
