"""`explain MODEL_ID`: a model's lineage, its effective duties with sources, and its findings."""

from __future__ import annotations

from collections.abc import Sequence

from licensegraph.api.findings import finding_from_row
from licensegraph.api.model_results import (
    Ancestor,
    EffectiveDuty,
    Explanation,
    InferredParent,
    LineageIssue,
    ModelLicense,
    ParentEdge,
    TrainingData,
)
from licensegraph.licenses.kb import KnowledgeBase, load_kb
from licensegraph.lineage.ancestry import ancestry
from licensegraph.store.db import Store
from licensegraph.store.findings_view import FINDING_COLUMNS, findings_of, store_render_tables


class ModelNotFound(KeyError):
    """The model id is not in the store."""


def effective_duties(kb: KnowledgeBase, ancestors: Sequence[Ancestor]) -> tuple[EffectiveDuty, ...]:
    """Every duty of every ancestor's license (each license once, nearest ancestor first)."""
    out = []
    seen = set()
    for anc in ancestors:
        lic_id = anc.license
        if lic_id not in kb or lic_id in seen:
            continue
        seen.add(lic_id)
        lic = kb.effective(lic_id)
        for d in lic.duties:
            out.append(EffectiveDuty(
                license=lic_id, ancestor_id=anc.ancestor_id, duty=d.kind, summary=d.summary,
                text=d.text or None, tag=d.tag or None, accepts=tuple(d.accepts) or None,
                exempt=d.exempt or None, clause=d.source.clause or None, source=d.source.url or None,
            ))
    return tuple(out)


def explain(store: Store, model_id: str, kb: KnowledgeBase | None = None) -> Explanation:
    """A model's lineage, duties and findings; ModelNotFound when the store lacks it."""
    kb = kb or load_kb()
    key = model_id.strip().lower()
    row = store.con.execute(
        """
        SELECT id, deleted, has_record, license, resolution, license_raw, license_name, license_link, uid
        FROM model_licenses WHERE model_key = ?
        """,
        [key],
    ).fetchone()
    if row is None:
        raise ModelNotFound(f"{model_id}: not in the store (ids are matched case-insensitively)")
    lic = kb.get(row[3]) if row[3] in kb else None
    model = ModelLicense(model_id=row[0], deleted=bool(row[1]), has_record=bool(row[2]), license=row[3],
                         resolution=row[4], license_raw=row[5], license_name=row[6], license_link=row[7],
                         license_title=lic.name if lic else None)
    lineage = ancestry(store, key)
    ancestors = tuple(Ancestor(**a) for a in lineage.ancestors)
    parents = tuple(
        ParentEdge(parent_id=e["parent_id"], relation=e["relation"], relation_source=e["relation_source"],
                   hub_relation=e["hub_relation"], evidence=e["evidence"], in_card=bool(e["in_card"]),
                   in_tags=bool(e["in_tags"]), in_lineage=bool(e["in_lineage"]), dangling=bool(e["dangling"]))
        for e in sorted(lineage.parent_edges, key=lambda e: e["parent_key"]) if not e["self_loop"]
    )
    tables = store_render_tables(store)
    findings = tuple(finding_from_row(dict(zip(FINDING_COLUMNS, f)))
                     for f in findings_of(store.con, key, tables, (row[8], row[0]), lineage.names))
    issues = tuple(LineageIssue(kind=k, detail=d) for k, d in store.con.execute(
        "SELECT kind, detail FROM lineage_issues WHERE model_key = ? ORDER BY kind", [key]
    ).fetchall())
    seen = dict.fromkeys([model.license] + [a.license for a in ancestors])
    readings = tuple(kb.get(i).reading for i in seen if i in kb and kb.get(i).reading)
    inferred = tuple(
        InferredParent(parent_id=p, relation=r, source=s, pattern=pat, matched=m, line=line, confidence=c,
                       used=bool(u), dangling=bool(d))
        for p, r, s, pat, m, line, c, u, d in store.con.execute(
            "SELECT parent_id, relation, source, pattern, matched, line, confidence, used, dangling "
            "FROM inferred_edges WHERE child_key = ? ORDER BY used DESC, confidence DESC, parent_key", [key]
        ).fetchall()
    )
    return Explanation(
        inferred_parents=inferred,
        datasets=training_data(store, key),
        model=model, parents=parents, ancestors=ancestors, effective_duties=effective_duties(kb, ancestors),
        findings=findings, lineage_issues=issues,
        audited=store.memo("audited", lambda: store.get_meta("audited_rules") is not None),
        readings=readings,
    )


def training_data(store: Store, key: str) -> tuple[TrainingData, ...]:
    """The datasets a model's card names, with their licenses and generating models."""
    # Most models name no dataset: a bare filter answers that with one scan, where the join
    # below builds its tables over every data edge (90 ms on a 2M-model store).
    if not store.con.execute("SELECT 1 FROM data_edges WHERE child_key = ? LIMIT 1", [key]).fetchall():
        return ()
    rows = store.con.execute(
        """
        SELECT t.parent_id, coalesce(l.license, 'absent'), t.dangling, t.source,
               list({'model_id': g.parent_id, 'kind': g.parent_kind, 'source': g.source, 'evidence': g.evidence}
                    ORDER BY g.parent_id) FILTER (WHERE g.parent_id IS NOT NULL)
        FROM data_edges t
        LEFT JOIN dataset_licenses l ON l.dataset_key = t.parent_key
        LEFT JOIN data_edges g ON g.child_key = t.parent_key AND g.relation = 'generated-by'
        WHERE t.child_key = ? AND t.relation = 'trained-on'
        GROUP BY ALL ORDER BY t.parent_id
        """, [key]).fetchall()
    return tuple(TrainingData.from_dict({"dataset_id": d, "license": lic, "dangling": bool(dangling), "source": src,
                                         "generators": gens or []})
                 for d, lic, dangling, src, gens in rows)
