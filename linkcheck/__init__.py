"""linkcheck — keeps a Chinese technical blog's references honest.

The pipeline, one subpackage per stage: ``scan`` (posts → unique links) → ``run`` (schedule, the
per-host runner, the nightly job) → ``net`` (the one HTTP transport) → ``classify`` (verdicts from
the ``sites`` table) → ``store`` (SQLite history) → ``archive`` (WARC) → ``report``; ``browser`` is
one more checker, ``cli`` a thin layer on top.

The names below are the library's surface::

    from linkcheck import collect, check_urls, Verdict

    links = collect(["posts"]).links
    outcomes = asyncio.run(check_urls(link.canonical for link in links if link.checkable))
    dead = [url for url, outcome in outcomes.items() if outcome.verdict is Verdict.DEAD]

They are imported on first use, so ``import linkcheck`` costs nothing until one is needed.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name → module that defines it
_EXPORTS = {
    "collect": "linkcheck.scan.collect",
    "ScanResult": "linkcheck.scan.collect",
    "canonicalize": "linkcheck.scan.canonical",
    "check_urls": "linkcheck.run.runner",
    "run_job": "linkcheck.run.job",
    "JobOptions": "linkcheck.run.job",
    "JobResult": "linkcheck.run.job",
    "FetchSettings": "linkcheck.net.transport",
    "Store": "linkcheck.store",
    "Link": "linkcheck.models",
    "Occurrence": "linkcheck.models",
    "Outcome": "linkcheck.models",
    "Verdict": "linkcheck.models",
    "CheckResult": "linkcheck.models",
    "profile_for": "linkcheck.sites",
    "SiteProfile": "linkcheck.sites",
}

__all__ = [  # noqa: RUF022  (grouped by stage, as _EXPORTS)
    "__version__",
    "collect",
    "ScanResult",
    "canonicalize",
    "check_urls",
    "run_job",
    "JobOptions",
    "JobResult",
    "FetchSettings",
    "Store",
    "Link",
    "Occurrence",
    "Outcome",
    "Verdict",
    "CheckResult",
    "profile_for",
    "SiteProfile",
]

if TYPE_CHECKING:
    from linkcheck.models import CheckResult, Link, Occurrence, Outcome, Verdict
    from linkcheck.net.transport import FetchSettings
    from linkcheck.run.job import JobOptions, JobResult, run_job
    from linkcheck.run.runner import check_urls
    from linkcheck.scan.canonical import canonicalize
    from linkcheck.scan.collect import ScanResult, collect
    from linkcheck.sites import SiteProfile, profile_for
    from linkcheck.store import Store


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'linkcheck' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
