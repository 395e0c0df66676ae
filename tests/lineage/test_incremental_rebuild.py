"""Derived tables rebuilt in part after a small ingest equal a rebuild from scratch: lineage
(edges, issues, reach, pages), data edges, inferred edges and licenses, on the real sample
(models and dataset cards) changed by hand: a license, a parent arriving, an edge removed,
a cycle formed, a dataset reference changed, a generator model arriving, a dataset card."""

from __future__ import annotations

import random
import shutil

import pytest
import yaml

from conftest import real_record, record
from licensegraph.api.ingest import ingest_records
from licensegraph.licenses.datasets import normalize_dataset_licenses
from licensegraph.licenses.normalize import normalize_licenses
from licensegraph.lineage import build as lineage_build
from licensegraph.lineage import data as lineage_data
from licensegraph.lineage.discovery import build as discovery_build
from licensegraph.store.db import Store

#: Every derived table, as sorted rows (integer ids are identity, not content: left out).
DERIVED = {
    "edges": "SELECT * EXCLUDE (child_uid, parent_uid) FROM edges",
    "lineage_issues": "SELECT * FROM lineage_issues",
    "lineage_reach": "SELECT * FROM lineage_reach",
    "child_pages": "SELECT * FROM child_pages",
    "data_named": "SELECT * FROM data_named",
    "data_edges": "SELECT * FROM data_edges",
    "inferred_edges": "SELECT * FROM inferred_edges",
    "dataset_licenses": "SELECT * FROM dataset_licenses",
    "model_licenses": "SELECT * EXCLUDE (uid) FROM model_licenses",
    "refused": "SELECT value FROM meta WHERE key = 'inferred_refused'",
}


def derived(store: Store) -> dict[str, list]:
    return {name: sorted(store.execute(sql).fetchall(), key=repr) for name, sql in DERIVED.items()}


def from_scratch(path, tmp_path) -> dict[str, list]:
    """The derived tables of a copy of the store, every one rebuilt whole."""
    copy = tmp_path / "scratch.duckdb"
    shutil.copyfile(path, copy)
    with Store(copy) as s:
        lineage_build.build_lineage(s, incremental=False)
        lineage_data.build_data_edges(s, incremental=False)
        discovery_build.build_inferred_edges(s, incremental=False)
        normalize_dataset_licenses(s, incremental=False)
        normalize_licenses(s, incremental=False)
        return derived(s)


@pytest.fixture(scope="module")
def base_db(data_db):
    """The sample models and dataset cards, ingested and audited (nothing left dirty):
    conftest's shared store, copied by each test."""
    return data_db


@pytest.fixture
def paths(monkeypatch):
    """Which way each builder went: {name: [partial?, ...]}."""
    taken: dict[str, list] = {"lineage": [], "data": [], "inferred": [], "cycles": []}
    reach = lineage_build.build_reach
    monkeypatch.setattr(lineage_build, "build_reach",
                        lambda store, touched=None: (taken["lineage"].append(touched is not None), reach(store, touched)))
    cycles = lineage_build._mark_cycles
    monkeypatch.setattr(lineage_build, "_mark_cycles", lambda store: (taken["cycles"].append(True), cycles(store)))
    for module, name in ((lineage_data, "data"), (discovery_build, "inferred")):
        for fn, partial in (("_build_partial", True), ("_build_full", False)):
            original = getattr(module, fn)
            monkeypatch.setattr(module, fn, lambda *a, _o=original, _p=partial, _n=name: (taken[_n].append(_p), _o(*a))[1])
    return taken


def _card(model_id: str) -> dict:
    rec = real_record(model_id)
    card = rec["card_data"]
    return dict(yaml.safe_load(card) if isinstance(card, str) else card or {})


