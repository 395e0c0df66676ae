"""`licensegraph ingest PATH...`"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from licensegraph.api import IngestError
from licensegraph.cli.app import DbOption, app, console, err, fail, graph
from licensegraph.formats import json as json_format


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="Model records (.jsonl[.gz], .parquet) and lineage CSVs (.csv[.gz])."),
    db: Optional[Path] = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Print phase timings on stderr."),
) -> None:
    """Read Hub metadata into the store, then rebuild lineage and licenses."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from licensegraph.cli.render import render_ingest

    lg = graph(db)
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
        console=err, transient=True, disable=as_json or not err.is_terminal,
    )
    tasks: dict[str, int] = {}

    def on_progress(label: str, done: int, total: int) -> None:
        if label not in tasks:
            tasks[label] = progress.add_task(Path(label).name, total=total)
        progress.update(tasks[label], completed=done, total=total)

    try:
        with progress:
            report = lg.ingest(paths, progress=on_progress)
    except IngestError as exc:
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
