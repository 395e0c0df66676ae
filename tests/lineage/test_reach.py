"""lineage.reach: per-model reach, children in pages, noncompliant children, against walks in Python."""

from __future__ import annotations

from collections import defaultdict

from conftest import record
from licensegraph.api.ingest import ingest_records
from licensegraph.api.model_lists import children, first_children
from licensegraph.rules.engine import run_audit
from licensegraph.store.db import Store
from licensegraph.store.schema import PAGE_BLOCK, REACH_LEVELS
from licensegraph.vocab import RELATIONS, VIEWS, VIOLATION

FOCUS = "inceptionai/jais-adapted-7b-chat"


def _kids(store: Store) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for p, c, rel in store.con.execute("SELECT parent_key, child_key, relation FROM edges WHERE NOT self_loop").fetchall():
        out[p][c] = rel
    return out


def _walk(kids: dict[str, dict[str, str]], key: str) -> list[int]:
    """Distinct descendants per shortest distance, breadth first."""
    seen, frontier, levels = {key}, [key], []
    while frontier:
        frontier = sorted({c for f in frontier for c in kids.get(f, {})} - seen)
        seen.update(frontier)
        if frontier:
            levels.append(len(frontier))
    return levels


def _reach(store: Store) -> dict[str, tuple]:
    cols = ", ".join(RELATIONS)
    return {r[0]: r[1:] for r in store.con.execute(
        f"SELECT model_key, children, {cols}, descendants, levels FROM lineage_reach").fetchall()}


def test_reach_of_every_sample_parent_matches_a_walk(sample_store):
    kids = _kids(sample_store)
    reach = _reach(sample_store)
    assert set(reach) == {p for p, c in kids.items() if c}
    for key, (n, *per_relation, descendants, levels) in reach.items():
        walk = _walk(kids, key)
        assert n == len(kids[key])
        assert per_relation == [sum(r == rel for r in kids[key].values()) for rel in RELATIONS]
        assert descendants == sum(walk)
        assert levels == (walk + [0] * REACH_LEVELS)[:REACH_LEVELS]
    assert reach["inceptionai/jais-adapted-7b-chat"][0] == 15


def test_child_pages_hold_each_parents_children_in_id_order(sample_store):
    kids = _kids(sample_store)
    for key, children_of in kids.items():
        if not children_of:
            continue
        everything = first_children(sample_store, [key], None, 0, 500)[key]
        assert [(pos, ck) for pos, ck, _, _ in everything] == list(enumerate(sorted(children_of)))
        for rel in set(children_of.values()):
            of_rel = first_children(sample_store, [key], rel, 0, 500)[key]
            assert [ck for _, ck, _, _ in of_rel] == sorted(c for c, r in children_of.items() if r == rel)


def test_noncompliant_children_are_the_children_with_a_violation(sample_store):
    kids = _kids(sample_store)
    for view in VIEWS:
        bad = {k for (k,) in sample_store.con.execute(
            "SELECT DISTINCT model_key FROM findings WHERE severity = ? AND (view = ? OR rule_id IN "
            "(SELECT rule_id FROM finding_templates WHERE view_independent))", [VIOLATION, view]).fetchall()}
        stored = set(sample_store.con.execute(
            "SELECT parent_key, child_key FROM noncompliant_children WHERE view = ?", [view]).fetchall())
        expected = {(p, c) for p, cs in kids.items() for c in cs if c in bad}
        assert stored == expected and stored
        # each (parent, child) once, though a child may be bad by its findings and over data
        assert sample_store.scalar("SELECT count(*) FROM noncompliant_children WHERE view = ?", [view]) == len(stored)
    # effective view: the chat model inherits its parent's Llama 2 duties and drops them
    assert ("inceptionai/jais-adapted-7b", FOCUS) in stored


