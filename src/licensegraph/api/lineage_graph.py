"""The lineage graph around one model: its ancestors and descendants to a depth.

A popular base model has thousands of derivatives (FLUX.1-dev has 11,394 children in the
2025 lineage file), more than anyone can read in a picture. So each model shows at most
`limit` children, and the whole graph at most `budget` nodes; the children left out are
drawn as one box per (parent, relation) that says how many models it stands for. The
numbers of models at each distance are exact, so a page can say what it leaves out.

Children are shown noncompliant first, then in id order.
"""

from __future__ import annotations

from typing import Any

from licensegraph.api.model_lists import check_view, key_filter, known_model, worst_severities
from licensegraph.api.results import GraphEdge, GraphNode, LevelCount, LineageGraph
from licensegraph.licenses.kb import KnowledgeBase
from licensegraph.store.db import Store
from licensegraph.vocab import ABSENT, VIOLATION

MAX_DEPTH = 6
MAX_LIMIT = 200
MAX_BUDGET = 2000
#: The family a node gets when its license is a placeholder (none, unknown, absent...).
NO_FAMILY = "none"


def _check(depth: int, limit: int, budget: int) -> None:
    if not 1 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must be between 1 and {MAX_DEPTH}, not {depth}")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    if not 10 <= budget <= MAX_BUDGET:
        raise ValueError(f"budget must be between 10 and {MAX_BUDGET}, not {budget}")


def edges_of(store: Store, column: str, keys: list[str], select: str) -> list[tuple[Any, ...]]:
    """`select` over the non-self-loop edges whose `column` (child_key or parent_key) is in `keys`."""
    if column not in ("child_key", "parent_key"):
        raise ValueError(f"not an edge key column: {column!r}")
    if not keys:
        return []
    where, params = key_filter(column, keys)
    # the bare IN filter is what the index serves: any other condition makes DuckDB scan
    rows = store.con.execute(f"SELECT self_loop, {select} FROM edges WHERE {where}", params).fetchall()
    return [r[1:] for r in rows if not r[0]]


def _ancestors(store: Store, key: str, depth: int, budget: int, nodes: dict[str, tuple[str, int]],
               edges: dict[tuple[str, str], str]) -> dict[int, int]:
    """Breadth-first up the edges (one indexed lookup per level); returns models per level."""
    frontier = [key]
    levels: dict[int, int] = {}
    for d in range(1, depth + 1):
        if not frontier:
            break
        nxt = []
        for ck, pk, pid, rel in sorted(edges_of(store, "child_key", frontier,
                                                "child_key, parent_key, parent_id, relation")):
            if pk not in nodes:
                nxt.append(pk)
                nodes[pk] = (pid, -d)
            edges[(pk, ck)] = rel
        if nxt:
            levels[-d] = len(nxt)
        if len(nodes) >= budget // 2:  # merges of merges: keep room for descendants
            break
        frontier = nxt
    return levels


Rows = list[tuple[Any, ...]]


def _descendant_levels(store: Store, key: str, depth: int) -> tuple[dict[int, int], dict[str, Rows]]:
    """Exact number of distinct descendants at each (shortest) distance, breadth-first; and
    the edges read on the way, by parent key (parent_key, relation, child_key, child_id)."""
    seen = {key}
    frontier = [key]
    levels: dict[int, int] = {}
    children: dict[str, Rows] = {}
    for d in range(1, depth + 1):
        if not frontier:
            break
        for k in frontier:
            children[k] = []
        for row in edges_of(store, "parent_key", frontier, "parent_key, relation, child_key, child_id"):
            children[row[0]].append(row)
        frontier = sorted({r[2] for k in frontier for r in children[k]} - seen)
        seen.update(frontier)
        if frontier:
            levels[d] = len(frontier)
    return levels, children


def _violators(store: Store, keys: list[str]) -> set[str]:
    """The keys with a violation in either view (drawn first among a parent's children)."""
    if not keys:
        return set()
    where, params = key_filter("model_key", keys)
    rows = store.con.execute(f"SELECT model_key, severity FROM finding_rows WHERE {where}", params).fetchall()
    return {k for k, severity in rows if severity == VIOLATION}


