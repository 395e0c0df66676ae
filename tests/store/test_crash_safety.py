"""Kill `ingest` and `audit` with SIGKILL at every named phase and commit point and at timed
moments, rerun the same command, and check that the audit equals an uninterrupted run's,
row for row.

Commands run in forked children of this process (the CLI's `main`, with its modules already
imported), so that timed kills land in the work rather than in imports. The scenario is the
issue's: a store holding v1 of some real records, audited; then v2 of the same records (newer
last_modified, other licenses) plus lineage rows is ingested and killed. The scenario's stores
and reference audits are built once per test run (`built_once`) and copied for each trial.
"""

from __future__ import annotations

import gzip
import itertools
import json
import multiprocessing
import os
import pickle
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import LINEAGE, SAMPLE, built_once
from licensegraph.api import LicenseGraph
from licensegraph.store.db import Store
from licensegraph.store.killpoints import ENV as KILL_ENV
from licensegraph.store.session import work_files

N_RECORDS = 120
N_LINEAGE = 600
TIMED_KILLS = 20

#: The named kill points of `ingest` (v2 and the lineage file are two batches), each with where
#: it lies: before the write began (the store file untouched, no copy), inside the write
#: transaction (the writer's copy of the store open), or after the new store was put in place.
INGEST_POINTS = {
    "locked": "before", "copied": "inside", "records-staged:1": "inside", "records-committed:1": "inside",
    "records-staged:2": "inside", "records-committed:2": "inside", "lineage-built": "inside",
    "licenses-normalized": "inside", "checkpointed": "inside", "before-rename": "inside", "renamed": "after",
}
AUDIT_POINTS = ["audit-evaluated", "audit-committed", "before-rename", "renamed"]
TIMED_AUDIT_KILLS = 3

# The forked children run the CLI's `main`: its command modules are imported here, once, so
# that no child spends its time (or a timed kill) importing them.
import licensegraph.cli.audit  # noqa: E402, F401
import licensegraph.cli.ingest  # noqa: E402, F401
import licensegraph.cli.stats  # noqa: E402, F401


