"""Audit speed: time and peak memory of a full audit (every rule, both views) and of
`explain`, on a store built from the given files (default: the real sample + lineage).

    .venv/bin/python bench/audit.py [FILE ...]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import SHARED, measure  # noqa: E402


def main(files: list[Path]) -> None:
    from licensegraph.api.ingest import ingest
    from licensegraph.store.db import Store

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"

        def build():
            with Store(db) as store:
                return ingest(store, files).total("read")

        wall, rss, rows = measure(build)
        print(f"store: {rows:,} rows from {', '.join(f.name for f in files)} (ingest {wall:.2f} s, peak RSS {rss:.0f} MiB)")

        def audit():
            from licensegraph.rules.engine import run_audit

            with Store(db) as store:
                run = run_audit(store)
                n = store.scalar("SELECT count(*) FROM findings")
            return {"models": run.models, "findings": n, "rounds": run.depth_rounds}

        wall, rss, res = measure(audit)
        print(f"audit (all rules, local + effective): {wall:.2f} s  peak RSS {rss:.0f} MiB  "
              f"{res['models']:,} models audited, {res['findings']:,} findings, {res['rounds']} propagation rounds")

        def explain():
            from licensegraph.api.explain import explain as run_explain

            with Store(db, read_only=True) as store:
                target = store.scalar(
                    "SELECT model_id FROM findings WHERE view = 'effective' AND len(path) > 2 ORDER BY len(path) DESC LIMIT 1"
                ) or store.scalar("SELECT id FROM models LIMIT 1")
                run_explain(store, target)  # warm
                start = time.perf_counter()
                for _ in range(20):
                    run_explain(store, target)
                return {"model": target, "ms": (time.perf_counter() - start) / 20 * 1000}

        wall, rss, res = measure(explain)
        print(f"explain {res['model']}: {res['ms']:.1f} ms per call (library)")


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]] or [SHARED / "hub-sample-2025.jsonl.gz", SHARED / "hub-lineage-2025.csv.gz"])
