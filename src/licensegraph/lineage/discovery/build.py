"""Build `inferred_edges`: parents the store's models do not declare, with their evidence.

Runs after `build_lineage`, over the models that declare no parent at all (no edge in
`edges`): names over every known id in one SQL pass, card text and config files for the
models that carry them. Every evidence row is kept; per child one source's parents are
`used` by a `--with-inferred` audit: config files and card text (as `discover` chooses)
before names, and a config.json `_name_or_path` only when that model is in the store.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pyarrow as pa

from licensegraph.lineage.discovery import discover
from licensegraph.lineage.discovery.evidence import ParentEvidence, evidence_table
from licensegraph.lineage.discovery.names import infer_parents_sql
from licensegraph.store.db import Store, transaction
from licensegraph.store.schema import INFERRED_EDGES_DDL

# Relations an audit understands; a name's `conversion` (same weights, another format)
# is judged as a quantization is, and the evidence keeps the word.
_AUDIT_RELATION = {"conversion": "quantization"}


def inference_inputs(con) -> str:
    """A fingerprint of what name inference reads of the whole store: every model's key, id
    and dates (the known models, who is newer) and the declared edges (children and
    dangling parents, popularity, siblings, accounts' habits). While it holds, only a
    changed model's card text and config files can change what is inferred."""
    models = con.execute("SELECT count(*), coalesce(sum(hash(model_key, id, created_at, lineage_week)), 0) "
                         "FROM models").fetchall()[0]
    edges = con.execute("SELECT count(*), coalesce(sum(hash(child_key, parent_key, parent_id, dangling, self_loop)), 0) "
                        "FROM edges").fetchall()[0]
    return ":".join(str(v) for v in (*models, *edges))


def build_inferred_edges(store: Store, incremental: bool = True) -> dict[str, int]:
    """(Re)build `inferred_edges`; returns counts per source (and `refused`).

    When it was built before over the same known models and declared edges (see
    `inference_inputs`) and few models changed since the last audit (dirty_models), only
    the card text and config files of those models are read again (what names infer is
    the same); otherwise everything is redone."""
    con = store.con
    inputs = inference_inputs(con)
    partial = (incremental and store.get_meta("inferred_built") == "1"
               and store.get_meta("inferred_inputs") == inputs
               and store.few_changed(store.scalar("SELECT count(*) FROM models")))
    with transaction(con):
        if partial:
            refused = int(store.get_meta("inferred_refused") or 0)
            _build_partial(store)
        else:
            refused = _build_full(store)
        store.set_meta("inferred_refused", str(refused))
        store.set_meta("inferred_inputs", inputs)
        store.set_meta("inferred_built", "1")
        counts = dict(con.execute("SELECT source, count(*) FROM inferred_edges GROUP BY source").fetchall())
    counts["refused"] = refused
    return counts


def _children_sql(scope: str) -> str:
    return f"""
        CREATE OR REPLACE TEMP TABLE _disc_children AS
        SELECT m.model_key, m.id,
               coalesce(m.created_at, try_cast(m.lineage_week AS TIMESTAMPTZ)) AS created
        FROM models m
        WHERE NOT EXISTS (SELECT 1 FROM edges e WHERE e.child_key = m.model_key AND NOT e.self_loop) {scope}
        """


def _build_full(store: Store) -> int:
    """Every model's inferred parents; returns how many names were refused."""
    con = store.con
    con.execute(_children_sql(""))
    con.execute(
        """
        CREATE OR REPLACE TEMP VIEW _disc_known AS
        SELECT model_key, id, coalesce(created_at, try_cast(lineage_week AS TIMESTAMPTZ)) AS created,
               NULL::BIGINT AS popularity
        FROM models
        UNION ALL
        SELECT parent_key, any_value(parent_id), NULL, NULL FROM edges WHERE dangling GROUP BY parent_key
        """
    )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW _disc_declared AS SELECT child_key, parent_key FROM edges WHERE NOT self_loop"
    )
    infer_parents_sql(con, "_disc_children", "_disc_known", declared="_disc_declared", out="_disc_names")
    refused = int(con.execute("SELECT count(*) FROM _disc_names_refused").fetchone()[0])  # type: ignore[index]
    conversion = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in _AUDIT_RELATION.items())
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _disc_name_rows AS
        SELECT child_key, child_id, parent_key, parent_id,
               CASE relation {conversion} ELSE relation END AS relation,
               'name' AS source,
               CASE WHEN relation = 'conversion' THEN 'conversion: ' ELSE '' END || pattern AS pattern,
               stem AS matched, NULL::INTEGER AS line, confidence
        FROM _disc_names
        """
    )
    con.execute("DROP TABLE IF EXISTS inferred_edges")
    con.execute(INFERRED_EDGES_DDL)
    _insert(store)
    for table in ("_disc_names", "_disc_names_refused"):
        con.execute(f"DROP TABLE {table}")
    con.execute("DROP VIEW _disc_known")
    con.execute("DROP VIEW _disc_declared")
    return refused


def _build_partial(store: Store) -> None:
    """The changed models' rows again: their names infer what they did (the known models
    and declared edges are the same), their card text and config files are read again."""
    con = store.con
    con.execute(_children_sql("AND m.model_key IN (SELECT model_key FROM dirty_models)"))
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _disc_name_rows AS
        SELECT child_key, child_id, parent_key, parent_id, relation, source, pattern, matched, line, confidence
        FROM inferred_edges
        WHERE source = 'name' AND child_key IN (SELECT model_key FROM _disc_children)
        """
    )
    con.execute("DELETE FROM inferred_edges WHERE child_key IN (SELECT model_key FROM dirty_models)")
    _insert(store)


