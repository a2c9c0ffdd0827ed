"""The README's promises: CI runs its test command; every command and option is documented."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from linkcheck.cli import app
from linkcheck.exitcodes import ExitCode

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> dict:
    group = typer.main.get_command(app)
    return dict(group.commands)  # type: ignore[attr-defined]


def _section(name: str) -> str:
    match = re.search(rf"^### `linkcheck {name}`\n(.*?)(?=^## |^### |\Z)", README, re.S | re.M)
    assert match, f"README has no section for `linkcheck {name}`"
    return match.group(1)


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = next(line for line in ci.splitlines() if "pytest" in line and not line.startswith("#"))
    assert command.strip() in README


def test_readme_install_command_runs_check_on_posts():
    assert "pip install -q -e . && .venv/bin/linkcheck check posts/" in README


def test_every_command_and_option_is_documented():
    commands = _commands()
    assert {"scan", "check", "report", "dead", "history", "status", "demo"} <= set(commands)
    missing = []
    for name, command in commands.items():
        section = _section(name)
        for param in command.params:
            if getattr(param, "param_type_name", "") == "option":
                for flag in param.opts + param.secondary_opts:
                    if flag.startswith("--") and flag != "--help" and flag not in section:
                        missing.append(f"{name} {flag}")
    assert not missing, f"options missing from README: {missing}"


def test_exit_codes_are_documented():
    table = README.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    for code in ExitCode:
        assert f"| {int(code)} |" in table, code


def test_export_needs_nothing_beyond_the_readme_install():
    """`linkcheck export --wacz` runs the wacz package: the README's plain install must bring it."""
    from importlib.metadata import requires

    from packaging.requirements import Requirement

    wanted = [Requirement(r) for r in requires("linkcheck") or []]
    wacz = [r for r in wanted if r.name == "wacz"]
    assert wacz, "wacz is not a dependency of linkcheck"
    assert all(r.marker is None for r in wacz), "wacz is only in an extra"