def _child(argv: list[str], env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.argv = ["licensegraph", *argv]
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    from licensegraph.cli import main

    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    os._exit(code)


def run_forked(argv: list[str], kill_at: str | None = None, kill_after: float | None = None) -> int:
    """Run `licensegraph ARGV` in a forked child; exit code, or -9 when it was killed."""
    env = {KILL_ENV: kill_at} if kill_at else {}
    proc = multiprocessing.get_context("fork").Process(target=_child, args=(argv, env))
    proc.start()
    if kill_after is not None:
        proc.join(kill_after)
        if proc.exitcode is None:
            os.kill(proc.pid, signal.SIGKILL)
    proc.join(60)
    return proc.exitcode


def audit_rows(db: Path) -> dict:
    """What an audit produced, row for row: counts, findings, and the licenses they rest on."""
    with Store(db, read_only=True) as s:
        def rows(sql: str) -> list:
            return s.execute(sql).fetchall()

        return {
            "rule_counts": rows("SELECT * FROM rule_counts ORDER BY ALL"),
            "finding_rows": rows("SELECT * FROM finding_rows ORDER BY ALL"),
            "model_licenses": rows("SELECT * EXCLUDE (licenses), licenses FROM model_licenses ORDER BY ALL"),
            "edges": rows("SELECT * FROM edges ORDER BY ALL"),
            "dirty": rows("SELECT count(*) FROM dirty_models"),
        }


@pytest.fixture(scope="session")
def scenario(tmp_path_factory):
    """Inputs v1 and v2, a base store (v1 ingested and audited) and the reference audit of
    base + ingest v2 + audit, uninterrupted; built once per test run, read only."""
    root = built_once(tmp_path_factory, "crash-scenario", _build_scenario)
    built = pickle.loads((root / "scenario.pickle").read_bytes())
    return {"root": root, "base": root / "base.duckdb", "ingested": root / "ingested.duckdb", **built,
            "ingest": ["ingest", "-q", str(root / "v2.jsonl"), str(root / "lineage.csv")],
            # `ingest` audits too, so a plain `audit` after it has nothing to do (it answers
            # read-only); --full makes the killed audits rewrite every result
            "audit": ["audit", "--full", "-q"]}


def _build_scenario(root: Path) -> None:
    root.mkdir()
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in itertools.islice(fh, N_RECORDS)]
    (root / "v1.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    v2 = []
    for i, rec in enumerate(records):
        rec = dict(rec)
        rec["last_modified"] = "2026-01-01 00:00:00+00:00"
        card = yaml.safe_load(rec["card_data"]) if isinstance(rec.get("card_data"), str) else None
        card = card if isinstance(card, dict) else {}
        card["license"] = ["cc-by-nc-4.0", "llama2", "apache-2.0", "gpl-3.0"][i % 4]
        rec["card_data"] = yaml.safe_dump(card)
        rec["tags"] = [t for t in rec.get("tags") or [] if not t.startswith("license:")]
        v2.append(rec)
    (root / "v2.jsonl").write_text("".join(json.dumps(r) + "\n" for r in v2))
    with gzip.open(LINEAGE, "rt", encoding="utf-8") as fh:
        (root / "lineage.csv").write_text("".join(itertools.islice(fh, N_LINEAGE + 1)))
    base = root / "base.duckdb"
    with LicenseGraph(base) as lg:
        lg.ingest([root / "v1.jsonl"])
        lg.audit()
    reference = root / "reference.duckdb"
    shutil.copyfile(base, reference)
    start = time.perf_counter()
    assert run_forked(["ingest", "--db", str(reference), "-q", str(root / "v2.jsonl"), str(root / "lineage.csv")]) == 0
    ingest_seconds = time.perf_counter() - start
    ingested = root / "ingested.duckdb"  # base + v2, not yet audited: where audits are killed
    shutil.copyfile(reference, ingested)
    start = time.perf_counter()
    assert run_forked(["audit", "--db", str(reference), "-q"]) == 0
    audit_seconds = time.perf_counter() - start
    expected = audit_rows(reference)
    assert expected["dirty"] == [(0,)]
    assert any(r[4] == "cc-by-nc-4.0" for r in expected["model_licenses"])  # v2's licenses arrived
    (root / "scenario.pickle").write_bytes(pickle.dumps(
        {"expected": expected, "ingest_seconds": ingest_seconds, "audit_seconds": audit_seconds}))


class Tally:
    def __init__(self) -> None:
        self.killed = self.inside = self.before = self.after = 0
        self.last = ""  # where the last kill landed

    def note(self, db: Path, code: int, base_bytes: bytes) -> None:
        if code != -signal.SIGKILL:
            self.last = "not killed"
            return
        self.killed += 1
        if work_files(db):
            self.last = "inside"  # the writer had its copy of the store open: inside the write
        elif db.read_bytes() == base_bytes:
            self.last = "before"
        else:
            self.last = "after"
        setattr(self, self.last, getattr(self, self.last) + 1)

    def __str__(self) -> str:
        return (f"{self.killed} kills: {self.inside} inside the write transaction (store copy open), "
                f"{self.before} before it began, {self.after} after the new store was in place")


def _trial(scenario, tmp_path: Path, name: str, command: str, tally: Tally, kill_at=None, kill_after=None) -> None:
    db = tmp_path / f"{name}.duckdb"
    # killed audits audit the new records (v2 ingested); killed ingests ingest them
    shutil.copyfile(scenario["ingested" if command == "audit" else "base"], db)
    before = db.read_bytes()
    code = run_forked([command, "--db", str(db), *scenario[command][1:]], kill_at=kill_at, kill_after=kill_after)
    assert code in (0, -signal.SIGKILL), f"{name}: exit {code}"
    tally.note(db, code, before)
    # the same command again, then the audit, uninterrupted
    with LicenseGraph(db) as lg:
        if command == "ingest":
            lg.ingest(scenario["ingest"][2:])
        lg.audit()
    assert not work_files(db), f"{name}: a killed writer's copy was not cleaned up"
    got = audit_rows(db)
    for table, rows in scenario["expected"].items():
        assert got[table] == rows, f"{name}: {table} differs from the uninterrupted run's"


@pytest.mark.parametrize("point", list(INGEST_POINTS))
def test_ingest_killed_at_every_phase_then_rerun_audits_as_uninterrupted(scenario, tmp_path, point):
    tally = Tally()
    _trial(scenario, tmp_path, f"ingest-{point.replace(':', '-')}", "ingest", tally, kill_at=point)
    assert tally.killed == 1, f"the kill point {point} was never reached"
    assert tally.last == INGEST_POINTS[point], f"killed at {point}: {tally}"


@pytest.mark.long
@pytest.mark.parametrize("half", [0, 1], ids=["even-moments", "odd-moments"])
def test_ingest_killed_at_timed_moments_then_rerun_audits_as_uninterrupted(scenario, tmp_path, half):
    """TIMED_KILLS moments spread over the span of an uninterrupted ingest, in two tests of
    every other moment (each covers the whole span; about 3 in 4 kills land inside the write)."""
    tally = Tally()
    span = scenario["ingest_seconds"]
    for i in range(half, TIMED_KILLS, 2):
        _trial(scenario, tmp_path, f"ingest-t{i}", "ingest", tally, kill_after=span * (i + 0.5) / TIMED_KILLS)
    print(f"\ningest, {TIMED_KILLS // 2} timed kills over {span:.2f} s: {tally}")
    assert tally.inside > 0, "no timed kill landed inside a write transaction"


def test_audit_killed_at_phases_and_moments_then_rerun_equals_uninterrupted(scenario, tmp_path):
    tally = Tally()
    for point in AUDIT_POINTS:
        _trial(scenario, tmp_path, f"audit-{point}", "audit", tally, kill_at=point)
    span = scenario["audit_seconds"]
    for i in range(TIMED_AUDIT_KILLS):
        _trial(scenario, tmp_path, f"audit-t{i}", "audit", tally, kill_after=span * (i + 0.5) / TIMED_AUDIT_KILLS)
    print(f"\naudit, {len(AUDIT_POINTS)} named phases + {TIMED_AUDIT_KILLS} timed kills: {tally}")
    assert tally.inside > 0


def test_two_ingests_started_together_both_complete(scenario, tmp_path):
    db = tmp_path / "together.duckdb"
    root = scenario["root"]
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_child, args=(["ingest", "--db", str(db), "-q", str(root / name)], {}))
             for name in ("v1.jsonl", "lineage.csv")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(300)  # a bound, not a speed test: on a loaded CI machine the second writer waits long
    assert [p.exitcode for p in procs] == [0, 0]
    with Store(db, read_only=True) as s:
        assert s.scalar("SELECT count(*) FILTER (WHERE has_record) FROM models") == N_RECORDS
        assert s.scalar("SELECT count(*) FROM models WHERE lineage_event IS NOT NULL") > 0
        assert not s.derived_stale()


