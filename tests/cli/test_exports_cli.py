"""The export commands: report, sbom, findings, audit --format sarif; their errors exit 2."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from conftest import writable_copy
from licensegraph.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_report_sbom_findings_and_audit_sarif(sample_copy, tmp_path):
    db = sample_copy
    out = tmp_path / "report"
    done = run("report", "--db", db, "--out", out, "--view", "effective", "--top", "10")
    assert done.exit_code == 0, done.output
    assert (out / "index.html").is_file() and (out / "license-flows.svg").is_file()
    data = json.loads((out / "report.json").read_text())
    assert data["view"] == "effective" and len(data["families"]) == 10

    xml = run("sbom", "--db", db, "MRADERMACHER/DeepSeek-R1-Pruned-Coder-411B-GGUF", "--format", "cyclonedx-xml")
    assert xml.exit_code == 0, xml.output
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.xml import XmlValidator

    assert XmlValidator(SchemaVersion.V1_6).validate_str(xml.stdout) is None
    target = tmp_path / "bom.json"
    assert run("sbom", "--db", db, "inceptionai/jais-adapted-7b", "--out", target).exit_code == 0
    bom = json.loads(target.read_text())
    assert bom["metadata"]["component"]["name"] == "jais-adapted-7b"

    rows = list(csv.DictReader(io.StringIO(run("findings", "--db", db, "--rule", "nc-dropped").stdout)))
    assert rows and {r["rule_id"] for r in rows} == {"nc-dropped"}
    js = json.loads(run("findings", "--db", db, "--format", "json", "--severity", "violation").stdout)
    assert {f["severity"] for f in js["findings"]} == {"violation"}

    sarif = json.loads(run("audit", "--db", db, "--format", "sarif", "--view", "effective").stdout)
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["properties"]["view"] == "effective"
    assert len(sarif["runs"][0]["results"]) == len(json.loads(
        run("findings", "--db", db, "--view", "effective", "--format", "json").stdout)["findings"])


def test_audit_sarif_marks_what_a_baseline_accepts(sample_copy, tmp_path):
    import jsonschema

    baseline = tmp_path / "baseline.toml"
    wrote = run("audit", "--db", sample_copy, "--rule", "nc-dropped", "--baseline-write", baseline)
    assert wrote.exit_code == 0, wrote.output
    done = run("audit", "--db", sample_copy, "--format", "sarif", "--rule", "nc-dropped", "--baseline", baseline)
    assert done.exit_code == 0, done.output
    log = json.loads(done.stdout)
    schema = json.loads((Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json").read_text())
    assert not list(jsonschema.Draft7Validator(schema).iter_errors(log))
    results = log["runs"][0]["results"]
    assert results and all(r["ruleId"] == "nc-dropped" for r in results)
    assert all(r["suppressions"][0]["status"] == "accepted" for r in results)


def test_export_errors_exit_2(sample_copy, tmp_path):
    db = sample_copy
    assert run("sbom", "--db", db, "no/such-model").exit_code == 2
    assert run("sbom", "--db", db, "inceptionai/jais-adapted-7b", "--format", "spdx").exit_code == 2
    assert run("findings", "--db", db, "--rule", "no-such-rule").exit_code == 2
    assert run("findings", "--db", db, "--view", "sideways").exit_code == 2
    assert run("report", "--db", db, "--out", tmp_path / "r", "--view", "sideways").exit_code == 2
    missing = tmp_path / "missing.duckdb"
    assert run("report", "--db", missing, "--out", tmp_path / "r").exit_code == 2
    assert not missing.exists()  # no empty store is created just to report on it
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    assert run("report", "--db", db, "--out", a_file).exit_code == 2


def test_sbom_before_any_audit_warns(sample_unaudited_db, tmp_path):
    # `licensegraph ingest` audits as the end of its run; the library's bare ingest does not
    db = writable_copy(sample_unaudited_db, tmp_path / "fresh.duckdb")
    done = run("sbom", "--db", db, "inceptionai/jais-adapted-7b")
    assert done.exit_code == 0
    assert "no audit has been run" in done.stderr
    assert "licensegraph:finding:" not in done.stdout
