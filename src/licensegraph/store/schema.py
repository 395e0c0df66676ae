"""Store schema and its migrations.

A migration is a list of SQL statements that moves the store from version N-1 to N; the
store applies the missing ones in order inside a transaction, so an old store file is
upgraded in place and a failed upgrade leaves it as it was.
"""

from __future__ import annotations

from licensegraph.store.ids import MODEL_IDS_DDL

SCHEMA_VERSION = 9

#: Distances below a model whose descendants `lineage_reach` counts level by level (the
#: deepest lineage graph the dashboard draws).
REACH_LEVELS = 6
#: Children per block of `child_pages`.
PAGE_BLOCK = 64
_RELATION_COUNTS = ", ".join(f"{r} INTEGER NOT NULL" for r in ("finetune", "adapter", "quantization", "merge"))

FINDING_ROWS_DDL = """
    CREATE TABLE IF NOT EXISTS finding_rows (
        view VARCHAR NOT NULL,
        rule_id VARCHAR NOT NULL,
        label VARCHAR NOT NULL,
        severity VARCHAR NOT NULL,
        model_key VARCHAR NOT NULL,
        model_id VARCHAR NOT NULL,
        relation VARCHAR,
        hub_relation VARCHAR,
        model_license VARCHAR,
        ancestor_id VARCHAR,
        ancestor_license VARCHAR,
        path VARCHAR[],
        duty VARCHAR,
        via_noncompliant BOOLEAN,
        possibly_incomplete BOOLEAN,
        detail VARCHAR,
        -- views with inferred edges: the evidence of the inferred edges the finding rests on
        inferred_evidence VARCHAR
    )
    """

EDGES_DDL = """
    CREATE TABLE IF NOT EXISTS edges (
        child_key VARCHAR NOT NULL,
        child_id VARCHAR NOT NULL,
        parent_key VARCHAR NOT NULL,
        parent_id VARCHAR NOT NULL,
        relation VARCHAR NOT NULL,
        relation_source VARCHAR NOT NULL,
        hub_relation VARCHAR,
        evidence VARCHAR,
        in_card BOOLEAN,
        in_tags BOOLEAN,
        in_lineage BOOLEAN,
        dangling BOOLEAN,
        self_loop BOOLEAN,
        in_cycle BOOLEAN DEFAULT false,
        -- the audit reads the graph as these integer pairs (store.ids)
        child_uid INTEGER,
        parent_uid INTEGER
    )
    """

MODEL_LICENSES_DDL = """
    CREATE TABLE IF NOT EXISTS model_licenses (
        model_key VARCHAR NOT NULL,
        id VARCHAR,
        deleted BOOLEAN,
        has_record BOOLEAN,
        license VARCHAR NOT NULL,
        resolution VARCHAR NOT NULL,
        license_raw VARCHAR,
        license_name VARCHAR,
        license_link VARCHAR,
        -- every declared entry, normalized (a card may list several licenses)
        licenses VARCHAR[],
        uid INTEGER  -- the model's integer id (store.ids)
    )
    """

# Parents a model does not declare, found by lineage.discovery in its name, card text or
# config files: kept apart from `edges` so the declared views never see them. `used`
# marks the parent set a `--with-inferred` audit adds (one source per child); the others
# stay as evidence.
INFERRED_EDGES_DDL = """
    CREATE TABLE IF NOT EXISTS inferred_edges (
        child_key VARCHAR NOT NULL,
        child_id VARCHAR NOT NULL,
        parent_key VARCHAR NOT NULL,
        parent_id VARCHAR NOT NULL,
        relation VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        pattern VARCHAR NOT NULL,
        matched VARCHAR,
        line INTEGER,
        confidence DOUBLE NOT NULL,
        dangling BOOLEAN NOT NULL,
        used BOOLEAN NOT NULL
    )
    """

LINEAGE_ISSUES_DDL = """
    CREATE TABLE IF NOT EXISTS lineage_issues (
        kind VARCHAR NOT NULL,
        model_key VARCHAR NOT NULL,
        model_id VARCHAR NOT NULL,
        detail VARCHAR
    )
    """

