"""Flags and the config file → what a command runs with: one function, :func:`settings_for`.

A command states what it was given as one of the ``*Flags`` records below (a flag left out is
None) and gets back the settings of its kind of job. Every value is checked the same way whichever
way it came: a flag by the spec of the config key it stands for (``--timeout 0`` is refused as
``timeout = 0`` is, naming the flag), a path by whether it can be read or written — all before
anything runs or is recorded, each problem one line and exit 2.

* :class:`ReadFlags` → :class:`ReadSettings`: ``report``, ``dead``, ``history``, ``status``,
  ``show``, ``export`` (the database, the WARC folder);
* :class:`ScanFlags` → :class:`ScanSettings`: ``scan``;
* :class:`CheckFlags` → :class:`CheckSettings`: ``check`` (the job's
  :class:`~linkcheck.run.job.JobOptions`, the client's :class:`~linkcheck.net.transport.FetchSettings`);
* :class:`ArchiveFlags` → :class:`ArchiveRunSettings`: ``archive``.

Precedence, for every key: the flag, else the config file (``--config``, else ``./linkcheck.toml``,
else ``[tool.linkcheck]`` of ``pyproject.toml``), else the key's default (``linkcheck/config.py``).
``demo`` reads no config file: the simulated web it starts sets its own client settings.

Light at import (``scan`` imports it): the transport, the archive and the browser are imported by
the functions that build their settings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from linkcheck.cli.common import fail

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aiohttp.abc import AbstractResolver

    from linkcheck.archive import ArchiveSettings
    from linkcheck.browser import BrowserSettings
    from linkcheck.config import Config, Key
    from linkcheck.net.transport import FetchSettings
    from linkcheck.run.job import JobOptions
    from linkcheck.sites import Politeness


# ---- what a command was given ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReadFlags:
    """The commands that read the history database (and the WARC files)."""

    config: Path | None = None
    db: Path | None = None
    warc_dir: Path | None = None


@dataclass(frozen=True, slots=True)
class PublishFlags:
    """``publish``: the reading commands' flags and the ``[publish]`` keys."""

    config: Path | None = None
    db: Path | None = None
    warc_dir: Path | None = None
    folder: str | None = None
    layout: str | None = None


@dataclass(frozen=True, slots=True)
class ScanFlags:
    config: Path | None = None
    paths: list[Path] | None = None
    site_url: str | None = None
    root: Path | None = None


@dataclass(frozen=True, slots=True)
class CheckFlags:
    config: Path | None = None
    paths: list[Path] | None = None
    site_url: str | None = None
    root: Path | None = None
    db: Path | None = None
    budget: float | None = None
    max_urls: int | None = None
    check_all: bool = False
    recheck_after: float | None = None
    concurrency: int | None = None
    timeout: float | None = None
    connect_timeout: float | None = None
    max_attempts: int | None = None
    backoff: float | None = None
    proxy: str | None = None
    ca_bundle: Path | None = None
    resolve: list[str] | None = None
    allow_private: bool | None = None
    canary: list[str] | None = None
    method: str | None = None  # head | get
    archive: bool | None = None
    archive_budget: float | None = None
    browser: bool | None = None
    chromium: Path | None = None


@dataclass(frozen=True, slots=True)
class ArchiveFlags:
    config: Path | None = None
    db: Path | None = None
    warc_dir: Path | None = None
    limit: int | None = None
    budget: float | None = None  # this command's own, not the config's `budget` (the nightly check's)
    max_age: float | None = None
    max_resource_mb: float | None = None
    rotate_mb: float | None = None
    requisites: bool = True
    concurrency: int = 4  # pages in flight: not the config's `concurrency` (requests across hosts)
    timeout: float = 120.0  # one whole capture, body included: not the config's `timeout` (one attempt)
    connect_timeout: float | None = None
    proxy: str | None = None
    ca_bundle: Path | None = None
    resolve: list[str] | None = None
    allow_private: bool | None = None


# ---- what a command runs with ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReadSettings:
    db: Path  # an existing file
    warc_dir: Path  # --warc-dir, else [archive] dir, else warc/ next to the database


@dataclass(frozen=True, slots=True)
class PublishSettings:
    db: Path  # an existing file
    warc_dir: Path
    folder: str  # relative to the blog's root, checked by the [publish] folder key's rules
    layout: str  # "" for none


@dataclass(frozen=True, slots=True)
class ScanSettings:
    paths: list[Path]
    paths_from_config: bool  # a missing path is then named as the config's `paths`
    site_url: str | None
    exclude: tuple[str, ...]
    root: Path | None


@dataclass(frozen=True, slots=True)
class CheckSettings:
    job: JobOptions
    fetch: FetchSettings
    resolver: AbstractResolver | None
    paths_from_config: bool


