"""`licensegraph rules`: the rule catalogue, read from the rule files."""

from __future__ import annotations

import typer

from licensegraph.api import LicenseGraph
from licensegraph.cli.app import app, fail, say
from licensegraph.formats import json as json_format
from licensegraph.formats.text import rules_text


@app.command()
def rules(
    fmt: str = typer.Option("text", "--format", help="text or json."),
    all_clauses: bool = typer.Option(False, "--all", help="List every clause each rule rests on."),
) -> None:
    """The rule catalogue: each rule's id, study label, severity, what it checks and the clauses it rests on.

    Example: licensegraph rules --format json"""
    if fmt not in ("text", "json"):
        fail(f"--format must be text or json, not {fmt!r}")
    catalogue = LicenseGraph(":memory:").rules()
    if fmt == "json":
        print(json_format.render(catalogue))
    else:
        say(rules_text(catalogue, clauses_shown=0 if all_clauses else 4).rstrip("\n"))
