"""One fetch per page: WeChat requests per WeChat URL in a `linkcheck check` with archiving on.

    python bench/bench_onefetch.py                   # 300 URLs sampled from the real blog
    python bench/bench_onefetch.py --urls 120 --old none

What one run does:

1. samples ``--urls`` checkable URLs (seed ``--seed``) from the real blog's posts
   (``/work/shared/corpus/_posts``, ``--corpus``; read in place, never copied: only the sampled
   URLs are written, to a temporary post), or generates a sample of the same shape (about half
   WeChat articles) when the corpus is not there;
2. serves the simulated web in this process (so its request log, ``SimulatedWeb.requests``, can be
   read per host): every host answers, WeChat articles are alive with three ``mmbiz.qpic.cn``
   images each, except one WeChat URL in eight, which answers as a deleted article;
3. runs the real CLI, ``python -m linkcheck check`` with archiving on (its default) in a fresh
   directory, over HTTPS on loopback with the simulated web's CA; politeness intervals shortened to
   0.02 s so the run measures requests, not sleeps (per-host concurrency as profiled: WeChat 1),
   and every page that needs a capture archived on both sides (``[archive] max_pages = 0``);
4. does the same with the code of ``--old`` (default ``c289bcb``, the last commit before the single
   fetch: extracted with ``git archive`` into a temporary directory, run on this interpreter) on the
   same sample and the same simulated web;
5. prints, side by side: requests to mp.weixin.qq.com per WeChat URL (target ≤ 1.1; the old code
   fetched each alive page twice), pages archived (every page the old code archived must be, and
   those only the new code archives are named: pages later rules call alive, such as CSDN's user
   homes since #19), images, checks recorded, and whether every WARC file passes ``warcio check``
   and ``cdxj-indexer`` with one index line per ``captures`` row and per readable copy (#18).

Exit status: 0 when the new code makes at most 1.1 WeChat requests per WeChat URL, archives every
page the old code archived (when it ran) and every WARC file is valid; 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from oldcode import package_at  # (bench/oldcode.py, beside this script)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CORPUS = Path("/work/shared/corpus/_posts")
WECHAT = "mp.weixin.qq.com"
DELETED = "https://mp.weixin.qq.com/s/P9cMowFQ-QahLRnfHponKw"  # the simulated web's deleted article
TARGET = 1.1
ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

sys.path.insert(0, str(ROOT))


def sample_urls(corpus: Path, count: int, seed: int) -> tuple[list[str], str]:
    """``count`` canonical URLs to check, and where they came from."""
    rng = random.Random(seed)
    if corpus.is_dir():
        from linkcheck.scan.collect import collect

        links = sorted((link for link in collect([corpus]).links if link.checkable), key=lambda link: link.canonical)
        chosen = rng.sample(links, min(count, len(links)))
        return [link.canonical for link in chosen], f"{len(chosen)} URLs sampled from {corpus} (seed {seed})"
    urls = []
    for n in range(count):
        if n % 2 == 0:
            token = "".join(
                rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") for _ in range(22)
            )
            urls.append(f"https://{WECHAT}/s/{token}")
        else:
            urls.append(f"https://host{n % 37}.example.com/post/{n}")
    return urls, f"{count} generated URLs (no corpus at {corpus}; seed {seed})"


def write_blog(directory: Path, urls: list[str], ca_pem: bytes) -> None:
    (directory / "posts").mkdir(parents=True)
    body = "\n\n".join(f"参考 {url} 看看" for url in urls)
    (directory / "posts" / "sample.md").write_text(f"---\ntitle: sample\n---\n{body}\n", encoding="utf-8")
    (directory / "ca.pem").write_bytes(ca_pem)
    from linkcheck.scan.canonical import canonicalize
    from linkcheck.sites import profile_for

    hosts = sorted({canonicalize(url).host for url in urls} | {"mmbiz.qpic.cn"})
    tables = "".join(
        f'[hosts."{host}"]\nconcurrency = {profile_for(host).politeness.concurrency}\ninterval = 0.02\n\n'
        for host in hosts
    )
    # Every page that needs a capture, on both sides: the old code's default cap (200 a run) would
    # make "pages archived" a count of the cap rather than of what a single fetch keeps.
    archive = "[archive]\nmax_pages = 0\n\n"
    (directory / "linkcheck.toml").write_text(f"timeout = 10\nbackoff = 0.1\n\n{archive}{tables}", encoding="utf-8")


def run_check(web, directory: Path, code: Path | None) -> dict:
    """`linkcheck check` in ``directory`` (this checkout's code, or the package under ``code``)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONUNBUFFERED",)}
    env["PYTHONPATH"] = str(code) if code is not None else str(ROOT)
    args = [
        sys.executable, "-m", "linkcheck", "check", "posts", "--format", "json",
        "--resolve", f"*:443:127.0.0.1:{web.https_port}", "--resolve", f"*:80:127.0.0.1:{web.http_port}",
        "--ca-bundle", "ca.pem", "--allow-private", "--canary", "https://behave.test/ok",
    ]  # fmt: skip
    web.reset_state()
    started = time.perf_counter()
    done = subprocess.run(args, cwd=directory, capture_output=True, text=True, env=env, timeout=3600)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"linkcheck check failed ({done.returncode}):\n{done.stderr[-3000:]}")
    results = json.loads(done.stdout)
    by_host = Counter(r.host for r in web.requests)
    wechat_urls = sum(1 for r in results if r["host"] == WECHAT and r["verdict"] != "skipped")
    db = sqlite3.connect(directory / "state" / "linkcheck.db")
    try:
        pages = dict(db.execute("SELECT u.site, count(*) FROM captures c JOIN urls u ON u.id = c.url_id "
                                "WHERE c.kind = 'page' GROUP BY u.site").fetchall())  # fmt: skip
        page_urls = {url for (url,) in db.execute("SELECT u.canonical FROM captures c JOIN urls u ON u.id = c.url_id "
                                                 "WHERE c.kind = 'page'")}  # fmt: skip
        rows = db.execute("SELECT count(*) FROM captures").fetchone()[0]
        # A readable copy (issue #18) is a resource record beside its page, indexed like a capture.
        has_copies = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'readable_copies'").fetchone()
        readable = db.execute("SELECT count(*) FROM readable_copies").fetchone()[0] if has_copies else 0
        requisites = db.execute("SELECT count(*) FROM captures WHERE kind = 'requisite'").fetchone()[0]
        checks = db.execute("SELECT count(*) FROM checks").fetchone()[0]
        verdicts = dict(db.execute("SELECT verdict, count(*) FROM checks GROUP BY verdict").fetchall())
    finally:
        db.close()
    return {
        "wall": wall,
        "wechat_urls": wechat_urls,
        "wechat_requests": by_host[WECHAT],
        "image_requests": by_host["mmbiz.qpic.cn"],
        "requests": len(web.requests),
        "pages": sum(pages.values()),
        "page_urls": page_urls,
        "wechat_pages": pages.get("weixin", 0),
        "requisites": requisites,
        "checks": checks,
        "verdicts": verdicts,
        "warc": validate(directory / "state" / "warc", rows, readable),
    }


