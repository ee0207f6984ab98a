"""CLI commands of one part of livermdt; registered by `livermdt.cli.main`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this part's commands to the `livermdt` application."""
