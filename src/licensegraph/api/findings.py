"""Findings: one model's, or a filtered page of all of them (for the dashboard and exports)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from licensegraph.api.model_results import Finding, FindingsPage
from licensegraph.store.db import Store
from licensegraph.store.findings_view import FINDING_COLUMNS
from licensegraph.vocab import ALL_VIEWS, SEVERITIES


def finding_from_row(row: Mapping[str, Any]) -> Finding:
    """A Finding from a row with the `findings` view's columns (extra columns ignored)."""
    return Finding(
        model_id=row["model_id"], view=row["view"], rule_id=row["rule_id"], label=row["label"],
        severity=row["severity"], relation=row.get("relation"), model_license=row.get("model_license"),
        ancestor_id=row.get("ancestor_id"), ancestor_license=row.get("ancestor_license"),
        path=tuple(row.get("path") or ()), duty=row.get("duty"), clause=row.get("clause"),
        source=row.get("source_url"), via_noncompliant=bool(row.get("via_noncompliant")),
        possibly_incomplete=bool(row.get("possibly_incomplete")), message=row.get("message"),
        remedy=row.get("remedy"), inferred_evidence=row.get("inferred_evidence"),
    )


def findings_page(
    store: Store,
    view: str | None = None,
    rule_id: str | None = None,
    severity: str | None = None,
    model_id: str | None = None,
    ancestor_id: str | None = None,
    relation: str | None = None,
    offset: int = 0,
    limit: int = 50,
    inferred_only: bool = False,
) -> FindingsPage:
    """Findings matching every given filter, ordered by model, view, rule and label."""
    if view is not None and view not in ALL_VIEWS:
        raise ValueError(f"view must be one of {', '.join(ALL_VIEWS)}, not {view!r}")
    if severity is not None and severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}, not {severity!r}")
    if offset < 0 or limit < 0:
        raise ValueError("offset and limit must not be negative")
    if store.get_meta("audited_rules") is None:
        return FindingsPage(findings=(), total=0, offset=offset, limit=limit)
    where, params = [], []
    for column, value in (("view", view), ("rule_id", rule_id), ("severity", severity), ("relation", relation)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if model_id is not None:
        where.append("model_key = ?")
        params.append(model_id.strip().lower())
    if ancestor_id is not None:
        where.append("lower(ancestor_id) = ?")
        params.append(ancestor_id.strip().lower())
    if inferred_only:
        where.append("inferred_evidence IS NOT NULL")
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    total = int(store.scalar(f"SELECT count(*) FROM findings {clause}", params))
    rows = store.con.execute(
        f"SELECT {', '.join(FINDING_COLUMNS)} FROM findings {clause} "
        "ORDER BY model_key, view, rule_id, label, ancestor_id LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()
    found = tuple(finding_from_row(dict(zip(FINDING_COLUMNS, r))) for r in rows)
    return FindingsPage(findings=found, total=total, offset=offset, limit=limit)