def _republish(model_id: str, **card_changes) -> dict:
    rec = real_record(model_id)
    card = _card(model_id)
    for key, value in card_changes.items():
        if value is None:
            card.pop(key, None)
        else:
            card[key] = value
    rec["card_data"] = card
    if "license" in card_changes:
        rec["tags"] = [t for t in rec["tags"] if not t.startswith("license:")]
    if "base_model" in card_changes:
        rec["tags"] = [t for t in rec["tags"] if not t.startswith("base_model:")]
    if "datasets" in card_changes:
        rec["tags"] = [t for t in rec["tags"] if not t.startswith("dataset:")]
    rec["last_modified"] = "2026-06-01 00:00:00+00:00"
    return rec


def _apply(base_db, tmp_path, records, paths) -> tuple[dict, dict]:
    """Ingest `records` into a copy of the base: its derived tables, and those of a rebuild
    from scratch (`paths` keeps only the ingest's ways)."""
    path = tmp_path / "store.duckdb"
    shutil.copyfile(base_db, path)
    with Store(path) as s:
        ingest_records(s, records)
        after = derived(s)
    taken = {k: list(v) for k, v in paths.items()}
    scratch = from_scratch(path, tmp_path)
    paths.clear()
    paths.update(taken)
    return after, scratch


def _assert_same(after: dict, scratch: dict) -> None:
    for table in DERIVED:
        assert after[table] == scratch[table], table


def _one(base_db, sql: str) -> tuple:
    with Store(base_db, read_only=True) as s:
        row = s.execute(sql).fetchone()
    assert row is not None, sql
    return row


def test_a_license_change_redoes_no_edge_and_no_cycle(base_db, tmp_path, paths):
    (child,) = _one(base_db, "SELECT e.child_id FROM edges e JOIN lineage_reach r ON r.model_key = e.child_key "
                             "WHERE NOT e.dangling ORDER BY r.descendants DESC, e.child_id LIMIT 1")
    after, scratch = _apply(base_db, tmp_path, [_republish(child, license="cc-by-nc-4.0")], paths)
    _assert_same(after, scratch)
    assert paths == {"lineage": [True], "data": [True], "inferred": [True], "cycles": []}
    assert ("cc-by-nc-4.0",) in {(r[4],) for r in after["model_licenses"] if r[1] == child}


def test_a_parent_arriving(base_db, tmp_path, paths):
    parent, n = _one(base_db, "SELECT any_value(parent_id), count(*) FROM edges WHERE dangling AND NOT self_loop "
                              "GROUP BY parent_key ORDER BY count(*) DESC, 1 LIMIT 1")
    after, scratch = _apply(base_db, tmp_path, [record(parent, {"license": "apache-2.0"})], paths)
    _assert_same(after, scratch)
    assert paths["lineage"] == [True] and paths["data"] == [True]
    assert not [e for e in after["edges"] if e[2] == parent.lower() and e[11]]  # no longer dangling
    reach = {r[0]: r for r in after["lineage_reach"]}
    assert reach[parent.lower()][2] == n


def test_an_edge_removed(base_db, tmp_path, paths):
    child, parent = _one(base_db, """
        SELECT e.child_id, e.parent_key FROM edges e
        WHERE e.in_card AND NOT e.dangling AND NOT e.self_loop
          AND (SELECT count(*) FROM edges x WHERE x.child_key = e.child_key) = 1
        ORDER BY e.child_id LIMIT 1""")
    with Store(base_db, read_only=True) as s:
        before = s.execute("SELECT children, descendants FROM lineage_reach WHERE model_key = ?", [parent]).fetchone()
    after, scratch = _apply(base_db, tmp_path, [_republish(child, base_model=None)], paths)
    _assert_same(after, scratch)
    assert paths["lineage"] == [True] and paths["cycles"] == [True]
    reach = {r[0]: (r[2], r[-2]) for r in after["lineage_reach"]}
    assert reach.get(parent, (0, 0))[0] == before[0] - 1


