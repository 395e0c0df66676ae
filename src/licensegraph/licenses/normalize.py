"""Normalize each model's declared license to a knowledge-base id.

Outcomes: a KB id (Hub id, alias, or `other` resolved through license_name/license_link),
`other-unresolved`, `unknown`, `none` when nothing is declared, or `absent` for a model
known only from lineage rows (no record, so no declared license to read). The raw values stay
beside the result. Distinct raw combinations are few (hundreds even at Hub scale), so
they are resolved once in Python and joined back in SQL.
"""

from __future__ import annotations

import pyarrow as pa

from licensegraph.licenses.fingerprint import kb_fingerprint
from licensegraph.licenses.kb import KnowledgeBase, load_kb
from licensegraph.store.db import Store, transaction
from licensegraph.store.ids import assign_ids
from licensegraph.store.schema import MODEL_LICENSES_DDL
from licensegraph.vocab import NONE, UNDECIDABLE, UNKNOWN, UNRESOLVED

# Resolution of a card whose license_name / license_link name a model license beside a
# `license:` id for another kind of work (deepseek-ai/Janus-Pro-7B: `license: mit` for the
# code, `license_name: deepseek` for the weights). The model carries the named license.
NAME_BESIDE_ID = "name-beside-id"


def named_model_license(kb: KnowledgeBase, resolved: str, name: str | None, link: str | None) -> str | None:
    """The model license that license_name / license_link name beside a `license:` id, when
    the id is a license for another kind of work (software, content, data); else None.

    Only then: a card under one model license whose link points at another (a Llama 3.1
    card linking the Llama 3 text) keeps its id, since the id is the uploader's choice
    among licenses written for the same kind of work."""
    if not (name or link) or resolved not in kb:
        return None
    own = kb.licenses[resolved]
    if own.is_special or own.work_kind == "model":
        return None
    named = kb.resolve_other(name, link)
    if not named or named == resolved or kb.licenses[named].work_kind != "model":
        return None
    return named


def resolve_one(kb: KnowledgeBase, raw: str, name: str | None, link: str | None) -> tuple[str, str]:
    """One declared `license:` value -> (license id, how it was resolved)."""
    value = raw.strip()
    low = value.lower()
    if low == "other":
        resolved = kb.resolve_other(name, link)
        if resolved:
            how = "other-name" if name and kb.resolve_other(name, None) == resolved else "other-link"
            return resolved, how
        return UNRESOLVED, "other-unresolved"
    if low == "unknown":
        return UNKNOWN, "unknown"
    resolved = kb.resolve_id(value)
    if resolved:
        named = named_model_license(kb, resolved, name, link)
        if named:
            return named, NAME_BESIDE_ID
        return resolved, "id" if resolved == low else "alias"
    # A free-text value outside the Hub's list: try it as a license name.
    resolved = kb.resolve_other(value, link)
    if resolved:
        return resolved, "alias"
    return UNRESOLVED, "unrecognized"


def resolve(kb: KnowledgeBase, raws: list[str] | None, name: str | None, link: str | None) -> tuple[str, str]:
    """The declared license list -> (license id, resolution); see `resolve_all`."""
    license_id, how, _ = resolve_all(kb, raws, name, link)
    return license_id, how


def resolve_all(kb: KnowledgeBase, raws: list[str] | None, name: str | None,
                link: str | None) -> tuple[str, str, list[str]]:
    """The declared license list -> (the license the model is judged under, resolution,
    every entry normalized).

    A card that lists several licenses binds the model by all of them: every entry is an
    upstream license of its descendants (rules.context), and the model itself is judged
    under its most restrictive decidable entry (`feasibility.restrictiveness`, the order
    `choose` uses), so that a non-commercial entry is never hidden behind a permissive one."""
    from licensegraph.licenses.feasibility import restrictiveness

    if not raws:
        return NONE, "none", [NONE]
    results = [resolve_one(kb, r, name, link) for r in raws]
    every = list(dict.fromkeys(license_id for license_id, _ in results))
    if len(results) == 1:
        return results[0][0], results[0][1], every
    decidable = [i for i in every if i not in UNDECIDABLE and i in kb]
    if decidable:
        return max(decidable, key=lambda i: restrictiveness(kb.effective(i))), "list", every
    return results[0][0], "list", every


