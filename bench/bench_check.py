"""Benchmark ``linkcheck check`` against ``lychee`` on a simulated web with fixed latency.

    python bench/bench_check.py [--urls 25000] [--hosts 500] [--latency 0.05] [--concurrency 64]
    python bench/bench_check.py --quick          # 2,000 URLs over 50 hosts, a sanity run
    python bench/bench_check.py --repeat 3 --breakdown   # least-CPU of 3 runs; where the CPU goes

What one run does (bench/README.md has the details and the choices made):

1. starts the simulated web (:class:`linkcheck.simweb.SimulatedWeb`, every response delayed by
   ``--latency``) in a **separate process** pinned to the last CPU, so the client's CPU is measured
   alone, listening on one port (80 when it may, else an ephemeral one) of ``--hosts`` distinct
   loopback addresses ``127.77.X.Y`` (never 0.0.0.0);
2. writes the URL list, ``N`` URLs ``/page/{n}`` spread round-robin over the hosts, into a
   temporary markdown file per tool and runs each tool as a child process on its file:

   * ours: ``python -m linkcheck check FILE --format json --max-attempts 1 --allow-private
     --canary … --resolve hK.bench.test:80:127.77.X.Y …`` — linkcheck never checks a URL written
     with a loopback IP literal (it is skipped as ``loopback`` while collecting, whatever
     ``--allow-private`` says), so its URLs name hosts ``hK.bench.test`` that ``--resolve`` sends to
     the same loopback addresses: same sockets, same URLs per host, same paths;
   * lychee: ``lychee FILE --format json --no-progress --max-retries 0 --method head …`` with the
     loopback IP literals (lychee cannot use our resolver). Since 2026-12-06 ours reads the pages
     of every host no site profile names, the ``hK.bench.test`` hosts included: a GET of the first
     64 KB (a parked domain answers HEAD with 200), and one soft-404 probe per host (500 here):
     ``--lychee-method get`` is the like-for-like comparison since (the default, ``head``, was
     while ours sent HEAD too).

   Per-host politeness is the same for both: our generic profile (4 requests in flight per host,
   request starts 0.1 s ± 40 % apart) and lychee ``--host-concurrency 4
   --host-request-interval 100ms``. Plain HTTP keeps TLS out of the comparison.
3. measures each child with ``os.wait4`` (its own user+sys CPU and peak RSS) and ``perf_counter``
   (wall, including interpreter start-up, reading the file and writing the JSON report); every
   child has a hard timeout;
4. prints URLs/s, CPU seconds per 1,000 URLs, peak RSS, the CPU ratio ours/lychee, the wall bound
   that concurrency and latency set (max of N × latency / concurrency and URLs-per-host ×
   max(latency / host-concurrency, host interval)) with our wall / bound, and both tools' verdict
   counts (all should be alive/OK; mismatches are reported), against the targets: CPU per URL
   ≤ 1.5 × lychee's, wall ≤ 1.2 × the bound, peak RSS ≤ 150 MB; also the server's CPU and the
   *other load* (CPU every other process used meanwhile: wall times need a quiet machine).

``--breakdown`` adds a bare aiohttp HEAD loop (a CPU floor for any aiohttp client), the same loop
with everything a checker could spare switched off (pre-parsed URLs, no decompression, no default
headers, no timeouts: the least aiohttp itself costs per request) and our engine without the CLI
(collect + run_checks: no history database, no report) on the same URLs.

``PYTHONUNBUFFERED`` / ``PYTHONDONTWRITEBYTECODE`` are removed from the children's environment (they
are properties of this sandbox, not of a user's shell). Exit status: 0 when every URL was found
alive by both tools, 1 otherwise (targets missed are reported, not failed).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SANDBOX_VARS = ("PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME")
ADDRESS_PREFIX = "127.77"
# Our generic site profile's politeness (linkcheck.sites.Politeness defaults), given to lychee too.
HOST_CONCURRENCY = 4
HOST_INTERVAL = 0.1
TARGET_CPU_RATIO = 1.5
TARGET_WALL_RATIO = 1.2
TARGET_RSS_MB = 150.0


def host_address(i: int) -> str:
    return f"{ADDRESS_PREFIX}.{i // 250}.{i % 250 + 1}"


def host_name(i: int) -> str:
    return f"h{i}.bench.test"


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SANDBOX_VARS}
    # Keep every request on loopback: no proxy may take part.
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        env.pop(var, None)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


# ---------------------------------------------------------------------------------------------
# The server process
# ---------------------------------------------------------------------------------------------


def _bind_all(hosts: int) -> list[socket.socket]:
    """One listening socket per loopback address, all on the same port (retried on a clash).

    Port 80 where we may bind it (URLs without a port, as on a blog), else an ephemeral port.
    """
    for attempt in range(20):
        socks: list[socket.socket] = []
        try:
            first = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(first)
            first.bind((host_address(0), 80 if attempt == 0 else 0))
            port = first.getsockname()[1]
            for i in range(1, hosts):
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                socks.append(sock)
                sock.bind((host_address(i), port))
            return socks
        except OSError:
            for sock in socks:
                sock.close()
    raise OSError("could not bind one port on every loopback address")


async def _serve(hosts: int, latency: float, duration: float) -> None:
    from aiohttp import web

    from linkcheck.simweb import SimulatedWeb

    simweb = SimulatedWeb(unknown_hosts="alive", latency=latency, max_records=0)
    await simweb.start()
    runner = simweb._runner  # the bench adds its listeners to the simulated web's own runner
    assert runner is not None
    socks = _bind_all(hosts)
    for sock in socks:
        await web.SockSite(runner, sock, backlog=1024).start()
    print(f"READY {socks[0].getsockname()[1]}", flush=True)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    # Ends when the parent closes our stdin, on SIGTERM, or after ``duration`` seconds at most.
    loop.add_reader(sys.stdin.fileno(), stop.set)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), duration)
    await simweb.stop()


@dataclass
class Server:
    proc: subprocess.Popen
    port: int

    def stop(self) -> tuple[float, float]:
        """Stop the server; its CPU seconds and peak RSS MB."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        timer = threading.Timer(15.0, self.proc.kill)
        timer.start()
        try:
            _, _, usage = os.wait4(self.proc.pid, 0)
        finally:
            timer.cancel()
        self.proc.returncode = 0
        return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def start_server(hosts: int, latency: float, duration: float) -> Server:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--serve", str(hosts), "--latency", str(latency)]
    cmd += ["--serve-duration", str(duration)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=child_env())
    assert proc.stdout is not None
    timer = threading.Timer(60.0, proc.kill)
    timer.start()
    try:
        line = proc.stdout.readline().decode().strip()
    finally:
        timer.cancel()
    if not line.startswith("READY "):
        proc.kill()
        raise RuntimeError(f"the simulated web did not start: {line!r}")
    return Server(proc, int(line.split()[1]))


