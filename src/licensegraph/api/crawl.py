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
from typing import Any

from licensegraph.api.ingest import ingest as ingest_files
from licensegraph.api.ingest import rebuild_derived
from licensegraph.api.results import CrawlReport, DatasetProblem, IngestReport
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
from licensegraph.sources.hub_datasets import BATCH as DATASET_BATCH
from licensegraph.sources.hub_datasets import DatasetCrawler, skipped_missing
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
    runs are marked abandoned: what they stored stays). Model crawls and dataset crawls
    (`mode` datasets) do not abandon each other's runs."""
    resume, abandoned = None, []
    datasets = params.get("mode") == "datasets"
    for run in run_store.unfinished_runs(store, "crawl"):
        if (run.params.get("mode") == "datasets") != datasets:
            continue
        same = {k: v for k, v in run.params.items() if k != "stop_at"} == params
        if same and resume is None:
            resume = run.run_id
        else:
            run_store.set_status(store, run.run_id, "abandoned", run.error)
            abandoned.append(run.run_id)
    if resume is not None:
        return resume, True, tuple(abandoned)
    return run_store.start_run(store, "crawl", params, source), False, tuple(abandoned)


@dataclasses.dataclass
class _RunState:
    """One crawl run carried over its write steps."""

    run_id: int = 0
    resumed: bool = False
    abandoned: tuple[int, ...] = ()
    done: Any = None  # the crawler's counts of this invocation
    failure: BaseException | None = None
    run: run_store.Run | None = None
    stop_at: dt.datetime | None = None
    result: Any = None  # what `finish` read of the completed run


def _run_in_steps(writer: Writer, params: dict, endpoint: str, step: Callable[[Store, _RunState], bool],
                  finish: Callable[[Store, _RunState], None],
                  started: Callable[[Store, _RunState], None] | None = None,
                  fresh_first: bool = False) -> _RunState:
    """Write steps of one crawl run (resumed if an unfinished run has these `params`) until
    `step(store, state)` says the run is complete, then `finish` ends it in the same step.
    A step that fails on the Hub or is interrupted is ended normally (what it stored is
    kept, lineage and licenses brought up to date) and the failure kept in the state;
    `started` runs once the run is known; `fresh_first`: derived state is brought up to
    date before each step (a step that reads it)."""
    state = _RunState()
    while True:
        with writer() as store:
            if fresh_first and store.derived_stale():  # an earlier in-place write was cut short
                rebuild_derived(store)
            if not state.run_id:
                state.run_id, state.resumed, state.abandoned = _resume_or_start(store, params, endpoint)
                if started is not None:
                    started(store, state)
            try:
                complete = step(store, state)
            except (HubError, KeyboardInterrupt) as exc:
                state.failure = exc
                complete = False
                if isinstance(exc, HubError):
                    run_store.record_error(store, state.run_id, str(exc))
            if complete:
                finish(store, state)
            else:
                rebuild_derived(store)  # readers between steps see lineage and licenses of what is stored
            state.run = run_store.get_run(store, state.run_id)
        if complete or state.failure is not None:
            return state


def _raise_failure(failure: BaseException | None, resume_note: str) -> None:
    """Re-raise what stopped a run: Ctrl-C as it is, a Hub failure as a CrawlError with `resume_note`
    (what was stored and how to resume); other failures were raised by `_run_in_steps` already."""
    if isinstance(failure, KeyboardInterrupt):
        raise failure
    if isinstance(failure, HubError):
        raise CrawlError(f"{failure}\n{resume_note}") from failure


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

    def started(store: Store, state: _RunState) -> None:
        state.stop_at = _stop_at(store, state.run_id, opts, mode)

    def step(store: Store, state: _RunState) -> bool:
        crawler = Crawler(store, client, state.run_id, progress, done=state.done, card_text=card_text)
        state.done = crawler.done
        if mode == "models":
            crawler.crawl_models(list(models or []), ancestors=ancestors, descendants=descendants)
            return True
        budget = StepDone(max_pages=step_pages, max_seconds=step_seconds)
        return crawler.crawl_listing(opts, state.stop_at, budget) and (
            not opts.full or crawler.confirm_deletions(opts, budget))

    def finish(store: Store, state: _RunState) -> None:
        _finish(store, state.run_id, {"checkpoint": _checkpoint(store, state.run_id, mode, state.stop_at)})

    state = _run_in_steps(writer, params, client.endpoint, step, finish, started)
    run, done, failure, run_id, stop_at = state.run, state.done, state.failure, state.run_id, state.stop_at
    assert run is not None and done is not None
    _raise_failure(failure, (
        f"Stored so far by crawl run {run_id}: {run.records:,} models over {run.pages:,} pages "
        f"({run.stored:,} new, {run.updated:,} updated, {run.rejected:,} rejected, {run.deleted:,} marked deleted); "
        "its position is saved. Run the same `licensegraph crawl` command again to resume from there."))
    return CrawlReport(
        run_id=run_id, resumed=state.resumed, mode=mode, endpoint=client.endpoint,
        stop_reason=run.stop_reason or done.stop, stop_at=stop_at.isoformat() if stop_at else None,
        pages=run.pages, records=run.records, stored=run.stored, updated=run.updated, unchanged=run.unchanged,
        rejected=run.rejected, deleted=run.deleted, confirmed_present=done.confirmed_present,
        requests=run.requests, missing=tuple(done.missing), abandoned_runs=state.abandoned,
        seconds=time.perf_counter() - began,
        card_text=card_text, card_texts=done.card_texts, card_texts_unavailable=done.card_texts_unavailable,
        card_texts_truncated=done.card_texts_truncated, card_texts_kept=done.card_texts_kept,
        adapter_configs=done.adapter_configs, adapter_configs_unavailable=done.adapter_configs_unavailable,
        file_wait_seconds=client.file_wait,
    )


