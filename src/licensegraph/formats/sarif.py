"""Findings as SARIF 2.1.0 logs: `check --format sarif` and `audit --format sarif`.

check: one run per invocation; one result per finding of the effective view, located at
the card line that carries the decision (`license:` for license rules, `base_model:` for
lineage rules, `model_name:` for naming), for code-scanning uploads. Cards that could not
be checked (exit 2) become tool execution notifications, and the invocation is marked
unsuccessful.

audit: one result per noncompliant model and rule row of the audited view (a model with
two violated rules gives two results), located at the model's card on the Hub and,
logically, at the model id. Warnings and risks are results too, at levels warning and note.

Both carry the rule catalogue as rules, each with its help text.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from licensegraph import __version__
from licensegraph.api.baseline import Baseline
from licensegraph.api.export_results import AuditFindings
from licensegraph.api.exports import rule_catalogue
from licensegraph.api.results import CheckFailure, CheckResult, Finding, RuleInfo
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


def rule_descriptor(rule: RuleInfo) -> dict[str, Any]:
    """A SARIF reportingDescriptor for a rule of the catalogue, with its help text (what it
    checks and why, from the rule file) and the clauses it rests on."""
    summary = rule.help.split("\n\n", 1)[0].replace("\n", " ") if rule.help else rule.rule_id
    help_text = f"Applies to {rule.applies_to}.\n\n{rule.help}" if rule.applies_to else rule.help
    clauses = "; ".join(f"{c.license + ' ' if c.license else ''}{' '.join(c.clause.split())}"
                        for c in rule.clauses[:6])
    more = f" and {len(rule.clauses) - 6} more" if len(rule.clauses) > 6 else ""
    desc: dict[str, Any] = {
        "id": rule.rule_id,
        "name": "".join(part.capitalize() for part in rule.rule_id.split("-")),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": " ".join(help_text.split())},
        "help": {"text": help_text + (f"\n\nRests on: {clauses}{more}." if clauses else "")
                 + "\n\nEach finding names the license clause it rests on; `licensegraph explain MODEL_ID` "
                   "and `licensegraph choose` say more. " + NOT_LEGAL_ADVICE},
        "defaultConfiguration": {"level": LEVEL.get(rule.severity, "warning")},
        "properties": {"severity": rule.severity, "labels": list(rule.labels), "inStudy": rule.in_study,
                       "tags": ["license", "compliance"]},
    }
    source = next((c.source for c in rule.clauses if c.source), None)
    if source:
        desc["helpUri"] = source
    return desc


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
    catalogue = rule_catalogue().rules
    rules = [rule_descriptor(r) for r in catalogue]
    index = {r.rule_id: i for i, r in enumerate(catalogue)}
    fields = {r.rule_id: r.card_field for r in catalogue}
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
            if entry is not None and baseline is not None:
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


# --------------------------------------------------------------------------- audit

HUB_URL = "https://huggingface.co"


def _audit_message(f: Finding) -> str:
    parts = [f"{f.model_id}: {f.label}: {f.message or f.rule_id}."]
    if len(f.path) > 1:
        parts.append(f"Evidence: {' -> '.join(f.path)} ({f.ancestor_license}).")
    if f.clause:
        parts.append(f"Clause: {f.clause}" + (f" ({f.source})." if f.source else "."))
    if f.remedy:
        parts.append(f"Remedy: {f.remedy}.")
    if f.inferred_evidence:
        parts.append(f"Rests on an undeclared (inferred) parent: {f.inferred_evidence}.")
    return " ".join(parts)


def _audit_result(f: Finding, index: dict[str, int], baseline: Baseline | None) -> dict[str, Any]:
    card = f"{HUB_URL}/{f.model_id}/blob/main/README.md"
    item: dict[str, Any] = {
        "ruleId": f.rule_id,
        "level": LEVEL.get(f.severity, "warning"),
        "message": {"text": _audit_message(f)},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": card}},
            "logicalLocations": [{"name": f.model_id, "fullyQualifiedName": f"{HUB_URL}/{f.model_id}",
                                  "kind": "module"}],
        }],
        "partialFingerprints": {"licensegraph/v1": f"{f.model_id}|{f.rule_id}|{f.label}|{f.ancestor_id or ''}"},
        "properties": {
            "modelId": f.model_id, "label": f.label, "severity": f.severity, "view": f.view,
            "modelLicense": f.model_license, "relation": f.relation,
            "ancestor": f.ancestor_id, "ancestorLicense": f.ancestor_license, "path": list(f.path),
            "duty": f.duty, "clause": f.clause, "sourceUrl": f.source,
            "viaNoncompliant": f.via_noncompliant, "possiblyIncomplete": f.possibly_incomplete,
            "remedy": f.remedy,
            **({"inferredEvidence": f.inferred_evidence} if f.inferred_evidence else {}),
        },
    }
    if f.rule_id in index:
        item["ruleIndex"] = index[f.rule_id]
    entry = baseline.accepting(f) if baseline is not None else None
    if entry is not None and baseline is not None:
        item["suppressions"] = [{"kind": "external", "status": "accepted", "justification": entry.justification,
                                 "location": {"physicalLocation": {"artifactLocation": {
                                     "uri": artifact_uri(baseline.path)}}}}]
    return item


def _audit_log(result: AuditFindings, results: Any) -> dict[str, Any]:
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if not result.audited:
        invocation["toolExecutionNotifications"] = [
            {"level": "warning", "message": {"text": "no audit has been run on this store"}}]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "licensegraph",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [rule_descriptor(r) for r in result.rules],
            }},
            "invocations": [invocation],
            "results": results,
            "properties": {"view": result.view, "disclaimer": result.disclaimer},
        }],
    }


def audit_to_sarif(result: AuditFindings, baseline: Baseline | None = None) -> dict[str, Any]:
    """SARIF 2.1.0 log of an audit's findings in one view. Findings a baseline accepts carry
    an external suppression with its justification."""
    index = {r.rule_id: i for i, r in enumerate(result.rules)}
    return _audit_log(result, [_audit_result(f, index, baseline) for f in result.findings])


class AuditSarifWriter:
    """The same log written as findings come (one result per line), for audits of any size."""

    _HOLE = "__licensegraph_results__"

    def __init__(self, out: TextIO, result: AuditFindings, baseline: Baseline | None = None) -> None:
        self.out, self.baseline, self.n = out, baseline, 0
        self.index = {r.rule_id: i for i, r in enumerate(result.rules)}
        text = json.dumps(_audit_log(result, self._HOLE), indent=2, ensure_ascii=False)
        self.head, self.tail = text.split(f'"{self._HOLE}"')
        out.write(self.head + "[")

    def write(self, f: Finding) -> None:
        self.out.write(("\n" if self.n == 0 else ",\n")
                       + json.dumps(_audit_result(f, self.index, self.baseline), ensure_ascii=False))
        self.n += 1

    def close(self) -> None:
        self.out.write(("\n]" if self.n else "]") + self.tail + "\n")


def write_audit_sarif(out: TextIO, result: AuditFindings, findings: Iterable[Finding] | None = None,
                      baseline: Baseline | None = None) -> int:
    """The audit's SARIF log into `out` (`findings`, else result.findings). Returns how many results."""
    writer = AuditSarifWriter(out, result, baseline)
    for f in result.findings if findings is None else findings:
        writer.write(f)
    writer.close()
    return writer.n
