"""`audit --format sarif` validates against the official SARIF 2.1.0 schema (OASIS,
errata01, tests/data/sarif-schema-2.1.0.json): one result per noncompliant model and rule
row, the catalogue as rules with help text."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from licensegraph.api import LicenseGraph
from licensegraph.formats.sarif import audit_to_sarif as to_sarif
from licensegraph.rules import all_rules
from licensegraph.rules.data_engine import all_data_rules

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator():
    import jsonschema  # here, not at collection: its format checkers compile grammars on import (~1.7 s)

    return jsonschema.Draft7Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def lg(sample_db):
    with LicenseGraph(sample_db, read_only=True) as graph:
        yield graph


@pytest.mark.parametrize("view", ["local", "effective"])
def test_audit_sarif_validates(lg, validator, view):
    findings = lg.audit_findings(view)
    log = to_sarif(findings)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]
    assert not errors, errors[:5]
    run = log["runs"][0]
    assert len(run["results"]) == len(findings.findings) > 1000
    assert run["properties"]["view"] == view


def test_results_and_rules(lg, validator):
    log = to_sarif(lg.audit_findings("effective"))
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.id for r in [*all_rules(), *all_data_rules()]]
    for rule in rules:
        assert len(rule["help"]["text"]) > 80 and "not legal advice" in rule["help"]["text"]
        assert rule["id"] in rule["shortDescription"]["text"] or rule["shortDescription"]["text"]
    # each result: a noncompliant model under one rule row, pointing at its rule
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["locations"][0]["logicalLocations"][0]["name"] == result["properties"]["modelId"]
    keys = Counter((r["properties"]["modelId"], r["ruleId"], r["properties"]["label"], r["properties"]["ancestor"])
                   for r in run["results"])
    assert max(keys.values()) == 1
    jais = [r for r in run["results"] if r["properties"]["modelId"] == "inceptionai/jais-adapted-7b"]
    dropped = next(r for r in jais if r["ruleId"] == "copyleft-style-dropped")
    assert dropped["level"] == "error"
    assert "meta-llama/Llama-2-7b" in dropped["message"]["text"] and "Remedy:" in dropped["message"]["text"]
    levels = Counter(r["level"] for r in run["results"])
    assert set(levels) <= {"error", "warning", "note"} and levels["error"] > 0


def test_a_broken_log_fails_the_schema(validator):
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
                                         "results": [{"message": {"text": "m"}, "level": "fatal"}]}]}
    assert list(validator.iter_errors(bad))


def test_streamed_log_equals_the_built_one(lg, validator):
    import io

    from licensegraph.formats.sarif import write_audit_sarif

    result = lg.audit_findings("effective", rule_ids=["copyleft-style-dropped", "license-missing"])
    buf = io.StringIO()
    n = write_audit_sarif(buf, lg.audit_findings("effective", include_findings=False),
                          lg.iter_audit_findings("effective", rule_ids=["copyleft-style-dropped", "license-missing"]))
    streamed = json.loads(buf.getvalue())
    assert n == len(result.findings) > 100
    assert streamed["runs"][0]["results"] == to_sarif(result)["runs"][0]["results"]
    assert not list(validator.iter_errors(streamed))
    empty = io.StringIO()
    assert write_audit_sarif(empty, lg.audit_findings("local", include_findings=False), []) == 0
    assert json.loads(empty.getvalue())["runs"][0]["results"] == []
