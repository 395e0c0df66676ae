"""`licensegraph check PATH...`: exit 0 clean, 1 violations, 2 bad input (the worst over all PATHs)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from licensegraph.api.results import CheckFailure
from licensegraph.cli.app import EXIT_BAD_INPUT, EXIT_OK, EXIT_VIOLATIONS, app, error, fail, optional_graph, say
from licensegraph.formats import json as json_format
from licensegraph.vocab import VIOLATION

if TYPE_CHECKING:
    from licensegraph.api.baseline import Baseline, BaselineEntry
    from licensegraph.api.results import CheckResult, Finding

DB_HELP = ("Store file to look Hub ids up in (default: the user data directory, or $LICENSEGRAPH_DB, "
           "when it exists).")
FORMATS = ("text", "json", "sarif")


def exit_code(result: CheckResult | CheckFailure, baseline: Baseline | None = None) -> int:
    """0 no violation (warnings and risks allowed, and violations a baseline accepts), 1 violations,
    2 bad input."""
    if isinstance(result, CheckFailure):
        return EXIT_BAD_INPUT
    left = [f for f in result.findings if f.severity == VIOLATION and not (baseline and baseline.accepting(f))]
    return EXIT_VIOLATIONS if left else EXIT_OK


def accepted(result: CheckResult | CheckFailure, baseline: Baseline | None) -> list[tuple[Finding, BaselineEntry]]:
    """The findings of `result` the baseline accepts, each with the entry that accepts it."""
    if baseline is None or isinstance(result, CheckFailure):
        return []
    return [(f, e) for f in result.findings if (e := baseline.accepting(f)) is not None]


@app.command()
def check(
    paths: list[Path] = typer.Argument(..., help="Model cards (README.md with YAML front matter) or model directories."),
    db: Optional[Path] = typer.Option(None, "--db", help=DB_HELP),
    parent_license: Optional[list[str]] = typer.Option(
        None, "--parent-license", help="ID=LICENSE: a parent's license the store lacks (repeatable)."),
    name: Optional[str] = typer.Option(None, "--name", help="The model's repo name (default: the card's model_name, "
                                                            "else the directory name)."),
    online: bool = typer.Option(False, "--online", help="Look parents missing from the store up on the Hub."),
    fmt: str = typer.Option("text", "--format", help="text, json or sarif."),
    skip_non_cards: bool = typer.Option(False, "--skip-non-cards",
                                        help="Skip files without front matter or without any model-card field "
                                             "(for hooks that see every README.md)."),
    baseline_file: Optional[Path] = typer.Option(
        None, "--baseline", metavar="FILE",
        help="Findings accepted on purpose (TOML, each with a justification): reported, not failing."),
) -> None:
    """Run every rule on a model card before publishing: findings, the fix, and what to ship.

    Exit code: 0 clean (warnings and risks allowed), 1 violations, 2 bad input (the worst over all PATHs).

    Example: licensegraph check models/my-model --parent-license meta-llama/Llama-3.1-8B=llama3.1"""
    from licensegraph.api.baseline import BaselineError, load_baseline
    from licensegraph.api.check import CheckError, is_model_card, load_card

    if fmt not in FORMATS:
        fail(f"--format must be text, json or sarif, not {fmt!r}")
    if name and len(paths) > 1:
        fail("--name names one model: give a single PATH with it")
    baseline = None
    if baseline_file is not None:
        try:
            baseline = load_baseline(baseline_file)
        except BaselineError as exc:
            fail(exc)
    lg = optional_graph(db)
    results: list[CheckResult | CheckFailure] = []
    try:
        try:
            supplied = lg.parse_parent_licenses(parent_license or [])
        except CheckError as exc:
            fail(exc)
        for path in paths:
            if skip_non_cards:
                try:
                    if not is_model_card(load_card(path)):
                        continue
                except CheckError as exc:
                    if exc.kind == "no-front-matter":
                        continue
            try:
                results.append(lg.check(path, parent_licenses=supplied, name=name, online=online))
            except CheckError as exc:
                results.append(CheckFailure(path=exc.path or str(path), error=str(exc), line=exc.line))
    finally:
        lg.close()
    code = max((exit_code(r, baseline) for r in results), default=EXIT_OK)
    if fmt == "json":
        # each report says its own exit code, so a list of several is readable on its own
        data = [{**r.to_dict(), "exit_code": exit_code(r, baseline),
                 **({"accepted_by_baseline": [{"rule_id": f.rule_id, "label": f.label, "severity": f.severity,
                                               "justification": e.justification,
                                               "expires": e.expires.isoformat() if e.expires else None}
                                              for f, e in accepted(r, baseline)]} if baseline else {})}
                for r in results]
        print(json_format.dumps(data[0] if len(data) == 1 else data))
    elif fmt == "sarif":
        from licensegraph.formats.sarif import to_sarif

        print(json_format.dumps(to_sarif(results, baseline=baseline)))
        for r in results:
            if isinstance(r, CheckFailure):
                error(r.error)
    else:
        from licensegraph.formats.text import check_text

        for i, r in enumerate(results):
            if i:
                say("")
            if isinstance(r, CheckFailure):
                error(r.error)
            else:
                say(check_text(r))
                for f, e in accepted(r, baseline):
                    until = f" until {e.expires}" if e.expires else ""
                    say(f"accepted by {baseline.path if baseline else ''}{until}: {f.severity} {f.rule_id} "
                        f"({f.label}): {e.justification}")
    if baseline is not None:
        for e in baseline.expired():
            error(f"baseline entry expired on {e.expires}: {e.model_id} {e.rule_id} counts again")
    raise typer.Exit(code)
