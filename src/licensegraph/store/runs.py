"""Runs: every ingest and crawl is a numbered run; what each run changed is kept.

A run starts `running` and ends `complete` (or `failed`, `abandoned`). At the end of a
run the caller has rebuilt lineage and licenses and audited; `finish_run` then diffs the
store against the snapshot left by the previous run and appends the differences to
`run_changes`: models (present or deleted, and their license), lineage edges, and
findings. Each row keeps the state before and after, so the net change over any range of
runs is the first `before` against the last `after` of each key. The study table of each
run is kept in `run_rule_counts` (`audit --as-of RUN`).

Crawl checkpoints live on the run row too (`cursor`, `listing_done`), written in the same
transaction as the page they follow, so a killed crawl resumes where it stopped.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from licensegraph.store.db import Store, transaction

RUN_COLUMNS = ("run_id", "kind", "status", "started_at", "finished_at", "params", "source", "cursor", "pages",
               "records", "stored", "updated", "unchanged", "rejected", "deleted", "requests", "high_water",
               "checkpoint", "listing_done", "stop_reason", "error")

# Current state, in the snapshot's shape.
_NOW_MODELS = """SELECT m.model_key, m.id, l.license, coalesce(m.deleted, false) AS deleted
                 FROM models m LEFT JOIN model_licenses l USING (model_key)"""
_NOW_EDGES = "SELECT child_key, child_id, parent_key, parent_id, relation FROM edges"
_NOW_FINDINGS = """SELECT view, rule_id, label, model_key, any_value(model_id) AS model_id,
                   any_value(ancestor_id) AS ancestor_id, any_value(severity) AS severity
                   FROM finding_rows GROUP BY view, rule_id, label, model_key"""


class RunError(ValueError):
    """A run that does not exist, or a --since that names none."""


@dataclass(frozen=True)
class Run:
    run_id: int
    kind: str
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    params: dict
    source: str | None
    cursor: str | None
    pages: int
    records: int
    stored: int
    updated: int
    unchanged: int
    rejected: int
    deleted: int
    requests: int
    high_water: dt.datetime | None
    checkpoint: dt.datetime | None
    listing_done: bool
    stop_reason: str | None
    error: str | None


def _run(row) -> Run:
    values = dict(zip(RUN_COLUMNS, row))
    values["params"] = json.loads(values["params"] or "{}")
    return Run(**values)


def get_run(store: Store, run_id: int) -> Run | None:
    rows = store.execute(f"SELECT {', '.join(RUN_COLUMNS)} FROM runs WHERE run_id = ?", [run_id]).fetchall()
    return _run(rows[0]) if rows else None


def list_runs(store: Store) -> list[Run]:
    """Every run, oldest first."""
    return [_run(r) for r in store.execute(f"SELECT {', '.join(RUN_COLUMNS)} FROM runs ORDER BY run_id").fetchall()]


def start_run(store: Store, kind: str, params: dict, source: str | None) -> int:
    """A new numbered run, status `running`; committed at once so a kill keeps the number."""
    con = store.con
    with transaction(con):
        run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchall()[0][0]
        con.execute(
            "INSERT INTO runs (run_id, kind, status, started_at, params, source) VALUES (?, ?, 'running', now(), ?, ?)",
            [run_id, kind, json.dumps(params, sort_keys=True), source],
        )
    return run_id


def unfinished_runs(store: Store, kind: str) -> list[Run]:
    rows = store.execute(
        f"SELECT {', '.join(RUN_COLUMNS)} FROM runs WHERE kind = ? AND status = 'running' ORDER BY run_id", [kind]
    ).fetchall()
    return [_run(r) for r in rows]


def set_status(store: Store, run_id: int, status: str, error: str | None = None) -> None:
    store.execute("UPDATE runs SET status = ?, error = ? WHERE run_id = ?", [status, error, run_id])


def record_error(store: Store, run_id: int, error: str) -> None:
    """Note why a run stopped; it stays `running`, so the next run with its options resumes it."""
    store.execute("UPDATE runs SET error = ? WHERE run_id = ?", [error, run_id])


def finish_run(store: Store, run_id: int, counts: dict | None = None) -> None:
    """Diff the store against the previous run's snapshot into `run_changes`, keep the
    run's study table, move the snapshot forward and mark the run complete; one
    transaction. Lineage, licenses and findings must be current (rebuilt and audited)."""
    con = store.con
    with transaction(con):
        con.execute(f"CREATE OR REPLACE TEMP TABLE _now_models AS {_NOW_MODELS}")
        con.execute(
            """
            INSERT INTO run_changes (run_id, entity, key, model_id, before_present, after_present, before_value, after_value)
            SELECT ?, 'model', coalesce(n.model_key, s.model_key), coalesce(n.id, s.id),
                   coalesce(NOT s.deleted, false), coalesce(NOT n.deleted, false), s.license, n.license
            FROM _now_models n FULL JOIN snap_models s USING (model_key)
            WHERE coalesce(NOT s.deleted, false) IS DISTINCT FROM coalesce(NOT n.deleted, false)
               OR (NOT s.deleted AND NOT n.deleted AND s.license IS DISTINCT FROM n.license)
            """,
            [run_id],
        )
        con.execute(f"CREATE OR REPLACE TEMP TABLE _now_edges AS {_NOW_EDGES}")
        con.execute(
            """
            INSERT INTO run_changes (run_id, entity, key, model_id, related_id, relation, before_present, after_present)
            SELECT ?, 'edge', concat_ws('|', child_key, parent_key, relation),
                   coalesce(n.child_id, s.child_id), coalesce(n.parent_id, s.parent_id), relation,
                   s.child_key IS NOT NULL, n.child_key IS NOT NULL
            FROM (SELECT DISTINCT * FROM _now_edges) n
            FULL JOIN (SELECT DISTINCT * FROM snap_edges) s USING (child_key, parent_key, relation)
            WHERE n.child_key IS NULL OR s.child_key IS NULL
            """,
            [run_id],
        )
        con.execute(f"CREATE OR REPLACE TEMP TABLE _now_findings AS {_NOW_FINDINGS}")
        con.execute(
            """
            INSERT INTO run_changes (run_id, entity, key, model_id, related_id, view, rule_id, label, severity,
                                     before_present, after_present)
            SELECT ?, 'finding', concat_ws('|', view, rule_id, label, model_key),
                   coalesce(n.model_id, s.model_id), coalesce(n.ancestor_id, s.ancestor_id),
                   view, rule_id, label, coalesce(n.severity, s.severity),
                   s.model_key IS NOT NULL, n.model_key IS NOT NULL
            FROM _now_findings n FULL JOIN snap_findings s USING (view, rule_id, label, model_key)
            WHERE n.model_key IS NULL OR s.model_key IS NULL
            """,
            [run_id],
        )
        con.execute("INSERT INTO run_rule_counts SELECT ?, * FROM rule_counts", [run_id])
        for snap, now in (("snap_models", "_now_models"), ("snap_edges", "_now_edges"), ("snap_findings", "_now_findings")):
            con.execute(f"DELETE FROM {snap}")
            con.execute(f"INSERT INTO {snap} SELECT * FROM {now}")
            con.execute(f"DROP TABLE {now}")
        sets = ", ".join(f"{k} = ?" for k in (counts or {}))
        con.execute(
            f"UPDATE runs SET status = 'complete', finished_at = now(), error = NULL{', ' + sets if sets else ''} WHERE run_id = ?",
            [*(counts or {}).values(), run_id],
        )


# --------------------------------------------------------------------------- reading changes


@dataclass(frozen=True)
class RunRange:
    """Runs after `after` (exclusive) up to `last` (inclusive), complete ones only."""

    after: int
    last: int
    runs: tuple[int, ...]


def resolve_since(store: Store, since: str | None) -> RunRange:
    """`--since RUN|DATE` -> the completed runs it covers. None: the latest completed run;
    a number: the runs after that one; a date: the runs finished on or after it."""
    complete = store.execute(
        "SELECT run_id, finished_at FROM runs WHERE status = 'complete' ORDER BY run_id"
    ).fetchall()
    if not complete:
        raise RunError("no completed run in the store yet: run `licensegraph ingest` or `licensegraph crawl` first")
    last = complete[-1][0]
    if since is None:
        after = complete[-2][0] if len(complete) > 1 else 0
    elif since.strip().lstrip("-").isdigit():
        after = int(since)
        if after < 0 or (after and store.scalar("SELECT count(*) FROM runs WHERE run_id = ?", [after]) == 0):
            raise RunError(f"--since {since}: no run {after} in the store (runs: 1..{last})")
    else:
        try:
            when = dt.datetime.fromisoformat(since.strip())
        except ValueError:
            raise RunError(f"--since {since!r}: expected a run number or a date (YYYY-MM-DD[THH:MM[:SS]])") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        later = [r for r, finished in complete if finished is not None and finished >= when]
        after = (later[0] - 1) if later else last
    runs = tuple(r for r, _ in complete if r > after)
    return RunRange(after=after, last=last, runs=runs)


_RANGED = """
    WITH ranged AS (
      SELECT * FROM run_changes WHERE run_id IN (SELECT unnest(?::INTEGER[]))
    """
_NET_GROUPED = """), net AS (
      SELECT entity, key,
             arg_min(before_present, run_id) AS before_present, arg_max(after_present, run_id) AS after_present,
             arg_min(before_value, run_id) AS before_value, arg_max(after_value, run_id) AS after_value,
             arg_max(model_id, run_id) AS model_id, arg_max(related_id, run_id) AS related_id,
             any_value(relation) AS relation, any_value(view) AS view, any_value(rule_id) AS rule_id,
             any_value(label) AS label, arg_max(severity, run_id) AS severity,
             max(run_id) AS run_id
      FROM ranged GROUP BY entity, key
    )
