"""`licensegraph audit`"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from licensegraph.api import StoreError
from licensegraph.cli.app import DbOption, app, console, err, fail, graph
from licensegraph.formats import csv as csv_format
from licensegraph.formats import json as json_format
from licensegraph.formats import markdown as markdown_format
from licensegraph.vocab import VIEWS

FORMATS = ("table", "json", "csv", "markdown")


@app.command()
def audit(
    db: Optional[Path] = DbOption,
    view: str = typer.Option("local", help="local (edge-local, as the study counted) or effective (transitive)."),
    fmt: str = typer.Option("table", "--format", help="table, json, csv or markdown."),
    rule: Optional[list[str]] = typer.Option(None, "--rule", help="Run only this rule (repeatable)."),
    hub_labels: bool = typer.Option(False, "--hub-labels", help="Break down by the Hub's relation labels."),
    full: bool = typer.Option(False, "--full", help="Re-evaluate every model, not only those changed since the last audit."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Say on stderr how the audit ran."),
) -> None:
    """Run every rule over the store and print the study-style noncompliance table.

    After the first audit, a later one re-evaluates only the models changed by ingest
    since then and their descendants (use --full to re-evaluate everything)."""
    if view not in VIEWS:
        fail(f"--view must be local or effective, not {view!r}")
    if fmt not in FORMATS:
        fail(f"--format must be table, json, csv or markdown, not {fmt!r}")
    lg = graph(db)
    try:
        result = lg.audit(view=view, rule_ids=rule or None, hub_labels=hub_labels, full=full)
    except (ValueError, StoreError) as exc:
        fail(exc)
    finally:
        lg.close()
    run = result.run
    incremental = (f"[dim]incremental audit: re-evaluated {run.affected:,} changed models and their descendants[/dim]"
                   if run is not None and run.incremental else None)
    if incremental and verbose and fmt != "table":
        err.print(incremental)
    if fmt == "json":
        print(json_format.render(result))
    elif fmt == "csv":
        sys.stdout.write(csv_format.audit_csv(result))
    elif fmt == "markdown":
        sys.stdout.write(markdown_format.audit_markdown(result))
    else:
        from licensegraph.cli.render import render_audit

        render_audit(console, result)
        if incremental:
            console.print(incremental)
        for rule_id, notes in result.notes.items():
            for note in notes:
                console.print(f"[dim]{rule_id}: {note}[/dim]")
