"""Hidden lineage end to end: ingest card text and configs, inferred edges kept apart,
`audit --with-inferred` findings with their evidence, `stats` per source, `check` hints."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from conftest import real_record, record, write_jsonl
from licensegraph.api import LicenseGraph
from licensegraph.cli import app

LLAMA2 = "meta-llama/Llama-2-7b-chat-hf"  # a real record: license llama2
GGUF = "someone/chatty-7b-GGUF"
GGUF_CARD = f"""---
license: mit
---
# chatty 7B GGUF

This repo contains GGUF format model files for [Llama 2 7B Chat](https://huggingface.co/{LLAMA2}).

| Compared with | MMLU |
|---|---|
| [mistralai/Mistral-7B-v0.1](https://huggingface.co/mistralai/Mistral-7B-v0.1) | 62.5 |
"""
LLAMA2_ROWS = {"Copyleft-style Terms", "La2E-license"}


def _ingest(tmp_path, records):
    lg = LicenseGraph(tmp_path / "store.duckdb")
    lg.ingest([write_jsonl(tmp_path / "records.jsonl", records)])
    return lg


def _gguf(**fields):
    # declares nothing: no base_model in the card, no base_model tag
    return record(GGUF, "license: mit\n", tags=["gguf", "license:mit"], card_text=GGUF_CARD,
                  created_at="2024-05-01 00:00:00+00:00", **fields)


def test_gguf_gets_llama2_findings_only_with_inferred_edges(tmp_path):
    lg = _ingest(tmp_path, [real_record(LLAMA2), _gguf()])
    with lg:
        assert lg.store.scalar("SELECT count(*) FROM edges WHERE child_key = ?", [GGUF.lower()]) == 0
        for view in ("local", "effective"):
            declared = lg.audit(view=view)
            assert not {r.label for r in declared.rows if r.noncompliant} & LLAMA2_ROWS
            assert declared.inferred is None
            assert not [f for f in lg.findings(model_id=GGUF, view=view).findings if f.label in LLAMA2_ROWS]

        result = lg.audit(view="effective", with_inferred=True)
        assert result.view == "effective+inferred"
        assert {r.label for r in result.rows if r.noncompliant} >= LLAMA2_ROWS
        la2e = next(r for r in result.rows if r.label == "La2E-license")
        assert la2e.noncompliant == 1 and la2e.by_relation["quantization"].count == 1
        assert result.inferred.edges_by_source == {"card_text": 1}
        found = {f.label: f for f in result.inferred.findings}
        assert set(found) >= LLAMA2_ROWS
        finding = found["La2E-license"]
        assert finding.model_id == GGUF and finding.path == (GGUF, LLAMA2)
        assert finding.ancestor_license == "llama2"
        ev = finding.inferred_evidence
        assert ev.startswith(f"inferred {GGUF} -> {LLAMA2} (quantization) from card_text")
        assert 'phrase "<format> model files for" + link' in ev
        assert "This repo contains GGUF format model files for" in ev and "[line 6]" in ev
        # the table row only a comparison table links is no parent
        assert "Mistral" not in ev

        # the declared views are untouched by the inferred run
        assert lg.audit_table(view="effective").rows == lg.audit(view="effective").rows
        page = lg.findings(model_id=GGUF, view="effective+inferred")
        assert page.total == 0  # the declared audit dropped the inferred results: rerun to see them
        lg.audit(view="local", with_inferred=True)
        local = lg.findings(model_id=GGUF, view="local+inferred", inferred_only=True)
        assert {f.label for f in local.findings} >= LLAMA2_ROWS
        why = lg.explain(GGUF)
        assert why.parents == ()  # declared parents: none
        [hidden] = why.inferred_parents
        assert (hidden.parent_id, hidden.source, hidden.line, hidden.used) == (LLAMA2, "card_text", 6, True)
        assert any(f.view == "local+inferred" and f.inferred_evidence for f in why.findings)


def test_cli_audit_with_inferred_prints_the_evidence(tmp_path):
    lg = _ingest(tmp_path, [real_record(LLAMA2), _gguf()])
    lg.close()
    runner = CliRunner()
    db = str(tmp_path / "store.duckdb")
    plain = runner.invoke(app, ["audit", "--db", db, "--view", "effective"], terminal_width=200)
    assert plain.exit_code == 0, plain.output
    assert "inferred" not in plain.output
    out = runner.invoke(app, ["audit", "--db", db, "--view", "effective", "--with-inferred"], terminal_width=200)
    assert out.exit_code == 0, out.output
    assert "with inferred parents" in out.output
    assert f"{GGUF}: La2E-license (violation) via {GGUF} -> {LLAMA2}" in out.output
    assert "evidence: inferred someone/chatty-7b-GGUF -> meta-llama/Llama-2-7b-chat-hf (quantization) from card_text" in out.output
    as_json = runner.invoke(app, ["audit", "--db", db, "--view", "effective", "--with-inferred", "--format", "json"])
    data = json.loads(as_json.output)
    assert data["view"] == "effective+inferred"
    assert any(f["label"] == "La2E-license" and f["inferred_evidence"] for f in data["inferred"]["findings"])
    sarif = json.loads(runner.invoke(app, ["audit", "--db", db, "--view", "effective", "--with-inferred",
                                            "--format", "sarif"]).output)
    results = sarif["runs"][0]["results"]
    la2e = next(r for r in results if r["properties"]["label"] == "La2E-license")
    assert la2e["properties"]["view"] == "effective+inferred"
    assert la2e["properties"]["inferredEvidence"].startswith(f"inferred {GGUF} -> {LLAMA2}")
    assert "Rests on an undeclared (inferred) parent" in la2e["message"]["text"]
    stats = runner.invoke(app, ["stats", "--db", db, "--json"])
    assert json.loads(stats.output)["inferred"]["by_source"] == [
        {"source": "card_text", "edges": 1, "used": 1, "children": 1}]


def test_ingest_keeps_card_text_and_configs_and_reports_bad_configs(tmp_path):
    adapter = record("me/llama-helper", {"license": "apache-2.0"}, configs={
        "adapter_config.json": {"base_model_name_or_path": LLAMA2, "peft_type": "LORA"},
        "config.json": "not an object"})
    broken = record("me/odd", {"license": "mit"}, configs=["adapter_config.json"])
    lg = _ingest(tmp_path, [real_record(LLAMA2), _gguf(), adapter, broken])
    with lg:
        con = lg.store.con
        text, = con.execute("SELECT card_text FROM models WHERE model_key = ?", [GGUF.lower()]).fetchone()
        assert text == GGUF_CARD
        rejects = {(r.model_id, r.part, r.reason) for r in lg.rejects()}
        assert ("me/llama-helper", "field",
                'configs.config.json: expected a JSON object, got text "not an object"; not used') in rejects
        assert ("me/odd", "field",
                'configs: expected a mapping of file name to JSON object, got a list ["adapter_config.json"]; '
                "not stored") in rejects
        report_rows = con.execute("SELECT count(*) FROM models WHERE model_key IN ('me/llama-helper', 'me/odd')").fetchone()
        assert report_rows == (2,)  # a bad configs field costs the field, not the record
        edge = con.execute(
            "SELECT parent_id, relation, source, pattern, matched, used FROM inferred_edges WHERE child_key = 'me/llama-helper'"
        ).fetchall()
        assert edge == [(LLAMA2, "adapter", "config", "adapter_config.json base_model_name_or_path (LORA)", LLAMA2, True)]
        stats = lg.stats().inferred
        assert {s.source: (s.edges, s.used) for s in stats.by_source} == {"card_text": (1, 1), "config": (1, 1)}
        assert stats.children == 2 and stats.dangling == 0
        # inferred edges never reach the declared edges table or the declared views
        assert con.execute("SELECT count(*) FROM edges").fetchone() == (0,)


def test_declaring_the_parent_retires_the_inferred_edge(tmp_path):
    lg = _ingest(tmp_path, [real_record(LLAMA2), _gguf()])
    with lg:
        assert lg.store.scalar("SELECT count(*) FROM inferred_edges") == 1
        fixed = _gguf(last_modified="2025-02-01 00:00:00+00:00")
        fixed["card_data"] = f"license: llama2\nbase_model: {LLAMA2}\nbase_model_relation: quantized\n"
        lg.ingest([write_jsonl(tmp_path / "fixed.jsonl", [fixed])])
        assert lg.store.scalar("SELECT count(*) FROM inferred_edges") == 0
        assert lg.store.scalar("SELECT relation FROM edges WHERE child_key = ?", [GGUF.lower()]) == "quantization"


def test_names_infer_quantizations_in_the_store(tmp_path):
    quant = record("TheBloke/Llama-2-7B-Chat-hf-GGUF", {"license": "llama2"}, tags=["gguf"])
    twins = [record("a/Twin-7B", {"license": "mit"}), record("b/Twin-7B", {"license": "mit"}),
             record("c/Twin-7B-AWQ", {"license": "mit"})]
    lg = _ingest(tmp_path, [real_record(LLAMA2), quant, *twins])
    with lg:
        rows = lg.store.con.execute(
            "SELECT child_id, parent_id, relation, source, pattern, used FROM inferred_edges ORDER BY child_key"
        ).fetchall()
        assert rows == [("TheBloke/Llama-2-7B-Chat-hf-GGUF", LLAMA2, "quantization", "name",
                         "suffix -gguf stripped; known model named 'llama-2-7b-chat-hf'", True)]
        assert lg.stats().inferred.refused == 1  # c/Twin-7B-AWQ: two same-name originals, none more popular


def test_check_says_which_line_to_add(tmp_path):
    folder = tmp_path / "chatty"
    folder.mkdir()
    (folder / "README.md").write_text(GGUF_CARD)
    with LicenseGraph(tmp_path / "none.duckdb") as lg:
        result = lg.check(folder)
    assert [(d.parent_id, d.relation, d.source, d.line) for d in result.discovered] == [
        (LLAMA2, "quantization", "card_text", 6)]
    assert result.discovered_yaml == f"base_model: {LLAMA2}\nbase_model_relation: quantized\n"
    assert any("the card declares no base_model, but line 6 names" in w for w in result.warnings)
    # a PEFT adapter directory: adapter_config.json is the evidence
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "README.md").write_text("---\nlicense: apache-2.0\nlibrary_name: peft\n---\n# my adapter\n")
    (adapter / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": LLAMA2, "peft_type": "LORA"}))
    with LicenseGraph(tmp_path / "none.duckdb") as lg:
        result = lg.check(adapter)
    assert [(d.parent_id, d.source) for d in result.discovered] == [(LLAMA2, "config")]
    assert result.discovered_yaml == f"base_model: {LLAMA2}\nbase_model_relation: adapter\n"
    # a card that declares its base model gets no hint
    declared = tmp_path / "declared"
    declared.mkdir()
    (declared / "README.md").write_text(GGUF_CARD.replace("license: mit", f"license: mit\nbase_model: {LLAMA2}"))
    with LicenseGraph(tmp_path / "none.duckdb") as lg:
        result = lg.check(declared, parent_licenses={LLAMA2: "llama2"})
    assert result.discovered == () and result.discovered_yaml is None


def test_check_names_the_parent_a_quantization_is_named_after(tmp_path):
    lg = _ingest(tmp_path, [real_record(LLAMA2)])
    lg.close()
    folder = tmp_path / "Llama-2-7b-chat-hf-Q4_K_M-GGUF"
    folder.mkdir()
    (folder / "README.md").write_text("---\nlicense: mit\n---\n# quantized for llama.cpp\n")
    with LicenseGraph(tmp_path / "store.duckdb", read_only=True) as graph:
        result = graph.check(folder)
    [found] = result.discovered
    assert (found.parent_id, found.relation, found.source) == (LLAMA2, "quantization", "name")
    assert found.pattern == "suffix -q4-k-m-gguf stripped; known model named 'llama-2-7b-chat-hf'"
    assert result.discovered_yaml == f"base_model: {LLAMA2}\nbase_model_relation: quantized\n"
    assert any("its name names" in w for w in result.warnings)
    # without a store there is nothing to match the name against
    with LicenseGraph(tmp_path / "none.duckdb") as graph:
        assert graph.check(folder).discovered == ()


def test_cli_check_prints_the_base_model_lines_to_add(tmp_path):
    folder = tmp_path / "chatty"
    folder.mkdir()
    (folder / "README.md").write_text(GGUF_CARD)
    runner = CliRunner(env={"LICENSEGRAPH_DB": str(tmp_path / "none.duckdb")})  # no store: the card alone
    out = runner.invoke(app, ["check", str(folder)])
    assert out.exit_code == 0, out.output
    text = out.output
    assert "Base model named but not declared; add to the front matter:" in text
    assert f"  base_model: {LLAMA2}\n  base_model_relation: quantized\n" in text
    as_json = json.loads(runner.invoke(app, ["check", str(folder), "--format", "json"]).output)
    assert json.dumps(as_json).count(f"base_model: {LLAMA2}") >= 1
