"""Findings CSV/JSON: the documented columns, in order, and every finding with its values."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from licensegraph.api import LicenseGraph
from licensegraph.formats.findings_export import FINDING_COLUMNS, to_csv, to_json

#: The column contract: changing it breaks users' scripts (append only).
DOCUMENTED = ["model_id", "view", "rule_id", "label", "severity", "relation", "model_license", "ancestor_id",
              "ancestor_license", "path", "duty", "clause", "source", "via_noncompliant", "possibly_incomplete",
              "message", "remedy", "inferred_evidence"]


@pytest.fixture(scope="module")
def lg(sample_db):
    with LicenseGraph(sample_db, read_only=True) as graph:
        yield graph


def test_columns_are_the_documented_ones():
    assert list(FINDING_COLUMNS) == DOCUMENTED
    assert all(FINDING_COLUMNS[c] for c in DOCUMENTED)


def test_readme_documents_every_column():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for column in DOCUMENTED:
        assert f"`{column}`" in readme, column


def test_csv_and_json_hold_the_same_findings(lg):
    result = lg.audit_findings("effective", rule_ids=["copyleft-style-dropped"])
    assert result.findings and {f.rule_id for f in result.findings} == {"copyleft-style-dropped"}
    rows = list(csv.DictReader(io.StringIO(to_csv(result))))
    doc = json.loads(to_json(result))
    assert len(rows) == len(doc["findings"]) == len(result.findings)
    assert list(doc["columns"]) == DOCUMENTED
    jais = next(r for r in rows if r["model_id"] == "inceptionai/jais-adapted-7b")
    assert jais["path"] == "inceptionai/jais-adapted-7b -> meta-llama/Llama-2-7b"
    assert jais["via_noncompliant"] == "false" and jais["severity"] == "violation"
    assert jais["ancestor_license"] == "llama2" and jais["clause"] and jais["source"].startswith("https://")
    as_json = next(f for f in doc["findings"] if f["model_id"] == "inceptionai/jais-adapted-7b")
    assert as_json["path"] == ["inceptionai/jais-adapted-7b", "meta-llama/Llama-2-7b"]
    assert as_json["via_noncompliant"] is False


def test_filters_are_checked(lg):
    with pytest.raises(ValueError, match="no-such-rule"):
        lg.audit_findings("local", rule_ids=["no-such-rule"])
    with pytest.raises(ValueError, match="view"):
        lg.audit_findings("sideways")
    only = lg.audit_findings("local", severities=["violation"])
    assert only.findings and {f.severity for f in only.findings} == {"violation"}
