"""The `findings` view: stored finding rows plus text computed on read.

Messages and remedies are SQL templates of the rules (saved in `finding_templates` by the
audit), so a million findings cost a million small rows, not a million sentences.
"""

from __future__ import annotations

VIA_SUFFIX = " (reached through an ancestor that is itself noncompliant)"
# A finding that rests on knowledge-base facts marked `review = true` says so.
UNVERIFIED_SUFFIX = " [unverified: the knowledge-base facts of {} this rests on are not yet checked against its license text]"
# Rules whose decision also reads facts of the model's own license (not only its id).
OWN_FACT_RULES = ("copyleft-style-dropped", "nc-dropped", "cc-freedom-conflict", "gnu-freedom-conflict",
                  "llama-exclusive-license")


def unverified_suffix(rule_id: str, ancestor_license: str | None, model_license: str | None,
                      review: dict[str, bool]) -> str:
    """The suffix for a finding resting on unverified facts, or ''."""
    if ancestor_license and review.get(ancestor_license):
        return UNVERIFIED_SUFFIX.format(ancestor_license)
    if rule_id in OWN_FACT_RULES and model_license and review.get(model_license):
        return UNVERIFIED_SUFFIX.format(model_license)
    return ""

#: The columns of the `findings` view, in order (also the tuples `findings_of` returns).
FINDING_COLUMNS = ("view", "rule_id", "label", "severity", "model_key", "model_id", "relation", "hub_relation",
                   "model_license", "ancestor_id", "ancestor_license", "path", "duty", "clause", "source_url",
                   "via_noncompliant", "possibly_incomplete", "message", "remedy", "inferred_evidence")


def refresh_findings_view(con) -> None:
    """(Re)create the `findings` view: stored finding rows plus the message, remedy,
    clause and source, which are computed on read from the rules' templates."""
    con.execute(f"CREATE OR REPLACE VIEW findings AS {findings_sql(con, 'finding_rows')}")


def findings_of(con, model_key: str) -> list[tuple]:
    """One model's findings, with the `findings` view's columns.

    The view's SQL is large (every rule's templates), and compiling it costs more than
    reading one model's rows; so rows come through the index on finding_rows.model_key
    and each rule's templates are applied in a small query of their own."""
    cur = con.cursor()
    names = [d[0] for d in cur.execute("SELECT * FROM finding_rows LIMIT 0").description]
    rows = cur.execute("SELECT * FROM finding_rows WHERE model_key = ?", [model_key]).fetchall()
    if not rows:
        return []
    templates = {(r, label): (m, rem, clause, url, indep) for r, label, m, rem, clause, url, indep in cur.execute(
        "SELECT rule_id, label, message_sql, remedy_sql, clause, url, view_independent FROM finding_templates").fetchall()}
    sources = {(lic, duty): (clause, url) for lic, duty, clause, url in cur.execute(
        "SELECT license, duty, clause, url FROM duty_sources").fetchall()}
    kind_rows = cur.execute("SELECT license, work_kind, review, card_lines FROM license_kinds").fetchall()
    kinds = {lic: kind for lic, kind, _, _ in kind_rows}
    review = {lic: bool(flag) for lic, _, flag, _ in kind_rows}
    lines = {lic: text for lic, _, _, text in kind_rows}
    col = {n: i for i, n in enumerate(names)}
    out = []
    for rule_label in sorted({(r[col["rule_id"]], r[col["label"]]) for r in rows}):
        group = [r for r in rows if (r[col["rule_id"]], r[col["label"]]) == rule_label]
        message, remedy, t_clause, t_url, independent = templates.get(rule_label, ("NULL", "NULL", None, None, False))
        if independent:  # stored once, shown under both views (declared, or both with inferred edges)
            group = [tuple(v if i != col["view"] else view + r[col["view"]][len(r[col["view"]].split("+")[0]):]
                           for i, v in enumerate(r))
                     for r in group for view in ("local", "effective")]
        texts = cur.execute(
            f"SELECT {message} AS message, {remedy} AS remedy FROM (SELECT unnest($rows, recursive := true))",
            {"rows": [{"model_license": r[col["model_license"]], "ancestor_license": r[col["ancestor_license"]],
                       "ancestor_id": r[col["ancestor_id"]], "model_id": r[col["model_id"]],
                       "detail": r[col["detail"]], "model_work_kind": kinds.get(r[col["model_license"]]),
                       "ancestor_card": lines.get(r[col["ancestor_license"]])}
                      for r in group]},
        ).fetchall()
        for r, (msg, rem) in zip(group, texts):
            clause, url = sources.get((r[col["ancestor_license"]], r[col["duty"]]), (None, None))
            via = r[col["via_noncompliant"]]
            out.append((
                r[col["view"]], r[col["rule_id"]], r[col["label"]], r[col["severity"]], r[col["model_key"]],
                r[col["model_id"]], r[col["relation"]], r[col["hub_relation"]], r[col["model_license"]],
                r[col["ancestor_id"]], r[col["ancestor_license"]], r[col["path"]], r[col["duty"]],
                clause or t_clause, url or t_url, via, r[col["possibly_incomplete"]],
                None if msg is None else (msg + (VIA_SUFFIX if via else "") + unverified_suffix(
                    r[col["rule_id"]], r[col["ancestor_license"]], r[col["model_license"]], review)), rem,
                r[col["inferred_evidence"]] if "inferred_evidence" in col else None,
            ))
    return sorted(out, key=lambda f: (f[0], f[1], f[2]))


