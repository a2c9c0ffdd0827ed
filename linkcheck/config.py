"""Configuration: ``linkcheck.toml`` in the blog root, or ``[tool.linkcheck]`` in ``pyproject.toml``.

Every key is declared once in :data:`KEYS` (type, default, help, limits); unknown keys and bad
values are refused with the key's name. Command-line flags override the file, and a flag's value is
checked by the same spec as the key it stands for (:meth:`Config.with_flags`, :func:`check_flag`),
so ``--timeout 0`` and ``timeout = 0`` are the same error. The commented example
``linkcheck.example.toml`` lists every key (a test keeps it complete).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CONFIG_FILE = "linkcheck.toml"


class ConfigError(Exception):
    """A configuration problem; the message names the file and the key."""


def web_url_problem(value: str, schemes: tuple[str, ...] = ("http", "https")) -> str | None:
    """Why ``value`` is not a usable absolute URL with one of ``schemes`` and a host, or None."""
    if not value or any(c.isspace() or ord(c) < 32 for c in value):
        return f"{value!r} is not a URL" if value else "is empty"
    try:
        parts = urlsplit(value)
        port = parts.port  # raises for a port that is not a number in 0-65535
    except ValueError as exc:
        return f"{value!r} is not a valid URL ({exc})"
    if parts.scheme.lower() not in schemes:
        return f"{value!r} must be an {' or '.join(s + '://' for s in schemes)} URL"
    if not parts.hostname:
        return f"{value!r} has no host"
    if port == 0:
        return f"{value!r} has port 0"
    return None


@dataclass(frozen=True, slots=True)
class Key:
    type: type | tuple[type, ...]
    default: Any
    help: str
    minimum: float | None = None
    choices: tuple[str, ...] | None = None
    # A further check of a (string) value, or of each item of a list: why it is unusable, or None.
    check: Callable[[str], str | None] | None = None
    # The command-line flag standing for the key where it is not ``--`` + the key with dashes.
    flag: str | None = None

    def flag_name(self, key: str) -> str:
        return self.flag or "--" + key.replace("_", "-")


# Top-level keys. Types: str, int, float, bool, list (of str).
KEYS: dict[str, Key] = {
    "paths": Key(list, ["posts"], "Files or directories to scan."),
    "exclude": Key(list, [], "Regular expressions; a URL matching any is recorded but never fetched."),
    "site_url": Key(str, None, "Base URL of the blog; makes site-relative links checkable.", check=web_url_problem),
    "root": Key(str, None, "The blog's Jekyll source tree (_config.yml); default: found upward from the posts."),
    "db": Key(str, "state/linkcheck.db", "History database (SQLite)."),
    "budget": Key((int, float), None, "Seconds after which a run starts no new check.", 0),
    "max_urls": Key(int, None, "At most this many URLs per run.", 1),
    "recheck_after_days": Key(
        (int, float), 5, "Days after which an alive URL is due again.", 0, flag="--recheck-after"
    ),
    "confirm_checks": Key(int, 3, "Dead checks needed to confirm a link dead.", 1),
    "confirm_days": Key((int, float), 7, "Days the dead checks must span to confirm.", 0),
    "concurrency": Key(int, 64, "Requests in flight across all hosts.", 1),
    "timeout": Key((int, float), 30, "Seconds for one attempt (headers and capped body).", 0.1),
    "connect_timeout": Key((int, float), 10, "Seconds to establish a connection.", 0.1),
    "max_attempts": Key(int, 3, "Attempts per URL for transient failures.", 1),
    "backoff": Key((int, float), 1.0, "First retry wait in seconds (doubles, jittered).", 0),
    # aiohttp speaks to http:// proxies, and to https:// ones over TLS; socks5:// and others it does not.
    "proxy": Key(str, None, "HTTP proxy URL (default: HTTP(S)_PROXY / NO_PROXY).", check=web_url_problem),
    "ca_bundle": Key(str, None, "PEM file of CA certificates trusted instead of the system store."),
    "canaries": Key(
        list,
        None,
        "URLs that prove the network is up; all failing means offline.",
        check=web_url_problem,
        flag="--canary",
    ),
    "allow_private": Key(bool, False, "Fetch loopback/private/link-local addresses (SSRF guard off)."),
    "browser": Key(bool, False, "Re-check blocked Zhihu/WeChat links in headless Chromium (linkcheck[browser])."),
    "chromium": Key(str, None, "Chromium executable for --browser (default: /usr/bin/chromium, else PATH)."),
    "method": Key(
        str, "head", "head: HEAD first, GET when HEAD says nothing; get: always GET.", choices=("head", "get")
    ),
}
# Their flags are `linkcheck archive`'s (and `check --archive/--no-archive`).
ARCHIVE_KEYS: dict[str, Key] = {
    "enabled": Key(bool, True, "Archive live pages into WARC files during `check`.", flag="--archive"),
    "dir": Key(str, "state/warc", "Where WARC files are written.", flag="--warc-dir"),
    "max_pages": Key(int, 0, "Pages captured per run at most; 0: every page that needs a capture.", 0, flag="--limit"),
    "max_resource_mb": Key((int, float), 20, "Size cap per captured resource (larger is truncated).", 0.001),
    "max_age_days": Key(
        (int, float), 90, "Recapture a page whose capture is older (if it changed).", 0, flag="--max-age"
    ),
    "rotate_mb": Key((int, float), 1000, "Start a new WARC file at this size.", 1),
}


def _template_problem(value: str) -> str | None:
    from linkcheck.fix import check_template

    return check_template(value)


# `linkcheck fix`'s: how a confirmed dead link with a readable capture is linked to its copy.
FIX_KEYS: dict[str, Key] = {
    "archive_link": Key(
        str,
        "[（存档）]({archive_url})",
        "Text added after a dead link in Markdown; {archive_url}, {url}, {date} are filled in.",
        check=_template_problem,
    ),
}


def publish_folder_problem(value: str) -> str | None:
    """Why ``value`` cannot be the folder ``publish`` writes to inside the blog's source tree: it
    must stay inside the tree, and Jekyll publishes no ``_``- or ``.``-prefixed folder."""
    parts = value.replace("\\", "/").strip("/").split("/")
    if not value.strip("/") or value.startswith("/") or ":" in value:
        return f"{value!r} must be a folder relative to the blog's root"
    if any(part in ("", ".", "..") for part in parts):
        return f"{value!r} must be a plain relative folder (no '.', '..' or empty parts)"
    if any(part[0] in "_." for part in parts):
        return f"{value!r}: Jekyll does not publish a folder whose name starts with '_' or '.'"
    return None


def layout_problem(value: str) -> str | None:
    """Why ``value`` is not a Jekyll layout name (a file of ``_layouts/`` without its extension)."""
    if value and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", value):
        return f'{value!r} is not a layout name (a file of _layouts/ without .html; "" for none)'
    return None


# Their flags are `linkcheck publish`'s.
PUBLISH_KEYS: dict[str, Key] = {
    "folder": Key(
        str,
        "archived",
        "Folder of the blog's source tree the archived articles are written to.",
        check=publish_folder_problem,
    ),
    "layout": Key(
        str, "default", 'Jekyll layout of the published pages; "": none (whole HTML documents).', check=layout_problem
    ),
}
HOST_KEYS: dict[str, Key] = {
    "concurrency": Key(int, None, "Requests in flight to this host.", 1),
    "interval": Key((int, float), None, "Minimum seconds between request starts to this host.", 0),
    "headers": Key(dict, None, "Extra request headers for this host."),
}


@dataclass(slots=True)
class Config:
    values: dict[str, Any] = field(default_factory=dict)
    archive: dict[str, Any] = field(default_factory=dict)
    fix: dict[str, Any] = field(default_factory=dict)
    hosts: dict[str, dict[str, Any]] = field(default_factory=dict)
    publish: dict[str, Any] = field(default_factory=dict)
    source: Path | None = None

    def get(self, key: str, override: Any = None) -> Any:
        """The command-line value if given, else the file's, else the default."""
        if override is not None:
            return override
        if key in self.values:
            return self.values[key]
        return KEYS[key].default

    def archive_get(self, key: str) -> Any:
        return self.archive.get(key, ARCHIVE_KEYS[key].default)

    def fix_get(self, key: str) -> Any:
        return self.fix.get(key, FIX_KEYS[key].default)

    def with_flags(self, flags: Mapping[str, Any]) -> dict[str, Any]:
        """Every top-level key's value: the command line's where given (``flags``: key → value,
        None for not given), checked by the key's spec with the error naming the flag; else the
        file's; else the default."""
        values = {key: self.values.get(key, spec.default) for key, spec in KEYS.items()}
        for key, value in flags.items():
            if value is not None:
                values[key] = check_flag(KEYS[key].flag_name(key), KEYS[key], value)
        return values

    def publish_with_flags(self, flags: Mapping[str, Any]) -> dict[str, Any]:
        """:meth:`with_flags` for the ``[publish]`` keys."""
        values = {key: self.publish.get(key, spec.default) for key, spec in PUBLISH_KEYS.items()}
        for key, value in flags.items():
            if value is not None:
                values[key] = check_flag(PUBLISH_KEYS[key].flag_name(key), PUBLISH_KEYS[key], value)
        return values

    def archive_with_flags(self, flags: Mapping[str, Any]) -> dict[str, Any]:
        """:meth:`with_flags` for the ``[archive]`` keys."""
        values = {key: self.archive.get(key, spec.default) for key, spec in ARCHIVE_KEYS.items()}
        for key, value in flags.items():
            if value is not None:
                values[key] = check_flag(ARCHIVE_KEYS[key].flag_name(key), ARCHIVE_KEYS[key], value)
        return values


