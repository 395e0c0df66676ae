"""Rich rendering of API results for the terminal (the only place tables get colour)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from licensegraph.api.results import AuditResult, Explanation, IngestReport, Reject, StatsResult
from licensegraph.formats.table import AUDIT_HEADERS, EXCLUDED_INTRO, audit_cells, audit_title, excluded_line


def _kv_table(title: str, rows: list[tuple[str, str]]) -> Table:
    table = Table(title=title, show_header=False)
    table.add_column(justify="left")
    table.add_column(justify="right")
    for k, v in rows:
        table.add_row(k, v)
    return table


def render_ingest(console: Console, report: IngestReport) -> None:
    from pathlib import Path

    table = Table(title="ingest")
    counts = ("read", "stored", "updated", "unchanged", "superseded", "rejected")
    for col in ("file", *counts):
        table.add_column(col, justify="left" if col == "file" else "right")
    for f in report.files:
        table.add_row(Path(f.path).name, *(f"{getattr(f, c):,}" for c in counts))
    console.print(table)


def render_rejects(console: Console, rows: tuple[Reject, ...]) -> None:
    from pathlib import Path

    table = Table(title="rejects")
    for col in ("file", "line", "model", "part", "reason"):
        table.add_column(col)
    for r in rows:
        table.add_row(Path(r.file).name, str(r.line or ""), r.model_id or "", r.part, r.reason)
    console.print(table)


def render_stats(console: Console, data: StatsResult) -> None:
    m = data.models
    console.print(_kv_table("models", [
        ("models", f"{m.total:,}"),
        ("with a Hub record", f"{m.with_record:,}"),
        ("with a lineage row", f"{m.with_lineage_row:,}"),
        ("deleted from the Hub", f"{m.deleted:,}"),
        ("derived (have a parent)", f"{m.derived:,}"),
    ]))
    e = data.edges
    hub = {r.relation: r for r in e.by_hub_relation}
    table = Table(title=f"edges by relation ({e.total:,} edges)")
    for col in ("relation", "corrected", "share", "Hub label", "share"):
        table.add_column(col, justify="left" if col == "relation" else "right")
    for row in e.by_relation:
        h = hub.get(row.relation)
        table.add_row(row.relation, f"{row.edges:,}", f"{row.share:.1f}%", f"{h.edges if h else 0:,}",
                      f"{h.share if h else 0.0:.1f}%")
    table.add_row("(no Hub label)", "", "", f"{e.hub_unlabelled:,}", "")
    console.print(table)
    console.print(_kv_table("how relations were decided", [
        *((k, f"{v:,}") for k, v in sorted(e.relation_sources.items())),
        ("relabelled by evidence", f"{e.relabelled_by_evidence:,}"),
        *((f"  {r.hub} -> {r.corrected}", f"{r.edges:,}") for r in e.relabelled[:8]),
    ]))
    lic = Table(title="top licenses")
    lic.add_column("license")
    lic.add_column("models", justify="right")
    for row in data.licenses.top:
        lic.add_row(row.license, f"{row.models:,}")
    console.print(lic)
    if data.licenses.unresolved_other_names:
        console.print(_kv_table("unresolved `other` license names", [
            (r.license_name, f"{r.models:,}") for r in data.licenses.unresolved_other_names
        ]))
    d = data.dangling
    console.print(_kv_table("graph problems", [
        ("dangling edges (parent not in store)", f"{d.edges:,}"),
        ("dangling parents", f"{d.parents:,}"),
        ("self-loops", f"{data.self_loops:,}"),
        ("models in cycles", f"{data.lineage_issues.get('cycle', 0):,}"),
        ("card/tag disagreements", f"{data.lineage_issues.get('card-tag-disagreement', 0):,}"),
        ("rejects", ", ".join(f"{k} {v:,}" for k, v in sorted(data.rejects.items())) or "0"),
    ]))
    for cycle in data.cycles:
        console.print(f"[yellow]cycle:[/yellow] {cycle}")


def render_audit(console: Console, data: AuditResult) -> None:
    table = Table(title=audit_title(data))
    for h in AUDIT_HEADERS:
        # the rule label must stay readable on a narrow terminal; numbers may wrap
        table.add_column(h, justify="left" if h == "Rule" else "right", no_wrap=h == "Rule")
    study_done = False
    for row in data.rows:
        if not row.in_study and not study_done:
            table.add_section()
            study_done = True
        table.add_row(*audit_cells(row))
    console.print(table)
    console.print(EXCLUDED_INTRO)
    for row in data.rows:
        console.print(f"  {excluded_line(row)}")
    console.print(f"[dim]{data.disclaimer}[/dim]")


def render_explain(console: Console, data: Explanation) -> None:
    from rich.tree import Tree

    m = data.model
    raw = f" (declared: {m.license_raw})" if m.license_raw and m.license_raw != m.license else ""
    console.print(f"[bold]{m.model_id}[/bold]  license [cyan]{m.license}[/cyan]{raw}"
                  + ("  [red]deleted from the Hub[/red]" if m.deleted else ""))
    tree = Tree("lineage")
    nodes = {m.model_id.lower(): tree}
    for anc in data.ancestors:
        parent_node = nodes.get(anc.child_id.lower(), tree)
        label = (f"{anc.ancestor_id}  [magenta]{anc.relation}[/magenta] ({anc.relation_source}"
                 + (f", Hub said {anc.hub_relation}" if anc.hub_relation and anc.hub_relation != anc.relation else "")
                 + f")  license [cyan]{anc.license}[/cyan]"
                 + (f" (declared: {anc.license_raw})" if anc.license_raw and anc.license_raw != anc.license else "")
                 + ("  [yellow]not in store[/yellow]" if anc.dangling else "")
                 + ("  [red]in a cycle[/red]" if anc.in_cycle else ""))
        nodes[anc.ancestor_id.lower()] = parent_node.add(label)
    console.print(tree)
    if data.effective_duties:
        console.print("[bold]effective duties[/bold] (from every ancestor, whatever the models in between declared)")
        current = None
        for d in data.effective_duties:
            if d.license != current:
                current = d.license
                console.print(f"  [cyan]{d.license}[/cyan] (from {d.ancestor_id})")
            text = f" \"{d.text}\"" if d.text else ""
            console.print(f"    - {d.duty}: {d.summary}{text} [dim]({d.clause or ''}; {d.source or ''})[/dim]",
                          soft_wrap=False)
    else:
        console.print("no duties inherited from ancestors")
    if not data.audited:
        console.print("[yellow]no audit has been run on this store yet: run `licensegraph audit` for findings[/yellow]")
    for f in data.findings:
        colour = "red" if f.severity == "violation" else "yellow"
        console.print(f"[{colour}]{f.severity}[/{colour}] [{f.view}] {f.rule_id} ({f.label}): {f.message}")
        if f.path:
            console.print(f"    path: {' -> '.join(f.path)}")
        if f.clause or f.source:
            console.print(f"    clause: {f.clause or ''} {f.source or ''}")
        console.print(f"    fix: {f.remedy}")
        if f.possibly_incomplete:
            console.print("    [dim]possibly incomplete: a license upstream could not be resolved[/dim]")
    for issue in data.lineage_issues:
        console.print(f"[yellow]{issue.kind}[/yellow]: {issue.detail}")
    console.print(f"[dim]{data.disclaimer}[/dim]")