def test_stats_during_a_write_answers_from_the_last_consistent_state(scenario, tmp_path):
    from licensegraph.store.session import write_store

    db = tmp_path / "busy.duckdb"
    shutil.copyfile(scenario["base"], db)
    out = tmp_path / "stats.json"
    with write_store(db) as store:  # a writer in the middle of its work, holding the lock
        store.execute("DELETE FROM models")
        assert run_forked(["stats", "--db", str(db), "--top", "3"]) == 0
        proc = multiprocessing.get_context("fork").Process(target=_stats_to_file, args=(db, out))
        proc.start()
        proc.join(60)
        assert proc.exitcode == 0
    assert json.loads(out.read_text())["models"]["total"] == N_RECORDS


def _stats_to_file(db: Path, out: Path) -> None:
    with LicenseGraph(db, read_only=True) as lg:
        out.write_text(json.dumps(lg.stats(top=3).to_dict()))
    os._exit(0)


# -- small writes in place (issue 14): an incremental audit of a few changed models writes
# the store file itself, in one DuckDB transaction, without copying it.

IN_PLACE_POINTS = ["opened-in-place", "audit-evaluated", "audit-committed", "closed-in-place"]


@pytest.fixture(scope="session")
def small_change(scenario, tmp_path_factory):
    """The base store plus v2 of two records (a small change) stored by the library without
    an audit (`ingest` would audit them itself), and the reference audit of it; built once
    per test run, read only."""
    root = built_once(tmp_path_factory, "crash-small-change", lambda folder: _build_small_change(scenario, folder))
    return {"ingested": root / "small-ingested.duckdb", **pickle.loads((root / "small-change.pickle").read_bytes())}


