"""Host names (issue #22 items 2 and 3): a non-ASCII name is the domain a browser would visit
(UTS #46 / IDNA 2008, not IDNA 2003), and a name that does not exist is `dead` whichever resolver
aiohttp would have picked (aiodns installed or not)."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import sqlite3
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from linkcheck.scan.canonical import canonicalize
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
    (tmp_path / "posts" / "idn.md").write_text("德国 https://straße.de/x 希腊 https://βόλος.com/y\n", encoding="utf-8")
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


# --- item 3: the verdict of a name that does not exist ------------------------------------------


class NxDomainServer:
    """A DNS server on loopback (UDP) that answers NXDOMAIN to every query and logs the names."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.queries: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="nxdomain-dns", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            if len(data) < 12:
                continue
            query_id, flags = struct.unpack("!HH", data[:4])
            labels, pos = [], 12
            while pos < len(data) and data[pos]:
                labels.append(data[pos + 1 : pos + 1 + data[pos]].decode("ascii", "replace"))
                pos += 1 + data[pos]
            self.queries.append(".".join(labels))
            question = data[12 : pos + 5]
            # QR=1, the query's RD bit, RA=1, RCODE=3 (NXDOMAIN); the question echoed, no answers.
            answer_flags = 0x8000 | (flags & 0x0100) | 0x0080 | 3
            self.sock.sendto(struct.pack("!HHHHHH", query_id, answer_flags, 1, 0, 0, 0) + question, peer)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


@pytest.fixture()
def nxdomain_dns() -> Iterator[NxDomainServer]:
    server = NxDomainServer()
    yield server
    server.close()


# Loaded into the `linkcheck check` subprocess before linkcheck: this test machine's name service
# knows no name (the system resolver, getaddrinfo, says EAI_NONAME; aiodns asks the loopback DNS
# server, which says NXDOMAIN) — so nothing leaves the machine, and both resolvers agree that
# gone.test does not exist. LINKCHECK_HIDE_AIODNS=1 makes aiodns unimportable, as on a machine
# without it.
WORLD = """
import os, socket, sys

if os.environ.get("LINKCHECK_HIDE_AIODNS"):
    class _HideAiodns:
        def find_spec(self, name, path=None, target=None):
            if name == "aiodns" or name.startswith("aiodns."):
                raise ImportError("aiodns is hidden in this test")
            return None
    sys.meta_path.insert(0, _HideAiodns())
else:
    import aiodns
    _init = aiodns.DNSResolver.__init__
    def _loopback_dns(self, nameservers=None, *args, **kwargs):
        _init(self, [f"127.0.0.1:{os.environ['NXDOMAIN_DNS_PORT']}"], *args, **kwargs)
    aiodns.DNSResolver.__init__ = _loopback_dns

_getaddrinfo = socket.getaddrinfo
def _no_names(host, *args, **kwargs):
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in str(host) else socket.AF_INET, str(host))
    except (OSError, TypeError):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
    return _getaddrinfo(host, *args, **kwargs)
socket.getaddrinfo = _no_names
"""


@pytest.mark.parametrize("aiodns_state", ["importable", "hidden"])
def test_a_name_that_does_not_exist_is_dead_with_or_without_aiodns(
    aiodns_state: str, tmp_path: Path, simweb, nxdomain_dns: NxDomainServer
) -> None:
    """aiohttp's DefaultResolver is aiodns's when aiodns is importable, and aiodns reports NXDOMAIN
    as errno None: linkcheck recorded `error:dns` there and `dead:dns` elsewhere. It pins its own
    resolver (the system's getaddrinfo), so the verdict is `dead` in both worlds and the aiodns
    DNS server is never asked."""
    if aiodns_state == "importable":
        # The test extra installs aiodns; with it, aiohttp's own choice would be aiodns.
        assert importlib.util.find_spec("aiodns") is not None, "pip install -e '.[test]' installs aiodns"
        from aiohttp.resolver import AsyncResolver, DefaultResolver

        assert DefaultResolver is AsyncResolver
    (tmp_path / "world").mkdir()
    (tmp_path / "world" / "name_service_world.py").write_text(WORLD, encoding="utf-8")
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "gone.md").write_text("域名已过期 https://gone.test/x\n", encoding="utf-8")
    (tmp_path / "ca.pem").write_bytes(simweb.ca_pem())
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path / "world"), os.environ.get("PYTHONPATH", "")]),
        "NXDOMAIN_DNS_PORT": str(nxdomain_dns.port),
        # asyncio's loop resolves with socket.getaddrinfo, which the world above replaces (uvloop
        # calls the C library directly, out of a Python shim's reach).
        "LINKCHECK_EVENT_LOOP": "asyncio",
    }
    if aiodns_state == "hidden":
        env["LINKCHECK_HIDE_AIODNS"] = "1"
    program = "import name_service_world; from linkcheck.__main__ import run; run()"
    args = [
        sys.executable, "-c", program, "check", "--format", "json", "--no-archive",
        # Only the canary is routed to the simulated web: gone.test goes to the system resolver.
        "--resolve", f"behave.test:443:127.0.0.1:{simweb.https_port}", "--ca-bundle", "ca.pem", "--allow-private",
        "--canary", "https://behave.test/ok",
    ]  # fmt: skip
    done = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)
    assert (row["verdict"], row["reason"]) == ("dead", "dns"), row
    assert nxdomain_dns.queries == []  # linkcheck's resolver is the system's, whatever is installed
