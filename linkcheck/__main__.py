"""The ``linkcheck`` command: the console script and ``python -m linkcheck`` run the typer app."""

from __future__ import annotations


def run() -> None:
    """The console script ``linkcheck`` and ``python -m linkcheck``."""
    from linkcheck.cli import app

    app()


if __name__ == "__main__":
    run()
