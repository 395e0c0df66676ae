"""`licensegraph audit`"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from licensegraph.api import LicenseGraph, RunError, StoreError
from licensegraph.api.baseline import BaselineError, GateResult
from licensegraph.cli.app import EXIT_VIOLATIONS, DbOption, app, console, err, fail, graph
from licensegraph.cli.progress import phase_progress
from licensegraph.formats import csv as csv_format
from licensegraph.formats import json as json_format
from licensegraph.formats import markdown as markdown_format
from licensegraph.vocab import ALL_VIEWS, SEVERITIES

FORMATS = ("table", "json", "csv", "markdown", "sarif")


@app.command()
def audit(
    db: Optional[Path] = DbOption,
    view: str = typer.Option("local", help="local (edge-local, as the study counted) or effective (transitive)."),
    fmt: str = typer.Option("table", "--format",
                           help="table, json, csv, markdown, or sarif (every finding of the view, SARIF 2.1.0)."),
    rule: Optional[list[str]] = typer.Option(None, "--rule", help="Run only this rule (repeatable)."),
    hub_labels: bool = typer.Option(False, "--hub-labels", help="Break down by the Hub's relation labels."),
    full: bool = typer.Option(False, "--full", help="Re-evaluate every model, not only those changed since the last audit."),
    with_inferred: bool = typer.Option(
        False, "--with-inferred",
        help="Also judge over parents the models do not declare (found in names, card text, config files): "
             "prints the view VIEW+inferred and every finding that rests on an inferred edge, with its evidence."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Say on stderr how the audit ran, with phase timings."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
    fail_on: Optional[str] = typer.Option(
        None, "--fail-on", metavar="SEVERITY",
        help="Exit 1 when findings of this view at or above violation, warning or risk remain after the baseline."),
    baseline: Optional[Path] = typer.Option(
        None, "--baseline", metavar="FILE", help="Findings accepted on purpose (TOML, each with a justification)."),
    baseline_write: Optional[Path] = typer.Option(
        None, "--baseline-write", metavar="FILE",
        help="Write today's findings of this view (at or above --fail-on, default all) as a starting baseline."),
    as_of: Optional[int] = typer.Option(None, "--as-of", metavar="RUN",
                                        help="The table as it stood at the end of run RUN (an ingest or crawl); runs no rule."),
) -> None:
    """Run every rule over the store and print the study-style noncompliance table.

    After the first audit, a later one re-evaluates only the models changed by ingest since then and their descendants (use --full to re-evaluate everything).

    Example: licensegraph audit --view effective --fail-on violation --baseline baseline.toml"""
    if view not in ALL_VIEWS:
        fail(f"--view must be local or effective, not {view!r}")
    if fmt not in FORMATS:
        fail(f"--format must be table, json, csv, markdown or sarif, not {fmt!r}")
    if fail_on is not None and fail_on not in SEVERITIES:
        fail(f"--fail-on must be one of {', '.join(SEVERITIES)}, not {fail_on!r}")
    if baseline is not None and not baseline.is_file():
        fail(f"--baseline {baseline}: no such file (write one with --baseline-write {baseline})")
    try:
        rule = [LicenseGraph.resolve_rule(r) for r in rule] if rule else rule
    except ValueError as exc:
        fail(exc)
    lg = graph(db, read_only=as_of is not None)
    accepted = None
    try:
        if as_of is not None:
            result = lg.audit_table(view=view, hub_labels=hub_labels, rule_ids=rule or None, as_of=as_of)
        else:
            with phase_progress(quiet=quiet or fmt != "table", verbose=verbose) as progress:
                result = lg.audit(view=view, rule_ids=rule or None, hub_labels=hub_labels, full=full,
                                  progress=progress, with_inferred=with_inferred)
        view = result.view  # the gate, the baseline and SARIF judge the view printed
        findings = (lg.audit_findings(view, rule_ids=rule or None, include_findings=False)
                    if fmt == "sarif" else None)
        if findings is not None and baseline is not None:
            from licensegraph.api.baseline import load_baseline

            accepted = load_baseline(baseline)  # marks the findings it accepts as suppressed
        verdict = lg.gate(view, fail_on or "risk", baseline, rule or None) if (fail_on or baseline) else None
        if baseline_write is not None:
            from licensegraph.api.baseline import at_or_above, baseline_toml

            wanted = set(at_or_above(fail_on or "risk"))
            found = [f for f in lg.iter_findings(view=view) if f.severity in wanted
                     and (not rule or f.rule_id in rule)]
            baseline_write.write_text(baseline_toml(found), encoding="utf-8")
    except BaselineError as exc:
        fail(exc)
    except (ValueError, StoreError, RunError) as exc:
        fail(exc)
    except OSError as exc:
        fail(f"--baseline-write {baseline_write}: {exc.strerror or exc}")
    finally:
        lg.close()
    run = result.run
    incremental = (f"incremental audit: re-evaluated {run.affected:,} changed models and their descendants "
                   "(--full re-evaluates every model)" if run is not None and run.incremental else None)
    if incremental and verbose:
        err.print(incremental, style="dim", highlight=False)
    if findings is not None:
        from licensegraph.formats.sarif import write_audit_sarif

        with graph(db, read_only=True) as reader:  # every finding, read in batches
            write_audit_sarif(sys.stdout, findings, reader.iter_audit_findings(view, rule_ids=rule or None),
                              accepted)
    elif fmt == "json":
        print(json_format.render(result))
    elif fmt == "csv":
        sys.stdout.write(csv_format.audit_csv(result))
    elif fmt == "markdown":
        sys.stdout.write(markdown_format.audit_markdown(result))
    else:
        from licensegraph.cli.render import render_audit, render_notes

        render_audit(console, result)
        render_notes(console, result)
    if baseline_write is not None:
        err.print(f"wrote {len(found):,} findings to {baseline_write}: replace each justification with the "
                  "reason, then pass it with --baseline", highlight=False)
    if verdict is not None:
        report_gate(verdict, fail_on)
        if fail_on and verdict.failing:
            raise typer.Exit(EXIT_VIOLATIONS)


def report_gate(verdict: GateResult, fail_on: Optional[str]) -> None:
    """One line on stderr per gate outcome: what counted, what the baseline accepted, what expired."""
    where = f" by {verdict.baseline}" if verdict.baseline else ""
    level = f"at or above {fail_on}" if fail_on else "of any severity"
    err.print(f"{verdict.findings:,} findings {level} in the {verdict.view} view; {verdict.accepted:,} accepted"
              f"{where}; {verdict.failing:,} remain", highlight=False)
    for e in verdict.expired:
        err.print(f"baseline entry expired on {e.expires}: {e.model_id} {e.rule_id} counts again", highlight=False)
    for e in verdict.unmatched:
        err.print(f"baseline entry matches no finding (fixed, or stale): {e.model_id} {e.rule_id}", highlight=False)
