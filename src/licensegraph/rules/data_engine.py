"""Evaluate the rules over data and outputs (modules with `DATA_RULE`), vectorized in SQL.

Runs inside the audit's transaction, after the weight-lineage rules: it prepares the
tables `rules.data_base` describes, runs each rule's queries, and writes findings to
`data_findings` (one row per model and path, stored once and shown under both views) and
the "data and outputs" table's counts to `data_rule_counts`.
"""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pyarrow as pa

from licensegraph.licenses.kb import KnowledgeBase
from licensegraph.rules.context import AuditContext
from licensegraph.rules.data_base import FINDING_COLUMNS, DataRule
from licensegraph.vocab import UNDECIDABLE


def all_data_rules() -> list[DataRule]:
    """Every rule over data and outputs, in table order."""
    import licensegraph.rules as package

    found = []
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith(("data_", "output_")) or info.name in ("data_base", "data_engine"):
            continue
        rule = getattr(importlib.import_module(f"{package.__name__}.{info.name}"), "DATA_RULE", None)
        if isinstance(rule, DataRule):
            found.append(rule)
    return sorted(found, key=lambda r: (r.order, r.id))


def generators() -> tuple:
    """The table of well-known generating models (lineage.discovery.outputs), imported when used."""
    from licensegraph.lineage.discovery.outputs import generators as table

    return table()


def _license_facts(kb: KnowledgeBase) -> pa.Table:
    rows: dict[str, list] = {k: [] for k in ("license", "decidable", "nc", "sa", "sa_accepts", "nd", "lineage_tag",
                                             "no_improve_exempt", "name_prefix", "built_with")}
    for lic in kb:
        eff = kb.effective(lic.id) if lic.is_family else lic
        duties = {d.kind: d for d in eff.duties}
        rows["license"].append(lic.id)
        rows["decidable"].append(not lic.is_special and lic.id not in UNDECIDABLE)
        rows["nc"].append(not eff.commercial or "non-commercial" in duties)
        rows["sa"].append("share-alike" in duties)
        rows["sa_accepts"].append(list(duties["share-alike"].accepts) if "share-alike" in duties else [])
        rows["nd"].append("no-derivatives" in duties)
        rows["lineage_tag"].append(eff.lineage_tag or None)
        rows["no_improve_exempt"].append(duties["no-improve-other-llm"].exempt or lic.id
                                         if "no-improve-other-llm" in duties else None)
        rows["name_prefix"].append(duties["name-prefix"].text if "name-prefix" in duties else None)
        rows["built_with"].append(duties["display"].text if "display" in duties else None)
    types = {"decidable": pa.bool_(), "nc": pa.bool_(), "sa": pa.bool_(), "nd": pa.bool_(),
             "sa_accepts": pa.list_(pa.string())}
    return pa.table({k: pa.array(v, types.get(k, pa.string())) for k, v in rows.items()})


def _lineage_tags(ctx: AuditContext, facts: pa.Table) -> pa.Table | None:
    """(uid, tags) of every stored model whose own or some ancestor's license has a lineage
    tag: the tags of its own and its ancestors' licenses (each model's license, not the
    others it lists), as `_dmodels` has them, from the context's graph in NumPy (the
    recursive join over a million trained models cost seconds). None when the context
    cannot tell (a scope's graph, inferred edges, or a tag on a code that stands for
    several stored strings)."""
    if ctx.scope is not None or ctx.with_inferred:
        return None
    tag_of = dict(zip(facts.column("license").to_pylist(), facts.column("lineage_tag").to_pylist()))
    names = sorted({t for t in tag_of.values() if t})
    if len(names) > 63:
        return None
    bit = {t: np.uint64(1) << np.uint64(i) for i, t in enumerate(names)}
    code_bits = np.array([bit[tag_of[i]] if tag_of.get(i) else 0 for i in ctx.table.ids], dtype=np.uint64)
    # codes given to licenses the knowledge base does not know, and to parents with no row
    if code_bits[ctx.table.code["other-unresolved"]] or code_bits[ctx.table.code["absent"]]:
        return None
    closure, _ = ctx.closure_or(code_bits[ctx.lic])
    tagged = np.flatnonzero(closure)
    masks, inverse = np.unique(closure[tagged], return_inverse=True)
    tag_lists = pa.array([[t for t in names if int(m) & int(bit[t])] for m in masks.tolist()], pa.list_(pa.string()))
    return pa.table({"uid": pa.array(ctx.uids[tagged].astype(np.int32)), "tags": tag_lists.take(pa.array(inverse))})


