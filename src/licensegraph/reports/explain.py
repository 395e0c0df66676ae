"""`explain MODEL_ID`: a model's lineage, its effective duties with sources, and its findings."""

from __future__ import annotations

from licensegraph.licenses.kb import KnowledgeBase, load_kb
from licensegraph import NOT_LEGAL_ADVICE
from licensegraph.store.db import Store


class ModelNotFound(KeyError):
    pass


def _model(store: Store, key: str) -> dict | None:
    rows = store.con.execute(
        """
        SELECT id, deleted, has_record, license, resolution, license_raw, license_name, license_link
        FROM model_licenses WHERE model_key = ?
        """,
        [key],
    ).fetchall()
    if not rows:
        return None
    keys = ("id", "deleted", "has_record", "license", "resolution", "license_raw", "license_name", "license_link")
    return dict(zip(keys, rows[0]))


def _in(values: list[str]) -> str:
    return "(" + ", ".join("?" for _ in values) + ")"


def lineage(store: Store, key: str, max_depth: int = 64) -> list[dict]:
    """Every ancestor, breadth-first, with the edge that reached it first.

    One indexed lookup per level (edges by child, licenses by key), so the cost follows
    the size of the ancestry, not of the store."""
    seen = {key}
    frontier = [key]
    out = []
    depth = 0
    while frontier and depth < max_depth:
        depth += 1
        rows = store.con.execute(
            f"""
            SELECT child_key, child_id, parent_key, parent_id, relation, relation_source,
                   hub_relation, evidence, dangling, in_cycle, self_loop
            FROM edges WHERE child_key IN {_in(frontier)}
            """,  # the bare IN filter is what the index serves; sort and filter here
            frontier,
        ).fetchall()
        rows = sorted((r[:10] for r in rows if not r[10]), key=lambda r: (r[0], r[2]))
        parents = sorted({r[2] for r in rows} - seen)
        licenses = {}
        if parents:
            licenses = {r[0]: r[1:] for r in store.con.execute(
                f"SELECT model_key, license, license_raw, resolution FROM model_licenses WHERE model_key IN {_in(parents)}",
                parents,
            ).fetchall()}
        frontier = []
        for (ck, cid, pk, pid, rel, src, hub, ev, dangling, cyc) in rows:
            if pk in seen:
                continue
            seen.add(pk)
            frontier.append(pk)
            lic, raw, res = licenses.get(pk, ("absent", None, None))
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
    from licensegraph.store.findings_view import findings_of

    findings = [(f[0], f[1], f[2], f[3], f[9], f[10], f[11], f[12], f[13], f[14], f[15], f[16], f[17], f[18])
                for f in findings_of(store.con, key)]
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
