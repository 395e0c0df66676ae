"""`licensegraph stats`"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from licensegraph.cli.app import DbOption, app, console, graph
from licensegraph.formats import json as json_format


@app.command()
def stats(
    db: Optional[Path] = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
    top: int = typer.Option(15, min=0, help="How many licenses and names to list."),
) -> None:
    """Models, edges by relation, licenses, dangling parents and cycles in the store.

    Example: licensegraph stats --json"""
    lg = graph(db, read_only=True)
    try:
        data = lg.stats(top=top)
    finally:
        lg.close()
    if as_json:
        print(json_format.render(data))
        return
    from licensegraph.cli.render import render_stats

    render_stats(console, data)
