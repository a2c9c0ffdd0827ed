"""``python -m linkcheck.simweb``: serve the simulated web for manual poking (bounded run)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
from pathlib import Path

from linkcheck.simweb.proxy import ForwardProxy
from linkcheck.simweb.server import SimulatedWeb


async def _serve(args: argparse.Namespace) -> None:
    async with (
        SimulatedWeb(
            unknown_hosts="alive" if args.alive else "nxdomain",
            latency=args.latency,
            http_port=args.http_port,
            https_port=args.https_port,
        ) as web,
        contextlib.AsyncExitStack() as stack,
    ):
        ca_file = Path(args.ca_file or Path(tempfile.gettempdir()) / "simweb-ca.pem")
        ca_file.write_bytes(web.ca_pem())
        proxy = await stack.enter_async_context(ForwardProxy(web.route, port=args.proxy_port)) if args.proxy else None
        print(f"simulated web: http 127.0.0.1:{web.http_port}  https 127.0.0.1:{web.https_port}")
        print(f"CA certificate: {ca_file}")
        if proxy is not None:
            print(f"forward proxy: {proxy.url}")
        print("try:")
        print(
            f"  curl --cacert {ca_file} --connect-to mp.weixin.qq.com:443:127.0.0.1:{web.https_port} "
            "https://mp.weixin.qq.com/s/P9cMowFQ-QahLRnfHponKw"
        )
        print(f"  curl -H 'Host: behave.test' http://127.0.0.1:{web.http_port}/status/418")
        if proxy is not None:
            print(f"  curl --cacert {ca_file} -x {proxy.url} https://zhuanlan.zhihu.com/p/146643148")
        print(f"serving for {args.duration:g} s (Ctrl-C to stop)", flush=True)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(args.duration)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m linkcheck.simweb", description=__doc__)
    parser.add_argument("--http-port", type=int, default=0)
    parser.add_argument("--https-port", type=int, default=0)
    parser.add_argument("--alive", action="store_true", help="unknown hosts serve a generic live page")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every response")
    parser.add_argument("--duration", type=float, default=3600.0, help="stop after this many seconds")
    parser.add_argument("--ca-file", help="where to write the CA certificate (PEM)")
    parser.add_argument(
        "--proxy", action="store_true", help="also serve a forward proxy in front of it (linkcheck.simweb.proxy)"
    )
    parser.add_argument("--proxy-port", type=int, default=0)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
