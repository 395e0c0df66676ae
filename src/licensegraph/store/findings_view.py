"""The `findings` view: stored finding rows plus text computed on read.

Messages and remedies are SQL templates of the rules (saved in `finding_templates` by the
audit), so a million findings cost a million small rows, not a million sentences.
"""

from __future__ import annotations

VIA_SUFFIX = " (reached through an ancestor that is itself noncompliant)"


def refresh_findings_view(con) -> None:
    """(Re)create the `findings` view: stored finding rows plus the message, remedy,
    clause and source, which are computed on read from the rules' templates."""
    con.execute(f"CREATE OR REPLACE VIEW findings AS {findings_sql(con, 'finding_rows')}")


def findings_of(con, model_key: str) -> list[tuple]:
    """One model's findings (the `findings` view's columns), read through the index on
    finding_rows.model_key and then dressed with their text."""
    rows = con.sql("SELECT * FROM finding_rows WHERE model_key = $1", params=[model_key]).to_arrow_table()
    con.register("_finding_rows_of", rows)
    try:
        return con.execute(f"SELECT * FROM ({findings_sql(con, '_finding_rows_of')}) ORDER BY view, rule_id, label").fetchall()
    finally:
        con.unregister("_finding_rows_of")


FINDINGS_COLUMNS = (
    "view", "rule_id", "label", "severity", "model_key", "model_id", "relation", "hub_relation", "model_license",
    "ancestor_id", "ancestor_license", "path", "duty", "clause", "source_url", "via_noncompliant",
    "possibly_incomplete", "message", "remedy",
)


def findings_sql(con, source: str) -> str:
    """SELECT giving the `findings` columns over a table shaped like finding_rows."""
    templates = con.execute("SELECT rule_id, label, message_sql, remedy_sql, clause, url FROM finding_templates").fetchall()

    def case(i: int, default: str) -> str:
        if not templates:
            return default
        whens = " ".join(
            f"WHEN rule_id = '{r}' AND label = '{label.replace(chr(39), chr(39) * 2)}' THEN ({t[i]})"
            for r, label, *t in [(row[0], row[1], row[2], row[3]) for row in templates]
        )
        return f"CASE {whens} ELSE {default} END"

    def lit_case(i: int) -> str:
        if not templates:
            return "NULL"
        whens = " ".join(
            f"WHEN rule_id = '{row[0]}' AND label = '{row[1].replace(chr(39), chr(39) * 2)}' THEN "
            + ("NULL" if row[i] is None else "'" + row[i].replace("'", "''") + "'")
            for row in templates
        )
        return f"CASE {whens} END"

    independent = sorted({row[0] for row in con.execute(
        "SELECT rule_id FROM finding_templates WHERE view_independent").fetchall()})

    def rows() -> str:
        if not independent:
            return f"SELECT * FROM {source}"
        ids = ", ".join(f"'{r}'" for r in independent)
        # stored once, shown under both views
        return (f"SELECT * FROM {source} WHERE rule_id NOT IN ({ids}) UNION ALL "
                f"SELECT r.* REPLACE (v.name AS view) FROM {source} r, (VALUES ('local'), ('effective')) v(name) "
                f"WHERE r.rule_id IN ({ids})")

    return f"""
        SELECT view, rule_id, label, severity, model_key, model_id, relation, hub_relation, model_license,
               ancestor_id, ancestor_license, path, duty,
               coalesce(src_clause, {lit_case(4)}) AS clause,
               coalesce(src_url, {lit_case(5)}) AS source_url,
               via_noncompliant, possibly_incomplete,
               {case(0, "NULL")} || CASE WHEN via_noncompliant THEN '{VIA_SUFFIX}' ELSE '' END AS message,
               {case(1, "NULL")} AS remedy
        FROM (
          SELECT f.*, s.clause AS src_clause, s.url AS src_url, k.work_kind AS model_work_kind
          FROM ({rows()}) f
          LEFT JOIN duty_sources s ON s.license = f.ancestor_license AND s.duty = f.duty
          LEFT JOIN license_kinds k ON k.license = f.model_license
        )
        """
