"""Dependencies stay true (issue #22 item 11): every package linkcheck imports is declared, every
declared dependency has a floor, and constraints-min.txt pins exactly those floors — the versions
`.ci/run` installs into a second venv to run the tests again."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*>=\s*([0-9][^;,\s]*)\s*(?:;.*)?$")
# The extras the minimum-versions run covers (bench tools are not part of it).
COVERED_EXTRAS = ("test", "browser")


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _version(text: str) -> str:
    """3.2 and 3.2.0 are one version."""
    return re.sub(r"(\.0)+$", "", text.strip())


def _floors(requirements: list[str]) -> dict[str, str]:
    floors = {}
    for requirement in requirements:
        match = REQUIREMENT.match(requirement)
        assert match, f"{requirement!r}: every dependency needs a floor (name>=version)"
        floors[_name(match.group(1))] = _version(match.group(2))
    return floors


def _declared(*extras: str) -> dict[str, str]:
    project = PYPROJECT["project"]
    floors = _floors(project["dependencies"])
    for extra in extras:
        floors.update(_floors(project["optional-dependencies"][extra]))
    return floors


def _unguarded_imports(tree: ast.AST) -> set[str]:
    """Top-level names imported outside ``try: … except ImportError`` (optional imports)."""
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
            isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError") for h in node.handlers
        ):
            guarded.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    names = set()
    for node in ast.walk(tree):
        if id(node) in guarded:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_every_imported_package_is_declared() -> None:
    imported = set()
    for path in (ROOT / "linkcheck").rglob("*.py"):
        imported |= _unguarded_imports(ast.parse(path.read_text(encoding="utf-8")))
    third_party = {name for name in imported if name not in sys.stdlib_module_names and name != "linkcheck"}
    distributions = packages_distributions()
    declared = set(_declared("browser"))
    undeclared = {
        name: distributions.get(name)
        for name in third_party
        if not {_name(d) for d in distributions.get(name, [name])} & declared
    }
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


def test_constraints_min_pins_every_floor() -> None:
    pins = {}
    for line in (ROOT / "constraints-min.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[_name(name)] = _version(version)
    assert pins == _declared(*COVERED_EXTRAS)


def test_ci_runs_the_tests_at_the_floors() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "-c constraints-min.txt" in ci
    command = next(line for line in ci.splitlines() if "-c constraints-min.txt" in line and not line.startswith("#"))
    assert "pytest" in command
