"""Fetch the dataset records the store's models name (`crawl --datasets`), through ingest's path.

The wanted datasets are the ids models' cards (`datasets:`) and `dataset:` tags name that
the store holds no record of, most-named first. For each, `GET /api/datasets/{id}` (what
`HfApi.dataset_info` asks, with the fields the `datasets` table reads) and the card's
README.md at the record's revision (the URL `hf_hub_url` builds) make a record of the
DatasetInfo shape (`repo_type: dataset`, id, author, tags, card data, card text) that
`ingest` reads like a line of a records file.

Each batch is stored through `read_records` in one transaction together with what the Hub
answered for every dataset of the batch (`dataset_fetches`: fetched, not found, no access,
error, with the reason) and the run's counts, so a crawl killed at any instant resumes
without asking again for what it stored, or for what the Hub said it does not have.

- 404: not found; 401/403: private or gated (no access with this token). Counted, never
  fatal; a later run asks again, except for datasets an earlier complete run found missing
  (404), which only `recheck_missing` asks for again.
- A dataset whose record or card could not be read after the bounded retries (HubError)
  is counted as an error with its reason and is not stored (the next run asks again); a
  run of consecutive errors means the Hub is down: the crawl stops, resumable.
- A card the token may not read (gated) keeps the record without card text, and says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from licensegraph.sources.card import CardError, split_front_matter
from licensegraph.sources.hub_client import HubClient, HubError
from licensegraph.sources.hub_crawl import ProgressFn, StepDone
from licensegraph.sources.ingest import read_records
from licensegraph.store.db import Store, transaction
from licensegraph.store.killpoints import kill_point

BATCH = 100  # datasets asked about per transaction (storing records has a fixed cost per call)
MAX_CONSECUTIVE_ERRORS = 5  # then the Hub is taken to be down: stop, resumable

FETCHED, NOT_FOUND, NO_ACCESS, ERROR, RENAMED = "fetched", "not-found", "no-access", "error", "renamed"


@dataclass
class DatasetFetch:
    """What the Hub answered for one dataset."""

    dataset_key: str
    dataset_id: str
    outcome: str  # fetched, not-found, no-access, error, renamed
    status: int | None
    reason: str | None


@dataclass
class DatasetCrawlProgress:
    """Counts of one invocation (the run row and `dataset_fetches` hold the whole run's)."""

    asked: int = 0
    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    fetches: list[DatasetFetch] = field(default_factory=list)
    stop: str = ""


def _hub_reason(status: int, what: str) -> str:
    if status == 404:
        return f"{what}: not found (HTTP 404)"
    return f"{what}: HTTP {status}, private or gated (no access with this token)"


def dataset_record(info: dict, readme: str | None) -> dict:
    """A `GET /api/datasets/{id}` answer and its README.md -> a record of DatasetInfo's shape.

    Card data: the Hub's parsed `cardData`; the README's front matter when the Hub gave none
    (ingest then reports a card it cannot read). Card text: the README below the front matter."""
    front, body = None, readme
    if readme is not None:
        try:
            front, body = split_front_matter(readme)
        except CardError:
            front, body = None, readme
    card = info.get("cardData") if isinstance(info.get("cardData"), dict) else (front or None)
    return {
        "repo_type": "dataset", "id": info.get("id"), "author": info.get("author"),
        "last_modified": info.get("lastModified"), "sha": info.get("sha"), "gated": info.get("gated"),
        "private": info.get("private"), "tags": info.get("tags") or [], "card_data": card,
        "card_text": body.strip() if isinstance(body, str) and body.strip() else None,
    }


def wanted_datasets(store: Store, run_id: int, recheck_missing: bool, limit: int | None = None) -> list[tuple[str, str]]:
    """(key, id) of the datasets the store's (not deleted) models name and the store has no
    record of, most-named first; without those this run already asked about, and (unless
    `recheck_missing`) those an earlier complete run found missing or renamed."""
    skip_missing = "" if recheck_missing else f"""
        AND key NOT IN (SELECT f.dataset_key FROM dataset_fetches f JOIN runs r USING (run_id)
                        WHERE r.status = 'complete' AND f.outcome IN ('{NOT_FOUND}', '{RENAMED}'))"""
    rows = store.execute(
        f"""
        SELECT key, id FROM (
          SELECT lower(n.dataset_id) AS key, min(n.dataset_id) AS id, count(DISTINCT n.model_key) AS models
          FROM data_named n JOIN models m USING (model_key)
          WHERE n.dataset_id IS NOT NULL AND NOT coalesce(m.deleted, false)
          GROUP BY 1)
        WHERE key NOT IN (SELECT dataset_key FROM datasets)
          AND key NOT IN (SELECT dataset_key FROM dataset_fetches WHERE run_id = ? AND outcome <> '{ERROR}')
          {skip_missing}
        ORDER BY models DESC, key
        {f'LIMIT {int(limit)}' if limit is not None else ''}
        """,
        [run_id],
    ).fetchall()
    return [(k, i) for k, i in rows]


def skipped_missing(store: Store, run_id: int) -> int:
    """Named datasets not stored that a complete run before `run_id` found missing (so
    `run_id` did not ask for them again)."""
    return store.scalar(
        f"""
        SELECT count(DISTINCT lower(n.dataset_id)) FROM data_named n
        WHERE n.dataset_id IS NOT NULL AND lower(n.dataset_id) NOT IN (SELECT dataset_key FROM datasets)
          AND lower(n.dataset_id) IN (SELECT f.dataset_key FROM dataset_fetches f JOIN runs r USING (run_id)
                                      WHERE r.status = 'complete' AND f.outcome IN ('{NOT_FOUND}', '{RENAMED}')
                                        AND f.run_id < ?)
        """, [run_id]
    ) or 0


class DatasetCrawler:
    """Writes the datasets `client` reads into `store`, as crawl run `run_id`."""

    def __init__(self, store: Store, client: HubClient, run_id: int, progress: ProgressFn | None = None,
                 done: DatasetCrawlProgress | None = None):
        self.store = store
        self.client = client
        self.run_id = run_id
        self.progress = progress
        self.done = done or DatasetCrawlProgress()
        self._requests_committed = client.requests
        self._errors_in_a_row = 0
        self._tried: set[str] = {f.dataset_key for f in self.done.fetches}  # asked in this invocation

    def fetch(self, key: str, dataset_id: str) -> tuple[dict | None, DatasetFetch]:
        """Ask the Hub for one dataset: (record to store or None, what it answered)."""
        try:
            info, status = self.client.dataset(dataset_id)
            if info is None:
                outcome = NOT_FOUND if status == 404 else NO_ACCESS
                return None, DatasetFetch(key, dataset_id, outcome, status, _hub_reason(status, "record"))
            served = str(info.get("id") or "")
            if served.lower() != key:  # a renamed repo: the Hub answers with its new id
                return None, DatasetFetch(key, dataset_id, RENAMED, status,
                                          f"the Hub serves it as {served!r}; models name the old id")
            readme, card_status = self.client.dataset_card(served, info.get("sha"))
        except HubError as exc:
            return None, DatasetFetch(key, dataset_id, ERROR, exc.status, str(exc))
        reason = None
        if readme is None and card_status != 404:
            reason = _hub_reason(card_status, "card README.md") + "; stored without card text"
        return dataset_record(info, readme), DatasetFetch(key, dataset_id, FETCHED, status, reason)

    def _commit(self, records: list[dict], fetches: list[DatasetFetch]) -> None:
        con = self.store.con
        keys = [r["id"].lower() for r in records]
        known = {k for (k,) in con.execute("SELECT dataset_key FROM datasets WHERE dataset_key IN "
                                           "(SELECT unnest(?::VARCHAR[]))", [keys]).fetchall()} if keys else set()
        requests = self.client.requests - self._requests_committed
        counts: dict[str, int] = {}

        def before_commit(result) -> None:  # noqa: ANN001 - ingest's FileSummary
            con.executemany("INSERT INTO dataset_fetches VALUES (?, ?, ?, ?, ?, ?, now())",
                            [[self.run_id, f.dataset_key, f.dataset_id, f.outcome, f.status, f.reason]
                             for f in fetches])
            stored = sum(1 for k in keys if k not in known)
            changed, kept = (result.datasets_changed, result.datasets) if result is not None else (0, 0)
            counts.update(stored=stored, updated=changed - stored, unchanged=kept - changed,
                          rejected=result.rejected if result is not None else 0)
            con.execute(
                """UPDATE runs SET records = records + ?, stored = stored + ?, updated = updated + ?,
                   unchanged = unchanged + ?, rejected = rejected + ?, requests = requests + ? WHERE run_id = ?""",
                [len(fetches), counts["stored"], counts["updated"], counts["unchanged"], counts["rejected"], requests,
                 self.run_id])

        label = f"{self.client.endpoint}/api/datasets/{{id}} (crawl run {self.run_id}, datasets)"
        if records:
            read_records(self.store, [json.dumps(r) for r in records], label, 1, before_commit)
        else:  # only answers to keep (not found, no access, errors)
            with transaction(con):
                before_commit(None)
        kill_point("crawl-datasets-committed")
        self._requests_committed = self.client.requests
        d = self.done
        d.asked += len(fetches)
        for k in ("stored", "updated", "unchanged", "rejected"):
            setattr(d, k, getattr(d, k) + counts[k])
        d.fetches.extend(fetches)

    def crawl(self, limit: int | None = None, recheck_missing: bool = False, step: StepDone | None = None,
              batch: int = BATCH) -> bool:
        """Fetch the wanted datasets in batches of `batch`, each stored with its outcomes. True when
        none is left (or `limit` is reached); False when `step`'s budget ran out first.
        Raises the HubError after MAX_CONSECUTIVE_ERRORS failures in a row (the batch so
        far is stored)."""
        from licensegraph.store.runs import get_run

        while True:
            run = get_run(self.store, self.run_id)
            assert run is not None
            left = None if limit is None else limit - run.records
            if left is not None and left <= 0:
                self.done.stop = "limit"
                return True
            todo = [(k, i) for k, i in wanted_datasets(self.store, self.run_id, recheck_missing)
                    if k not in self._tried]
            total = run.records + len(todo) if left is None else min(limit or 0, run.records + len(todo))
            todo = todo[:batch if left is None else min(batch, left)]
            if not todo:
                self.done.stop = "done"
                return True
            records, fetches = [], []
            failure: HubError | None = None
            for key, dataset_id in todo:
                self._tried.add(key)
                record, fetch = self.fetch(key, dataset_id)
                fetches.append(fetch)
                if record is not None:
                    records.append(record)
                self._errors_in_a_row = self._errors_in_a_row + 1 if fetch.outcome == ERROR else 0
                if self._errors_in_a_row >= MAX_CONSECUTIVE_ERRORS:
                    failure = HubError(f"{MAX_CONSECUTIVE_ERRORS} datasets in a row could not be read; the last: "
                                       f"{fetch.reason}")
                    break
            self._commit(records, fetches)
            self._tick(run.records + len(fetches), total)
            if failure is not None:
                raise failure
            if step is not None and step.tick():
                return False

    def _tick(self, done: int, total: int | None) -> None:
        if self.progress:
            self.progress("fetching datasets", done, total)
