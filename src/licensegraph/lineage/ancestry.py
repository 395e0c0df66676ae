"""Reading a model's ancestry from the store: every ancestor, breadth-first."""

from __future__ import annotations

from typing import Any

from licensegraph.store.db import Store
from licensegraph.vocab import ABSENT

ANCESTOR_FIELDS = ("ancestor_id", "depth", "child_id", "relation", "relation_source", "hub_relation", "evidence",
                   "license", "license_raw", "resolution", "dangling", "in_cycle")


def _in(values: list[str]) -> str:
    return "(" + ", ".join("?" for _ in values) + ")"


def ancestors(store: Store, key: str, max_depth: int = 64) -> list[dict[str, Any]]:
    """Every ancestor of the model `key` (lower-cased id), breadth-first, with the edge that
    reached it first; keys are `ANCESTOR_FIELDS`.

    One indexed lookup per level (edges by child, licenses by key), so the cost follows
    the size of the ancestry, not of the store."""
    seen = {key}
    frontier = [key]
    out: list[dict[str, Any]] = []
    depth = 0
    while frontier and depth < max_depth:
        depth += 1
        rows = store.con.execute(
            f"""
            SELECT child_key, child_id, parent_key, parent_id, relation, relation_source,
                   hub_relation, evidence, dangling, in_cycle, self_loop
            FROM edges WHERE child_key IN {_in(frontier)}
            """,  # the bare IN filter is what the index serves; sort and filter here
            frontier,
        ).fetchall()
        rows = sorted((r[:10] for r in rows if not r[10]), key=lambda r: (r[0], r[2]))
        parents = sorted({r[2] for r in rows} - seen)
        licenses = {}
        if parents:
            licenses = {r[0]: r[1:] for r in store.con.execute(
                f"SELECT model_key, license, license_raw, resolution FROM model_licenses WHERE model_key IN {_in(parents)}",
                parents,
            ).fetchall()}
        frontier = []
        for (_ck, cid, pk, pid, rel, src, hub, ev, dangling, cyc) in rows:
            if pk in seen:
                continue
            seen.add(pk)
            frontier.append(pk)
            lic, raw, res = licenses.get(pk, (ABSENT, None, None))
            out.append(dict(zip(ANCESTOR_FIELDS, (pid, depth, cid, rel, src, hub, ev, lic, raw, res,
                                                  bool(dangling), bool(cyc)))))
    return out
