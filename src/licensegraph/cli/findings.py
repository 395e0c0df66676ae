"""`licensegraph findings`"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Optional, TextIO

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
        header = lg.audit_findings(view, rule_ids=rule or None, severities=severity or None, include_findings=False)
        if not header.audited:
            err.print("[yellow]warning:[/yellow] no audit has been run on this store: run `licensegraph audit` first")
        stream = lg.iter_audit_findings(view, rule_ids=rule or None, severities=severity or None)
        with _target(out) as fh:
            if fmt == "csv":
                n = findings_export.write_csv(fh, stream)
            elif fmt == "json":
                n = findings_export.write_json(fh, header, stream)
            else:
                n = sarif.write_audit_sarif(fh, header, stream)
    except (ValueError, StoreError) as exc:
        fail(exc)
    except OSError as exc:
        fail(f"--out {out}: {exc.strerror or exc}")
    finally:
        lg.close()
    if out is not None:
        err.print(f"wrote {n:,} findings to {out}", highlight=False)


@contextmanager
def _target(out: Optional[Path]) -> Iterator[TextIO]:
    """stdout, or the file written through a temporary one (an interrupted export leaves
    no half file behind)."""
    if out is None:
        yield sys.stdout
        return
    tmp = out.with_name(out.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            yield fh
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