def normalize_licenses(store: Store, kb: KnowledgeBase | None = None, incremental: bool = True) -> None:
    """(Re)compute model_licenses. When the knowledge base is the one the table was built
    with and few models changed since the last audit (table dirty_models), only those are
    redone; otherwise the table is rebuilt."""
    kb = kb or load_kb()
    con = store.con
    fingerprint = kb_fingerprint(kb)
    partial = (incremental and store.get_meta("normalized_kb") == fingerprint
               and store.few_changed(store.scalar("SELECT count(*) FROM model_licenses")))
    scope = "WHERE model_key IN (SELECT model_key FROM dirty_models)" if partial else ""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _declared AS
        SELECT model_key, id, deleted, has_record,
               CASE WHEN len(card_license) > 0 THEN card_license
                    WHEN len(tag_licenses) > 0 THEN tag_licenses END AS raw,
               license_name, license_link
        FROM models {scope}
        """
    )
    combos = con.execute(
        "SELECT DISTINCT raw, license_name, license_link FROM _declared"
    ).fetchall()
    raws, names, links, ids, hows, everys = [], [], [], [], [], []
    for raw, name, link in combos:
        license_id, how, every = resolve_all(kb, raw, name, link)
        raws.append(raw)
        names.append(name)
        links.append(link)
        ids.append(license_id)
        hows.append(how)
        everys.append(every)
    con.register(
        "_resolved",
        pa.table(
            {
                "raw": pa.array(raws, pa.list_(pa.string())),
                "license_name": pa.array(names, pa.string()),
                "license_link": pa.array(links, pa.string()),
                "license": pa.array(ids, pa.string()),
                "resolution": pa.array(hows, pa.string()),
                "licenses": pa.array(everys, pa.list_(pa.string())),
            }
        ),
    )
    try:
        with transaction(con):
            assign_ids(con, "SELECT model_key FROM _declared")  # normally done by lineage.build
            if partial:
                con.execute("DELETE FROM model_licenses WHERE model_key IN (SELECT model_key FROM _declared)")
            else:
                con.execute("DROP TABLE IF EXISTS model_licenses")  # rebuilt wholesale
                con.execute(MODEL_LICENSES_DDL)
            written = con.execute(
                """
                INSERT INTO model_licenses BY NAME
                SELECT d.model_key, d.id, d.deleted, d.has_record,
                       -- a model known only from lineage rows has no record to read a license from
                       CASE WHEN d.has_record THEN r.license ELSE 'absent' END AS license,
                       CASE WHEN d.has_record THEN r.resolution ELSE 'no-record' END AS resolution,
                       array_to_string(d.raw, ', ') AS license_raw, d.license_name, d.license_link,
                       CASE WHEN d.has_record THEN r.licenses ELSE ['absent'] END AS licenses,
                       i.uid
                FROM _declared d JOIN _resolved r
                  ON d.raw IS NOT DISTINCT FROM r.raw
                 AND d.license_name IS NOT DISTINCT FROM r.license_name
                 AND d.license_link IS NOT DISTINCT FROM r.license_link
                JOIN model_ids i ON i.model_key = d.model_key
                """ + ("RETURNING uid" if partial else "")
            )
            # the changed models' uids beside their keys (store.schema, dirty_uids): when
            # partial, the rows just written are exactly those of dirty_models
            dirty_uids = written.fetchnumpy()["uid"] if partial else None
            con.execute("DELETE FROM dirty_uids")
            if dirty_uids is not None:
                con.register("_dirty_uids", pa.table({"uid": dirty_uids}))
                con.execute("INSERT INTO dirty_uids SELECT uid FROM _dirty_uids")
                con.unregister("_dirty_uids")
            else:
                con.execute("INSERT INTO dirty_uids SELECT DISTINCT i.uid FROM dirty_models d "
                            "JOIN model_ids i USING (model_key)")
            if not partial:
                # point lookups by key (explain, check) go through this index
                con.execute("CREATE INDEX model_licenses_key ON model_licenses (model_key)")
            store.set_meta("normalized_kb", fingerprint)
            # the last derived table: records, lineage and licenses agree again
            store.mark_derived_fresh()
    finally:
        con.unregister("_resolved")
        con.execute("DROP TABLE IF EXISTS _declared")