def findings_sql(con, source: str) -> str:
    """SELECT giving the `findings` columns over a table shaped like finding_rows."""
    templates = con.execute(
        "SELECT rule_id, label, message_sql, remedy_sql, clause, url, view_independent FROM finding_templates"
    ).fetchall()

    def literal(text: str | None) -> str:
        return "NULL" if text is None else "'" + text.replace("'", "''") + "'"

    def case(i: int, as_sql: bool) -> str:
        """CASE over (rule_id, label): template column i, as SQL or as a literal."""
        if not templates:
            return "NULL"
        whens = " ".join(f"WHEN rule_id = {literal(t[0])} AND label = {literal(t[1])} THEN "
                         + (f"({t[i]})" if as_sql else literal(t[i])) for t in templates)
        return f"CASE {whens} END"

    independent = sorted({t[0] for t in templates if t[6]})

    def rows() -> str:
        if not independent:
            return f"SELECT * FROM {source}"
        ids = ", ".join(f"'{r}'" for r in independent)
        # stored once, shown under both views
        # the suffix (`+inferred`) of the stored view is kept
        return (f"SELECT * FROM {source} WHERE rule_id NOT IN ({ids}) UNION ALL "
                f"SELECT r.* REPLACE (v.name || substr(r.view, strpos(r.view || '+', '+')) AS view) "
                f"FROM {source} r, (VALUES ('local'), ('effective')) v(name) "
                f"WHERE r.rule_id IN ({ids})")

    return f"""
        SELECT view, rule_id, label, severity, model_key, model_id, relation, hub_relation, model_license,
               ancestor_id, ancestor_license, path, duty,
               coalesce(src_clause, {case(4, False)}) AS clause,
               coalesce(src_url, {case(5, False)}) AS source_url,
               via_noncompliant, possibly_incomplete,
               {case(2, True)} || CASE WHEN via_noncompliant THEN '{VIA_SUFFIX}' ELSE '' END
                 || CASE WHEN coalesce(ancestor_review, false) THEN format({literal(UNVERIFIED_SUFFIX)}, ancestor_license)
                         WHEN coalesce(model_review, false) AND rule_id IN ({", ".join(literal(r) for r in OWN_FACT_RULES)})
                         THEN format({literal(UNVERIFIED_SUFFIX)}, model_license) ELSE '' END AS message,
               {case(3, True)} AS remedy,
               inferred_evidence
        FROM (
          SELECT f.*, s.clause AS src_clause, s.url AS src_url, k.work_kind AS model_work_kind,
                 k.review AS model_review, ka.review AS ancestor_review, ka.card_lines AS ancestor_card
          FROM ({rows()}) f
          LEFT JOIN duty_sources s ON s.license = f.ancestor_license AND s.duty = f.duty
          LEFT JOIN license_kinds k ON k.license = f.model_license
          LEFT JOIN license_kinds ka ON ka.license = f.ancestor_license
        )
        """
