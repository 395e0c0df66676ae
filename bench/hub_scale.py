"""Hub-scale benchmark: ingest, lineage build, full audit (both views), explain and a 1%
incremental re-audit on synthetic snapshots of 100k, 500k and 2M models.

Every step runs in its own forked process, so the peak RSS printed is that step's. The
floor is the time DuckDB takes just to read the same snapshot file into a table,
measured in the same run; each step prints its ratio to it and its cost per model.

    .venv/bin/python bench/hub_scale.py                      # 100k, 500k, 2M
    .venv/bin/python bench/hub_scale.py --sizes 100000 --card-yaml
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import duckdb_floor, measure  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def change_batch(snapshot: Path, out: Path, share: float, seed: int) -> int:
    """Re-publish `share` of the models with a new license (and a newer last_modified)."""
    rng = random.Random(seed)
    licenses = ["mit", "apache-2.0", "llama2", "cc-by-nc-4.0", "cc-by-sa-4.0", "creativeml-openrail-m", None]
    n = 0
    with open(snapshot) as src, open(out, "w") as dst:
        for line in src:
            if rng.random() >= share:
                continue
            rec = json.loads(line)
            rec["last_modified"] = "2026-11-30 00:00:00+00:00"
            card = rec.get("card_data")
            if isinstance(card, dict):
                card["license"] = rng.choice(licenses)
            rec["tags"] = [t for t in rec.get("tags", []) if not t.startswith("license:")]
            dst.write(json.dumps(rec) + "\n")
            n += 1
    return n


def integer_graph(db: Path, scratch: Path) -> Path:
    """The file the propagation floor reads: each model's license code and its parents as
    integer tables (`model_licenses(uid, code)`, `edges(child_uid, parent_uid)`), prepared
    here (not timed) from the store's integer ids (schema 7 on) or, for an older store, from
    ids numbered here; license codes are the licenses' ranks. The same for every version, so
    floors of different versions compare."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        cols = {c for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'edges'").fetchall()}
    finally:
        con.close()
    out = duckdb.connect(str(scratch))
    out.execute(f"ATTACH '{db}' AS s (READ_ONLY)")
    out.execute("CREATE TABLE _codes AS SELECT license, (row_number() OVER (ORDER BY license) - 1)::SMALLINT AS code "
                "FROM (SELECT DISTINCT license FROM s.model_licenses)")
    if "child_uid" in cols:
        out.execute("""CREATE TABLE model_licenses AS SELECT m.uid, c.code FROM s.model_licenses m
                       JOIN _codes c USING (license) ORDER BY m.uid""")
        out.execute("""CREATE TABLE edges AS SELECT child_uid, parent_uid FROM s.edges WHERE NOT self_loop
                       ORDER BY child_uid""")
    else:
        out.execute("""CREATE TABLE model_ids AS SELECT (row_number() OVER (ORDER BY model_key) - 1)::INTEGER AS uid,
                       model_key FROM (SELECT model_key FROM s.model_licenses UNION SELECT parent_key FROM s.edges)""")
        out.execute("""CREATE TABLE model_licenses AS SELECT i.uid, c.code FROM s.model_licenses m
                       JOIN model_ids i USING (model_key) JOIN _codes c USING (license) ORDER BY i.uid""")
        out.execute("""CREATE TABLE edges AS SELECT c.uid AS child_uid, p.uid AS parent_uid FROM s.edges e
                       JOIN model_ids c ON c.model_key = e.child_key JOIN model_ids p ON p.model_key = e.parent_key
                       WHERE NOT e.self_loop ORDER BY c.uid""")
    out.close()
    return scratch


def propagation_floor(db: Path) -> dict:
    """The least work a full audit does: read each model's license and its parents from the
    store as integers, then propagate 64-bit license masks to a fixed point with NumPy."""
    import duckdb
    import numpy as np

    con = duckdb.connect(str(db), read_only=True)
    start = time.perf_counter()
    nodes = con.execute("SELECT uid, code FROM model_licenses").fetchnumpy()
    edges = con.execute("SELECT child_uid, parent_uid FROM edges WHERE child_uid <> parent_uid").fetchnumpy()
    read = time.perf_counter() - start
    uid, code = np.asarray(nodes["uid"]), np.asarray(nodes["code"]).astype(np.uint64)
    child, parent = np.asarray(edges["child_uid"]), np.asarray(edges["parent_uid"])
    n = int(max(uid.max(initial=0), child.max(initial=0), parent.max(initial=0))) + 1
    own = np.zeros(n, dtype=np.uint64)
    own[uid] = np.uint64(1) << (code % np.uint64(64))
    order = np.argsort(child, kind="stable")
    child, parent = child[order], parent[order]
    starts = np.flatnonzero(np.r_[True, child[1:] != child[:-1]])
    heads = child[starts]
    anc = np.zeros(n, dtype=np.uint64)
    rounds = 0
    while len(child):
        rounds += 1
        up = own[parent] | anc[parent]
        new = anc.copy()
        new[heads] |= np.bitwise_or.reduceat(up, starts)
        if np.array_equal(new, anc):
            break
        anc = new
    con.close()
    return {"seconds": time.perf_counter() - start, "read": read, "rounds": rounds, "nodes": n,
            "edges": len(child)}


