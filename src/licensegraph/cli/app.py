"""The Typer app every command module registers on, and what they share: consoles, --db, errors."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn, Optional

import typer
from rich.console import Console
from rich.markup import escape

from licensegraph.api import LicenseGraph, StoreError
from licensegraph.store.db import default_db_path

app = typer.Typer(
    help="Check that Hugging Face models respect the licenses of the models they were built from.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err = Console(stderr=True)

DB_HELP = "Store file (default: the user data directory, or $LICENSEGRAPH_DB)."
DbOption = typer.Option(None, "--db", help=DB_HELP)

#: Exit codes: 0 done (no violation), 1 violations found (check), 2 bad input or usage.
EXIT_OK, EXIT_VIOLATIONS, EXIT_BAD_INPUT = 0, 1, 2


def error(message: object) -> None:
    """Print `error: message` on stderr."""
    err.print(f"[red]error:[/red] {escape(str(message))}", highlight=False, soft_wrap=True)


def fail(message: object, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print the error and exit (2 unless told)."""
    error(message)
    raise typer.Exit(code)


def say(text: str) -> None:
    """Print plain text on stdout (no markup, no highlighting, no wrapping)."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def graph(db: Optional[Path], read_only: bool = False) -> LicenseGraph:
    """The LicenseGraph on --db (or the default store); exit 2 when a read-only store is missing."""
    lg = LicenseGraph(db or default_db_path(), read_only=read_only)
    try:
        lg.store  # noqa: B018 - open now, so a bad store fails before any work
    except StoreError as exc:
        fail(exc)
    return lg


def optional_graph(db: Optional[Path]) -> LicenseGraph:
    """For check and choose: --db must exist when given; the default store is used when it exists."""
    lg = LicenseGraph(db or default_db_path(), read_only=True)
    if db is not None and not lg.exists():
        fail(f"no store at {db}; run `licensegraph ingest --db {db} ...` first")
    if lg.exists():
        try:
            lg.store  # noqa: B018
        except StoreError as exc:
            fail(exc)
    return lg