"""
# Within one run a key changes at most once: its rows are already net.
_NET_ONE_RUN = """), net AS (SELECT * FROM ranged)
"""
#: What makes a net change of each kind (entity, change): its state before and after.
CHANGE_CONDITIONS = {
    ("model", "added"): "NOT before_present AND after_present",
    ("model", "deleted"): "before_present AND NOT after_present",
    ("model", "relicensed"): "before_present AND after_present AND before_value IS DISTINCT FROM after_value",
    ("edge", "added"): "NOT before_present AND after_present",
    ("edge", "removed"): "before_present AND NOT after_present",
    ("finding", "appeared"): "NOT before_present AND after_present",
    ("finding", "resolved"): "before_present AND NOT after_present",
}
_CHANGE_COLUMNS = "entity, model_id, related_id, relation, view, rule_id, label, severity, before_value, after_value, run_id"
_CLASSIFIED = f"""
    SELECT {_CHANGE_COLUMNS},
           CASE
             {" ".join(f"WHEN entity = '{e}' AND {cond} THEN '{c}'" for (e, c), cond in CHANGE_CONDITIONS.items())}
           END AS change
    FROM net
"""
NET_CHANGES_SQL = _RANGED + _NET_GROUPED + _CLASSIFIED



def net_changes(store: Store, runs: tuple[int, ...]) -> list[dict]:
    """What moved over `runs`: per model, edge and finding the net change (first state
    before against last state after), without the ones that came back to where they were."""
    cols = ("entity", "model_id", "related_id", "relation", "view", "rule_id", "label", "severity",
            "before_value", "after_value", "run_id", "change")
    rows = store.execute(
        f"SELECT * FROM ({NET_CHANGES_SQL}) WHERE change IS NOT NULL "
        "ORDER BY entity, change, rule_id NULLS FIRST, view NULLS FIRST, lower(model_id), related_id",
        [list(runs)],
    ).fetchall()
    return [dict(zip(cols, r)) for r in rows]


def rule_counts_as_of(store: Store, run_id: int) -> list[tuple]:
    """The `rule_counts` rows as they were at the end of run `run_id`."""
    if store.scalar("SELECT count(*) FROM runs WHERE run_id = ? AND status = 'complete'", [run_id]) == 0:
        raise RunError(f"--as-of {run_id}: no completed run {run_id} in the store")
    return store.execute(
        "SELECT * EXCLUDE (run_id) FROM run_rule_counts WHERE run_id = ?", [run_id]
    ).fetchall()


def _net_sql(runs: tuple[int, ...]) -> str:
    return _RANGED + (_NET_ONE_RUN if len(runs) == 1 else _NET_GROUPED) + _CLASSIFIED


def net_change_counts(store: Store, runs: tuple[int, ...]) -> list[tuple]:
    """(entity, change, view, rule_id, label, count) of the net changes over `runs`."""
    return store.execute(
        f"SELECT entity, change, view, rule_id, label, count(*) FROM ({_net_sql(runs)}) "
        "WHERE change IS NOT NULL GROUP BY ALL ORDER BY ALL", [list(runs)]
    ).fetchall()


#: The kinds of net change, per entity.
CHANGE_KINDS = tuple(CHANGE_CONDITIONS)


def first_net_changes(store: Store, runs: tuple[int, ...], view: str | None, limit: int) -> list[dict]:
    """Like `net_changes`, with at most `limit` rows of each kind of change (findings of
    `view` only, unless None): what a page shows of a run that changed a million rows."""
    cols = ("entity", "model_id", "related_id", "relation", "view", "rule_id", "label", "severity",
            "before_value", "after_value", "run_id", "change")
    order = "rule_id NULLS FIRST, view NULLS FIRST, lower(model_id), related_id"
    one_run = len(runs) == 1  # its rows are net already: each kind is a filter on run_changes
    parts = []
    for (entity, change), condition in CHANGE_CONDITIONS.items():
        of_view = " AND ($view IS NULL OR view = $view)" if entity == "finding" else ""
        source = (f"SELECT {_CHANGE_COLUMNS}, '{change}' AS change FROM run_changes "
                  f"WHERE run_id = $runs[1] AND entity = '{entity}' AND {condition}" if one_run else
                  f"SELECT * FROM changed WHERE entity = '{entity}' AND change = '{change}'")
        parts.append(f"({source}{of_view} ORDER BY {order} LIMIT $limit)")
    with_changed = ("" if one_run else
                    f"WITH changed AS MATERIALIZED ({_net_sql(runs).replace('?::INTEGER[]', '$runs::INTEGER[]')}) ")
    rows = store.execute(
        f"{with_changed}SELECT * FROM ({' UNION ALL '.join(parts)}) ORDER BY entity, change, {order}",
        {"runs": list(runs), "view": view, "limit": limit},
    ).fetchall()
    return [dict(zip(cols, r, strict=True)) for r in rows]


def license_changes(store: Store, runs: tuple[int, ...]) -> list[tuple[str, int, int, int]]:
    """(license, models that came to carry it, models that stopped, models carrying it now)
    over `runs`, from the models added, deleted and relicensed."""
    net = ("SELECT before_present, after_present, before_value, after_value FROM ranged" if len(runs) == 1 else
           "SELECT arg_min(before_present, run_id) AS before_present, arg_max(after_present, run_id) AS after_present, "
           "arg_min(before_value, run_id) AS before_value, arg_max(after_value, run_id) AS after_value "
           "FROM ranged GROUP BY key")
    return store.execute(
        f"""
        WITH ranged AS (
            SELECT * FROM run_changes WHERE run_id IN (SELECT unnest(?::INTEGER[])) AND entity = 'model'
        ), net AS ({net}),
        moved AS (  -- added or relicensed to it; deleted or relicensed away from it
            SELECT after_value AS license, 1 AS gained, 0 AS lost FROM net
            WHERE after_present AND (NOT before_present OR before_value IS DISTINCT FROM after_value)
            UNION ALL
            SELECT before_value, 0, 1 FROM net
            WHERE before_present AND (NOT after_present OR before_value IS DISTINCT FROM after_value)
        ), now AS (
            SELECT license, count(*) AS models FROM model_licenses WHERE NOT coalesce(deleted, false)
            AND license IN (SELECT license FROM moved) GROUP BY 1
        )
        SELECT m.license, sum(m.gained)::BIGINT, sum(m.lost)::BIGINT, coalesce(any_value(now.models), 0)
        FROM moved m LEFT JOIN now USING (license) WHERE m.license IS NOT NULL
        GROUP BY m.license ORDER BY sum(m.gained) + sum(m.lost) DESC, m.license
        """,
        [list(runs)],
    ).fetchall()
