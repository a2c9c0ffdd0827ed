"""``collect()`` over the blog, this checkout against the code of another revision.

Run: ``python bench/bench_collect.py [CORPUS] [--old REV] [--rounds 7] [--repeat 7] [--cpu N|last|any]
[--instructions]`` (default corpus: ``../shared/corpus/_posts`` next to the repository; default
``--old``: ``main``). In one run it

1. extracts the ``linkcheck`` package of ``--old`` with ``git archive`` into a temporary directory;
2. starts, ``--rounds`` times in turn for each side, a child process that imports
   ``linkcheck.scan.collect``, runs ``collect(CORPUS)`` once *cold* (its CPU, as a ``scan`` run pays
   it) and then ``--repeat`` times *warm* (the least and the median ``time.process_time()``), and
   says how many links and occurrences it found and a SHA-256 of the links as ``scan -f json``
   encodes them (orjson): the two sides must agree byte for byte, or the comparison is void;
3. prints each side's least cold and warm CPU (medians beside them) and new/old, with
   ``lychee --dump CORPUS``'s whole-process CPU as the peer when lychee is installed (issue #17
   bounds the whole ``scan`` at twice that);
4. with ``--instructions`` (valgrind needed, a few minutes), the instructions of one warm
   ``collect()`` on each side, by callgrind: the run of two collects less the run of one, each
   child ending with ``os._exit`` so interpreter teardown does not count. Unlike CPU time, this does
   not move with the machine's load, so small changes show.

Every child runs on one CPU (``--cpu``, default the last): on this 2-vCPU VM the two CPUs differ by
up to 40 % for the same Python code.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from oldcode import package_at  # (bench/oldcode.py, beside this script)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "_posts"
SANDBOX_VARS = ("PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME")

# The child: cold collect, warm collects, what it found. (orjson encodes the Link dataclasses as
# `scan -f json` does; the digest is of that encoding.)
CHILD = """
import hashlib, resource, sys, time
from pathlib import Path
import orjson
from linkcheck.scan.collect import collect
corpus, repeat = Path(sys.argv[1]), int(sys.argv[2])
before = resource.getrusage(resource.RUSAGE_SELF)
result = collect([corpus])
after = resource.getrusage(resource.RUSAGE_SELF)
cold = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
digest = hashlib.sha256(orjson.dumps(result.links)).hexdigest()[:16]
warm = []
for _ in range(repeat):
    start = time.process_time()
    again = collect([corpus])
    warm.append(time.process_time() - start)
    del again  # (freed outside the timing: freeing a result is not collect's cost)
