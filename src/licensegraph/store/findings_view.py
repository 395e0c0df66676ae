"""The `findings` view: stored finding rows plus text computed on read.

Messages and remedies are SQL templates of the rules (saved in `finding_templates` by the
audit), so a million findings cost a million small rows, not a million sentences.
"""

from __future__ import annotations

VIA_SUFFIX = " (reached through an ancestor that is itself noncompliant)"


def refresh_findings_view(con) -> None:
    """(Re)create the `findings` view: stored finding rows plus the message, remedy,
    clause and source, which are computed on read from the rules' templates."""
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

    def rows(where: str) -> str:
        if not independent:
            return f"SELECT * FROM finding_rows {where}"
        ids = ", ".join(f"'{r}'" for r in independent)
        both = f"{where} AND" if where else "WHERE"
        # stored once, shown under both views
        return (f"SELECT * FROM finding_rows {both} rule_id NOT IN ({ids}) UNION ALL "
                f"SELECT r.* REPLACE (v.name AS view) FROM finding_rows r, (VALUES ('local'), ('effective')) v(name) "
                f"{both.replace('model_key', 'r.model_key')} r.rule_id IN ({ids})")

    def body(where: str) -> str:
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
          FROM ({rows(where)}) f
          LEFT JOIN duty_sources s ON s.license = f.ancestor_license AND s.duty = f.duty
          LEFT JOIN license_kinds k ON k.license = f.model_license
        )
        """

    con.execute(f"CREATE OR REPLACE VIEW findings AS {body('')}")
    # One model's findings, filtered before anything else so an index lookup serves it.
    con.execute(f"CREATE OR REPLACE MACRO findings_of(key) AS TABLE {body('WHERE model_key = key')}")
