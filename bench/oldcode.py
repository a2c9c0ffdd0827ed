"""The ``linkcheck`` package as it was at a git revision, for benchmarks that run old code beside new.

The package is pure Python (no native module to carry over), so ``git archive`` of its folder,
unpacked into ``into``, is the whole of it; put ``into`` first on ``PYTHONPATH`` to run it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def package_at(revision: str, into: Path) -> Path:
    """``linkcheck/`` as it was at ``revision``, unpacked under ``into`` (made here); returns ``into``."""
    git = ["git", "-C", str(ROOT), "archive", revision, "linkcheck"]
    archive = subprocess.run(git, capture_output=True, check=True)
    into.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into