occurrences = sum(len(link.occurrences) for link in result.links)
print(cold, min(warm), sorted(warm)[len(warm) // 2], len(result.links), occurrences, digest)
"""

# For callgrind: N collects, then out without teardown.
COUNTED = """
import os, sys
from pathlib import Path
from linkcheck.scan.collect import collect
kept = [collect([Path(sys.argv[1])]) for _ in range(int(sys.argv[2]))]
os._exit(0)
"""


def child_env(code: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SANDBOX_VARS}
    env["PYTHONPATH"] = str(code)
    return env


def run_child(code: Path, corpus: Path, repeat: int, cwd: Path) -> tuple[float, float, float, int, int, str]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(corpus), str(repeat)],
        cwd=cwd,
        env=child_env(code),
        capture_output=True,
        text=True,
        check=True,
    )
    cold, least, median, links, occurrences, digest = done.stdout.split()
    return float(cold), float(least), float(median), int(links), int(occurrences), digest


def instructions(code: Path, corpus: Path, cwd: Path) -> int:
    """Instructions of one warm collect(): callgrind's count of two collects less that of one."""

    def counted(n: int) -> int:
        valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
        done = subprocess.run(
            [*valgrind, sys.executable, "-c", COUNTED, str(corpus), str(n)],
            cwd=cwd,
            env=child_env(code),
            capture_output=True,
            text=True,
            check=True,
        )
        found = re.search(r"Collected : (\d+)", done.stderr)
        if found is None:
            raise SystemExit(f"no instruction count from callgrind: {done.stderr[-500:]}")
        return int(found.group(1))

    return counted(2) - counted(1)


def lychee_cpu(corpus: Path, rounds: int) -> float | None:
    lychee = shutil.which("lychee") or str(Path(sys.executable).parent / "lychee")
    if not Path(lychee).exists():
        return None
    cpus = []
    for _ in range(rounds + 1):  # (the first warms the page cache)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([lychee, "--dump", str(corpus)], capture_output=True, check=False)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return min(cpus[1:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS), help="posts to collect")
    parser.add_argument("--old", default="main", help="git revision to compare with")
    parser.add_argument("--rounds", type=int, default=7, help="child processes per side, in turn")
    parser.add_argument("--repeat", type=int, default=7, help="warm collect() runs per child")
    parser.add_argument("--cpu", default="last", help="CPU every child is pinned to: a number, 'last' or 'any'")
    parser.add_argument("--instructions", action="store_true", help="also count instructions (callgrind)")
    args = parser.parse_args()
    corpus = Path(args.corpus).resolve()
    if not corpus.is_dir():
        print(f"corpus not found: {corpus}", file=sys.stderr)
        return 2
    if args.instructions and shutil.which("valgrind") is None:
        print("--instructions needs valgrind", file=sys.stderr)
        return 2
    if args.cpu != "any" and hasattr(os, "sched_setaffinity"):
        cpu = max(os.sched_getaffinity(0)) if args.cpu == "last" else int(args.cpu)
        os.sched_setaffinity(0, {cpu})  # children inherit it
    pinned = f"CPU {cpu}" if args.cpu != "any" else "any CPU"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sides = {"new": ROOT, "old": package_at(args.old, work / "old")}
        runs: dict[str, list[tuple[float, float, float, int, int, str]]] = {side: [] for side in sides}
        for code in sides.values():  # warm-up: byte-code caches, page cache
            run_child(code, corpus, 1, work)
        for _ in range(args.rounds):
            for side, code in sides.items():
                runs[side].append(run_child(code, corpus, args.repeat, work))
        counts = {side: instructions(code, corpus, work) for side, code in sides.items()} if args.instructions else {}
    lychee = lychee_cpu(corpus, args.rounds)

    print(f"collect({corpus}), this checkout against {args.old}: {args.rounds} children per side in turn,")
    print(f"each one cold run and {args.repeat} warm; children on {pinned}")
    found = {side: {(links, occurrences, digest) for *_, links, occurrences, digest in rs} for side, rs in runs.items()}
    for side, seen in found.items():
        for links, occurrences, digest in sorted(seen):
            print(f"  {side}: {links} links, {occurrences} occurrences, JSON sha256 {digest}")
    if found["new"] != found["old"]:
        print("  THE TWO SIDES FOUND DIFFERENT LINKS: the comparison below is void")
    print(f"{'':6} {'cold CPU (median)':>20} {'warm CPU (median)':>20}")
    least = {}
    for side, rs in runs.items():
        cold = min(r[0] for r in rs)
        warm = min(r[1] for r in rs)
        least[side] = (cold, warm)
        cold_median = statistics.median(r[0] for r in rs)
        warm_median = statistics.median(r[2] for r in rs)
        print(f"{side:6} {cold:10.3f} ({cold_median:.3f})  {warm:10.3f} ({warm_median:.3f})")
    print(f"new/old {least['new'][0] / least['old'][0]:10.2f}          {least['new'][1] / least['old'][1]:10.2f}")
    if counts:
        new, old = counts["new"], counts["old"]
        print(f"instructions of one warm collect(): new {new / 1e6:,.0f} M, old {old / 1e6:,.0f} M ({new / old:.2f})")
    if lychee is not None:
        print(f"peer: lychee --dump {lychee:.3f} s CPU, whole process (issue #17: the whole scan at most 2x that)")
    else:
        print("peer: lychee not found (pip install -e .[bench])")
    return 0


if __name__ == "__main__":
    sys.exit(main())