# ---------------------------------------------------------------------------------------------
# Running and measuring one tool
# ---------------------------------------------------------------------------------------------


@dataclass
class Measured:
    name: str
    wall: float
    user: float
    sys: float
    rss_mb: float
    returncode: int
    timed_out: bool
    server_cpu: float | None = None  # the server's CPU seconds during this run
    others_cpu: float | None = None  # CPU seconds of every other process on the machine meanwhile
    counts: Counter = field(default_factory=Counter)
    note: str = ""

    @property
    def cpu(self) -> float:
        return self.user + self.sys


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _machine_busy() -> float | None:
    """CPU seconds the whole machine has been busy (``/proc/stat``), or None where unknown."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / CLOCK_TICKS


def _process_cpu(pid: int) -> float | None:
    """User+system CPU seconds of a running process (``/proc/PID/stat``), or None."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def measure(name: str, cmd: list[str], out: Path, cwd: Path, timeout: float, server_pid: int) -> Measured:
    """Run ``cmd`` (stdout to ``out``) and measure it alone: wall, user and system CPU, peak RSS.

    Also the server's CPU meanwhile and what the rest of the machine used (other load makes wall
    times unreliable; the per-process CPU figures hold up better).
    """
    with open(out, "wb") as stdout, open(out.with_suffix(".err"), "wb") as stderr:
        busy_before, server_before = _machine_busy(), _process_cpu(server_pid)
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, cwd=cwd, env=child_env())
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        busy_after, server_after = _machine_busy(), _process_cpu(server_pid)
    proc.returncode = os.waitstatus_to_exitcode(status)
    result = Measured(
        name, wall, usage.ru_utime, usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode, timed_out.is_set()
    )
    if server_before is not None and server_after is not None:
        result.server_cpu = server_after - server_before
        if busy_before is not None and busy_after is not None:
            result.others_cpu = max(0.0, busy_after - busy_before - result.cpu - result.server_cpu)
    return result


