"""Findings, counts and explanations of a 20k-model synthetic store are identical to golden
files written by the code before the storage change (issue 14), and a store file written
by that code opens and is migrated in place. See make_golden.py for what the files hold."""

from __future__ import annotations

import gzip
import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from conftest import built_once

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("make_golden", HERE / "make_golden.py")
assert _spec and _spec.loader
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)


def _assert_same(name: str, expected: list[str], actual: list[str]) -> None:
    if expected == actual:
        return
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    shown = [f"{name}: {len(expected):,} golden lines, {len(actual):,} now; "
             f"{len(missing):,} golden lines missing, {len(extra):,} new"]
    shown += [f"  - {line[:600]}" for line in missing[:3]] + [f"  + {line[:600]}" for line in extra[:3]]
    pytest.fail("\n".join(shown))


@pytest.fixture(scope="session")
def rebuilt(tmp_path_factory) -> dict[str, list[str]]:
    """The outputs of the store rebuilt by the code under test; built once per test run
    (whichever xdist worker asks first) and read by each comparison."""
    def build(folder: Path) -> None:
        folder.mkdir()
        db = golden.build_store(folder)
        _, explain = golden.read(HERE / "explain.jsonl.gz")
        (folder / "outputs.json").write_text(json.dumps(golden.golden_outputs(db, golden.explain_ids_of(explain))))

    return json.loads((built_once(tmp_path_factory, "golden-rebuilt", build) / "outputs.json").read_text())


@pytest.mark.long(group="golden")  # the rebuild
@pytest.mark.parametrize("name", ["findings", "counts", "explain"])
def test_outputs_equal_the_golden_files(rebuilt, name):
    header, expected = golden.read(HERE / f"{name}.jsonl.gz")
    assert header["size"] == golden.SIZE and header["seed"] == golden.SEED
    assert len(expected) > (40_000 if name == "findings" else 3)
    _assert_same(name, expected, rebuilt[name])


def test_the_golden_store_fires_every_rule():
    """The golden files cover every rule of both tables, both views and the inferred views."""
    from licensegraph.rules import all_rules
    from licensegraph.rules.data_engine import all_data_rules

    _, lines = golden.read(HERE / "findings.jsonl.gz")
    seen = {(f["view"], f["rule_id"]) for f in map(json.loads, lines)}
    for view in golden.VIEWS + golden.INFERRED_VIEWS:
        for rule in all_rules():
            assert (view, rule.id) in seen
    for rule in all_data_rules():
        assert ("effective", rule.id) in seen


def test_a_store_of_the_previous_version_is_migrated_in_place(tmp_path):
    from licensegraph.api import LicenseGraph
    from licensegraph.store.db import Store, StoreError
    from licensegraph.store.schema import SCHEMA_VERSION

    header, expected = golden.read(HERE / "old-store.jsonl.gz")
    db = tmp_path / "old.duckdb"
    with gzip.open(HERE / "old-store.duckdb.gz", "rb") as src, open(db, "wb") as dst:
        shutil.copyfileobj(src, dst)
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [
        (str(header["schema_version"]),)]
    con.close()
    if header["schema_version"] < SCHEMA_VERSION:  # readers ask for the migration, and change nothing
        with pytest.raises(StoreError, match="migrate it in place"):
            Store(db, read_only=True)
    with LicenseGraph(db) as lg:  # a writing command migrates the file in place
        lg.audit("local")
    with Store(db, read_only=True) as new:
        assert new.schema_version() == SCHEMA_VERSION
    ids = json.loads(next(line for line in expected if line.startswith('{"explain_ids"')))["explain_ids"]
    _assert_same("old store", expected, golden.old_store_lines(db, ids))


def test_a_schema_9_store_keeps_its_findings_as_compact_facts(tmp_path):
    """A store written by the code before findings became integer facts (schema 9, with
    findings over inferred edges and over data) is migrated in place: every finding of every
    view, the tables and the explanations read the same before any new audit, and after an
    audit of the migrated store the declared views' findings and the tables still do."""
    from licensegraph.api import LicenseGraph
    from licensegraph.store.db import Store
    from licensegraph.store.schema import SCHEMA_VERSION

    header, expected = golden.read(HERE / "old-store-v9.jsonl.gz")
    assert header["schema_version"] == 9
    db = tmp_path / "v9.duckdb"
    with gzip.open(HERE / "old-store-v9.duckdb.gz", "rb") as src, open(db, "wb") as dst:
        shutil.copyfileobj(src, dst)
    with Store(db) as store:  # opening it for writing migrates it
        assert store.schema_version() == SCHEMA_VERSION
        assert store.scalar("SELECT count(*) FROM finding_facts") > 0
        assert store.scalar("SELECT table_type FROM information_schema.tables WHERE table_name = 'finding_rows'") == "VIEW"
    ids = json.loads(next(line for line in expected if line.startswith('{"explain_ids"')))["explain_ids"]
    with LicenseGraph(db, read_only=True) as lg:
        actual = (golden.findings_lines(lg, golden.VIEWS + golden.INFERRED_VIEWS) + golden.counts_lines(lg)
                  + [golden._line({"explain_ids": ids})] + golden.explain_lines(lg, ids))
    _assert_same("schema-9 store", expected, actual)
    with LicenseGraph(db) as lg:
        lg.audit("local")
    declared = [line for line in expected if not line.startswith(('{"explain_ids"', '{"explanation"'))
                and '"view": "local+inferred"' not in line and '"view": "effective+inferred"' not in line]
    with LicenseGraph(db, read_only=True) as lg:
        actual = golden.findings_lines(lg, golden.VIEWS) + golden.counts_lines(lg)
    _assert_same("schema-9 store, audited again", declared, actual)
