"""Cycle detection on the lineage graph.

Real lineage is nearly a DAG, so most nodes are peeled off in a few vectorized passes
(a node with no remaining parents or no remaining children cannot be on a cycle); Tarjan's
algorithm then runs only on the small remainder.
"""

from __future__ import annotations

import numpy as np


def find_cycles(n: int, src: np.ndarray, dst: np.ndarray) -> list[list[int]]:
    """Strongly connected components with more than one node, for edges src -> dst."""
    alive_edges = np.ones(len(src), dtype=bool)
    while True:
        s, d = src[alive_edges], dst[alive_edges]
        out_deg = np.bincount(s, minlength=n)
        in_deg = np.bincount(d, minlength=n)
        dead = (out_deg == 0) | (in_deg == 0)
        keep = alive_edges & ~dead[src] & ~dead[dst]
        if keep.sum() == alive_edges.sum():
            break
        alive_edges = keep
    if not alive_edges.any():
        return []
    adjacency: dict[int, list[int]] = {}
    for a, b in zip(src[alive_edges].tolist(), dst[alive_edges].tolist()):
        adjacency.setdefault(a, []).append(b)
    return [comp for comp in _tarjan(adjacency) if len(comp) > 1]


def _tarjan(adjacency: dict[int, list[int]]) -> list[list[int]]:
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    components: list[list[int]] = []
    counter = 0
    for root in adjacency:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child_pos = work.pop()
            if child_pos == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = adjacency.get(node, [])
            if child_pos < len(children):
                work.append((node, child_pos + 1))
                child = children[child_pos]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            for child in children:
                if child in on_stack and index[child] > index[node]:
                    low[node] = min(low[node], low[child])
            if low[node] == index[node]:
                comp = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    comp.append(member)
                    if member == node:
                        break
                components.append(comp)
    return components
