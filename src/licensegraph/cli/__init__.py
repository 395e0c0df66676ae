"""The `licensegraph` command line: one module per command, each a thin layer over
`licensegraph.api`. Only this package imports typer and rich, and only it decides exit codes."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys

from licensegraph.cli.app import app

# Every module of this package but these is a command module that registers itself on `app`
# when imported; a new command is a new module, and touches no list.
_NOT_COMMANDS = {"app", "layout", "progress", "render"}
for _info in pkgutil.iter_modules(__path__):
    if not _info.name.startswith("_") and _info.name not in _NOT_COMMANDS:
        importlib.import_module(f"{__name__}.{_info.name}")


def _unwrap(doc: str) -> str:
    """A docstring's paragraphs as single lines, so help wraps them to the terminal (rich keeps
    hard line breaks); lines that start a list item or an example keep their own line."""
    paragraphs = inspect.cleandoc(doc).split("\n\n")
    out = []
    for para in paragraphs:
        lines: list[str] = []
        for line in para.split("\n"):
            if lines and not line.lstrip().startswith(("- ", "* ", "Example", "$ ", "\b")) \
                    and not lines[-1].startswith("\b"):
                lines[-1] = f"{lines[-1]} {line.strip()}"
            else:
                lines.append(line)
        out.append("\n".join(lines))
    return "\n\n".join(out)


for _command in app.registered_commands:
    if _command.callback is not None and _command.callback.__doc__:
        _command.callback.__doc__ = _unwrap(_command.callback.__doc__)

__all__ = ["app", "main"]


def main() -> None:
    """Console script entry point."""
    try:
        app()
    except BrokenPipeError:  # `licensegraph ... | head`
        sys.stderr.close()


if __name__ == "__main__":
    main()
