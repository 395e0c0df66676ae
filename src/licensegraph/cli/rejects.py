"""`licensegraph rejects`"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from licensegraph.cli.app import DbOption, app, console, graph, say
from licensegraph.formats import json as json_format


@app.command()
def rejects(
    db: Optional[Path] = DbOption,
    limit: int = typer.Option(50, min=0, help="How many to show."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List what ingest could not take, with file, line and reason.

    Example: licensegraph rejects --limit 20"""
    from licensegraph.cli.render import render_rejects

    lg = graph(db, read_only=True)
    try:
        rows = lg.rejects(limit=limit)
    finally:
        lg.close()
    if as_json:
        print(json_format.render(rows))
        return
    if not rows:
        say("nothing rejected: every record and lineage row ingested so far was taken")
        return
    render_rejects(console, rows)
