"""`audit --format sarif`: the Hub-wide findings as a SARIF 2.1.0 log.

One result per noncompliant model and rule row (a model with two violated rules gives two
results), located at the model's card on the Hub (logically: the model id). The rules are
the catalogue, each with its help text (what it checks, which clauses it rests on).
Warnings and risks are results too, at levels warning and note.
"""

from __future__ import annotations

from licensegraph import __version__
from licensegraph.api.export_results import AuditFindings, Finding, RuleInfo

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"violation": "error", "warning": "warning", "risk": "note"}
HUB = "https://huggingface.co"


def _rule(rule: RuleInfo) -> dict:
    summary = rule.help.split("\n\n", 1)[0].replace("\n", " ") if rule.help else rule.id
    help_text = (f"Applies to {rule.applies_to}.\n\n{rule.help}" if rule.applies_to else rule.help)
    desc = {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": help_text.replace("\n\n", " ").replace("\n", " ")},
        "help": {"text": help_text + "\n\nlicensegraph reports license facts and rule outcomes; it is not legal "
                                     "advice. `licensegraph explain MODEL_ID` shows the evidence."},
        "defaultConfiguration": {"level": LEVEL.get(rule.severity, "warning")},
        "properties": {"severity": rule.severity, "labels": list(rule.labels), "inStudy": rule.in_study,
                       "tags": ["license", "compliance"]},
    }
    if rule.source_url:
        desc["helpUri"] = rule.source_url
    return desc


def _message(f: Finding) -> str:
    parts = [f"{f.model_id}: {f.label}: {f.message or f.rule_id_id}."]
    if len(f.path) > 1:
        parts.append(f"Evidence: {' -> '.join(f.path)} ({f.ancestor_license}).")
    if f.clause:
        parts.append(f"Clause: {f.clause}" + (f" ({f.source})." if f.source else "."))
    if f.remedy:
        parts.append(f"Remedy: {f.remedy}.")
    return " ".join(parts)


def to_sarif(result: AuditFindings) -> dict:
    """SARIF 2.1.0 log of an audit's findings in one view."""
    rules = [_rule(r) for r in result.rules]
    index = {r.id: i for i, r in enumerate(result.rules)}
    out = []
    for f in result.findings:
        card = f"{HUB}/{f.model_id}/blob/main/README.md"
        item = {
            "ruleId": f.rule_id,
            "level": LEVEL.get(f.severity, "warning"),
            "message": {"text": _message(f)},
            "locations": [{
                "physicalLocation": {"artifactLocation": {"uri": card}},
                "logicalLocations": [{"name": f.model_id, "fullyQualifiedName": f"{HUB}/{f.model_id}",
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
            },
        }
        if f.rule_id in index:
            item["ruleIndex"] = index[f.rule_id]
        out.append(item)
    invocation: dict = {"executionSuccessful": True}
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
                "rules": rules,
            }},
            "invocations": [invocation],
            "results": out,
            "properties": {"view": result.view, "disclaimer": result.disclaimer},
        }],
    }
