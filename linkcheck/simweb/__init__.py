"""A simulated web on loopback for tests, benchmarks and ``linkcheck demo`` (no internet needed).

One aiohttp server impersonates mp.weixin.qq.com, Zhihu, CSDN, … (fixtures from
``shared/docs/decay-signatures.md`` §4), a behaviour host ``behave.test``, benchmark hosts
``*.bench.test`` and, optionally, any other host. See :mod:`linkcheck.simweb.server`.
:mod:`linkcheck.simweb.proxy` puts a forward proxy in front of it (clients given only the proxy and
the CA, as behind a company proxy).
"""

from linkcheck.simweb.catalog import FIXTURES, NETWORK_FAILURES, Fixture, by_id
from linkcheck.simweb.proxy import ForwardProxy, ProxyRecord, proxy_in_thread
from linkcheck.simweb.server import SIMULATED_HOSTS, RequestRecord, SimulatedWeb, serve_in_thread

__all__ = [
    "FIXTURES",
    "NETWORK_FAILURES",
    "SIMULATED_HOSTS",
    "Fixture",
    "ForwardProxy",
    "ProxyRecord",
    "RequestRecord",
    "SimulatedWeb",
    "by_id",
    "proxy_in_thread",
    "serve_in_thread",
]