def find_lychee() -> str | None:
    found = shutil.which("lychee")
    if found:
        return found
    beside = Path(sys.executable).parent / "lychee"
    return str(beside) if beside.exists() else None


def _netloc(host: str, port: int) -> str:
    return host if port == 80 else f"{host}:{port}"


def write_inputs(workdir: Path, urls: int, hosts: int, port: int) -> tuple[Path, Path]:
    """The same URL list twice: host names for ours, the loopback IP literals for lychee."""
    ours, theirs = [], []
    for n in range(urls):
        i = n % hosts
        ours.append(f"- <http://{_netloc(host_name(i), port)}/page/{n}>\n")
        theirs.append(f"- <http://{_netloc(host_address(i), port)}/page/{n}>\n")
    ours_file = workdir / "ours" / "links.md"
    theirs_file = workdir / "lychee" / "links.md"
    for path, lines in ((ours_file, ours), (theirs_file, theirs)):
        path.parent.mkdir()
        path.write_text("# Links\n\n" + "".join(lines), encoding="utf-8")
    return ours_file, theirs_file


def run_ours(args: argparse.Namespace, file: Path, port: int, workdir: Path, server_pid: int) -> Measured:
    cmd = [sys.executable]
    if args.profile:
        cmd += ["-m", "cProfile", "-o", str(Path(args.profile).resolve())]
    cmd += ["-m", "linkcheck", "check", str(file), "--format", "json"]
    cmd += ["--concurrency", str(args.concurrency), "--max-attempts", "1", "--timeout", "30"]
    # The archive stage (capturing alive pages into WARC files after the checks) is not checking:
    # lychee has nothing like it. --archive keeps it, to see the whole nightly job.
    cmd += ["--archive" if args.archive else "--no-archive"]
    cmd += ["--allow-private", "--canary", f"http://{_netloc(host_name(0), port)}/page/0"]
    for i in range(args.hosts):
        cmd += ["--resolve", f"{host_name(i)}:{port}:{host_address(i)}"]
    out = workdir / "ours.json"
    result = measure("linkcheck", cmd, out, workdir / "ours", args.timeout, server_pid)
    try:
        rows = json.loads(out.read_bytes())
        result.counts = Counter("alive" if r["verdict"] == "alive" else f"{r['verdict']}:{r['reason']}" for r in rows)
    except (ValueError, KeyError, TypeError) as exc:
        result.note = f"unreadable report: {exc}; stderr: {out.with_suffix('.err').read_text()[-500:]}"
    return result


def run_lychee(args: argparse.Namespace, lychee: str, file: Path, workdir: Path, server_pid: int) -> Measured:
    cmd = [lychee, str(file), "--format", "json", "--no-progress", "--max-retries", "0"]
    cmd += ["--max-concurrency", str(args.concurrency), "--timeout", "30", "--method", args.lychee_method]
    cmd += ["--host-concurrency", str(HOST_CONCURRENCY)]
    cmd += ["--host-request-interval", f"{int(HOST_INTERVAL * 1000)}ms"]
    out = workdir / "lychee.json"
    result = measure("lychee", cmd, out, workdir / "lychee", args.timeout, server_pid)
    try:
        report = json.loads(out.read_bytes())
        for key in ("successful", "errors", "timeouts", "redirects", "excludes", "unknown", "unsupported"):
            if report.get(key):
                result.counts["alive" if key == "successful" else key] += int(report[key])
        if report.get("cached"):
            result.note = f"{report['cached']} answers from lychee's cache"
    except (ValueError, TypeError, AttributeError) as exc:
        result.note = f"unreadable report: {exc}; stderr: {out.with_suffix('.err').read_text()[-500:]}"
    return result


# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------


def wall_bound(args: argparse.Namespace) -> tuple[float, float, float]:
    per_host_urls = -(-args.urls // args.hosts)
    global_bound = args.urls * args.latency / args.concurrency
    host_bound = per_host_urls * max(args.latency / HOST_CONCURRENCY, HOST_INTERVAL)
    return max(global_bound, host_bound), global_bound, host_bound


HEADER = (
    f"{'tool':<10} {'wall s':>7} {'URLs/s':>7} {'CPU s':>7} {'user':>6} {'sys':>6} {'CPU s/1k':>9}"
    f" {'RSS MB':>7} {'server CPU':>10} {'other load':>10}  status"
)


def line(m: Measured, urls: int) -> str:
    server = f"{m.server_cpu:10.2f}" if m.server_cpu is not None else f"{'?':>10}"
    others = f"{m.others_cpu:10.2f}" if m.others_cpu is not None else f"{'?':>10}"
    return (
        f"{m.name:<10} {m.wall:7.2f} {urls / m.wall:7.0f} {m.cpu:7.2f} {m.user:6.2f} {m.sys:6.2f}"
        f" {m.cpu * 1000 / urls:9.3f} {m.rss_mb:7.1f} {server} {others}  {_status(m)}"
    )


def _status(m: Measured) -> str:
    if m.timed_out:
        return "TIMED OUT"
    return f"exit {m.returncode}"


def verdicts(m: Measured) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(m.counts.items(), key=lambda kv: -kv[1])) or "none"


# ---------------------------------------------------------------------------------------------
# --breakdown: the same URLs through a bare aiohttp loop and through our engine without the CLI
# ---------------------------------------------------------------------------------------------


def _urls_in(file: Path) -> list[str]:
    return [line[3:-1] for line in file.read_text(encoding="utf-8").splitlines() if line.startswith("- <")]


async def _floor(urls: list[str], concurrency: int, stripped: bool = False) -> Counter:
    """HEAD every URL with a bare aiohttp session: what any aiohttp-based checker costs at least.

    ``stripped``: aiohttp with everything off that a checker could do without — URLs parsed
    before the clock-relevant loop (yarl, already encoded), no decompression, no default headers,
    no timeouts (a real checker needs timeouts): the least aiohttp itself can cost per request."""
    import aiohttp
    import yarl

    counts: Counter = Counter()
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=HOST_CONCURRENCY)
    options: dict = {"connector": connector, "cookie_jar": aiohttp.DummyCookieJar()}
    targets: list = urls
    if stripped:
        options["auto_decompress"] = False
        options["skip_auto_headers"] = ("User-Agent", "Accept", "Accept-Encoding")
        options["timeout"] = aiohttp.ClientTimeout(total=None, connect=None, sock_connect=None, sock_read=None)
        targets = [yarl.URL(url, encoded=True) for url in urls]
    async with aiohttp.ClientSession(**options) as session:
        pending = iter(targets)

        async def worker() -> None:
            for url in pending:
                try:
                    async with session.head(url, allow_redirects=False) as response:
                        counts["alive" if response.status == 200 else f"http-{response.status}"] += 1
                except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                    counts[type(exc).__name__] += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return counts


def _engine(args: argparse.Namespace) -> dict:
    """collect + run_checks with the CLI's settings: our checker without history or report."""
    sys.path.insert(0, str(REPO))
    from linkcheck.net.resolve import parse_resolve_rules
    from linkcheck.net.transport import Fetcher, FetchSettings
    from linkcheck.run import eventloop
    from linkcheck.run.runner import run_checks
    from linkcheck.scan.collect import collect

    links = [link for link in collect([Path(args.inner_file)]).links if link.checkable]
    port = args.inner_port
    resolver = parse_resolve_rules([f"{host_name(i)}:{port}:{host_address(i)}" for i in range(args.hosts)])
    settings = FetchSettings(concurrency=args.concurrency, max_attempts=1, total_timeout=30.0, allow_private=True)
    counts: Counter = Counter()

    def tally(_link, outcome) -> None:
        verdict = outcome.verdict.value
        counts["alive" if verdict == "alive" else f"{verdict}:{outcome.reason}"] += 1

    async def run():
        async with Fetcher(settings, resolver=resolver) as fetcher:
            canary = f"http://{_netloc(host_name(0), port)}/page/0"
            return await run_checks(links, fetcher, on_result=tally, canaries=[canary])

    started = time.process_time()
    eventloop.run(run())
    return {"counts": counts, "run_checks_cpu": time.process_time() - started}