def lineage_graph(store: Store, kb: KnowledgeBase, model_id: str, depth: int = 2, view: str = "effective",
                  limit: int = 25, budget: int = 300) -> LineageGraph:
    """Ancestors and descendants of `model_id` to `depth` levels each way (ModelNotFound if absent)."""
    check_view(view)
    _check(depth, limit, budget)
    key, display_id, _ = known_model(store, model_id)
    nodes: dict[str, tuple[str, int]] = {key: (display_id, 0)}  # key -> (id, depth)
    edges: dict[tuple[str, str], str] = {}  # (parent key, child key) -> relation
    boxes: list[GraphNode] = []
    box_edges: list[GraphEdge] = []
    up = _ancestors(store, key, depth, budget, nodes, edges)
    down, read = _descendant_levels(store, key, depth)

    frontier = [key]
    for d in range(1, depth + 1):
        if not frontier or len(nodes) >= budget:
            break
        if all(k in read for k in frontier):  # read while counting: no second lookup
            rows = [r for k in frontier for r in read[k]]
        else:
            rows = edges_of(store, "parent_key", frontier, "parent_key, relation, child_key, child_id")
        violators = _violators(store, [r[2] for r in rows])
        by_parent: dict[str, list[tuple[bool, str, str, str]]] = {}
        per_relation: dict[tuple[str, str], int] = {}
        for pk, rel, ck, cid in rows:
            by_parent.setdefault(pk, []).append((ck not in violators, ck, cid, rel))
            per_relation[(pk, rel)] = per_relation.get((pk, rel), 0) + 1
        ranked = []
        for pk, kids in by_parent.items():
            ranked += [(rank, pk, kid) for rank, kid in enumerate(sorted(kids)[:limit])]
        shown: dict[tuple[str, str], int] = {}
        nxt = []
        for _, pk, (_, ck, cid, rel) in sorted(ranked):  # round-robin over parents: each gets its first children
            if ck not in nodes:
                if len(nodes) >= budget:
                    continue
                nodes[ck] = (cid, d)
                nxt.append(ck)
            edges[(pk, ck)] = rel
            shown[(pk, rel)] = shown.get((pk, rel), 0) + 1
        for (pk, rel), n in sorted(per_relation.items()):
            hidden = n - shown.get((pk, rel), 0)
            if hidden > 0:
                box_id = f"more:{nodes[pk][0]}:{rel}"
                boxes.append(GraphNode(node_id=box_id, kind="more", model_id=nodes[pk][0], license=None, family=None,
                                       depth=d, severity=None, noncompliant=False, has_record=False, relation=rel,
                                       hidden=hidden))
                box_edges.append(GraphEdge(source=nodes[pk][0], target=box_id, relation=rel))
        frontier = nxt

    keys = list(nodes)
    where, params = key_filter("model_key", keys)
    info = {k: (lic, bool(rec)) for k, lic, rec in store.con.execute(
        f"SELECT model_key, license, has_record FROM model_licenses WHERE {where}", params
    ).fetchall()}
    severity = worst_severities(store, keys, view)
    model_nodes = []
    for k, (mid, dist) in nodes.items():
        lic, has_record = info.get(k, (ABSENT, False))
        family = kb.get(lic).family if lic in kb else NO_FAMILY
        sev = severity.get(k)
        model_nodes.append(GraphNode(node_id=mid, kind="model", model_id=mid, license=lic, family=family, depth=dist,
                                     severity=sev, noncompliant=sev == VIOLATION, has_record=has_record,
                                     relation=None, hidden=0))
    model_edges = [GraphEdge(source=nodes[pk][0], target=nodes[ck][0], relation=rel)
                   for (pk, ck), rel in sorted(edges.items())]
    shown_at: dict[int, int] = {}
    for _, dist in nodes.values():
        shown_at[dist] = shown_at.get(dist, 0) + 1
    levels = [LevelCount(depth=lvl, models=n, shown=shown_at.get(lvl, 0)) for lvl, n in sorted(up.items())]
    levels += [LevelCount(depth=lvl, models=n, shown=shown_at.get(lvl, 0)) for lvl, n in sorted(down.items())]
    return LineageGraph(
        model_id=display_id, view=view, depth=depth, limit=limit, budget=budget,
        nodes=tuple(sorted(model_nodes, key=lambda n: (n.depth, n.node_id))) + tuple(boxes),
        edges=tuple(model_edges) + tuple(box_edges),
        levels=tuple(levels),
        aggregated=bool(boxes),
    )
