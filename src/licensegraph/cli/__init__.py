"""The `licensegraph` command line: one module per command, each a thin layer over
`licensegraph.api`. Only this package imports typer and rich, and only it decides exit codes.

Command modules are found by name and imported when their command runs (`cli.lazy`)."""

from __future__ import annotations

import sys

from licensegraph.cli.app import app

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
        if type(exc).__name__ == "OutOfMemoryException":  # duckdb's, named to keep duckdb unimported here
            sys.stderr.write(f"error: DuckDB needed more memory than the store's bound allows: {message} (raise it "
                             f"with LICENSEGRAPH_MEMORY_LIMIT=4GB, say, and run the command again; trace in {where})\n")
            sys.exit(2)
        sys.stderr.write(f"error: unexpected {type(exc).__name__}{': ' + message if message else ''} "
                         f"(full trace in {where}; please report it)\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
