"""A module holds one idea: none of the package's modules runs past about 450 lines."""

from __future__ import annotations

from pathlib import Path

import audit

LIMIT = 450


def test_no_module_is_over_the_limit():
    root = Path(audit.__file__).parent
    modules = [p for p in root.rglob("*.py") if "notebooks" not in p.parts]
    sizes = {p.relative_to(root).as_posix(): len(p.read_text(encoding="utf-8").splitlines()) for p in modules}
    assert len(sizes) > 20  # the package was found
    too_long = {name: n for name, n in sizes.items() if n > LIMIT}
    assert not too_long, f"split these by idea: {too_long}"
