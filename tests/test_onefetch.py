"""One fetch per page: the recorded check (``Fetcher.check(url, recording=…)``) through the real
client against the simulated web gives the plain check's verdict and keeps the raw bytes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import urlsplit

from linkcheck.fetch import Fetcher, Recording
from linkcheck.models import Verdict
from linkcheck.resolve import RoutingResolver
from linkcheck.simweb import pages as P
from tests.support import fast_politeness, fast_settings
from tests.test_archive import WX, WX_CHUNKED, WX_GZIP, WX_LIVE

WX_DELETED = WX + "P9cMowFQ-QahLRnfHponKw"


# ---- the recorded check ---------------------------------------------------------------------


async def _plain_and_recorded(web, urls: list[str], recording: Callable[[], Recording], **overrides):
    """(plain outcome, recorded outcome, recording) per URL, with a fresh recording each."""
    hosts = {urlsplit(u).hostname or "" for u in urls}
    settings = fast_settings(web, politeness_overrides=fast_politeness(hosts), **overrides)
    found = {}
    async with Fetcher(settings, resolver=RoutingResolver(web.route)) as fetcher:
        for url in urls:
            plain = await fetcher.check(url)
            kept = recording()
            recorded = await fetcher.check(url, recording=kept)
            found[url] = (plain, recorded, kept)
    return found


def plain_and_recorded(web, urls: list[str], recording: Callable[[], Recording], **overrides):
    return asyncio.run(_plain_and_recorded(web, urls, recording, **overrides))


BH = "https://behave.test"


def test_a_recorded_check_gives_the_plain_verdict_and_keeps_the_raw_exchanges(tmp_path, simweb):
    urls = [
        WX_LIVE, WX_GZIP, WX_CHUNKED, WX_DELETED, WX + "-WZT_VzhmSkJRAjb6GwsUA", WX + "freq000000000000000000",
        f"{BH}/redirect/3", f"{BH}/loop/a", f"{BH}/status/404", f"{BH}/status/503", f"{BH}/truncated",
        f"{BH}/gzip-bomb", f"{BH}/redirect-to?url=ftp://example.com/", "https://github.com/owner/old-name",
        "https://blog.csdn.net/sunsonfly/article/details/13502993",
    ]  # fmt: skip
    found = plain_and_recorded(simweb, urls, lambda: Recording(tmp_path / "tmp", max_bytes=1 << 20), max_attempts=1)
    for url, (plain, recorded, _kept) in found.items():
        # One HTTP code path: the same reasons (redirect-loop, truncated, http-5xx …) whether recorded or not.
        assert (recorded.verdict, recorded.reason, recorded.redirects) == (
            plain.verdict, plain.reason, plain.redirects,
        ), url  # fmt: skip
    _plain, _recorded, gz = found[WX_GZIP]
    [exchange] = gz.exchanges
    assert exchange.body_path.read_bytes() == P.wx_live_gzip()  # as sent: still gzip
    assert (exchange.status, exchange.header("Content-Encoding"), exchange.truncated) == (200, "gzip", False)
    assert dict(exchange.request_headers)["Accept-Encoding"] == "gzip, deflate"
    assert gz.outcome is not None and gz.outcome.reason == "live-marker" and P.WX_LIVE_TITLE in gz.page.text
    [chunked] = found[WX_CHUNKED][2].exchanges
    assert chunked.body_path.read_bytes() == P.wx_live() and chunked.header("Transfer-Encoding") == "chunked"
    # behave.test is checked with HEAD: the recorded GET's body is for the archive only, and a body
    # cut short by the server leaves the verdict (alive, as the HEAD said) and spoils the capture.
    assert found[f"{BH}/truncated"][2].incomplete == "truncated"
    # Redirect hops are exchanges of their own, the final answer last.
    hops = found[f"{BH}/redirect/3"][2].exchanges
    assert [e.status for e in hops] == [301, 301, 301, 200] and hops[-1].url == f"{BH}/ok"
    # A gzip bomb: 1 MiB of it kept (cut), the classification window decoded within the check's cap.
    [bomb] = found[f"{BH}/gzip-bomb"][2].exchanges
    assert bomb.truncated and bomb.length == 1 << 20
    for _plain, _recorded, kept in found.values():
        kept.discard()
    assert not list((tmp_path / "tmp").iterdir())


def test_the_recorded_body_is_the_archives_not_the_checks(tmp_path, simweb):
    big = WX + "liveBig000000000000000"  # 3.3 MB: past the check's 2 MiB window
    found = plain_and_recorded(simweb, [big], lambda: Recording(tmp_path, max_bytes=20 << 20))
    plain, recorded, kept = found[big]
    assert (recorded.verdict, recorded.reason) == (plain.verdict, plain.reason) == (Verdict.ALIVE, "live-marker")
    [exchange] = kept.exchanges
    assert exchange.body_path.read_bytes() == P.wx_live_big() and not exchange.truncated
    assert kept.page is not None and len(kept.page.body) == 2 << 20 and kept.page.truncated
    # A cap below the window cuts what is kept, never what is classified.
    small = plain_and_recorded(simweb, [big], lambda: Recording(tmp_path, max_bytes=4096))[big]
    assert small[1].reason == "live-marker" and small[2].exchanges[0].length == 4096
    assert small[2].exchanges[0].truncated and len(small[2].page.body) == 2 << 20


def test_a_recorded_check_survives_what_goes_wrong_past_its_window(tmp_path, simweb):
    drip = f"{BH}/drip?bytes_per_s=200000&total=400000"  # ~2 s; the 64 KiB window comes in 0.4 s
    timed = plain_and_recorded(
        simweb, [drip], lambda: Recording(tmp_path, max_bytes=1 << 20, timeout=0.8), total_timeout=0.8
    )[drip]
    # The verdict is the plain check's (it reads 64 KiB); only the capture is given up.
    assert (timed[0].reason, timed[1].reason, timed[2].incomplete) == ("http-200", "http-200", "timeout")
    # An unwritable temporary directory is a disk error for the archive, not a failed check.
    (tmp_path / "not-a-dir").write_text("x")
    disk = plain_and_recorded(simweb, [WX_LIVE], lambda: Recording(tmp_path / "not-a-dir", max_bytes=1 << 20))
    _plain, recorded, kept = disk[WX_LIVE]
    assert recorded.reason == "live-marker" and isinstance(kept.disk_error, OSError)
