"""`explain MODEL_ID`: a model's lineage, its effective duties with sources, and its findings."""

from __future__ import annotations

from licensegraph.licenses.kb import KnowledgeBase, load_kb
from licensegraph.reports.audit_table import NOT_LEGAL_ADVICE
from licensegraph.store.db import Store


class ModelNotFound(KeyError):
    pass


def _model(store: Store, key: str) -> dict | None:
    row = store.con.execute(
        """
        SELECT m.id, m.deleted, m.has_record, coalesce(l.license, 'absent'), l.resolution, l.license_raw,
               l.license_name, l.license_link, m.base_model_relation, m.library_name
        FROM models m LEFT JOIN model_licenses l USING (model_key) WHERE m.model_key = ?
        """,
        [key],
    ).fetchone()
    if row is None:
        return None
    keys = ("id", "deleted", "has_record", "license", "resolution", "license_raw", "license_name",
            "license_link", "base_model_relation", "library_name")
    return dict(zip(keys, row))


def lineage(store: Store, key: str, max_depth: int = 64) -> list[dict]:
    """Every ancestor, breadth-first, with the edge that reached it first."""
    seen = {key}
    frontier = [key]
    out = []
    depth = 0
    while frontier and depth < max_depth:
        depth += 1
        rows = store.con.execute(
            """
            SELECT e.child_key, e.child_id, e.parent_key, e.parent_id, e.relation, e.relation_source,
                   e.hub_relation, e.evidence, e.dangling, e.in_cycle,
                   coalesce(l.license, 'absent'), l.license_raw, l.resolution
            FROM edges e LEFT JOIN model_licenses l ON l.model_key = e.parent_key
            WHERE e.child_key IN (SELECT unnest(?::VARCHAR[])) AND NOT e.self_loop
            ORDER BY e.child_key, e.parent_key
            """,
            [frontier],
        ).fetchall()
        frontier = []
        for (ck, cid, pk, pid, rel, src, hub, ev, dangling, cyc, lic, raw, res) in rows:
            if pk in seen:
                continue
            seen.add(pk)
            frontier.append(pk)
            out.append({
                "id": pid, "depth": depth, "child": cid, "relation": rel, "relation_source": src,
                "hub_relation": hub, "evidence": ev, "license": lic, "license_raw": raw,
                "resolution": res, "dangling": dangling, "in_cycle": cyc,
            })
    return out


def effective_duties(kb: KnowledgeBase, ancestors: list[dict]) -> list[dict]:
    out = []
    seen = set()
    for anc in ancestors:
        lic_id = anc["license"]
        if lic_id not in kb or lic_id in seen:
            continue
        seen.add(lic_id)
        lic = kb.effective(lic_id)
        for d in lic.duties:
            out.append({
                "license": lic_id, "from": anc["id"], "kind": d.kind, "summary": d.summary,
                "text": d.text or None, "tag": d.tag or None, "accepts": list(d.accepts) or None,
                "exempt": d.exempt or None, "source": {"url": d.source.url, "clause": d.source.clause},
            })
    return out


def explain(store: Store, model_id: str, kb: KnowledgeBase | None = None) -> dict:
    kb = kb or load_kb()
    key = model_id.strip().lower()
    model = _model(store, key)
    if model is None:
        raise ModelNotFound(f"{model_id}: not in the store (ids are matched case-insensitively)")
    ancestors = lineage(store, key)
    parents = store.con.execute(
        "SELECT parent_id, relation, relation_source, hub_relation, evidence, in_card, in_tags, in_lineage, dangling "
        "FROM edges WHERE child_key = ? AND NOT self_loop ORDER BY parent_key", [key]
    ).fetchall()
    findings = store.con.execute(
        """
        SELECT view, rule_id, label, severity, ancestor_id, ancestor_license, path, duty, clause, source_url,
               via_noncompliant, possibly_incomplete, message, remedy
        FROM findings WHERE model_key = ? ORDER BY view, rule_id, label
        """,
        [key],
    ).fetchall()
    issues = store.con.execute(
        "SELECT kind, detail FROM lineage_issues WHERE model_key = ? ORDER BY kind", [key]
    ).fetchall()
    fkeys = ("view", "rule", "label", "severity", "ancestor", "ancestor_license", "path", "duty", "clause",
             "source_url", "via_noncompliant", "possibly_incomplete", "message", "remedy")
    lic = kb.get(model["license"]) if model["license"] in kb else None
    return {
        "model": {**model, "license_name_full": lic.name if lic else None},
        "parents": [dict(zip(("id", "relation", "relation_source", "hub_relation", "evidence", "in_card",
                              "in_tags", "in_lineage", "dangling"), p)) for p in parents],
        "ancestors": ancestors,
        "effective_duties": effective_duties(kb, ancestors),
        "findings": [dict(zip(fkeys, f)) for f in findings],
        "lineage_issues": [{"kind": k, "detail": d} for k, d in issues],
        "audited": store.get_meta("audited_rules") is not None,
        "disclaimer": NOT_LEGAL_ADVICE,
    }
