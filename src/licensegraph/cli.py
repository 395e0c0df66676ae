"""The `licensegraph` command line: a thin layer over the library API."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from licensegraph.store.db import Store, StoreError, default_db_path

app = typer.Typer(
    help="Check that Hugging Face models respect the licenses of the models they were built from.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err = Console(stderr=True)

DbOption = typer.Option(None, "--db", help="Store file (default: the user data directory, or $LICENSEGRAPH_DB).")


def open_store(db: Optional[Path], read_only: bool = False) -> Store:
    path = db or default_db_path()
    if read_only and not Path(path).exists():
        err.print(f"[red]error:[/red] no store at {path}; run `licensegraph ingest` first (or pass --db)")
        raise typer.Exit(2)
    try:
        return Store(path, read_only=read_only)
    except StoreError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2)


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="Model records (.jsonl[.gz], .parquet) and lineage CSVs (.csv[.gz])."),
    db: Optional[Path] = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
):
    """Read Hub metadata into the store, then rebuild lineage and licenses."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from licensegraph.sources.ingest import IngestError, ingest as run_ingest

    store = open_store(db)
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
            summary = run_ingest(store, paths, progress=on_progress)
    except IngestError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2)
    finally:
        store.close()
    if as_json:
        print(json.dumps(summary.as_dict(), indent=2))
        return
    table = Table(title="ingest")
    for col in ("file", "read", "stored", "updated", "unchanged", "superseded", "rejected"):
        table.add_column(col, justify="left" if col == "file" else "right")
    for f in summary.files:
        table.add_row(Path(f.path).name, *(f"{getattr(f, c):,}" for c in ("read", "stored", "updated", "unchanged", "superseded", "rejected")))
    console.print(table)
    for f in summary.files:
        if f.error:
            err.print(f"[yellow]warning:[/yellow] {f.path}: {f.error}")
    if summary.total("rejected"):
        console.print("Rejected lines are listed with their reasons by `licensegraph rejects`.")


@app.command()
def rejects(
    db: Optional[Path] = DbOption,
    limit: int = typer.Option(50, help="How many to show."),
    as_json: bool = typer.Option(False, "--json"),
):
    """List what ingest could not take, with file, line and reason."""
    store = open_store(db, read_only=True)
    rows = store.execute(
        "SELECT file, line, model_id, part, reason FROM rejects ORDER BY ingested_at, file, line LIMIT ?", [limit]
    ).fetchall()
    store.close()
    if as_json:
        print(json.dumps([dict(zip(("file", "line", "model_id", "part", "reason"), r)) for r in rows], indent=2))
        return
    table = Table(title="rejects")
    for col in ("file", "line", "model", "part", "reason"):
        table.add_column(col)
    for f, line, model, part, reason in rows:
        table.add_row(Path(f).name, str(line or ""), model or "", part, reason)
    console.print(table)


@app.command()
def stats(
    db: Optional[Path] = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
    top: int = typer.Option(15, help="How many licenses and names to list."),
):
    """Models, edges by relation, licenses, dangling parents and cycles in the store."""
    from licensegraph.reports.stats import collect_stats

    store = open_store(db, read_only=True)
    data = collect_stats(store, top=top)
    store.close()
    if as_json:
        print(json.dumps(data, indent=2))
        return
    from licensegraph.reports.render import render_stats

    render_stats(console, data)


