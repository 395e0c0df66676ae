"""Rich rendering of API results for the terminal (the only place tables get colour)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from licensegraph.api.results import (
    AuditResult,
    ChangesResult,
    CrawlReport,
    Explanation,
    IngestReport,
    Reject,
    StatsResult,
)
from licensegraph.cli.layout import Grid, hanging, print_grid, wrap_pairs
from licensegraph.formats.table import (
    AUDIT_HEADERS,
    DATA_HEADERS,
    DATA_NOTE,
    DATA_TITLE,
    EXCLUDED_INTRO,
    RELATION_ABBREVIATIONS,
    audit_cells,
    audit_title,
    data_cells,
    excluded_line,
    inferred_lines,
)


def _kv(console: Console, title: str, rows: list[tuple[str, str]]) -> None:
    grid = Grid(title, ("", ""), show_header=False)
    for k, v in rows:
        grid.add_row(k, v)
    print_grid(console, grid)


def render_ingest(console: Console, report: IngestReport) -> None:
    counts: tuple[str, ...] = ("read", "stored", "updated", "unchanged", "superseded", "rejected", "warnings")
    if any(f.datasets for f in report.files):  # dataset records are counted apart from models
        counts += ("datasets",)
    grid = Grid("ingest", ("file", *counts))
    for f in report.files:
        grid.add_row(display_paths([f.path for f in report.files])[f.path], *(f"{getattr(f, c):,}" for c in counts))
    print_grid(console, grid)


def display_paths(paths: list[str]) -> dict[str, str]:
    """Each path as its file name, or with as many parent folders as it takes to tell it from the others."""
    from pathlib import PurePath

    shown: dict[str, str] = {}
    for path in paths:
        parts = PurePath(path).parts
        depth = 1
        while depth < len(parts) and any(
                PurePath(o).parts[-depth:] == parts[-depth:] for o in paths if o != path):
            depth += 1
        shown[path] = str(PurePath(*parts[-depth:]))
    return shown


def render_rejects(console: Console, rows: tuple[Reject, ...]) -> None:
    grid = Grid("rejects", ("file", "line", "model", "part", "reason"), numeric=False)
    names = display_paths(sorted({r.file for r in rows}))
    for r in rows:
        grid.add_row(names[r.file], str(r.line or ""), r.model_id or "", r.part, r.reason)
    print_grid(console, grid)


def render_stats(console: Console, data: StatsResult) -> None:
    m = data.models
    _kv(console, "models", [
        ("models", f"{m.total:,}"),
        ("with a Hub record", f"{m.with_record:,}"),
        ("with a lineage row", f"{m.with_lineage_row:,}"),
        ("deleted from the Hub", f"{m.deleted:,}"),
        ("derived (have a parent)", f"{m.derived:,}"),
    ])
    e = data.edges
    hub = {r.relation: r for r in e.by_hub_relation}
    grid = Grid(f"edges by relation ({e.total:,} edges)", ("relation", "corrected", "share", "Hub label", "Hub share"))
    for row in e.by_relation:
        h = hub.get(row.relation)
        grid.add_row(row.relation or "", f"{row.edges:,}", f"{row.share:.1f}%", f"{h.edges if h else 0:,}",
                     f"{h.share if h else 0.0:.1f}%")
    grid.add_row("(no Hub label)", "", "", f"{e.hub_unlabelled:,}", "")
    print_grid(console, grid)
    _kv(console, "how relations were decided", [
        *((k, f"{v:,}") for k, v in sorted(e.relation_sources.items())),
        ("relabelled by evidence", f"{e.relabelled_by_evidence:,}"),
        *((f"  {r.hub} -> {r.corrected}", f"{r.edges:,}") for r in e.relabelled[:8]),
    ])
    lic = Grid("top licenses", ("license", "models"))
    for top in data.licenses.top:
        lic.add_row(top.license, f"{top.models:,}")
    print_grid(console, lic)
    if data.licenses.unresolved_other_names:
        _kv(console, "unresolved `other` license names",
            [(r.license_name, f"{r.models:,}") for r in data.licenses.unresolved_other_names])
    if data.licenses.name_beside_id:
        _kv(console, "license_name / license_link name a model license beside the license id "
                     f"({data.licenses.name_beside_id:,} models carry the named one)",
            [(f"{r.declared} -> {r.carried}", f"{r.models:,}") for r in data.licenses.name_beside_id_top])
    d = data.dangling
    _kv(console, "graph problems", [
        ("dangling edges (parent not in store)", f"{d.edges:,}"),
        ("dangling parents", f"{d.parents:,}"),
        ("self-loops", f"{data.self_loops:,}"),
        ("models in cycles", f"{data.lineage_issues.get('cycle', 0):,}"),
        ("card/tag disagreements", f"{data.lineage_issues.get('card-tag-disagreement', 0):,}"),
        ("rejects", ", ".join(f"{k} {v:,}" for k, v in sorted(data.rejects.items())) or "0"),
    ])
    for cycle in data.cycles:
        hanging(console, Text.assemble(("cycle", "yellow"), f": {cycle}"))
    inferred = data.inferred
    if inferred is not None:
        _kv(console, "inferred parents (not declared; kept apart, used by audit --with-inferred)", [
            *((f"{s.source}: edges / in use / models", f"{s.edges:,} / {s.used:,} / {s.children:,}")
              for s in inferred.by_source),
            ("models with an inferred parent in use", f"{inferred.children:,}"),
            ("inferred parents not in the store", f"{inferred.dangling:,}"),
            ("names refused (ambiguous or weak evidence)", f"{inferred.refused:,}"),
        ])
    if data.data is not None:
        ds = data.data
        _kv(console, "data as upstream (datasets on model cards)", [
            ("models naming datasets", f"{ds.models_naming:,}"),
            ("dataset references", f"{ds.references:,}" + (f" ({ds.not_dataset_ids:,} not a dataset id)"
                                                          if ds.not_dataset_ids else "")),
            ("datasets named", f"{ds.named:,}"),
            ("found (record in the store)", f"{ds.found:,}"),
            ("dangling (no record)", f"{ds.dangling:,}"),
            *((f"  dangling, {_HUB_ANSWER.get(k, k)}", f"{v:,}") for k, v in ds.dangling_on_hub.items()
              if len(ds.dangling_on_hub) > 1 or k != "not asked"),
            ("dataset records", f"{ds.records:,}"),
            ("licensed (license resolved)", f"{ds.licensed:,}"),
            ("tagged synthetic", f"{ds.synthetic:,}"),
            *((f"generated-by from {k}", f"{v:,}") for k, v in ds.generated_by.items()),
        ])
        if ds.generators:
            _kv(console, "generating models (datasets holding their outputs)",
                [(k, f"{v:,}") for k, v in ds.generators.items()])


def render_audit(console: Console, data: AuditResult) -> None:
    grid = Grid(audit_title(data), AUDIT_HEADERS)
    compact_rows = []
    study_done = False
    for row in data.rows:
        opens = not row.in_study and not study_done
        study_done = study_done or opens
        grid.add_row(*audit_cells(row), new_section=opens)
        # the compact layout puts each share under its count
        compact_rows.append([c.replace(" (", "\n").rstrip(")") for c in audit_cells(row)])
    compact_headers = (AUDIT_HEADERS[0], AUDIT_HEADERS[1], AUDIT_HEADERS[2], *RELATION_ABBREVIATIONS.values())
    legend = ("Each cell: a count, then its share (of the qualifying models for Noncompliant; of the row's "
              "noncompliant models for a relation). Ft finetune, Mg merge, Qt quantization, Ad adapter.")
    print_grid(console, grid, alternatives=[(compact_headers, compact_rows, legend)])
    console.print()
    hanging(console, EXCLUDED_INTRO, subsequent=0)
    for row in data.rows:
        hanging(console, excluded_line(row), indent=2, subsequent=4)
    # one line per finding and per evidence, unwrapped: they are meant to be searched
    for line in inferred_lines(data):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    if data.data_rows:
        console.print()
        data_grid = Grid(DATA_TITLE, DATA_HEADERS)
        for data_row in data.data_rows:
            data_grid.add_row(*data_cells(data_row))
        print_grid(console, data_grid)
        hanging(console, DATA_NOTE, subsequent=0)
    hanging(console, Text(data.disclaimer, style="dim"), subsequent=0)


def render_notes(console: Console, data: AuditResult) -> None:
    """The notes rules left, each saying which rule and which rows of the table it is about."""
    labels = {r.rule_id: r.label for r in data.rows}
    rows_of: dict[str, list[str]] = {}
    for r in data.rows:
        rows_of.setdefault(r.rule_id, []).append(r.label)
    for rule_id, notes in data.notes.items():
        about = ", ".join(rows_of.get(rule_id, [labels.get(rule_id, rule_id)]))
        for note in notes:
            hanging(console, Text(f"Note on {about} ({rule_id}): {note}", style="dim"), subsequent=2)


def findings_by_text(findings) -> list[tuple]:
    """Findings that read the same in both views, once: (finding, its views), in order."""
    groups: dict[tuple, list] = {}
    for f in findings:
        key = (f.rule_id, f.label, f.severity, f.message, f.remedy, tuple(f.path or ()), f.clause, f.source,
               f.possibly_incomplete)
        groups.setdefault(key, [f, []])[1].append(f.view)
    order = {"local": 0, "effective": 1}
    return [(f, tuple(sorted(views, key=lambda v: order.get(v, 9)))) for f, views in groups.values()]


def views_label(views: tuple[str, ...]) -> str:
    """"[local view]", "[effective view]" or "[local and effective views]"."""
    return f"[{views[0]} view]" if len(views) == 1 else f"[{' and '.join(views)} views]"


def render_explain(console: Console, data: Explanation) -> None:
    from rich.tree import Tree

    m = data.model
    head = Text.assemble((m.model_id, "bold"), "  license ", (m.license, "cyan"))
    if m.license_raw and m.license_raw != m.license:
        head.append(f" (declared: {m.license_raw})")
    if m.deleted:
        head.append("  deleted from the Hub", style="red")
    hanging(console, head)
    tree = Tree("lineage")
    nodes = {m.model_id.lower(): tree}
    for anc in data.ancestors:
        parent_node = nodes.get(anc.child_id.lower(), tree)
        hub = f", Hub said {anc.hub_relation}" if anc.hub_relation and anc.hub_relation != anc.relation else ""
        label = Text.assemble(anc.ancestor_id, "  ", (anc.relation or "", "magenta"),
                              f" ({anc.relation_source}{hub})  license ", (anc.license or "", "cyan"))
        if anc.license_raw and anc.license_raw != anc.license:
            label.append(f" (declared: {anc.license_raw})")
        if anc.dangling:
            label.append("  not in store", style="yellow")
        if anc.in_cycle:
            label.append("  in a cycle", style="red")
        nodes[anc.ancestor_id.lower()] = parent_node.add(label)
    console.print(tree)
    for p in data.inferred_parents:
        state = "used by audit --with-inferred" if p.used else "not used"
        hanging(console, Text(f"inferred parent {p.parent_id} ({p.relation}, from {p.source}, {state}): {p.pattern}"
                              + (f': "{p.matched}"' if p.matched else "") + (f" [line {p.line}]" if p.line else "")),
                subsequent=4)
    if data.effective_duties:
        hanging(console, Text.assemble(("effective duties", "bold"),
                                       " (from every ancestor, whatever the models in between declared)"))
        current = None
        for d in data.effective_duties:
            if d.license != current:
                current = d.license
                hanging(console, Text.assemble((d.license, "cyan"), f" (from {d.ancestor_id})"), indent=2)
            item = Text(f"- {d.duty}: {d.summary}")
            if d.text:
                item.append(f' "{d.text}"')
            where = "; ".join(x for x in (d.clause, d.source) if x)
            if where:
                item.append(f" ({where})", style="dim")
            hanging(console, item, indent=4, subsequent=6)
    else:
        hanging(console, "no duties inherited from ancestors")
    if data.datasets:
        hanging(console, Text("trained on (card datasets:)", style="bold"))
        for ds in data.datasets:
            line = Text.assemble("- ", (ds.dataset_id, "cyan"), f" ({ds.license})")
            if ds.dangling:
                line.append(" not in the store", style="yellow")
            hanging(console, line, indent=2, subsequent=4)
            for g in ds.generators:
                hanging(console, Text(f"holds outputs of {g.model_id} ({g.source}: {g.evidence})", style="dim"),
                        indent=4, subsequent=6)
    if not data.audited:
        hanging(console, Text("no audit has been run on this store yet: run `licensegraph audit` for findings",
                              style="yellow"))
    for f, views in findings_by_text(data.findings):
        colour = "red" if f.severity == "violation" else "yellow"
        hanging(console, Text.assemble((f.severity, colour), "  ", (views_label(views), "bold"),
                                       f"  {f.rule_id} ({f.label}): ", f.message or ""), subsequent=4)
        if f.path:
            hanging(console, f"path: {' -> '.join(f.path)}", indent=4, subsequent=6)
        where = " ".join(x for x in (f.clause, f.source) if x)
        if where:
            hanging(console, f"clause: {where}", indent=4, subsequent=6)
        if f.remedy:
            hanging(console, f"fix: {f.remedy}", indent=4, subsequent=6)
        if f.possibly_incomplete:
            hanging(console, Text("possibly incomplete: the license of an ancestor could not be resolved", style="dim"),
                    indent=4, subsequent=6)
        if f.inferred_evidence:
            hanging(console, Text(f"rests on an inferred edge: {f.inferred_evidence}"), indent=4, subsequent=6)
    for issue in data.lineage_issues:
        hanging(console, Text.assemble((issue.kind, "yellow"), f": {issue.detail}"))
    for reading in data.readings:
        hanging(console, Text(f"note: {reading}", style="dim"))
    hanging(console, Text(data.disclaimer, style="dim"))


def card_text_line(report: CrawlReport) -> str:
    """What --card-text read: READMEs and adapter configs of models that declare no base."""
    parts = [f"{report.card_texts:,} READMEs stored"]
    if report.card_texts_unavailable:
        parts.append(f"{report.card_texts_unavailable:,} without a readable README (404, gated or private)")
    if report.card_texts_truncated:
        parts.append(f"{report.card_texts_truncated:,} cut at 1 MB")
    parts.append(f"{report.adapter_configs:,} adapter configs"
                 + (f" ({report.adapter_configs_unavailable:,} not found)" if report.adapter_configs_unavailable else ""))
    if report.card_texts_kept:
        parts.append(f"{report.card_texts_kept:,} unchanged (same sha): stored text kept")
    wait = f"; {report.file_wait_seconds:.1f} s waited for the rate limit" if report.file_wait_seconds >= 0.05 else ""
    return "card text (models declaring no base model): " + ", ".join(parts) + wait


#: What `crawl --datasets` last heard of a dangling dataset, as `stats` says it.
_HUB_ANSWER = {"not-found": "not on the Hub (404)", "no-access": "private or gated (401/403)",
               "error": "Hub error", "renamed": "renamed on the Hub", "not asked": "not asked of the Hub"}

#: At most this many datasets are named per kind of problem (`--json` lists every one).
SHOWN_PROBLEMS = 10
_PROBLEM_KINDS = (("error", "could not be read (asked again next time)"),
                  ("no-access", "private or gated, no access with this token (HTTP 401/403)"),
                  ("not-found", "not on the Hub (HTTP 404)"),
                  ("renamed", "renamed on the Hub: models name an old id"),
                  ("fetched", "stored without card text"))


def render_crawl_datasets(console: Console, report: CrawlReport) -> None:
    """A `crawl --datasets` run: what the Hub answered, per kind, with the datasets' ids."""
    hanging(console, f"crawl run {report.run_id}{' (resumed)' if report.resumed else ''}: {report.records:,} "
                     f"named datasets asked of {report.endpoint}, {report.requests:,} requests"
                     + (", stopped at the limit" if report.stop_reason == "limit" else ""))
    pairs = [f"fetched {report.fetched:,}", f"stored {report.stored:,}", f"updated {report.updated:,}",
             f"unchanged {report.unchanged:,}", f"rejected {report.rejected:,}", f"not found {report.not_found:,}",
             f"private or gated {report.no_access:,}", f"errors {report.errors:,}"]
    if report.renamed:
        pairs.append(f"renamed {report.renamed:,}")
    for line in wrap_pairs(pairs, console.width - 2):
        console.print(Text("  " + line))
    for outcome, what in _PROBLEM_KINDS:
        items = [p for p in report.problems if p.outcome == outcome]
        if not items:
            continue
        if outcome in ("error", "fetched", "renamed"):  # each with its own reason
            hanging(console, f"{len(items):,} {what}:")
            for p in items[:SHOWN_PROBLEMS]:
                hanging(console, f"{p.dataset_id}: {p.reason}", indent=2, subsequent=4)
        else:
            shown = ", ".join(p.dataset_id for p in items[:SHOWN_PROBLEMS])
            hanging(console, f"{len(items):,} {what}: {shown}")
        if len(items) > SHOWN_PROBLEMS:
            hanging(console, f"  (+{len(items) - SHOWN_PROBLEMS:,} more; with --json every one is listed)",
                    subsequent=4)
    if report.skipped_missing:
        hanging(console, f"{report.skipped_missing:,} named datasets an earlier crawl found missing were not asked "
                         "again (--recheck-missing asks again)")
    if report.rejected:
        console.print("Rejected records are listed with their reasons by `licensegraph rejects`.")
    console.print("[dim]Datasets and findings on data: `licensegraph stats`, `licensegraph audit`[/dim]")


