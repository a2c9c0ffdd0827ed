"""Reference implementations the internal-link checker is compared with: Jekyll and kramdown (Ruby).

They come from Debian (``apt-get install jekyll``, which brings ruby-kramdown and its GFM parser).
Without them the comparisons are skipped — unless ``LINKCHECK_REQUIRE_JEKYLL`` is set (``.ci/run``
sets it after installing them), where a missing oracle is a failure, not a silent skip.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def oracle_missing(reason: str) -> NoReturn:
    if os.environ.get("LINKCHECK_REQUIRE_JEKYLL"):
        pytest.fail(f"LINKCHECK_REQUIRE_JEKYLL is set, but {reason}")
    pytest.skip(reason)
