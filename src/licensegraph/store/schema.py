"""Store schema and its migrations.

A migration is a list of SQL statements that moves the store from version N-1 to N; the
store applies the missing ones in order inside a transaction, so an old store file is
upgraded in place and a failed upgrade leaves it as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from licensegraph.store.ids import MODEL_IDS_DDL

SCHEMA_VERSION = 11


@dataclass(frozen=True)
class Moves:
    """A migration step that only carries rows an older store holds into the new shape (or
    marks them for re-derivation). A new store's tables are empty, so it would change
    nothing there: `Store` creates a new store by every other step, in one transaction."""

    step: str | Callable


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
    Moves("INSERT OR REPLACE INTO meta SELECT 'derived_state', 'stale' WHERE EXISTS (SELECT 1 FROM models)"),
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
    Moves("INSERT OR REPLACE INTO meta SELECT 'derived_state', 'stale' WHERE EXISTS (SELECT 1 FROM models)"),
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
       Moves("INSERT OR REPLACE INTO meta SELECT 'derived_state', 'stale' WHERE EXISTS (SELECT 1 FROM models)")]
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
    Moves("INSERT INTO snap_models SELECT model_key, id, license, coalesce(deleted, false) FROM model_licenses"),
    Moves("INSERT INTO snap_edges SELECT child_key, child_id, parent_key, parent_id, relation FROM edges"),
    Moves("""INSERT INTO snap_findings SELECT view, rule_id, label, model_key, any_value(model_id), any_value(ancestor_id),
       any_value(severity) FROM finding_rows GROUP BY ALL"""),
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
       Moves("INSERT OR REPLACE INTO meta SELECT 'derived_state', 'stale' WHERE EXISTS (SELECT 1 FROM models)")]

# Integer identity (issue 14): a dense uid per model key ever met, numbered here by key for
# a store that predates it; the audit reads licenses and edges by uid (store.ids).
_V8 = [
    MODEL_IDS_DDL,
    Moves("""INSERT INTO model_ids
       SELECT (row_number() OVER (ORDER BY model_key) - 1)::INTEGER, model_key FROM (
         SELECT model_key FROM models UNION SELECT parent_key FROM edges
         UNION SELECT parent_key FROM inferred_edges) k
       WHERE NOT EXISTS (SELECT 1 FROM model_ids)"""),
    "INSERT OR REPLACE INTO meta SELECT 'next_uid', (SELECT count(*) FROM model_ids)::VARCHAR",
    "ALTER TABLE model_licenses ADD COLUMN IF NOT EXISTS uid INTEGER",
    Moves("UPDATE model_licenses SET uid = i.uid FROM model_ids i WHERE i.model_key = model_licenses.model_key"),
    "ALTER TABLE edges ADD COLUMN IF NOT EXISTS child_uid INTEGER",
    "ALTER TABLE edges ADD COLUMN IF NOT EXISTS parent_uid INTEGER",
    Moves("UPDATE edges SET child_uid = i.uid FROM model_ids i WHERE i.model_key = edges.child_key"),
    Moves("UPDATE edges SET parent_uid = i.uid FROM model_ids i WHERE i.model_key = edges.parent_key"),
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

# Findings as compact facts (issue 14): one row of integers per (view, rule row, model) in
# `finding_facts`; names, licenses, rule ids and paths are joined in on read (the
# `finding_rows` view, store.findings_view). Rows of rules that are a pure function of the
# model's own license are not stored at all: they are listed from `model_outcomes`
# (`outcome_findings` says which outcome column). Rules over data keep their wide rows
# (few, and their ancestors are datasets) in `data_findings`.
# The small codes are stored uncompressed: compressing them cost a third of a full audit's
# insert (2M store, 0.58M rows: 0.41 -> 0.27-0.32 s CPU; 5 -> 10 MiB on disk). Only the
# layout on disk differs: an older store's table is recreated so by its next full audit.
FINDING_FACTS_DDL = """
    CREATE TABLE IF NOT EXISTS finding_facts (
        view TINYINT USING COMPRESSION uncompressed NOT NULL,      -- index into vocab.ALL_VIEWS
        kind SMALLINT USING COMPRESSION uncompressed NOT NULL,     -- finding_kinds.kind: (rule_id, label)
        uid INTEGER NOT NULL,           -- the model (model_ids.uid)
        rel TINYINT USING COMPRESSION uncompressed NOT NULL,       -- relation * 6 + hub relation (findings_view.REL_NAMES)
        lic SMALLINT USING COMPRESSION uncompressed,               -- the model's license (license_codes.code)
        anc INTEGER,                    -- the ancestor that imposes the duty (uid), if any
        anc_lic SMALLINT USING COMPRESSION uncompressed,           -- the ancestor's license (license_codes.code)
        via INTEGER[],                  -- the path's inner nodes, model and ancestor excluded (NULL: none)
        flags TINYINT USING COMPRESSION uncompressed NOT NULL,     -- 1 warning, 2 via a noncompliant ancestor, 4 possibly incomplete
        detail VARCHAR,
        inferred_evidence VARCHAR
    )
    """
FINDING_KINDS_DDL = """
    CREATE TABLE IF NOT EXISTS finding_kinds (
        kind SMALLINT NOT NULL, rule_id VARCHAR NOT NULL, label VARCHAR NOT NULL, severity VARCHAR NOT NULL,
        duty VARCHAR)
    """
LICENSE_CODES_DDL = "CREATE TABLE IF NOT EXISTS license_codes (code SMALLINT NOT NULL, license VARCHAR NOT NULL)"
OUTCOME_FINDINGS_DDL = """
    CREATE TABLE IF NOT EXISTS outcome_findings (
        view TINYINT NOT NULL, kind SMALLINT NOT NULL,
        word SMALLINT NOT NULL, shift SMALLINT NOT NULL)  -- the outcome code: (w{word} >> shift) & 7
    """
DATA_FINDINGS_DDL = FINDING_ROWS_DDL.replace("finding_rows", "data_findings")

_VIEW_CODE = ("CASE f.view WHEN 'local' THEN 0 WHEN 'effective' THEN 1 WHEN 'local+inferred' THEN 2 "
              "WHEN 'effective+inferred' THEN 3 END")
_REL_CODE = ("(CASE {c} WHEN 'finetune' THEN 0 WHEN 'adapter' THEN 1 WHEN 'quantization' THEN 2 WHEN 'merge' THEN 3 "
             "WHEN 'unlabelled' THEN 4 ELSE 5 END)")

def _v10_outcomes(con) -> None:
    """Outcomes keyed by uid (were: by a hash of the key), with the license each model was
    judged under: unknown here, so no finding is listed from them until a full audit."""
    if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'model_outcomes'"
                       ).fetchall()[0][0]:
        return
    con.execute("""CREATE TABLE _v10_outcomes AS
                   SELECT i.uid, NULL::SMALLINT AS lic, o.* EXCLUDE (key_hash)
                   FROM model_outcomes o JOIN model_ids i ON hash(i.model_key) = o.key_hash ORDER BY i.uid""")
    con.execute("DROP TABLE model_outcomes")
    con.execute("ALTER TABLE _v10_outcomes RENAME TO model_outcomes")


def _v10_views(con) -> None:
    from licensegraph.store.findings_view import refresh_findings_view

    refresh_findings_view(con)


_V10: list = [
    FINDING_FACTS_DDL, FINDING_KINDS_DDL, LICENSE_CODES_DDL, OUTCOME_FINDINGS_DDL, DATA_FINDINGS_DDL,
    # the rules' pair matrices over the knowledge base's licenses, kept for the next audit
    # (rules.base.pair_matrix); `fingerprint` names the knowledge base and the code
    "CREATE TABLE IF NOT EXISTS kb_matrices (fingerprint VARCHAR NOT NULL, key VARCHAR NOT NULL, bits BLOB NOT NULL)",
    # rules over data: every rule that has counts in data_rule_counts
    Moves("""INSERT INTO data_findings SELECT * FROM finding_rows
       WHERE rule_id IN (SELECT rule_id FROM data_rule_counts)"""),
    Moves("""INSERT INTO license_codes
       SELECT (row_number() OVER (ORDER BY license) - 1)::SMALLINT, license FROM (
         SELECT model_license AS license FROM finding_rows UNION SELECT ancestor_license FROM finding_rows) l
       WHERE license IS NOT NULL"""),
    Moves("""INSERT INTO finding_kinds
       SELECT (row_number() OVER (ORDER BY rule_id, label) - 1)::SMALLINT, rule_id, label,
              coalesce(any_value(severity) FILTER (WHERE severity <> 'warning'), 'warning'), any_value(duty)
       FROM finding_rows WHERE rule_id NOT IN (SELECT rule_id FROM data_rule_counts) GROUP BY rule_id, label"""),
    # the inner nodes of each path, as uids
    Moves("""CREATE TEMP TABLE _v10_via AS
       SELECT rid, list(i.uid ORDER BY step) AS via FROM (
         SELECT f.rowid AS rid, s.step, lower(f.path[s.step]) AS key
         FROM finding_rows f, LATERAL (SELECT unnest(range(2, len(f.path))) AS step) s
         WHERE len(f.path) > 2) p
       JOIN model_ids i ON i.model_key = p.key GROUP BY rid"""),
    Moves(f"""INSERT INTO finding_facts
       SELECT {_VIEW_CODE}, k.kind, m.uid, ({_REL_CODE.format(c='f.relation')} * 6
                + {_REL_CODE.format(c='f.hub_relation')})::TINYINT,
              ml.code, a.uid, al.code, v.via,
              ((f.severity = 'warning' AND k.severity <> 'warning')::INTEGER
               + 2 * coalesce(f.via_noncompliant, false)::INTEGER
               + 4 * coalesce(f.possibly_incomplete, false)::INTEGER)::TINYINT,
              f.detail, f.inferred_evidence
       FROM finding_rows f
       JOIN finding_kinds k ON k.rule_id = f.rule_id AND k.label = f.label
       JOIN model_ids m ON m.model_key = f.model_key
       LEFT JOIN model_ids a ON a.model_key = lower(f.ancestor_id)
       LEFT JOIN license_codes ml ON ml.license = f.model_license
       LEFT JOIN license_codes al ON al.license = f.ancestor_license
       LEFT JOIN _v10_via v ON v.rid = f.rowid
       ORDER BY k.kind, f.view, m.uid"""),
    Moves("DROP TABLE _v10_via"),
    "DROP VIEW IF EXISTS findings",
    "DROP TABLE finding_rows",
    Moves(_v10_outcomes),
    _v10_views,
]

# The uids of the models in dirty_models, kept beside it by licenses.normalize (in the
# transaction that marks derived state fresh): an incremental audit starts from them
# without joining the changed keys against every model's key (0.1-0.15 s at 2M models).
DIRTY_UIDS_DDL = "CREATE TABLE IF NOT EXISTS dirty_uids (uid INTEGER NOT NULL)"
_V11: list = [
    DIRTY_UIDS_DDL,
    Moves("INSERT INTO dirty_uids SELECT DISTINCT i.uid FROM dirty_models d JOIN model_ids i USING (model_key)"),
]

MIGRATIONS: dict[int, list] = {1: _V1, 2: _V2, 3: _V3, 4: _V4, 5: _V5, 6: _V6, 7: _V7, 8: _V8, 9: _V9,
                                    10: _V10, 11: _V11}