def median_of(k: int, fn) -> tuple[float, float, object, list[float]]:
    """Median wall time and peak RSS of `k` forked runs of fn (and the last result)."""
    walls, rsss, res = [], [], None
    for _ in range(k):
        wall, rss, res = measure(fn)
        walls.append(wall)
        rsss.append(rss)
    return statistics.median(walls), statistics.median(rsss), res, walls


def row(name: str, seconds: float, rss: float, models: int, floor: float, extra: str = "") -> None:
    per = seconds / models * 1e6
    print(f"  {name:<34} {seconds:8.2f} s  {rss:7.0f} MiB  {per:7.2f} us/model  {seconds / floor:6.1f}x floor  {extra}")


def ingest_steps(snapshot: Path, db: Path, size: int) -> None:
    """Ingest the snapshot and build lineage and licenses, each beside the read floor."""
    floor = duckdb_floor(snapshot, "json")
    print(f"  {'floor: DuckDB reads the file':<34} {floor:8.2f} s")

    def ingest_only():
        import resource

        from licensegraph.sources.ingest import ingest
        from licensegraph.store.db import Store

        with Store(db) as store:
            s = ingest(store, [snapshot])
        # CPU seconds of this process and of the YAML workers it forked (both cores' work)
        own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime
        return {"stored": s.total("stored"), "timings": s.files[0].timings, "cpu": cpu}

    wall, rss, res = measure(ingest_only)
    row("ingest", wall, rss, size, floor, f"{res['stored'] / wall:,.0f} records/s, {res['cpu']:.1f} s CPU")
    print("      phases (s): " + ", ".join(f"{k} {v:.1f}" for k, v in res["timings"].items()))

    def rebuild():
        from licensegraph.api.ingest import rebuild_derived
        from licensegraph.store.db import Store

        with Store(db) as store:
            rebuild_derived(store)  # what `licensegraph ingest` does after storing the records
            return store.scalar("SELECT count(*) FROM edges")

    wall, rss, edges = measure(rebuild)
    row("derived tables (lineage, data, inferred, licenses)", wall, rss, size, floor, f"{edges:,} edges")


def complete_derived(db: Path) -> None:
    """A store from an earlier run of this script that built lineage and licenses only (no
    data edges, inferred edges or dataset licenses) gets them, so that the 1% change below
    measures what an ingest redoes, not a first build of those tables."""
    def complete():
        from licensegraph.licenses.datasets import normalize_dataset_licenses
        from licensegraph.lineage.data import build_data_edges
        from licensegraph.lineage.discovery.build import build_inferred_edges
        from licensegraph.store.db import Store

        with Store(db) as store:
            if store.get_meta("inferred_built") == "1" and store.get_meta("data_edges_datasets") is not None:
                return False
            build_data_edges(store, incremental=False)
            build_inferred_edges(store, incremental=False)
            normalize_dataset_licenses(store, incremental=False)
            return True

    wall, rss, done = measure(complete)
    if done:
        print(f"  {'completing derived tables (once)':<34} {wall:8.2f} s  {rss:7.0f} MiB")