def check_flag(flag: str, spec: Key, value: Any) -> Any:
    """A command-line value checked exactly as the config key it stands for (one validation for
    both); the error names the flag. Paths are checked as the strings the file would hold."""
    if isinstance(value, Path):
        value = str(value)
    elif isinstance(value, tuple):
        value = list(value)
    return _check_value("", flag, spec, value)


def _check_value(where: str, key: str, spec: Key, value: Any) -> Any:
    def refuse(problem: str) -> ConfigError:
        return ConfigError(f"{where}: {key} {problem}" if where else f"{key} {problem}")

    types = spec.type if isinstance(spec.type, tuple) else (spec.type,)
    # bool is an int in Python; a number where a bool is wanted (or the reverse) is a mistake.
    if isinstance(value, bool) and bool not in types:
        raise refuse(f"must be {_type_names(types)}, not a boolean")
    if not isinstance(value, types):
        raise refuse(f"must be {_type_names(types)}, not {type(value).__name__}")
    if list in types and not all(isinstance(item, str) for item in value):
        raise refuse("must be a list of strings")
    if spec.choices is not None and value not in spec.choices:
        raise refuse(f"must be one of {', '.join(spec.choices)}, not {value!r}")
    # TOML and the command line both spell nan and inf; neither is a number of seconds or days.
    if isinstance(value, float) and not math.isfinite(value):
        raise refuse(f"must be a finite number, not {value}")
    if spec.minimum is not None and isinstance(value, int | float) and value < spec.minimum:
        raise refuse(f"must be at least {spec.minimum:g}")
    if spec.check is not None:
        for item in value if isinstance(value, list) else [value]:
            problem = spec.check(item)
            if problem is not None:
                raise refuse(problem)
    return value