@dataclass(frozen=True, slots=True)
class ArchiveRunSettings:
    db: Path
    warc_dir: Path  # checked writable
    fetch: FetchSettings
    archive: ArchiveSettings
    limit: int | None  # pages at most; None: every page that needs a capture
    budget_s: float | None
    max_age: timedelta
    resolver: AbstractResolver | None


@overload
def settings_for(given: ReadFlags) -> ReadSettings: ...
@overload
def settings_for(given: PublishFlags) -> PublishSettings: ...
@overload
def settings_for(given: ScanFlags) -> ScanSettings: ...
@overload
def settings_for(given: CheckFlags) -> CheckSettings: ...
@overload
def settings_for(given: ArchiveFlags) -> ArchiveRunSettings: ...


def settings_for(given: ReadFlags | PublishFlags | ScanFlags | CheckFlags | ArchiveFlags) -> Any:
    """The settings of the job ``given`` asks for: its flags over the config file over the
    defaults, every value checked (a bad one: ``typer.Exit(2)`` after one line naming it)."""
    config = load_config_or_fail(given.config)
    match given:
        case ReadFlags():
            db = database_path(given.db, config)
            return ReadSettings(db=db, warc_dir=warc_dir(db, given.warc_dir, config))
        case PublishFlags():
            return _publish(given, config)
        case ScanFlags():
            return _scan(given, config)
        case CheckFlags():
            return _check(given, config)
        case ArchiveFlags():
            return _archive(given, config)
    raise TypeError(f"no settings for {type(given).__name__}")


def _publish(given: PublishFlags, config: Config) -> PublishSettings:
    from linkcheck.config import ConfigError

    try:
        values = config.publish_with_flags({"folder": given.folder, "layout": given.layout})
    except ConfigError as exc:
        raise fail(str(exc)) from None
    db = database_path(given.db, config)
    return PublishSettings(
        db=db, warc_dir=warc_dir(db, given.warc_dir, config), folder=values["folder"], layout=values["layout"]
    )


def _scan(given: ScanFlags, config: Config) -> ScanSettings:
    values, _ = values_or_fail(config, {"site_url": given.site_url})
    return ScanSettings(
        paths=given.paths or [Path(p) for p in values["paths"]],
        paths_from_config=not given.paths,
        site_url=values["site_url"],
        exclude=tuple(values["exclude"]),
        root=root_path(given.root, config),
    )


def _check(given: CheckFlags, config: Config) -> CheckSettings:
    from linkcheck.archive import ArchiveSettings
    from linkcheck.config import KEYS
    from linkcheck.net.transport import FetchSettings
    from linkcheck.run.job import JobOptions
    from linkcheck.run.runner import DEFAULT_CANARIES

    values, archive_values = values_or_fail(
        config,
        {
            "site_url": given.site_url, "budget": given.budget, "max_urls": given.max_urls,
            "recheck_after_days": given.recheck_after, "concurrency": given.concurrency, "timeout": given.timeout,
            "connect_timeout": given.connect_timeout, "max_attempts": given.max_attempts, "backoff": given.backoff,
            "proxy": given.proxy, "canaries": given.canary or None, "allow_private": given.allow_private,
            "method": given.method, "browser": given.browser,
        },
        {"enabled": given.archive},
    )  # fmt: skip
    archive_budget = flag_or_fail("--archive-budget", KEYS["budget"], given.archive_budget)
    if archive_values["enabled"] and "dir" in config.archive:
        problem = unwritable(Path(config.archive["dir"]), directory=True)
        if problem:  # found now, not after the checks when the archive stage starts
            raise fail(f"archive.dir {config.archive['dir']}: {problem}")
    resolver, bundle, politeness, headers = _transport(config, given.resolve, given.ca_bundle)
    fetch = FetchSettings(
        concurrency=values["concurrency"],
        total_timeout=float(values["timeout"]),
        connect_timeout=float(values["connect_timeout"]),
        max_attempts=values["max_attempts"],
        backoff_initial=float(values["backoff"]),
        proxy=values["proxy"],
        ca_bundle=str(bundle) if bundle else None,
        allow_private=bool(values["allow_private"]),
        politeness_overrides=politeness,
        host_headers=headers,
        head_first=values["method"] == "head",
    )
    job = JobOptions(
        paths=given.paths or [Path(p) for p in values["paths"]],
        site_url=values["site_url"],
        root=root_path(given.root, config),
        db=database_path(given.db, config, create=True),
        max_urls=values["max_urls"],
        budget_s=values["budget"],
        check_all=given.check_all,
        recheck_alive_after=timedelta(days=float(values["recheck_after_days"])),
        confirm_checks=config.values.get("confirm_checks"),
        confirm_days=config.values.get("confirm_days"),
        canaries=tuple(values["canaries"] or DEFAULT_CANARIES),
        exclude=tuple(values["exclude"]),
        archive=archive_values["enabled"],
        archive_dir=Path(config.archive["dir"]) if "dir" in config.archive else None,
        archive_limit=archive_values["max_pages"] or None,
        archive_budget_s=archive_budget,
        archive_max_age=timedelta(days=float(archive_values["max_age_days"])),
        archive_settings=ArchiveSettings(
            max_resource_bytes=int(archive_values["max_resource_mb"] * 1024 * 1024),
            rotate_bytes=int(archive_values["rotate_mb"] * 1024 * 1024),
        ),
        browser=bool(values["browser"]),
        browser_options=_browser(config, given.chromium),
    )
    return CheckSettings(job=job, fetch=fetch, resolver=resolver, paths_from_config=not given.paths)


