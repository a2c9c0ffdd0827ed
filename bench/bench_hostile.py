"""Hostile-server suite as a whole run: verdicts, wall time and the checker's peak RSS.

Starts the simulated web in its own process, writes a post citing every hostile behaviour
(`hostile.test`, the bad-TLS hosts, the 30 MB page, gzip bombs …) ``--copies`` times, and runs the
real ``linkcheck check --method get`` on it in a subprocess. Prints the verdict of every behaviour,
the wall time against the bound the timeouts set, and the checker's peak RSS (from ``wait4``),
which must stay bounded however large or endless the bodies are.

    python bench/bench_hostile.py [--copies 5] [--timeout 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from linkcheck.simweb.process import spawn

BEHAVIOURS = [
    "https://hostile.test/endless", "https://hostile.test/slow-drip", "https://hostile.test/gzip-bomb",
    "https://hostile.test/huge-length", "https://hostile.test/dropped", "https://hostile.test/bad-header",
    "https://hostile.test/huge-header", "https://hostile.test/many-headers", "https://hostile.test/http10",
    "https://hostile.test/garbage", "https://hostile.test/never", "https://hostile.test/chain/50",
    "https://hostile.test/to-file", "https://hostile.test/to-ftp", "https://hostile.test/to-javascript",
    "https://expired.test/", "https://wronghost.test/", "https://selfsigned.test/",
    "https://behave.test/huge?mb=30", "https://behave.test/gzip-bomb?mb=1024", "https://behave.test/drip",
    "https://behave.test/reset", "https://behave.test/truncated", "https://mp.weixin.qq.com/s/liveBig000000000000000",
]  # fmt: skip


RSS_BOUND_MB = 150  # the checker's memory must not grow with what hostile servers send


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=5, help="each behaviour cited this many times")
    parser.add_argument("--timeout", type=float, default=3.0, help="seconds per attempt")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    (work / "posts").mkdir()
    urls = [f"{url}{'&' if '?' in url else '?'}copy={i}" for i in range(args.copies) for url in BEHAVIOURS]
    (work / "posts" / "hostile.md").write_text("\n\n".join(urls), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    server = spawn(work / "ca.pem")
    try:
        command = [
            sys.executable, "-m", "linkcheck", "check", "-f", "json", "--method", "get",
            *server.resolve_args(),
            "--ca-bundle", str(work / "ca.pem"), "--canary", "https://behave.test/ok",
            "--timeout", str(args.timeout), "--connect-timeout", str(args.timeout), "--max-attempts", "2",
            "--backoff", "0.2", "--db", str(work / "state" / "linkcheck.db"),
            "--allow-private",  # the simulated web is on loopback (the guard's tests are in tests/)
        ]  # fmt: skip
        started = time.perf_counter()
        out = open(work / "out.json", "w")  # noqa: SIM115 - handed to the child
        child = subprocess.Popen(command, cwd=work, stdout=out, stderr=subprocess.PIPE, text=True, env=env)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        out.close()
        stderr = child.stderr.read() if child.stderr else ""
        code = os.waitstatus_to_exitcode(status)
    finally:
        server.stop()
    rows = json.loads((work / "out.json").read_text(encoding="utf-8") or "[]")
    by_behaviour: dict[str, Counter] = {}
    for row in rows:
        base = re.sub(r"[?&]copy=\d+$", "", row["url"])
        by_behaviour.setdefault(base, Counter())[f"{row['verdict']}:{row['reason']}"] += 1
    print(f"hostile suite: {len(BEHAVIOURS)} behaviours x {args.copies} copies = {len(urls)} URLs, "
          f"timeout {args.timeout:g} s x 2 attempts, --method get")  # fmt: skip
    for url in BEHAVIOURS:
        verdicts = ", ".join(f"{k} x{v}" for k, v in sorted(by_behaviour.get(url, Counter()).items()))
        print(f"  {url:<55} {verdicts or 'NO RESULT'}")
    # Each URL costs at most attempts x timeout; hosts are paced one at a time per the generic profile.
    print(f"exit code           {code}")
    print(f"wall time           {wall:.1f} s")
    print(f"checker CPU         {usage.ru_utime + usage.ru_stime:.2f} s")
    peak_mb = usage.ru_maxrss / 1024
    verdict = "ok" if peak_mb <= RSS_BOUND_MB else "EXCEEDED"
    print(f"checker peak RSS    {peak_mb:.1f} MB  (bound {RSS_BOUND_MB} MB: {verdict})")
    missing = [url for url in BEHAVIOURS if url not in by_behaviour]
    if code not in (0, 1):
        print(stderr[-2000:])
    # A behaviour with no verdict, a crash or an unbounded memory peak fails the script.
    sys.exit(0 if code in (0, 1) and not missing and peak_mb <= RSS_BOUND_MB else 1)


if __name__ == "__main__":
    main()
