"""Build the typed lineage graph (table `edges`) from the stored models.

Parents are the union of the card's `base_model`, the `base_model:` tags and lineage CSV
rows (rules.md, "Parents"). Each edge's relation is decided declared > evidence > hub >
default, and the deciding step and the Hub's own label are kept beside it.
"""

from __future__ import annotations

import numpy as np

from licensegraph.lineage.cycles import find_cycles
from licensegraph.lineage.reach import build_reach
from licensegraph.lineage.relations import (
    CONVERSION_EVIDENCE,
    bare_name_sql,
    evidence_sql,
    normalize_relation_sql,
    same_name_sql,
)
from licensegraph.store.db import Store, transaction
from licensegraph.store.ids import assign_ids
from licensegraph.store.schema import EDGES_DDL, LINEAGE_ISSUES_DDL


def build_lineage(store: Store, incremental: bool = True) -> None:
    """(Re)build edges, lineage issues and the reach tables. When edges exist and few
    models changed since the last audit (dirty_models), only those models' edges are
    redone, plus the edges that point at them (a parent that arrived is no longer
    dangling); cycles are found again over the whole graph when an edge changed, and the
    reach tables are redone around the edges that changed (none when only licenses did)."""
    con = store.con
    partial = (incremental and store.get_meta("lineage_built") == "1"
               and store.few_changed(store.scalar("SELECT count(*) FROM models")))
    with transaction(con):
        _build_edges(store, partial)
        if partial and not _graph_changed(con):
            # the same edges as before: their cycle marks are those the old rows had
            con.execute(
                """
                UPDATE edges SET in_cycle = true FROM _old_edges o
                WHERE o.in_cycle AND edges.child_key = o.child_key AND edges.parent_key = o.parent_key
                """
            )
        else:
            _mark_cycles(store)
        if not partial:
            # explain walks the graph upward one level at a time through this index
            con.execute("CREATE INDEX edges_child ON edges (child_key)")
            # the dashboard walks it downward (a model's children, its descendants' graph)
            con.execute("CREATE INDEX edges_parent ON edges (parent_key)")
        # what the dashboard reads for big families: counts, levels and pages of children
        build_reach(store, "_touched" if partial else None)
        for table in ("_touched", "_old_edges", "_changed_parents"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
        store.set_meta("lineage_built", "1")


#: SQL: what precedes the last part of the parent's id (its owner and slash; '' without one).
PARENT_OWNER = "left(n.parent, length(n.parent) - length(split_part(n.parent, '/', -1)))"


def _build_edges(store: Store, partial: bool) -> None:
    con = store.con
    only = "AND model_key IN (SELECT model_key FROM dirty_models)" if partial else ""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _raw_parents AS
        SELECT model_key AS child_key, p AS parent, 'card' AS origin, NULL::VARCHAR AS hub_relation, i AS pos
        FROM (SELECT model_key, unnest(card_parents) AS p, generate_subscripts(card_parents, 1) AS i
              FROM models WHERE len(card_parents) > 0 {only})
        UNION ALL
        SELECT model_key, t.parent, 'tag', t.relation, 1000 + i
        FROM (SELECT model_key, unnest(tag_parents) AS t, generate_subscripts(tag_parents, 1) AS i
              FROM models WHERE len(tag_parents) > 0 {only})
        UNION ALL
        SELECT model_key, p, 'lineage', lineage_type, 2000 + i
        FROM (SELECT model_key, lineage_type, unnest(lineage_parents) AS p, generate_subscripts(lineage_parents, 1) AS i
              FROM models WHERE len(lineage_parents) > 0 {only})
        """
    )
    hub_rel = normalize_relation_sql("hub_relation")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _pairs AS
        SELECT child_key, lower(parent) AS parent_key,
               arg_min(parent, pos) AS written_parent,
               bool_or(origin = 'card') AS in_card,
               bool_or(origin = 'tag') AS in_tags,
               bool_or(origin = 'lineage') AS in_lineage,
               -- the Hub's label for this parent: its tag, else the lineage row's Type
               coalesce(arg_min({hub_rel}, pos) FILTER (WHERE origin = 'tag' AND {hub_rel} IS NOT NULL),
                        arg_min({hub_rel}, pos) FILTER (WHERE origin = 'lineage' AND {hub_rel} IS NOT NULL)) AS hub_relation
        FROM _raw_parents
        GROUP BY child_key, lower(parent)
        """
    )
    rel, evidence = evidence_sql("c.tags_l", "c.library_l", "c.name_l", "c.n_parents", "c.same_name")
    declared = normalize_relation_sql("m.base_model_relation")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _children AS
        SELECT * EXCLUDE (child_bare, parent_bare_name, parent_bare_owner),
               coalesce({same_name_sql("child_bare", "parent_bare_name", "parent_bare_owner")}, false) AS same_name
        FROM (
            SELECT m.model_key, m.id,
                   list_transform(coalesce(m.tags, []), lambda t: lower(t)) AS tags_l,
                   lower(coalesce(m.library_name, '')) AS library_l,
                   lower(split_part(m.id, '/', -1)) AS name_l,
                   n.n_parents,
                   {declared} AS declared,
                   m.base_model_relation AS declared_raw,
                   -- only a model with one parent can be its re-upload: the names of the others stay NULL
                   CASE WHEN n.n_parents = 1 THEN {bare_name_sql("split_part(m.id, '/', -1)")} END AS child_bare,
                   CASE WHEN n.n_parents = 1 THEN {bare_name_sql("split_part(n.parent, '/', -1)")} END
                       AS parent_bare_name,
                   CASE WHEN n.n_parents = 1 THEN {bare_name_sql(PARENT_OWNER)} END AS parent_bare_owner
            FROM models m
            JOIN (SELECT child_key, count(*) FILTER (WHERE parent_key <> child_key) AS n_parents,
                         any_value(written_parent) FILTER (WHERE parent_key <> child_key) AS parent
                  FROM _pairs GROUP BY child_key) n ON n.child_key = m.model_key
        )
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _child_rel AS
        SELECT c.model_key, c.declared, {rel} AS ev_relation, {evidence} AS ev_text
        FROM _children c
        """
    )
    # every model and every parent it names gets its integer id before edges are stored
    models = "SELECT model_key FROM dirty_models" if partial else "SELECT model_key FROM models"
    assign_ids(con, f"{models} UNION ALL SELECT parent_key FROM _pairs")
    if partial:
        # kept to tell which edges the rebuild changes (see _graph_changed)
        con.execute(f"CREATE OR REPLACE TEMP TABLE _old_edges AS SELECT {_EDGE_FACTS}, in_cycle FROM edges "
                    "WHERE child_key IN (SELECT model_key FROM dirty_models)")
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _changed_parents AS
            SELECT DISTINCT e.parent_key, m.id FROM edges e JOIN models m ON m.model_key = e.parent_key
            WHERE m.model_key IN (SELECT model_key FROM dirty_models) AND (e.dangling OR e.parent_id <> m.id)
            """
        )
        con.execute("DELETE FROM edges WHERE child_key IN (SELECT model_key FROM dirty_models)")
        # a changed model may be someone's parent: it may have arrived (no longer
        # dangling) or changed its display id (found above: the update joins those only)
        con.execute(
            """
            UPDATE edges SET dangling = false, parent_id = c.id
            FROM _changed_parents c
            WHERE edges.parent_key = c.parent_key AND (edges.dangling OR edges.parent_id <> c.id)
            """
        )
    else:
        # rebuilt wholesale: dropping the old rows is far cheaper than deleting them
        con.execute("DROP TABLE IF EXISTS edges")
        con.execute(EDGES_DDL)
    con.execute(
        f"""
        INSERT INTO edges
        SELECT p.child_key, c.id, p.parent_key,
               coalesce(pm.id, p.written_parent) AS parent_id,
               coalesce(r.declared, ev.relation, p.hub_relation, 'finetune') AS relation,
               CASE WHEN r.declared IS NOT NULL THEN 'declared'
                    WHEN ev.relation IS NOT NULL THEN 'evidence'
                    WHEN p.hub_relation IS NOT NULL THEN 'hub'
                    ELSE 'default' END AS relation_source,
               p.hub_relation,
               CASE WHEN r.declared IS NOT NULL THEN 'card base_model_relation: ' || c.declared_raw
                    ELSE ev.text END AS evidence,
               p.in_card, p.in_tags, p.in_lineage,
               pm.model_key IS NULL AS dangling,
               p.parent_key = p.child_key AS self_loop,
               false AS in_cycle,
               ci.uid AS child_uid, pi.uid AS parent_uid
        FROM _pairs p
        JOIN model_ids ci ON ci.model_key = p.child_key
        JOIN model_ids pi ON pi.model_key = p.parent_key
        JOIN _children c ON c.model_key = p.child_key
        JOIN _child_rel r ON r.model_key = p.child_key
        -- The Hub labels an adapter from its files: a conversion read from the name alone
        -- does not outrank that.
        CROSS JOIN LATERAL (
          SELECT CASE WHEN p.hub_relation = 'adapter' AND starts_with(r.ev_text, '{CONVERSION_EVIDENCE}')
                      THEN NULL ELSE r.ev_relation END AS relation,
                 CASE WHEN p.hub_relation = 'adapter' AND starts_with(r.ev_text, '{CONVERSION_EVIDENCE}')
                      THEN NULL ELSE r.ev_text END AS text
        ) ev
        LEFT JOIN models pm ON pm.model_key = p.parent_key
        ORDER BY p.child_key
        """
    )
    if partial:
        con.execute("DELETE FROM lineage_issues WHERE model_key IN (SELECT model_key FROM dirty_models) AND kind <> 'cycle'")
    else:
        con.execute("DROP TABLE IF EXISTS lineage_issues")
        con.execute(LINEAGE_ISSUES_DDL)
    scope = "AND child_key IN (SELECT model_key FROM dirty_models)" if partial else ""
    con.execute(
        f"""
        INSERT INTO lineage_issues
        SELECT 'self-loop', child_key, child_id, 'lists itself as its own base model; the edge is ignored'
        FROM edges WHERE self_loop {scope}
        """
    )
    con.execute(
        """
        INSERT INTO lineage_issues
        SELECT 'invalid-relation', model_key, id,
               'base_model_relation ' || declared_raw || ' is not one of finetune, adapter, quantization, merge; ignored'
        FROM _children WHERE declared IS NULL AND declared_raw IS NOT NULL
        """
    )
    # Card and tags disagree: the card's parents all count; say what differed.
    con.execute(
        f"""
        INSERT INTO lineage_issues
        SELECT 'card-tag-disagreement', e.child_key, any_value(e.child_id),
               'card lists ' || count(*) FILTER (WHERE in_card) || ' parent(s), tags name '
               || count(*) FILTER (WHERE in_tags)
               || CASE WHEN count(*) FILTER (WHERE in_card AND NOT in_tags) > 0
                       THEN '; only in card: ' || string_agg(parent_id, ', ' ORDER BY parent_id) FILTER (WHERE in_card AND NOT in_tags) ELSE '' END
               || CASE WHEN count(*) FILTER (WHERE in_tags AND NOT in_card) > 0
                       THEN '; only in tags: ' || string_agg(parent_id, ', ' ORDER BY parent_id) FILTER (WHERE in_tags AND NOT in_card) ELSE '' END
        FROM edges e WHERE true {scope}
        GROUP BY e.child_key
        HAVING count(*) FILTER (WHERE in_card) > 0 AND count(*) FILTER (WHERE in_tags) > 0
           AND count(*) FILTER (WHERE in_card <> in_tags) > 0
        """
    )
    for table in ("_raw_parents", "_pairs", "_children", "_child_rel"):
        con.execute(f"DROP TABLE {table}")