def _archive(given: ArchiveFlags, config: Config) -> ArchiveRunSettings:
    from linkcheck.archive import ArchiveSettings
    from linkcheck.config import KEYS
    from linkcheck.net.transport import FetchSettings

    values, archive_values = values_or_fail(
        config,
        {"connect_timeout": given.connect_timeout, "proxy": given.proxy, "allow_private": given.allow_private},
        {
            "max_pages": given.limit, "max_age_days": given.max_age, "max_resource_mb": given.max_resource_mb,
            "rotate_mb": given.rotate_mb,
        },
    )  # fmt: skip
    # This command's own timeout (a whole capture, body included) and budget (the config file's
    # `budget` bounds the nightly check, not this): seconds, checked like `timeout` and `budget`.
    timeout = flag_or_fail("--timeout", KEYS["timeout"], given.timeout)
    budget = flag_or_fail("--budget", KEYS["budget"], given.budget)
    resolver, bundle, politeness, headers = _transport(config, given.resolve, given.ca_bundle)
    fetch = FetchSettings(
        total_timeout=timeout,
        connect_timeout=float(values["connect_timeout"]),
        proxy=values["proxy"],
        ca_bundle=str(bundle) if bundle else None,
        allow_private=bool(values["allow_private"]),
        politeness_overrides=politeness,
        host_headers=headers,
    )
    archive = ArchiveSettings(
        max_resource_bytes=max(1, int(archive_values["max_resource_mb"] * 1024 * 1024)),
        rotate_bytes=max(1, int(archive_values["rotate_mb"] * 1024 * 1024)),
        requisites=given.requisites,
        concurrency=given.concurrency,
        timeout=timeout,
    )
    db = database_path(given.db, config)
    directory = warc_dir(db, given.warc_dir, config)
    problem = unwritable(directory, directory=True)
    if problem:
        raise fail(f"{'--warc-dir' if given.warc_dir is not None else 'archive.dir'} {directory}: {problem}")
    return ArchiveRunSettings(
        db=db,
        warc_dir=directory,
        fetch=fetch,
        archive=archive,
        limit=int(archive_values["max_pages"]) or None,
        budget_s=budget,
        max_age=timedelta(days=float(archive_values["max_age_days"])),
        resolver=resolver,
    )


def _transport(
    config: Config, resolve: list[str] | None, ca_bundle: Path | None
) -> tuple[AbstractResolver | None, Path | None, dict[str, Politeness], dict[str, dict[str, str]]]:
    """What every fetching command derives from its flags and the config file, checked:
    (resolver, CA bundle, per-host politeness overrides, per-host headers)."""
    import ssl

    from linkcheck.net.resolve import parse_resolve_rules
    from linkcheck.sites import profile_for

    try:
        resolver = parse_resolve_rules(resolve) if resolve else None
    except ValueError as exc:
        raise fail(str(exc)) from None
    bundle = ca_bundle or (Path(config.get("ca_bundle")) if config.get("ca_bundle") else None)
    named = "--ca-bundle" if ca_bundle is not None else "ca_bundle"
    if bundle is not None and not bundle.is_file():
        raise fail(f"{named} {bundle}: no such file")
    if bundle is not None:
        # Loaded now, as the client will: a file that is not PEM certificates is a usage error
        # before anything is recorded, not a failure in the middle of the run.
        try:
            ssl.create_default_context(cafile=str(bundle))
        except (ssl.SSLError, OSError, ValueError) as exc:
            raise fail(f"{named} {bundle}: not a PEM file of CA certificates ({exc})") from None
    politeness, headers = {}, {}
    for host, wanted_by_host in config.hosts.items():
        wanted = {k: wanted_by_host[k] for k in ("concurrency", "interval") if wanted_by_host.get(k) is not None}
        if wanted:
            politeness[host] = replace(profile_for(host).politeness, **wanted)
        if wanted_by_host.get("headers"):
            headers[host] = {str(k): str(v) for k, v in wanted_by_host["headers"].items()}
    return resolver, bundle, politeness, headers


