"""The study-style noncompliance table (rules.md, "The study-style table"), from rule_counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from licensegraph.api.findings import findings_page
from licensegraph.api.results import AuditResult, AuditRow, AuditRunInfo, DataAuditRow, InferredAudit, RelationCount
from licensegraph.rules import all_rules
from licensegraph.store.db import Store
from licensegraph.vocab import BREAKDOWN, INFERRED_VIEWS, UNDECIDABLE, VIEW_DESCRIPTIONS

INFERRED_FINDINGS_SHOWN = 50  # findings through inferred edges listed with an audit table


def audit_table(store: Store, view: str = "local", hub_labels: bool = False,
                rule_ids: Sequence[str] | None = None,
                notes: Mapping[str, Sequence[str]] | None = None,
                run: AuditRunInfo | None = None, as_of: int | None = None) -> AuditResult:
    """The table of one view from the stored counts (run `run_audit` first); rows of
    study labels first in the study's order, then the other rules in catalogue order.
    `as_of`: the table as it stood at the end of that run (RunError if it is not a completed run)."""
    rel_col = "hub_relation" if hub_labels else "relation"
    counts = "rule_counts"
    if as_of is not None:
        from licensegraph.store.runs import RunError

        if not store.scalar("SELECT count(*) FROM runs WHERE run_id = ? AND status = 'complete'", [int(as_of)]):
            last = store.scalar("SELECT max(run_id) FROM runs WHERE status = 'complete'")
            known = f"completed runs go up to {last}" if last else "the store has no completed run"
            raise RunError(f"--as-of {as_of}: no completed run {as_of} in the store ({known})")
        counts = f"(SELECT * EXCLUDE (run_id) FROM run_rule_counts WHERE run_id = {int(as_of)})"
    rows = store.con.execute(
        f"""
        SELECT c.rule_id, c.label, any_value(c.view),
               sum(qualifying), sum(noncompliant),
               sum(excluded_none), sum(excluded_unknown), sum(excluded_unresolved), sum(excluded_absent),
               {", ".join(f"sum(noncompliant) FILTER (WHERE {rel_col} = '{r}')" for r in BREAKDOWN)}
        FROM {counts} c WHERE view = ?
        GROUP BY c.rule_id, c.label
        """,
        [view],
    ).fetchall()
    rules = {r.id: r for r in all_rules()}

    def key(r: tuple[Any, ...]) -> tuple[int, int, str]:
        rule = rules.get(r[0])
        return rule.table_position(r[1]) if rule else (2, 0, r[1])

    out = []
    for r in sorted(rows, key=key):
        rule_id, label, _, qualifying, noncompliant, ex_none, ex_unknown, ex_unres, ex_absent, *by_rel = r
        if rule_ids and rule_id not in rule_ids:
            continue
        qualifying, noncompliant = int(qualifying or 0), int(noncompliant or 0)
        out.append(AuditRow(
            rule_id=rule_id,
            label=label,
            in_study=rules[rule_id].in_study if rule_id in rules else False,
            severity=rules[rule_id].severity if rule_id in rules else "",
            noncompliant=noncompliant,
            noncompliant_pct=round(100 * noncompliant / qualifying, 2) if qualifying else 0.0,
            qualifying=qualifying,
            by_relation={
                rel: RelationCount(count=int(n or 0), pct=round(100 * (n or 0) / noncompliant, 2) if noncompliant else 0.0)
                for rel, n in zip(BREAKDOWN, by_rel)
            },
            excluded=dict(zip(UNDECIDABLE, (int(ex_none or 0), int(ex_unknown or 0), int(ex_unres or 0),
                                            int(ex_absent or 0)))),
        ))
    inferred = None
    if view in INFERRED_VIEWS:
        by_source = dict(store.con.execute(
            "SELECT source, count(*) FROM inferred_edges WHERE used GROUP BY 1 ORDER BY 1").fetchall())
        page = findings_page(store, view=view, inferred_only=True, limit=INFERRED_FINDINGS_SHOWN)
        inferred = InferredAudit(edges_by_source=by_source, findings_total=page.total, findings=page.findings)
    return AuditResult(
        inferred=inferred,
        data_rows=data_table(store, rule_ids),
        view=view,
        view_description=VIEW_DESCRIPTIONS[view],
        relations="Hub labels" if hub_labels else "corrected relations",
        rows=tuple(out),
        notes={k: tuple(v) for k, v in sorted((notes or {}).items())},
        run=run,
    )


def data_table(store: Store, rule_ids: Sequence[str] | None = None) -> tuple[DataAuditRow, ...]:
    """The "data and outputs" table from data_rule_counts (the rules over training data and
    other models' outputs), in rule order; empty before an audit that ran them."""
    from licensegraph.rules.data_engine import all_data_rules

    rules = {r.id: r for r in all_data_rules()}
    has_table = store.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'data_rule_counts'")
    rows = store.execute("SELECT rule_id, label, severity, qualifying, noncompliant, ancestors "
                         "FROM data_rule_counts").fetchall() if has_table else []
    out = []
    for rule_id, label, severity, qualifying, noncompliant, ancestors in rows:
        if rule_ids and rule_id not in rule_ids:
            continue
        rule = rules.get(rule_id)
        out.append(DataAuditRow(
            rule_id=rule_id, label=label, severity=severity, applies_to=rule.applies_to if rule else "",
            noncompliant=int(noncompliant), qualifying=int(qualifying), ancestors=int(ancestors),
            noncompliant_pct=round(100 * noncompliant / qualifying, 2) if qualifying else 0.0,
        ))
    order = {r: i for i, r in enumerate(rules)}
    return tuple(sorted(out, key=lambda r: order.get(r.rule_id, len(order))))
