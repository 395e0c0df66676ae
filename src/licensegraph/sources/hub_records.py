"""Hub model records (JSONL, JSONL.gz, Parquet) -> a staged table shaped like `models`.

The heavy lifting is DuckDB's: JSON is validated and shredded in SQL, a batch at a time.
Python touches a record only to parse YAML card text, which DuckDB cannot.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa

from licensegraph.sources import fields
from licensegraph.sources.card import CardError, excerpt, normalize_model_id_sql, yaml_to_slim_json
from licensegraph.sources.files import MAX_RECORD_BYTES, LineReader, ProgressFn

# Field names as huggingface_hub's ModelInfo has them, with the API's camelCase spellings.
# Every field is read as JSON and typed by `sources.fields`, so that a value of the wrong
# type is reported instead of silently becoming NULL.
RECORD_FIELDS = ("id", "modelId", "author", "sha", "created_at", "createdAt", "last_modified", "lastModified",
                 "private", "gated", "disabled", "downloads", "likes", "library_name", "pipeline_tag", "tags",
                 "card_data", "cardData", "card_text", "cardText", "configs", "repo_type")
# Hidden-lineage evidence beside the card: the README as a whole (`card_text`) and config
# files by name (`configs`: {"adapter_config.json": {...}, "config.json": {...}}).
CONFIG_FILES = ("adapter_config.json", "config.json")
_RECORD_STRUCT = json.dumps({name: "JSON" for name in RECORD_FIELDS})
_IS_DATASET = "coalesce(lower(r.repo_type->>'$') = 'dataset', false)"


def _typed_fields() -> tuple[list[str], list[str]]:
    """(typed columns, warning expressions) over `raw`, the record's struct of JSON values."""
    def either(a: str, b: str) -> str:
        return f"coalesce(raw.{a}, raw.{b})"

    specs = [
        ("author", fields.text_field, "raw.author"),
        ("sha", fields.text_field, "raw.sha"),
        ("created_at", fields.time_field, either("created_at", "createdAt")),
        ("last_modified", fields.time_field, either("last_modified", "lastModified")),
        ("private", fields.bool_field, "raw.private"),
        ("gated", fields.gated_field, "raw.gated"),
        ("disabled", fields.bool_field, "raw.disabled"),
        ("downloads", fields.count_field, "raw.downloads"),
        ("likes", fields.count_field, "raw.likes"),
        ("library_name", fields.text_field, "raw.library_name"),
        ("pipeline_tag", fields.text_field, "raw.pipeline_tag"),
        ("tags", fields.tags_field, "raw.tags"),
        ("card_text", fields.text_field, either("card_text", "cardText")),
    ]
    columns, warnings = [], []
    for name, rule, expr in specs:
        value, warning = rule(name, expr)
        columns.append(f"{value} AS {name}")
        warnings.append(warning)
    value, config_warnings = _configs_field("raw.configs")
    columns.append(f"{value} AS configs")
    warnings.extend(config_warnings)
    return columns, warnings


def _configs_field(expr: str) -> tuple[str, list[str]]:
    """configs: a mapping of file name to JSON object. Another shape is not stored; a known
    config file that is not an object is named (discovery ignores it)."""
    value = f"CASE WHEN json_type({expr}) = 'OBJECT' THEN {expr} END"
    warnings = [f"CASE WHEN {fields._given_sql(expr)} AND json_type({expr}) <> 'OBJECT' THEN "
                f"'configs: expected a mapping of file name to JSON object, got ' || {fields.describe_sql(expr)}"
                f" || '; not stored' END"]
    for name in CONFIG_FILES:
        entry = f"json_extract({expr}, '$.\"{name}\"')"
        warnings.append(f"CASE WHEN json_type({expr}) = 'OBJECT' AND {fields._given_sql(entry)} "
                        f"AND json_type({entry}) <> 'OBJECT' THEN 'configs.{name}: expected a JSON object, got ' "
                        f"|| {fields.describe_sql(entry)} || '; not used' END")
    return value, warnings


