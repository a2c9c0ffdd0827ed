"""The CLI's fixed cost: what ``linkcheck`` spends before it reads a post, against the code of
another revision.

Run: ``python bench/bench_cli.py [--old REV] [--repeat 7] [--cpu N|last|any]``. In one run it

1. extracts the ``linkcheck`` package of ``--old`` (default ``2f59b32``, the last commit before the
   commands were loaded lazily) with ``git archive`` into a temporary directory;
2. runs each command below as a child process (``python -m linkcheck …``) with this checkout's code
   and with the old code (``PYTHONPATH``), once each to warm the byte-code cache, then ``--repeat``
   rounds of every (command, code) pair in turn, so a slow spell of the machine hits both alike;
3. prints, per command, the least and the median CPU (user+sys of the child) and the least wall
   time of each side, and the ratio of the least CPUs;
4. prints the floors every run pays whatever linkcheck does: the bare interpreter, ``import typer``,
   and typer with the pydantic it imports to check option values (typer >= 0.2x builds a pydantic
   ``TypeAdapter`` for every non-bool parameter of the command that runs, given or not).

The commands: ``--help`` (lists every command, so it loads every command module), ``scan EMPTY -f
json`` (issue #17's fixed cost: the scan of an empty folder), ``scan EMPTY`` (the table: rich),
``status --help`` (one command's help), and ``scan CORPUS -f json`` on the real blog (``--corpus``,
default ``../shared/corpus/_posts`` next to the repository when it is there; ``--corpus none``
leaves it out). Every child runs on one CPU (``--cpu``, default the last):
on this 2-vCPU VM the two CPUs differ by up to 40 % for the same Python code.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from oldcode import package_at  # (bench/oldcode.py, beside this script)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "_posts"
SANDBOX_VARS = ("PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME")


def run_once(args: list[str], code: Path | None, cwd: Path) -> tuple[float, float, int]:
    """CPU seconds (user+sys), wall seconds and exit code of one child."""
    env = {k: v for k, v in os.environ.items() if k not in SANDBOX_VARS}
    env["PYTHONPATH"] = str(code if code is not None else ROOT)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default="2f59b32", help="git revision to compare with")
    parser.add_argument("--repeat", type=int, default=7, help="timed rounds")
    parser.add_argument("--cpu", default="last", help="CPU every child is pinned to: a number, 'last' or 'any'")
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="posts for `scan CORPUS -f json` ('none': skip)")
    args = parser.parse_args()
    if args.cpu != "any" and hasattr(os, "sched_setaffinity"):
        cpu = max(os.sched_getaffinity(0)) if args.cpu == "last" else int(args.cpu)
        os.sched_setaffinity(0, {cpu})  # children inherit it
    python = [sys.executable]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        old = package_at(args.old, work / "old")
        empty = work / "empty"
        empty.mkdir()
        commands = {
            "--help": ["--help"],
            "scan EMPTY -f json": ["scan", str(empty), "-f", "json"],
            "scan EMPTY (table)": ["scan", str(empty)],
            "status --help": ["status", "--help"],
        }
        if args.corpus != "none" and Path(args.corpus).is_dir():
            commands["scan CORPUS -f json"] = ["scan", str(Path(args.corpus).resolve()), "-f", "json"]
        floors = {
            "python -c pass": ["-c", "pass"],
            "import typer": ["-c", "import typer, typer.main"],
            "import typer + its pydantic": ["-c", "import typer, typer.main, typer._adapters, pydantic.plugin._loader"],
        }
        runs: dict[tuple[str, str], list[tuple[float, float]]] = {}
        jobs = [(name, side) for name in commands for side in ("new", "old")] + [(name, "floor") for name in floors]

        def one(name: str, side: str) -> tuple[float, float]:
            if side == "floor":
                cpu, wall, code = run_once(python + floors[name], None, work)
            else:
                argv = [*python, "-m", "linkcheck", *commands[name]]
                cpu, wall, code = run_once(argv, old if side == "old" else None, work)
            if code not in (0, 2):  # --help 0, a scan of nothing 0
                raise SystemExit(f"{name} ({side}) exited with {code}")
            return cpu, wall

        for job in jobs:  # warm-up
            one(*job)
        for _ in range(args.repeat):
            for job in jobs:
                runs.setdefault(job, []).append(one(*job))

    def least(job: tuple[str, str]) -> tuple[float, float, float]:
        cpus = [c for c, _ in runs[job]]
        return min(cpus), statistics.median(cpus), min(w for _, w in runs[job])

    pinned = f"CPU {cpu}" if args.cpu != "any" else "any CPU"
    print(f"linkcheck's fixed cost, this checkout against {args.old}; {args.repeat} rounds, children on {pinned}")
    print(
        f"{'command':24} {'CPU new (median)':>18} {'CPU old (median)':>18} {'new/old':>8} "
        f"{'wall new':>9} {'wall old':>9}"
    )
    for name in commands:
        new_cpu, new_median, new_wall = least((name, "new"))
        old_cpu, old_median, old_wall = least((name, "old"))
        print(
            f"{name:24} {new_cpu:8.3f} ({new_median:.3f}) {old_cpu:8.3f} ({old_median:.3f}) "
            f"{new_cpu / old_cpu:8.2f} {new_wall:9.3f} {old_wall:9.3f}"
        )
    print("floors (CPU, least (median)):")
    for name in floors:
        cpu_s, median, _ = least((name, "floor"))
        print(f"  {name:30} {cpu_s:.3f} ({median:.3f})")
    typer_s, pydantic_s = least(("import typer", "floor"))[0], least(("import typer + its pydantic", "floor"))[0]
    print(f"  pydantic for typer's value checks: {pydantic_s - typer_s:.3f} s (every command with a non-bool option)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