@app.command()
def audit(
    db: Optional[Path] = DbOption,
    view: str = typer.Option("local", help="local (edge-local, as the study counted) or effective (transitive)."),
    fmt: str = typer.Option("table", "--format", help="table, json, csv or markdown."),
    rule: Optional[list[str]] = typer.Option(None, "--rule", help="Run only this rule (repeatable)."),
    hub_labels: bool = typer.Option(False, "--hub-labels", help="Break down by the Hub's relation labels."),
    full: bool = typer.Option(False, "--full", help="Re-evaluate every model, not only those changed since the last audit."),
):
    """Run every rule over the store and print the study-style noncompliance table.

    After the first audit, a later one re-evaluates only the models changed by ingest
    since then and their descendants (use --full to re-evaluate everything)."""
    from licensegraph.reports import audit_table as at
    from licensegraph.rules.engine import run_audit

    if view not in ("local", "effective"):
        err.print(f"[red]error:[/red] --view must be local or effective, not {view!r}")
        raise typer.Exit(2)
    if fmt not in ("table", "json", "csv", "markdown"):
        err.print(f"[red]error:[/red] --format must be table, json, csv or markdown, not {fmt!r}")
        raise typer.Exit(2)
    store = open_store(db)
    if not store.scalar("SELECT count(*) FROM models"):
        err.print(f"[red]error:[/red] the store {store.path} holds no models: run `licensegraph ingest` first")
        store.close()
        raise typer.Exit(2)
    try:
        run = run_audit(store, rule_ids=rule or None, incremental=False if full else None)
    except KeyError as exc:
        err.print(f"[red]error:[/red] {exc.args[0]}")
        raise typer.Exit(2)
    data = at.audit_table(store, view=view, hub_labels=hub_labels)
    if rule:
        data["rows"] = [r for r in data["rows"] if r["rule"] in rule]
    data["notes"] = run.notes
    data["incremental"] = run.incremental
    store.close()
    if fmt == "json":
        print(at.to_json(data))
    elif fmt == "csv":
        sys.stdout.write(at.to_csv(data))
    elif fmt == "markdown":
        sys.stdout.write(at.to_markdown(data))
    else:
        at.render_rich(console, data)
        if run.incremental:
            console.print(f"[dim]incremental audit: re-evaluated {run.affected:,} changed models and their descendants[/dim]")
        for rule_id, notes in run.notes.items():
            for note in notes:
                console.print(f"[dim]{rule_id}: {note}[/dim]")


@app.command()
def explain(
    model_id: str = typer.Argument(..., help="A Hub model id, e.g. meta-llama/Llama-2-7b-hf."),
    db: Optional[Path] = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
):
    """A model's lineage, its effective duties with sources, and its findings."""
    from licensegraph.reports.explain import ModelNotFound, explain as run_explain

    store = open_store(db, read_only=True)
    try:
        data = run_explain(store, model_id)
    except ModelNotFound as exc:
        err.print(f"[red]error:[/red] {exc.args[0]}")
        raise typer.Exit(2)
    finally:
        store.close()
    if as_json:
        print(json.dumps(data, indent=2, default=str))
        return
    from licensegraph.reports.render import render_explain

    render_explain(console, data)


@app.command()
def synth(
    models: int = typer.Option(..., "--models", min=1, help="How many models to generate."),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed gives the same file."),
    out: Path = typer.Option(..., "--out", help="Output file: .jsonl, .jsonl.gz or .parquet."),
    card_yaml: bool = typer.Option(False, "--card-yaml", help="Card data as YAML text (as snapshots hold it), not a JSON mapping."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
):
    """Write a synthetic Hub snapshot calibrated to real lineage and license data."""
    from licensegraph.synth.generator import synth_command

    if out.suffix not in (".jsonl", ".gz", ".parquet"):
        err.print(f"[red]error:[/red] {out}: the output must end in .jsonl, .jsonl.gz or .parquet")
        raise typer.Exit(2)
    with console.status(f"generating {models:,} models"):
        summary = synth_command(models, seed, out, card_yaml)
    if as_json:
        print(json.dumps(summary, indent=2, default=str))
        return
    console.print(f"wrote {models:,} models to {out}")
    for key in ("by_relation", "n_edges", "n_dangling_edges", "n_hub_mislabeled", "seconds"):
        if key in summary:
            console.print(f"  {key}: {summary[key]}")


from licensegraph.publish.commands import register as _register_publish  # noqa: E402

_register_publish(app)


def main() -> None:  # console script entry point
    try:
        app()
    except BrokenPipeError:  # `licensegraph ... | head`
        sys.stderr.close()


if __name__ == "__main__":
    main()
