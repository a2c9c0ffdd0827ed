"""The optional native fast paths of ``linkcheck scan`` (``linkcheck/_speedups.c``).

``speedups`` is the compiled module, or None when it was not built (no C compiler at install) or
``LINKCHECK_PURE_PYTHON=1`` turns it off. Each user keeps its rules in Python and only takes a
native shortcut that tests/test_speedups.py shows to give the same result.
"""

from __future__ import annotations

import os
from types import ModuleType

speedups: ModuleType | None = None
if not os.environ.get("LINKCHECK_PURE_PYTHON"):
    try:
        from linkcheck import _speedups as speedups
    except ImportError:  # built without a C compiler: the same rules run in Python
        speedups = None

__all__ = ["speedups"]
