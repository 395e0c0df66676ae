"""Tables as cells: the layout every tabular output shares (terminal, markdown, plain text).

The CLI draws these cells with rich; `markdown` and `to_text` here write them as text.
"""

from __future__ import annotations

from licensegraph.api.results import AuditResult, AuditRow, ChangesResult, DataAuditRow
from licensegraph.vocab import BREAKDOWN

AUDIT_HEADERS = ("Rule", "Noncompliant", "Qualifying", "Finetune", "Merge", "Quantization", "Adapter")
#: Short column headers for narrow terminals, with a legend printed under the table.
RELATION_ABBREVIATIONS = {"finetune": "Ft", "merge": "Mg", "quantization": "Qt", "adapter": "Ad"}
EXCLUDED_INTRO = ("Left out of the denominator (a license the decision needs is none, unknown, "
                  "other-unresolved, or the model is absent from the store):")


def audit_title(result: AuditResult) -> str:
    return f"Noncompliance — {result.view_description} ({result.relations})"


DATA_TITLE = "Data and outputs — models trained on datasets and on other models' outputs"
DATA_HEADERS = ("Rule", "Severity", "Noncompliant", "Qualifying", "Upstream")
DATA_NOTE = ("Noncompliant: models with a finding (share of the qualifying models, those trained on data the rule "
             "concerns); Upstream: the datasets or generating models the findings name. Whether training on data "
             "makes a derivative of it is unsettled: dataset terms are risks.")


def data_cells(row: DataAuditRow) -> list[str]:
    """One row of the "data and outputs" table."""
    return [row.label, row.severity, f"{row.noncompliant:,} ({row.noncompliant_pct:.1f}%)", f"{row.qualifying:,}",
            f"{row.ancestors:,}"]


def audit_cells(row: AuditRow) -> list[str]:
    """One table row: label, noncompliant (share), qualifying, then noncompliant by relation."""
    cells = [row.label, f"{row.noncompliant:,} ({row.noncompliant_pct:.1f}%)", f"{row.qualifying:,}"]
    for rel in BREAKDOWN:
        b = row.by_relation[rel]
        cells.append(f"{b.count:,} ({b.pct:.1f}%)")
    return cells


def excluded_line(row: AuditRow) -> str:
    """How many models the row left out of its denominator, and why."""
    parts = [f"{v:,} {k}" for k, v in row.excluded.items() if v]
    return f"{row.label}: " + (", ".join(parts) if parts else "none left out")


def to_text(result: AuditResult) -> str:
    """The audit table as plain fixed-width text (no terminal library needed)."""
    grid = [list(AUDIT_HEADERS)] + [audit_cells(r) for r in result.rows]
    widths = [max(len(row[i]) for row in grid) for i in range(len(AUDIT_HEADERS))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    out = [audit_title(result), line(grid[0]), "  ".join("-" * w for w in widths)]
    out += [line(cells) for cells in grid[1:]]
    out += ["", EXCLUDED_INTRO]
    out += [f"  {excluded_line(r)}" for r in result.rows]
    out += inferred_lines(result)
    if result.data_rows:
        grid = [list(DATA_HEADERS)] + [data_cells(r) for r in result.data_rows]
        widths = [max(len(row[i]) for row in grid) for i in range(len(DATA_HEADERS))]
        out += ["", DATA_TITLE, line(grid[0]), "  ".join("-" * w for w in widths)]
        out += [line(cells) for cells in grid[1:]]
        out += [DATA_NOTE]
    out += [result.disclaimer]
    return "\n".join(out) + "\n"


def inferred_lines(result: AuditResult) -> list[str]:
    """For a view with inferred edges: the edges in use by source, and each finding that
    rests on an inferred edge with its path and evidence (empty for the declared views)."""
    inferred = result.inferred
    if inferred is None:
        return []
    sources = ", ".join(f"{s} {n:,}" for s, n in inferred.edges_by_source.items()) or "none"
    shown = len(inferred.findings)
    lines = [f"Inferred parents in use (not declared by the models; by evidence source): {sources}.",
             f"{inferred.findings_total:,} finding(s) rest on an inferred edge"
             + (f"; the first {shown}:" if inferred.findings_total > shown else (":" if shown else "."))]
    for f in inferred.findings:
        lines.append(f"  {f.model_id}: {f.label} ({f.severity}) via {' -> '.join(f.path) or f.model_id}")
        lines.append(f"    evidence: {f.inferred_evidence}")
    return lines


# --------------------------------------------------------------------------- changes

CHANGE_TOTALS = (("models_added", "models added"), ("models_deleted", "models deleted"),
                 ("models_relicensed", "models relicensed"), ("edges_added", "lineage edges added"),
                 ("edges_removed", "lineage edges removed"), ("findings_appeared", "findings appeared"),
                 ("findings_resolved", "findings resolved"))


def changes_title(result: ChangesResult) -> str:
    runs = [r.run_id for r in result.runs]
    if not runs:
        return f"Changes after run {result.since_run}: no completed run since"
    span = f"run {runs[0]}" if len(runs) == 1 else f"runs {runs[0]}-{runs[-1]}"
    return f"Changes in {span} (since run {result.since_run})"


def changes_model_cells(result: ChangesResult) -> list[list[str]]:
    """Models added / deleted / relicensed: change, model, license (old -> new for a relicensing)."""
    out = []
    for m in result.models:
        lic = f"{m.license_before} -> {m.license}" if m.change == "relicensed" else (m.license or "")
        out.append([m.change, m.model_id, lic, str(m.run_id)])
    return out


def changes_edge_cells(result: ChangesResult) -> list[list[str]]:
    return [[e.change, e.model_id, e.relation, e.parent_id, str(e.run_id)] for e in result.edges]


def changes_rule_cells(result: ChangesResult) -> list[list[str]]:
    return [[r.view, r.label, r.rule_id, f"+{r.appeared:,}", f"-{r.resolved:,}"] for r in result.by_rule]


def changes_text(result: ChangesResult, limit: int = 50) -> str:
    """The changes as plain text: totals, findings per rule, then the models and edges (first `limit` of each)."""
    lines = [changes_title(result), ""]
    lines += [f"  {label:<24} {result.totals[key]:>8,}" for key, label in CHANGE_TOTALS]
    if result.by_rule:
        lines += ["", "Findings per rule (appeared / resolved):"]
        lines += [f"  {v:<9} {label} [{rule}]: {a} / {b}" for v, label, rule, a, b in changes_rule_cells(result)]
    for title, cells in (("Models", changes_model_cells(result)), ("Lineage edges", changes_edge_cells(result))):
        if cells:
            lines += ["", f"{title}:"] + ["  " + "  ".join(c[:-1]) for c in cells[:limit]]
            if len(cells) > limit:
                lines.append(f"  ... and {len(cells) - limit:,} more (--format csv lists all)")
    return "\n".join(lines) + "\n"
