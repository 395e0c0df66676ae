"""CLI commands for publishers (`check`, `choose`), registered on the main Typer app."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the publisher commands to `app`."""
