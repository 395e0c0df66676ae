"""Markdown: the audit table as a GitHub-flavoured Markdown table."""

from __future__ import annotations

from licensegraph.api.results import AuditResult
from licensegraph.formats.table import (
    AUDIT_HEADERS,
    DATA_HEADERS,
    DATA_NOTE,
    DATA_TITLE,
    EXCLUDED_INTRO,
    audit_cells,
    data_cells,
    excluded_line,
    inferred_lines,
)


def audit_markdown(result: AuditResult) -> str:
    """The study-style table, the left-out counts and the disclaimer, in Markdown."""
    lines = [f"**{result.view_description}** ({result.relations})", "",
             "| " + " | ".join(AUDIT_HEADERS) + " |", "|" + "---|" * len(AUDIT_HEADERS)]
    for row in result.rows:
        lines.append("| " + " | ".join(audit_cells(row)) + " |")
    lines += ["", EXCLUDED_INTRO, ""]
    lines += [f"- {excluded_line(row)}" for row in result.rows]
    inferred = inferred_lines(result)
    if inferred:
        lines += ["", *(line.replace("  ", "- ", 1) if line.startswith("  ") and not line.startswith("    ") else line
                        for line in inferred)]
    if result.data_rows:
        lines += ["", f"**{DATA_TITLE}**", "", "| " + " | ".join(DATA_HEADERS) + " |", "|" + "---|" * len(DATA_HEADERS)]
        lines += ["| " + " | ".join(data_cells(row)) + " |" for row in result.data_rows]
        lines += ["", DATA_NOTE]
    lines += ["", f"_{result.disclaimer}_"]
    return "\n".join(lines) + "\n"