def _prepare(con, kb: KnowledgeBase, scope: str | None = None, ctx: AuditContext | None = None) -> None:
    """The tables the rules read (rules.data_base); `scope`: a table of the model keys
    whose paths are read (all models when None); `ctx`: the audit's graph, which gives
    every model's lineage tags when it holds all models."""
    facts = _license_facts(kb)
    con.register("_dlic_in", facts)
    con.execute("CREATE OR REPLACE TEMP TABLE _dlic AS SELECT * FROM _dlic_in")
    con.unregister("_dlic_in")
    # the generators' table only when some dataset names a generator (reading it imports
    # and compiles the discovery patterns: a tenth of a second)
    table = generators() if con.execute(
        "SELECT count(*) FROM (SELECT 1 FROM data_edges WHERE relation = 'generated-by' LIMIT 1)").fetchall()[0][0] else ()
    con.register("_gtable", pa.table({"gen_key": pa.array([g.id.lower() for g in table], pa.string()),
                                      "license": pa.array([g.license for g in table], pa.string())}))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _dtrained AS
        SELECT e.child_key AS model_key, e.parent_key AS dataset_key, e.parent_id AS dataset_id,
               coalesce(l.license, 'absent') AS dataset_license
        FROM data_edges e LEFT JOIN dataset_licenses l ON l.dataset_key = e.parent_key
        WHERE e.relation = 'trained-on' AND NOT e.dangling {f"AND e.child_key IN (SELECT model_key FROM {scope})" if scope else ""}
        """
    )
    # a Hub generator the store knows is judged under its stored license; otherwise under
    # the table's (generators.toml), so a well-known teacher needs no record
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _dgen AS
        SELECT e.child_key AS dataset_key, e.child_id AS dataset_id, e.parent_key AS gen_key, e.parent_id AS gen_id,
               e.parent_kind AS gen_kind,
               CASE WHEN ml.license IS NOT NULL AND ml.license NOT IN ('none', 'unknown', 'other-unresolved', 'absent')
                    THEN ml.license ELSE coalesce(g.license, ml.license, 'absent') END AS gen_license,
               e.source, e.evidence
        FROM data_edges e
        LEFT JOIN model_licenses ml ON ml.model_key = e.parent_key
        LEFT JOIN _gtable g ON g.gen_key = e.parent_key
        WHERE e.relation = 'generated-by'
        """
    )
    con.unregister("_gtable")
    trained = con.execute("SELECT count(*) FROM (SELECT 1 FROM _dtrained LIMIT 1)").fetchall()[0][0]
    if not trained:  # no walk to do (the recursive join costs a scan of the models even then)
        con.execute("CREATE OR REPLACE TEMP TABLE _dmodels AS SELECT model_key, id AS model_id, license, "
                    "[]::VARCHAR[] AS tags FROM model_licenses LIMIT 0")
        return
    tags = _lineage_tags(ctx, facts) if ctx is not None and scope is None else None
    if tags is not None:
        con.register("_dtags_in", tags)
        try:
            con.execute(
                """
                CREATE OR REPLACE TEMP TABLE _dmodels AS
                SELECT s.model_key, s.id AS model_id, s.license, coalesce(t.tags, []) AS tags
                FROM model_licenses s LEFT JOIN _dtags_in t ON t.uid = s.uid
                WHERE s.model_key IN (SELECT model_key FROM _dtrained)
                """
            )
        finally:
            con.unregister("_dtags_in")
        return
    if scope is None:
        # every trained model (a million at 2M): a recursive join over the integer ids
        pairs = """
            WITH RECURSIVE walk(uid, anc) AS (
              SELECT uid, uid FROM model_licenses WHERE model_key IN (SELECT model_key FROM _dtrained)
              UNION
              SELECT walk.uid, e.parent_uid FROM walk JOIN edges e ON e.child_uid = walk.anc WHERE NOT e.self_loop
            ) SELECT * FROM walk"""
    else:
        # a scope's few models: their ancestors in NumPy (the recursive join scans the
        # edges once per level however few models it walks)
        seeds = con.execute("SELECT uid FROM model_licenses WHERE model_key IN (SELECT model_key FROM _dtrained)"
                            ).fetchnumpy()["uid"]
        con.register("_dup_in", _ancestor_pairs(con, np.asarray(seeds, dtype=np.int64)))
        pairs = "SELECT * FROM _dup_in"
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _dmodels AS
            WITH up AS ({pairs})
            SELECT any_value(s.model_key) AS model_key, any_value(s.id) AS model_id, any_value(s.license) AS license,
                   coalesce(list_distinct(list(dl.lineage_tag) FILTER (WHERE dl.lineage_tag IS NOT NULL)), []) AS tags
            FROM up JOIN model_licenses s ON s.uid = up.uid
            LEFT JOIN model_licenses al ON al.uid = up.anc
            LEFT JOIN _dlic dl ON dl.license = al.license
            GROUP BY up.uid
            """
        )
    finally:
        if scope is not None:
            con.unregister("_dup_in")


def _ancestor_pairs(con, seeds: np.ndarray) -> pa.Table:
    """(uid, anc): each seed with itself and every ancestor along the declared edges, over
    the integer ids in NumPy, level by level (a recursive join on the edges per level cost
    seconds at 2M models); pairs are kept once, so cycles end."""
    edges = con.execute("SELECT child_uid, parent_uid FROM edges WHERE NOT self_loop").fetchnumpy()
    child = np.asarray(edges["child_uid"], dtype=np.int64)
    parent = np.asarray(edges["parent_uid"], dtype=np.int64)
    order = np.argsort(child, kind="stable")
    child, parent = child[order], parent[order]
    seeds = np.unique(seeds)
    n = int(max(child.max(initial=-1), parent.max(initial=-1), seeds.max(initial=-1))) + 1
    indptr = np.searchsorted(child, np.arange(n + 1))
    seen = seeds * n + seeds  # sorted: seeds are
    out_seed, out_anc = [seeds], [seeds]
    front_seed, front_node = seeds, seeds
    while len(front_node):
        counts = indptr[front_node + 1] - indptr[front_node]
        total = int(counts.sum())
        if not total:
            break
        offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        at = np.repeat(indptr[front_node], counts) + offsets
        keys = np.unique(np.repeat(front_seed, counts) * n + parent[at])
        fresh = keys[~np.isin(keys, seen, assume_unique=True)]
        seen = np.union1d(seen, fresh)
        front_seed, front_node = fresh // n, fresh % n
        out_seed.append(front_seed)
        out_anc.append(front_node)
    return pa.table({"uid": pa.array(np.concatenate(out_seed), pa.int32()),
                     "anc": pa.array(np.concatenate(out_anc), pa.int32())})


#: Which rules over data each model qualifies for, as a bit per rule (in the order of the
#: layout kept in meta `data_rules_layout`), keyed by a hash of the model key: what an
#: incremental audit updates its models' rows in to count each rule's population.
DATA_QUALIFYING_DDL = "CREATE TABLE data_qualifying (key_hash UBIGINT NOT NULL, rules INTEGER NOT NULL)"


def data_scope_sql(affected: str) -> str:
    """SQL: the models whose findings over data an incremental audit redoes when the
    datasets, their licenses and the generated-by edges are unchanged: the models it
    re-judges (`affected`, a table of model keys: changed models and their descendants,
    whose own and ancestors' licenses and training data may have changed) and the models
    trained on data that an affected model generated."""
    return f"""
        SELECT model_key FROM {affected}
        UNION
        SELECT t.child_key FROM data_edges t JOIN data_edges g ON g.child_key = t.parent_key
        WHERE t.relation = 'trained-on' AND g.relation = 'generated-by'
          AND g.parent_key IN (SELECT model_key FROM {affected})
        """


def can_run_scoped(con) -> bool:
    """Whether the kept per-model populations fit the rules of this version."""
    layout = con.execute("SELECT value FROM meta WHERE key = 'data_rules_layout'").fetchall()
    exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'data_qualifying'"
                         ).fetchall()[0][0]
    return bool(exists) and bool(layout) and layout[0][0] == ",".join(r.id for r in all_data_rules())


def run_data_rules(con, kb: KnowledgeBase, scope: str | None = None, ctx: AuditContext | None = None) -> dict[str, int]:
    """Evaluate every data rule; returns findings per rule id (written in this run).

    `scope`: a table of model keys (see `data_scope_sql`) whose findings and populations
    are redone, the others' kept (see `can_run_scoped`); None redoes every model. `ctx`:
    the audit's context, whose graph gives the models' lineage tags (see _lineage_tags)."""
    rules = all_data_rules()
    if scope is not None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _dscope AS SELECT DISTINCT model_key FROM ({scope})")
        scope = "_dscope"
    _prepare(con, kb, scope, ctx)
    ids = [r.id for r in rules]
    if scope is None:
        con.execute("DELETE FROM data_findings WHERE list_contains(?, rule_id)", [ids])
        con.execute("DELETE FROM finding_templates WHERE list_contains(?, rule_id)", [ids])
        con.execute("DROP TABLE IF EXISTS data_qualifying")
        con.execute(DATA_QUALIFYING_DDL)
        con.execute("INSERT OR REPLACE INTO meta VALUES ('data_rules_layout', ?)", [",".join(ids)])
    else:
        con.execute(f"DELETE FROM data_findings WHERE list_contains(?, rule_id) AND model_key IN (SELECT model_key FROM {scope})",
                    [ids])
        con.execute(f"DELETE FROM data_qualifying WHERE key_hash IN (SELECT hash(model_key) FROM {scope})")
    written = {}
    cols = ", ".join(FINDING_COLUMNS)
    for rule in rules:
        before = con.execute("SELECT count(*) FROM data_findings WHERE rule_id = ?", [rule.id]).fetchone()[0]
        con.execute(
            f"""
            INSERT INTO data_findings BY NAME
            SELECT 'local' AS view, ? AS rule_id, ? AS label, ? AS severity, ? AS relation, NULL AS hub_relation,
                   false AS via_noncompliant, false AS possibly_incomplete, {cols}
            FROM ({rule.findings_sql()})
            """,
            [rule.id, rule.label, rule.severity, rule.relation],
        )
        if scope is None:
            con.execute("INSERT INTO finding_templates VALUES (?, ?, ?, ?, ?, ?, true)",
                        [rule.id, rule.label, rule.message, rule.remedy, rule.source[1] or None,
                         rule.source[0] or None])
        written[rule.id] = con.execute("SELECT count(*) FROM data_findings WHERE rule_id = ?",
                                       [rule.id]).fetchone()[0] - before
    # each model's populations, one bit per rule
    populations = " UNION ALL ".join(f"SELECT model_key, {1 << i} AS bit FROM ({rule.qualifying_sql()})"
                                     for i, rule in enumerate(rules))
    con.execute(f"INSERT INTO data_qualifying SELECT hash(model_key), bit_or(bit) FROM ({populations}) "
                "GROUP BY model_key")
    con.execute("DELETE FROM data_rule_counts")
    bits = ", ".join(f"count(*) FILTER (WHERE rules & {1 << i} <> 0)" for i in range(len(rules)))
    qualifying = con.execute(f"SELECT {bits} FROM data_qualifying").fetchall()[0]
    found = {r: (n, a) for r, n, a in con.execute(
        "SELECT rule_id, count(DISTINCT model_key), count(DISTINCT ancestor_id) FROM data_findings "
        "WHERE list_contains(?, rule_id) GROUP BY rule_id", [ids]).fetchall()}
    con.executemany("INSERT INTO data_rule_counts VALUES (?, ?, ?, ?, ?, ?)",
                    [[rule.id, rule.label, rule.severity, qualifying[i], *found.get(rule.id, (0, 0))]
                     for i, rule in enumerate(rules)])
    for table in ("_dlic", "_dtrained", "_dgen", "_dmodels", "_dscope"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return written
