"""Normalize each dataset's declared license through the same knowledge base as models.

The card's `license:` (or legacy `licenses:`) list, else the `license:<id>` tags, resolve
like a model's (`normalize.resolve_all`). A card without either whose body states the
license on a line of its own ("License: Apache 2.0") resolves from that line when the
knowledge base knows the value (resolution `card-text`).
"""

from __future__ import annotations

import re

import pyarrow as pa

from licensegraph.licenses.fingerprint import kb_fingerprint
from licensegraph.licenses.kb import KnowledgeBase, load_kb
from licensegraph.licenses.normalize import resolve_all
from licensegraph.lineage.data import datasets_state
from licensegraph.lineage.discovery.outputs import is_synthetic
from licensegraph.store.db import Store, transaction
from licensegraph.store.schema import DATASET_LICENSES_DDL
from licensegraph.vocab import NONE

_BODY_LICENSE = re.compile(r"^\s*(?:#+\s*)?(?:\*\*)?licen[sc]e(?:\*\*)?\s*[:：]\s*(?:\*\*)?([^\n|]{2,80}?)\s*$",
                           re.IGNORECASE | re.MULTILINE)


def license_in_text(kb: KnowledgeBase, text: str | None) -> str | None:
    """The license a card body states on a "License: X" line, if the knowledge base knows X."""
    for match in _BODY_LICENSE.finditer(text or ""):
        value = match.group(1).strip().strip("*`. ")
        found = kb.resolve_id(value) or kb.resolve_id(value.replace(" ", "-")) or kb.resolve_other(value, None)
        if found:
            return found
    return None


def normalize_dataset_licenses(store: Store, kb: KnowledgeBase | None = None, incremental: bool = True) -> None:
    """(Re)compute `dataset_licenses` for every dataset record; nothing to do (`incremental`)
    when the dataset records and the knowledge base are those of the last run."""
    kb = kb or load_kb()
    con = store.con
    state = f"{datasets_state(con)}:{kb_fingerprint(kb)}"
    if incremental and store.get_meta("dataset_licenses_state") == state:
        return
    rows = con.execute(
        "SELECT dataset_key, id, CASE WHEN len(card_license) > 0 THEN card_license "
        "WHEN len(tag_licenses) > 0 THEN tag_licenses END, license_name, license_link, card_text, tags, card_json "
        "FROM datasets"
    ).fetchall()
    cols: dict[str, list] = {k: [] for k in ("dataset_key", "id", "license", "resolution", "license_raw",
                                             "licenses", "synthetic")}
    for key, did, raw, name, link, text, tags, card_json in rows:
        license_id, how, every = resolve_all(kb, raw, name, link)
        if license_id == NONE:
            found = license_in_text(kb, text)
            if found:
                license_id, how, every = found, "card-text", [found]
        card_tags = []
        if card_json and '"tags"' in card_json:
            import json

            value = json.loads(card_json).get("tags")
            card_tags = [t for t in value if isinstance(t, str)] if isinstance(value, list) else []
        cols["dataset_key"].append(key)
        cols["id"].append(did)
        cols["license"].append(license_id)
        cols["resolution"].append(how)
        cols["license_raw"].append(", ".join(raw) if raw else None)
        cols["licenses"].append(every)
        cols["synthetic"].append(is_synthetic([*(tags or []), *card_tags]))
    con.register("_dl", pa.table({
        **{k: pa.array(cols[k], pa.string()) for k in ("dataset_key", "id", "license", "resolution", "license_raw")},
        "licenses": pa.array(cols["licenses"], pa.list_(pa.string())),
        "synthetic": pa.array(cols["synthetic"], pa.bool_()),
    }))
    try:
        with transaction(con):
            con.execute("DROP TABLE IF EXISTS dataset_licenses")
            con.execute(DATASET_LICENSES_DDL)
            con.execute("INSERT INTO dataset_licenses BY NAME SELECT * FROM _dl")
            store.set_meta("dataset_licenses_state", state)
    finally:
        con.unregister("_dl")
