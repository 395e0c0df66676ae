"""Findings as CSV and JSON, with stable, documented column names.

The columns are a contract: new columns may be appended, none is renamed or removed
without a major version. CSV joins the path with " -> " and writes booleans as
true/false; JSON keeps the path as a list.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from typing import TextIO

from licensegraph.api.export_results import AuditFindings
from licensegraph.api.results import Finding

#: column -> what it holds (the README's table is generated from the same words).
FINDING_COLUMNS: dict[str, str] = {
    "model_id": "the Hub model id the finding is about",
    "view": "local (the model against its direct parents' declared licenses) or effective (every ancestor)",
    "rule_id": "rule id from the catalogue (rules.md), e.g. copyleft-style-dropped",
    "label": "the row of the study table the finding counts in, e.g. Copyleft-style Terms, La2E-license",
    "severity": "violation, warning or risk",
    "relation": "the model's relation to its parents as licensegraph decided it: finetune, adapter, "
                "quantization or merge (empty for a model without parents)",
    "model_license": "the model's normalized license id (none, unknown, other-unresolved when not known)",
    "ancestor_id": "the ancestor whose license imposes the duty (empty for rules about the model alone)",
    "ancestor_license": "that ancestor's license id",
    "path": "the lineage from the model up to that ancestor (CSV: ids joined by ' -> ')",
    "duty": "the kind of duty the rule enforces (knowledge base)",
    "clause": "the license clause the finding rests on",
    "source": "where that clause can be read (URL)",
    "via_noncompliant": "true when the ancestor is reached only through an ancestor that is itself noncompliant",
    "possibly_incomplete": "true when a license upstream could not be resolved, so more duties may apply",
    "message": "what is wrong, in one sentence",
    "remedy": "how to fix it",
    "inferred_evidence": "views with inferred parents (local+inferred, effective+inferred): the inferred edges "
                         "the finding rests on, with their evidence (empty otherwise)",
}


def finding_record(f: Finding) -> dict:
    """One finding under the documented column names (path as a list)."""
    return {name: (list(getattr(f, name)) if name == "path" else getattr(f, name)) for name in FINDING_COLUMNS}


def _csv_row(f: Finding) -> list:
    rec = finding_record(f)
    rec["path"] = " -> ".join(rec["path"])
    return ["true" if v is True else "false" if v is False else ("" if v is None else v)
            for v in (rec[c] for c in FINDING_COLUMNS)]


def csv_writer(out: TextIO) -> Callable[[Finding], None]:
    """Write the CSV header into `out`; the returned function writes one finding's row."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FINDING_COLUMNS)
    return lambda f: writer.writerow(_csv_row(f))


def write_csv(out: TextIO, findings: Iterable[Finding]) -> int:
    """Findings as CSV into `out`: a header row with FINDING_COLUMNS, then one row per
    finding (streamed: any number of findings). Returns how many were written."""
    row = csv_writer(out)
    n = 0
    for f in findings:
        row(f)
        n += 1
    return n


class JsonWriter:
    """Findings as one JSON document, written as they come: the view, the disclaimer, the
    columns, then the findings, one per line."""

    def __init__(self, out: TextIO, result: AuditFindings) -> None:
        self.out = out
        head = json.dumps({"view": result.view, "audited": result.audited, "disclaimer": result.disclaimer,
                           "columns": FINDING_COLUMNS}, indent=2, ensure_ascii=False)
        out.write(head[:-2] + ',\n  "findings": [')
        self.n = 0

    def write(self, f: Finding) -> None:
        self.out.write(("\n    " if self.n == 0 else ",\n    ") + json.dumps(finding_record(f), ensure_ascii=False))
        self.n += 1

    def close(self) -> None:
        self.out.write("\n  ]\n}\n" if self.n else "]\n}\n")


def write_json(out: TextIO, result: AuditFindings, findings: Iterable[Finding] | None = None) -> int:
    """Findings as JSON into `out` (`findings`, else result.findings). Returns how many."""
    writer = JsonWriter(out, result)
    for f in result.findings if findings is None else findings:
        writer.write(f)
    writer.close()
    return writer.n


def to_csv(result: AuditFindings) -> str:
    """Findings as CSV text: a header row with FINDING_COLUMNS, then one row per finding."""
    buf = io.StringIO()
    write_csv(buf, result.findings)
    return buf.getvalue()


def to_json(result: AuditFindings) -> str:
    """Findings as a JSON document: the view, the disclaimer, the columns and the findings."""
    buf = io.StringIO()
    write_json(buf, result)
    return buf.getvalue()
