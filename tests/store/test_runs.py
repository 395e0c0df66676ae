"""Runs and `changes`: replaying the real weekly lineage file week by week, one run per week."""

from __future__ import annotations

import csv
import gzip

import duckdb
import pytest

from conftest import LINEAGE
from licensegraph.api.changes import changes
from licensegraph.api.crawl import ingest_run
from licensegraph.store import runs as run_store
from licensegraph.store.runs import RunError

SUBSET = "hash(\"Model ID\") % 400 = 0"  # about 1,400 rows over the 16 weeks


def _rows() -> list[dict]:
    con = duckdb.connect()
    rows = con.execute(
        f"""SELECT CAST(week AS VARCHAR) AS week, event, "Model ID" AS model, "Type" AS type, "Base Model" AS base
            FROM read_csv(?, all_varchar = true) WHERE {SUBSET}""", [str(LINEAGE)]
    ).fetchall()
    return [dict(zip(("week", "event", "model", "type", "base"), r)) for r in rows]


@pytest.mark.long
def test_weekly_lineage_replayed_as_runs(tmp_path, store):
    rows = _rows()
    weeks = sorted({r["week"] for r in rows})
    assert len(weeks) == 16 and len(rows) > 1000
    present: dict[str, str] = {}  # model key -> id, for models whose last event is `added`
    deleted_total = 0
    for week in weeks:
        this = [r for r in rows if r["week"] == week]
        path = tmp_path / f"lineage-{week}.csv.gz"
        with gzip.open(path, "wt", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["week", "event", "Model ID", "Type", "Base Model"])
            writer.writerows([r["week"], r["event"], r["model"], r["type"] or "", r["base"] or ""] for r in this)
        report = ingest_run(store, [path])
        # what the week's rows say, computed here from the CSV: a model's last row of the week wins
        last: dict[str, dict] = {}
        for r in this:
            last[r["model"].lower()] = r
        added = {k for k, r in last.items() if r["event"] == "added" and k not in present}
        gone = {k for k, r in last.items() if r["event"] == "deleted" and k in present}
        result = changes(store, since=str(report.run_id - 1))
        assert {m.model_id.lower() for m in result.models if m.change == "added"} == added, week
        assert {m.model_id.lower() for m in result.models if m.change == "deleted"} == gone, week
        assert result.totals["models_added"] == len(added) and result.totals["models_deleted"] == len(gone)
        # every edge the week added starts at a model of the week's rows
        assert {e.model_id.lower() for e in result.edges if e.change == "added"} <= set(last)
        for k, r in last.items():
            if r["event"] == "added":
                present[k] = r["model"]
            else:
                present.pop(k, None)
        deleted_total += len(gone)
    assert deleted_total > 0
    runs = run_store.list_runs(store)
    assert [r.run_id for r in runs] == list(range(1, 17)) and {r.status for r in runs} == {"complete"}
    # over all runs, the net change is what is there at the end
    overall = changes(store, since="0")
    assert {m.model_id.lower() for m in overall.models if m.change == "added"} == set(present)
    assert not [m for m in overall.models if m.change == "deleted"]
    # a model added then deleted (or the reverse) within the range nets out
    assert overall.totals["models_added"] == len(present)
    # the edges at the end are exactly the edges added over all runs
    edges_now = set(store.execute("SELECT DISTINCT child_id, parent_id, relation FROM edges").fetchall())
    assert {(e.model_id, e.parent_id, e.relation) for e in overall.edges if e.change == "added"} == edges_now


def test_since_a_date_and_bad_since(store, tmp_path):
    with pytest.raises(RunError, match="no completed run"):
        changes(store)
    path = tmp_path / "one.csv"
    path.write_text("week,event,Model ID,Type,Base Model\n2025-03-19,added,org/a,finetune,org/base\n")
    ingest_run(store, [path])
    assert changes(store, since="2000-01-01").totals["models_added"] == 1
    assert changes(store, since="2999-01-01").runs == ()
    with pytest.raises(RunError, match="no run 7"):
        changes(store, since="7")
    with pytest.raises(RunError, match="expected a run number or a date"):
        changes(store, since="last tuesday")
