"""The `licensegraph` command line: one module per command, each a thin layer over
`licensegraph.api`. Only this package imports typer and rich, and only it decides exit codes."""

from __future__ import annotations

import importlib
import pkgutil
import sys

from licensegraph.cli.app import app

# Every module of this package but these is a command module that registers itself on `app`
# when imported; a new command is a new module, and touches no list.
_NOT_COMMANDS = {"app", "layout", "progress", "render"}
for _info in pkgutil.iter_modules(__path__):
    if not _info.name.startswith("_") and _info.name not in _NOT_COMMANDS:
        importlib.import_module(f"{__name__}.{_info.name}")

__all__ = ["app", "main"]


def main() -> None:
    """Console script entry point."""
    try:
        app()
    except BrokenPipeError:  # `licensegraph ... | head`
        sys.stderr.close()


if __name__ == "__main__":
    main()
