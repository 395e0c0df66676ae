"""Export speed: report data, the HTML report with its plots, the findings exports, and
one model's SBOM, on a store built from the given files (default: the real sample +
lineage), audited first.

    .venv/bin/python bench/report.py [FILE ...]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import SHARED, measure  # noqa: E402


def main(files: list[Path]) -> None:
    from licensegraph.api import LicenseGraph

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"

        def build():
            with LicenseGraph(db) as lg:
                rows = lg.ingest(files).total("read")
                lg.audit()
            return rows

        wall, rss, rows = measure(build)
        print(f"store: {rows:,} rows from {', '.join(f.name for f in files)} (ingest + audit {wall:.2f} s)")

        for view in ("local", "effective"):
            def data(view=view):
                with LicenseGraph(db, read_only=True) as lg:
                    d = lg.report_data(view)
                return {"families": len(d.families), "flows": len(d.license_flows), "months": len(d.months)}

            wall, rss, res = measure(data)
            print(f"report_data ({view}): {wall:.2f} s  peak RSS {rss:.0f} MiB  {res}")

        def report():
            from licensegraph.formats.report_html import write_report

            with LicenseGraph(db, read_only=True) as lg:
                start = time.perf_counter()
                d, f = lg.report_data("effective"), lg.audit_findings("effective")
                queried = time.perf_counter() - start
                files = write_report(d, f, Path(tmp) / "report")
            return {"query_s": round(queried, 2), "findings": len(f.findings), "files": len(files.all),
                    "bytes": sum(p.stat().st_size for p in files.all)}

        wall, rss, res = measure(report)
        print(f"report --view effective: {wall:.2f} s  peak RSS {rss:.0f} MiB  "
              f"(queries {res['query_s']} s; {res['findings']:,} findings; {res['files']} files, "
              f"{res['bytes'] / 1e6:.1f} MB)")

        def sbom():
            from licensegraph.formats.cyclonedx import serialize, to_bom

            with LicenseGraph(db, read_only=True) as lg:
                target = lg.store.scalar(
                    "SELECT model_id FROM findings WHERE view = 'effective' ORDER BY len(path) DESC, model_id LIMIT 1")
                serialize(to_bom(lg.lineage(target)))  # warm
                start = time.perf_counter()
                for _ in range(10):
                    lineage = lg.lineage(target)
                    serialize(to_bom(lineage))
                return {"model": target, "ancestors": len(lineage.ancestors),
                        "ms": (time.perf_counter() - start) / 10 * 1000}

        wall, rss, res = measure(sbom)
        print(f"sbom {res['model']} ({res['ancestors']} ancestors): {res['ms']:.0f} ms per BOM (lineage + JSON)")


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:]]
    main(args or [SHARED / "hub-sample-2025.jsonl.gz", SHARED / "hub-lineage-2025.csv.gz"])
