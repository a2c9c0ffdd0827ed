"""Brotli (issue #22 item 13): linkcheck never asks for it, and a server that sends it anyway costs
no memory. Where a brotli module is importable (brotlipy comes with the test extra's pywb), aiohttp
offered ``br`` on every check, and the archive's decoder inflated a ``br`` body whole, with no cap
— unlike gzip and deflate, which it inflates at most to the text window."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

BOMB_MIB = 600

# Runs a command and prints the peak RSS (KiB) of it and its children: measured by the kernel.
PEAK_RSS = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "sys.stderr.write(done.stderr)\n"
    "sys.stdout.write(done.stdout)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(done.returncode)\n"
)


@pytest.fixture()
def brotli_importable() -> None:
    # The condition of the bug: aiohttp and the archive's decoder only use brotli when importable.
    assert importlib.util.find_spec("brotli") is not None, "the test extra installs a brotli module (brotlipy)"


def _blog(tmp_path: Path, simweb, *urls: str) -> list[str]:
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "p.md").write_text("\n".join(urls) + "\n", encoding="utf-8")
    (tmp_path / "ca.pem").write_bytes(simweb.ca_pem())
    return [
        "check", "--format", "json", "--archive",
        "--resolve", f"*:443:127.0.0.1:{simweb.https_port}", "--ca-bundle", "ca.pem", "--allow-private",
        "--canary", "https://behave.test/ok",
    ]  # fmt: skip


def test_checks_and_captures_never_offer_brotli(tmp_path: Path, simweb, brotli_importable) -> None:
    args = _blog(
        tmp_path, simweb, "https://behave.test/headers?x=1", "https://mp.weixin.qq.com/s/KDWh_qGpFN5Vu1TR9t30Mw"
    )
    done = subprocess.run([sys.executable, "-m", "linkcheck", *args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    # The canary's, the checks' and the captures' requests alike.
    offered = {r.headers.get("Accept-Encoding") for r in simweb.requests}
    assert offered == {"gzip, deflate"}, offered
    # The article was asked for (once: its capture is written from its check's own exchange), and
    # its images by the archive stage.
    assert simweb.hits("mp.weixin.qq.com") >= 1 and simweb.hits("mmbiz.qpic.cn") >= 1


def test_an_unasked_brotli_bomb_costs_no_memory(tmp_path: Path, simweb, brotli_importable) -> None:
    """A page answers ``Content-Encoding: br`` (600 MiB of zeros in ~110 KB) although nobody asked:
    the check and the capture end normally and the process never holds the inflated body."""
    args = _blog(tmp_path, simweb, f"https://behave.test/br-bomb?mb={BOMB_MIB}")
    done = subprocess.run([sys.executable, "-c", PEAK_RSS, sys.executable, "-m", "linkcheck", "--", *args],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)  # fmt: skip
    *messages, peak = done.stderr.rstrip().splitlines()
    assert done.returncode == 0, "\n".join(messages)
    assert "Traceback" not in done.stderr
    (row,) = json.loads(done.stdout)
    assert row["http_status"] == 200, {k: row.get(k) for k in ("verdict", "reason", "error")}
    assert simweb.hits("behave.test", "/br-bomb") >= 1  # checked (its capture is that same exchange)
    assert int(peak) < 300 * 1024, f"peak RSS {int(peak) // 1024} MiB"