_V1 = [
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    # One row per model, keyed the way the Hub matches ids (case-insensitively); `id`
    # keeps the display form. Hub columns come from model records, lineage_* columns
    # from lineage CSV rows; each source updates only its own columns.
    """
    CREATE TABLE IF NOT EXISTS models (
        model_key VARCHAR NOT NULL,
        id VARCHAR NOT NULL,
        author VARCHAR,
        sha VARCHAR,
        created_at TIMESTAMPTZ,
        last_modified TIMESTAMPTZ,
        private BOOLEAN,
        gated VARCHAR,
        disabled BOOLEAN,
        downloads BIGINT,
        likes BIGINT,
        library_name VARCHAR,
        pipeline_tag VARCHAR,
        tags VARCHAR[],
        has_record BOOLEAN DEFAULT false,
        card_license VARCHAR[],
        license_name VARCHAR,
        license_link VARCHAR,
        card_parents VARCHAR[],
        base_model_relation VARCHAR,
        datasets VARCHAR[],
        model_name VARCHAR,
        card_error VARCHAR,
        tag_licenses VARCHAR[],
        tag_parents STRUCT(relation VARCHAR, parent VARCHAR)[],
        record_hash UBIGINT,
        record_source VARCHAR,
        lineage_week VARCHAR,
        lineage_event VARCHAR,
        lineage_type VARCHAR,
        lineage_parents VARCHAR[],
        lineage_source VARCHAR,
        deleted BOOLEAN DEFAULT false
    )
    """,
    # Typed lineage edges child -> parent, rebuilt from models by lineage.build.
    EDGES_DDL,
    # Graph problems worth reporting: self-loops, cycles, card/tag disagreements.
    LINEAGE_ISSUES_DDL,
    # Models changed by ingest since the last audit: the incremental audit re-evaluates
    # them and their descendants.
    "CREATE TABLE IF NOT EXISTS dirty_models (model_key VARCHAR NOT NULL)",
    # Normalized license per model, with the raw values beside it.
    MODEL_LICENSES_DDL,
    # Everything ingest could not take, with where and why.
    """
    CREATE TABLE IF NOT EXISTS rejects (
        file VARCHAR NOT NULL,
        line BIGINT,
        model_id VARCHAR,
        part VARCHAR NOT NULL,
        reason VARCHAR NOT NULL,
        ingested_at TIMESTAMP DEFAULT current_timestamp
    )
    """,
    # Findings of the compliance rules, one row per (view, rule row, model). Messages,
    # remedies and clause sources are computed on read by the `findings` view, which the
    # audit (re)creates from the rules' templates.
    FINDING_ROWS_DDL,
    """
    CREATE TABLE IF NOT EXISTS finding_templates (
        rule_id VARCHAR, label VARCHAR, message_sql VARCHAR, remedy_sql VARCHAR, clause VARCHAR, url VARCHAR,
        view_independent BOOLEAN
    )
    """,
    "CREATE TABLE IF NOT EXISTS duty_sources (license VARCHAR, duty VARCHAR, clause VARCHAR, url VARCHAR)",
    "CREATE TABLE IF NOT EXISTS license_kinds (license VARCHAR, work_kind VARCHAR)",
    # Per rule, view and relation: the denominator, the numerator and what was left out
    # of the denominator because a license the decision needs is not known.
    """
    CREATE TABLE IF NOT EXISTS rule_counts (
        view VARCHAR NOT NULL,
        rule_id VARCHAR NOT NULL,
        label VARCHAR NOT NULL,
        relation VARCHAR,
        hub_relation VARCHAR,
        qualifying BIGINT NOT NULL,
        noncompliant BIGINT NOT NULL,
        excluded_none BIGINT NOT NULL,
        excluded_unknown BIGINT NOT NULL,
        excluded_unresolved BIGINT NOT NULL,
        excluded_absent BIGINT NOT NULL,
        population BIGINT NOT NULL
    )
    """,
]