def _inner(args: argparse.Namespace) -> int:
    if args.inner in ("floor", "stripped"):
        sys.path.insert(0, str(REPO))
        from linkcheck.run import eventloop  # the same event loop as ours: a floor for any aiohttp client here

        urls = _urls_in(Path(args.inner_file))
        counts = eventloop.run(_floor(urls, args.concurrency, stripped=args.inner == "stripped"))
        print(json.dumps({"counts": counts}))
    else:
        print(json.dumps(_engine(args)))
    return 0


def run_inner(args: argparse.Namespace, kind: str, file: Path, port: int, workdir: Path, pid: int) -> Measured:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--inner", kind, "--inner-file", str(file)]
    cmd += ["--inner-port", str(port), "--hosts", str(args.hosts), "--concurrency", str(args.concurrency)]
    out = workdir / f"{kind}.json"
    result = measure(kind, cmd, out, workdir, args.timeout, pid)
    try:
        data = json.loads(out.read_bytes())
        result.counts = Counter(data["counts"])
        if "run_checks_cpu" in data:
            result.note = f"run_checks alone {data['run_checks_cpu']:.2f} CPU s"
    except (ValueError, KeyError, TypeError) as exc:
        result.note = f"unreadable output: {exc}; stderr: {out.with_suffix('.err').read_text()[-500:]}"
    return result


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def best(runs: list[Measured]) -> Measured:
    """The least disturbed run: the one that used the least CPU."""
    return min(runs, key=lambda m: (m.timed_out, m.cpu))


