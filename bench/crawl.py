"""Crawl speed against the fake Hub (tests/fakehub.py) on 127.0.0.1: records per second and
requests per 1,000 models, for a full crawl, an incremental crawl after 1% of the models
changed, and a crawl resumed after an interruption; on the sample, also `crawl --datasets`
(the 40 real dataset records served, the other named datasets answering 404).

    .venv/bin/python bench/crawl.py                       # the real sample (1,982 models)
    .venv/bin/python bench/crawl.py --synthetic 20000     # plus a synthetic Hub of 20,000 models

The fake Hub runs in this process (a thread per request), so the figures include its own
JSON encoding; the real Hub's latency is not modelled. Listing uses the Hub's largest
page (1,000 models), as the crawler does by default.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))
from _measure import SHARED  # noqa: E402
from fakehub import FakeHub, api_item  # noqa: E402


def records_of(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def bench(name: str, records: list[dict], page_size: int, datasets: list[dict] | None = None) -> None:
    from licensegraph.api.crawl import crawl
    from licensegraph.sources.hub_client import HubClient
    from licensegraph.sources.hub_crawl import CrawlError
    from licensegraph.store.db import Store

    items = [api_item(r) for r in records]
    n = len(items)
    with FakeHub.from_items(items) as hub, tempfile.TemporaryDirectory() as tmp:
        os.environ["HF_ENDPOINT"] = hub.url
        store = Store(Path(tmp) / "crawl.duckdb")
        marks: dict[str, float] = {}
        t = time.perf_counter()
        report = crawl(store, client=HubClient(page_size=page_size),
                       progress=lambda phase, done, total: marks.__setitem__(phase, time.perf_counter()))
        wall = time.perf_counter() - t
        listed = marks.get("listing", t + wall) - t
        listing = len(hub.requests)
        print(f"{name}: {n:,} models, pages of {page_size:,}")
        print(f"  list + validate + store (each page committed): {listed:7.2f} s  {report.records / listed:10,.0f} records/s")
        print(f"  whole run (+ lineage, licenses, audit, changes): {wall:7.2f} s  {report.records / wall:10,.0f} records/s  "
              f"{1000 * listing / n:6.2f} requests per 1,000 models")

        changed = items[:: 100]  # 1% of the models get a new revision
        for i, item in enumerate(changed):
            hub.modify(item["id"], f"2026-01-01T00:00:{i % 60:02d}.{i // 60 % 1000:03d}Z", card={"license": "mit"})
        hub.requests.clear()
        t = time.perf_counter()
        report = crawl(store, client=HubClient(page_size=page_size))
        wall = time.perf_counter() - t
        print(f"  incremental after 1% changed:            {wall:7.2f} s  {report.records:,} listed, "
              f"{report.updated:,} updated, {len(hub.requests)} requests")

        store2 = Store(Path(tmp) / "resumed.duckdb")
        hub.script("500", nth=max(2, (n // page_size) // 2 + 1), times=1)
        hub.requests.clear()
        try:
            crawl(store2, client=HubClient(page_size=page_size, max_retries=0))
        except CrawlError:
            pass
        t = time.perf_counter()
        report = crawl(store2, client=HubClient(page_size=page_size))
        wall = time.perf_counter() - t
        served = sum(1 for r in hub.requests if r.fault is None)
        print(f"  interrupted half way, then resumed:      {wall:7.2f} s to finish; {served} pages served in all "
              f"for {-(-n // page_size)} pages (nothing fetched twice)")
        if datasets:
            from licensegraph.api.crawl import crawl_datasets

            hub.put_datasets(datasets)
            hub.requests.clear()
            t = time.perf_counter()
            report = crawl_datasets(store, client=HubClient())
            wall = time.perf_counter() - t
            print(f"  crawl --datasets (+ data edges, audit):   {wall:7.2f} s  {report.records:,} named datasets asked, "
                  f"{report.fetched:,} fetched, {report.not_found:,} not found, {len(hub.requests)} requests, "
                  f"{report.records / wall:,.0f} datasets/s")
        store.close()
        store2.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, default=0, help="also crawl a synthetic Hub of N models")
    parser.add_argument("--page-size", type=int, default=1000)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.pop("HF_HUB_OFFLINE", None)
    bench("hub-sample-2025.jsonl.gz", records_of(SHARED / "hub-sample-2025.jsonl.gz"), args.page_size,
          datasets=records_of(SHARED / "hub-datasets-sample-2025.jsonl.gz"))
    if args.synthetic:
        from hubsynth.generator import generate

        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "synth.jsonl"
            generate(args.synthetic, 7, out)
            bench("synthetic Hub (seed 7)", records_of(out), args.page_size)


if __name__ == "__main__":
    main()
