"""Data as upstream: `trained-on` edges model -> dataset and `generated-by` edges
dataset -> the models whose outputs it holds, in `data_edges`, apart from weight lineage.

`trained-on` comes from the model card's `datasets:` and the `dataset:<id>` tags
(vectorized SQL over every model); a dataset the store has no record of is a dangling
reference, counted like a dangling parent. `generated-by` comes from the dataset records'
cards (lineage.discovery.outputs; datasets are few beside models, so this is per dataset).
"""

from __future__ import annotations

from licensegraph.lineage.discovery.evidence import evidence_table
from licensegraph.lineage.discovery.outputs import find_generators
from licensegraph.store.db import Store, transaction
from licensegraph.store.schema import DATA_EDGES_DDL

TRAINED_ON = "trained-on"
GENERATED_BY = "generated-by"
DATA_RELATIONS = (TRAINED_ON, GENERATED_BY)

# A card `datasets:` entry -> a Hub dataset id: URLs lose the host and `datasets/`, then
# the first two path segments; anything else that is not a repo id (free text) is NULL.
_HUB = r"^(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/(?:datasets/)?"
_DATASET_ID = r"^[A-Za-z0-9][\w.\-]{0,95}(?:/[A-Za-z0-9][\w.\-]{0,95})?$"


def dataset_id_sql(expr: str) -> str:
    """SQL: a named dataset (card entry or tag value) -> its Hub id, or NULL."""
    stripped = f"regexp_replace(trim({expr}), '{_HUB}', '', 'i')"
    two = f"array_to_string(list_slice(list_filter(string_split({stripped}, '/'), lambda s: s <> ''), 1, 2), '/')"
    return f"CASE WHEN regexp_full_match({two}, '{_DATASET_ID}') THEN {two} END"


def datasets_state(con) -> str:
    """A fingerprint of the dataset records (what data edges and dataset licenses read of
    them): when it is unchanged, the tables derived from datasets need no rebuild."""
    count, total = con.execute(
        "SELECT count(*), coalesce(sum(hash(dataset_key, id, tags, tag_licenses, card_license, license_name, "
        "license_link, card_json, card_text)), 0) FROM datasets").fetchall()[0]
    return f"{count}:{total}"


def build_data_edges(store: Store, incremental: bool = True) -> None:
    """(Re)build `data_edges` and the `data_named` list of every dataset reference.

    When the dataset records are those of the last build and few models changed since the
    last audit (dirty_models), only those models' references are redone, plus the
    generated-by edges that name one of them; otherwise both tables are rebuilt."""
    con = store.con
    state = datasets_state(con)
    partial = (incremental and store.get_meta("data_edges_datasets") == state
               and store.few_changed(store.scalar("SELECT count(*) FROM models")))
    with transaction(con):
        if partial:
            _build_partial(store)
        else:
            _build_full(store)
        store.set_meta("data_edges_datasets", state)


def _named_sql(scope: str) -> str:
    """Every dataset reference of the models (`scope`: an extra filter), as given, with its
    normalized id (NULL: not a dataset id)."""
    return f"""
        SELECT model_key, id AS model_id, raw, source, {dataset_id_sql('raw')} AS dataset_id
        FROM (
          SELECT model_key, id, unnest(datasets) AS raw, 'card' AS source
          FROM models WHERE has_record AND len(datasets) > 0 {scope}
          UNION ALL
          SELECT model_key, id, substr(t, 9) AS raw, 'tags' AS source
          FROM (SELECT model_key, id, unnest(tags) AS t FROM models WHERE has_record {scope})
          WHERE starts_with(t, 'dataset:')
        )
        """


def _trained_on_sql(scope: str) -> str:
    return f"""
        INSERT INTO data_edges
        SELECT n.model_key, any_value(n.model_id), 'model', lower(n.dataset_id),
               coalesce(any_value(d.id), any_value(n.dataset_id)), 'dataset', 'trained-on',
               CASE WHEN bool_or(n.source = 'card') THEN 'card' ELSE 'tags' END,
               CASE WHEN bool_or(n.source = 'card') THEN 'card datasets:' ELSE 'tag dataset:<id>' END,
               string_agg(DISTINCT n.raw, ', '), 1.0, NULL,
               any_value(d.dataset_key) IS NULL
        FROM data_named n LEFT JOIN datasets d ON d.dataset_key = lower(n.dataset_id)
        WHERE n.dataset_id IS NOT NULL {scope}
        GROUP BY n.model_key, lower(n.dataset_id)
        """


def _build_full(store: Store) -> None:
    con = store.con
    con.execute(f"CREATE OR REPLACE TABLE data_named AS {_named_sql('')}")
    con.execute("DROP TABLE IF EXISTS data_edges")
    con.execute(DATA_EDGES_DDL)
    con.execute(_trained_on_sql(""))
    _insert_generated(store, "SELECT dataset_key, id, card_json, tags, card_text FROM datasets")
    # explain looks a model's training data up by child: without this index every call
    # scans all data edges (25 ms on a 2M-model store)
    con.execute("CREATE INDEX data_edges_child ON data_edges (child_key)")


def _build_partial(store: Store) -> None:
    con = store.con
    dirty = "AND model_key IN (SELECT model_key FROM dirty_models)"
    con.execute(f"DELETE FROM data_named WHERE true {dirty}")
    con.execute(f"INSERT INTO data_named BY NAME {_named_sql(dirty)}")
    con.execute("DELETE FROM data_edges WHERE relation = 'trained-on' AND child_key IN (SELECT model_key FROM dirty_models)")
    con.execute(_trained_on_sql("AND n.model_key IN (SELECT model_key FROM dirty_models)"))
    # a generated-by edge reads the model it names (its display id, whether it is stored):
    # the datasets naming a changed model are read again
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _gen_redo AS
        SELECT DISTINCT child_key AS dataset_key FROM data_edges
        WHERE relation = 'generated-by' AND parent_key IN (SELECT model_key FROM dirty_models)
        """
    )
    if con.execute("SELECT count(*) FROM _gen_redo").fetchall()[0][0]:
        con.execute("DELETE FROM data_edges WHERE relation = 'generated-by' AND child_key IN (SELECT dataset_key FROM _gen_redo)")
        _insert_generated(store, "SELECT dataset_key, id, card_json, tags, card_text FROM datasets "
                                 "WHERE dataset_key IN (SELECT dataset_key FROM _gen_redo)")
    con.execute("DROP TABLE _gen_redo")


def _insert_generated(store: Store, datasets_sql: str) -> None:
    """generated-by edges of the datasets `datasets_sql` selects (key, id, card_json, tags, card_text)."""
    con = store.con
    rows = con.execute(datasets_sql).fetchall()
    con.register("_generated", evidence_table(
        (key, did, ev) for key, did, card_json, tags, text in rows for ev in find_generators(did, card_json, tags, text)))
    try:
        con.execute(
            """
            INSERT INTO data_edges
            SELECT g.child_key, g.child_id, 'dataset', lower(g.parent_id), coalesce(m.id, g.parent_id),
                   CASE WHEN contains(g.parent_id, ':') THEN 'external' ELSE 'model' END, 'generated-by',
                   g.source, g.pattern, g.matched, g.confidence, g.line,
                   NOT contains(g.parent_id, ':') AND m.model_key IS NULL
            FROM _generated g LEFT JOIN models m ON m.model_key = lower(g.parent_id) AND m.has_record
            """
        )
    finally:
        con.unregister("_generated")