#: One write step of a dataset crawl asks for at most this many datasets.
STEP_DATASETS = 500


def crawl_datasets(target: Store | Writer, client: HubClient | None = None, limit: int | None = None,
                   recheck_missing: bool = False, progress: ProgressFn | None = None,
                   step_datasets: int = STEP_DATASETS, step_seconds: float = STEP_SECONDS,
                   batch: int = DATASET_BATCH) -> CrawlReport:
    """Fetch the dataset records the store's models name and the store does not have, as a
    numbered crawl run (mode `datasets`; an interrupted one is resumed), then rebuild data
    edges, licenses and findings, and record the run's changes.

    Datasets the Hub does not have (404) or will not show (401/403) are counted, never
    fatal; one whose record cannot be read after the bounded retries is counted as an
    error with its reason. CrawlError (what was stored, how to resume) when the Hub seems
    down (several datasets in a row failed). Each `batch` of datasets asked about is stored
    in one transaction; a write step (one atomic rename through a writer) holds
    `step_datasets` of them."""
    writer: Writer = (lambda: in_place(target)) if isinstance(target, Store) else target
    began = time.perf_counter()
    client = client or HubClient()
    client.check_online()
    params = {"mode": "datasets", "limit": limit, "recheck_missing": recheck_missing, "endpoint": client.endpoint}

    def step(store: Store, state: _RunState) -> bool:
        crawler = DatasetCrawler(store, client, state.run_id, progress, done=state.done)
        state.done = crawler.done
        budget = StepDone(max_pages=max(1, step_datasets // batch), max_seconds=step_seconds)
        return crawler.crawl(limit=limit, recheck_missing=recheck_missing, step=budget, batch=batch)

    def finish(store: Store, state: _RunState) -> None:
        store.execute("UPDATE runs SET stop_reason = ?, listing_done = true WHERE run_id = ?",
                      [state.done.stop, state.run_id])
        _finish(store, state.run_id)
        # what the Hub answered, per dataset (the run's last answer for each)
        outcomes = dict(store.execute(
            "SELECT outcome, count(*) FROM (SELECT dataset_key, arg_max(outcome, fetched_at) AS outcome "
            "FROM dataset_fetches WHERE run_id = ? GROUP BY 1) GROUP BY 1", [state.run_id]).fetchall())
        problems = tuple(DatasetProblem(dataset_id=i, outcome=o, status=st, reason=r) for i, o, st, r in store.execute(
            "SELECT dataset_id, outcome, status, reason FROM (SELECT * FROM dataset_fetches WHERE run_id = ? "
            "QUALIFY row_number() OVER (PARTITION BY dataset_key ORDER BY fetched_at DESC) = 1) "
            "WHERE outcome <> 'fetched' OR reason IS NOT NULL ORDER BY outcome, dataset_id", [state.run_id]).fetchall())
        state.result = (outcomes, problems, 0 if recheck_missing else skipped_missing(store, state.run_id))

    # the datasets wanted are read from derived state (the references of the models' cards)
    state = _run_in_steps(writer, params, client.endpoint, step, finish, fresh_first=True)
    run, done, failure, run_id = state.run, state.done, state.failure, state.run_id
    assert run is not None and done is not None
    _raise_failure(failure, (
        f"Stored so far by crawl run {run_id}: {run.stored + run.updated + run.unchanged:,} of "
        f"{run.records:,} datasets asked about; its position is saved. Run the same `licensegraph crawl "
        "--datasets` command again to resume from there (the failed datasets are asked again)."))
    outcomes, problems, skipped = state.result
    return CrawlReport(
        run_id=run_id, resumed=state.resumed, mode="datasets", endpoint=client.endpoint,
        stop_reason=run.stop_reason or done.stop, stop_at=None, pages=0, records=run.records, stored=run.stored,
        updated=run.updated, unchanged=run.unchanged, rejected=run.rejected, deleted=0, confirmed_present=0,
        requests=run.requests, missing=(),
        abandoned_runs=state.abandoned, seconds=time.perf_counter() - began,
        fetched=outcomes.get("fetched", 0), not_found=outcomes.get("not-found", 0),
        no_access=outcomes.get("no-access", 0), errors=outcomes.get("error", 0), renamed=outcomes.get("renamed", 0),
        skipped_missing=skipped, problems=problems,
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