def _insert(store: Store) -> None:
    """Insert the name rows (`_disc_name_rows`) and the text and config rows of the children
    in `_disc_children`, choosing per child the source in use."""
    con = store.con
    con.register("_disc_rows", _text_and_config_rows(store))
    try:
        con.execute(
            """
            INSERT INTO inferred_edges
            WITH all_rows AS (
              SELECT *, false AS primary_choice FROM _disc_name_rows
              UNION ALL
              SELECT child_key, child_id, lower(parent_id), parent_id, relation, source, pattern, matched, line,
                     confidence, true FROM _disc_rows
            )
            SELECT a.child_key, a.child_id, a.parent_key, coalesce(pm.id, a.parent_id), a.relation, a.source,
                   a.pattern, a.matched, a.line, a.confidence, pm.model_key IS NULL AS dangling,
                   -- one source per child: text/configs when they named a usable parent, else the name
                   CASE WHEN a.primary_choice THEN NOT (a.pattern LIKE 'config.json%' AND pm.model_key IS NULL)
                        ELSE NOT EXISTS (
                          SELECT 1 FROM _disc_rows r LEFT JOIN models rm ON rm.model_key = lower(r.parent_id)
                          WHERE r.child_key = a.child_key
                            AND NOT (r.pattern LIKE 'config.json%' AND rm.model_key IS NULL)) END AS used
            FROM all_rows a LEFT JOIN models pm ON pm.model_key = a.parent_key
            WHERE a.parent_key <> a.child_key
            ORDER BY a.child_key, a.source, a.parent_key
            """
        )
    finally:
        con.unregister("_disc_rows")
    con.execute("DROP TABLE _disc_name_rows")
    con.execute("DROP TABLE _disc_children")


def _text_and_config_rows(store: Store) -> pa.Table:
    """Evidence rows from card text and config files of the children in `_disc_children`.

    One Python pass per model that carries text or configs: regexes and a YAML parse do
    not vectorize, and only models that declare no parent and came with text get here."""
    cursor = store.con.execute(
        """
        SELECT m.model_key, m.id, m.card_text, CAST(m.configs AS VARCHAR)
        FROM models m JOIN _disc_children c USING (model_key)
        WHERE m.card_text IS NOT NULL OR m.configs IS NOT NULL
        """
    )

    def found() -> Iterator[tuple[str, str, ParentEvidence]]:
        while batch := cursor.fetchmany(10_000):
            for key, model_id, text, configs in batch:
                parsed = json.loads(configs) if configs else None
                for ev in discover(model_id, card_text=text, configs=parsed if isinstance(parsed, dict) else None):
                    yield key, model_id, ev

    return evidence_table(found())
