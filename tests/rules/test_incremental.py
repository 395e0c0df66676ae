"""Incremental re-audit gives exactly the findings and counts of a full audit."""

from __future__ import annotations

import json
import random

import pytest

from conftest import built_once, writable_copy
from hubsynth.generator import generate
from licensegraph.api.ingest import ingest
from licensegraph.rules.engine import run_audit
from licensegraph.store.db import Store

FINDINGS = ("SELECT view, rule_id, label, severity, model_key, relation, hub_relation, model_license, ancestor_id, "
            "ancestor_license, path, clause, via_noncompliant, possibly_incomplete, message, remedy FROM findings")
COUNTS = ("SELECT view, rule_id, label, relation, hub_relation, qualifying, noncompliant, excluded_none, "
          "excluded_unknown, excluded_unresolved, excluded_absent FROM rule_counts "
          "WHERE qualifying + noncompliant + excluded_none + excluded_unknown + excluded_unresolved + excluded_absent > 0")


def snapshot(store: Store) -> tuple[set, set]:
    return set(map(repr, store.execute(FINDINGS).fetchall())), set(map(repr, store.execute(COUNTS).fetchall()))


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory):
    """A 20k-model synthetic Hub (base.jsonl), a batch changing 1% of it and adding models
    (batch.jsonl), and base ingested and audited (base.duckdb); built once per test run."""
    folder = built_once(tmp_path_factory, "incremental-synthetic", _build_synthetic)
    return folder, folder / "base.jsonl", folder / "batch.jsonl"


def _build_synthetic(folder) -> None:
    folder.mkdir()
    base = folder / "base.jsonl"
    generate(20_000, 7, base)
    records = [json.loads(line) for line in base.read_text().splitlines()]
    rng = random.Random(7)
    changed = []
    ids = [r["id"] for r in records]
    licenses = ["mit", "apache-2.0", "llama2", "cc-by-nc-4.0", "cc-by-sa-4.0", "gpl-3.0", "creativeml-openrail-m", None]
    for rec in rng.sample(records, 200):  # 1% of the store changes
        rec = json.loads(json.dumps(rec))
        rec["last_modified"] = "2026-06-01 00:00:00+00:00"
        card = rec.get("card_data") or {}
        card["license"] = rng.choice(licenses)
        if rng.random() < 0.3:
            card["base_model"] = rng.choice(ids)
        rec["card_data"] = card
        rec["tags"] = [t for t in rec["tags"] if not t.startswith("license:")]
        changed.append(rec)
    for i in range(50):  # and new models arrive
        parent = rng.choice(ids)
        changed.append({"id": f"newcomer/model-{i}", "last_modified": "2026-06-01 00:00:00+00:00", "tags": [],
                        "card_data": {"license": rng.choice(licenses), "base_model": parent}})
    # models that were dangling parents arrive: edges pointing at them must stop dangling
    known = {i.lower() for i in ids}
    referenced = set()
    for rec in records:
        bm = (rec.get("card_data") or {}).get("base_model") or []
        referenced.update([bm] if isinstance(bm, str) else bm)
    dangling = sorted(p for p in referenced if p.lower() not in known)[:5]
    assert dangling
    for parent in dangling:
        changed.append({"id": parent, "last_modified": "2026-06-01 00:00:00+00:00", "tags": [],
                        "card_data": {"license": rng.choice(licenses)}})
    batch = folder / "batch.jsonl"
    batch.write_text("\n".join(json.dumps(r) for r in changed) + "\n")
    with Store(folder / "base.duckdb") as store:
        ingest(store, [base])
        assert not run_audit(store).incremental  # the first audit of a store is a full one


