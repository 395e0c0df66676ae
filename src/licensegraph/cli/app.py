"""The Typer app every command module registers on, and what they share: consoles, --db, errors."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Optional, get_args, get_origin

import typer
from typer.core import TyperArgument, TyperOption

from licensegraph.cli.lazy import LazyCommands

if TYPE_CHECKING:
    from rich.console import Console

    from licensegraph.api import LicenseGraph

# The engine (the library API, DuckDB, NumPy) is imported by the commands that use it, when
# they run: `licensegraph --help` or `explain` loads only what it needs (cli.lazy).
app = typer.Typer(
    cls=LazyCommands,
    help="Check that Hugging Face models respect the licenses of the models they were built from.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
)
# `console` (stdout) and `err` (stderr) are made on first use (PEP 562): rich is some fifty
# modules, and `explain --json` prints plain JSON. Rich honours NO_COLOR (https://no-color.org)
# and a dumb or piped terminal by itself.
_CONSOLES: dict[str, Console] = {}
_NO_COLOR: list[bool] = []  # --no-color was given


def _console(name: str) -> Console:
    made = _CONSOLES.get(name)
    if made is None:
        from rich.console import Console

        made = _CONSOLES[name] = Console(stderr=name == "err")
        if _NO_COLOR:
            made.no_color = True
    return made


def __getattr__(name: str) -> Console:
    if name in ("console", "err"):
        return _console(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _type_label(self: Any, ctx: Any) -> str | None:
    """Help shows a value's kind in capitals (PATH, TEXT, N), and nothing beside a flag."""
    if getattr(self, "is_flag", False) or getattr(self, "count", False):
        return None
    if self.metavar is not None:
        return str(self.metavar)
    label = str(TyperOption.display_type(self, ctx)).strip("<>")
    if label.startswith("list[") and label.endswith("]"):
        label = label[5:-1]
    return _TYPE_LABELS.get(label, label.upper())


_TYPE_LABELS = {"str": "TEXT", "int": "N", "float": "NUMBER", "Path": "PATH", "path": "PATH", "file": "FILE",
                "directory": "DIR"}
TyperOption.display_type_rich = _type_label  # type: ignore[method-assign]
TyperArgument.display_type_rich = _type_label  # type: ignore[method-assign]


class PlainValue:
    """typer's coercion of one parameter's value, without pydantic for the plain kinds.

    typer (0.2x) coerces every value through a pydantic TypeAdapter built on first use:
    importing pydantic and building the adapters costs more than `explain` itself. A str, a
    flag that is already a bool and a Path (no custom parser) are coerced here as typer's
    adapters do (a Path through typer's own checks: exists, file_okay, ...), and so is a list
    of them (`many`: `check PATH...`, `--parent-license` given several times); an option of
    any kind that is not given (None) is None, or () for a list, as typer gives it. Anything
    else, and every value of another kind (`kind` None), goes to typer's coercion."""

    def __init__(self, descriptor: Any, kind: type | None, many: bool = False) -> None:
        self.descriptor = descriptor
        self.kind = kind
        self.many = many
        self._typer: Any = None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None:  # typer's coercion answers so before it looks at the kind
            return () if param.multiple or param.nargs == -1 else None
        if self.many and (param.multiple or param.nargs == -1):
            if isinstance(value, (tuple, list)) and all(isinstance(v, str) and v for v in value):
                if self.kind is str:
                    return list(value)
                return [_coerce_cli_path(Path(v), self.descriptor.parameter_info, path_type=Path, param=param,
                                         ctx=ctx) for v in value]
        elif not (param.multiple or param.nargs == -1):
            if self.kind is str and isinstance(value, str):
                return value
            if self.kind is bool and isinstance(value, bool):
                return value
            if self.kind is Path and isinstance(value, str) and value:
                return _coerce_cli_path(Path(value), self.descriptor.parameter_info, path_type=Path,
                                        param=param, ctx=ctx)
        if self._typer is None:
            self._typer = _build_runtime_param(self.descriptor)
        return self._typer.coerce(value, param=param, ctx=ctx)


def _plain_kind(descriptor: Any) -> tuple[type, bool] | None:
    """(kind, whether a list of it) of a parameter PlainValue coerces, else None."""
    info = descriptor.parameter_info
    if descriptor.file_annotation is not None or info.parser is not None:
        return None
    annotation, many = descriptor.annotation, False
    if get_origin(annotation) is list and get_args(annotation) in ((str,), (Path,)):
        annotation, many = get_args(annotation)[0], True
    if annotation in (str, bool):
        return annotation, many
    if annotation is Path and info.path_type in (None, Path):
        return Path, many
    return None


def _get_runtime_param(self: Any) -> Any:
    if self._runtime_param is None:
        self._runtime_param = PlainValue(self.type_descriptor, *(_plain_kind(self.type_descriptor) or (None,)))
    return self._runtime_param


