"""The queries behind the exports: report data, one model's lineage, findings, the rule
catalogue. Each returns a frozen result (api.export_results); formats render those and
never run SQL themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from licensegraph.api.audit import audit_table
from licensegraph.api.explain import ModelNotFound
from licensegraph.api.export_results import (
    AuditFindings,
    Family,
    LicenseFlow,
    LicenseInfo,
    LineageEdge,
    LineageModel,
    ModelLineage,
    MonthCount,
    RelationComparison,
    ReportData,
)
from licensegraph.api.findings import finding_from_row
from licensegraph.api.model_lists import most_reused_noncompliant
from licensegraph.api.results import Finding, RuleCatalogue, RuleClause, RuleInfo
from licensegraph.licenses.kb import KnowledgeBase, load_kb
from licensegraph.store.db import Store
from licensegraph.store.findings_view import FINDING_COLUMNS
from licensegraph.vocab import ABSENT, ALL_VIEWS, MERGE, RELATIONS, SEVERITIES, VIEW_DESCRIPTIONS, VIEWS, VIOLATION

#: The label the flow diagram gives the licenses it pools.
OTHER_LICENSES = "other licenses"


def _check_view(view: str, inferred: bool = False) -> None:
    if view not in (ALL_VIEWS if inferred else VIEWS):
        raise ValueError(f"unknown view {view!r}: use local or effective"
                         + (" (or local+inferred, effective+inferred after audit --with-inferred)" if inferred else ""))


def _audited(store: Store) -> bool:
    return store.get_meta("audited_rules") is not None


# -- rules ----------------------------------------------------------------------------


def rule_catalogue(kb: KnowledgeBase | None = None) -> RuleCatalogue:
    """Every rule of the catalogue, in table order, as its rule file describes it: id,
    labels, severity, what it checks, the card field it points at, the clauses it rests
    on (from the knowledge base) and its help text."""
    from licensegraph.rules import all_rules
    from licensegraph.rules.data_engine import all_data_rules

    kb = kb or load_kb()
    return RuleCatalogue(rules=tuple(
        RuleInfo(rule_id=r.id, labels=tuple(r.labels), severity=r.severity, in_study=r.in_study,
                 applies_to=r.applies_to, card_field=r.card_field, view_independent=r.view_independent,
                 duties=tuple(r.duties),
                 clauses=tuple(RuleClause(license=lic, clause=clause, source=url)
                               for lic, clause, url in r.clauses(kb)),
                 help=r.help)
        for r in [*all_rules(), *all_data_rules()]
    ))


# -- findings -------------------------------------------------------------------------


def _finding(row: tuple):
    f = finding_from_row(dict(zip(FINDING_COLUMNS, row)))
    clause = (f.clause or "").strip() or None
    return f if clause == f.clause else type(f)(**{**f.__dict__, "clause": clause})


def _findings_query(view: str, rule_ids: list[str] | None, severities: list[str] | None,
                    catalogue: tuple[RuleInfo, ...]) -> tuple[str, list]:
    _check_view(view, inferred=True)  # the views with inferred edges: findings carry `inferred_evidence`
    known = {r.rule_id for r in catalogue}
    for rule in rule_ids or ():
        if rule not in known:
            raise ValueError(f"unknown rule {rule!r}; known rules: {', '.join(sorted(known))}")
    for severity in severities or ():
        if severity not in SEVERITIES:
            raise ValueError(f"unknown severity {severity!r}; use {', '.join(SEVERITIES)}")
    where, params = ["view = ?"], [view]
    if rule_ids:
        where.append(f"rule_id IN ({', '.join('?' for _ in rule_ids)})")
        params += list(rule_ids)
    if severities:
        where.append(f"severity IN ({', '.join('?' for _ in severities)})")
        params += list(severities)
    sql = (f"SELECT {', '.join(FINDING_COLUMNS)} FROM findings WHERE {' AND '.join(where)} "
           "ORDER BY model_key, rule_id, label, ancestor_id NULLS FIRST")
    return sql, params


def audit_findings(store: Store, view: str = "local", rule_ids: list[str] | None = None,
                   severities: list[str] | None = None, kb: KnowledgeBase | None = None,
                   include_findings: bool = True) -> AuditFindings:
    """Every finding of one view, ordered by model, rule and label; optionally only some
    rules or severities. Empty (with `audited` False) when no audit has run. The views with
    inferred edges (`+inferred`) are accepted: their findings carry `inferred_evidence`.
    `include_findings=False`: only the view, the catalogue and whether an audit ran (the
    findings then come from `iter_audit_findings`, for exports of any size)."""
    catalogue = rule_catalogue(kb).rules
    sql, params = _findings_query(view, rule_ids, severities, catalogue)
    found = tuple(iter_audit_findings(store, view, rule_ids, severities, kb)) if include_findings else ()
    return AuditFindings(view=view, rules=catalogue, findings=found, audited=_audited(store))


def iter_audit_findings(store: Store, view: str = "local", rule_ids: list[str] | None = None,
                        severities: list[str] | None = None, kb: KnowledgeBase | None = None,
                        batch: int = 20_000) -> Iterator[Finding]:
    """The findings of `audit_findings`, one ordered query read `batch` rows at a time on
    a cursor of its own, so an export of millions holds one batch in memory."""
    sql, params = _findings_query(view, rule_ids, severities, rule_catalogue(kb).rules)
    cursor = store.con.cursor()
    try:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(batch):
            yield from (_finding(r) for r in rows)
    finally:
        cursor.close()


# -- lineage of one model ---------------------------------------------------------------


def _license_info(kb: KnowledgeBase, lic: str, resolution: str, raw, name, link) -> LicenseInfo:
    entry = kb.get(lic) if lic in kb else None
    known = entry is not None and not entry.is_special and not entry.is_family
    return LicenseInfo(
        license=lic, resolution=resolution, declared=raw,
        name=(entry.name if known else None) or name or (raw if lic == "other-unresolved" else None),
        url=link or (entry.url if known else None) or None,
        spdx=(entry.spdx or None) if known else None,
    )


def model_lineage(store: Store, model_id: str, kb: KnowledgeBase | None = None,
                  max_depth: int = 64) -> ModelLineage:
    """A model and every ancestor (breadth-first, each once, nearest depth), every edge
    between them, and each one's findings in both views.

    One indexed lookup per level, so the cost follows the size of the ancestry."""
    from licensegraph.store.findings_view import findings_of, store_render_tables

    kb = kb or load_kb()
    con = store.con
    key = model_id.strip().lower()
    known = con.execute("SELECT count(*) FROM model_licenses WHERE model_key = ?", [key]).fetchone()[0]
    if not known:
        raise ModelNotFound(f"{model_id}: not in the store (ids are matched case-insensitively)")
    depth_of = {key: 0}
    frontier = [key]
    edges: list[LineageEdge] = []
    seen_edges: set[tuple[str, str]] = set()
    depth = 0
    while frontier and depth < max_depth:
        depth += 1
        marks = ", ".join("?" for _ in frontier)
        rows = con.execute(
            f"""
            SELECT child_key, child_id, parent_key, parent_id, relation, relation_source, hub_relation,
                   evidence, dangling, in_cycle, self_loop
            FROM edges WHERE child_key IN ({marks})
            """,  # the bare IN filter is what the index serves; sort and filter here
            frontier,
        ).fetchall()
        rows = sorted((r for r in rows if not r[10]), key=lambda r: (r[0], r[2]))
        frontier = []
        for ck, cid, pk, pid, rel, src, hub, ev, dangling, cyc, _ in rows:
            if (ck, pk) not in seen_edges:
                seen_edges.add((ck, pk))
                edges.append(LineageEdge(child_id=cid, parent_id=pid, relation=rel, relation_source=src,
                                         hub_relation=hub, evidence=ev, dangling=bool(dangling),
                                         in_cycle=bool(cyc)))
            if pk not in depth_of:
                depth_of[pk] = depth
                frontier.append(pk)
    keys = list(depth_of)
    marks = ", ".join("?" for _ in keys)
    info = {r[0]: r[1:] for r in con.execute(
        f"""
        SELECT l.model_key, l.id, l.license, l.resolution, l.license_raw, l.license_name, l.license_link,
               coalesce(l.has_record, false), coalesce(l.deleted, false),
               m.author, m.sha, m.created_at, m.library_name, m.pipeline_tag, m.datasets
        FROM model_licenses l LEFT JOIN models m USING (model_key)
        WHERE l.model_key IN ({marks})
        """,
        keys,
    ).fetchall()}
    names = {}
    for e in edges:  # display ids of parents absent from the store
        names.setdefault(e.parent_id.lower(), e.parent_id)

    def node(k: str) -> LineageModel:
        row = info.get(k)
        if row is None:
            return LineageModel(
                model_id=names.get(k, k), depth=depth_of[k], in_store=False, has_record=False, deleted=False,
                author=None, sha=None, created_at=None, library_name=None, pipeline_tag=None,
                license=LicenseInfo(ABSENT, "not-in-store", None, None, None, None), datasets=(), findings=(),
            )
        mid, lic, res, raw, lname, link, has_record, deleted, author, sha, created, library, pipeline, datasets = row
        return LineageModel(
            model_id=mid or names.get(k, k), depth=depth_of[k], in_store=True, has_record=bool(has_record),
            deleted=bool(deleted), author=author, sha=sha, created_at=created, library_name=library,
            pipeline_tag=pipeline, license=_license_info(kb, lic, res, raw, lname, link),
            datasets=tuple(dict.fromkeys(d.strip() for d in datasets or () if d and d.strip())),
            findings=tuple(_finding(f) for f in findings_of(con, k, tables)),
        )

    tables = store_render_tables(store)
    ordered = sorted(keys, key=lambda k: (depth_of[k], k))
    model, ancestors = node(key), tuple(node(k) for k in ordered if k != key)
    licenses, generators = _dataset_facts(store, [d for m in (model, *ancestors) for d in m.datasets])
    return ModelLineage(
        model=model, ancestors=ancestors, edges=tuple(edges), audited=_audited(store),
        dataset_licenses=licenses, dataset_generators=generators,
    )


def _dataset_facts(store: Store, named: list[str]) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """For the datasets named as written: the license of those the store has a record of,
    and the models whose outputs they hold."""
    if not named or not store.scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'dataset_licenses'"):
        return {}, {}
    from licensegraph.lineage.data import dataset_id_sql

    rows = store.con.execute(
        f"""
        SELECT n.d, l.license, list(e.parent_id ORDER BY e.parent_id) FILTER (WHERE e.parent_id IS NOT NULL)
        FROM (SELECT DISTINCT unnest(?::VARCHAR[]) AS d) n
        JOIN dataset_licenses l ON l.dataset_key = lower({dataset_id_sql('n.d')})
        LEFT JOIN data_edges e ON e.child_key = l.dataset_key AND e.relation = 'generated-by'
        GROUP BY ALL
        """, [named]).fetchall()
    return {d: lic for d, lic, _ in rows}, {d: tuple(g) for d, _, g in rows if g}


# -- the report -----------------------------------------------------------------------------


def _in_view(view: str) -> str:
    """finding_keys of a view: view-independent rules are stored once, shown in both."""
    return (f"(view = '{view}' OR rule_id IN "
            "(SELECT rule_id FROM finding_templates WHERE view_independent))")


def _relation_order(name: str) -> tuple[int, str]:
    return (RELATIONS.index(name), name) if name in RELATIONS else (len(RELATIONS), name)


def report_data(store: Store, view: str = "local", top: int = 15, flow_licenses: int = 6) -> ReportData:
    """Everything the Hub-wide report shows, for one view: relation shares (corrected and
    Hub-labelled), the study table, license flows per relation, findings by creation
    month, the most reused models with a violation, and the largest families."""
    _check_view(view)
    q = store.con.execute
    audited = _audited(store)
    models, audited_models, derived = q(
        """
        SELECT count(*), count(*) FILTER (WHERE has_record AND NOT deleted),
               (SELECT count(DISTINCT child_key) FROM edges WHERE NOT self_loop)
        FROM models
        """
    ).fetchone()

    # relation shares
    hub_rel = "replace(hub_relation, 'quantized', 'quantization')"
    corrected = dict(q("SELECT relation, count(*) FROM edges WHERE NOT self_loop GROUP BY 1").fetchall())
    hub = dict(q(f"SELECT {hub_rel}, count(*) FROM edges WHERE NOT self_loop AND hub_relation IS NOT NULL "
                 "GROUP BY 1").fetchall())
    hub_unlabelled = q("SELECT count(*) FROM edges WHERE NOT self_loop AND hub_relation IS NULL").fetchone()[0]
    total_c, total_h = sum(corrected.values()), sum(hub.values())
    shares = tuple(
        RelationComparison(relation=r, corrected_edges=corrected.get(r, 0),
                      corrected_share=round(100 * corrected.get(r, 0) / total_c, 2) if total_c else 0.0,
                      hub_edges=hub.get(r, 0),
                      hub_share=round(100 * hub.get(r, 0) / total_h, 2) if total_h else 0.0)
        for r in sorted(set(RELATIONS) | set(corrected) | set(hub), key=_relation_order)
    )

    # the study table
    study = audit_table(store, view=view).rows if audited else ()

    # license flows: declared licenses across each edge whose child has a record
    flow_rows = q(
        f"""
        SELECT e.relation, coalesce(p.license, '{ABSENT}') AS parent_license, c.license AS child_license, count(*)
        FROM edges e
        JOIN model_licenses c ON c.model_key = e.child_key AND c.has_record
        LEFT JOIN model_licenses p ON p.model_key = e.parent_key
        WHERE NOT e.self_loop
        GROUP BY ALL
        """
    ).fetchall()
    flows = _top_flows(flow_rows, flow_licenses)

    # findings by creation month
    worst = f"""
        SELECT model_key,
               bool_or(severity = '{VIOLATION}') AS violation
        FROM finding_keys WHERE {_in_view(view)} GROUP BY model_key
    """
    month_rows = q(
        f"""
        SELECT strftime(m.created_at, '%Y-%m') AS month, count(*),
               count(*) FILTER (WHERE w.violation), count(*) FILTER (WHERE NOT w.violation)
        FROM models m LEFT JOIN ({worst}) w USING (model_key)
        WHERE m.has_record AND NOT m.deleted AND m.created_at IS NOT NULL
        GROUP BY 1 ORDER BY 1
        """
    ).fetchall()
    undated = q("SELECT count(*) FROM models WHERE has_record AND NOT deleted AND created_at IS NULL").fetchone()[0]
    months = tuple(MonthCount(month=m, models=n, with_violation=v, with_warning_only=w)
                   for m, n, v, w in _fill_months(month_rows))
    with_violation = q(
        f"SELECT count(DISTINCT model_key) FROM finding_keys WHERE {_in_view(view)} AND severity = '{VIOLATION}'"
    ).fetchone()[0]

    return ReportData(
        view=view, view_description=VIEW_DESCRIPTIONS[view], models=models, audited_models=audited_models,
        derived_models=derived, edges=total_c, hub_unlabelled_edges=hub_unlabelled,
        models_with_violation=with_violation, relation_shares=shares, study_rows=tuple(study), license_flows=flows,
        months=months, undated_models=undated,
        most_reused=most_reused_noncompliant(store, view=view, limit=top).models if top else (),
        families=_families(store, top), audited=audited,
    )


def _top_flows(rows: list[tuple], keep: int) -> tuple[LicenseFlow, ...]:
    """Per relation, the `keep` most frequent licenses on each side; the rest pooled."""
    by_rel: dict[str, list[tuple]] = defaultdict(list)
    for rel, p, c, n in rows:
        by_rel[rel].append((p, c, n))
    out = []
    for rel in sorted(by_rel, key=_relation_order):
        items = by_rel[rel]
        totals_p, totals_c = defaultdict(int), defaultdict(int)
        for p, c, n in items:
            totals_p[p] += n
            totals_c[c] += n
        top_p = {k for k, _ in sorted(totals_p.items(), key=lambda kv: (-kv[1], kv[0]))[:keep]}
        top_c = {k for k, _ in sorted(totals_c.items(), key=lambda kv: (-kv[1], kv[0]))[:keep]}
        pooled: dict[tuple[str, str], int] = defaultdict(int)
        for p, c, n in items:
            pooled[(p if p in top_p else OTHER_LICENSES, c if c in top_c else OTHER_LICENSES)] += n
        for (p, c), n in sorted(pooled.items(), key=lambda kv: (-kv[1], kv[0])):
            out.append(LicenseFlow(relation=rel, parent_license=p, child_license=c, edges=n))
    return tuple(out)


def _fill_months(rows: list[tuple]) -> list[tuple]:
    """Months without a model appear with zeros, so the time axis has no silent gaps."""
    if not rows:
        return []
    have = {r[0]: r for r in rows}
    y, m = map(int, rows[0][0].split("-"))
    ey, em = map(int, rows[-1][0].split("-"))
    out = []
    while (y, m) <= (ey, em):
        key = f"{y:04d}-{m:02d}"
        out.append(have.get(key, (key, 0, 0, 0)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _families(store: Store, top: int) -> tuple[Family, ...]:
    """Roots (models or named parents with children and no parent of their own) with the
    most descendants; descendants counted once per family, by their relation (merge if
    any of their edges says merge, else the edge the audit takes as theirs)."""
    rows = store.con.execute(
        f"""
        WITH RECURSIVE roots AS (
          SELECT DISTINCT e.parent_key AS root FROM edges e
          WHERE NOT e.self_loop
            AND NOT EXISTS (SELECT 1 FROM edges p WHERE p.child_key = e.parent_key AND NOT p.self_loop)
        ), down(root, node) AS (
          SELECT root, root FROM roots
          UNION
          SELECT d.root, e.child_key FROM down d JOIN edges e ON e.parent_key = d.node WHERE NOT e.self_loop
        ), sizes AS (
          SELECT root, count(*) - 1 AS n FROM down GROUP BY root ORDER BY n DESC, root LIMIT {int(top)}
        ), model_relation AS (
          SELECT child_key AS node,
                 CASE WHEN bool_or(relation = '{MERGE}') THEN '{MERGE}' ELSE arg_min(relation, hash(parent_key)) END
                   AS relation
          FROM edges WHERE NOT self_loop GROUP BY 1
        )
        SELECT s.root, s.n, coalesce(any_value(l.id), any_value(e.parent_id)) AS root_id,
               coalesce(any_value(l.license), '{ABSENT}') AS license, any_value(l.model_key) IS NOT NULL AS in_store,
               (SELECT list(struct_pack(relation := r.relation, n := r.n)) FROM (
                  SELECT mr.relation, count(*) AS n FROM down d JOIN model_relation mr ON mr.node = d.node
                  WHERE d.root = s.root AND d.node <> s.root GROUP BY 1) r) AS by_rel
        FROM sizes s
        LEFT JOIN model_licenses l ON l.model_key = s.root
        LEFT JOIN edges e ON e.parent_key = s.root
        GROUP BY s.root, s.n
        ORDER BY s.n DESC, s.root
        """
    ).fetchall()
    out = []
    for _, n, root_id, lic, in_store, by_rel in rows:
        counts = {r["relation"]: r["n"] for r in by_rel or []}
        out.append(Family(
            root_id=root_id, root_license=lic, in_store=bool(in_store), descendants=n,
            by_relation={r: counts.get(r, 0) for r in sorted(set(RELATIONS) | set(counts), key=_relation_order)},
        ))
    return tuple(out)
