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
    """Console script entry point. An unexpected error prints one line and where its full
    trace was written, and exits 2: no command-line input ends in a traceback."""
    try:
        app(standalone_mode=True)
    except BrokenPipeError:  # `licensegraph ... | head`
        sys.stderr.close()
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - the last line of defence
        if isinstance(exc, KeyboardInterrupt):
            sys.stderr.write("interrupted\n")
            sys.exit(130)
        from licensegraph.cli.app import write_trace

        where = write_trace(exc)
        message = str(exc).splitlines()[0][:200] if str(exc) else ""
        sys.stderr.write(f"error: unexpected {type(exc).__name__}{': ' + message if message else ''} "
                         f"(full trace in {where}; please report it)\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
