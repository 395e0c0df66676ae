"""`licensegraph where`: the store a command would use, and how it was chosen."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from licensegraph.api.where import store_location
from licensegraph.cli.app import DbOption, app, say
from licensegraph.formats import json as json_format


@app.command()
def where(
    db: Optional[Path] = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Print the store path in use and how it was chosen (--db, $LICENSEGRAPH_DB, or the default).

    Example: licensegraph where"""
    loc = store_location(db)
    if as_json:
        print(json_format.render(loc))
        return
    say(loc.path)
    state = (f"a store of {loc.size_bytes / 1_048_576:,.1f} MiB" if loc.exists and loc.size_bytes is not None
             else "no store there yet: `licensegraph ingest FILE` creates it")
    say(f"  chosen by {loc.chosen_by}; {state}")