def validate(warc_dir: Path, rows: int, readable: int) -> str:
    """'ok' when every WARC file passes warcio check and cdxj-indexer indexes one line per
    ``captures`` row and per readable copy (its ``metadata`` record is not indexed)."""
    files = sorted(warc_dir.glob("*.warc.gz"))
    if list(warc_dir.glob("*.open")):
        return "a file was left .open"
    lines = 0
    for path in files:
        checked = subprocess.run([str(BIN / "warcio"), "check", str(path)], capture_output=True, text=True)
        if checked.returncode != 0:
            return f"warcio check failed on {path.name}"
        indexed = subprocess.run([str(BIN / "cdxj-indexer"), str(path)], capture_output=True, text=True)
        if indexed.returncode != 0:
            return f"cdxj-indexer failed on {path.name}"
        lines += sum(1 for line in indexed.stdout.splitlines() if line.strip())
    if lines != rows + readable:
        return f"{lines} index lines for {rows} captures rows and {readable} readable copies"
    return f"ok ({len(files)} files, {lines} records indexed = {rows} captures rows + {readable} readable copies)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", type=int, default=300)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--old", default="c289bcb", help="git revision to compare with ('none': skip)")
    args = parser.parse_args()

    from linkcheck.scan.canonical import canonicalize
    from linkcheck.simweb import serve_in_thread

    urls, origin = sample_urls(args.corpus, args.urls, args.seed)
    wechat = [url for url in urls if canonicalize(url).host == WECHAT]
    # One WeChat URL in eight answers as a deleted article: checked dead, never archived.
    aliases = {url.split("://", 1)[1]: DELETED for url in wechat[::8]}
    tmp = Path(tempfile.mkdtemp(prefix="bench-onefetch-"))
    ok = True
    try:
        with serve_in_thread(unknown_hosts="alive", aliases=aliases) as web:
            runs: dict[str, dict] = {}
            new_dir = tmp / "new"
            write_blog(new_dir, urls, web.ca_pem())
            runs["new"] = run_check(web, new_dir, None)
            if args.old != "none":
                code = package_at(args.old, tmp / "old-code")
                old_dir = tmp / "old"
                write_blog(old_dir, urls, web.ca_pem())
                runs[f"old ({args.old})"] = run_check(web, old_dir, code)
        print(f"one fetch per page: {origin}; {len(wechat)} WeChat URLs ({len(aliases)} answer as deleted)")
        print("  `linkcheck check` with archiving on (every page: max_pages 0), HTTPS on loopback, intervals 0.02 s")
        names = list(runs)
        print(f"  {'':34}" + "".join(f"{name:>18}" for name in names))
        rows = [
            ("requests to mp.weixin.qq.com", lambda r: f"{r['wechat_requests']}"),
            ("WeChat URLs checked", lambda r: f"{r['wechat_urls']}"),
            ("WeChat requests per WeChat URL", lambda r: f"{r['wechat_requests'] / max(1, r['wechat_urls']):.2f}"),
            ("pages archived (WeChat)", lambda r: f"{r['pages']} ({r['wechat_pages']})"),
            ("requests to all hosts", lambda r: f"{r['requests']}"),
            ("images archived / requested", lambda r: f"{r['requisites']} / {r['image_requests']}"),
            ("checks recorded", lambda r: f"{r['checks']}"),
            ("wall time", lambda r: f"{r['wall']:.1f} s"),
        ]
        for label, cell in rows:
            print(f"  {label:34}" + "".join(f"{cell(runs[name]):>18}" for name in names))
        for name in names:
            print(f"  WARC files ({name}): {runs[name]['warc']}")
        new = runs["new"]
        per_url = new["wechat_requests"] / max(1, new["wechat_urls"])
        if per_url > TARGET:
            print(f"  MISSED: {per_url:.2f} WeChat requests per WeChat URL (target <= {TARGET})")
            ok = False
        if len(names) > 1:
            # Every page the old code archived must be archived; pages only the new code archives
            # are pages later rules call alive (CSDN's user homes and categories since #19).
            old_pages, new_pages = runs[names[1]]["page_urls"], new["page_urls"]
            lost, gained = sorted(old_pages - new_pages), sorted(new_pages - old_pages)
            if gained:
                print(f"  pages only the new code archived: {len(gained)} ({', '.join(gained[:3])})")
            if lost:
                print(f"  MISSED: {len(lost)} pages the old code archived are not archived ({', '.join(lost[:3])})")
                ok = False
        if any(not runs[name]["warc"].startswith("ok") for name in names):
            ok = False
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