def run(size: int, seed: int, card_yaml: bool, keep: Path | None, repeat: int = 3,
        reuse: Path | None = None) -> None:
    from hubsynth.generator import generate

    tmp = Path(tempfile.mkdtemp(prefix="lg-bench-", dir=keep))
    try:
        db = tmp / "store.duckdb"
        if reuse is not None:  # a snapshot and its ingested store from an earlier run (--tmp)
            snapshot = reuse / "snapshot.jsonl"
            # base.duckdb is the store before the 1% change (store.duckdb has it already: the
            # same batch again would change nothing)
            source = reuse / "base.duckdb" if (reuse / "base.duckdb").exists() else reuse / "store.duckdb"
            shutil.copyfile(source, db)
            print(f"\n{size:,} synthetic models, reusing {reuse} (ingest and lineage build not measured)")

            def migrate():
                from licensegraph.store.db import Store

                Store(db).close()  # a store of an older schema is migrated in place

            wall, rss, _ = measure(migrate)
            print(f"  {'open read-write (migrates if old)':<34} {wall:8.2f} s  {rss:7.0f} MiB")
            complete_derived(db)
        else:
            snapshot = tmp / "snapshot.jsonl"
            start = time.perf_counter()
            generate(size, seed, snapshot, card_yaml=card_yaml)
            print(f"\n{size:,} synthetic models ({'YAML' if card_yaml else 'JSON'} cards), "
                  f"{snapshot.stat().st_size / 2**20:,.0f} MiB, generated in {time.perf_counter() - start:.1f} s")
            ingest_steps(snapshot, db, size)

        def audit():
            from licensegraph.rules.engine import run_audit
            from licensegraph.store.db import Store
            from licensegraph.store.findings_view import listed_facts_sql

            with Store(db) as store:
                run = run_audit(store, incremental=False)
                # the same rows as finding_rows / finding_keys, counted without joining in the
                # names (finding_rows: more than a second of this step at 2M; finding_keys, which
                # joins every model's key: 0.25 s): a fact has one kind and at most one model row
                listed = listed_facts_sql(store.con)
                findings = store.scalar(
                    "SELECT (SELECT count(*) FROM finding_facts) + (SELECT count(*) FROM data_findings)"
                    + (f" + (SELECT count(*) FROM ({listed}))" if listed else ""))
                return {"findings": findings, "timings": run.timings}

        wall, rss, res, walls = median_of(repeat, audit)
        phases = ", ".join(f"{k} {v:.1f}" for k, v in res["timings"].items())
        prop = integer_graph(db, tmp / "floor.duckdb")
        pfloor, _, pres, pwalls = median_of(repeat, lambda: propagation_floor(prop))
        print(f"  {'floor: read ints + propagate masks':<34} {pfloor:8.2f} s  (read {pres['read']:.2f} s, "
              f"{pres['rounds']} rounds, {pres['nodes']:,} nodes, {pres['edges']:,} edges; runs "
              + ", ".join(f"{w:.2f}" for w in pwalls) + ")")
        row("audit, every rule, both views", wall, rss, size, pfloor,
            f"{res['findings']:,} finding rows; runs " + ", ".join(f"{w:.2f}" for w in walls))
        print(f"      phases (s): {phases}")

        def no_change():
            from licensegraph.api import LicenseGraph

            with LicenseGraph(db) as lg:  # what `licensegraph audit --db DB` does
                result = lg.audit("local")
                return {"incremental": result.run.incremental if result.run else None}

        wall, rss, res, walls = median_of(repeat, no_change)
        row("no-change audit (API, as the CLI)", wall, rss, size, pfloor,
            "runs " + ", ".join(f"{w:.2f}" for w in walls))

        def explain_lib():
            from licensegraph.api.explain import explain
            from licensegraph.store.db import Store

            with Store(db, read_only=True) as store:
                target = store.scalar(
                    "SELECT model_id FROM finding_rows WHERE view = 'effective' ORDER BY len(path) DESC, model_id LIMIT 1")
                explain(store, target)
                start = time.perf_counter()
                for _ in range(20):
                    explain(store, target)
                return {"model": target, "ms": (time.perf_counter() - start) / 20 * 1000}

        _, _, res = measure(explain_lib)
        exe = ROOT / ".venv" / "bin" / "licensegraph"
        # Bytecode as an installed package has it (pip compiles it): with PYTHONDONTWRITEBYTECODE
        # set, an editable install would compile every module it imports on each call.
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], check=True,
                       stdout=subprocess.DEVNULL)
        shells = []
        for _ in range(max(repeat, 5)):  # one process start is noisy: the median of several
            start = time.perf_counter()
            subprocess.run([str(exe), "explain", res["model"], "--db", str(db), "--json"], check=True,
                           stdout=subprocess.DEVNULL)
            shells.append(time.perf_counter() - start)
        shell = statistics.median(shells)
        print(f"  {'explain ' + res['model']:<34} {res['ms']:8.1f} ms (library call), {shell:.2f} s end to end from the shell"
              f" (median; runs {', '.join(f'{s:.2f}' for s in shells)})")

        batch = tmp / "batch.jsonl"
        changed = change_batch(snapshot, batch, 0.01, seed)
        base = tmp / "base.duckdb"
        shutil.copyfile(db, base)

        def incremental():
            from licensegraph.api import LicenseGraph
            from licensegraph.api.ingest import ingest
            from licensegraph.store.db import Store

            shutil.copyfile(base, db)
            with Store(db) as store:
                t0 = time.perf_counter()
                ingest(store, [batch])
                t1 = time.perf_counter()
            with LicenseGraph(db) as lg:  # the re-audit as `licensegraph audit` runs it (store mechanism included)
                t2 = time.perf_counter()
                result = lg.audit("local")
                t3 = time.perf_counter()
            run = result.run
            return {"ingest": t1 - t0, "audit": t3 - t2, "affected": run.affected if run else 0,
                    "incremental": bool(run and run.incremental)}

        audits, ingests = [], []
        for _ in range(repeat):
            wall, rss, res = measure(incremental)
            audits.append(res["audit"])
            ingests.append(res["ingest"])
        row("1% change: re-audit", statistics.median(audits), rss, size, pfloor,
            f"{changed:,} changed; ingest {statistics.median(ingests):.1f} s, "
            f"({'incremental' if res['incremental'] else 'FULL'}, {res['affected']:,} affected); runs "
            + ", ".join(f"{w:.2f}" for w in audits))
    finally:
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 500_000, 2_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--card-yaml", action="store_true", help="card data as YAML text instead of a JSON mapping")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each audit step (the median is printed)")
    parser.add_argument("--reuse", type=Path, default=None,
                        help="a folder of an earlier --tmp run (snapshot.jsonl, store.duckdb): audit steps only")
    parser.add_argument("--tmp", type=Path, default=None, help="where to write snapshots and stores (kept)")
    args = parser.parse_args()
    for size in args.sizes:
        run(size, args.seed, args.card_yaml, args.tmp, args.repeat, args.reuse)


if __name__ == "__main__":
    main()