_V2 = [
    # Field-level warnings name the field; the record itself is kept.
    "ALTER TABLE rejects ADD COLUMN IF NOT EXISTS field VARCHAR",
    "ALTER TABLE model_licenses ADD COLUMN IF NOT EXISTS licenses VARCHAR[]",
    # model_licenses.licenses is new: derived tables must be rebuilt by the next write.
    "INSERT OR REPLACE INTO meta SELECT 'derived_state', 'stale' WHERE EXISTS (SELECT 1 FROM models)",
]

# Hidden lineage (issue 15): card text and config files beside card_data, inferred
# edges, and the evidence of findings reached through them.
_V3 = [
    "ALTER TABLE models ADD COLUMN IF NOT EXISTS card_text VARCHAR",
    "ALTER TABLE models ADD COLUMN IF NOT EXISTS configs JSON",
    INFERRED_EDGES_DDL,
    "ALTER TABLE finding_rows ADD COLUMN IF NOT EXISTS inferred_evidence VARCHAR",
]

_V4 = [
    # Per license: whether its facts await a check against the text (findings resting on
    # them say so), and the card lines that declare it (remedies quote them).
    "ALTER TABLE license_kinds ADD COLUMN IF NOT EXISTS review BOOLEAN",
    "ALTER TABLE license_kinds ADD COLUMN IF NOT EXISTS card_lines VARCHAR",
    # findings move (freedom conflicts, conversions, license_name beside an id): re-derive
    "INSERT OR REPLACE INTO meta SELECT 'derived_state', 'stale' WHERE EXISTS (SELECT 1 FROM models)",
]

# Data as upstream (issue 17): dataset records, and the edges from models to the data they
# were trained on and from datasets to the models whose outputs they hold.
DATASETS_DDL = """
    CREATE TABLE IF NOT EXISTS datasets (
        dataset_key VARCHAR NOT NULL,
        id VARCHAR NOT NULL,
        author VARCHAR,
        last_modified TIMESTAMPTZ,
        tags VARCHAR[],
        tag_licenses VARCHAR[],
        card_license VARCHAR[],
        license_name VARCHAR,
        license_link VARCHAR,
        -- the card's YAML front matter as JSON, long dataset_info/configs blocks left out
        card_json VARCHAR,
        card_text VARCHAR,
        card_error VARCHAR,
        record_hash UBIGINT,
        record_source VARCHAR
    )
    """

DATA_EDGES_DDL = """
    CREATE TABLE IF NOT EXISTS data_edges (
        child_key VARCHAR NOT NULL,
        child_id VARCHAR NOT NULL,
        child_kind VARCHAR NOT NULL,    -- model | dataset
        parent_key VARCHAR NOT NULL,
        parent_id VARCHAR NOT NULL,
        parent_kind VARCHAR NOT NULL,   -- dataset | model | external
        relation VARCHAR NOT NULL,      -- trained-on | generated-by
        source VARCHAR NOT NULL,        -- card | tags | card_fields | card_text | name
        pattern VARCHAR,
        evidence VARCHAR,
        confidence DOUBLE,
        line INTEGER,
        dangling BOOLEAN
    )
    """

DATASET_LICENSES_DDL = """
    CREATE TABLE IF NOT EXISTS dataset_licenses (
        dataset_key VARCHAR NOT NULL,
        id VARCHAR NOT NULL,
        license VARCHAR NOT NULL,
        resolution VARCHAR NOT NULL,
        license_raw VARCHAR,
        licenses VARCHAR[],
        synthetic BOOLEAN
    )
    """

DATA_RULE_COUNTS_DDL = """
    CREATE TABLE IF NOT EXISTS data_rule_counts (
        rule_id VARCHAR NOT NULL,
        label VARCHAR NOT NULL,
        severity VARCHAR NOT NULL,
        qualifying BIGINT NOT NULL,
        noncompliant BIGINT NOT NULL,
        ancestors BIGINT NOT NULL
    )
    """

_V5 = [DATASETS_DDL, DATA_EDGES_DDL, DATASET_LICENSES_DDL, DATA_RULE_COUNTS_DDL,
       # every dataset reference of a model card as given (dataset_id NULL: not a dataset id)
       "CREATE TABLE IF NOT EXISTS data_named (model_key VARCHAR, model_id VARCHAR, raw VARCHAR, source VARCHAR, "
       "dataset_id VARCHAR)",
       "INSERT OR REPLACE INTO meta SELECT 'derived_state', 'stale' WHERE EXISTS (SELECT 1 FROM models)"]
