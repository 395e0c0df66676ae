"""`licensegraph ingest PATH...`"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from licensegraph.api import IngestError, StoreError
from licensegraph.cli.app import DbOption, app, console, err, fail, graph
from licensegraph.formats import json as json_format


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="Model records (.jsonl[.gz], .parquet) and lineage CSVs (.csv[.gz])."),
    db: Optional[Path] = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Print each step's time on stderr."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
) -> None:
    """Read Hub metadata into the store, then rebuild lineage and licenses.

    Example: licensegraph ingest hub-sample-2025.jsonl.gz hub-lineage-2025.csv.gz"""
    from licensegraph.cli.progress import phase_progress
    from licensegraph.cli.render import render_ingest

    lg = graph(db, create=True)
    try:
        with phase_progress(quiet=quiet or as_json, verbose=verbose) as progress:
            report = lg.ingest(paths, progress=progress)
    except (IngestError, StoreError) as exc:
        fail(exc)
    finally:
        lg.close()
    if verbose:
        for f in report.files:
            err.print(f"{f.path}: " + ", ".join(f"{k} {v:.2f}s" for k, v in f.timings.items()), highlight=False)
    if as_json:
        print(json_format.render(report))
        return
    render_ingest(console, report)
    for f in report.files:
        if f.error:
            err.print(f"[yellow]warning:[/yellow] {f.path}: {f.error}")
    if report.total("rejected"):
        console.print("Rejected lines are listed with their reasons by `licensegraph rejects`.")
