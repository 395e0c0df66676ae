"""The api behind the exports: report data, one model's lineage, the findings of a view,
checked against the sample through independent reckoning (plain Python over the edges)."""

from __future__ import annotations

from collections import defaultdict, deque

import pytest

from licensegraph.api import LicenseGraph
from licensegraph.vocab import ABSENT, RELATIONS


@pytest.fixture(scope="module")
def lg(sample_db):
    with LicenseGraph(sample_db, read_only=True) as graph:
        yield graph


@pytest.fixture(scope="module")
def edges(sample_store):
    return sample_store.con.execute(
        "SELECT child_key, parent_key, relation FROM edges WHERE NOT self_loop").fetchall()


def descendants(edges, root: str) -> set[str]:
    children = defaultdict(set)
    for child, parent, _ in edges:
        children[parent].add(child)
    seen, todo = set(), deque([root])
    while todo:
        for c in children[todo.popleft()] - seen:
            seen.add(c)
            todo.append(c)
    seen.discard(root)
    return seen


def test_families_match_a_plain_walk_of_the_edges(lg, edges):
    data = lg.report_data("local")
    assert len(data.families) == 15
    assert [f.descendants for f in data.families] == sorted((f.descendants for f in data.families), reverse=True)
    parents_of = defaultdict(set)
    for child, parent, _ in edges:
        parents_of[child].add(parent)
    for family in data.families[:5]:
        key = family.root_id.lower()
        assert not parents_of[key], family.root_id  # a root has no parent
        assert family.descendants == len(descendants(edges, key)), family.root_id
        assert sum(family.by_relation.values()) == family.descendants
    top = data.families[0]
    assert (top.root_id, top.root_license) == ("meta-llama/Llama-2-7b-chat-hf", "llama2")


def test_relation_shares_and_flows_count_every_edge(lg, edges, sample_store):
    data = lg.report_data("local")
    by_relation = defaultdict(int)
    for _, _, rel in edges:
        by_relation[rel] += 1
    assert {s.relation: s.corrected_edges for s in data.relation_shares} == {r: by_relation[r] for r in RELATIONS}
    assert sum(s.corrected_edges for s in data.relation_shares) == data.edges == len(edges)
    assert round(sum(s.corrected_share for s in data.relation_shares)) == 100
    with_record = {k for (k,) in sample_store.con.execute(
        "SELECT model_key FROM model_licenses WHERE has_record").fetchall()}
    flows = defaultdict(int)
    for f in data.license_flows:
        flows[f.relation] += f.edges
    expected = defaultdict(int)
    for child, _, rel in edges:
        if child in with_record:
            expected[rel] += 1
    assert dict(flows) == dict(expected)
    # a merge's parents outside the store flow from "absent"
    assert any(f.parent_license == ABSENT for f in data.license_flows if f.relation == "merge")


def test_months_cover_every_dated_model(lg, sample_store):
    data = lg.report_data("effective")
    dated = sample_store.scalar("SELECT count(*) FROM models WHERE has_record AND NOT deleted AND created_at IS NOT NULL")
    assert sum(m.models for m in data.months) == dated == 1982
    assert data.months[0].month == "2022-03" and data.months[-1].month == "2025-04"
    assert all(m.with_violation + m.with_warning_only <= m.models for m in data.months)
    assert sum(m.with_violation for m in data.months) == data.models_with_violation


def test_most_reused_models_have_a_violation_and_derivatives(lg, edges):
    data = lg.report_data("effective")
    violating = {f.model_id for f in lg.audit_findings("effective", severities=["violation"]).findings}
    assert data.most_reused
    for m in data.most_reused:
        assert m.model_id in violating
        key = m.model_id.lower()
        assert m.children == len({c for c, p, _ in edges if p == key}) > 0
        assert m.descendants == len(descendants(edges, key))
    assert [m.descendants for m in data.most_reused] == sorted((m.descendants for m in data.most_reused),
                                                               reverse=True)
    assert data.most_reused[0].model_id == "inceptionai/jais-adapted-7b"


def test_lineage_lists_each_ancestor_once_with_every_edge(lg):
    lineage = lg.lineage("mradermacher/DeepSeek-R1-Pruned-Coder-411B-GGUF")
    assert [(a.model_id, a.depth) for a in lineage.ancestors] == [
        ("huihui-ai/DeepSeek-R1-Pruned-Coder-411B", 1), ("deepseek-ai/DeepSeek-R1", 2)]
    assert [(e.child_id, e.relation, e.relation_source) for e in lineage.edges] == [
        ("mradermacher/DeepSeek-R1-Pruned-Coder-411B-GGUF", "quantization", "evidence"),
        ("huihui-ai/DeepSeek-R1-Pruned-Coder-411B", "finetune", "hub")]
    assert lineage.model.license.spdx == "MIT" and lineage.model.license.name == "MIT License"
    assert {f.rule_id for f in lineage.model.findings} == {"license-mismatch"}
    assert {f.view for f in lineage.model.findings} == {"local", "effective"}