# Runs (each ingest and crawl), crawl checkpoints, and what each run changed: see store.runs.
_V6 = [
    """
    CREATE TABLE IF NOT EXISTS runs (
        run_id INTEGER PRIMARY KEY,
        kind VARCHAR NOT NULL,              -- ingest or crawl
        status VARCHAR NOT NULL,            -- running, complete, failed, abandoned
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ,
        params VARCHAR,                     -- JSON: the options the run was started with
        source VARCHAR,                     -- files ingested, or the Hub endpoint
        cursor VARCHAR,                     -- crawl: the next page to ask for
        pages BIGINT DEFAULT 0,
        records BIGINT DEFAULT 0,
        stored BIGINT DEFAULT 0,
        updated BIGINT DEFAULT 0,
        unchanged BIGINT DEFAULT 0,
        rejected BIGINT DEFAULT 0,
        deleted BIGINT DEFAULT 0,
        requests BIGINT DEFAULT 0,
        high_water TIMESTAMPTZ,             -- crawl: newest lastModified listed
        checkpoint TIMESTAMPTZ,             -- crawl: where the next incremental crawl may stop
        listing_done BOOLEAN DEFAULT false,
        stop_reason VARCHAR,                -- crawl: end of listing, checkpoint or limit
        error VARCHAR
    )
    """,
    # Models a crawl run listed or fetched (a --full crawl confirms the others by 404).
    "CREATE TABLE IF NOT EXISTS crawl_seen (run_id INTEGER NOT NULL, model_key VARCHAR NOT NULL)",
    # Deletion candidates a --full crawl has asked the Hub about, and what it answered.
    "CREATE TABLE IF NOT EXISTS crawl_checked (run_id INTEGER NOT NULL, model_key VARCHAR NOT NULL, outcome VARCHAR NOT NULL)",
    """
    CREATE TABLE IF NOT EXISTS run_changes (
        run_id INTEGER NOT NULL,
        entity VARCHAR NOT NULL,            -- model, edge, finding
        key VARCHAR NOT NULL,
        model_id VARCHAR NOT NULL,
        related_id VARCHAR,                 -- edge: the parent; finding: the ancestor
        relation VARCHAR,
        view VARCHAR,
        rule_id VARCHAR,
        label VARCHAR,
        severity VARCHAR,
        before_present BOOLEAN NOT NULL,
        after_present BOOLEAN NOT NULL,
        before_value VARCHAR,               -- model: its license
        after_value VARCHAR
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS run_rule_counts (
        run_id INTEGER NOT NULL,
        view VARCHAR NOT NULL, rule_id VARCHAR NOT NULL, label VARCHAR NOT NULL,
        relation VARCHAR, hub_relation VARCHAR,
        qualifying BIGINT NOT NULL, noncompliant BIGINT NOT NULL, excluded_none BIGINT NOT NULL,
        excluded_unknown BIGINT NOT NULL, excluded_unresolved BIGINT NOT NULL, excluded_absent BIGINT NOT NULL,
        population BIGINT NOT NULL
    )
    """,
    # The state at the end of the last finished run, which the next run is diffed against.
    """CREATE TABLE IF NOT EXISTS snap_models (
        model_key VARCHAR NOT NULL, id VARCHAR, license VARCHAR, deleted BOOLEAN)""",
    """CREATE TABLE IF NOT EXISTS snap_edges (
        child_key VARCHAR NOT NULL, child_id VARCHAR, parent_key VARCHAR NOT NULL, parent_id VARCHAR,
        relation VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS snap_findings (
        view VARCHAR NOT NULL, rule_id VARCHAR NOT NULL, label VARCHAR NOT NULL, model_key VARCHAR NOT NULL,
        model_id VARCHAR, ancestor_id VARCHAR, severity VARCHAR)""",
    # A store that predates runs starts from what it holds, so its first run reports only
    # what that run changed.
    "INSERT INTO snap_models SELECT model_key, id, license, coalesce(deleted, false) FROM model_licenses",
    "INSERT INTO snap_edges SELECT child_key, child_id, parent_key, parent_id, relation FROM edges",
    """INSERT INTO snap_findings SELECT view, rule_id, label, model_key, any_value(model_id), any_value(ancestor_id),
       any_value(severity) FROM finding_rows GROUP BY ALL""",
]


