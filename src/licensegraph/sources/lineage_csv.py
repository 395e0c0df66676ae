"""Lineage CSVs (`Model ID, Type, Base Model`, optionally `week, event`) -> staged rows.

DuckDB reads the CSV; rows it cannot parse land in its reject tables with their line
numbers and are copied to licensegraph's rejects. A truncated gzip is read up to where
it breaks, and the break itself is a reject.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

from licensegraph.sources.card import normalize_model_id_sql
from licensegraph.sources.files import LineReader, ProgressFn

REQUIRED = ("Model ID", "Type", "Base Model")
HUB_TYPES = ("finetune", "adapter", "quantized", "quantization", "merge")


def _read(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    con.execute("DROP TABLE IF EXISTS reject_errors")
    con.execute("DROP TABLE IF EXISTS reject_scans")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _csv AS
        SELECT row_number() OVER () AS rownum, *
        FROM read_csv(?, header = true, all_varchar = true, store_rejects = true,
                      auto_detect = true, null_padding = false, parallel = false)
        """,
        [str(path)],
    )


class LineageStager:
    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, label: str):
        self.con = con
        self.path = Path(path)
        self.label = label

    def stage(self, progress: ProgressFn | None = None) -> tuple[int, str | None]:
        con = self.con
        error = None
        try:
            _read(con, self.path)
        except duckdb.Error as exc:
            # Most likely a damaged gzip: keep the readable prefix.
            reader = LineReader(self.path, batch_size=1 << 20)
            with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8") as tmp:
                for batch in reader.batches():
                    tmp.write("\n".join(batch.lines))
                    tmp.write("\n")
            if reader.error is None:
                self._reject(None, "file", f"not a readable CSV file: {str(exc).splitlines()[0]}")
                Path(tmp.name).unlink()
                return 0, str(exc)
            error = reader.error
            try:
                _read(con, Path(tmp.name))
            finally:
                Path(tmp.name).unlink()
            self._reject(reader.lines_read, "file", error)
        if progress:
            progress(1, 1)
        columns = [row[0] for row in con.execute("DESCRIBE _csv").fetchall()]
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            self._reject(None, "file", "missing column(s) " + ", ".join(repr(c) for c in missing)
                         + f"; found {', '.join(repr(c) for c in columns if c != 'rownum')}")
            return 0, "missing columns"
        con.execute(
            """
            INSERT INTO stage_rejects
            SELECT ?, line, NULL, 'record', 'CSV ' || lower(CAST(error_type AS VARCHAR)) || ': ' || error_message
            FROM reject_errors
            """,
            [self.label],
        )
        week = '"week"' if "week" in columns else "NULL"
        event = 'lower(trim("event"))' if "event" in columns else "'added'"
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _lin AS
            SELECT rownum, trim("Model ID") AS id, {week} AS week,
                   coalesce(nullif({event}, ''), 'added') AS event,
                   nullif(lower(trim("Type")), '') AS type,
                   list_filter(list_transform(string_split(coalesce("Base Model", ''), ','), lambda p: trim(p)),
                               lambda p: p <> '') AS raw_parents
            FROM _csv
            """
        )
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _lin AS
            SELECT *, {normalize_model_id_sql('id')} AS norm_id,
                   list_transform(raw_parents, lambda p: {normalize_model_id_sql('p')}) AS norm_parents
            FROM _lin
            """
        )
        rejects = [
            ("coalesce(id, '') = ''", "'row has no Model ID'"),
            ("id <> '' AND norm_id IS NULL", "'Model ID ' || id || ' is not a model id'"),
            ("event NOT IN ('added', 'deleted')", "'unknown event ' || event || '; read as added'"),
            (f"type IS NOT NULL AND type NOT IN {HUB_TYPES}", "'unknown Type ' || type || '; ignored'"),
        ]
        for cond, reason in rejects:
            con.execute(
                f"INSERT INTO stage_rejects SELECT ?, rownum + 1, id, 'record', {reason} FROM _lin WHERE {cond}",
                [self.label],
            )
        con.execute(
            """
            INSERT INTO stage_rejects
            SELECT ?, rownum + 1, id, 'record', 'Base Model entry ' || p || ' is not a model id; ignored'
            FROM (SELECT rownum, id, unnest(raw_parents) AS p, unnest(norm_parents) AS n FROM _lin)
            WHERE n IS NULL
            """,
            [self.label],
        )
        con.execute(
            f"""
            INSERT INTO stage_lineage
            SELECT rownum, lower(id), id, week,
                   CASE WHEN event = 'deleted' THEN 'deleted' ELSE 'added' END,
                   CASE WHEN type IN {HUB_TYPES} THEN type END,
                   list_filter(norm_parents, lambda p: p IS NOT NULL)
            FROM _lin
            WHERE norm_id IS NOT NULL
            """
        )
        rows = con.execute("SELECT count(*) FROM _lin").fetchall()[0][0]
        con.execute("DROP TABLE _csv")
        con.execute("DROP TABLE _lin")
        return rows, error

    def _reject(self, line, part, reason) -> None:
        self.con.execute("INSERT INTO stage_rejects VALUES (?, ?, NULL, ?, ?)", [self.label, line, part, reason])
