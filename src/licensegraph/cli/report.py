"""`licensegraph report --out DIR`"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from licensegraph.api import StoreError
from licensegraph.cli.app import DbOption, app, console, err, fail, graph
from licensegraph.vocab import VIEWS


@app.command()
def report(
    out: Path = typer.Option(..., "--out", help="Directory to write the report into (created if missing)."),
    view: str = typer.Option("local", help="local (edge-local, as the study counted) or effective (transitive)."),
    top: int = typer.Option(15, min=1, max=100, help="How many models the ranked plots show."),
    db: Optional[Path] = DbOption,
) -> None:
    """Write a self-contained HTML report with plots, and the findings as CSV, JSON and SARIF.

    The audit is brought up to date first (only models changed since the last one are
    re-evaluated). DIR/index.html opens offline; every plot is also saved as PNG and SVG."""
    from licensegraph.formats.report_html import write_report

    if view not in VIEWS:
        fail(f"--view must be local or effective, not {view!r}")
    if out.exists() and not out.is_dir():
        fail(f"--out {out}: exists and is not a directory")
    lg = graph(db)  # a missing store is an error: none is created just to report on it
    try:
        with console.status("auditing", spinner="dots") if console.is_terminal else _nothing():
            lg.audit(view=view)
        with console.status("drawing the plots", spinner="dots") if console.is_terminal else _nothing():
            files = write_report(lg.report_data(view, top=top), lg.audit_findings(view, include_findings=False),
                                 out, stream=lg.iter_audit_findings(view))
    except (ValueError, StoreError) as exc:
        fail(exc)
    except OSError as exc:
        fail(f"--out {out}: {exc.strerror or exc}")
    finally:
        lg.close()
    console.print(f"wrote {len(files.all)} files to {files.directory}")
    err.print(f"open {files.html}", highlight=False)


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