# Reach of each model down the lineage graph, its children in pages, and the children with
# a violation (lineage.reach): the dashboard reads big families from them.
LINEAGE_REACH_DDL = f"""
    CREATE TABLE IF NOT EXISTS lineage_reach (
        model_key VARCHAR NOT NULL,
        model_id VARCHAR NOT NULL,
        children INTEGER NOT NULL,
        {_RELATION_COUNTS},
        descendants BIGINT NOT NULL,
        levels INTEGER[] NOT NULL  -- levels[i]: distinct descendants at shortest distance i
    )
"""
CHILD_PAGES_DDL = """
    CREATE TABLE IF NOT EXISTS child_pages (
        block VARCHAR NOT NULL,
        pos INTEGER NOT NULL,        -- 0-based position among the parent's children (of the relation)
        child_key VARCHAR NOT NULL,
        child_id VARCHAR NOT NULL,
        relation VARCHAR NOT NULL
    )
"""
NONCOMPLIANT_CHILDREN_DDL = """
    CREATE TABLE IF NOT EXISTS noncompliant_children (
        view VARCHAR NOT NULL,
        parent_key VARCHAR NOT NULL,
        child_key VARCHAR NOT NULL,
        child_id VARCHAR NOT NULL,
        relation VARCHAR NOT NULL
    )
"""

_V7 = [LINEAGE_REACH_DDL, CHILD_PAGES_DDL, NONCOMPLIANT_CHILDREN_DDL,
       "INSERT OR REPLACE INTO meta SELECT 'derived_state', 'stale' WHERE EXISTS (SELECT 1 FROM models)"]

# Integer identity (issue 14): a dense uid per model key ever met, numbered here by key for
# a store that predates it; the audit reads licenses and edges by uid (store.ids).
_V8 = [
    MODEL_IDS_DDL,
    """INSERT INTO model_ids
       SELECT (row_number() OVER (ORDER BY model_key) - 1)::INTEGER, model_key FROM (
         SELECT model_key FROM models UNION SELECT parent_key FROM edges
         UNION SELECT parent_key FROM inferred_edges) k
       WHERE NOT EXISTS (SELECT 1 FROM model_ids)""",
    "INSERT OR REPLACE INTO meta SELECT 'next_uid', (SELECT count(*) FROM model_ids)::VARCHAR",
    "ALTER TABLE model_licenses ADD COLUMN IF NOT EXISTS uid INTEGER",
    "UPDATE model_licenses SET uid = i.uid FROM model_ids i WHERE i.model_key = model_licenses.model_key",
    "ALTER TABLE edges ADD COLUMN IF NOT EXISTS child_uid INTEGER",
    "ALTER TABLE edges ADD COLUMN IF NOT EXISTS parent_uid INTEGER",
    "UPDATE edges SET child_uid = i.uid FROM model_ids i WHERE i.model_key = edges.child_key",
    "UPDATE edges SET parent_uid = i.uid FROM model_ids i WHERE i.model_key = edges.parent_key",
]

# What the Hub answered for each dataset a `crawl --datasets` run asked about (a dataset may
# appear again in a resumed run after an error): see sources.hub_datasets.
_V9 = [
    """
    CREATE TABLE IF NOT EXISTS dataset_fetches (
        run_id INTEGER NOT NULL,
        dataset_key VARCHAR NOT NULL,
        dataset_id VARCHAR NOT NULL,
        outcome VARCHAR NOT NULL,           -- fetched, not-found, no-access, error, renamed
        status INTEGER,                     -- the HTTP status that decided it
        reason VARCHAR,
        fetched_at TIMESTAMPTZ NOT NULL
    )
    """,
]

MIGRATIONS: dict[int, list[str]] = {1: _V1, 2: _V2, 3: _V3, 4: _V4, 5: _V5, 6: _V6, 7: _V7, 8: _V8, 9: _V9}