@pytest.mark.long
def test_incremental_equals_full(synthetic, tmp_path):
    folder, base, batch = synthetic
    incremental = Store(writable_copy(folder / "base.duckdb", tmp_path / "incremental.duckdb"))
    before = snapshot(incremental)
    summary = ingest(incremental, [batch])
    assert summary.total("updated") == 200 and summary.total("stored") == 55
    # the audit starts from the changed models' uids, kept beside their keys by the ingest
    dirty = "SELECT DISTINCT i.uid FROM dirty_models d JOIN model_ids i USING (model_key) ORDER BY 1"
    assert len(incremental.execute(dirty).fetchall()) == 255
    assert incremental.execute("SELECT uid FROM dirty_uids ORDER BY 1").fetchall() == incremental.execute(
        dirty).fetchall()
    run = run_audit(incremental)
    assert run.incremental
    assert 250 <= run.affected < 20_000 // 2  # changed models and their descendants, not the store
    after_incremental = snapshot(incremental)

    full = Store(tmp_path / "full.duckdb")
    ingest(full, [base, batch])
    assert not run_audit(full).incremental
    after_full = snapshot(full)

    assert after_incremental[0] == after_full[0]  # findings, row for row
    assert after_incremental[1] == after_full[1]  # the table's counts
    data_counts = "SELECT * FROM data_rule_counts ORDER BY ALL"
    assert incremental.execute(data_counts).fetchall() == full.execute(data_counts).fetchall()
    # the lineage graph's noncompliant children, redone for the re-judged models only
    children = "SELECT * FROM noncompliant_children ORDER BY ALL"
    assert incremental.execute(children).fetchall() == full.execute(children).fetchall()
    # integer ids are identity, not content: a model first stored by the batch gets a later
    # id in the incremental store than in the full one; every id must name its key, though
    for store in (incremental, full):
        assert store.execute(
            "SELECT count(*) FROM edges e LEFT JOIN model_ids c ON c.uid = e.child_uid "
            "LEFT JOIN model_ids p ON p.uid = e.parent_uid "
            "WHERE c.model_key IS DISTINCT FROM e.child_key OR p.model_key IS DISTINCT FROM e.parent_key"
        ).fetchall() == [(0,)]
        assert store.execute("SELECT count(*), count(DISTINCT uid), count(DISTINCT model_key), max(uid) + 1 "
                             "FROM model_ids").fetchall()[0] == (store.scalar(
                                 "SELECT value::BIGINT FROM meta WHERE key = 'next_uid'"),) * 4
    edges = "SELECT * EXCLUDE (child_uid, parent_uid) FROM edges ORDER BY child_key, parent_key"
    issues = "SELECT * FROM lineage_issues ORDER BY kind, model_key"
    assert incremental.execute(edges).fetchall() == full.execute(edges).fetchall()  # lineage, rebuilt in part
    assert incremental.execute(issues).fetchall() == full.execute(issues).fetchall()
    licenses = "SELECT * EXCLUDE (uid) FROM model_licenses ORDER BY model_key"
    assert incremental.execute(licenses).fetchall() == full.execute(licenses).fetchall()
    assert after_incremental != before  # the change did change the outcome
    assert incremental.scalar("SELECT count(*) FROM dirty_uids") == 0
    # nothing changed since: a further audit re-evaluates nothing and keeps the result
    again = run_audit(incremental)
    assert again.incremental and again.affected == 0
    assert snapshot(incremental) == after_full
    incremental.close()
    full.close()


def test_knowledge_base_change_forces_full_audit(synthetic, tmp_path):
    folder, base, _ = synthetic
    store = Store(writable_copy(folder / "base.duckdb", tmp_path / "kbchange.duckdb"))
    assert run_audit(store).incremental  # the same knowledge base: nothing to redo in full
    store.set_meta("audit_kb", "different")
    assert not run_audit(store).incremental
    store.close()


def test_incremental_audit_keeps_or_redoes_the_rules_over_data(data_db, tmp_path):
    """The rules over data and outputs are redone when a change reaches a model trained on
    data (or a dataset), and kept when it does not; either way as a full audit has them."""
    from conftest import DATASETS, SAMPLE, load_sample

    data_findings = ("SELECT rule_id, model_key, ancestor_id, path, severity FROM finding_rows "
                     "WHERE rule_id LIKE 'data-%' OR rule_id LIKE 'output-%' ORDER BY ALL")
    data_counts = "SELECT * FROM data_rule_counts ORDER BY ALL"
    sample = load_sample()
    trained = json.loads(json.dumps(sample["Duckets/Duckbot1"]))
    trained["last_modified"] = "2026-06-01 00:00:00+00:00"
    trained["card_data"] = "license: cc-by-nc-4.0\ndatasets:\n- facebook/natural_reasoning\n"
    other = json.loads(json.dumps(sample["microsoft/phi-2"]))
    other["last_modified"] = "2026-06-01 00:00:00+00:00"
    other["card_data"] = "license: apache-2.0\n"
    for name, batch in (("unrelated", [other]), ("trained", [trained])):
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in batch))
        # the sample and dataset sample ingested and audited: conftest's shared store
        incremental = Store(writable_copy(data_db, tmp_path / f"{name}-incremental.duckdb"))
        before = incremental.execute(data_findings).fetchall()
        ingest(incremental, [path])
        assert run_audit(incremental).incremental
        full = Store(tmp_path / f"{name}-full.duckdb")
        ingest(full, [SAMPLE, DATASETS, path])
        run_audit(full, incremental=False)
        assert incremental.execute(data_findings).fetchall() == full.execute(data_findings).fetchall()
        assert incremental.execute(data_counts).fetchall() == full.execute(data_counts).fetchall()
        changed = incremental.execute(data_findings).fetchall() != before
        assert changed == (name == "trained")  # Duckbot1 under CC-BY-NC keeps the data's NC term
        incremental.close()
        full.close()


