"""`check --format sarif` validates against the official SARIF 2.1.0 schema (OASIS,
errata01, tests/data/sarif-schema-2.1.0.json) and carries the findings where CI expects them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from licensegraph.api.check import CheckError, check_card, error_result
from licensegraph.cli import app
from licensegraph.formats.sarif import to_sarif
from licensegraph.licenses.kb import load_kb
from licensegraph.rules import all_rules
from licensegraph.rules.data_engine import all_data_rules

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"
KB = load_kb()
runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_default_store(tmp_path, monkeypatch):
    """The CLI falls back to the default store when it exists; keep tests off the user's."""
    monkeypatch.setenv("LICENSEGRAPH_DB", str(tmp_path / "no-default-store.duckdb"))


@pytest.fixture(scope="module")
def validator():
    import jsonschema  # here, not at collection: its format checkers compile grammars on import (~1.7 s)

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    return jsonschema.Draft7Validator(schema)


def write_card(root: Path, name: str, meta: dict | None, raw: str | None = None) -> Path:
    d = root / name
    d.mkdir()
    (d / "README.md").write_text(raw if raw is not None else "---\n" + yaml.safe_dump(meta, sort_keys=False) + "---\nbody\n")
    return d / "README.md"


def errors(validator, doc) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def test_validator_rejects_a_broken_log(validator):
    # the schema is really applied: a log without `runs`, or with a bad level, fails
    assert errors(validator, {"version": "2.1.0"})
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
                                         "results": [{"message": {"text": "m"}, "level": "fatal"}]}]}
    assert errors(validator, bad)


def test_sarif_validates_and_locates_findings(tmp_path, validator):
    llama = write_card(tmp_path, "llama", {"model_name": "my-chat-model", "license": "llama3",
                                           "base_model": "meta-llama/Meta-Llama-3-8B"})
    apache = write_card(tmp_path, "apache", {"base_model": "meta-llama/Llama-3.1-8B", "license": "apache-2.0"})
    clean = write_card(tmp_path, "clean", {"license": "mit", "base_model": "org/mit"})
    broken = write_card(tmp_path, "broken", None, raw="no front matter here\n")
    parents = {"meta-llama/Meta-Llama-3-8B": "llama3", "meta-llama/Llama-3.1-8B": "llama3.1", "org/mit": "mit"}
    results = [check_card(p, kb=KB, parent_licenses=parents) for p in (llama, apache, clean)]
    try:
        check_card(broken, kb=KB)
    except CheckError as exc:
        results.append(error_result(broken, exc))
    log = to_sarif(results)
    assert errors(validator, log) == []

    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.id for r in [*all_rules(), *all_data_rules()]]
    by_rule = {}
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        by_rule.setdefault(res["ruleId"], []).append(res)
    # llama-naming points at model_name (line 2 of the first card); license rules at `license:`
    naming = by_rule["llama-naming"][0]
    assert naming["level"] == "error"
    loc = naming["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"].endswith("llama/README.md") and loc["region"]["startLine"] == 2
    assert "Llama-3-my-chat-model" in naming["message"]["text"]
    dropped = by_rule["copyleft-style-dropped"][0]
    assert dropped["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    assert "license: llama3.1" in dropped["message"]["text"]
    assert dropped["properties"]["ancestor"] == "meta-llama/Llama-3.1-8B"
    assert {r["level"] for r in by_rule["license-mismatch"]} == {"warning"}
    # the clean card has no error-level result; the broken one is a failed-execution notification
    assert not any(r["level"] == "error" and "clean/" in r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                   for r in run["results"])
    inv = run["invocations"][0]
    assert inv["executionSuccessful"] is False
    assert "no YAML front matter" in inv["toolExecutionNotifications"][0]["message"]["text"]
    assert len(run["artifacts"]) == 4


def test_cli_sarif(tmp_path, validator, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_card(tmp_path, "m", {"license": "cc-by-sa-4.0", "base_model": ["a/sa", "b/ncsa"]})
    res = runner.invoke(app, ["check", "m", "--format", "sarif",
                              "--parent-license", "a/sa=cc-by-sa-4.0", "--parent-license", "b/ncsa=cc-by-nc-sa-4.0"])
    assert res.exit_code == 1
    log = json.loads(res.output)
    assert errors(validator, log) == []
    results = log["runs"][0]["results"]
    assert "merge-conflict" in {r["ruleId"] for r in results}
    # relative to the working directory, as code scanning wants
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "m/README.md"
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is True
