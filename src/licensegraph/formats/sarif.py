"""`check --format sarif`: findings as a SARIF 2.1.0 log, for code-scanning uploads.

One run per invocation; one result per finding of the effective view, located at the card
line that carries the decision (`license:` for license rules, `base_model:` for lineage
rules, `model_name:` for naming). Cards that could not be checked (exit 2) become tool
execution notifications, and the invocation is marked unsuccessful.
"""

from __future__ import annotations

import os
from pathlib import Path

from collections.abc import Sequence
from typing import Any

from licensegraph import __version__
from licensegraph.api.baseline import Baseline
from licensegraph.api.results import CheckFailure, CheckResult, Finding
from licensegraph.rules import all_rules
from licensegraph.vocab import EFFECTIVE, NOT_LEGAL_ADVICE

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"violation": "error", "warning": "warning", "risk": "note"}

def artifact_uri(path: str | Path) -> str:
    """A relative POSIX path when the file is under the working directory, else a file URI."""
    p = Path(path).resolve()
    try:
        return p.relative_to(Path(os.getcwd()).resolve()).as_posix()
    except ValueError:
        return p.as_uri()


def _rule_descriptors() -> tuple[list[dict], dict[str, int]]:
    rules, index = [], {}
    for rule in all_rules():
        url, clause = rule.source
        desc = {
            "id": rule.id,
            "name": "".join(part.capitalize() for part in rule.id.split("-")),
            "shortDescription": {"text": f"{rule.id} ({', '.join(rule.labels)})"},
            "fullDescription": {"text": f"Applies to {rule.applies_to}." + (f" Source: {clause}." if clause else "")},
            "help": {"text": "Each finding names the license clause it rests on; `licensegraph explain` and "
                             "`licensegraph choose` say more. Not legal advice."},
            "defaultConfiguration": {"level": LEVEL.get(rule.severity, "warning")},
            "properties": {"severity": rule.severity, "labels": list(rule.labels), "tags": ["license", "compliance"]},
        }
        if url:
            desc["helpUri"] = url
        index[rule.id] = len(rules)
        rules.append(desc)
    return rules, index


def _line(result: CheckResult, rule_id: str, fields: dict[str, str]) -> int:
    """The card line a finding points at: the line of the card field its rule names."""
    lines = result.key_lines
    key = fields.get(rule_id, "license")
    if key == "model_name" and key not in lines:
        key = "base_model"
    return int(lines.get(key) or lines.get("license") or 1)


def _message(result: CheckResult, f: Finding) -> str:
    parts = [f"{f.label}: {f.message}."]
    if f.path and len(f.path) > 1:
        parts.append(f"Evidence: {' -> '.join(f.path)} ({f.ancestor_license}).")
    if f.clause:
        parts.append(f"Clause: {f.clause.strip()}" + (f" ({f.source})." if f.source else "."))
    parts.append(f"Remedy: {f.remedy}.")
    fix = result.fix
    if fix.none_feasible:
        parts.append(f"No license can make this model compliant: {fix.reason}.")
    elif fix.yaml_text and fix.license_ok is False:
        parts.append("Set in the card: " + "; ".join(f"{k}: {v}" for k, v in fix.yaml.items()) + ".")
    if f.rule_id == "llama-naming" and fix.suggested_name:
        parts.append(f"Name the model e.g. {fix.suggested_name}.")
    return " ".join(parts)


def to_sarif(results: Sequence[CheckResult | CheckFailure], baseline: Baseline | None = None) -> dict[str, Any]:
    """SARIF 2.1.0 log for check results (and cards that could not be checked). Findings a
    baseline accepts carry an external suppression with its justification, as code scanning
    expects, instead of being left out."""
    rules, index = _rule_descriptors()
    fields = {rule.id: rule.card_field for rule in all_rules()}
    out_results, notifications = [], []
    artifacts, art_index = [], {}
    for result in results:
        uri = artifact_uri(result.path)
        if uri not in art_index:
            art_index[uri] = len(artifacts)
            artifacts.append({"location": {"uri": uri}, "roles": ["analysisTarget"]})
        location = {"physicalLocation": {"artifactLocation": {"uri": uri, "index": art_index[uri]}}}
        if isinstance(result, CheckFailure):
            if result.line:
                location["physicalLocation"]["region"] = {"startLine": int(result.line)}
            notifications.append({"level": "error", "message": {"text": result.error}, "locations": [location]})
            continue
        for f in result.findings:
            loc = {"physicalLocation": {**location["physicalLocation"], "region": {"startLine": _line(result, f.rule_id, fields)}}}
            item = {
                "ruleId": f.rule_id,
                "level": LEVEL.get(f.severity, "warning"),
                "message": {"text": _message(result, f)},
                "locations": [loc],
                "partialFingerprints": {"licensegraph/v1": f"{result.model_id}|{f.rule_id}|{f.label}|{f.ancestor_id or ''}"},
                "properties": {
                    "modelId": result.model_id, "label": f.label, "severity": f.severity,
                    "view": f.view, "ancestor": f.ancestor_id, "ancestorLicense": f.ancestor_license,
                    "path": list(f.path), "duty": f.duty, "clause": f.clause, "sourceUrl": f.source,
                    "viaNoncompliant": f.via_noncompliant, "possiblyIncomplete": f.possibly_incomplete,
                },
            }
            if f.rule_id in index:
                item["ruleIndex"] = index[f.rule_id]
            entry = baseline.accepting(f) if baseline is not None else None
            if entry is not None:
                item["suppressions"] = [{"kind": "external", "status": "accepted",
                                         "justification": entry.justification,
                                         "location": {"physicalLocation": {"artifactLocation": {
                                             "uri": artifact_uri(baseline.path)}}}}]
            out_results.append(item)
    invocation = {"executionSuccessful": not notifications}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "licensegraph",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": rules,
            }},
            "invocations": [invocation],
            "artifacts": artifacts,
            "results": out_results,
            "properties": {"view": EFFECTIVE, "disclaimer": NOT_LEGAL_ADVICE},
        }],
    }
