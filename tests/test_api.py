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


def test_the_readme_example_runs(simweb, tmp_path: Path, monkeypatch, capsys) -> None:
    """The README's example itself, run in a blog folder: its check goes through the real client to
    the simulated web (the one thing added: the test's CA, resolver and canary, as keywords of its
    `check_urls` call), and its last line reads the history database through `store.queries`."""
    import ast
    import re
    from datetime import UTC, datetime, timedelta

    from linkcheck import Outcome, Store
    from linkcheck.scan.canonical import canonicalize

    deleted, alive = "https://mp.weixin.qq.com/s/P9cMowFQ-QahLRnfHponKw", "https://behave.test/ok"
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "2020-01-01-a.md").write_text(f"See [this]({deleted}) and <{alive}>.\n", encoding="utf-8")
    links = collect([tmp_path / "posts"]).links
    with Store(tmp_path / "state" / "linkcheck.db") as store:  # three dead checks over eight days: confirmed
        store.links.sync(links)
        start = datetime(2026, 1, 1, tzinfo=UTC)
        for day in (0, 4, 8):
            run = store.runs.begin({}, now=start + timedelta(days=day))
            dead = Outcome(Verdict.DEAD, "tombstone:weixin-deleted", 200)
            store.checks.record(run, canonicalize(deleted).canonical, dead, now=start + timedelta(days=day))
            store.runs.finish(run, "completed", {}, now=start + timedelta(days=day, minutes=1))

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## As a library", 1)[1].split("\n## ", 1)[0]
    tree = ast.parse(re.search(r"```python\n(.*?)```", section, re.S).group(1))
    [call] = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "check_urls"]
    call.keywords += [
        ast.keyword(name, ast.Name(f"_{name}", ast.Load())) for name in ("settings", "resolver", "canaries")
    ]
    ast.fix_missing_locations(tree)
    monkeypatch.chdir(tmp_path)
    exec(  # the README's own code
        compile(tree, "README.md", "exec"),
        {
            "_settings": FetchSettings(extra_ca_pem=simweb.ca_pem(), allow_private=True, backoff_initial=0.01),
            "_resolver": RoutingResolver(simweb.route),
            "_canaries": [simweb.url("behave.test", "/ok")],
        },
    )
    assert capsys.readouterr().out.splitlines() == [
        f"weixin {deleted} tombstone:weixin-deleted",
        "1 confirmed dead",
    ]
    assert simweb.hits("mp.weixin.qq.com", "/s/P9cMowFQ-QahLRnfHponKw") == 1
