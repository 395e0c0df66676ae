"""The study-style noncompliance table (rules.md, "The study-style table"), from rule_counts."""

from __future__ import annotations

import csv
import io
import json

from licensegraph import NOT_LEGAL_ADVICE
from licensegraph.store.db import Store

STUDY_ORDER = (
    "License Mismatch", "Copyleft-style Terms", "Copyleft Violation", "ND", "CCf", "FSff",
    "La2E-license", "La2E-merge", "La3E-license", "La3E-merge",
)
BREAKDOWN = ("finetune", "merge", "quantization", "adapter")
VIEW_TEXT = {
    "local": "edge-local view: each model against its direct parents' declared licenses (as the study counted)",
    "effective": "effective view: each model against every ancestor's license, transitively",
}


def audit_table(store: Store, view: str = "local", hub_labels: bool = False) -> dict:
    rel_col = "hub_relation" if hub_labels else "relation"
    rows = store.con.execute(
        f"""
        SELECT c.rule_id, c.label, any_value(c.view),
               sum(qualifying), sum(noncompliant),
               sum(excluded_none), sum(excluded_unknown), sum(excluded_unresolved), sum(excluded_absent),
               {", ".join(f"sum(noncompliant) FILTER (WHERE {rel_col} = '{r}')" for r in BREAKDOWN)}
        FROM rule_counts c WHERE view = ?
        GROUP BY c.rule_id, c.label
        """,
        [view],
    ).fetchall()
    from licensegraph.rules import all_rules

    order = {r.id: (r.order, r.in_study, r.severity) for r in all_rules()}

    def key(r):
        label = r[1]
        if label in STUDY_ORDER:
            return (0, STUDY_ORDER.index(label), "")
        return (1, order.get(r[0], (999,))[0], label)

    out = []
    for r in sorted(rows, key=key):
        rule_id, label, _, qualifying, noncompliant, ex_none, ex_unknown, ex_unres, ex_absent, *by_rel = r
        qualifying, noncompliant = int(qualifying or 0), int(noncompliant or 0)
        out.append({
            "rule": rule_id,
            "label": label,
            "in_study": label in STUDY_ORDER,
            "severity": order.get(rule_id, (0, False, ""))[2],
            "noncompliant": noncompliant,
            "noncompliant_pct": round(100 * noncompliant / qualifying, 2) if qualifying else 0.0,
            "qualifying": qualifying,
            "by_relation": {
                rel: {"count": int(n or 0), "pct": round(100 * (n or 0) / noncompliant, 2) if noncompliant else 0.0}
                for rel, n in zip(BREAKDOWN, by_rel)
            },
            "excluded": {"none": int(ex_none or 0), "unknown": int(ex_unknown or 0),
                         "other-unresolved": int(ex_unres or 0), "absent": int(ex_absent or 0)},
        })
    return {
        "view": view,
        "view_description": VIEW_TEXT[view],
        "relations": "Hub labels" if hub_labels else "corrected relations",
        "rows": out,
        "disclaimer": NOT_LEGAL_ADVICE,
    }


def _cells(row: dict) -> list[str]:
    cells = [row["label"], f"{row['noncompliant']:,} ({row['noncompliant_pct']:.1f}%)", f"{row['qualifying']:,}"]
    for rel in BREAKDOWN:
        b = row["by_relation"][rel]
        cells.append(f"{b['count']:,} ({b['pct']:.1f}%)")
    return cells


HEADERS = ["Rule", "Noncompliant", "Qualifying", "Finetune", "Merge", "Quantization", "Adapter"]


def excluded_line(row: dict) -> str:
    ex = row["excluded"]
    parts = [f"{v:,} {k}" for k, v in ex.items() if v]
    return f"{row['label']}: " + (", ".join(parts) if parts else "none left out")


def to_markdown(data: dict) -> str:
    lines = [f"**{data['view_description']}** ({data['relations']})", "",
             "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    for row in data["rows"]:
        lines.append("| " + " | ".join(_cells(row)) + " |")
    lines += ["", "Left out of the denominator (a license the decision needs is none, unknown, "
              "other-unresolved, or the model is absent from the store):", ""]
    lines += [f"- {excluded_line(row)}" for row in data["rows"]]
    lines += ["", f"_{data['disclaimer']}_"]
    return "\n".join(lines) + "\n"


def to_csv(data: dict) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["view", "rule", "label", "noncompliant", "noncompliant_pct", "qualifying",
                     *(f"{r}_{m}" for r in BREAKDOWN for m in ("count", "pct")),
                     "excluded_none", "excluded_unknown", "excluded_other_unresolved", "excluded_absent"])
    for row in data["rows"]:
        writer.writerow([data["view"], row["rule"], row["label"], row["noncompliant"], row["noncompliant_pct"],
                         row["qualifying"],
                         *(row["by_relation"][r][m] for r in BREAKDOWN for m in ("count", "pct")),
                         *row["excluded"].values()])
    return buf.getvalue()


def to_json(data: dict) -> str:
    return json.dumps(data, indent=2)


def render_rich(console, data: dict) -> None:
    from rich.table import Table

    table = Table(title=f"Noncompliance — {data['view_description']} ({data['relations']})")
    for h in HEADERS:
        # the rule label must stay readable on a narrow terminal; numbers may wrap
        table.add_column(h, justify="left" if h == "Rule" else "right", no_wrap=h == "Rule")
    study_done = False
    for row in data["rows"]:
        if not row["in_study"] and not study_done:
            table.add_section()
            study_done = True
        table.add_row(*_cells(row))
    console.print(table)
    console.print("Left out of the denominator (a license the decision needs is none, unknown, "
                  "other-unresolved, or the model is absent from the store):")
    for row in data["rows"]:
        console.print(f"  {excluded_line(row)}")
    console.print(f"[dim]{data['disclaimer']}[/dim]")
