"""A throwaway NSS database: how Chromium on Linux is told to trust a CA it does not ship with.

Chromium on Linux takes locally trusted roots from the NSS database ``$HOME/.pki/nssdb`` (its user
data directory is not enough), and NSS databases are edited with ``certutil`` from Debian's
``libnss3-tools``. :func:`make_home` builds a fresh home directory holding such a database with
every certificate of the given PEM data trusted as a CA for TLS servers (``-t "C,,"``); the browser
is launched with ``HOME`` pointing there, and the directory is removed when the browser closes. The
user's own ``~/.pki/nssdb`` is never touched.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

CERTUTIL_PACKAGE = "libnss3-tools"
CERTUTIL_MISSING = (
    f"certutil not found, so the CA bundle cannot be given to Chromium (Debian: apt-get install {CERTUTIL_PACKAGE})"
)
_PEM_CERTIFICATE = re.compile(rb"-----BEGIN CERTIFICATE-----\s+([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----")


class TrustStoreError(Exception):
    """The trust store could not be built; the message says why (and what to install)."""


def find_certutil() -> str | None:
    return shutil.which("certutil")


def certificates(pem: bytes) -> list[bytes]:
    """The ``CERTIFICATE`` blocks of PEM data (a bundle holds many), each once, in order.
    Other blocks (keys, OpenSSL's ``TRUSTED CERTIFICATE``) are not certificates certutil reads."""
    seen: set[bytes] = set()
    found: list[bytes] = []
    for match in _PEM_CERTIFICATE.finditer(pem):
        body = b"".join(match.group(1).split())
        if body not in seen:
            seen.add(body)
            lines = [body[i : i + 64] for i in range(0, len(body), 64)]
            found.append(b"\n".join([b"-----BEGIN CERTIFICATE-----", *lines, b"-----END CERTIFICATE-----", b""]))
    return found


def make_home(pem_sources: Iterable[tuple[str, bytes]], *, certutil: str | None = None, timeout: float = 60.0) -> Path:
    """A new temporary home directory whose ``.pki/nssdb`` trusts every certificate of the sources.

    ``pem_sources``: ``(name for messages, PEM data)`` pairs, e.g. the ``--ca-bundle`` file. The
    caller removes the directory (``shutil.rmtree``). Raises :class:`TrustStoreError`.
    """
    tool = certutil or find_certutil()
    if tool is None:
        raise TrustStoreError(CERTUTIL_MISSING)
    chosen: list[bytes] = []
    for name, data in pem_sources:
        found = certificates(data)
        if not found:
            raise TrustStoreError(f"{name}: no PEM certificate in it")
        for cert in found:
            if cert not in chosen:  # the same CA in the bundle and given again
                chosen.append(cert)
    home = Path(tempfile.mkdtemp(prefix="linkcheck-browser-home-"))
    try:
        database = home / ".pki" / "nssdb"
        database.mkdir(parents=True, mode=0o700)
        _certutil(tool, ["-N", "--empty-password", "-d", f"sql:{database}"], timeout)
        # One certutil run for the whole bundle (a system bundle holds ~150 roots): a batch file.
        commands: list[str] = []
        for index, cert in enumerate(chosen):
            path = home / f"ca-{index}.pem"
            path.write_bytes(cert)
            commands.append(f'-A -n "linkcheck-ca-{index}" -t "C,," -i "{path}"')
        batch = home / "certutil-batch.txt"
        batch.write_text("\n".join(commands) + "\n", encoding="utf-8")
        _certutil(tool, ["-B", "-i", str(batch), "-d", f"sql:{database}"], timeout)
        for leftover in (batch, *home.glob("ca-*.pem")):
            leftover.unlink()
    except BaseException:
        shutil.rmtree(home, ignore_errors=True)
        raise
    return home


def _certutil(tool: str, args: list[str], timeout: float) -> None:
    try:
        done = subprocess.run([tool, *args], capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TrustStoreError(f"certutil {args[0]} failed: {type(exc).__name__}: {exc}") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise TrustStoreError(f"certutil {args[0]} failed (exit {done.returncode}): {' '.join(detail)[:300]}")