def test_a_cycle_formed(base_db, tmp_path, paths):
    child, parent = _one(base_db, """
        SELECT e.child_id, e.parent_id FROM edges e JOIN models m ON m.model_key = e.parent_key
        WHERE NOT e.dangling AND NOT e.self_loop AND m.has_record AND NOT e.in_cycle
          AND NOT EXISTS (SELECT 1 FROM edges p WHERE p.child_key = e.parent_key)
        ORDER BY e.child_id LIMIT 1""")
    after, scratch = _apply(base_db, tmp_path, [_republish(parent, base_model=child)], paths)
    _assert_same(after, scratch)
    assert paths["lineage"] == [True]
    cycle = {r[1] for r in after["lineage_issues"] if r[0] == "cycle"}
    assert {child.lower(), parent.lower()} <= cycle
    assert {(e[0], e[2]) for e in after["edges"] if e[-1]} >= {(child.lower(), parent.lower()),
                                                                  (parent.lower(), child.lower())}


def test_a_dataset_reference_changed(base_db, tmp_path, paths):
    (model,) = _one(base_db, "SELECT model_id FROM data_named WHERE source = 'card' AND dataset_id IS NOT NULL "
                             "ORDER BY model_id LIMIT 1")
    (dataset,) = _one(base_db, "SELECT id FROM datasets ORDER BY id LIMIT 1")
    after, scratch = _apply(base_db, tmp_path, [_republish(model, datasets=[dataset, "not a dataset id!"])], paths)
    _assert_same(after, scratch)
    assert paths["data"] == [True]
    trained = {(e[0], e[3], e[-1]) for e in after["data_edges"] if e[6] == "trained-on" and e[0] == model.lower()}
    assert trained == {(model.lower(), dataset.lower(), False)}


def test_a_generator_model_arriving(base_db, tmp_path, paths):
    (generator,) = _one(base_db, "SELECT parent_id FROM data_edges WHERE relation = 'generated-by' "
                                 "AND parent_kind = 'model' AND dangling ORDER BY parent_id LIMIT 1")
    after, scratch = _apply(base_db, tmp_path, [record(generator, {"license": "apache-2.0"})], paths)
    _assert_same(after, scratch)
    assert paths["data"] == [True]
    assert all(not e[-1] for e in after["data_edges"] if e[3] == generator.lower())


def test_a_dataset_card_changed_rebuilds_the_data_tables(base_db, tmp_path, paths):
    (dataset,) = _one(base_db, "SELECT id FROM datasets ORDER BY id LIMIT 1")
    rec = {"id": dataset, "repo_type": "dataset", "last_modified": "2026-06-01 00:00:00+00:00", "tags": [],
           "card_data": {"license": "cc-by-nc-4.0"}}
    after, scratch = _apply(base_db, tmp_path, [rec], paths)
    _assert_same(after, scratch)
    assert paths["data"] == [False]
    assert [r[2] for r in after["dataset_licenses"] if r[1] == dataset] == ["cc-by-nc-4.0"]


def test_many_random_changes_of_real_records(base_db, tmp_path, paths):
    """5% of the sample republished: licenses, parents (some forming cycles, some dropped)
    and dataset lists changed at random, and new models naming sample models and each other."""
    with Store(base_db, read_only=True) as s:
        ids = [r[0] for r in s.execute("SELECT id FROM models WHERE has_record ORDER BY id").fetchall()]
        datasets = [r[0] for r in s.execute("SELECT id FROM datasets ORDER BY id").fetchall()]
    rng = random.Random(14)
    records = []
    for model in rng.sample(ids, len(ids) // 20):
        changes: dict = {"license": rng.choice(["mit", "llama2", "cc-by-nc-4.0", "gpl-3.0", None])}
        roll = rng.random()
        if roll < 0.3:
            changes["base_model"] = rng.choice(ids)
        elif roll < 0.4:
            changes["base_model"] = None
        if rng.random() < 0.3:
            changes["datasets"] = rng.sample(datasets, 2)
        records.append(_republish(model, **changes))
    for i in range(10):
        records.append(record(f"newcomer/{rng.choice(ids).split('/')[-1]}-GGUF-{i}",
                              {"license": "apache-2.0", "base_model": rng.choice(ids)} if i % 2 else None))
    after, scratch = _apply(base_db, tmp_path, records, paths)
    _assert_same(after, scratch)
    assert paths["lineage"] == [True] and paths["data"] == [True]
