"""Runs end to end: a crawl (or an ingest) as a numbered run, then lineage and licenses
rebuilt, the rules run, and what the run changed recorded (`licensegraph changes`).

A crawl writes in steps. Each step is one write of the store (`LicenseGraph.writing`: the
writer lock, a copy, an atomic rename; store.session): it stores a batch of pages, each
page in its own transaction together with the run's cursor, brings lineage and licenses
up to date and ends; the rename makes the step durable. A crawl killed at any instant
loses at most the step in progress, and the next `crawl` with the same options resumes
from the last durable cursor: nothing is stored twice, nothing is lost. The last step
confirms deletions (--full), audits and records the run's changes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from licensegraph.api.ingest import ingest as ingest_files
from licensegraph.api.ingest import rebuild_derived
from licensegraph.api.results import CrawlReport, IngestReport
from licensegraph.rules.engine import run_audit
from licensegraph.sources.hub_client import HubClient, HubError
from licensegraph.sources.hub_crawl import (
    Crawler,
    CrawlError,
    CrawlOptions,
    ProgressFn,
    StepDone,
    previous_checkpoint,
)
from licensegraph.sources.ingest import ProgressCallback, check_paths
from licensegraph.store import runs as run_store
from licensegraph.store.db import Store

#: One write step holds at most this many pages, or this many seconds of crawling.
STEP_PAGES = 50
STEP_SECONDS = 60.0

Writer = Callable[[], AbstractContextManager[Store]]


@contextmanager
def in_place(store: Store) -> Iterator[Store]:
    """A writer that writes `store` in place (library use, tests, in-memory stores)."""
    yield store


def _finish(store: Store, run_id: int, counts: dict | None = None) -> None:
    rebuild_derived(store)
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


def crawl(target: Store | Writer, opts: CrawlOptions = CrawlOptions(), client: HubClient | None = None,
          models: list[str] | None = None, ancestors: bool = False, descendants: int = 0,
          progress: ProgressFn | None = None, step_pages: int = STEP_PAGES,
          step_seconds: float = STEP_SECONDS, card_text: bool = False) -> CrawlReport:
    """Crawl the Hub into the store as a numbered run (resuming an interrupted one with
    the same options), then rebuild lineage and licenses, audit, and record the changes.

    `target`: a Store written in place, or a writer (a callable returning a context
    manager that yields the store for one atomic step, as `LicenseGraph.writing`).
    Raises CrawlError (what was stored, how to resume) when the Hub cannot be read; a
    KeyboardInterrupt keeps every page stored before it.

    `card_text`: also read the README (and a PEFT repo's adapter_config.json) of each
    listed or fetched model that declares no base model, at the client's `file_rate`, and
    store them for hidden-lineage discovery (counted in the report)."""
    writer: Writer = (lambda: in_place(target)) if isinstance(target, Store) else target
    began = time.perf_counter()
    client = client or HubClient()
    client.check_online()
    if opts.full and opts.limit is not None:
        raise CrawlError("--full lists the whole scope to notice deletions; it cannot be combined with --limit")
    if models:
        mode = "models"
        params: dict = {"mode": mode, "models": sorted(models), "ancestors": ancestors, "descendants": descendants,
                        "endpoint": client.endpoint}
    else:
        mode = "listing"
        params = {"mode": mode, **opts.params(), "endpoint": client.endpoint}
    if card_text:
        params["card_text"] = True  # a run with README bodies is not resumed by one without

    run_id = 0
    resumed, abandoned = False, ()
    stop_at: dt.datetime | None = None
    failure: BaseException | None = None
    done = None
    finished = False
    while not finished:
        with writer() as store:
            if not run_id:
                run_id, resumed, abandoned = _resume_or_start(store, params, client.endpoint)
                stop_at = _stop_at(store, run_id, opts, mode)
            crawler = Crawler(store, client, run_id, progress, done=done, card_text=card_text)
            step = StepDone(max_pages=step_pages, max_seconds=step_seconds)
            try:
                if mode == "models":
                    crawler.crawl_models(list(models or []), ancestors=ancestors, descendants=descendants)
                    complete = True
                else:
                    complete = crawler.crawl_listing(opts, stop_at, step) and (
                        not opts.full or crawler.confirm_deletions(opts, step))
            except (HubError, KeyboardInterrupt) as exc:
                # keep what this step stored: end the step normally, then report
                failure = exc
                complete = False
                if isinstance(exc, HubError):
                    run_store.record_error(store, run_id, str(exc))
            done = crawler.done
            if complete:
                _finish(store, run_id, {"checkpoint": _checkpoint(store, run_id, mode, stop_at)})
                finished = True
            else:
                rebuild_derived(store)  # readers between steps see lineage and licenses of what is stored
            run = run_store.get_run(store, run_id)
        if failure is not None:
            break
    assert run is not None and done is not None
    if isinstance(failure, KeyboardInterrupt):
        raise failure
    if isinstance(failure, HubError):
        raise CrawlError(
            f"{failure}\nStored so far by crawl run {run_id}: {run.records:,} models over {run.pages:,} pages "
            f"({run.stored:,} new, {run.updated:,} updated, {run.rejected:,} rejected, {run.deleted:,} marked deleted); "
            "its position is saved. Run the same `licensegraph crawl` command again to resume from there."
        ) from failure
    return CrawlReport(
        run_id=run_id, resumed=resumed, mode=mode, endpoint=client.endpoint,
        stop_reason=run.stop_reason or done.stop, stop_at=stop_at.isoformat() if stop_at else None,
        pages=run.pages, records=run.records, stored=run.stored, updated=run.updated, unchanged=run.unchanged,
        rejected=run.rejected, deleted=run.deleted, confirmed_present=done.confirmed_present,
        requests=run.requests, missing=tuple(done.missing), abandoned_runs=abandoned,
        seconds=time.perf_counter() - began,
        card_text=card_text, card_texts=done.card_texts, card_texts_unavailable=done.card_texts_unavailable,
        card_texts_truncated=done.card_texts_truncated, card_texts_kept=done.card_texts_kept,
        adapter_configs=done.adapter_configs, adapter_configs_unavailable=done.adapter_configs_unavailable,
        file_wait_seconds=client.file_wait,
    )


def _stop_at(store: Store, run_id: int, opts: CrawlOptions, mode: str) -> dt.datetime | None:
    """Where the run's listing stops: fixed when the run starts, kept for its resumes."""
    if mode != "listing":
        return None
    run = run_store.get_run(store, run_id)
    assert run is not None
    if "stop_at" in run.params:
        return dt.datetime.fromisoformat(run.params["stop_at"]) if run.params["stop_at"] else None
    stop_at = None if opts.full else (opts.since or previous_checkpoint(store, opts))
    patch = json.dumps({"stop_at": stop_at.isoformat() if stop_at else ""})
    store.execute("UPDATE runs SET params = json_merge_patch(params, ?) WHERE run_id = ?", [patch, run_id])
    return stop_at


def _checkpoint(store: Store, run_id: int, mode: str, stop_at: dt.datetime | None) -> dt.datetime | None:
    """Where the next incremental crawl may stop; none for a listing cut short by --limit."""
    run = run_store.get_run(store, run_id)
    assert run is not None
    if mode != "listing" or run.stop_reason not in ("end of listing", "checkpoint"):
        return None
    return max([t for t in (run.high_water, stop_at) if t is not None], default=None)


def ingest_run(store: Store, paths: Iterable[Path | str], progress: ProgressCallback | None = None) -> IngestReport:
    """`ingest` as a numbered run: read the files, rebuild lineage and licenses, audit, and
    record what changed. IngestError (nothing recorded) for a missing or unsupported path."""
    paths = [Path(p) for p in paths]
    check_paths(paths)
    run_id = run_store.start_run(store, "ingest", {"paths": [str(p) for p in paths]}, ", ".join(map(str, paths)))
    try:
        report = ingest_files(store, paths, progress=progress)
        if progress:
            progress("running the rules", 0, 0)
        totals = {k: report.total(k) for k in ("stored", "updated", "unchanged", "rejected")}
        totals["records"] = report.total("read")
        run_audit(store)
        run_store.finish_run(store, run_id, totals)
    except BaseException as exc:  # in place: say so; through a writer the whole step is discarded
        run_store.set_status(store, run_id, "failed", f"{type(exc).__name__}: {exc}")
        raise
    return dataclasses.replace(report, run_id=run_id)
