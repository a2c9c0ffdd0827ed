"""The library surface: `linkcheck.__all__` names what a script needs, each importable from the
package, and the one-call check goes through the real client against the simulated web."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import linkcheck
from linkcheck import FetchSettings, Verdict, check_urls, collect, profile_for
from linkcheck.net.resolve import RoutingResolver

REPO = Path(__file__).resolve().parent.parent


def test_every_exported_name_resolves() -> None:
    for name in linkcheck.__all__:
        assert getattr(linkcheck, name) is not None, name
    assert {"collect", "run_job", "check_urls", "Store", "Outcome", "Verdict", "profile_for"} <= set(linkcheck.__all__)


def test_importing_the_package_imports_no_stage() -> None:
    """`import linkcheck` (and so every `linkcheck.x` import, the CLI's included) loads no stage
    until a name is used: the scan does not pay for aiohttp, SQLite or the archive."""
    probe = "import sys, linkcheck; print(sorted(m for m in sys.modules if m.startswith(('linkcheck.', 'aiohttp'))))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"


def test_check_urls_through_the_real_client(simweb) -> None:
    settings = FetchSettings(extra_ca_pem=simweb.ca_pem(), allow_private=True, backoff_initial=0.01, max_attempts=2)
    urls = [
        "https://mp.weixin.qq.com/s/P9cMowFQ-QahLRnfHponKw",  # a deleted WeChat article: HTTP 200, dead
        "https://behave.test/ok",
        "https://behave.test/status/404",
        "mailto:someone@example.com",
    ]
    outcomes = asyncio.run(
        check_urls(urls, settings, resolver=RoutingResolver(simweb.route), canaries=[simweb.url("behave.test", "/ok")])
    )
    assert outcomes[urls[0]].verdict is Verdict.DEAD and outcomes[urls[0]].reason == "tombstone:weixin-deleted"
    assert outcomes[urls[1]].verdict is Verdict.ALIVE
    assert (outcomes[urls[2]].verdict, outcomes[urls[2]].reason) == (Verdict.DEAD, "http-404")
    assert outcomes[urls[3]].verdict is Verdict.SKIPPED
    assert simweb.hits("mp.weixin.qq.com", "/s/P9cMowFQ-QahLRnfHponKw") == 1


def test_collect_and_profile_for_on_the_posts() -> None:
    links = collect([REPO / "posts"]).links
    sites = {profile_for(link.host).name for link in links if link.checkable}
    assert {"weixin", "zhihu"} <= sites


def test_the_readme_example_uses_only_the_public_names() -> None:
    import ast
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## As a library", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    tree = ast.parse(code)
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module == "linkcheck"
                for alias in node.names}  # fmt: skip
    assert imported and imported <= set(linkcheck.__all__)
    assert len(code.strip().splitlines()) <= 12
