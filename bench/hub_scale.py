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


def row(name: str, seconds: float, rss: float, models: int, floor: float, extra: str = "") -> None:
    per = seconds / models * 1e6
    print(f"  {name:<34} {seconds:8.2f} s  {rss:7.0f} MiB  {per:7.2f} us/model  {seconds / floor:6.1f}x floor  {extra}")


def run(size: int, seed: int, card_yaml: bool, keep: Path | None) -> None:
    from hubsynth.generator import generate

    tmp = Path(tempfile.mkdtemp(prefix="lg-bench-", dir=keep))
    try:
        snapshot = tmp / "snapshot.jsonl"
        start = time.perf_counter()
        generate(size, seed, snapshot, card_yaml=card_yaml)
        print(f"\n{size:,} synthetic models ({'YAML' if card_yaml else 'JSON'} cards), "
              f"{snapshot.stat().st_size / 2**20:,.0f} MiB, generated in {time.perf_counter() - start:.1f} s")
        db = tmp / "store.duckdb"
        floor = duckdb_floor(snapshot, "json")
        print(f"  {'floor: DuckDB reads the file':<34} {floor:8.2f} s")

        def ingest_only():
            from licensegraph.sources.ingest import ingest
            from licensegraph.store.db import Store

            with Store(db) as store:
                s = ingest(store, [snapshot])
                return {"stored": s.total("stored"), "timings": s.files[0].timings}

        wall, rss, res = measure(ingest_only)
        row("ingest", wall, rss, size, floor, f"{res['stored'] / wall:,.0f} records/s")
        print("      phases (s): " + ", ".join(f"{k} {v:.1f}" for k, v in res["timings"].items()))

        def rebuild():
            from licensegraph.licenses.normalize import normalize_licenses
            from licensegraph.lineage.build import build_lineage
            from licensegraph.store.db import Store

            with Store(db) as store:
                build_lineage(store)
                normalize_licenses(store)
                return store.scalar("SELECT count(*) FROM edges")

        wall, rss, edges = measure(rebuild)
        row("lineage build + licenses", wall, rss, size, floor, f"{edges:,} edges")

        def audit():
            from licensegraph.rules.engine import run_audit
            from licensegraph.store.db import Store

            with Store(db) as store:
                run = run_audit(store, incremental=False)
                return {"findings": store.scalar("SELECT count(*) FROM finding_rows"), "timings": run.timings}

        wall, rss, res = measure(audit)
        phases = ", ".join(f"{k} {v:.1f}" for k, v in res["timings"].items())
        row("audit, every rule, both views", wall, rss, size, floor, f"{res['findings']:,} finding rows")
        print(f"      phases (s): {phases}")

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
        start = time.perf_counter()
        subprocess.run([str(exe), "explain", res["model"], "--db", str(db), "--json"], check=True,
                       stdout=subprocess.DEVNULL)
        shell = time.perf_counter() - start
        print(f"  {'explain ' + res['model']:<34} {res['ms']:8.1f} ms (library call), {shell:.2f} s end to end from the shell")

        batch = tmp / "batch.jsonl"
        changed = change_batch(snapshot, batch, 0.01, seed)

        def incremental():
            from licensegraph.api.ingest import ingest
            from licensegraph.rules.engine import run_audit
            from licensegraph.store.db import Store

            with Store(db) as store:
                t0 = time.perf_counter()
                ingest(store, [batch])
                t1 = time.perf_counter()
                run = run_audit(store)
                t2 = time.perf_counter()
                return {"ingest": t1 - t0, "audit": t2 - t1, "affected": run.affected, "incremental": run.incremental}

        wall, rss, res = measure(incremental)
        row("1% change: ingest + re-audit", wall, rss, size, floor,
            f"{changed:,} changed; ingest {res['ingest']:.1f} s, re-audit {res['audit']:.1f} s "
            f"({'incremental' if res['incremental'] else 'FULL'}, {res['affected']:,} affected)")
    finally:
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 500_000, 2_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--card-yaml", action="store_true", help="card data as YAML text instead of a JSON mapping")
    parser.add_argument("--tmp", type=Path, default=None, help="where to write snapshots and stores (kept)")
    args = parser.parse_args()
    for size in args.sizes:
        run(size, args.seed, args.card_yaml, args.tmp)


if __name__ == "__main__":
    main()
