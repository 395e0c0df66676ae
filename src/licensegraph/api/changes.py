"""`changes`: what moved over a range of runs (models, lineage edges, findings), with totals."""

from __future__ import annotations

from licensegraph.api.results import (
    ChangesResult,
    EdgeChange,
    FindingChange,
    LicenseChange,
    ModelChange,
    RuleChangeCount,
    RunInfo,
)
from licensegraph.store import runs as run_store
from licensegraph.store.db import Store

RunError = run_store.RunError
TOTAL_KEYS = ("models_added", "models_deleted", "models_relicensed", "edges_added", "edges_removed",
              "findings_appeared", "findings_resolved")


def run_info(run: run_store.Run) -> RunInfo:
    """A stored run as a result."""
    return RunInfo(
        run_id=run.run_id, kind=run.kind, status=run.status, started_at=run.started_at.isoformat(),
        finished_at=run.finished_at.isoformat() if run.finished_at else None, source=run.source,
        params=dict(run.params), records=run.records, stored=run.stored, updated=run.updated,
        unchanged=run.unchanged, rejected=run.rejected, deleted=run.deleted, pages=run.pages,
        requests=run.requests, error=run.error,
    )


def changes(store: Store, since: str | None = None, view: str | None = None, limit: int | None = None) -> ChangesResult:
    """Net changes of the completed runs after `since` (a run number or a date; default:
    the latest run alone). `view` keeps the findings of one view (default: both). `limit`:
    list at most that many of each kind of change (models added, findings resolved, ...),
    the totals and per-rule counts still counting every one. RunError when the store has
    no completed run or `since` names none."""
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be 1 or more, not {limit}")
    span = run_store.resolve_since(store, since)
    rows = (run_store.net_changes(store, span.runs) if limit is None
            else run_store.first_net_changes(store, span.runs, view, limit))
    models, edges, findings = [], [], []
    for r in rows:
        if r["entity"] == "model":
            models.append(ModelChange(change=r["change"], model_id=r["model_id"], license_before=r["before_value"],
                                      license=r["after_value"], run_id=r["run_id"]))
        elif r["entity"] == "edge":
            edges.append(EdgeChange(change=r["change"], model_id=r["model_id"], parent_id=r["related_id"],
                                    relation=r["relation"], run_id=r["run_id"]))
        elif view is None or r["view"] == view:
            findings.append(FindingChange(change=r["change"], view=r["view"], rule_id=r["rule_id"], label=r["label"],
                                          severity=r["severity"], model_id=r["model_id"],
                                          ancestor_id=r["related_id"], run_id=r["run_id"]))
    # counted in SQL over every change, whatever the lists hold
    counted: dict[tuple[str, str], int] = {}
    per_rule: dict[tuple[str, str, str], list[int]] = {}
    for entity, change, row_view, rule_id, label, n in run_store.net_change_counts(store, span.runs):
        if entity == "finding":
            if view is not None and row_view != view:
                continue
            counts = per_rule.setdefault((row_view, rule_id, label), [0, 0])
            counts[0 if change == "appeared" else 1] += n
        counted[(entity, change)] = counted.get((entity, change), 0) + n
    by_rule = tuple(RuleChangeCount(view=v, rule_id=r, label=label, appeared=a, resolved=b)
                    for (v, r, label), (a, b) in sorted(per_rule.items()))
    totals = {key: counted.get(kind, 0) for key, kind in zip(TOTAL_KEYS, run_store.CHANGE_KINDS, strict=True)}
    licenses = tuple(LicenseChange(license=lic, gained=int(g), lost=int(lo), models=int(n))
                     for lic, g, lo, n in run_store.license_changes(store, span.runs))
    runs = tuple(run_info(r) for r in run_store.list_runs(store) if r.run_id in span.runs)
    return ChangesResult(since_run=span.after, last_run=span.last, runs=runs, models=tuple(models),
                         edges=tuple(edges), findings=tuple(findings), by_rule=by_rule, totals=totals,
                         licenses=licenses, limit=limit)
