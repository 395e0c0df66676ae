"""JSON output is a stable interface: two runs on an unchanged store print the same bytes,
and run metadata (whether an audit was incremental, timings) stays out of it."""

from __future__ import annotations

import dataclasses
import json

from typer.testing import CliRunner

from licensegraph.api.results import AuditResult
from licensegraph.cli import app

runner = CliRunner()


def out(*args) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_json_is_byte_identical_across_runs(sample_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("LICENSEGRAPH_DB", str(tmp_path / "no-default-store.duckdb"))
    db = sample_copy
    commands = [
        ("stats", "--db", db, "--json"),
        ("rejects", "--db", db, "--json"),
        ("audit", "--db", db, "--format", "json"),  # the first run re-audits in full...
        ("audit", "--db", db, "--format", "json", "--view", "effective"),
        ("audit", "--db", db, "--format", "csv"),
        ("explain", "--db", db, "inceptionai/jais-adapted-7b-chat", "--json"),
        ("choose", "--db", db, "-p", "inceptionai/jais-adapted-7b-chat", "-p", "mit", "--format", "json"),
        ("rules", "--format", "json"),
    ]
    first = [out(*c) for c in commands]
    second = [out(*c) for c in commands]  # ...the second incrementally: the same bytes
    for command, a, b in zip(commands, first, second):
        assert a == b, command[0]
    audit = json.loads(first[2])
    assert "incremental" not in audit and "timings" not in audit and "run" not in audit
    # the keys are the result's fields, in their declared order, without the run metadata
    assert list(audit) == [f.name for f in dataclasses.fields(AuditResult) if not f.metadata.get("run_metadata")]
    assert list(audit["rows"][0])[:2] == ["rule_id", "label"]
    stats = json.loads(first[0])
    # mappings from the store come out in sorted key order, not in hash-table order
    for mapping in (stats["edges"]["relation_sources"], stats["licenses"]["resolution"], stats["lineage_issues"]):
        assert list(mapping) == sorted(mapping)
