"""The lineage graph around one model: its ancestors and descendants to a depth.

A popular base model has thousands of derivatives (FLUX.1-dev has 11,394 children in the
2025 lineage file), more than anyone can read in a picture. So each model shows at most
`limit` children, and the whole graph at most `budget` nodes; the children left out are
drawn as one box per (parent, relation) that says how many models it stands for. The
numbers of models at each distance are exact, so a page can say what it leaves out.

Children are shown noncompliant first, then most downloaded first.
"""

from __future__ import annotations

from licensegraph.api.model_lists import check_view, model_key, worst_severities
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


def _ancestors(store: Store, key: str, depth: int, budget: int, nodes: dict[str, tuple[str, int]],
               edges: dict[tuple[str, str], str]) -> dict[int, int]:
    """Breadth-first up the edges (one indexed lookup per level); returns models per level."""
    frontier = [key]
    levels: dict[int, int] = {}
    for d in range(1, depth + 1):
        if not frontier:
            break
        rows = store.con.execute(
            "SELECT child_key, parent_key, parent_id, relation FROM edges "
            "WHERE child_key IN (SELECT unnest(?::VARCHAR[])) AND NOT self_loop ORDER BY child_key, parent_key",
            [frontier],
        ).fetchall()
        nxt = []
        for ck, pk, pid, rel in rows:
            if pk not in nodes:
                nxt.append(pk)
                nodes[pk] = (pid, -d)
            edges[(pk, ck)] = rel
        levels[-d] = len(nxt)
        if len(nodes) >= budget // 2:  # merges of merges: keep room for descendants
            break
        frontier = nxt
    return levels


def _descendant_levels(store: Store, key: str, depth: int) -> dict[int, int]:
    """Exact number of distinct descendants at each distance (the shortest one)."""
    rows = store.con.execute(
        """
        WITH RECURSIVE d(k, lvl) AS (
            SELECT ?::VARCHAR, 0
            UNION
            SELECT e.child_key, d.lvl + 1 FROM edges e JOIN d ON e.parent_key = d.k
            WHERE d.lvl < ? AND NOT e.self_loop
        )
        SELECT lvl, count(*) FROM (SELECT k, min(lvl) AS lvl FROM d GROUP BY k) WHERE lvl > 0 GROUP BY lvl
        """,
        [key, depth],
    ).fetchall()
    return {int(lvl): int(n) for lvl, n in rows}


def lineage_graph(store: Store, kb: KnowledgeBase, model_id: str, depth: int = 2, view: str = "effective",
                  limit: int = 25, budget: int = 300) -> LineageGraph:
    """Ancestors and descendants of `model_id` to `depth` levels each way (ModelNotFound if absent)."""
    from licensegraph.api.explain import ModelNotFound

    check_view(view)
    _check(depth, limit, budget)
    key = model_key(model_id)
    row = store.con.execute("SELECT id FROM model_licenses WHERE model_key = ?", [key]).fetchone()
    if row is None:
        raise ModelNotFound(f"{model_id}: not in the store (ids are matched case-insensitively)")
    nodes: dict[str, tuple[str, int]] = {key: (row[0], 0)}  # key -> (id, depth)
    edges: dict[tuple[str, str], str] = {}  # (parent key, child key) -> relation
    boxes: list[GraphNode] = []
    box_edges: list[GraphEdge] = []
    up = _ancestors(store, key, depth, budget, nodes, edges)
    down = _descendant_levels(store, key, depth)

    frontier = [key]
    for d in range(1, depth + 1):
        if not frontier or len(nodes) >= budget:
            break
        per_relation = store.con.execute(
            "SELECT parent_key, relation, count(*) FROM edges "
            "WHERE parent_key IN (SELECT unnest(?::VARCHAR[])) AND NOT self_loop GROUP BY 1, 2",
            [frontier],
        ).fetchall()
        candidates = store.con.execute(
            f"""
            SELECT parent_key, child_key, child_id, relation FROM (
                SELECT e.parent_key, e.child_key, e.child_id, e.relation,
                       row_number() OVER (PARTITION BY e.parent_key
                                          ORDER BY (v.model_key IS NULL), m.downloads DESC NULLS LAST, e.child_key) AS rn
                FROM edges e
                LEFT JOIN (SELECT DISTINCT model_key FROM finding_rows WHERE severity = '{VIOLATION}') v
                       ON v.model_key = e.child_key
                LEFT JOIN models m ON m.model_key = e.child_key
                WHERE e.parent_key IN (SELECT unnest(?::VARCHAR[])) AND NOT e.self_loop
            ) WHERE rn <= ? ORDER BY rn, parent_key
            """,
            [frontier, limit],
        ).fetchall()
        shown: dict[tuple[str, str], int] = {}
        nxt = []
        for pk, ck, cid, rel in candidates:  # round-robin over parents: every one gets its first children
            if ck not in nodes:
                if len(nodes) >= budget:
                    continue
                nodes[ck] = (cid, d)
                nxt.append(ck)
            edges[(pk, ck)] = rel
            shown[(pk, rel)] = shown.get((pk, rel), 0) + 1
        for pk, rel, n in sorted(per_relation):
            hidden = int(n) - shown.get((pk, rel), 0)
            if hidden > 0:
                box_id = f"more:{nodes[pk][0]}:{rel}"
                boxes.append(GraphNode(node_id=box_id, kind="more", model_id=nodes[pk][0], license=None, family=None,
                                       depth=d, severity=None, noncompliant=False, has_record=False, relation=rel,
                                       hidden=hidden))
                box_edges.append(GraphEdge(source=nodes[pk][0], target=box_id, relation=rel))
        frontier = nxt

    keys = list(nodes)
    info = {k: (lic, bool(rec)) for k, lic, rec in store.con.execute(
        "SELECT model_key, license, has_record FROM model_licenses WHERE model_key IN (SELECT unnest(?::VARCHAR[]))",
        [keys],
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
        model_id=row[0], view=view, depth=depth, limit=limit, budget=budget,
        nodes=tuple(sorted(model_nodes, key=lambda n: (n.depth, n.node_id))) + tuple(boxes),
        edges=tuple(model_edges) + tuple(box_edges),
        levels=tuple(levels),
        aggregated=bool(boxes),
    )