def test_cycles_merges_and_self_loops(store):
    ingest_records(store, [
        record("a/base", {"license": "mit"}),
        record("b/x", {"license": "mit", "base_model": "a/base"}),
        record("c/y", {"license": "mit", "base_model": "a/base"}),
        record("d/z", {"license": "mit", "base_model": ["b/x", "c/y"]}),  # a merge: d is reached twice
        record("e/one", {"license": "mit", "base_model": "e/two"}),
        record("e/two", {"license": "mit", "base_model": "e/one"}),  # a cycle
        record("f/self", {"license": "mit", "base_model": "f/self"}),  # a self-loop counts nothing
        record("g/kid", {"license": "mit", "base_model": "Gone/Parent"}),  # a parent known only by name
    ])
    reach = _reach(store)
    assert reach["a/base"][0] == 2 and reach["a/base"][-2:] == (3, [2, 1, 0, 0, 0, 0])
    assert reach["b/x"][-2:] == (1, [1, 0, 0, 0, 0, 0])
    assert reach["e/one"][-2:] == (1, [1, 0, 0, 0, 0, 0])  # not its own descendant
    assert "f/self" not in reach and "d/z" not in reach
    assert store.scalar("SELECT model_id FROM lineage_reach WHERE model_key = 'gone/parent'") == "Gone/Parent"
    assert children(store, "gone/parent").page.total == 1


def test_pages_across_blocks_and_relations(store):
    n = 2 * PAGE_BLOCK + 7
    ingest_records(store, [record("big/base", {"license": "apache-2.0"})] + [
        record(f"kid/m{i:03d}", {"license": "apache-2.0", "base_model": "big/base",
                                 "base_model_relation": "adapter" if i % 3 == 0 else "finetune"})
        for i in range(n)])
    ids = [f"kid/m{i:03d}" for i in range(n)]
    page = children(store, "big/base", offset=PAGE_BLOCK - 5, limit=PAGE_BLOCK + 10)
    assert [m.model_id for m in page.page.models] == ids[PAGE_BLOCK - 5:2 * PAGE_BLOCK + 5]
    assert page.page.total == n
    assert {r.relation: r.models for r in page.by_relation} == {"adapter": 45, "finetune": n - 45}
    adapters = [i for i in ids if int(i[-3:]) % 3 == 0]
    page = children(store, "big/base", relation="adapter", offset=40, limit=50)
    assert [m.model_id for m in page.page.models] == adapters[40:] and page.page.total == len(adapters)
    assert children(store, "big/base", offset=n, limit=10).page.models == ()
    # the graph: exact level counts, the first 25 children in id order, the rest as boxes
    from licensegraph.api.lineage_graph import lineage_graph
    from licensegraph.licenses.kb import load_kb

    graph = lineage_graph(store, load_kb(), "big/base", depth=2, limit=25)
    assert [(lvl.depth, lvl.models, lvl.shown) for lvl in graph.levels] == [(1, n, 25)]
    assert sorted(nd.model_id for nd in graph.nodes if nd.kind == "model" and nd.depth == 1) == ids[:25]
    boxes = {nd.relation: nd.hidden for nd in graph.nodes if nd.kind == "more"}
    shown_adapters = sum(1 for i in ids[:25] if int(i[-3:]) % 3 == 0)
    assert boxes == {"adapter": 45 - shown_adapters, "finetune": n - 45 - (25 - shown_adapters)}


def test_an_incremental_ingest_keeps_reach_current(sample_copy):
    with Store(sample_copy) as s:
        before = _reach(s)["inceptionai/jais-adapted-7b"]
        ingest_records(s, [record("new/kid", {"license": "llama2", "base_model": FOCUS})])
        run_audit(s)
        reach = _reach(s)
        assert reach[FOCUS][0] == 16
        assert reach["inceptionai/jais-adapted-7b"][-2] == before[-2] + 1  # one more descendant
        assert "new/kid" in [ck for _, ck, _, _ in first_children(s, [FOCUS], None, 0, 50)[FOCUS]]
