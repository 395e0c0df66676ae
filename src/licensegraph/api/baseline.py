"""Baselines: findings a team has accepted on purpose, each with a justification.

A baseline is a TOML file (like pip-audit's ignore list or ruff's per-file ignores) that
`audit` and `check` read to report matching findings as *accepted* instead of failing:

    # licensegraph baseline
    [[accept]]
    model_id = "org/model"            # the model the finding is about (case-insensitive)
    rule_id = "license-mismatch"      # the rule (see `licensegraph rules`)
    view = "effective"                # optional: local or effective; both when left out
    justification = "Weights relicensed by written agreement with the licensor, 2026-03"
    expires = 2027-06-30              # optional: after this date the finding counts again

An entry without a justification is an error: accepting a finding is a decision someone
must be able to read. An expired entry accepts nothing and is reported as expired.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from licensegraph.api.results import Finding, Result
from licensegraph.store.db import Store
from licensegraph.vocab import ALL_VIEWS, SEVERITY_ORDER

__all__ = ["Baseline", "BaselineEntry", "BaselineError", "GateResult", "RuleGate", "at_or_above", "baseline_toml", "gate",
           "load_baseline"]

#: What a justification says when `audit --baseline-write` wrote the entry; replace it with the reason.
WRITTEN_JUSTIFICATION = "accepted as found when this baseline was written on {date}: replace with the reason"

_KEYS = {"model_id", "rule_id", "view", "justification", "expires"}


class BaselineError(ValueError):
    """A baseline file that cannot be read: names the file, the entry and the problem."""


@dataclass(frozen=True)
class BaselineEntry(Result):
    """One accepted finding: which model, which rule, optionally which view, why, and until when."""

    model_id: str
    rule_id: str
    justification: str
    view: str | None = None
    expires: dt.date | None = None

    def expired(self, today: dt.date) -> bool:
        """True when the entry's expiry date has passed (an entry is valid on its expiry day)."""
        return self.expires is not None and today > self.expires

    def matches(self, finding: Finding) -> bool:
        """True when this entry accepts `finding` (ids compared case-insensitively, as the Hub does)."""
        return (finding.model_id.lower() == self.model_id.lower() and finding.rule_id == self.rule_id
                and (self.view is None or self.view == finding.view))


@dataclass(frozen=True)
class Baseline(Result):
    """The entries of one baseline file."""

    path: str
    entries: tuple[BaselineEntry, ...]

    def active(self, today: dt.date | None = None) -> tuple[BaselineEntry, ...]:
        """Entries that still accept findings today."""
        day = today or dt.date.today()
        return tuple(e for e in self.entries if not e.expired(day))

    def expired(self, today: dt.date | None = None) -> tuple[BaselineEntry, ...]:
        """Entries past their expiry date: their findings count again."""
        day = today or dt.date.today()
        return tuple(e for e in self.entries if e.expired(day))

    def accepting(self, finding: Finding, today: dt.date | None = None) -> BaselineEntry | None:
        """The active entry that accepts `finding`, or None."""
        return next((e for e in self.active(today) if e.matches(finding)), None)