def _build_small_change(scenario, root: Path) -> None:
    from licensegraph.api.ingest import ingest

    root.mkdir()
    two = (scenario["root"] / "v2.jsonl").read_text().splitlines()[:2]
    (root / "v2-small.jsonl").write_text("\n".join(two) + "\n")
    ingested = root / "small-ingested.duckdb"
    shutil.copyfile(scenario["base"], ingested)
    with Store(ingested) as store:
        ingest(store, [root / "v2-small.jsonl"])
        assert store.scalar("SELECT count(*) FROM dirty_models") == 2
    reference = root / "small-reference.duckdb"
    shutil.copyfile(ingested, reference)
    start = time.perf_counter()
    assert run_forked(["audit", "--db", str(reference), "-q"]) == 0
    seconds = time.perf_counter() - start
    expected = audit_rows(reference)
    assert expected["dirty"] == [(0,)] and expected != audit_rows(scenario["base"])
    (root / "small-change.pickle").write_bytes(pickle.dumps({"expected": expected, "seconds": seconds}))


def test_a_small_audit_writes_in_place_and_a_kill_at_any_instant_is_rolled_back_or_kept(small_change, tmp_path):
    killed_inside = 0
    trials = [(p, None) for p in IN_PLACE_POINTS] + [(None, small_change["seconds"] * (i + 0.5) / 4) for i in range(4)]
    for i, (point, after) in enumerate(trials):
        db = tmp_path / f"small-{i}.duckdb"
        shutil.copyfile(small_change["ingested"], db)
        code = run_forked(["audit", "--db", str(db), "-q"], kill_at=point, kill_after=after)
        assert code in (0, -signal.SIGKILL)
        if point is not None:  # every in-place kill point is reached: the write went in place
            assert code == -signal.SIGKILL, f"{point} was never reached"
        assert not work_files(db), "an in-place write made a copy of the store"
        if code == -signal.SIGKILL and point in ("opened-in-place", "audit-evaluated"):
            killed_inside += 1
            # a reader sees the state before the write: the uncommitted transaction is gone
            with Store(db, read_only=True) as s:
                assert s.scalar("SELECT count(*) FROM dirty_models") > 0
        with LicenseGraph(db) as lg:
            lg.audit()
        assert audit_rows(db) == small_change["expected"], f"trial {i} ({point or after}) differs"
    assert killed_inside == 2


READER = """
import json, sys, time
from pathlib import Path
from licensegraph.store.session import read_store
Path(sys.argv[2]).write_text("trying")
with read_store(sys.argv[1]) as store:
    opened = time.time()
    print(json.dumps({"opened": opened, "dirty": store.scalar("SELECT count(*) FROM dirty_models")}))
"""


def test_a_reader_waits_for_an_in_place_write_and_sees_its_result(small_change, tmp_path):
    import subprocess

    from licensegraph.store.session import write_store

    db = tmp_path / "in-place.duckdb"
    shutil.copyfile(small_change["ingested"], db)
    trying = tmp_path / "trying"
    with write_store(db, in_place=True) as store:  # holds the store file itself
        assert not work_files(db)
        store.execute("DELETE FROM dirty_models")
        # another process (not forked: it must not share this one's open database)
        reader = subprocess.Popen([sys.executable, "-c", READER, str(db), str(trying)], stdout=subprocess.PIPE,
                                  text=True)
        deadline = time.time() + 120
        while not trying.exists() and time.time() < deadline:
            time.sleep(0.02)
        time.sleep(0.5)  # the reader meets the writer's lock and retries
        released = time.time()
    out, _ = reader.communicate(timeout=120)
    assert reader.returncode == 0
    seen = json.loads(out)
    assert seen["opened"] >= released and seen["dirty"] == 0  # it waited, then read the write's result


def test_an_in_place_writer_falls_back_to_a_copy_while_readers_hold_the_file(small_change, tmp_path):
    from licensegraph.store.session import write_store

    db = tmp_path / "held.duckdb"
    shutil.copyfile(small_change["ingested"], db)
    ready = tmp_path / "ready"
    reader = multiprocessing.get_context("fork").Process(target=_hold_open, args=(db, ready, 4.0))
    reader.start()  # another process keeps the file open for reading
    while not ready.exists():
        time.sleep(0.05)
    with write_store(db, in_place=True) as store:
        assert work_files(db)  # it writes a copy instead of waiting for the reader
        store.execute("DELETE FROM dirty_models")
    reader.join(60)
    assert reader.exitcode == 0
    with Store(db, read_only=True) as s:
        assert s.scalar("SELECT count(*) FROM dirty_models") == 0


def _hold_open(db: Path, ready: Path, seconds: float) -> None:
    with Store(db, read_only=True) as s:
        s.scalar("SELECT count(*) FROM models")
        ready.write_text("open")
        time.sleep(seconds)
    os._exit(0)
