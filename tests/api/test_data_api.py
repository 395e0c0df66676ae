"""Data as upstream through the API and the CLI: stats, explain, check, choose --dataset,
audit formats and SARIF (issue 17)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from licensegraph.api import LicenseGraph
from licensegraph.api.results import AuditResult
from licensegraph.cli import app
from licensegraph.formats.csv import audit_csv
from licensegraph.formats.markdown import audit_markdown
from licensegraph.formats.table import to_text

runner = CliRunner()


def test_stats_data_counts(data_db):
    with LicenseGraph(data_db, read_only=True) as lg:
        data = lg.stats().data
    assert (data.models_naming, data.named, data.found, data.dangling, data.records) == (841, 343, 40, 303, 40)
    assert data.licensed == 36  # 3 with no license at all, 1 `unknown`
    assert data.generated_by == {"card_text": 9, "name": 2, "tags": 1}
    assert data.generators["deepseek-ai/DeepSeek-R1"] == 5
    assert data.top[0].models >= data.top[-1].models


def test_explain_lists_training_data(data_db):
    with LicenseGraph(data_db, read_only=True) as lg:
        exp = lg.explain("Duckets/Duckbot1")
    by_id = {d.dataset_id: d for d in exp.datasets}
    nr = by_id["facebook/natural_reasoning"]
    assert nr.license == "cc-by-nc-4.0" and not nr.dangling
    assert [g.model_id for g in nr.generators] == ["meta-llama/Llama-3.3-70B-Instruct"]
    assert "Llama3.3-70B-Instruct" in nr.generators[0].evidence
    assert {f.rule_id for f in exp.findings} >= {"data-terms-dropped", "output-name-prefix"}


def test_explain_looks_data_findings_up_only_in_a_store_that_holds_some(data_db, tmp_path):
    from licensegraph.store.db import Store
    from licensegraph.store.findings_view import store_render_tables

    with LicenseGraph(data_db, read_only=True) as lg:
        assert store_render_tables(lg.store).data_findings
    with Store(tmp_path / "empty.duckdb") as store:  # no data findings: explain skips their look-up
        assert not store_render_tables(store).data_findings


def test_audit_formats_carry_the_second_table(data_db):
    with LicenseGraph(data_db, read_only=True) as lg:
        result = lg.audit_table("local")
    assert "Data and outputs" in to_text(result) and "output-name-prefix" in to_text(result)
    assert "| output-no-improve | violation |" in audit_markdown(result)
    lines = [line for line in audit_csv(result).splitlines() if line.startswith("data-and-outputs,")]
    assert len(lines) == 5 and lines[0].startswith("data-and-outputs,data-terms-dropped,data-terms-dropped,risk,20,")
    again = AuditResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again.data_rows == result.data_rows


def test_check_card_datasets(data_db, tmp_path):
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: apache-2.0\ndatasets:\n- facebook/natural_reasoning\n- openai/gsm8k\n---\n# m\n")
    out = runner.invoke(app, ["check", "--db", str(data_db), "--format", "json", str(card)])
    data = json.loads(out.stdout)
    found = {(f["rule_id"], f["ancestor_id"]) for f in data["findings"]}
    assert ("data-terms-dropped", "facebook/natural_reasoning") in found
    assert ("output-name-prefix", "meta-llama/Llama-3.3-70B-Instruct") in found
    assert not any(a == "openai/gsm8k" for _, a in found)
    sarif = json.loads(runner.invoke(app, ["check", "--db", str(data_db), "--format", "sarif", str(card)]).stdout)
    assert "output-name-prefix" in {r["ruleId"] for r in sarif["runs"][0]["results"]}


def test_choose_dataset_advice(data_db):
    with LicenseGraph(data_db, read_only=True) as lg:
        choice = lg.choose(["apache-2.0"], datasets=["facebook/natural_reasoning", "openai/gsm8k"])
        plain = lg.choose(["apache-2.0"], datasets=["cc-by-nd-4.0"])
    advice = {(a.rule_id, a.duty): a for a in choice.datasets}
    assert set(advice) == {("data-terms-dropped", "non-commercial"), ("output-name-prefix", "name-prefix")}
    assert advice[("data-terms-dropped", "non-commercial")].severity == "risk"
    assert "cc-by-nc-4.0" in advice[("data-terms-dropped", "non-commercial")].keeps
    assert advice[("output-name-prefix", "name-prefix")].severity == "violation"
    assert [a.duty for a in plain.datasets] == ["no-derivatives"] and not plain.datasets[0].found
    out = runner.invoke(app, ["choose", "--db", str(data_db), "-p", "apache-2.0", "--dataset", "nope/nothing"])
    assert out.exit_code != 0 and "--dataset nope/nothing" in out.output


def test_sbom_datasets_carry_license_generators_and_findings(data_db):
    out = runner.invoke(app, ["sbom", "--db", str(data_db), "Duckets/Duckbot1"])
    bom = json.loads(out.stdout)
    comps = {c["name"]: {p["name"]: p["value"] for p in c.get("properties", [])} for c in bom["components"]}
    assert comps["natural_reasoning"]["licensegraph:license"] == "cc-by-nc-4.0"
    assert comps["natural_reasoning"]["licensegraph:generated-by:1"] == "meta-llama/Llama-3.3-70B-Instruct"
    rules = {p["value"] for p in bom["metadata"]["component"]["properties"] if p["name"].endswith(":rule")}
    assert {"data-terms-dropped", "output-name-prefix"} <= rules
