"""`licensegraph crawl`, `changes` and `audit --as-of` from the command line, against the fake Hub."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from conftest import SAMPLE
from licensegraph.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_crawl_then_changes_then_audit_as_of(hub, clock, tmp_path):
    db = tmp_path / "cli.duckdb"
    first = run("ingest", "--db", db, "--json", SAMPLE)
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["run_id"] == 1

    hub.modify("AGBonnet/medinote-7b", "2025-06-01T00:00:00.000Z", card={"license": "mit"})
    crawled = run("crawl", "--db", db, "--json")
    assert crawled.exit_code == 0, crawled.output
    report = json.loads(crawled.output)
    # no crawl before: the whole listing, 2 pages of 1,000; the one new revision is updated
    assert (report["run_id"], report["records"], report["pages"], report["updated"]) == (2, 1982, 2, 1)

    out = run("changes", "--db", db, "--format", "json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert (data["since_run"], data["last_run"]) == (1, 2)
    assert [(m["change"], m["model_id"], m["license_before"], m["license"]) for m in data["models"]] == [
        ("relicensed", "AGBonnet/medinote-7b", "llama2", "mit")]
    assert data["totals"]["findings_appeared"] >= 1 and data["edges"] == []
    assert {f["view"] for f in data["findings"]} == {"local"}

    table = run("changes", "--db", db)
    assert table.exit_code == 0 and "llama2 -> mit" in table.output and "models relicensed" in table.output
    rows = list(csv.DictReader(io.StringIO(run("changes", "--db", db, "--format", "csv", "--view", "both").output)))
    assert {r["entity"] for r in rows} == {"model", "finding"}
    assert {r["view"] for r in rows if r["entity"] == "finding"} == {"local", "effective"}
    everything = json.loads(run("changes", "--db", db, "--since", "0", "--format", "json").output)
    assert everything["totals"]["models_added"] == 1982

    # an incremental crawl with nothing new: one page, nothing changed, nothing printed with --quiet
    quiet = run("crawl", "--db", db, "--quiet")
    assert quiet.exit_code == 0 and quiet.output == ""
    assert json.loads(run("changes", "--db", db, "--format", "json").output)["totals"]["models_relicensed"] == 0

    before = json.loads(run("audit", "--db", db, "--as-of", "1", "--format", "json").output)
    after = json.loads(run("audit", "--db", db, "--as-of", "2", "--format", "json").output)
    assert before["rows"] != after["rows"]
    bad = run("audit", "--db", db, "--as-of", "9")
    assert bad.exit_code == 2 and "no completed run 9" in bad.output


def test_crawl_model_with_ancestors_and_a_hub_that_fails(hub, clock, tmp_path):
    db = tmp_path / "one.duckdb"
    out = run("crawl", "--db", db, "--model", "AGBonnet/medinote-7b", "--ancestors", "--json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["records"] == 3
    hub.script("500", on="any", times=100)
    failed = run("crawl", "--db", db)
    assert failed.exit_code == 3
    assert "HTTP 500" in failed.output and "again to resume" in failed.output
    usage = run("crawl", "--db", db, "--ancestors")
    assert usage.exit_code == 2 and "--model" in usage.output
    assert run("changes", "--db", tmp_path / "none.duckdb").exit_code == 2
