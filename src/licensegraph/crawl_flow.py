"""Runs end to end: crawl (or ingest), rebuild lineage and licenses, audit, record changes."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from licensegraph.sources.hub_client import HubClient, HubError
from licensegraph.sources.hub_crawl import CrawlError, Crawler, CrawlOptions, ProgressFn, previous_checkpoint
from licensegraph.store import runs as run_store
from licensegraph.store.db import Store


@dataclass(frozen=True)
class CrawlResult:
    run_id: int
    resumed: bool
    mode: str  # listing or models
    stop_at: dt.datetime | None  # where the incremental listing stopped (None: full listing)
    stop_reason: str
    pages: int
    records: int
    stored: int
    updated: int
    unchanged: int
    rejected: int
    deleted: int
    confirmed_present: int
    requests: int
    missing: tuple[str, ...]
    abandoned_runs: tuple[int, ...]


def _rebuild_and_finish(store: Store, run_id: int, counts: dict | None = None) -> None:
    from licensegraph.licenses.normalize import normalize_licenses
    from licensegraph.lineage.build import build_lineage
    from licensegraph.rules.engine import run_audit

    build_lineage(store)
    normalize_licenses(store)
    run_audit(store)
    run_store.finish_run(store, run_id, counts)


def _resume_or_start(store: Store, params: dict, source: str) -> tuple[int, bool, tuple[int, ...]]:
    """The unfinished crawl run with these options, or a new run (other unfinished crawl
    runs are marked abandoned: what they stored stays)."""
    resume, abandoned = None, []
    for run in run_store.unfinished_runs(store, "crawl"):
        same = {k: v for k, v in run.params.items() if k != "stop_at"} == params
        if same and resume is None:
            resume = run.run_id
        else:
            run_store.set_status(store, run.run_id, "abandoned", run.error)
            abandoned.append(run.run_id)
    if resume is not None:
        return resume, True, tuple(abandoned)
    return run_store.start_run(store, "crawl", params, source), False, tuple(abandoned)


def crawl(store: Store, opts: CrawlOptions = CrawlOptions(), client: HubClient | None = None,
          models: list[str] | None = None, ancestors: bool = False, descendants: int = 0,
          progress: ProgressFn | None = None) -> CrawlResult:
    """Crawl the Hub into the store as a numbered run (resuming an interrupted one with
    the same options), then rebuild lineage and licenses, audit, and record the changes.

    Raises CrawlError (what was stored, how to resume) when the Hub cannot be read."""
    client = client or HubClient()
    client.check_online()
    if opts.full and opts.limit is not None:
        raise CrawlError("--full lists the whole scope to notice deletions; it cannot be combined with --limit")
    if models:
        mode = "models"
        params = {"mode": mode, "models": sorted(models), "ancestors": ancestors, "descendants": descendants,
                  "endpoint": client.endpoint}
    else:
        mode = "listing"
        params = {"mode": mode, **opts.params(), "endpoint": client.endpoint}
    run_id, resumed, abandoned = _resume_or_start(store, params, client.endpoint)
    run = run_store.get_run(store, run_id)
    assert run is not None
    stop_at = None
    if mode == "listing":
        if "stop_at" in run.params:
            stop_at = dt.datetime.fromisoformat(run.params["stop_at"]) if run.params["stop_at"] else None
        else:
            stop_at = None if opts.full else (opts.since or previous_checkpoint(store, opts))
            patch = json.dumps({"stop_at": stop_at.isoformat() if stop_at else ""})
            store.execute("UPDATE runs SET params = json_merge_patch(params, ?) WHERE run_id = ?", [patch, run_id])
    crawler = Crawler(store, client, run_id, progress)
    try:
        if mode == "models":
            crawler.crawl_models(list(models or []), ancestors=ancestors, descendants=descendants)
        else:
            crawler.crawl_listing(opts, stop_at)
            if opts.full:
                crawler.confirm_deletions(opts)
    except HubError as exc:
        run_store.record_error(store, run_id, str(exc))
        run = run_store.get_run(store, run_id)
        assert run is not None
        raise CrawlError(
            f"{exc}\nStored so far by crawl run {run_id}: {run.records:,} models over {run.pages:,} pages "
            f"({run.stored:,} new, {run.updated:,} updated, {run.rejected:,} rejected, {run.deleted:,} marked deleted); "
            "its position is saved. Run the same `licensegraph crawl` command again to resume from there."
        ) from exc
    run = run_store.get_run(store, run_id)
    assert run is not None
    checkpoint = None  # a listing cut short by --limit is no checkpoint for the next one
    if mode == "listing" and run.stop_reason in ("end of listing", "checkpoint"):
        checkpoint = max([t for t in (run.high_water, stop_at) if t is not None], default=None)
    _rebuild_and_finish(store, run_id, {"checkpoint": checkpoint})
    run = run_store.get_run(store, run_id)
    assert run is not None
    d = crawler.done
    return CrawlResult(
        run_id=run_id, resumed=resumed, mode=mode, stop_at=stop_at, stop_reason=run.stop_reason or d.stop,
        pages=run.pages, records=run.records, stored=run.stored, updated=run.updated, unchanged=run.unchanged,
        rejected=run.rejected, deleted=run.deleted, confirmed_present=d.confirmed_present, requests=run.requests,
        missing=tuple(d.missing), abandoned_runs=abandoned,
    )


def ingest_run(store: Store, paths: Iterable[Path | str], progress=None):
    """`ingest` as a numbered run: ingest the files, rebuild, audit, record the changes."""
    from licensegraph.sources.ingest import ingest

    paths = [Path(p) for p in paths]
    run_id = run_store.start_run(store, "ingest", {"paths": [str(p) for p in paths]}, ", ".join(map(str, paths)))
    try:
        summary = ingest(store, paths, progress=progress, rebuild=False)
    except BaseException as exc:
        run_store.set_status(store, run_id, "failed", f"{type(exc).__name__}: {exc}")
        raise
    totals = {k: summary.total(k) for k in ("stored", "updated", "unchanged", "rejected")}
    totals["records"] = summary.total("read")
    _rebuild_and_finish(store, run_id, totals)
    return run_id, summary
