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

from licensegraph.api.model_lists import (
    check_view,
    first_children,
    key_filter,
    known_model,
    reach_rows,
    relation_counts,
    worst_severities,
)
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


def _descendant_levels(reach: tuple[Any, ...] | None, depth: int) -> dict[int, int]:
    """Exact number of distinct descendants at each (shortest) distance up to `depth`,
    counted at lineage time (lineage.reach)."""
    if reach is None:
        return {}
    return {d: int(n) for d, n in enumerate(reach[-1][:depth], start=1) if n}


def _children_shown(store: Store, frontier: list[str], limit: int, view: str,
                    reach: dict[str, tuple[Any, ...]]) -> tuple[Rows, list[tuple[str, str, int]]]:
    """For each model of `frontier`: its first `limit` children (those with a violation in
    `view` first, then by id), and its children counted by relation. Counts, the
    noncompliant children and the first children in id order were computed at lineage and
    audit time, so a model with thousands of children costs no more rows than it shows."""
    parents = [k for k in frontier if k in reach]
    counts = [(pk, rel, n) for pk in parents for rel, n in relation_counts(reach[pk]).items()]
    if not parents:
        return [], counts
    where, params = key_filter("parent_key", parents)
    bad: dict[str, list[tuple[str, str, str]]] = {}
    for pk, row_view, ck, cid, rel in store.con.execute(
            f"SELECT parent_key, view, child_key, child_id, relation FROM noncompliant_children WHERE {where}",
            params).fetchall():
        if row_view == view:
            bad.setdefault(pk, []).append((ck, cid, rel))
    # the first `limit` children in id order hold enough of the others, however many are bad
    need = [pk for pk in parents if len(bad.get(pk, ())) < limit]
    first = first_children(store, need, None, 0, limit)
    shown: Rows = []
    for pk in parents:
        rows = sorted(bad.get(pk, []))[:limit]
        taken = {r[0] for r in rows}
        rows += [(ck, cid, rel) for _, ck, cid, rel in first.get(pk, []) if ck not in taken][:limit - len(rows)]
        shown += [(rn, pk, ck, cid, rel) for rn, (ck, cid, rel) in enumerate(rows, start=1)]
    return shown, counts


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
    reach = reach_rows(store, [key])
    down = _descendant_levels(reach.get(key), depth)

    frontier = [key]
    for d in range(1, depth + 1):
        if not frontier or len(nodes) >= budget:
            break
        if d > 1:
            reach = reach_rows(store, frontier)
        ranked, counts = _children_shown(store, frontier, limit, view, reach)
        per_relation = {(pk, rel): n for pk, rel, n in counts}
        shown: dict[tuple[str, str], int] = {}
        nxt = []
        for _, pk, ck, cid, rel in sorted(ranked):  # round-robin over parents: each gets its first children
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
