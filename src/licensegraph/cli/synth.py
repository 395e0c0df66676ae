"""`licensegraph synth` (moves to bench/ with the generator)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from licensegraph.cli.app import app, console, err


@app.command()
def synth(
    models: int = typer.Option(..., "--models", min=1, help="How many models to generate."),
    seed: int = typer.Option(0, "--seed", min=0, max=2**32 - 1, help="Random seed: the same seed gives the same file."),
    out: Path = typer.Option(..., "--out", help="Output file: .jsonl, .jsonl.gz or .parquet."),
    card_yaml: bool = typer.Option(False, "--card-yaml", help="Card data as YAML text (as snapshots hold it), not a JSON mapping."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
):
    """Write a synthetic Hub snapshot calibrated to real lineage and license data."""
    from licensegraph.synth.generator import synth_command

    if out.suffix not in (".jsonl", ".gz", ".parquet"):
        err.print(f"[red]error:[/red] {out}: the output must end in .jsonl, .jsonl.gz or .parquet")
        raise typer.Exit(2)
    if out.is_dir():
        err.print(f"[red]error:[/red] {out} is a directory; --out takes a file name, e.g. {out / 'synth.jsonl.gz'}")
        raise typer.Exit(2)
    if not out.parent.is_dir():
        err.print(f"[red]error:[/red] {out}: the folder {out.parent} does not exist")
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
