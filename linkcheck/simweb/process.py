"""The simulated web in a process of its own (benchmarks and fault injection measure the client alone).

``spawn`` starts ``python -m linkcheck.simweb`` and reads the ports it announces; the CA file is
written before the announcement, so it is ready when ``spawn`` returns.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

_ANNOUNCEMENT = re.compile(r"http 127\.0\.0\.1:(\d+)\s+https 127\.0\.0\.1:(\d+)")
_PROXY_ANNOUNCEMENT = re.compile(r"forward proxy: (http://127\.0\.0\.1:\d+)")


@dataclass(slots=True)
class SimwebProcess:
    proc: subprocess.Popen
    http_port: int
    https_port: int
    ca_file: Path
    proxy_url: str | None = None  # with the ``--proxy`` option: the forward proxy in front of it

    def resolve_args(self) -> list[str]:
        """`linkcheck` flags that send every host's 443/80 to this simulated web."""
        return ["--resolve", f"*:443:127.0.0.1:{self.https_port}", "--resolve", f"*:80:127.0.0.1:{self.http_port}"]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def spawn(ca_file: Path, *options: str, duration: float = 3600) -> SimwebProcess:
    """Start the simulated web (``options``: e.g. ``--alive``, ``--latency 0.05``, ``--proxy``) and wait
    for its ports (and, with ``--proxy``, the proxy's URL)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "linkcheck.simweb", *options, "--duration", str(duration), "--ca-file", str(ca_file)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )  # fmt: skip
    assert proc.stdout is not None
    started: SimwebProcess | None = None
    while True:
        line = proc.stdout.readline()
        if not line:
            proc.kill()
            raise SystemExit("the simulated web did not start")
        found = _ANNOUNCEMENT.search(line)
        if found:
            started = SimwebProcess(proc, int(found.group(1)), int(found.group(2)), ca_file)
        proxy = _PROXY_ANNOUNCEMENT.search(line)
        if proxy and started is not None:
            started.proxy_url = proxy.group(1)
        if started is not None and (started.proxy_url or "--proxy" not in options):
            return started