def _type_names(types: tuple[type, ...]) -> str:
    names = {int: "an integer", float: "a number", str: "a string", bool: "true or false", list: "a list",
             dict: "a table"}  # fmt: skip
    return " or ".join(names.get(t, t.__name__) for t in types)


# The config file's tables of known keys: name → its keys (each kept in the Config attribute of that name).
_TABLES: dict[str, dict[str, Key]] = {"archive": ARCHIVE_KEYS, "fix": FIX_KEYS, "publish": PUBLISH_KEYS}


def _table(where: str, name: str, value: Any, keys: dict[str, Key]) -> dict[str, Any]:
    """A ``[name]`` table of the config file, every key known and checked."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: {name} must be a table ([{name}])")
    checked: dict[str, Any] = {}
    for sub, sub_value in value.items():
        if sub not in keys:
            raise ConfigError(f"{where}: unknown key {name}.{sub} (known: {', '.join(keys)})")
        checked[sub] = _check_value(where, f"{name}.{sub}", keys[sub], sub_value)
    return checked


def parse(data: dict[str, Any], where: str) -> Config:
    config = Config()
    for key, value in data.items():
        if key in _TABLES:
            getattr(config, key).update(_table(where, key, value, _TABLES[key]))
        elif key == "hosts":
            if not isinstance(value, dict):
                raise ConfigError(f'{where}: hosts must be a table of tables ([hosts."example.com"])')
            for host, table in value.items():
                if not isinstance(table, dict):
                    raise ConfigError(f'{where}: hosts."{host}" must be a table')
                config.hosts[host.lower()] = _table(where, f'hosts."{host}"', table, HOST_KEYS)
        elif key in KEYS:
            config.values[key] = _check_value(where, key, KEYS[key], value)
        else:
            raise ConfigError(f"{where}: unknown key {key!r} (see linkcheck.example.toml for every key)")
    for pattern in config.values.get("exclude", []):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{where}: exclude pattern {pattern!r} is not a valid regex: {exc}") from None
    return config


def load(root: Path = Path("."), explicit: Path | None = None) -> Config:
    """Read ``explicit``, else ``linkcheck.toml``, else ``[tool.linkcheck]`` of pyproject.toml."""
    candidates: list[tuple[Path, bool]] = []
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: no such config file")
        candidates.append((explicit, False))
    else:
        candidates += [(root / CONFIG_FILE, False), (root / "pyproject.toml", True)]
    for path, in_pyproject in candidates:
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
        if in_pyproject:
            data = data.get("tool", {}).get("linkcheck")
            if data is None:
                continue
            where = f"{path} [tool.linkcheck]"
        else:
            where = str(path)
        config = parse(data, where)
        config.source = path
        return config
    return Config()
