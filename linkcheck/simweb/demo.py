"""``linkcheck demo``: the real pipeline against a simulated web built from the blog's own URLs.

A machine without internet still shows what linkcheck does: the simulated web answers every host
of the posts (unknown hosts with a live page) and gives a few of the blog's real URLs the
behaviours of the real platforms — deleted and banned WeChat articles, a WeChat verification wall,
a Zhihu 404 and its 403 challenge, a plain 404, a host too slow to answer. Three nights, days
apart (an injected clock), show how a dead link gets *confirmed*, how the host that never answers
becomes *unreachable*, and what the report says. Every page carries the title its post cites it
with (:func:`titles_for`), as most real pages still do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from linkcheck.models import Link
from linkcheck.sites import Politeness, profile_for

# The demo's pacing: request starts to one host 5 ms apart instead of the sites' real intervals
# (WeChat ~1 s, any other host 0.1 s). Against the local simulated web this runs the same pipeline;
# with real pacing the checks of the four sample posts and the archiving of their ~200 pages and
# ~550 article images (mostly on one image host, 0.05 s apart) take over three minutes.
DEMO_INTERVAL_S = 0.005
# Seconds for one attempt: the simulated web answers in milliseconds, and the "too slow" host is
# given up on after this (twice: timeouts are retried) — it is the longest wait of each night.
DEMO_TIMEOUT_S = 1.0

# Behaviours handed out to the blog's URLs, by site: catalogue URLs of the simulated web.
WECHAT_BEHAVIOURS = (
    ("https://mp.weixin.qq.com/s/P9cMowFQ-QahLRnfHponKw", "deleted by its author"),
    ("https://mp.weixin.qq.com/s/-WZT_VzhmSkJRAjb6GwsUA", "removed for a violation"),
    ("https://mp.weixin.qq.com/s/acct000000000000000000", "account closed"),
    ("https://mp.weixin.qq.com/s/freq000000000000000000", "verification wall"),
)
ZHIHU_BEHAVIOURS = (
    ("https://zhuanlan.zhihu.com/p/100000001", "Zhihu 404 page"),
    ("https://zhuanlan.zhihu.com/p/486808688", "live (browser-like client)"),
)
OTHER_BEHAVIOURS = (
    ("https://behave.test/status/404", "HTTP 404"),
    ("https://behave.test/status/410", "HTTP 410"),
    ("https://behave.test/slow?ms=60000", "too slow to answer"),
)


@dataclass(frozen=True, slots=True)
class Assignment:
    url: str  # the blog's URL (canonical)
    behaves_as: str  # the catalogue URL that answers for it
    description: str


def plan_scenario(links: Iterable[Link]) -> list[Assignment]:
    """Give the first WeChat, Zhihu and other checkable URLs of the posts a scripted behaviour.

    Everything else answers as the platform normally does: WeChat and GitHub pages live, other
    Zhihu pages with the 403 challenge, unknown hosts with a small live page.
    """
    pools = {
        "weixin": list(WECHAT_BEHAVIOURS),
        "zhihu": list(ZHIHU_BEHAVIOURS),
        "other": list(OTHER_BEHAVIOURS),
    }
    assignments: list[Assignment] = []
    for link in links:
        if not link.checkable:
            continue
        site = profile_for(link.host).name
        pool = pools.get(site, pools["other"] if site == "generic" else [])
        if pool:
            target, description = pool.pop(0)
            assignments.append(Assignment(link.canonical, target, description))
    return assignments


def choose_posts(given: list[Path] | None, cwd: Path, bundled: Path) -> tuple[list[Path], bool]:
    """The paths the demo scans and whether they are the bundled sample posts: the paths given,
    else ``posts/`` of the working directory, else the sample posts shipped with linkcheck (a
    fresh install run anywhere but in a blog root)."""
    if given:
        return list(given), False
    if (cwd / "posts").exists():
        return [Path("posts")], False
    return [bundled], True


def demo_pacing(hosts: Iterable[str]) -> dict[str, Politeness]:
    """Per-host politeness overrides with the demo's short interval, for ``hosts`` (the posts'
    hosts) and every host the simulated web serves itself — among them WeChat's image host
    mmbiz.qpic.cn, which the archive stage reaches through the pages rather than the posts.
    Each host keeps its real concurrency."""
    from linkcheck.simweb.server import SIMULATED_HOSTS

    return {
        host: Politeness(concurrency=profile_for(host).politeness.concurrency, interval=DEMO_INTERVAL_S, jitter=0.2)
        for host in {*hosts, *SIMULATED_HOSTS}
    }


def aliases_for(assignments: Iterable[Assignment]) -> dict[str, str]:
    """The simulated web's alias table: ``host/path?query`` of the blog URL → catalogue URL."""
    table: dict[str, str] = {}
    for assignment in assignments:
        rest = assignment.url.split("://", 1)[1]
        host, _, path = rest.partition("/")
        table[f"{host}/{path}"] = assignment.behaves_as
    return table


def titles_for(links: Iterable[Link]) -> dict[str, str]:
    """The simulated web's title table: ``host/path?query`` of each cited URL → the title the posts
    cite it with (the first), so the pages answer as the articles the posts cite — as most still
    do — and only a scripted replacement drifts (:mod:`linkcheck.drift`)."""
    table: dict[str, str] = {}
    for link in links:
        title = next((o.title for o in link.occurrences if o.title), None)
        if title is None or not link.checkable or "://" not in link.canonical:
            continue
        table[link.canonical.split("://", 1)[1]] = title
    return table


# The smallest valid PNG (1×1): the demo blog's images only have to exist.
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f5d5b90000000049454e44ae426082"
)


def demo_blog(links: Iterable[Link], state: Path) -> tuple[Path | None, list[Assignment]]:
    """A blog root for the demo's posts: a ``_config.yml`` and an ``images/`` folder holding every
    image the posts show — but one, deleted, and one saved under a name in another case — so the
    local check of links into the blog has a broken image to find. (None, []) when the posts show
    no image of their own."""
    images = sorted({link.canonical for link in links if link.skip_reason == "site-relative"
                     and link.canonical.startswith("/images/") and "%" not in link.canonical})  # fmt: skip
    if not images:
        return None, []
    root = state / "blog"
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "_config.yml").write_text("# linkcheck demo: the blog's images\ntitle: demo\n", encoding="utf-8")
    missing, *present = images
    scripted = [Assignment(missing, "", "an image deleted from images/ (missing-file)")]
    for index, path in enumerate(present):
        name = path.removeprefix("/")
        if index == 0 and name != name.upper():
            name = name.rsplit("/", 1)[0] + "/" + name.rsplit("/", 1)[-1].upper()
            scripted.append(Assignment(path, "", "an image saved as " + "/" + name + " (case-mismatch)"))
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_PNG)
    return root, scripted
