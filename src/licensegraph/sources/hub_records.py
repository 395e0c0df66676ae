"""Hub model records (JSONL, JSONL.gz, Parquet) -> staged batches shaped like `models`.

The file is read in blocks of lines (`files.BlockReader`; Parquet in Arrow batches), so
memory holds one batch whatever the file's size. Each batch is validated and shredded in
DuckDB SQL, in three statements over the batch; Python touches a record only to parse YAML
card text, which DuckDB cannot (in worker processes, `card_pool`).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from licensegraph.sources import fields
from licensegraph.sources.card import (
    CardError,
    excerpt,
    normalize_model_id_sql,
    slim_json_of_wanted,
    wanted_key,
    yaml_to_slim_json,
)
from licensegraph.sources.files import BlockReader, ProgressFn, TextBatch, clean_text_sql

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
_IS_DATASET = "(r.repo_type IS NOT NULL AND coalesce(lower(r.repo_type->>'$') = 'dataset', false))"



def _typed_fields() -> tuple[list[str], list[str]]:
    """(typed columns `expr AS name`, warning expressions over those names), over `raw`,
    the record's struct of JSON values."""
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
        value, warning = rule(name, expr, name, "tags_t") if name == "tags" else rule(name, expr, name)
        columns.append(f"{value} AS {name}")
        warnings.append(warning)
    value, config_warnings = _configs_field("raw.configs")
    columns.append(f"{value} AS configs")
    warnings.extend(config_warnings)
    return columns, warnings


