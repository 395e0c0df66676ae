"""How far each model reaches down the lineage graph, kept in tables beside `edges`.

A popular base model has thousands of derivatives (FLUX.1-dev: 11,394 children in the 2025
lineage file). Counting them, walking their levels or paging through them at request time
costs a scan of the edges per request; these tables hold the answers, computed once per
lineage build (and, for the noncompliant children, once per audit), all in SQL:

- `lineage_reach`: per model with children, its direct children (in all and per relation),
  its distinct descendants at each shortest distance 1..REACH_LEVELS, and in all.
- `child_pages`: each parent's children in id order, numbered, in blocks of PAGE_BLOCK
  under a block key `parent key, relation ('' for all), block number`, so that a page at
  any offset is a bare key lookup the index serves (a filter on position would scan).
- `noncompliant_children`: per view, the edges whose child has a violation in that view
  (the lineage graph draws those children first).
"""

from __future__ import annotations

from licensegraph.store.db import Store
from licensegraph.store.findings_view import WARNING_FLAG, listed_facts_sql
from licensegraph.store.schema import (
    CHILD_PAGES_DDL,
    LINEAGE_REACH_DDL,
    NONCOMPLIANT_CHILDREN_DDL,
    PAGE_BLOCK,
    REACH_LEVELS,
)
from licensegraph.vocab import RELATIONS, VIEWS, VIOLATION

#: Separator inside a block key (never in a Hub id).
SEP = "\x1f"  # chr(31) in the SQL below


def block_key(parent_key: str, relation: str | None, block: int) -> str:
    """The `child_pages` key of one block of a parent's children (of one relation, or all)."""
    return f"{parent_key}{SEP}{relation or ''}{SEP}{block}"


