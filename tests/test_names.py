"""Host names (issue #22 items 2 and 3): a non-ASCII name is the domain a browser would visit
(UTS #46 / IDNA 2008, not IDNA 2003), and a name that does not exist is `dead` whichever resolver
aiohttp would have picked (aiodns installed or not)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from linkcheck.canonical import canonicalize
from linkcheck.simweb import serve_in_thread

# --- item 2: IDNA ------------------------------------------------------------------------------

# What a browser visits (WHATWG URL: UTS #46 non-transitional) where IDNA 2003 maps the name to
# another domain: ß and final sigma are kept, not folded to "ss" and "σ".
BROWSER_FORM = {
    "straße.de": "xn--strae-oqa.de",
    "βόλος.com": "xn--nxasmm1c.com",
    "faß.de": "xn--fa-hia.de",
}

# Names whose stored (IDNA 2003) form must not change: the history keys of every Chinese and ASCII
# host already recorded. The right-hand sides are the forms linkcheck has always stored.
STABLE_FORM = {
    "例子.测试": "xn--fsqu00a.xn--0zwm56d",
    "中文.com": "xn--fiq228c.com",
    "百度.中国": "xn--wxtr44c.xn--fiqs8s",
    "中文。com": "xn--fiq228c.com",  # ideographic full stop separates labels, as in a browser
    "ＡＢＣ.com": "abc.com",  # full-width letters map to ASCII
    "bücher.de": "xn--bcher-kva.de",
    "mp.weixin.qq.com": "mp.weixin.qq.com",
    "xn--strae-oqa.de": "xn--strae-oqa.de",
    # IDNA 2008 disallows symbols; browsers still resolve them as IDNA 2003 spelled them.
    "☃.net": "xn--n3h.net",
}


@pytest.mark.parametrize(("name", "encoded"), [*BROWSER_FORM.items(), *STABLE_FORM.items()])
def test_host_is_encoded_as_a_browser_does(name: str, encoded: str) -> None:
    result = canonicalize(f"https://{name}/x")
    assert result.host == encoded
    assert result.canonical == f"https://{encoded}/x"


def test_check_fetches_the_domain_a_browser_would(tmp_path: Path) -> None:
    """Through the CLI: the request goes to xn--strae-oqa.de (Host header and SNI), never to
    strasse.de, and the history keys the link under that name."""
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "idn.md").write_text(
        "德国 https://straße.de/x 希腊 https://βόλος.com/y\n", encoding="utf-8"
    )
    with serve_in_thread(unknown_hosts="alive") as web:
        (tmp_path / "ca.pem").write_bytes(web.ca_pem())
        args = [
            sys.executable, "-m", "linkcheck", "check", "--format", "json", "--no-archive",
            "--resolve", f"*:443:127.0.0.1:{web.https_port}", "--ca-bundle", "ca.pem", "--allow-private",
            "--canary", "https://behave.test/ok",
        ]  # fmt: skip
        done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        asked = {r.host for r in web.requests}
    assert done.returncode == 0, done.stderr
    rows = {row["url"]: row for row in json.loads(done.stdout)}
    assert rows["https://straße.de/x"]["canonical"] == "https://xn--strae-oqa.de/x"
    assert rows["https://βόλος.com/y"]["canonical"] == "https://xn--nxasmm1c.com/y"
    assert {row["verdict"] for row in rows.values()} == {"alive"}
    assert {"xn--strae-oqa.de", "xn--nxasmm1c.com"} <= asked
    assert not {"strasse.de", "xn--nxasmq6b.com"} & asked
    db = sqlite3.connect(tmp_path / "state" / "linkcheck.db")
    stored = {row[0] for row in db.execute("select canonical from urls")}
    assert stored == {"https://xn--strae-oqa.de/x", "https://xn--nxasmm1c.com/y"}
