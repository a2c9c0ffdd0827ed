"""Net: the one HTTP transport. The only code that does HTTP — checks, archive pages and their
images alike.

``transport`` (:class:`~linkcheck.net.transport.Fetcher`): one aiohttp session, redirects followed
by hand, capped bodies, tenacity retries with Retry-After, the error taxonomy, and a check that can
keep its raw exchange for the archive (``Recording``); ``gates``: per-site politeness (pacing,
concurrency, circuit breaker); ``resolve``: the resolver seam and the SSRF guard.
"""