try:  # the coercion of typer 0.2x; an older typer coerces through click, with no pydantic
    from typer._coercion import build_runtime_param as _build_runtime_param
    from typer._param_types import coerce_cli_path as _coerce_cli_path
    from typer.core import _TyperParameter
except ImportError:  # pragma: no cover - depends on the installed typer
    pass
else:
    _TyperParameter.get_runtime_param = _get_runtime_param  # type: ignore[method-assign]


def _version(value: bool) -> None:
    if value:
        from licensegraph import __version__

        print(f"licensegraph {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
    no_color: bool = typer.Option(False, "--no-color", help="No colour in the output (as does NO_COLOR=1)."),
) -> None:
    """Check that Hugging Face models respect the licenses of the models they were built from.

    Start with `licensegraph ingest FILE` (or `licensegraph crawl`), then `licensegraph audit`.
    Nothing licensegraph prints is legal advice."""
    if no_color:
        _NO_COLOR.append(True)
        for made in _CONSOLES.values():
            made.no_color = True

DB_HELP = "Store file (default: the user data directory, or $LICENSEGRAPH_DB)."
DbOption = typer.Option(None, "--db", help=DB_HELP)

#: Exit codes: 0 done (no violation), 1 violations found (check), 2 bad input or usage.
EXIT_OK, EXIT_VIOLATIONS, EXIT_BAD_INPUT = 0, 1, 2


def write_trace(exc: BaseException) -> str:
    """Write the full traceback of `exc` to a file ($LICENSEGRAPH_TRACE_DIR, else the user
    log directory, else the temp directory) and return its path."""
    import os
    import tempfile
    import time
    import traceback

    import platformdirs

    text = "".join(traceback.format_exception(exc))
    name = f"licensegraph-trace-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}.txt"
    header = f"licensegraph {' '.join(sys.argv[1:])}\n\n"
    for folder in (os.environ.get("LICENSEGRAPH_TRACE_DIR"), platformdirs.user_log_dir("licensegraph"),
                   tempfile.gettempdir()):
        if not folder:
            continue
        try:
            Path(folder).mkdir(parents=True, exist_ok=True)
            path = Path(folder) / name
            path.write_text(header + text, encoding="utf-8")
            return str(path)
        except OSError:
            continue
    return "(nowhere: no writable folder)"


def error(message: object) -> None:
    """Print `error: message` on stderr."""
    from rich.markup import escape

    _console("err").print(f"[red]error:[/red] {escape(str(message))}", highlight=False, soft_wrap=True)


def fail(message: object, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print the error and exit (2 unless told)."""
    error(message)
    raise typer.Exit(code)


def say(text: str) -> None:
    """Print plain text on stdout (no markup, no highlighting), each line wrapped to the terminal
    with its continuation indented under the line's own indentation (past a list bullet)."""
    from rich.text import Text

    from licensegraph.cli.layout import hanging

    for line in text.split("\n"):
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        bullet = next((len(b) for b in BULLETS if stripped.startswith(b)), 2)
        hanging(_console("console"), Text(stripped), indent=indent, subsequent=indent + bullet)


#: Line starts whose continuation lines are indented past them.
BULLETS = ("- ", "* ", "✓ ", "✗ ", "⚠ ")


def _waiting(message: str) -> None:
    from rich.markup import escape

    _console("err").print(f"[yellow]{escape(message)}[/yellow]", highlight=False, soft_wrap=True)


def graph(db: Optional[Path], read_only: bool = False, create: bool = False) -> LicenseGraph:
    """The LicenseGraph on --db (or the default store); exit 2 when the path is not a store,
    or is missing and the command may not `create` it. A reading command opens the store
    now, so a bad store fails before any work; a writing one waits for another writer."""
    from licensegraph.api.graph import LicenseGraph
    from licensegraph.store.db import StoreError, default_db_path

    lg = LicenseGraph(db or default_db_path(), read_only=read_only, on_wait=_waiting)
    try:
        if read_only:
            lg.store  # noqa: B018
        else:
            lg.check_path(create=create)
    except StoreError as exc:
        fail(exc)
    return lg


def optional_graph(db: Optional[Path]) -> LicenseGraph:
    """For check and choose: --db must exist when given; the default store is used when it exists."""
    from licensegraph.api.graph import LicenseGraph
    from licensegraph.store.db import StoreError, default_db_path

    lg = LicenseGraph(db or default_db_path(), read_only=True)
    if db is not None and not lg.exists():
        fail(f"no store at {db}; run `licensegraph ingest --db {db} ...` first")
    if lg.exists():
        try:
            lg.store  # noqa: B018
        except StoreError as exc:
            fail(exc)
    return lg