def render_crawl(console: Console, report: CrawlReport) -> None:
    """The crawl's counts, and what to do next."""
    if report.mode == "datasets":
        render_crawl_datasets(console, report)
        return
    what = "fetched" if report.mode == "models" else "listed"
    stop = f", stopped at {report.stop_reason}" + (f" ({report.stop_at})" if report.stop_reason == "checkpoint" else "")
    console.print(f"crawl run {report.run_id}{' (resumed)' if report.resumed else ''}: {report.records:,} models "
                  f"{what} from {report.endpoint} in {report.pages:,} pages, {report.requests:,} requests{stop}",
                  highlight=False)
    table = Table()
    counts = ("stored", "updated", "unchanged", "rejected", "deleted")
    for col in counts:
        table.add_column(col, justify="right")
    table.add_row(*(f"{getattr(report, c):,}" for c in counts))
    console.print(table)
    if report.card_text or report.card_texts_kept:
        console.print(card_text_line(report), highlight=False)
    if report.confirmed_present:
        console.print(f"{report.confirmed_present:,} models missing from the listing are still on the Hub "
                      "(modified during the crawl): stored", highlight=False)
    if report.missing:
        console.print(f"not on the Hub (404): {', '.join(report.missing)}", highlight=False)
    for run_id in report.abandoned_runs:
        console.print(f"[dim]interrupted crawl run {run_id} had other options: abandoned (what it stored is kept)[/dim]")
    if report.rejected:
        console.print("Rejected records are listed with their reasons by `licensegraph rejects`.")
    console.print("[dim]What this run changed: `licensegraph changes`[/dim]")


def render_changes(console: Console, result: ChangesResult, limit: int = 50) -> None:
    """Totals, findings per rule, then the models and lineage edges that moved."""
    from licensegraph.formats.table import (
        CHANGE_TOTALS,
        changes_edge_cells,
        changes_model_cells,
        changes_rule_cells,
        changes_title,
    )

    totals = Table(title=changes_title(result), show_header=False)
    totals.add_column("what")
    totals.add_column("count", justify="right")
    for key, label in CHANGE_TOTALS:
        totals.add_row(label, f"{result.totals[key]:,}")
    console.print(totals)
    sections = (
        ("Findings per rule", ("view", "rule", "rule id", "appeared", "resolved"), changes_rule_cells(result)),
        ("Models", ("change", "model", "license", "run"), changes_model_cells(result)),
        ("Lineage edges", ("change", "child", "relation", "parent", "run"), changes_edge_cells(result)),
    )
    for title, headers, cells in sections:
        if not cells:
            continue
        table = Table(title=title)
        for h in headers:
            table.add_column(h)
        for row in cells[:limit]:
            table.add_row(*row)
        console.print(table)
        if len(cells) > limit:
            console.print(f"[dim]... and {len(cells) - limit:,} more (--limit N, or --format csv for all)[/dim]")
