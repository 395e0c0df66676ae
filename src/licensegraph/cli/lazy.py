"""Commands imported when they are used.

Every module of this package but the helpers below is a command module that registers
itself on `app` when imported (a new command is a new module, and touches no list). Its
command carries the module's name. Listing the package's files is enough to know the
commands; a command's module, and the engine it needs, is imported only when that command
runs (or when help lists every command), so `licensegraph explain` does not load what
`audit` or `serve` need.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from typer.core import TyperGroup

if TYPE_CHECKING:
    import click

PACKAGE = "licensegraph.cli"
# Modules of the package that are helpers, not commands.
NOT_COMMANDS = frozenset({"app", "layout", "lazy", "progress", "render"})


@cache
def command_modules() -> tuple[str, ...]:
    """The command modules' names, in file name order (found without importing them)."""
    folder = str(Path(__file__).resolve().parent)
    return tuple(sorted(info.name for info in pkgutil.iter_modules([folder])
                        if not info.name.startswith("_") and info.name not in NOT_COMMANDS))


def unwrap(doc: str) -> str:
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


_UNWRAPPED: set = set()  # callbacks whose help was unwrapped (once, in place)


class LazyCommands(TyperGroup):
    """The root group: knows its commands by module name, builds each on first use."""

    def _load(self, module: str) -> None:
        from typer.main import get_command_from_info, get_command_name

        from licensegraph.cli.app import app

        importlib.import_module(f"{PACKAGE}.{module}")  # registers its command on `app`
        for info in app.registered_commands:
            callback = info.callback
            if callback is None or callback.__module__ != f"{PACKAGE}.{module}":
                continue
            if (info.name or get_command_name(callback.__name__)) in self.commands:
                continue
            if callback.__doc__ and callback not in _UNWRAPPED:
                callback.__doc__ = unwrap(callback.__doc__)
                _UNWRAPPED.add(callback)
            command = get_command_from_info(info, pretty_exceptions_short=app.pretty_exceptions_short,
                                            rich_markup_mode=app.rich_markup_mode)
            if command.name:
                self.commands[command.name] = command

    def load_all(self) -> None:
        """Import every command module (help and completion list them all)."""
        for module in command_modules():
            self._load(module)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            if cmd_name in command_modules():
                self._load(cmd_name)
            if cmd_name not in self.commands:  # a command named apart from its module
                self.load_all()
        return self.commands.get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self.load_all()
        return sorted(self.commands)
