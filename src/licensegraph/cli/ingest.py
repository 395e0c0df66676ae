"""`licensegraph ingest PATH...`"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from licensegraph.cli.app import EXIT_VIOLATIONS, DbOption, app, console, err, fail, graph
from licensegraph.formats import json as json_format


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="Model records (.jsonl[.gz], .parquet) and lineage CSVs (.csv[.gz])."),
    db: Optional[Path] = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Print each step's time on stderr."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when any record, line or file was rejected (for pipelines)."),
) -> None:
    """Read Hub metadata into the store, then rebuild lineage and licenses.

    Bad records go to `licensegraph rejects` and the rest is stored (exit 0; with --strict, exit 1).

    Example: licensegraph ingest hub-sample-2025.jsonl.gz hub-lineage-2025.csv.gz"""
    from licensegraph.api import IngestError, StoreError
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
    rejected, warned = report.total("rejected"), report.total("warnings")
    if as_json:
        print(json_format.render(report))
    else:
        render_ingest(console, report)
        for f in report.files:
            if f.error:
                err.print(f"[yellow]warning:[/yellow] {f.path}: {f.error}")
        if rejected or warned:
            console.print(f"{rejected:,} rejected, {warned:,} kept with warnings: see `licensegraph rejects`"
                          + (f" --db {db}" if db else "") + ".")
    if strict and rejected:
        raise typer.Exit(EXIT_VIOLATIONS)