def test_an_audit_with_nothing_to_do_answers_read_only_with_the_same_table(synthetic, tmp_path):
    """No model changed since the last audit: `audit` answers from the stored results without
    writing the store (same bytes, no copy), and its table, notes included, is the one an audit
    that re-evaluates gives."""
    from licensegraph.api import LicenseGraph
    from licensegraph.api.audit import audit_table

    _, base, _ = synthetic
    db = tmp_path / "quiet.duckdb"
    with LicenseGraph(db) as lg:
        lg.ingest([base])  # ingest audits too
    before = (db.read_bytes(), db.stat().st_mtime_ns)
    with LicenseGraph(db) as lg:
        quiet = {view: lg.audit(view).to_dict() for view in ("local", "effective")}
    assert (db.read_bytes(), db.stat().st_mtime_ns) == before  # nothing written
    with Store(db) as store:
        run = run_audit(store, incremental=False)
        for view, table in quiet.items():
            assert audit_table(store, view=view, notes=run.notes).to_dict() == table
            assert table["notes"]  # the rules' notes are part of it


def test_incremental_audit_redoes_the_models_trained_on_a_changed_generators_data(data_db, tmp_path, monkeypatch):
    """A model whose outputs make a dataset is relicensed (DeepSeek-R1 under the Llama 3.3
    license, which binds models trained on its outputs): the models trained on that data are
    re-judged by the incremental audit, though they descend from it by data only, and the
    rules over data then agree with a full audit; only those models' paths are read."""
    from conftest import DATASETS, SAMPLE, load_sample
    from licensegraph.rules import data_engine

    data_findings = ("SELECT rule_id, model_key, ancestor_id, ancestor_license, path, severity FROM finding_rows "
                     "WHERE rule_id LIKE 'data-%' OR rule_id LIKE 'output-%' ORDER BY ALL")
    data_counts = "SELECT * FROM data_rule_counts ORDER BY ALL"
    generator = json.loads(json.dumps(load_sample()["deepseek-ai/DeepSeek-R1"]))
    generator["last_modified"] = "2026-06-01 00:00:00+00:00"
    generator["card_data"] = "license: llama3.3\n"
    generator["tags"] = [t for t in generator["tags"] if not t.startswith("license:")]
    batch = tmp_path / "batch.jsonl"
    batch.write_text(json.dumps(generator) + "\n")
    # the sample and dataset sample ingested and audited: conftest's shared store
    incremental = Store(writable_copy(data_db, tmp_path / "incremental.duckdb"))
    before = incremental.execute(data_findings).fetchall()
    ingest(incremental, [batch])
    scopes = []
    run_data_rules = data_engine.run_data_rules
    monkeypatch.setattr(data_engine, "run_data_rules",
                        lambda con, kb, scope=None, **kw: (scopes.append(scope), run_data_rules(con, kb, scope, **kw))[1])
    run = run_audit(incremental)
    assert run.incremental and len(scopes) == 1 and scopes[0] is not None
    full = Store(tmp_path / "full.duckdb")
    ingest(full, [SAMPLE, DATASETS, batch])
    run_audit(full, incremental=False)
    after = incremental.execute(data_findings).fetchall()
    assert after == full.execute(data_findings).fetchall()
    assert incremental.execute(data_counts).fetchall() == full.execute(data_counts).fetchall()
    children = "SELECT * FROM noncompliant_children ORDER BY ALL"
    assert incremental.execute(children).fetchall() == full.execute(children).fetchall()
    gained = {(r[0], r[1]) for r in after if r[3] == "llama3.3"} - {(r[0], r[1]) for r in before if r[3] == "llama3.3"}
    assert len(gained) >= 10  # models trained on R1-generated data now owe Llama 3.3 output duties
    incremental.close()
    full.close()


def test_a_full_audit_stores_the_facts_by_model_each_models_in_the_order_found(synthetic, tmp_path, monkeypatch):
    """Facts of more than a row group are written by uid (explain then reads one row group),
    each model's own rows in the order the rules found them; the findings are the same."""
    from licensegraph.rules import engine

    folder, _, _ = synthetic

    def audited(name: str, row_group_rows: int) -> tuple[list, set]:
        monkeypatch.setattr(engine, "ROW_GROUP_ROWS", row_group_rows)
        with Store(writable_copy(folder / "base.duckdb", tmp_path / name)) as store:
            assert not run_audit(store, incremental=False).incremental
            rows = store.execute("SELECT * FROM finding_facts ORDER BY rowid").fetchall()
            return rows, snapshot(store)[0]

    found, found_findings = audited("found.duckdb", 10**9)  # as one row group: in the order found
    by_uid, by_uid_findings = audited("by_uid.duckdb", 100)
    uid = [r[2] for r in by_uid]
    assert len(by_uid) > 1000 and uid == sorted(uid) and [r[2] for r in found] != uid
    assert by_uid == sorted(found, key=lambda r: r[2])  # a stable sort of what was found
    assert by_uid_findings == found_findings