def _browser(config: Config, chromium: Path | None) -> BrowserSettings:
    from linkcheck.browser import BrowserSettings

    path = chromium or (Path(config.get("chromium")) if config.get("chromium") else None)
    if path is not None and not (path.is_file() and os.access(path, os.X_OK)):
        # A typo here would leave every Zhihu link blocked "because Chromium is missing".
        named = "--chromium" if chromium is not None else "chromium"
        raise fail(f"{named} {path}: not an executable file")
    return BrowserSettings(executable=str(path) if path else None)


# ---- the checks behind them ------------------------------------------------------------------


def load_config_or_fail(path: Path | None) -> Config:
    """The config file (``--config``, else ``./linkcheck.toml``, else ``[tool.linkcheck]``); a
    problem with it is a usage error naming the file and the key."""
    from linkcheck.config import ConfigError, load

    try:
        return load(Path("."), path)
    except ConfigError as exc:
        raise fail(f"config: --config {exc}" if path is not None else f"config: {exc}") from None


def values_or_fail(
    config: Config, flags: Mapping[str, Any], archive_flags: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(top-level values, ``[archive]`` values): the flags given (key → value, None when not given)
    over the config file over the defaults, every flag checked by its key's spec — ``--timeout 0``
    is refused exactly as ``timeout = 0`` is, naming the flag (exit 2)."""
    from linkcheck.config import ConfigError

    try:
        return config.with_flags(flags), config.archive_with_flags(archive_flags or {})
    except ConfigError as exc:
        raise fail(str(exc)) from None


def flag_or_fail(flag: str, spec: Key, value: Any) -> Any:
    """A flag with no config key of its own, checked by the spec of the key it means the same as
    (``--archive-budget`` is seconds like ``budget``)."""
    from linkcheck.config import ConfigError, check_flag

    if value is None:
        return None
    try:
        return check_flag(flag, spec, value)
    except ConfigError as exc:
        raise fail(str(exc)) from None


def database_path(given: Path | None, config: Config, *, create: bool = False) -> Path:
    """``--db``, else ``db`` of the config file, else its default: the same for every command.

    Checked here, naming the flag or key: a reading command needs an existing database (it never
    creates one); ``check`` (``create``) needs a place where one can be made."""
    path = given if given is not None else Path(config.get("db"))
    named = f"--db {path}" if given is not None else f"db {path}"
    if path.exists() and not path.is_file():
        raise fail(f"{named}: not a file")
    if not create and not path.exists():
        raise fail(f"{named}: no history database (run `linkcheck check` first)")
    if create and not path.exists():
        problem = unwritable(path)
        if problem:
            raise fail(f"{named}: {problem}")
    return path


def warc_dir(db: Path, given: Path | None, config: Config) -> Path:
    """--warc-dir, else [archive] dir from the config file, else warc/ next to the database."""
    if given is not None:
        return given
    if "dir" in config.archive:
        return Path(config.archive["dir"])
    return db.parent / "warc"


def root_path(given: Path | None, config: Config) -> Path | None:
    """``--root``, else ``root`` of the config file, else None (found upward from the posts).
    One that is not a folder is a usage error naming the flag or the key."""
    configured = config.get("root")
    path = given if given is not None else Path(configured) if configured else None
    if path is not None and not path.is_dir():
        named = f"--root {path}" if given is not None else f"root {path}"
        raise fail(f"{named}: not a directory (the blog's source tree, where _config.yml is)")
    return path


def unwritable(path: Path, *, directory: bool = False) -> str | None:
    """Why a file (or, with ``directory``, a folder) cannot be written at ``path`` — missing
    folders on the way are created — or None. Asked before the work, not found out after it."""
    if directory and path.exists():
        if not path.is_dir():
            return "not a directory"
        return _not_writable(path)
    folder = path.absolute().parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        return f"{folder} is not a directory"
    problem = _not_writable(folder)
    return f"{folder}: {problem}" if problem else None


def _not_writable(folder: Path) -> str | None:
    if os.access(folder, os.W_OK | os.X_OK):
        return None
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return "read-only file system"
    except (OSError, AttributeError):  # no statvfs (Windows)
        pass
    return "permission denied"


__all__ = [
    "ArchiveFlags",
    "ArchiveRunSettings",
    "CheckFlags",
    "CheckSettings",
    "ReadFlags",
    "ReadSettings",
    "ScanFlags",
    "ScanSettings",
    "settings_for",
    "unwritable",
]