def _configs_field(expr: str) -> tuple[str, list[str]]:
    """configs: a mapping of file name to JSON object. Another shape is not stored; a known
    config file that is not an object is named (discovery ignores it)."""
    value = f"CASE WHEN ord({expr}) = {fields.MAPPING} THEN {expr} END"
    warnings = [f"CASE WHEN {fields.given_sql(expr)} AND ord({expr}) <> {fields.MAPPING} THEN "
                f"'configs: expected a mapping of file name to JSON object, got ' || {fields.describe_sql(expr)}"
                f" || '; not stored' END"]
    for name in CONFIG_FILES:
        entry = f"json_extract({expr}, '$.\"{name}\"')"
        warnings.append(f"CASE WHEN ord({expr}) = {fields.MAPPING} AND {fields._given_sql(entry)} "
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
_CARD_STRUCT = json.dumps({name: "JSON" for name, _ in _CARD_FIELD_RULES})


def _messages(warnings: list[str]) -> str:
    """SQL: the non-null warnings as a list, or NULL when there is none (the usual case,
    decided without building a list)."""
    return (f"CASE WHEN coalesce({', '.join(warnings)}) IS NULL THEN NULL "
            f"ELSE list_filter([{', '.join(warnings)}], lambda w: w IS NOT NULL) END")


def _arrow_of(con: duckdb.DuckDBPyConnection, query: str, params: Sequence[object] | None = None) -> pa.Table:
    """The rows of one big SELECT as Arrow, the statement bound once. A relation
    (`con.sql(query).to_arrow_table()`) binds it twice, once to describe it and again to run
    it: ~40 ms CPU of the shred's statement, paid per batch, crawl page and checked card
    (2 records: 0.145 -> 0.11 s per shred). The result's copy DuckDB warns about costs
    nothing measurable at production batches (300k records: shred 2.3 -> 2.4 s CPU, ingest
    5.9 -> 5.8 s, medians of five, within noise)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)
        return con.execute(query, params or []).to_arrow_table()


def _card_worker_init() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


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


def _parse_wanted_chunk(keys: list[str]) -> list[str | None]:
    return [slim_json_of_wanted(key) for key in keys]


PARALLEL_YAML_MIN = 2_000  # below this, handing cards to workers costs more than it saves


class CardPool:
    """Parses YAML card text: each distinct part that decides a card's fields once
    (`card.wanted_key`; real and synthetic cards repeat it a lot), in worker processes when
    there are many, started on first need and kept for the whole ingest (forked, so nothing
    is re-imported). YAML is the one per-record Python step of ingest."""

    def __init__(self) -> None:
        self._pool = None
        # called before the workers are forked: a fork copies only the calling thread, so the
        # caller makes sure no other thread of its own is inside DuckDB then
        self.before_start: Callable[[], None] | None = None

    def parse(self, texts: list[str]) -> tuple[list, list]:
        """YAML card texts -> (slim JSON or None, error or None) per card."""
        keys = [wanted_key(t) for t in texts]
        distinct = list(dict.fromkeys(k for k in keys if k is not None))
        by_key = dict(zip(distinct, self._map(_parse_wanted_chunk, distinct)))
        out: list = [by_key.get(k) if k is not None else None for k in keys]
        errors: list = [None] * len(texts)
        # what the wanted part does not decide (or a card over the limit): the whole text
        rest = [i for i, j in enumerate(out) if j is None]
        if rest:
            parsed, problems = self._map_pairs([texts[i] for i in rest])
            for i, j, e in zip(rest, parsed, problems):
                out[i], errors[i] = j, e
        return out, errors

    def _workers(self, n: int):
        import multiprocessing
        import os

        if n < PARALLEL_YAML_MIN or (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
            return None
        if self._pool is None:
            if self.before_start is not None:
                self.before_start()
            self._pool = multiprocessing.get_context("fork").Pool(os.cpu_count(), initializer=_card_worker_init)
        return self._pool

    def _chunks(self, items: list) -> list[list]:
        size = max(250, -(-len(items) // 16))
        return [items[i:i + size] for i in range(0, len(items), size)]

    def _map(self, fn, items: list) -> list:
        pool = self._workers(len(items))
        if pool is None:
            return fn(items)
        return [x for part in pool.map(fn, self._chunks(items)) for x in part]

    def _map_pairs(self, texts: list[str]) -> tuple[list, list]:
        pool = self._workers(len(texts))
        if pool is None:
            return _parse_chunk(texts)
        parts = pool.map(_parse_chunk, self._chunks(texts))
        return [j for p in parts for j in p[0]], [e for p in parts for e in p[1]]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


def parse_yaml_cards(texts: list[str]) -> tuple[list, list]:
    """YAML card texts -> (slim JSON or None, error or None) per card (workers for many)."""
    pool = CardPool()
    try:
        return pool.parse(texts)
    finally:
        pool.close()


STAGE_BATCH_ROWS = 100_000  # Parquet rows and in-memory records per batch
BLOCK_BYTES = 128 << 20  # JSONL bytes per batch


# Per-file staging tables of the stager's own connection (as `sources.ingest` makes them on
# the ingest connection, which receives their rows in `hand_over`).
STAGE_SIDE_TABLES = {
    "stage_rejects": "file VARCHAR, line BIGINT, model_id VARCHAR, part VARCHAR, reason VARCHAR",
    "stage_warnings": "file VARCHAR, line BIGINT, model_id VARCHAR, field VARCHAR, reason VARCHAR",
    "stage_datasets": "line BIGINT, raw VARCHAR",
}
# What the merge takes of a staged record.
RECORD_COLUMNS = (
    "line, model_key, id, author, sha, created_at, last_modified, private, gated, disabled, downloads, likes, "
    "library_name, pipeline_tag, tags, card_license, license_name, license_link, card_parents, base_model_relation, "
    "datasets, model_name, card_error, tag_licenses, tag_parents, record_hash, card_text, configs, warned"
)


class HubRecordStager:
    """Stages Hub records of one file, a batch at a time: `stage(batch)` validates and shreds
    it and leaves the batch's records (newest per model) in `records`, an Arrow table the
    caller merges into `models` before the next batch.

    The work happens on a connection of its own, outside the ingest transaction: DuckDB
    keeps what a transaction drops until it ends, so per-batch tables there would add up to
    the whole file. Rejected lines and card problems, field-level warnings and dataset
    records gather in that connection's `stage_rejects`, `stage_warnings`, `stage_datasets`
    until `hand_over()` copies them to the ingest connection's tables of the same names.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path | None, label: str,
                 cards: CardPool | None = None):
        self.con = con
        self.work = con.cursor()  # autocommit: what a batch leaves behind is freed at once
        self.work.execute("SET TimeZone = 'UTC'")
        for name, columns in STAGE_SIDE_TABLES.items():
            self.work.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({columns})")
        self.path = Path(path) if path is not None else None  # None: records given in memory
        self.label = label  # the file name (or Hub page) as rejects record it
        self.cards = cards or CardPool()
        self.error: str | None = None  # set when the file could not be read to its end
        self.records = None  # pyarrow.Table: the last staged batch's records
        self.duplicates = 0  # records of the last batch that lost to a newer one of the same model

    def hand_over(self) -> None:
        """Copy the gathered rejects, warnings and dataset records to the ingest connection."""
        for name in STAGE_SIDE_TABLES:
            rows = self.work.sql(f"SELECT * FROM {name}").to_arrow_table()  # noqa: F841 - scanned by name below
            if rows.num_rows:
                self.con.execute(f"INSERT INTO {name} SELECT * FROM rows")
            self.work.execute(f"DELETE FROM {name}")

    def close(self) -> None:
        self.work.close()

    # -- inputs -------------------------------------------------------------------
    def jsonl_batches(self, progress: ProgressFn | None = None, block_bytes: int | None = None) -> Iterator[TextBatch]:
        """The file's lines in batches (line numbers exact; the reader's problems rejected)."""
        assert self.path is not None
        reader = BlockReader(self.path, block_bytes=block_bytes or BLOCK_BYTES, progress=progress)
        yield from reader.batches()
        if reader.error:
            self.error = reader.error
            self._reject(reader.lines_read, None, "file", reader.error)

    def parquet_batches(self, batch_rows: int = STAGE_BATCH_ROWS) -> Iterator[TextBatch]:
        """A Parquet file's rows in batches, each row as the JSON text of a record (so both
        inputs share one shredding implementation); read on a cursor of its own, which the
        ingest transaction does not see."""
        assert self.path is not None
        cursor = self.con.cursor()
        try:
            try:
                rel = cursor.read_parquet(str(self.path))
            except duckdb.Error as exc:
                self.error = str(exc)
                self._reject(None, None, "file", f"not a readable Parquet file: {exc}")
                return
            cols = set(rel.columns)
            if not cols & {"id", "modelId"}:
                shown = ", ".join(sorted(cols)[:8]) + (", ..." if len(cols) > 8 else "")
                reason = (f"not a file of Hub model records: no 'id' (or 'modelId') column; its columns are {shown} "
                          f"(expected huggingface_hub ModelInfo fields: id, author, tags, card_data, ...)")
                self.error = reason
                self._reject(None, None, "file", reason)
                return
            pairs = ", ".join(f"'{c}', \"{c}\"" for c in sorted(cols))
            query = f"SELECT CAST(json_object({pairs}) AS VARCHAR) AS text FROM _parquet_in"
            reader = rel.query("_parquet_in", query).to_arrow_reader(batch_rows)
            first = 1
            for record_batch in reader:
                n = record_batch.num_rows
                lines = pa.array(range(first, first + n), pa.int64())
                yield TextBatch(pa.table({"line": lines, "text": record_batch.column(0)}))
                first += n
        finally:
            cursor.close()

    def text_batches(self, texts: list[str], first_line: int = 1,
                     batch_rows: int = STAGE_BATCH_ROWS) -> Iterator[TextBatch]:
        """Records given in memory as JSON texts (a Hub API page), numbered from `first_line`."""
        for start in range(0, len(texts), batch_rows):
            part = texts[start:start + batch_rows]
            numbers = pa.array(range(first_line + start, first_line + start + len(part)), pa.int64())
            yield TextBatch(pa.table({"line": numbers, "text": pa.array(part, pa.string())}))

    # -- one batch ------------------------------------------------------------------
    def stage(self, batch: TextBatch) -> int:
        """Validate and shred one batch into `records` (replacing the previous batch's);
        returns the number of lines it held."""
        for line, reason in batch.bad:
            self._reject(line, None, "record", reason)
        # In slices, so that DuckDB's threads share the batch's parse (Arrow scans run in
        # parallel over record batches; zero-copy).
        table = pa.Table.from_batches(batch.table.to_batches(max_chunksize=16_384))  # type: ignore[attr-defined]
        skip = [line for line, _ in batch.bad]
        parsed = self._parse(table, skip)
        # `_parsed`, as the shred's statements name it: Arrow, not a temp table, which would
        # compress the batch's JSON values only to scan them again (2M records: 1.29 -> 1.02 s
        # CPU per 200k-record parse)
        self.work.register("_parsed", parsed)
        try:
            self._take_records(self._shred())
        finally:
            self.work.unregister("_parsed")
        return table.num_rows  # type: ignore[attr-defined]

    def _take_records(self, staged) -> None:
        """The batch's records (`staged`, Arrow), newest per model (a model twice in a batch:
        the newer wins, at equal `last_modified` the later line), for the merge."""
        import pyarrow.compute as pc

        self.duplicates = staged.num_rows - pc.count_distinct(staged.column("model_key")).as_py()
        if self.duplicates:
            staged = self.work.sql(  # noqa: F841 - `staged` is scanned by name
                """SELECT * EXCLUDE (rn) FROM (
                  SELECT *, row_number() OVER (PARTITION BY model_key ORDER BY last_modified DESC NULLS LAST, line DESC)
                    AS rn FROM staged) WHERE rn = 1""").to_arrow_table()
        self.records = staged.select(RECORD_COLUMNS.split(", "))

    def _parse(self, table, skip_lines: list[int]) -> pa.Table:
        """The batch's lines -> Arrow (line, r: the record's struct of JSON values) for the
        lines that are JSON objects; the others are rejected with the reason."""
        import pyarrow.compute as pc

        con = self.work
        con.register("_batch", table)
        try:
            skip = "WHERE line NOT IN (SELECT unnest(?::BIGINT[]))" if skip_lines else ""
            params = [skip_lines] if skip_lines else []
            # A line is an object when its first character (after the newline that starts
            # every line but the first, see TextBatch; or other whitespace) is `{`.
            not_object = ("CASE WHEN ord(text) = 123 OR (ord(text) = 10 AND ord(substr(text, 2, 1)) = 123) THEN false "
                          "ELSE ord(ltrim(text, chr(10) || chr(13) || chr(9) || ' ')) IS DISTINCT FROM 123 END")
            parse = f"json_transform(text, '{_RECORD_STRUCT}')"
            statement = """
                SELECT line, r, CAST(r IS NULL OR {not_object} AS TINYINT) AS odd
                FROM (SELECT line, text, {parse} AS r FROM _batch {skip})
                """
            # One JSON parse per line. A malformed line fails the whole statement (on this
            # connection of its own, outside the ingest transaction): the batch is parsed
            # again with `try`, where such a line gives NULL. Malformed lines are rare, and
            # `try` costs a third more on every line.
            # The JSON values stay JSON through Arrow (extension type arrow.json), as they were
            # in a temp table: `to_json(r)` and the checks read them as JSON, not as text.
            con.execute("SET arrow_lossless_conversion = true")
            try:
                try:
                    parsed = _arrow_of(con, statement.format(not_object=not_object, parse=parse, skip=skip), params)
                except duckdb.Error:
                    parsed = _arrow_of(con, statement.format(not_object=not_object, parse=f"try({parse})",
                                                             skip=skip), params)
            finally:
                con.execute("RESET arrow_lossless_conversion")
            if not pc.max(parsed.column("odd")).as_py():  # (a TINYINT: Arrow's bool8 has no kernels)
                return parsed.select(["line", "r"])
            odd_lines = parsed.filter(pc.equal(parsed.column("odd"), 1)).column("line").to_pylist()
            # Some line is not a JSON object: say which, and why.
            con.execute(
                f"""
                CREATE OR REPLACE TEMP TABLE _checked AS
                SELECT line, {clean_text_sql("text")} AS text, json_valid(text) AS ok,
                       CASE WHEN json_valid(text) THEN json_type(text) END AS jtype
                FROM _batch WHERE line IN (SELECT unnest(?::BIGINT[]))
                """, [odd_lines])
        finally:
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
            FROM _checked WHERE NOT ok OR jtype <> 'OBJECT'
            """,
            [self.label],
        )
        rejected = [line for (line,) in con.execute(
            "SELECT line FROM _checked WHERE NOT ok OR jtype <> 'OBJECT'").fetchall()]
        con.execute("DROP TABLE _checked")
        kept = pc.invert(pc.is_in(parsed.column("line"), value_set=pa.array(rejected, pa.int64())))
        return parsed.filter(kept).select(["line", "r"])

    def _shred(self):
        """`_parsed` -> the batch's typed records as Arrow (rejected lines, warnings and card
        problems go to the side tables)."""
        con = self.work
        label = self.label
        # Dataset records (repo_type "dataset") are set aside for sources.datasets.
        con.execute(f"INSERT INTO stage_datasets SELECT line, CAST(to_json(r) AS VARCHAR) FROM _parsed WHERE {_IS_DATASET}")
        columns, warnings = _typed_fields()
        names = [c.split(" AS ")[-1] for c in columns]
        raw_id = "coalesce(raw.id, raw.modelId)"
        id_text = f"trim(CASE WHEN ord({raw_id}) = {fields.TEXT} THEN {raw_id}->>'$' END)"
        # Type every field; collect what was not kept as given. Records without a valid Hub
        # repo id cannot be keyed: they are rejected, the rest kept with what is valid.
        typed = f"""
            SELECT line, id, {", ".join(names)}, card, raw.tags AS raw_tags, {_messages(warnings)} AS warnings,
                   CASE WHEN NOT {fields.given_sql(raw_id)} OR id = '' THEN 'record has no id'
                        WHEN id IS NULL THEN 'id: expected text, got ' || {fields.describe_sql(raw_id)}
                        WHEN NOT {fields.hub_repo_id_sql("id")}
                          THEN 'id ' || {fields.quote_sql("to_json(id)", 60)} || ' is not a Hub repo id ({fields.REPO_ID_RULE.replace("'", "''")})'
                   END AS id_problem
            FROM (
              SELECT line, raw, tags_t, {id_text} AS id, {", ".join(columns)},
                     coalesce(raw.card_data, raw.cardData) AS card
              FROM (SELECT line, r AS raw, {fields.typed_list_sql("r.tags")} AS tags_t
                    FROM _parsed WHERE NOT {_IS_DATASET}))
            """
        # Cards given as YAML text are parsed here; mappings pass straight through.
        # Each distinct card text is parsed once.
        card = "coalesce(r.card_data, r.cardData)"
        yaml_texts = [text for (text,) in con.execute(
            f"SELECT DISTINCT {card}->>'$' FROM _parsed WHERE ord({card}) = {fields.TEXT} AND NOT {_IS_DATASET}"
        ).fetchall()]
        yaml_join, yaml_line = "", "NULL"
        if yaml_texts:
            card_json, card_err = self.cards.parse(yaml_texts)
            con.register("_yaml_cards", pa.table({
                "yaml_text": pa.array(yaml_texts, pa.string()),
                "yaml_card": pa.array(card_json, pa.string()),
                "yaml_error": pa.array(card_err, pa.string()),
            }))
            yaml_join = f"LEFT JOIN _yaml_cards y ON ord(t.card) = {fields.TEXT} AND y.yaml_text = t.card->>'$'"
            yaml_line = "y.yaml_text"
        card_values, card_warnings = [], []
        lists = [name for name, rule in _CARD_FIELD_RULES if rule is fields.text_list_field]
        for name, rule in _CARD_FIELD_RULES:
            if name in lists:
                value, warning = rule(f"card_data.{name}", f"c.{name}", f"f_{name}", f"t_{name}")
            else:
                value, warning = rule(f"card_data.{name}", f"c.{name}", f"f_{name}")
            card_values.append(f"{value} AS f_{name}")
            card_warnings.append(warning)
        tag_parent = normalize_model_id_sql("parts[-1]")
        hub = ", ".join(f"t.{c}" for c in ("author", "sha", "created_at", "last_modified", "private", "gated",
                                          "disabled", "downloads", "likes", "library_name", "pipeline_tag"))
        plain_hub = ", ".join(c[2:] for c in hub.split(", "))
        try:
            staged = _arrow_of(con,
                f"""
                SELECT *,
                       -- What the store keeps of the record, however it was spelled (snapshot
                       -- snake_case, Hub API camelCase, card as YAML text or as a mapping): the
                       -- same model read from a file and from the Hub hashes alike.
                       hash(id, author, sha, created_at, last_modified, private, gated, disabled, downloads, likes,
                            library_name, pipeline_tag, tags, card_license, license_name, license_link, card_parents,
                            base_model_relation, datasets, model_name, card_error, card_text, configs) AS record_hash,
                       -- fields not kept as given (their stored values survive a replacement)
                       CASE WHEN warnings IS NULL AND card_warnings IS NULL AND card_error IS NULL AND NOT bad_parent
                            THEN []::VARCHAR[]
                            ELSE list_concat(list_transform(coalesce(warnings, []), lambda w: split_part(w, ':', 1)),
                                             list_transform(coalesce(card_warnings, []), lambda w: split_part(w, ':', 1)),
                                             CASE WHEN card_error IS NOT NULL THEN ['card'] ELSE [] END,
                                             CASE WHEN bad_parent THEN ['card_data.base_model'] ELSE [] END)
                       END AS warned
                FROM (
                  SELECT line, lower(id) AS model_key, id, {plain_hub},
                         coalesce(tags, []) AS tags,
                         list_filter(list_transform(f_license, lambda v: trim(v)), lambda v: v <> '') AS card_license,
                         nullif(trim(f_license_name), '') AS license_name,
                         nullif(trim(f_license_link), '') AS license_link,
                         CASE WHEN bad_parent THEN list_filter(parents, lambda v: v IS NOT NULL) ELSE parents END
                           AS card_parents,
                         nullif(lower(trim(f_base_model_relation)), '') AS base_model_relation,
                         f_datasets AS datasets,
                         coalesce(f_model_name, index_name) AS model_name,
                         card_error, card_text, configs, warnings, id_problem,
                         {_messages(card_warnings)} AS card_warnings,
                         bad_parent,
                         CASE WHEN bad_parent THEN f_base_model END AS bad_parent_raw,
                         CASE WHEN bad_parent THEN parents END AS bad_parent_norm,
                         -- Tags: license:<id>, base_model:<parent>, base_model:<relation>:<parent>.
                         CASE WHEN NOT contains(tags_json, 'license:') THEN []::VARCHAR[] ELSE
                           list_transform(list_filter(tags, lambda t: starts_with(t, 'license:')), lambda t: substr(t, 9))
                         END AS tag_licenses,
                         CASE WHEN NOT contains(tags_json, 'base_model:') THEN []::STRUCT(relation VARCHAR, parent VARCHAR)[]
                         ELSE list_filter(list_transform(
                             list_filter(list_transform(list_filter(tags, lambda t: starts_with(t, 'base_model:')),
                                                        lambda t: string_split(t, ':')),
                                         lambda parts: length(parts) IN (2, 3)),
                             lambda parts: {{'relation': CASE WHEN length(parts) = 3 THEN lower(parts[2]) END,
                                            'parent': {tag_parent}}}),
                             lambda s: s.parent IS NOT NULL) END AS tag_parents
                  FROM (
                    SELECT *, coalesce(list_position(parents, NULL) > 0, false) AS bad_parent
                    FROM (
                      SELECT *,
                             CASE WHEN f_base_model IS NOT NULL
                                  THEN list_transform(f_base_model, lambda v: {normalize_model_id_sql('v')}) END AS parents
                      FROM (
                        SELECT line, id, {plain_hub}, tags, tags_json, card_text, configs, warnings, id_problem,
                               card_error, index_name, c, {", ".join(f"t_{n}" for n in lists)},
                               {", ".join(card_values)}
                        FROM (SELECT *, {", ".join(f"{fields.typed_list_sql(f'c.{n}')} AS t_{n}" for n in lists)} FROM (
                          SELECT t.*, CAST(t.raw_tags AS VARCHAR) AS tags_json,
                                 CASE
                                   WHEN {yaml_line} IS NOT NULL THEN {"y.yaml_error" if yaml_texts else "NULL"}
                                   WHEN t.card IS NOT NULL AND ord(t.card) NOT IN ({fields.MAPPING}, {fields.NULL})
                                     THEN 'card_data: expected a mapping or YAML text, got ' || {fields.describe_sql("t.card")}
                                          || '; card not read'
                                 END AS card_error,
                                 CASE
                                   WHEN {yaml_line} IS NOT NULL THEN json_transform({"y.yaml_card" if yaml_texts else "NULL"}, '{_CARD_STRUCT}')
                                   WHEN ord(t.card) = {fields.MAPPING} THEN json_transform(t.card, '{_CARD_STRUCT}')
                                 END AS c,
                                 -- A mapping (the Hub API's cardData) gets the fallback that `card.slim`
                                 -- gives YAML text: model-index's first name stands in for model_name.
                                 CASE WHEN {yaml_line} IS NULL AND ord(t.card) = {fields.MAPPING}
                                           AND contains(t.card, '"model-index"')
                                           AND NOT json_exists(t.card, '$.model_name')
                                      THEN nullif(json_extract_string(t.card, '$."model-index"[0].name'), '')
                                 END AS index_name
                          FROM ({typed}) t {yaml_join}))))))
                """
            )
        finally:
            if yaml_texts:
                con.unregister("_yaml_cards")
        # What follows reads `staged` by name (DuckDB's replacement scan); each step only
        # when the batch has such rows (most batches have none).
        import pyarrow.compute as pc

        def some(column: str) -> bool:
            return staged.column(column).null_count < staged.num_rows

        if some("id_problem"):
            con.execute("INSERT INTO stage_rejects SELECT ?, line, id, 'record', id_problem FROM staged "
                        "WHERE id_problem IS NOT NULL", [label])
            staged = staged.filter(pc.is_null(staged.column("id_problem")))
        # field-level warnings of the record, then of its card (kept in that order)
        for warnings in ("warnings", "card_warnings"):
            if some(warnings):
                con.execute(
                    f"""
                    INSERT INTO stage_warnings
                    SELECT ?, line, id, split_part(w, ':', 1), w
                    FROM (SELECT line, id, unnest({warnings}) AS w FROM staged WHERE {warnings} IS NOT NULL)
                    """,
                    [label],
                )
        if some("card_error"):
            con.execute("INSERT INTO stage_rejects SELECT ?, line, id, 'card', card_error FROM staged "
                        "WHERE card_error IS NOT NULL", [label])
        if pc.any(staged.column("bad_parent")).as_py():
            con.execute(
                """
                INSERT INTO stage_warnings
                SELECT ?, line, id, 'card_data.base_model',
                       'card_data.base_model: entry ' || left(to_json(r), 80) || ' is not a Hub model id; ignored'
                FROM (SELECT line, id, unnest(bad_parent_raw) AS r, unnest(bad_parent_norm) AS n
                      FROM staged WHERE bad_parent)
                WHERE n IS NULL
                """,
                [label],
            )
        return staged

    def _reject(self, line, model_id, part, reason) -> None:
        self.work.execute("INSERT INTO stage_rejects VALUES (?, ?, ?, ?, ?)", [self.label, line, model_id, part, reason])