def spread(runs: list[Measured]) -> str:
    cpus = sorted(m.cpu for m in runs)
    walls = sorted(m.wall for m in runs)
    rss = sorted(m.rss_mb for m in runs)
    return (
        f"CPU {cpus[0]:.2f}–{cpus[-1]:.2f} s, wall {walls[0]:.2f}–{walls[-1]:.2f} s, "
        f"peak RSS {rss[0]:.1f}–{rss[-1]:.1f} MB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=25_000)
    parser.add_argument("--hosts", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds every response waits")
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight (both tools)")
    parser.add_argument("--quick", action="store_true", help="2,000 URLs over 50 hosts")
    parser.add_argument("--repeat", type=int, default=1, help="runs per tool; the least-CPU run is reported")
    parser.add_argument("--breakdown", action="store_true", help="also time a bare aiohttp loop and our engine")
    parser.add_argument("--timeout", type=float, default=300.0, help="hard limit per tool run (s)")
    parser.add_argument("--lychee-method", choices=("head", "get"), default="head")
    parser.add_argument("--skip-lychee", action="store_true")
    parser.add_argument("--archive", action="store_true", help="let ours run its archive stage after the checks")
    parser.add_argument(
        "--pin",
        choices=("server", "both", "none"),
        default="server",
        help="server: the server on its own CPU (default); both: each tool on the other CPU(s) too",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--profile", metavar="FILE", help="run ours under cProfile, stats to FILE (slows it down)")
    parser.add_argument("--serve", type=int, metavar="HOSTS", help=argparse.SUPPRESS)
    parser.add_argument("--serve-duration", type=float, default=1800.0, help=argparse.SUPPRESS)
    parser.add_argument("--inner", choices=("floor", "stripped", "engine"), help=argparse.SUPPRESS)
    parser.add_argument("--inner-file", help=argparse.SUPPRESS)
    parser.add_argument("--inner-port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve:
        sys.path.insert(0, str(REPO))
        asyncio.run(_serve(args.serve, args.latency, args.serve_duration))
        return 0
    if args.inner:
        return _inner(args)
    if args.quick:
        args.urls, args.hosts = 2_000, 50
    if not 1 <= args.hosts <= 250 * 250:
        parser.error("--hosts must be between 1 and 62,500")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    lychee = None if args.skip_lychee else find_lychee()

    # Both tools and the server keep a socket per connection: make sure the descriptors suffice.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, 4 * args.hosts * HOST_CONCURRENCY + 4096))
    if hard == resource.RLIM_INFINITY or want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    bound, global_bound, host_bound = wall_bound(args)
    workdir = Path(tempfile.mkdtemp(prefix="bench-check-"))
    pinned = pin_cpus(args)
    if pinned:
        os.sched_setaffinity(0, pinned[0])  # the server inherits its CPU …
    runs_total = args.repeat * (2 + (3 if args.breakdown else 0))
    server = start_server(args.hosts, args.latency, duration=runs_total * args.timeout + 120)
    if pinned:
        os.sched_setaffinity(0, pinned[1] if args.pin == "both" else pinned[0] | pinned[1])
    ours_runs: list[Measured] = []
    lychee_runs: list[Measured] = []
    floor_runs: list[Measured] = []
    stripped_runs: list[Measured] = []
    engine_runs: list[Measured] = []
    try:
        ours_file, theirs_file = write_inputs(workdir, args.urls, args.hosts, server.port)
        pid = server.proc.pid
        for _ in range(args.repeat):
            ours_runs.append(run_ours(args, ours_file, server.port, workdir, pid))
            if lychee:
                lychee_runs.append(run_lychee(args, lychee, theirs_file, workdir, pid))
            if args.breakdown:
                floor_runs.append(run_inner(args, "floor", theirs_file, server.port, workdir, pid))
                stripped_runs.append(run_inner(args, "stripped", theirs_file, server.port, workdir, pid))
                engine_runs.append(run_inner(args, "engine", ours_file, server.port, workdir, pid))
            for state in (workdir / "ours" / "state",):  # the next run must start from no history
                shutil.rmtree(state, ignore_errors=True)
    finally:
        server_cpu, server_rss = server.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    n = args.urls
    ours = best(ours_runs)
    theirs = best(lychee_runs) if lychee_runs else None
    print(
        f"linkcheck check vs lychee: {n:,} URLs over {args.hosts} hosts (loopback addresses "
        f"{host_address(0)}…{host_address(args.hosts - 1)}, port {server.port}), {args.latency * 1000:g} ms latency"
    )
    print(
        f"concurrency {args.concurrency} global, {HOST_CONCURRENCY} per host, host request interval "
        f"{HOST_INTERVAL:g} s (ours: ±40 % jitter); plain HTTP (no TLS); 1 attempt, no retries; "
        f"method GET and one soft-404 probe per host (ours) / {args.lychee_method.upper()} (lychee)"
    )
    if args.archive:
        print("ours runs its archive stage after the checks (--archive): up to 200 page captures")
    else:
        print("ours: --no-archive (its WARC capture stage is not part of checking); history database on")
    where = "server in its own process"
    if pinned and args.pin == "both":
        where += f" pinned to CPU {_cpus(pinned[0])}, each tool pinned to CPU {_cpus(pinned[1])}"
    elif pinned:
        where += f" pinned to CPU {_cpus(pinned[0])}; the tools on any CPU"
    print(f"machine: {os.cpu_count()} cores; {where}")
    print(f"event loop of ours, the floor and the engine: {_event_loop_name()}")
    if args.repeat > 1:
        print(f"{args.repeat} runs per tool, the one with the least CPU shown")
    print()
    print(HEADER)
    print(line(ours, n))
    if theirs is not None:
        print(line(theirs, n))
    else:
        print("lychee     not run" + (" (--skip-lychee)" if args.skip_lychee else " (lychee not found)"))
    print(f"server process in all: {server_cpu:.2f} CPU s, peak RSS {server_rss:.1f} MB")
    print("(CPU s = user + sys of the tool's own process, wall includes start-up; other load = CPU s used")
    print(" by every other process on the machine during the run: high values make wall times unreliable)")
    if args.repeat > 1:
        print(f"all runs: ours {spread(ours_runs)}" + (f"; lychee {spread(lychee_runs)}" if lychee_runs else ""))
    print()
    print(
        f"wall bound: {bound:.2f} s = max(N×latency/concurrency {global_bound:.2f} s, "
        f"URLs per host × max(latency/host concurrency, interval) {host_bound:.2f} s)"
    )
    ok = True
    wall_ratio = ours.wall / bound if bound else float("inf")
    print(f"ours wall / bound:  {wall_ratio:.2f}  (target ≤ {TARGET_WALL_RATIO})  {_mark(wall_ratio <= 1.2)}")
    if theirs is not None:
        print(f"lychee wall / bound: {theirs.wall / bound:.2f}")
        cpu_ratio = ours.cpu / theirs.cpu if theirs.cpu else float("inf")
        print(
            f"CPU per URL ours / lychee: {cpu_ratio:.2f}  (target ≤ {TARGET_CPU_RATIO})  "
            f"{_mark(cpu_ratio <= TARGET_CPU_RATIO)}"
        )
    print(f"ours peak RSS: {ours.rss_mb:.1f} MB  (target ≤ {TARGET_RSS_MB:g} MB)  {_mark(ours.rss_mb <= 150)}")
    if args.breakdown:
        floor, stripped, engine = best(floor_runs), best(stripped_runs), best(engine_runs)
        print()
        print("where our CPU goes (each a process of its own, same server and URLs):")
        print(HEADER)
        print(line(stripped, n) + "   aiohttp stripped: pre-parsed URLs, no decompression, headers, timeouts")
        print(line(floor, n) + "   bare aiohttp HEAD loop: no pacing, no classification (a floor)")
        print(line(engine, n) + "   linkcheck engine: collect + run_checks, no history, no report")
        print(f"  engine: {engine.note}")
        rest = ours.cpu - engine.cpu
        print(
            f"  CPU s: floor {floor.cpu:.2f}, engine over the floor {engine.cpu - floor.cpu:.2f}, "
            f"CLI over the engine (history database, report, options) {rest:.2f}"
        )
        if theirs is not None and theirs.cpu:
            print(
                f"  CPU / lychee's: aiohttp stripped {stripped.cpu / theirs.cpu:.2f}, bare aiohttp loop "
                f"{floor.cpu / theirs.cpu:.2f}, engine {engine.cpu / theirs.cpu:.2f}, linkcheck check "
                f"{ours.cpu / theirs.cpu:.2f}"
            )
    print()
    extra = [best(stripped_runs), best(floor_runs), best(engine_runs)] if args.breakdown else []
    for m in (ours, theirs, *extra):
        if m is None:
            continue
        print(f"verdicts {m.name}: {verdicts(m)}" + (f"  [{m.note}]" if m.note and m.name != "engine" else ""))
        if m.counts.get("alive", 0) != n or m.timed_out:
            ok = False
            print(f"  MISMATCH: {m.name} found {m.counts.get('alive', 0):,} of {n:,} URLs alive")
    return 0 if ok else 1


def pin_cpus(args: argparse.Namespace) -> tuple[set[int], set[int]] | None:
    """(server CPUs, tool CPUs): the server on the last CPU, the tools on the others.

    Unpinned on a small machine, the scheduler tends to wake the server on the client's CPU (it was
    just woken by the client's send), so the two take turns on one core while the other idles:
    noisy wall times for both tools. Pinning makes the two sides' CPUs their own.
    """
    if args.pin == "none" or not hasattr(os, "sched_setaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    return {cpus[-1]}, set(cpus[:-1])


def _cpus(cpus: set[int]) -> str:
    return ",".join(str(c) for c in sorted(cpus))


def _event_loop_name() -> str:
    """The loop linkcheck.run.eventloop picks in the children (their environment is this one's)."""
    sys.path.insert(0, str(REPO))
    from linkcheck.run import eventloop

    factory = eventloop.loop_factory()
    if factory is None:
        return f"asyncio's own ({eventloop.ENV_VAR}={os.environ.get(eventloop.ENV_VAR, '')!r} or no uvloop)"
    import uvloop

    return f"uvloop {uvloop.__version__} ({eventloop.ENV_VAR}=asyncio for asyncio's own)"


def _mark(good: bool) -> str:
    return "ok" if good else "MISSED"


if __name__ == "__main__":
    sys.exit(main())