_CARD_FIELD_RULES = (
    ("license", fields.text_list_field),
    ("license_name", fields.card_text_field),
    ("license_link", fields.card_text_field),
    ("base_model", fields.text_list_field),
    ("base_model_relation", fields.card_text_field),
    ("datasets", fields.text_list_field),
    ("model_name", fields.card_text_field),
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


def _parse_chunk(texts: list[str]) -> tuple[list, list]:
    out, errors = [], []
    for text in texts:
        try:
            out.append(yaml_to_slim_json(text))
            errors.append(None)
        except CardError as exc:
            out.append(None)
            errors.append(str(exc))
        except Exception as exc:  # noqa: BLE001 - one unreadable card must not sink the file
            out.append(None)
            errors.append(f"card YAML could not be read ({type(exc).__name__}) near {excerpt(text)}")
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

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path | None, label: str):
        self.con = con
        self.path = Path(path) if path is not None else None  # None: records given in memory
        self.label = label  # the file name (or Hub page) as rejects record it

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
        if not cols & {"id", "modelId"}:
            shown = ", ".join(sorted(cols)[:8]) + (", ..." if len(cols) > 8 else "")
            reason = (f"not a file of Hub model records: no 'id' (or 'modelId') column; its columns are {shown} "
                      f"(expected huggingface_hub ModelInfo fields: id, author, tags, card_data, ...)")
            self._reject(None, None, "file", reason)
            return 0, reason
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
                SELECT row_number() OVER () AS line, true AS ok, 'OBJECT' AS jtype,
                       struct_pack({fields}) AS r
                FROM read_json(?, format = 'newline_delimited', columns = {columns!r},
                               maximum_object_size = {MAX_RECORD_BYTES})
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
        if con.execute("SELECT (SELECT count(*) FROM stage_rejects) + (SELECT count(*) FROM stage_warnings)").fetchall()[0][0]:
            con.execute("DELETE FROM stage_rejects")
            con.execute("DELETE FROM stage_warnings")
            con.execute("DELETE FROM stage_records")
            return None
        return con.execute("SELECT count(*) FROM _parsed").fetchall()[0][0], None

    def stage_texts(self, texts: list[str], first_line: int = 1) -> int:
        """Stage records given in memory as JSON texts (a Hub API page), numbered from
        `first_line`; the same validation and shredding as a file's lines."""
        numbers = pa.array(range(first_line, first_line + len(texts)), pa.int64())
        self._stage_text_batch(pa.table({"line": numbers, "text": pa.array(texts, pa.string())}), set())
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
            SELECT line, text,
                   json_valid(text) AS ok,
                   CASE WHEN json_valid(text) THEN json_type(text) END AS jtype,
                   CASE WHEN json_valid(text) AND json_type(text) = 'OBJECT'
                        THEN json_transform(text, '{_RECORD_STRUCT}') END AS r
            FROM _batch
            WHERE line NOT IN (SELECT unnest(?::BIGINT[]))
            """,
            [sorted(skip_lines)],
        )
        con.unregister("_batch")
        con.execute(
            """
            INSERT INTO stage_rejects
            SELECT ?, line, NULL, 'record',
                   CASE WHEN trim(text) = '' THEN 'empty line'
                        WHEN NOT ok THEN 'not valid JSON: ' || left(text, 60) || CASE WHEN length(text) > 60 THEN '...' ELSE '' END
                        ELSE 'a JSON ' || CASE jtype WHEN 'ARRAY' THEN 'list' WHEN 'VARCHAR' THEN 'text'
                             WHEN 'BOOLEAN' THEN 'boolean' WHEN 'NULL' THEN 'null' ELSE 'number' END
                             || ', not a record (a JSON object)' END
            FROM _parsed WHERE NOT ok OR jtype <> 'OBJECT'
            """,
            [self.label],
        )

    def _shred(self) -> None:
        con = self.con
        label = self.label
        # Dataset records (repo_type "dataset") are set aside for sources.datasets.
        con.execute(
            f"INSERT INTO stage_datasets SELECT line, CAST(to_json(r) AS VARCHAR) FROM _parsed "
            f"WHERE ok AND jtype = 'OBJECT' AND {_IS_DATASET}"
        )
        columns, warnings = _typed_fields()
        raw_id = "coalesce(raw.id, raw.modelId)"
        id_text = f"trim(CASE WHEN json_type({raw_id}) = 'VARCHAR' THEN {raw_id}->>'$' END)"
        # Type every field; collect what was not kept as given. Records without a valid
        # Hub repo id cannot be keyed: they are rejected, the rest kept with what is valid.
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _typed AS
            SELECT line, id, {", ".join(c.split(" AS ")[-1] for c in columns)}, card, warnings,
                   CASE WHEN NOT id_given OR id = '' THEN 'record has no id'
                        WHEN id IS NULL THEN 'id: expected text, got ' || id_desc
                        WHEN NOT {fields.hub_repo_id_sql("id")}
                          THEN 'id ' || {fields.quote_sql("to_json(id)", 60)} || ' is not a Hub repo id ({fields.REPO_ID_RULE.replace("'", "''")})'
                   END AS id_problem,
                   hash(id, {", ".join(c.split(" AS ")[-1] for c in columns)}, card) AS record_hash
            FROM (
              SELECT line, {id_text} AS id, {", ".join(columns)},
                     {fields._given_sql(raw_id)} AS id_given, {fields.describe_sql(raw_id)} AS id_desc,
                     coalesce(raw.card_data, raw.cardData) AS card,
                     list_filter([{", ".join(warnings)}], lambda w: w IS NOT NULL) AS warnings
              FROM (SELECT line, r AS raw FROM _parsed WHERE ok AND jtype = 'OBJECT' AND NOT {_IS_DATASET}))
            """
        )
        con.execute(
            "INSERT INTO stage_rejects SELECT ?, line, id, 'record', id_problem FROM _typed WHERE id_problem IS NOT NULL",
            [label],
        )
        con.execute(
            """
            INSERT INTO stage_warnings
            SELECT ?, line, id, split_part(w, ':', 1), w
            FROM (SELECT line, id, unnest(warnings) AS w FROM _typed WHERE id_problem IS NULL)
            """,
            [label],
        )
        # Cards given as YAML text are parsed here; mappings pass straight through.
        yaml_rows = con.execute(
            "SELECT line, card->>'$' FROM _typed WHERE id_problem IS NULL AND json_type(card) = 'VARCHAR'"
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
            SELECT t.line, t.id,
                   CASE
                     WHEN y.line IS NOT NULL THEN y.card_error
                     WHEN json_type(t.card) NOT IN ('OBJECT', 'NULL')
                       THEN 'card_data: expected a mapping or YAML text, got ' || {fields.describe_sql("t.card")}
                            || '; card not read'
                   END AS card_error,
                   CASE
                     WHEN y.line IS NOT NULL THEN json_transform(y.card, '{_CARD_STRUCT}')
                     WHEN json_type(t.card) = 'OBJECT' THEN json_transform(t.card, '{_CARD_STRUCT}')
                   END AS c,
                   -- A mapping (the Hub API's cardData) gets the fallback that `card.slim`
                   -- gives YAML text: model-index's first name stands in for model_name.
                   CASE WHEN y.line IS NULL AND json_type(t.card) = 'OBJECT'
                             AND NOT json_exists(t.card, '$.model_name')
                        THEN nullif(json_extract_string(t.card, '$."model-index"[0].name'), '')
                   END AS index_name
            FROM _typed t LEFT JOIN _yaml_cards y USING (line)
            WHERE t.id_problem IS NULL
            """
        )
        con.unregister("_yaml_cards")
        con.execute(
            "INSERT INTO stage_rejects SELECT ?, line, id, 'card', card_error FROM _cards WHERE card_error IS NOT NULL",
            [label],
        )
        card_columns, card_warnings = [], []
        for name, rule in _CARD_FIELD_RULES:
            value, warning = rule(f"card_data.{name}", f"c.{name}")
            card_columns.append(f"{value} AS {name}")
            card_warnings.append(warning)
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _card_fields AS
            SELECT line, id, {", ".join(card_columns)},
                   list_filter([{", ".join(card_warnings)}], lambda w: w IS NOT NULL) AS warnings
            FROM _cards
            """
        )
        con.execute(
            """
            INSERT INTO stage_warnings
            SELECT ?, line, id, split_part(w, ':', 1), w
            FROM (SELECT line, id, unnest(warnings) AS w FROM _card_fields)
            """,
            [label],
        )
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _card_parents AS
            SELECT line, id, list_transform(base_model, lambda v: {normalize_model_id_sql('v')}) AS norm,
                   base_model AS raw
            FROM _card_fields
            """
        )
        con.execute(
            """
            INSERT INTO stage_warnings
            SELECT ?, line, id, 'card_data.base_model',
                   'card_data.base_model: entry ' || left(to_json(r), 80) || ' is not a Hub model id; ignored'
            FROM (SELECT line, id, unnest(raw) AS r, unnest(norm) AS n FROM _card_parents)
            WHERE n IS NULL
            """,
            [label],
        )
        tag_parent = normalize_model_id_sql("parts[-1]")
        con.execute(
            f"""
            INSERT INTO stage_records BY NAME
            SELECT * EXCLUDE (tag_licenses, tag_parents, record_hash),
                   -- What the store keeps of the record, however it was spelled (snapshot
                   -- snake_case, Hub API camelCase, card as YAML text or as a mapping): the
                   -- same model read from a file and from the Hub hashes alike.
                   hash(id, author, sha, created_at, last_modified, private, gated, disabled, downloads, likes,
                        library_name, pipeline_tag, tags, card_license, license_name, license_link, card_parents,
                        base_model_relation, datasets, model_name, card_error, card_text, configs) AS record_hash,
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
              SELECT t.line,
                   lower(t.id) AS model_key,
                   t.id,
                   t.author, t.sha, t.created_at, t.last_modified,
                   t.private, t.gated, t.disabled, t.downloads, t.likes,
                   t.library_name, t.pipeline_tag,
                   coalesce(t.tags, []) AS tags,
                   list_filter(list_transform(f.license, lambda v: trim(v)), lambda v: v <> '') AS card_license,
                   nullif(trim(f.license_name), '') AS license_name,
                   nullif(trim(f.license_link), '') AS license_link,
                   list_filter(cp.norm, lambda v: v IS NOT NULL) AS card_parents,
                   nullif(lower(trim(f.base_model_relation)), '') AS base_model_relation,
                   f.datasets,
                   coalesce(f.model_name, k.index_name) AS model_name,
                   k.card_error,
                   NULL AS tag_licenses,
                   NULL AS tag_parents,
                   NULL AS record_hash,
                   t.card_text,
                   t.configs,
                   -- fields not kept as given (their stored values survive a replacement)
                   list_concat(list_transform(t.warnings, lambda w: split_part(w, ':', 1)),
                               list_transform(f.warnings, lambda w: split_part(w, ':', 1)),
                               CASE WHEN k.card_error IS NOT NULL THEN ['card'] ELSE [] END,
                               CASE WHEN len(list_filter(cp.norm, lambda v: v IS NULL)) > 0
                                    THEN ['card_data.base_model'] ELSE [] END) AS warned
              FROM _cards k
              JOIN _typed t USING (line)
              JOIN _card_fields f USING (line)
              LEFT JOIN _card_parents cp USING (line)
            )
            """
        )

    def _reject(self, line, model_id, part, reason) -> None:
        self.con.execute("INSERT INTO stage_rejects VALUES (?, ?, ?, ?, ?)", [self.label, line, model_id, part, reason])
