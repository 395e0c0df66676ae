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
from licensegraph.store.db import Store
from licensegraph.store.schema import MODEL_LICENSES_DDL
from licensegraph.vocab import NONE, UNDECIDABLE, UNKNOWN, UNRESOLVED



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
        return resolved, "id" if resolved == low else "alias"
    # A free-text value outside the Hub's list: try it as a license name.
    resolved = kb.resolve_other(value, link)
    if resolved:
        return resolved, "alias"
    return UNRESOLVED, "unrecognized"


def resolve(kb: KnowledgeBase, raws: list[str] | None, name: str | None, link: str | None) -> tuple[str, str]:
    """The declared license list -> (license id, resolution)."""
    if not raws:
        return NONE, "none"
    results = [resolve_one(kb, r, name, link) for r in raws]
    if len(results) == 1:
        return results[0]
    # Several values (a list where the Hub expects one id): take the first decidable one.
    for license_id, _ in results:
        if license_id not in UNDECIDABLE:
            return license_id, "list"
    return results[0][0], "list"


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
    raws, names, links, ids, hows = [], [], [], [], []
    for raw, name, link in combos:
        license_id, how = resolve(kb, raw, name, link)
        raws.append(raw)
        names.append(name)
        links.append(link)
        ids.append(license_id)
        hows.append(how)
    con.register(
        "_resolved",
        pa.table(
            {
                "raw": pa.array(raws, pa.list_(pa.string())),
                "license_name": pa.array(names, pa.string()),
                "license_link": pa.array(links, pa.string()),
                "license": pa.array(ids, pa.string()),
                "resolution": pa.array(hows, pa.string()),
            }
        ),
    )
    con.execute("BEGIN TRANSACTION")
    try:
        if partial:
            con.execute("DELETE FROM model_licenses WHERE model_key IN (SELECT model_key FROM _declared)")
        else:
            con.execute("DROP TABLE IF EXISTS model_licenses")  # rebuilt wholesale
            con.execute(MODEL_LICENSES_DDL)
        con.execute(
            """
            INSERT INTO model_licenses
            SELECT d.model_key, d.id, d.deleted, d.has_record,
                   -- a model known only from lineage rows has no record to read a license from
                   CASE WHEN d.has_record THEN r.license ELSE 'absent' END,
                   CASE WHEN d.has_record THEN r.resolution ELSE 'no-record' END,
                   array_to_string(d.raw, ', '), d.license_name, d.license_link
            FROM _declared d JOIN _resolved r
              ON d.raw IS NOT DISTINCT FROM r.raw
             AND d.license_name IS NOT DISTINCT FROM r.license_name
             AND d.license_link IS NOT DISTINCT FROM r.license_link
            """
        )
        if not partial:
            # point lookups by key (explain, check) go through this index
            con.execute("CREATE INDEX model_licenses_key ON model_licenses (model_key)")
        store.set_meta("normalized_kb", fingerprint)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("_resolved")
        con.execute("DROP TABLE IF EXISTS _declared")
