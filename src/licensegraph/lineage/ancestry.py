"""Reading a model's ancestry from the store: every ancestor, breadth-first."""

from __future__ import annotations

from typing import Any, NamedTuple

from licensegraph.store.db import Store
from licensegraph.vocab import ABSENT

ANCESTOR_FIELDS = ("ancestor_id", "depth", "child_id", "relation", "relation_source", "hub_relation", "evidence",
                   "license", "license_raw", "resolution", "dangling", "in_cycle")

#: The keys of an edge of `Ancestry.parent_edges` (the model's own parents).
EDGE_FIELDS = ("child_key", "child_id", "parent_key", "parent_id", "relation", "relation_source", "hub_relation",
               "evidence", "in_card", "in_tags", "in_lineage", "dangling", "in_cycle", "self_loop", "parent_uid")


def _in(values: list[str]) -> str:
    return "(" + ", ".join("?" for _ in values) + ")"


class Ancestry(NamedTuple):
    """A model's ancestors (dicts keyed by `ANCESTOR_FIELDS`, breadth-first, each with the
    edge that reached it first), the model's own edges (dicts keyed by `EDGE_FIELDS`,
    self-loops included, in no order) and the ancestors' display ids by uid."""

    ancestors: list[dict[str, Any]]
    parent_edges: list[dict[str, Any]]
    #: display ids of the ancestors by their integer ids (what findings' paths are made of)
    names: dict[int, str]


def ancestry(store: Store, key: str, max_depth: int = 64) -> Ancestry:
    """The ancestry of the model `key` (lower-cased id): see `Ancestry`.

    The walk reads only keys, one indexed lookup per level (a recursive query joins every
    edge of the store at each level: slower than the index on a 2M-model store); the edge
    rows and licenses of what it reached then come in two indexed lookups. Each lookup is a
    bare IN filter, which is what the index serves: other conditions are applied here."""
    con = store.con
    seen = {key}
    frontier = [key]
    reached: list[tuple[int, str, str]] = []  # (depth, child key, parent key), in walk order
    depth = 0
    while frontier and depth < max_depth:
        depth += 1
        rows = con.execute(f"SELECT child_key, parent_key FROM edges WHERE child_key IN {_in(frontier)}",
                           frontier).fetchall()
        frontier = []
        for ck, pk in sorted(rows):  # a self-loop's parent is its child: already seen
            if pk not in seen:
                seen.add(pk)
                frontier.append(pk)
                reached.append((depth, ck, pk))
    children = sorted({ck for _, ck, _ in reached} | {key})
    edge_rows = con.execute(f"SELECT {', '.join(EDGE_FIELDS)} FROM edges WHERE child_key IN {_in(children)}",
                            children).fetchall()
    edge_of = {(r[0], r[2]): r for r in edge_rows}
    parents = [pk for _, _, pk in reached]
    licenses = {}
    if parents:
        licenses = {r[0]: r[1:] for r in con.execute(
            f"SELECT model_key, license, license_raw, resolution FROM model_licenses WHERE model_key IN {_in(parents)}",
            parents,
        ).fetchall()}
    out = []
    names = {}
    for d, ck, pk in reached:
        (_ck, cid, _pk, pid, rel, src, hub, ev, _card, _tags, _lin, dangling, cyc, _loop, puid) = edge_of[(ck, pk)]
        names[puid] = pid
        lic, raw, res = licenses.get(pk, (ABSENT, None, None))
        out.append(dict(zip(ANCESTOR_FIELDS, (pid, d, cid, rel, src, hub, ev, lic, raw, res,
                                              bool(dangling), bool(cyc)))))
    return Ancestry(out, [dict(zip(EDGE_FIELDS, r)) for r in edge_rows if r[0] == key], names)


def ancestors(store: Store, key: str, max_depth: int = 64) -> list[dict[str, Any]]:
    """Every ancestor of the model `key` (lower-cased id), breadth-first, with the edge that
    reached it first; keys are `ANCESTOR_FIELDS`. The cost follows the size of the ancestry,
    not of the store (see `ancestry`)."""
    return ancestry(store, key, max_depth).ancestors
