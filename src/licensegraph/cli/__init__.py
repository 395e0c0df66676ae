"""The `licensegraph` command line: one module per command, each a thin layer over
`licensegraph.api`. Only this package imports typer and rich, and only it decides exit codes."""

from __future__ import annotations

import sys

from licensegraph.cli import audit, check, choose, explain, ingest, rejects, rules, stats, synth  # noqa: F401 - registers
from licensegraph.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Console script entry point."""
    try:
        app()
    except BrokenPipeError:  # `licensegraph ... | head`
        sys.stderr.close()


if __name__ == "__main__":
    main()
