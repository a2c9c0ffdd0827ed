"""Fault injection: kill a real `linkcheck check` (archiving on) with SIGKILL at random moments.

Against the simulated web (its own process, latency added so runs take a while), this script starts
`linkcheck check --all` on a copy of the blog's posts, kills it with SIGKILL after a random delay,
and after every kill verifies:

* `PRAGMA integrity_check` is `ok`;
* no committed check was lost: the number of checks is at least what a reader saw committed just
  before the kill;
* every closed WARC (`*.warc.gz`) passes `gzip -t`, `warcio check -v` and `cdxj-indexer`.

Then one last run must complete, after which every WARC (the repaired `.open` ones included) must
pass the same checks. Prints the tally.

    python bench/fault_inject.py [--kills 20] [--seed 1] [--posts posts]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from linkcheck.simweb.process import spawn

BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = BIN / name
    return str(found) if found.exists() else (shutil.which(name) or name)


def committed_checks(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        reader = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return reader.execute("select count(*) from checks").fetchone()[0]
        finally:
            reader.close()
    except sqlite3.Error:
        return 0


def warc_problems(warc_dir: Path, *, include_open: bool = False) -> tuple[int, list[str]]:
    """(WARCs checked, problems) for the closed WARC files (and .open ones if asked)."""
    if not warc_dir.exists():
        return 0, []
    files = sorted(warc_dir.glob("*.warc.gz")) + (sorted(warc_dir.glob("*.open")) if include_open else [])
    problems = []
    for path in files:
        for command in (["gzip", "-t", str(path)], [tool("warcio"), "check", "-v", str(path)],
                        [tool("cdxj-indexer"), str(path)]):  # fmt: skip
            done = subprocess.run(command, capture_output=True, text=True, timeout=120)
            if done.returncode != 0:
                problems.append(
                    f"{path.name}: {' '.join(command[:2])} -> {done.returncode} {done.stderr.strip()[:200]}"
                )
    return len(files), problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--posts", default=str(Path(__file__).resolve().parent.parent / "posts"))
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="fault-inject-"))
    shutil.copytree(args.posts, work / "posts")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    server = spawn(work / "ca.pem", "--alive", "--latency", str(args.latency))
    # Real pacing (WeChat ~1 request/s) would make every run minutes long; the point here is the kills.
    hosts = "\n".join(
        f'[hosts."{h}"]\ninterval = 0.01' for h in ("mp.weixin.qq.com", "zhuanlan.zhihu.com", "www.zhihu.com")
    )
    (work / "linkcheck.toml").write_text(
        f'allow_private = true\nca_bundle = "ca.pem"\ncanaries = ["https://behave.test/ok"]\n'
        f"timeout = 5\nbackoff = 0.1\n\n[archive]\nmax_pages = 1000\n\n{hosts}\n",
        encoding="utf-8",
    )
    resolve = server.resolve_args()
    command = [sys.executable, "-m", "linkcheck", "check", "--all", "--quiet", *resolve]
    # Kills alternate between a whole nightly run (checks, then archiving) and the archive stage
    # alone, so that they land in checks, in captures and between them.
    archive_command = [sys.executable, "-m", "linkcheck", "archive", "--limit", "0", *resolve]
    db = work / "state" / "linkcheck.db"
    warc_dir = work / "state" / "warc"
    lost = 0
    problems: list[str] = []
    warcs_checked = 0
    try:
        # A first run without archiving gives the archive stage alive pages to capture.
        subprocess.run([*command, "--no-archive"], cwd=work, capture_output=True, env=env, timeout=1800)
        for kill in range(1, args.kills + 1):
            victim = archive_command if kill % 2 else command
            proc = subprocess.Popen(victim, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
            time.sleep(rng.uniform(0.3, 4.0))
            before = committed_checks(db)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            if not db.exists():
                print(f"kill {kill:2}: before the database existed")
                continue
            conn = sqlite3.connect(db)
            integrity = conn.execute("pragma integrity_check").fetchone()[0]
            after = conn.execute("select count(*) from checks").fetchone()[0]
            conn.close()
            lost += max(0, before - after)
            checked, bad = warc_problems(warc_dir)
            warcs_checked += checked
            problems += bad
            if integrity != "ok":
                problems.append(f"kill {kill}: integrity_check = {integrity}")
            stage = "archive" if victim is archive_command else "check  "
            open_files = len(list(warc_dir.glob("*.open")))
            print(
                f"kill {kill:2} ({stage}): checks committed before {before:5} after {after:5}  "
                f"integrity {integrity}  closed WARCs ok {checked - len(bad)}/{checked}, .open {open_files}"
            )
        final = subprocess.run(command, cwd=work, capture_output=True, text=True, env=env, timeout=1800)
        final_ok = final.returncode in (0, 1)
        checked, bad = warc_problems(warc_dir, include_open=True)
        leftover_open = sorted(p.name for p in warc_dir.glob("*.open")) if warc_dir.exists() else []
        problems += bad
        statuses = sqlite3.connect(db).execute("select status, count(*) from runs group by status").fetchall()
    finally:
        server.stop()
    print()
    print(f"kills                     {args.kills}")
    print(f"checks lost               {lost}")
    print(f"runs by status            {dict(statuses)}")
    print(f"final run                 exit {final.returncode} ({'completed' if final_ok else 'FAILED'})")
    print(f"WARCs after the final run {checked} checked, {checked - len(bad)} valid; .open left: {len(leftover_open)}")
    print(f"problems                  {len(problems)}")
    for problem in problems[:20]:
        print(f"  {problem}")
    if not final_ok:
        print(final.stderr[-2000:])
    sys.exit(0 if final_ok and not problems and lost == 0 else 1)


if __name__ == "__main__":
    main()
