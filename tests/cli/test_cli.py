"""The command line: ingest twice, stats --json, audit formats, explain, errors."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from conftest import SAMPLE, write_jsonl
from licensegraph.cli import app

runner = CliRunner()


def run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    return result


def test_ingest_twice_then_stats_json(tmp_path):
    db = tmp_path / "cli.duckdb"
    first = run("ingest", "--db", db, SAMPLE, "--json")
    assert first.exit_code == 0, first.output
    stats1 = json.loads(run("stats", "--db", db, "--json").output)
    second = json.loads(run("ingest", "--db", db, SAMPLE, "--json").output)
    assert second["totals"]["stored"] == 0 and second["totals"]["unchanged"] == 1982
    stats2 = json.loads(run("stats", "--db", db, "--json").output)
    assert stats1 == stats2
    assert stats2["models"]["total"] == 1982
    licenses = {r["license"]: r["models"] for r in stats2["licenses"]["top"]}
    # 378 cards say mit; 3 of them (deepseek-ai/Janus-Pro-7B and two re-uploads) name the
    # DeepSeek license beside it and carry that one
    assert licenses["mit"] == 375 and licenses["llama2"] == 189

    table = run("audit", "--db", db)
    assert table.exit_code == 0
    assert "License Mismatch" in table.output and "not legal advice" in table.output

    data = json.loads(run("audit", "--db", db, "--format", "json", "--view", "effective").output)
    assert data["view"] == "effective" and len(data["rows"]) == 15
    rows = list(csv.DictReader(io.StringIO(run("audit", "--db", db, "--format", "csv").output)))
    assert rows[0]["label"] == "License Mismatch" and int(rows[0]["qualifying"]) > 1000
    md = run("audit", "--db", db, "--format", "markdown", "--rule", "nc-dropped").output
    assert "| nc-dropped |" in md and "License Mismatch" not in md

    exp = run("explain", "--db", db, "sherooz/ahmed", "--json")
    assert exp.exit_code == 0
    got = json.loads(exp.output)
    assert {f["rule_id"] for f in got["findings"]} >= {"llama-exclusive-merge"}
    text = run("explain", "--db", db, "SHEROOZ/AHMED")
    assert "La2E-merge" in text.output and "fix:" in text.output


def test_errors_exit_2(tmp_path):
    db = tmp_path / "e.duckdb"
    assert run("ingest", "--db", db, tmp_path / "missing.jsonl").exit_code == 2
    assert run("stats", "--db", tmp_path / "nostore.duckdb").exit_code == 2
    write_jsonl(tmp_path / "ok.jsonl", [{"id": "a/b", "card_data": {"license": "mit"}}])
    run("ingest", "--db", db, tmp_path / "ok.jsonl")
    assert run("explain", "--db", db, "no/such-model").exit_code == 2
    assert run("audit", "--db", db, "--view", "sideways").exit_code == 2
    assert run("audit", "--db", db, "--rule", "nope").exit_code == 2


def test_rejects_listing(tmp_path):
    db = tmp_path / "r.duckdb"
    write_jsonl(tmp_path / "bad.jsonl", ["{oops", {"id": "x/y"}])
    out = run("ingest", "--db", db, tmp_path / "bad.jsonl", "--json")
    assert json.loads(out.output)["totals"]["rejected"] == 1
    listed = json.loads(run("rejects", "--db", db, "--json").output)
    assert listed[0]["line"] == 1 and listed[0]["reason"].startswith("not valid JSON")


def test_audit_of_an_empty_store_says_so(tmp_path):
    from licensegraph.store.db import Store

    Store(tmp_path / "empty.duckdb").close()
    result = run("audit", "--db", tmp_path / "empty.duckdb")
    assert result.exit_code == 2
    assert "holds no models" in " ".join(result.output.split())


def test_audit_of_a_missing_store_creates_nothing(tmp_path):
    result = run("audit", "--db", tmp_path / "nodir" / "missing.duckdb")
    assert result.exit_code == 2
    assert "no store at" in " ".join(result.output.split())
    assert not (tmp_path / "nodir").exists()
