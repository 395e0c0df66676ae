"""`licensegraph changes`: what moved since a run or a date."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from licensegraph.api import RunError, StoreError
from licensegraph.cli.app import DbOption, app, console, fail, graph
from licensegraph.formats import csv as csv_format
from licensegraph.formats import json as json_format

FORMATS = ("table", "json", "csv")


@app.command()
def changes(
    db: Optional[Path] = DbOption,
    since: Optional[str] = typer.Option(None, "--since", metavar="RUN|DATE",
                                        help="Runs after this run number, or finished since this date (default: the latest run)."),
    fmt: str = typer.Option("table", "--format", help="table, json or csv."),
    view: str = typer.Option("local", "--view", help="Findings of the local or effective view, or both."),
    limit: int = typer.Option(50, "--limit", help="Table: how many models and edges to list (totals count all)."),
) -> None:
    """What moved since a run or a date: models, lineage edges, findings per rule, with totals.

    Models added, deleted and relicensed (old -> new license), lineage edges added and
    removed, findings that appeared or were resolved, per rule. Every `ingest` and `crawl` is a numbered run. Changes are net: a model relicensed and
    back within the range is not listed."""
    if fmt not in FORMATS:
        fail(f"--format must be table, json or csv, not {fmt!r}")
    if view not in ("local", "effective", "both"):
        fail(f"--view must be local, effective or both, not {view!r}")
    lg = graph(db, read_only=True)
    try:
        result = lg.changes(since=since, view=None if view == "both" else view)
    except (RunError, StoreError, ValueError) as exc:
        fail(exc)
    finally:
        lg.close()
    if fmt == "json":
        print(json_format.render(result))
    elif fmt == "csv":
        sys.stdout.write(csv_format.changes_csv(result))
    else:
        from licensegraph.cli.render import render_changes

        render_changes(console, result, limit=limit)
