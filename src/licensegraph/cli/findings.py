"""`licensegraph findings`"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from licensegraph.api import StoreError
from licensegraph.cli.app import DbOption, app, err, fail, graph
from licensegraph.vocab import ALL_VIEWS

FORMATS = ("csv", "json", "sarif")


@app.command()
def findings(
    view: str = typer.Option("local", help="local (edge-local, as the study counted) or effective (transitive)."),
    fmt: str = typer.Option("csv", "--format", help="csv, json or sarif."),
    rule: Optional[list[str]] = typer.Option(None, "--rule", help="Only this rule (repeatable)."),
    severity: Optional[list[str]] = typer.Option(None, "--severity", help="Only this severity (repeatable): "
                                                 "violation, warning, risk."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write to this file instead of stdout."),
    db: Optional[Path] = DbOption,
) -> None:
    """Export the last audit's findings as CSV, JSON or SARIF.

    One row per model and rule row, with the ancestor, path, clause, source and remedy
    (columns documented in the README)."""
    from licensegraph.formats import findings_export, sarif

    if view not in ALL_VIEWS:
        fail(f"--view must be local, effective, local+inferred or effective+inferred, not {view!r}")
    if fmt not in FORMATS:
        fail(f"--format must be csv, json or sarif, not {fmt!r}")
    lg = graph(db, read_only=True)
    try:
        result = lg.audit_findings(view, rule_ids=rule or None, severities=severity or None)
    except (ValueError, StoreError) as exc:
        fail(exc)
    finally:
        lg.close()
    if not result.audited:
        err.print("[yellow]warning:[/yellow] no audit has been run on this store: run `licensegraph audit` first")
    if fmt == "csv":
        text = findings_export.to_csv(result)
    elif fmt == "json":
        text = findings_export.to_json(result) + "\n"
    else:
        text = json.dumps(sarif.audit_to_sarif(result), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"--out {out}: {exc.strerror or exc}")
    err.print(f"wrote {len(result.findings):,} findings to {out}", highlight=False)