def load_baseline(path: Path | str) -> Baseline:
    """Read a baseline file; BaselineError names the file, the entry and what is wrong."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{p}: no such baseline file (write one with `licensegraph audit --baseline-write {p}`)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{p}: cannot read the baseline: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise BaselineError(f"{p}: not valid TOML: {exc}") from None
    unknown = set(data) - {"accept"}
    if unknown:
        raise BaselineError(f"{p}: unknown top-level key(s) {', '.join(sorted(unknown))}; entries go in [[accept]]")
    raw = data.get("accept", [])
    if not isinstance(raw, list):
        raise BaselineError(f"{p}: `accept` must be an array of tables ([[accept]])")
    entries = []
    for i, item in enumerate(raw, 1):
        where = f"{p}: entry {i}"
        if not isinstance(item, dict):
            raise BaselineError(f"{where}: must be a table")
        extra = set(item) - _KEYS
        if extra:
            raise BaselineError(f"{where}: unknown key(s) {', '.join(sorted(extra))}; known: {', '.join(sorted(_KEYS))}")
        for key in ("model_id", "rule_id", "justification"):
            value = item.get(key)
            if not isinstance(value, str) or not value.strip():
                raise BaselineError(f"{where}: `{key}` is required and must be a non-empty string")
        view = item.get("view")
        if view is not None and view not in ALL_VIEWS:
            raise BaselineError(f"{where}: `view` must be one of {', '.join(ALL_VIEWS)}, not {view!r}")
        expires = item.get("expires")
        if expires is not None and not (isinstance(expires, dt.date) and not isinstance(expires, dt.datetime)):
            raise BaselineError(f"{where}: `expires` must be a date such as 2027-06-30, not {expires!r}")
        entries.append(BaselineEntry(model_id=item["model_id"].strip(), rule_id=item["rule_id"].strip(),
                                     justification=item["justification"].strip(), view=view, expires=expires))
    return Baseline(path=str(p), entries=tuple(entries))


def at_or_above(severity: str) -> tuple[str, ...]:
    """The severities that count for `--fail-on severity` (violation > warning > risk)."""
    if severity not in SEVERITY_ORDER:
        raise ValueError(f"severity must be one of {', '.join(SEVERITY_ORDER)}, not {severity!r}")
    rank = SEVERITY_ORDER[severity]
    return tuple(s for s, r in sorted(SEVERITY_ORDER.items(), key=lambda kv: kv[1]) if r <= rank)


def baseline_toml(findings: Iterable[Finding], today: dt.date | None = None) -> str:
    """A baseline accepting every given finding once per (model, rule, view), for review."""
    day = (today or dt.date.today()).isoformat()
    seen: set[tuple[str, str, str]] = set()
    out = ["# licensegraph baseline: findings accepted on purpose.",
           "# Replace each justification with the reason; add `expires = YYYY-MM-DD` to review it later.",
           "# Read by `licensegraph audit --baseline FILE` and `licensegraph check --baseline FILE`.", ""]
    for f in sorted(findings, key=lambda f: (f.model_id.lower(), f.rule_id, f.view)):
        key = (f.model_id.lower(), f.rule_id, f.view)
        if key in seen:
            continue
        seen.add(key)
        # JSON string escapes are valid TOML basic-string escapes.
        out += ["[[accept]]", f"model_id = {json.dumps(f.model_id, ensure_ascii=False)}",
                f"rule_id = {json.dumps(f.rule_id)}", f"view = {json.dumps(f.view)}",
                f"justification = {json.dumps(WRITTEN_JUSTIFICATION.format(date=day))}", ""]
    return "\n".join(out)


@dataclass(frozen=True)
class RuleGate(Result):
    """One rule's findings at or above the gate's severity, and how many the baseline accepted."""

    rule_id: str
    findings: int
    accepted: int

    @property
    def failing(self) -> int:
        """Findings that count against the gate."""
        return self.findings - self.accepted


@dataclass(frozen=True)
class GateResult(Result):
    """`audit --fail-on`: the findings of one view at or above a severity, less those a baseline accepts.

    The CLI turns `failing` into its exit code; the audit table itself is not changed by a baseline."""

    view: str
    fail_on: str
    severities: tuple[str, ...]
    findings: int
    accepted: int
    by_rule: tuple[RuleGate, ...]
    baseline: str | None
    expired: tuple[BaselineEntry, ...]  # entries past their date: their findings count again
    unmatched: tuple[BaselineEntry, ...]  # active entries that match no finding of any severity (stale)

    @property
    def failing(self) -> int:
        """Findings at or above `fail_on` that no active baseline entry accepts."""
        return self.findings - self.accepted


def gate(store: Store, view: str, fail_on: str, baseline: Baseline | None = None,
         rule_ids: Iterable[str] | None = None, today: dt.date | None = None) -> GateResult:
    """Count the last audit's findings of `view` at or above `fail_on`, and those `baseline` accepts.

    Matching is one join of the baseline's entries with the findings, so a baseline of
    thousands of entries costs one query, not one per entry."""
    import pyarrow as pa

    if view not in ALL_VIEWS:
        raise ValueError(f"view must be one of {', '.join(ALL_VIEWS)}, not {view!r}")
    severities = at_or_above(fail_on)
    rules = sorted(set(rule_ids)) if rule_ids else None
    where = ["f.view = ?", f"f.severity IN ({', '.join('?' for _ in severities)})"]
    params: list[object] = [view, *severities]
    if rules:
        where.append(f"f.rule_id IN ({', '.join('?' for _ in rules)})")
        params += rules
    cond = " AND ".join(where)
    totals = dict(store.con.execute(
        f"SELECT f.rule_id, count(*) FROM findings f WHERE {cond} GROUP BY 1", params).fetchall())
    active = baseline.active(today) if baseline else ()
    accepted: dict[str, int] = {}
    unmatched: tuple[BaselineEntry, ...] = ()
    if active:
        entries = pa.table({
            "i": list(range(len(active))),
            "model_key": [e.model_id.lower() for e in active],
            "rule_id": [e.rule_id for e in active],
            "view": pa.array([e.view for e in active], type=pa.string()),
        })
        con = store.con
        con.register("baseline_entries", entries)
        try:
            accepted = dict(con.execute(
                "SELECT f.rule_id, count(*) FROM findings f WHERE " + cond + " AND EXISTS ("
                "SELECT 1 FROM baseline_entries b WHERE b.model_key = f.model_key AND b.rule_id = f.rule_id "
                "AND (b.view IS NULL OR b.view = f.view)) GROUP BY 1", params).fetchall())
            hit = {i for (i,) in con.execute(
                "SELECT DISTINCT b.i FROM baseline_entries b JOIN findings f ON b.model_key = f.model_key "
                "AND b.rule_id = f.rule_id AND (b.view IS NULL OR b.view = f.view)").fetchall()}
        finally:
            con.unregister("baseline_entries")
        unmatched = tuple(e for i, e in enumerate(active) if i not in hit)
    by_rule = tuple(RuleGate(rule_id=r, findings=int(n), accepted=int(accepted.get(r, 0)))
                    for r, n in sorted(totals.items()))
    return GateResult(
        view=view, fail_on=fail_on, severities=severities, findings=sum(g.findings for g in by_rule),
        accepted=sum(g.accepted for g in by_rule), by_rule=by_rule,
        baseline=baseline.path if baseline else None,
        expired=baseline.expired(today) if baseline else (), unmatched=unmatched,
    )