def build_reach(store: Store, touched: str | None = None) -> None:
    """Rebuild `lineage_reach` and `child_pages` from `edges` (inside the caller's transaction).

    `touched`: a temp table of the model keys (`model_key`) whose edges changed since the
    tables were last built: the changed children, their old and new parents. Then only
    the rows those can alter are redone: the reach of every ancestor of a touched model
    (themselves included) and the pages of the touched models' children; None rebuilds both
    tables.

    Descendants are found level by level over the integer ids: each round joins the newest
    (root, node) pairs to the edges and keeps the pairs not seen before, so cycles end and
    each descendant counts once, at its shortest distance."""
    con = store.con
    if touched is not None and not con.execute(f"SELECT count(*) FROM {touched}").fetchall()[0][0]:
        return
    if touched is None:
        con.execute("DROP TABLE IF EXISTS lineage_reach")
        con.execute("DROP TABLE IF EXISTS child_pages")
        con.execute(LINEAGE_REACH_DDL)
        con.execute(CHILD_PAGES_DDL)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _e AS SELECT DISTINCT parent_uid AS p, child_uid AS c FROM edges WHERE NOT self_loop"
    )
    if touched is not None:
        # every ancestor of a touched model counts descendants that may have changed (an
        # edge removed lowers the old parent's ancestors' counts: the old parents are touched)
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _roots AS
            WITH RECURSIVE up(u) AS (
              SELECT i.uid FROM {touched} t JOIN model_ids i USING (model_key)
              UNION
              SELECT e.p FROM up JOIN _e e ON e.c = up.u
            )
            SELECT DISTINCT u FROM up
            """
        )
        con.execute("DELETE FROM lineage_reach WHERE model_key IN "
                    "(SELECT model_key FROM model_ids WHERE uid IN (SELECT u FROM _roots))")
        con.execute(f"DELETE FROM child_pages WHERE split_part(block, chr(31), 1) IN (SELECT model_key FROM {touched})")
    only_roots = "AND parent_uid IN (SELECT u FROM _roots)" if touched is not None else ""
    # a dangling parent's written id may differ in case between children: the least one
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _kids AS
        SELECT parent_key, min(parent_id) AS parent_id, any_value(parent_uid) AS parent_uid, child_key,
               any_value(child_id) AS child_id, any_value(relation) AS relation
        FROM edges WHERE NOT self_loop {only_roots} GROUP BY parent_key, child_key
        """
    )
    roots = "WHERE p IN (SELECT u FROM _roots)" if touched is not None else ""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _reach AS SELECT p AS root, c AS node, 1 AS d FROM _e {roots}")
    con.execute("CREATE OR REPLACE TEMP TABLE _front AS SELECT root, node FROM _reach")
    d = 1
    while con.execute("SELECT count(*) FROM _front").fetchone()[0]:  # type: ignore[index]
        d += 1
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _front AS
            SELECT DISTINCT f.root, e.c AS node FROM _front f JOIN _e e ON e.p = f.node
            WHERE e.c <> f.root
              AND NOT EXISTS (SELECT 1 FROM _reach r WHERE r.root = f.root AND r.node = e.c)
            """
        )
        con.execute("INSERT INTO _reach SELECT root, node, ? FROM _front", [d])
    counts = ", ".join(f"count(*) FILTER (WHERE relation = '{r}')::INTEGER AS {r}" for r in RELATIONS)
    levels = ", ".join(f"count(*) FILTER (WHERE d = {i})::INTEGER" for i in range(1, REACH_LEVELS + 1))
    con.execute(
        f"""
        INSERT INTO lineage_reach
        SELECT k.parent_key, k.parent_id, k.children, {", ".join(RELATIONS)}, r.descendants, r.levels
        FROM (SELECT parent_key, min(parent_id) AS parent_id, any_value(parent_uid) AS parent_uid,
                     count(*)::INTEGER AS children, {counts}
              FROM _kids GROUP BY parent_key) k
        JOIN (SELECT root, count(*) AS descendants, [{levels}] AS levels FROM _reach GROUP BY root) r
          ON r.root = k.parent_uid
        ORDER BY k.parent_key
        """
    )
    if touched is not None:
        con.execute(f"DELETE FROM _kids WHERE parent_key NOT IN (SELECT model_key FROM {touched})")
    con.execute(
        f"""
        INSERT INTO child_pages
        SELECT parent_key || chr(31) || chr(31) || (pos // {PAGE_BLOCK}), pos, child_key, child_id, relation
        FROM (SELECT *, (row_number() OVER (PARTITION BY parent_key ORDER BY child_key) - 1)::INTEGER AS pos
              FROM _kids)
        UNION ALL
        SELECT parent_key || chr(31) || relation || chr(31) || (pos // {PAGE_BLOCK}), pos, child_key, child_id,
               relation
        FROM (SELECT *, (row_number() OVER (PARTITION BY parent_key, relation ORDER BY child_key) - 1)::INTEGER
                        AS pos
              FROM _kids)
        """
    )
    if touched is None:
        con.execute("CREATE INDEX lineage_reach_key ON lineage_reach (model_key)")
        con.execute("CREATE INDEX child_pages_block ON child_pages (block)")
    for table in ("_kids", "_e", "_reach", "_front", "_roots"):
        con.execute(f"DROP TABLE IF EXISTS {table}")


def build_noncompliant_children(store: Store, children: str | None = None, violating: str | None = None) -> None:
    """Rebuild `noncompliant_children` from `edges` and the audit's findings (inside the
    caller's transaction). A finding of a rule whose outcome is the same in both views is
    stored once, under the first view; it counts in either. Read from the integer facts
    (store.findings_view) by uid; only the rules over data are keyed by string.

    `children`: a table of the model keys (`model_key`) whose findings or edges changed
    (an incremental audit's): only their rows are redone; None rebuilds the table.
    `violating`: a table (view name, uid) of the models with a violation in each view
    other than over data, as the facts hold them (an audit knows them from its rows), read
    instead of the facts; with `children`, it covers every child in that table."""
    con = store.con
    only_uid = only_key = ""
    if children is None:
        con.execute("DROP TABLE IF EXISTS noncompliant_children")
        con.execute(NONCOMPLIANT_CHILDREN_DDL)
    else:
        con.execute(f"DELETE FROM noncompliant_children WHERE child_key IN (SELECT model_key FROM {children})")
        if not violating:
            con.execute(f"""CREATE OR REPLACE TEMP TABLE _nc_uids AS
                            SELECT uid FROM model_licenses WHERE model_key IN (SELECT model_key FROM {children})""")
        only_uid = "AND f.uid IN (SELECT uid FROM _nc_uids)"
        only_key = f"AND d.model_key IN (SELECT model_key FROM {children})"
    listed = listed_facts_sql(con, VIOLATION)  # (a listed warning is never a violation)
    views = ", ".join(f"({i}, '{v}')" for i, v in enumerate(VIEWS))
    bad = f"SELECT view, uid FROM {violating}" if violating else f"""
            SELECT v.name AS view, f.uid
            FROM facts f JOIN finding_kinds k ON k.kind = f.kind
            JOIN (VALUES {views}) v(code, name) ON f.view = v.code OR k.rule_id IN (SELECT rule_id FROM indep)
            WHERE k.severity = $violation AND f.flags & {WARNING_FLAG} = 0 {only_uid}"""
    con.execute(
        f"""
        INSERT INTO noncompliant_children
        WITH indep AS (SELECT DISTINCT rule_id FROM finding_templates WHERE view_independent),
        facts AS (SELECT view, kind, uid, flags FROM finding_facts WHERE view < {len(VIEWS)}
                  {"UNION ALL SELECT view, kind, uid, flags FROM (" + listed + ")" if listed else ""}),
        -- each (view, uid) once: the violating models, by their findings and over data (an
        -- edge's model_key has that uid); an edge is one (child, parent) pair (lineage.build),
        -- so the join gives each (view, child, parent) once, without grouping the edges' strings
        -- (2M store: 0.75 -> 0.35 s CPU of the statement)
        bad AS (
            {bad}
            UNION
            SELECT v.name AS view, i.uid
            FROM data_findings d JOIN (VALUES {views}) v(code, name)
              ON d.view = v.name OR d.rule_id IN (SELECT rule_id FROM indep)
            JOIN model_ids i ON i.model_key = d.model_key
            WHERE d.severity = $violation {only_key})
        SELECT b.view, e.parent_key, e.child_key, e.child_id, e.relation
        FROM edges e JOIN bad b ON b.uid = e.child_uid WHERE NOT e.self_loop
        """,
        {"violation": VIOLATION},
    )
    if children is None:
        con.execute("CREATE INDEX noncompliant_children_parent ON noncompliant_children (parent_key)")
    else:
        con.execute("DROP TABLE IF EXISTS _nc_uids")
