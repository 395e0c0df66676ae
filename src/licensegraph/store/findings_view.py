"""The `findings` view: stored finding rows plus text computed on read.

Messages and remedies are SQL templates of the rules (saved in `finding_templates` by the
audit), so a million findings cost a million small rows, not a million sentences.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

from licensegraph.vocab import ALL_VIEWS, RELATIONS, UNLABELLED

if TYPE_CHECKING:
    from licensegraph.store.db import Store

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
#: The columns of `finding_rows` (the stored facts with names joined in), in order.
ROW_COLUMNS = ("view", "rule_id", "label", "severity", "model_key", "model_id", "relation", "hub_relation",
               "model_license", "ancestor_id", "ancestor_license", "path", "duty", "via_noncompliant",
               "possibly_incomplete", "detail", "inferred_evidence")

#: finding_facts.view codes.
VIEW_NAMES = ALL_VIEWS
#: finding_facts.rel // 6 and % 6: the relation, the Hub's relation (None: no parent).
REL_NAMES = (*RELATIONS, UNLABELLED, None)
#: finding_facts.flags bits.
WARNING_FLAG, VIA_FLAG, INCOMPLETE_FLAG = 1, 2, 4
#: model_outcomes code of a noncompliant model (rules.engine).
NONCOMPLIANT_CODE = 2


def _literal_list(names) -> str:
    return "([" + ", ".join("NULL" if n is None else f"'{n}'" for n in names) + "]::VARCHAR[])"


def listed_facts_sql(con, severity: str | None = None) -> str:
    """finding_facts rows of the findings that are listed from `model_outcomes` (rules that are
    a pure function of the model's own license: stored as outcome codes only); only those of
    rules of `severity` if given."""
    only = "" if severity is None else "WHERE kind IN (SELECT kind FROM finding_kinds WHERE severity = ?)"
    return _listed_sql(con.execute(f"SELECT view, kind, word, shift FROM outcome_findings {only} ORDER BY ALL",
                                   [] if severity is None else [severity]).fetchall())


def _listed_sql(outcome_findings) -> str:
    """listed_facts_sql from the (view, kind, word, shift) rows of outcome_findings."""
    return " UNION ALL ".join(
        f"SELECT {view}::TINYINT AS view, {kind}::SMALLINT AS kind, uid, combo::TINYINT AS rel, lic, "
        "NULL::INTEGER AS anc, NULL::SMALLINT AS anc_lic, NULL::INTEGER[] AS via, 0::TINYINT AS flags, "
        "NULL::VARCHAR AS detail, NULL::VARCHAR AS inferred_evidence "
        f"FROM model_outcomes WHERE (w{word} >> {shift}) & 7 = {NONCOMPLIANT_CODE}"
        for view, kind, word, shift in outcome_findings)


def _rows_sql(listed: str) -> str:
    """SELECT of `finding_rows`: the stored facts, and the findings listed from outcomes
    (`listed`: listed_facts_sql), with names, licenses and paths joined in; then the rows of
    the rules over data."""
    facts = "SELECT * FROM finding_facts" + (f" UNION ALL {listed}" if listed else "")
    return f"""
        WITH dangling AS (  -- parents that are not stored: their id as a child names them
            SELECT uid, any_value(id) AS id FROM (
                SELECT parent_uid AS uid, parent_id AS id FROM edges WHERE dangling
                UNION ALL
                SELECT i.uid, e.parent_id FROM inferred_edges e JOIN model_ids i ON i.model_key = e.parent_key
                WHERE e.used AND e.dangling)
            GROUP BY uid),
        vias AS (
            SELECT v.via, list(coalesce(n.id, d.id) ORDER BY v.i) AS ids
            FROM (SELECT via, unnest(via) AS uid, generate_subscripts(via, 1) AS i
                  FROM (SELECT DISTINCT via FROM finding_facts WHERE via IS NOT NULL)) v
            LEFT JOIN model_licenses n ON n.uid = v.uid LEFT JOIN dangling d ON d.uid = v.uid
            GROUP BY v.via),
        named AS (
            SELECT {_literal_list(VIEW_NAMES)}[f.view + 1] AS view, k.rule_id, k.label,
                   CASE WHEN f.flags & {WARNING_FLAG} <> 0 THEN 'warning' ELSE k.severity END AS severity,
                   m.model_key, m.id AS model_id,
                   {_literal_list(REL_NAMES)}[f.rel // 6 + 1] AS relation,
                   {_literal_list(REL_NAMES)}[f.rel % 6 + 1] AS hub_relation,
                   ml.license AS model_license, coalesce(a.id, ad.id) AS ancestor_id, al.license AS ancestor_license,
                   f.anc, v.ids AS via_ids, k.duty,
                   f.flags & {VIA_FLAG} <> 0 AS via_noncompliant, f.flags & {INCOMPLETE_FLAG} <> 0 AS possibly_incomplete,
                   f.detail, f.inferred_evidence
            FROM ({facts}) f
            JOIN finding_kinds k ON k.kind = f.kind
            LEFT JOIN model_licenses m ON m.uid = f.uid
            LEFT JOIN model_licenses a ON a.uid = f.anc
            LEFT JOIN dangling ad ON ad.uid = f.anc
            LEFT JOIN license_codes ml ON ml.code = f.lic
            LEFT JOIN license_codes al ON al.code = f.anc_lic
            LEFT JOIN vias v ON v.via = f.via)
        SELECT view, rule_id, label, severity, model_key, model_id, relation, hub_relation, model_license,
               ancestor_id, ancestor_license,
               CASE WHEN anc IS NULL THEN [model_id] ELSE list_concat([model_id], coalesce(via_ids, []), [ancestor_id])
               END AS path,
               duty, via_noncompliant, possibly_incomplete, detail, inferred_evidence
        FROM named
        UNION ALL
        SELECT {", ".join(ROW_COLUMNS)} FROM data_findings
        """


def _keys_sql(listed: str) -> str:
    """SELECT of `finding_keys`: which model has which finding (view, rule_id, label,
    severity, model_key), without the ancestors and paths: cheap to scan (`listed` as for
    `_rows_sql`)."""
    facts = "SELECT view, kind, uid, flags FROM finding_facts" + (
        f" UNION ALL SELECT view, kind, uid, flags FROM ({listed})" if listed else "")
    return f"""
        SELECT {_literal_list(VIEW_NAMES)}[f.view + 1] AS view, k.rule_id, k.label,
               CASE WHEN f.flags & {WARNING_FLAG} <> 0 THEN 'warning' ELSE k.severity END AS severity,
               m.model_key
        FROM ({facts}) f JOIN finding_kinds k ON k.kind = f.kind LEFT JOIN model_licenses m ON m.uid = f.uid
        UNION ALL
        SELECT view, rule_id, label, severity, model_key FROM data_findings
        """


def refresh_findings_view(con) -> None:
    """(Re)create the `finding_rows` view (stored facts with their names), `finding_keys`
    (which model has which finding) and the `findings` view over finding_rows: the message,
    remedy, clause and source, computed on read from the rules' templates."""
    listed = listed_facts_sql(con)
    con.execute(f"CREATE OR REPLACE VIEW finding_rows AS {_rows_sql(listed)}")
    con.execute(f"CREATE OR REPLACE VIEW finding_keys AS {_keys_sql(listed)}")
    con.execute(f"CREATE OR REPLACE VIEW findings AS {findings_sql(con, 'finding_rows')}")


class RenderTables(NamedTuple):
    """The small tables one model's findings are rendered with (the audit writes them; a
    reader takes them whole, in one query: see `render_tables`)."""

    kinds: dict[int, tuple[str, str, str, str]]  # finding kind -> (rule_id, label, severity, duty)
    licenses: dict[int, str]  # license code -> license id
    listed: str  # listed_facts_sql: the findings listed from outcome codes
    templates: dict[tuple[str, str], tuple[str, str, str | None, str | None, bool]]  # (rule, label) -> texts
    sources: dict[tuple[str, str], tuple[str, str]]  # (license, duty) -> (clause, url)
    work_kinds: dict[str, str]
    review: dict[str, bool]
    card_lines: dict[str, str]
    #: whether the store holds any data finding: a model's are looked up only then (most
    #: stores hold none, and the look-up is a scan of the table by key)
    data_findings: bool


def render_tables(con) -> RenderTables:
    """The tables of `RenderTables`, read in one query (six small queries cost more than the
    rows of a model's findings). A store opened read-only keeps them (`Store.memo`)."""
    kinds, codes, outcome, templates, sources, lic_kinds, data_findings = con.execute(
        """
        SELECT (SELECT list((kind, rule_id, label, severity, duty)) FROM finding_kinds),
               (SELECT list((code, license)) FROM license_codes),
               (SELECT list((view, kind, word, shift) ORDER BY view, kind, word, shift) FROM outcome_findings),
               (SELECT list((rule_id, label, message_sql, remedy_sql, clause, url, view_independent))
                FROM finding_templates),
               (SELECT list((license, duty, clause, url)) FROM duty_sources),
               (SELECT list((license, work_kind, review, card_lines)) FROM license_kinds),
               EXISTS (SELECT 1 FROM data_findings)
        """).fetchone()
    lic_kinds = list(lic_kinds or ())
    return RenderTables(
        kinds={k: (r, label, sev, duty) for k, r, label, sev, duty in (kinds or ())},
        licenses={c: lic for c, lic in (codes or ())},
        listed=_listed_sql(outcome or ()),
        templates={(r, label): (m, rem, clause, url, bool(indep)) for r, label, m, rem, clause, url, indep
                   in (templates or ())},
        sources={(lic, duty): (clause, url) for lic, duty, clause, url in (sources or ())},
        work_kinds={lic: kind for lic, kind, _, _ in lic_kinds},
        review={lic: bool(flag) for lic, _, flag, _ in lic_kinds},
        card_lines={lic: text for lic, _, _, text in lic_kinds},
        data_findings=bool(data_findings),
    )


def store_render_tables(store: Store) -> RenderTables:
    """`render_tables` of a store, kept while it is open read-only (`Store.memo`)."""
    return store.memo("render_tables", lambda: render_tables(store.con))


def _names_of(cur, uids: set[int], known: Mapping[int, str] | None = None) -> dict[int, str]:
    """Display ids of a few uids: those `known` already (a caller's walk of the lineage), else
    stored models, else parents named by an edge (dangling). A branch per uid, so that each
    look-up is served by the uid order of model_ids and the key index of model_licenses (a
    set of uids would scan two million rows)."""
    found = {u: known[u] for u in uids if u in known} if known else {}
    wanted = sorted(uids - found.keys())
    if not wanted:
        return found
    keys = dict(cur.execute(" UNION ALL ".join(["SELECT uid, model_key FROM model_ids WHERE uid = ?"] * len(wanted)),
                            wanted).fetchall())
    if not keys:
        return found
    key_list = list(keys.values())
    names = dict(cur.execute(" UNION ALL ".join(["SELECT model_key, id FROM model_licenses WHERE model_key = ?"]
                                                * len(key_list)), key_list).fetchall())
    for key in (k for k in key_list if k not in names):  # parents that are not stored
        row = (cur.execute("SELECT parent_id FROM edges WHERE parent_key = ? AND dangling LIMIT 1", [key]).fetchall()
               or cur.execute("SELECT parent_id FROM inferred_edges WHERE parent_key = ? AND used AND dangling LIMIT 1",
                              [key]).fetchall())
        if row:
            names[key] = row[0][0]
    return found | {uid: names[key] for uid, key in keys.items() if key in names}


def stored_rows_of(con, model_key: str, tables: RenderTables | None = None, model: tuple[int, str] | None = None,
                   names: Mapping[int, str] | None = None) -> list[tuple]:
    """One model's `finding_rows` (columns ROW_COLUMNS), read by its uid: the facts from the
    row group of finding_facts whose uid range holds it (a full audit writes them by uid),
    the listed ones from its outcome row. A caller that has them passes the render tables,
    the model's (uid, display id) and display ids of uids (its ancestors'), each saving a
    query."""
    cur = con.cursor()
    if model is None:
        found = cur.execute("SELECT uid, id FROM model_licenses WHERE model_key = ?", [model_key]).fetchall()
        model = found[0] if found else None
    data = [] if tables is not None and not tables.data_findings else cur.execute(
        f"SELECT {', '.join(ROW_COLUMNS)} FROM data_findings WHERE model_key = ?", [model_key]).fetchall()
    if model is None:
        return data
    uid, model_id = model
    tables = tables or render_tables(cur)
    listed = tables.listed
    facts = cur.execute(
        "SELECT view, kind, rel, lic, anc, anc_lic, via, flags, detail, inferred_evidence FROM finding_facts "
        "WHERE uid = $uid" + (f" UNION ALL SELECT view, kind, rel, lic, anc, anc_lic, via, flags, detail, "
                              f"inferred_evidence FROM ({listed}) WHERE uid = $uid" if listed else ""),
        {"uid": uid}).fetchall()
    if not facts:
        return data
    kinds, licenses = tables.kinds, tables.licenses
    names = _names_of(cur, {f[4] for f in facts if f[4] is not None} | {u for f in facts for u in (f[6] or ())},
                      names)
    out = []
    for view, kind, rel, lic, anc, anc_lic, via, flags, detail, evidence in facts:
        rule_id, label, severity, duty = kinds[kind]
        anc_id = names.get(anc) if anc is not None else None
        path = [model_id] if anc is None else [model_id, *(names.get(u) for u in via or ()), anc_id]
        out.append((VIEW_NAMES[view], rule_id, label, "warning" if flags & WARNING_FLAG else severity, model_key,
                    model_id, REL_NAMES[rel // 6], REL_NAMES[rel % 6], licenses.get(lic), anc_id,
                    licenses.get(anc_lic), path, duty, bool(flags & VIA_FLAG), bool(flags & INCOMPLETE_FLAG),
                    detail, evidence))
    return out + data


def findings_of(con, model_key: str, tables: RenderTables | None = None, model: tuple[int, str] | None = None,
                names: Mapping[int, str] | None = None) -> list[tuple]:
    """One model's findings, with the `findings` view's columns (the optional arguments as
    for `stored_rows_of`).

    The view's SQL is large (every rule's templates), and compiling it costs more than
    reading one model's rows; so rows come by the model's uid (stored_rows_of) and the
    templates of the model's rules are applied in one small query, a branch per rule."""
    tables = tables or render_tables(con)
    rows = stored_rows_of(con, model_key, tables, model, names)
    if not rows:
        return []
    col = {n: i for i, n in enumerate(ROW_COLUMNS)}
    groups = []
    for rule_label in sorted({(r[col["rule_id"]], r[col["label"]]) for r in rows}):
        group = [r for r in rows if (r[col["rule_id"]], r[col["label"]]) == rule_label]
        template = tables.templates.get(rule_label, ("NULL", "NULL", None, None, False))
        if template[4]:  # view-independent: stored once, shown under both views (declared, or both with inferred edges)
            group = [tuple(v if i != col["view"] else view + r[col["view"]][len(r[col["view"]].split("+")[0]):]
                           for i, v in enumerate(r))
                     for r in group for view in ("local", "effective")]
        groups.append((group, template))
    branches, params = [], {}
    for g, (group, (message, remedy, *_)) in enumerate(groups):
        branches.append(f"SELECT {g} AS g, i, {message} AS message, {remedy} AS remedy "
                        f"FROM (SELECT unnest($rows{g}, recursive := true))")
        params[f"rows{g}"] = [
            {"i": i, "model_license": r[col["model_license"]], "ancestor_license": r[col["ancestor_license"]],
             "ancestor_id": r[col["ancestor_id"]], "model_id": r[col["model_id"]], "detail": r[col["detail"]],
             "model_work_kind": tables.work_kinds.get(r[col["model_license"]]),
             "ancestor_card": tables.card_lines.get(r[col["ancestor_license"]])}
            for i, r in enumerate(group)]
    texts = {(g, i): (msg, rem) for g, i, msg, rem in con.cursor().execute(" UNION ALL ".join(branches),
                                                                           params).fetchall()}
    out = []
    for g, (group, (_, _, t_clause, t_url, _)) in enumerate(groups):
        for i, r in enumerate(group):
            msg, rem = texts[(g, i)]
            clause, url = tables.sources.get((r[col["ancestor_license"]], r[col["duty"]]), (None, None))
            via = r[col["via_noncompliant"]]
            out.append((
                r[col["view"]], r[col["rule_id"]], r[col["label"]], r[col["severity"]], r[col["model_key"]],
                r[col["model_id"]], r[col["relation"]], r[col["hub_relation"]], r[col["model_license"]],
                r[col["ancestor_id"]], r[col["ancestor_license"]], r[col["path"]], r[col["duty"]],
                clause or t_clause, url or t_url, via, r[col["possibly_incomplete"]],
                None if msg is None else (msg + (VIA_SUFFIX if via else "") + unverified_suffix(
                    r[col["rule_id"]], r[col["ancestor_license"]], r[col["model_license"]], tables.review)), rem,
                r[col["inferred_evidence"]],
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
