"""jsonschema without the 2-second URI grammar, for every part of the toolkit that imports it.

jsonschema builds an RFC 3987 grammar with lark when ``rfc3987_syntax`` is installed
(jupyterlab pulls it in), the first time it is imported: about 2 s. The grammar only
checks the ``iri`` string format, which neither the notebook schema nor the framework
schema uses, so the package is hidden while jsonschema loads and made importable again after.
"""

from __future__ import annotations

import sys
import threading
from types import ModuleType

_LOCK = threading.Lock()


def import_jsonschema() -> ModuleType:
    """jsonschema, imported once without ``rfc3987_syntax``'s grammar."""
    with _LOCK:
        if "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules:
            sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # makes its import fail
            try:
                import jsonschema
            finally:
                if sys.modules.get("rfc3987_syntax", ...) is None:
                    del sys.modules["rfc3987_syntax"]
        import jsonschema

        return jsonschema