# What the reach tables and cycles read of an edge.
_EDGE_FACTS = "child_key, parent_key, child_id, parent_id, relation, self_loop, dangling"


def _graph_changed(con) -> bool:
    """After a partial `_build_edges`: whether some edge differs from before. Creates
    `_touched`, the parents of the edges that came, went or changed (their children's
    pages, and the reach of them and their ancestors, are redone). Also true when a changed
    model is in a cycle (the cycle's report names its members)."""
    dirty = "SELECT model_key FROM dirty_models"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _touched AS
        SELECT parent_key AS model_key FROM (
          (SELECT {_EDGE_FACTS} FROM _old_edges
           EXCEPT SELECT {_EDGE_FACTS} FROM edges WHERE child_key IN ({dirty}))
          UNION ALL
          (SELECT {_EDGE_FACTS} FROM edges WHERE child_key IN ({dirty})
           EXCEPT SELECT {_EDGE_FACTS} FROM _old_edges))
        UNION SELECT parent_key FROM _changed_parents
        """
    )
    return bool(con.execute(
        f"""SELECT (SELECT count(*) FROM _touched)
                   + (SELECT count(*) FROM lineage_issues WHERE kind = 'cycle' AND model_key IN ({dirty}))"""
    ).fetchall()[0][0])


def _mark_cycles(store: Store) -> None:
    """Flag edges inside cycles and report each cycle, over the whole graph."""
    con = store.con
    con.execute("UPDATE edges SET in_cycle = false WHERE in_cycle")
    con.execute("DELETE FROM lineage_issues WHERE kind = 'cycle'")
    # 64-bit hashes of the keys stand in for them: numbering integers is far cheaper
    # than numbering strings, and a collision among millions of ids is ~1e-7 likely.
    rows = con.sql(
        """
        SELECT hash(child_key) AS c, hash(parent_key) AS p FROM edges
        WHERE NOT self_loop AND NOT dangling
        """
    ).to_arrow_table()
    if rows.num_rows == 0:
        return
    child = rows.column("c").to_numpy()
    parent = rows.column("p").to_numpy()
    hashes, inverse = np.unique(np.concatenate([child, parent]), return_inverse=True)
    src = inverse[: len(child)]
    dst = inverse[len(child):]
    components = find_cycles(len(hashes), src, dst)
    if not components:
        return
    member_hashes = sorted({int(hashes[node]) for comp in components for node in comp})
    by_hash = {h: (k, i) for h, k, i in con.execute(
        "SELECT hash(model_key), model_key, id FROM models WHERE hash(model_key) IN (SELECT unnest(?::UBIGINT[]))",
        [member_hashes],
    ).fetchall()}
    members, issues = [], []
    for number, comp in enumerate(components):
        found = [by_hash[int(hashes[node])] for node in comp if int(hashes[node]) in by_hash]
        names = sorted(i for _, i in found)
        if not names:
            continue
        detail = f"in a lineage cycle of {len(found)} models: " + " -> ".join(names[:20] + [names[0]])
        for key, model_id in found:
            members.append((key, number))
            issues.append(("cycle", key, model_id, detail))
    con.execute("CREATE OR REPLACE TEMP TABLE _cyc (model_key VARCHAR, comp INTEGER)")
    con.executemany("INSERT INTO _cyc VALUES (?, ?)", members)
    con.executemany("INSERT INTO lineage_issues VALUES (?, ?, ?, ?)", issues)
    con.execute(
        """
        UPDATE edges SET in_cycle = true
        FROM _cyc a, _cyc b
        WHERE edges.child_key = a.model_key AND edges.parent_key = b.model_key AND a.comp = b.comp
        """
    )
    con.execute("DROP TABLE _cyc")
