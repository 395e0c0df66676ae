"""Hub model records (JSONL, JSONL.gz, Parquet) -> a staged table shaped like `models`.

The heavy lifting is DuckDB's: JSON is validated and shredded in SQL, a batch at a time.
Python touches a record only to parse YAML card text, which DuckDB cannot.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa

from licensegraph.sources.card import CardError, normalize_model_id_sql, yaml_to_slim_json
from licensegraph.sources.files import LineReader, ProgressFn

# Field names as huggingface_hub's ModelInfo has them, with the API's camelCase spellings.
_RECORD_STRUCT = json.dumps(
    {
        "id": "VARCHAR",
        "modelId": "VARCHAR",
        "author": "VARCHAR",
        "sha": "VARCHAR",
        "created_at": "VARCHAR",
        "createdAt": "VARCHAR",
        "last_modified": "VARCHAR",
        "lastModified": "VARCHAR",
        "private": "BOOLEAN",
        "gated": "VARCHAR",
        "disabled": "BOOLEAN",
        "downloads": "BIGINT",
        "likes": "BIGINT",
        "library_name": "VARCHAR",
        "pipeline_tag": "VARCHAR",
        "tags": "VARCHAR[]",
        "card_data": "JSON",
        "cardData": "JSON",
    }
)
_CARD_STRUCT = json.dumps(
    {
        "license": "JSON",
        "license_name": "JSON",
        "license_link": "JSON",
        "base_model": "JSON",
        "base_model_relation": "JSON",
        "datasets": "JSON",
        "model_name": "JSON",
    }
)

STAGE_COLUMNS = (
    "line, model_key, id, author, sha, created_at, last_modified, private, gated, disabled, "
    "downloads, likes, library_name, pipeline_tag, tags, card_license, license_name, "
    "license_link, card_parents, base_model_relation, datasets, model_name, card_error, "
    "tag_licenses, tag_parents, record_hash"
)


def _as_list_sql(expr: str) -> str:
    """A JSON value that may be a string or a list of strings -> VARCHAR[] (NULL if absent)."""
    return (
        f"CASE WHEN {expr} IS NULL THEN NULL ELSE CASE json_type({expr}) "
        f"WHEN 'ARRAY' THEN list_transform(CAST(json_extract({expr}, '$[*]') AS JSON[]), "
        f"lambda v: CASE WHEN json_type(v) = 'VARCHAR' THEN v->>'$' ELSE CAST(v AS VARCHAR) END) "
        f"WHEN 'NULL' THEN NULL "
        f"WHEN 'VARCHAR' THEN [{expr}->>'$'] "
        f"ELSE [CAST({expr} AS VARCHAR)] END END"
    )


def _as_text_sql(expr: str) -> str:
    return (
        f"CASE json_type({expr}) WHEN 'VARCHAR' THEN {expr}->>'$' WHEN 'NULL' THEN NULL "
        f"WHEN 'ARRAY' THEN {expr}->>'$[0]' ELSE CAST({expr} AS VARCHAR) END"
    )


def _parse_chunk(texts: list[str]) -> tuple[list, list]:
    out, errors = [], []
    for text in texts:
        try:
            out.append(yaml_to_slim_json(text))
            errors.append(None)
        except CardError as exc:
            out.append(None)
            errors.append(str(exc))
    return out, errors


PARALLEL_YAML_MIN = 20_000  # below this, starting workers costs more than it saves


def parse_yaml_cards(texts: list[str]) -> tuple[list, list]:
    """YAML card texts -> (slim JSON or None, error or None) per card.

    YAML is the one per-record Python step of ingest; large batches are spread over the
    machine's cores (forked workers, so nothing is re-imported)."""
    import multiprocessing
    import os

    workers = os.cpu_count() or 1
    if len(texts) < PARALLEL_YAML_MIN or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return _parse_chunk(texts)
    size = -(-len(texts) // (workers * 4))
    chunks = [texts[i:i + size] for i in range(0, len(texts), size)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        parts = pool.map(_parse_chunk, chunks)
    return [j for p in parts for j in p[0]], [e for p in parts for e in p[1]]


class HubRecordStager:
    """Stages Hub records of one file into the temp table `stage_records`.

    Rejected lines and card problems are appended to the temp table `stage_rejects`.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, label: str):
        self.con = con
        self.path = Path(path)
        self.label = label  # the file name as rejects record it

    # -- inputs -------------------------------------------------------------------
    def stage_jsonl(self, progress: ProgressFn | None = None, batch_size: int = 100_000) -> tuple[int, str | None]:
        reader = LineReader(self.path, batch_size=batch_size, progress=progress)
        lines = 0
        for batch in reader.batches():
            lines += len(batch.lines)
            numbers = pa.array(range(batch.first_line, batch.first_line + len(batch.lines)), pa.int64())
            table = pa.table({"line": numbers, "text": pa.array(batch.lines, pa.string())})
            for line, reason in batch.bad:
                self._reject(line, None, "record", reason)
            bad_lines = {line for line, _ in batch.bad}
            self._stage_text_batch(table, bad_lines)
        if reader.error:
            self._reject(reader.lines_read, None, "file", reader.error)
        return lines, reader.error

    def stage_parquet(self) -> tuple[int, str | None]:
        try:
            rel = self.con.read_parquet(str(self.path))
        except duckdb.Error as exc:
            self._reject(None, None, "file", f"not a readable Parquet file: {exc}")
            return 0, str(exc)
        cols = set(rel.columns)
        # Parquet holds typed columns; route them through the JSON path so both inputs
        # share one shredding implementation.
        self.con.register("_parquet_in", rel)
        fields = ", ".join(f"'{c}', {c}" for c in sorted(cols))
        table = self.con.sql(
            f"SELECT CAST(row_number() OVER () AS BIGINT) AS line, CAST(json_object({fields}) AS VARCHAR) AS text FROM _parquet_in"
        ).to_arrow_table()
        self.con.unregister("_parquet_in")
        self._stage_text_batch(table, set())
        return table.num_rows, None

    def read_fast(self) -> bool:
        """One pass of DuckDB's own NDJSON reader over the whole file, into `_parsed`.

        Runs outside the ingest transaction (a failed read would abort it). False when
        the file is not clean NDJSON (malformed line, damaged gzip, wrong types): the
        caller then takes the line-exact path, so that every reject names its line."""
        con = self.con
        columns = json.loads(_RECORD_STRUCT)
        fields = ", ".join(f"{k} := {k}" for k in columns)
        try:
            con.execute(
                f"""
                CREATE OR REPLACE TEMP TABLE _parsed AS
                SELECT *, hash(r) AS record_hash FROM (
                SELECT row_number() OVER () AS line, true AS ok, 'OBJECT' AS jtype,
                       struct_pack({fields}) AS r
                FROM read_json(?, format = 'newline_delimited', columns = {columns!r},
                               maximum_object_size = 67108864))
                """,
                [str(self.path)],
            )
        except duckdb.Error:
            con.execute("DROP TABLE IF EXISTS _parsed")
            return False
        return True

    def stage_fast(self) -> tuple[int, str | None] | None:
        """Shred what `read_fast` read; None (nothing staged) if any record would be rejected."""
        con = self.con
        self._shred()
        if con.execute("SELECT count(*) FROM stage_rejects").fetchall()[0][0]:
            con.execute("DELETE FROM stage_rejects")
            con.execute("DELETE FROM stage_records")
            return None
        return con.execute("SELECT count(*) FROM _parsed").fetchall()[0][0], None

    def stage_texts(self, texts: list[str]) -> int:
        """Stage records given in memory as JSON texts (line numbers count from 1)."""
        table = pa.table({"line": pa.array(range(1, len(texts) + 1), pa.int64()), "text": pa.array(texts, pa.string())})
        self._stage_text_batch(table, set())
        return len(texts)

    # -- shredding ------------------------------------------------------------------
    def _stage_text_batch(self, table: pa.Table, skip_lines: set[int]) -> None:
        self._parse_text_batch(table, skip_lines)
        self._shred()

    def _parse_text_batch(self, table: pa.Table, skip_lines: set[int]) -> None:
        con = self.con
        con.register("_batch", table)
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _parsed AS
            SELECT *, hash(r) AS record_hash FROM (
            SELECT line, text,
                   json_valid(text) AS ok,
                   CASE WHEN json_valid(text) THEN json_type(text) END AS jtype,
                   CASE WHEN json_valid(text) AND json_type(text) = 'OBJECT'
                        THEN json_transform(text, '{_RECORD_STRUCT}') END AS r
            FROM _batch
            WHERE line NOT IN (SELECT unnest(?::BIGINT[])))
            """,
            [sorted(skip_lines)],
        )
        con.unregister("_batch")
        con.execute(
            """
            INSERT INTO stage_rejects
            SELECT ?, line, NULL, 'record',
                   CASE WHEN trim(text) = '' THEN 'empty line'
                        WHEN NOT ok THEN 'not valid JSON: ' || left(text, 60)
                        ELSE 'JSON ' || lower(jtype) || ', not an object' END
            FROM _parsed WHERE NOT ok OR jtype <> 'OBJECT'
            """,
            [self.label],
        )

    def _shred(self) -> None:
        con = self.con
        con.execute(
            """
            INSERT INTO stage_rejects
            SELECT ?, line, NULL, 'record', 'record has no id'
            FROM _parsed
            WHERE ok AND jtype = 'OBJECT' AND coalesce(trim(coalesce(r.id, r.modelId)), '') = ''
            """,
            [self.label],
        )
        # Cards given as YAML text are parsed here; mappings pass straight through.
        yaml_rows = con.execute(
            """
            SELECT line, coalesce(r.card_data, r.cardData)->>'$' AS card_text
            FROM _parsed
            WHERE ok AND jtype = 'OBJECT'
              AND json_type(coalesce(r.card_data, r.cardData)) = 'VARCHAR'
            """
        ).fetchall()
        card_lines = [line for line, _ in yaml_rows]
        card_json, card_err = parse_yaml_cards([text for _, text in yaml_rows])
        con.register(
            "_yaml_cards",
            pa.table(
                {
                    "line": pa.array(card_lines, pa.int64()),
                    "card": pa.array(card_json, pa.string()),
                    "card_error": pa.array(card_err, pa.string()),
                }
            ),
        )
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _cards AS
            SELECT p.line,
                   trim(coalesce(p.r.id, p.r.modelId)) AS id,
                   CASE
                     WHEN y.line IS NOT NULL THEN y.card_error
                     WHEN json_type(coalesce(p.r.card_data, p.r.cardData)) NOT IN ('OBJECT', 'NULL')
                       THEN 'card data is a JSON ' || lower(json_type(coalesce(p.r.card_data, p.r.cardData))) || ', not a mapping'
                   END AS card_error,
                   CASE
                     WHEN y.line IS NOT NULL THEN json_transform(y.card, '{_CARD_STRUCT}')
                     WHEN json_type(coalesce(p.r.card_data, p.r.cardData)) = 'OBJECT'
                       THEN json_transform(coalesce(p.r.card_data, p.r.cardData), '{_CARD_STRUCT}')
                   END AS c
            FROM _parsed p LEFT JOIN _yaml_cards y USING (line)
            WHERE p.ok AND p.jtype = 'OBJECT' AND coalesce(trim(coalesce(p.r.id, p.r.modelId)), '') <> ''
            """
        )
        con.unregister("_yaml_cards")
        con.execute(
            "INSERT INTO stage_rejects SELECT ?, line, id, 'card', card_error FROM _cards WHERE card_error IS NOT NULL",
            [self.label],
        )
        parents_raw = _as_list_sql("c.base_model")
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _card_parents AS
            SELECT line, id, list_transform(raw, lambda v: {normalize_model_id_sql('v')}) AS norm, raw
            FROM (SELECT line, id, {parents_raw} AS raw FROM _cards)
            """
        )
        con.execute(
            """
            INSERT INTO stage_rejects
            SELECT ?, line, id, 'card', 'base_model entry ' || to_json(r) || ' is not a model id; ignored'
            FROM (SELECT line, id, unnest(raw) AS r, unnest(norm) AS n FROM _card_parents)
            WHERE n IS NULL
            """,
            [self.label],
        )
        tag_parent = normalize_model_id_sql("parts[-1]")
        con.execute(
            f"""
            INSERT INTO stage_records BY NAME
            SELECT * EXCLUDE (tag_licenses, tag_parents),
                   -- Tags: license:<id>, base_model:<parent>, base_model:<relation>:<parent>.
                   list_transform(list_filter(tags, lambda t: starts_with(t, 'license:')),
                                  lambda t: substr(t, 9)) AS tag_licenses,
                   list_filter(list_transform(
                       list_filter(list_transform(list_filter(tags, lambda t: starts_with(t, 'base_model:')),
                                                  lambda t: string_split(t, ':')),
                                   lambda parts: length(parts) IN (2, 3)),
                       lambda parts: {{'relation': CASE WHEN length(parts) = 3 THEN lower(parts[2]) END,
                                      'parent': {tag_parent}}}),
                       lambda s: s.parent IS NOT NULL) AS tag_parents
            FROM (
              SELECT p.line,
                   lower(k.id) AS model_key,
                   k.id,
                   p.r.author, p.r.sha,
                   try_cast(coalesce(p.r.created_at, p.r.createdAt) AS TIMESTAMPTZ) AS created_at,
                   try_cast(coalesce(p.r.last_modified, p.r.lastModified) AS TIMESTAMPTZ) AS last_modified,
                   p.r.private, p.r.gated, p.r.disabled, p.r.downloads, p.r.likes,
                   p.r.library_name, p.r.pipeline_tag,
                   coalesce(p.r.tags, []) AS tags,
                   list_filter(list_transform({_as_list_sql('k.c.license')}, lambda v: trim(v)), lambda v: v <> '') AS card_license,
                   nullif(trim({_as_text_sql('k.c.license_name')}), '') AS license_name,
                   nullif(trim({_as_text_sql('k.c.license_link')}), '') AS license_link,
                   list_filter(cp.norm, lambda v: v IS NOT NULL) AS card_parents,
                   nullif(lower(trim({_as_text_sql('k.c.base_model_relation')})), '') AS base_model_relation,
                   {_as_list_sql('k.c.datasets')} AS datasets,
                   {_as_text_sql('k.c.model_name')} AS model_name,
                   k.card_error,
                   NULL AS tag_licenses,
                   NULL AS tag_parents,
                   p.record_hash
              FROM _cards k
              JOIN _parsed p USING (line)
              LEFT JOIN _card_parents cp USING (line)
            )
            """
        )

    def _reject(self, line, model_id, part, reason) -> None:
        self.con.execute("INSERT INTO stage_rejects VALUES (?, ?, ?, ?, ?)", [self.label, line, model_id, part, reason])
