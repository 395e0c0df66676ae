"""Crawl the live Hub into the store: incremental, resumable, through ingest's own path.

A listing is read newest-modified first. Each page goes through `ingest_records` (the
staging, validation, merge and rejects of `ingest`) in one transaction together with the
run's checkpoint: the `next` cursor, what the page added, the newest `lastModified` seen.
A crawl killed at any instant therefore resumes from the page after the last committed
one, storing nothing twice and losing nothing.

- Incremental (the default): the listing stops at the first model older than the
  checkpoint of the last complete crawl of the same scope (or `since`).
- `full`: the whole listing; then every stored model of the scope the listing did not
  show is asked for by `GET /api/models/{id}` and marked deleted only on a 404 (one that
  answers was modified during the crawl and moved in the listing: it is stored).
- `crawl_models`: given ids, optionally with their ancestors (card `base_model` and
  `base_model:` tags, recursively) and descendants (the Hub's `base_model:` filter).

Lineage, licenses and findings are rebuilt by the caller once the run's records are in.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from licensegraph.sources.card import normalize_model_id
from licensegraph.sources.hub_client import MAX_FILE_BYTES, HubClient, HubError
from licensegraph.sources.ingest import FileSummary, read_records
from licensegraph.store.db import Store
from licensegraph.store.killpoints import kill_point

ProgressFn = Callable[[str, int, int | None], None]  # phase, done, total (None: unknown)
CONFIRM_BATCH = 50


class CrawlError(RuntimeError):
    """A crawl that stopped: says what was stored and how to resume."""


@dataclass(frozen=True)
class CrawlOptions:
    author: str | None = None
    search: str | None = None
    limit: int | None = None
    since: dt.datetime | None = None  # stop the listing at models older than this
    full: bool = False

    def params(self) -> dict:
        """The options a run is identified by (an interrupted run resumes only with the same)."""
        return {"author": self.author, "search": self.search, "limit": self.limit,
                "since": self.since.isoformat() if self.since else None, "full": self.full}


@dataclass
class CrawlProgress:
    """Counts of one crawl invocation (a resumed run adds to what its run row holds)."""

    pages: int = 0
    records: int = 0
    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    deleted: int = 0
    confirmed_present: int = 0
    missing: list[str] = field(default_factory=list)  # --model ids (or ancestors) the Hub does not have
    stop: str = ""  # why the listing ended: end of listing, checkpoint, limit
    # --card-text: files read for models that declare no base model
    card_texts: int = 0  # READMEs stored
    card_texts_unavailable: int = 0  # no README, or not readable (gated, private): 404/401/403
    card_texts_truncated: int = 0  # longer than MAX_FILE_BYTES: the start kept
    card_texts_kept: int = 0  # unchanged since stored (same sha): the stored text kept, not fetched
    adapter_configs: int = 0  # adapter_config.json of PEFT repos stored
    adapter_configs_unavailable: int = 0


@dataclass
class StepDone:
    """The budget of one write step: so many pages, or so many seconds, whichever comes first."""

    max_pages: int = 50
    max_seconds: float = 60.0
    pages: int = 0
    started: float = field(default_factory=time.monotonic)

    def tick(self) -> bool:
        """Count a page; True when the step should end."""
        self.pages += 1
        return self.pages >= self.max_pages or time.monotonic() - self.started >= self.max_seconds


def _parse_time(value) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def _key(item) -> str | None:
    if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"].strip():
        return item["id"].strip().lower()
    return None


def item_parents(item: dict) -> list[str]:
    """Parents a Hub record names: card `base_model` (string or list) and `base_model:` tags."""
    out: list[str] = []
    card = item.get("cardData") if isinstance(item.get("cardData"), dict) else item.get("card_data")
    raw = card.get("base_model") if isinstance(card, dict) else None
    for value in [raw] if isinstance(raw, str) else (raw if isinstance(raw, list) else []):
        parent = normalize_model_id(value)
        if parent:
            out.append(parent)
    for tag in item.get("tags") or []:
        if isinstance(tag, str) and tag.startswith("base_model:"):
            parts = tag.split(":")
            if len(parts) in (2, 3):
                parent = normalize_model_id(parts[-1])
                if parent:
                    out.append(parent)
    seen, unique = set(), []
    for p in out:
        if p.lower() not in seen:
            seen.add(p.lower())
            unique.append(p)
    return unique


def previous_checkpoint(store: Store, opts: CrawlOptions) -> dt.datetime | None:
    """Where an incremental crawl of this scope may stop: the newest `lastModified` the
    last complete, unlimited crawl of the same scope (or of the whole Hub) listed."""
    return store.scalar(
        """
        SELECT checkpoint FROM runs
        WHERE kind = 'crawl' AND status = 'complete' AND checkpoint IS NOT NULL
          AND ((json_extract_string(params, '$.author') IS NULL AND json_extract_string(params, '$.search') IS NULL)
               OR (json_extract_string(params, '$.author') IS NOT DISTINCT FROM ?
                   AND json_extract_string(params, '$.search') IS NOT DISTINCT FROM ?))
        ORDER BY run_id DESC LIMIT 1
        """,
        [opts.author, opts.search],
    )


class Crawler:
    """Writes what `client` reads into `store`, as run `run_id`."""

    def __init__(self, store: Store, client: HubClient, run_id: int, progress: ProgressFn | None = None,
                 done: CrawlProgress | None = None, card_text: bool = False):
        self.store = store
        self.client = client
        self.run_id = run_id
        self.progress = progress
        self.done = done or CrawlProgress()  # carried over the steps of one invocation
        self.card_text = card_text
        self._requests_committed = client.requests

    # -- card text (--card-text) -----------------------------------------------------
    def _add_card_text(self, items: list) -> None:
        """Give each record the README and adapter config the store needs for hidden-lineage
        discovery, in place. A record the store holds at the same sha keeps the stored text
        and configs (a crawl never drops them silently). With `card_text`, a model that
        declares no base model and has none stored gets its README.md, and a PEFT repo its
        adapter_config.json, read at the client's file rate."""
        keyed = [(k, i) for i in items if (k := _key(i)) and isinstance(i, dict)]
        if not keyed:
            return
        stored = {k: (sha, text, configs) for k, sha, text, configs in self.store.execute(
            "SELECT model_key, sha, card_text, CAST(configs AS VARCHAR) FROM models "
            "WHERE model_key IN (SELECT unnest(?::VARCHAR[])) AND (card_text IS NOT NULL OR configs IS NOT NULL)",
            [[k for k, _ in keyed]]).fetchall()}
        for key, item in keyed:
            if "card_text" in item or "cardText" in item or "configs" in item:
                continue  # the record brings its own
            old = stored.get(key)
            if old is not None and old[0] is not None and old[0] == item.get("sha"):
                if old[1] is not None:
                    item["card_text"] = old[1]
                if old[2] is not None:
                    item["configs"] = json.loads(old[2])
                self.done.card_texts_kept += 1
                continue
            if not self.card_text or item_parents(item):
                continue
            model_id, revision = item["id"].strip(), item.get("sha") if isinstance(item.get("sha"), str) else None
            content, _status = self.client.file(model_id, "README.md", revision)
            if content is None:
                self.done.card_texts_unavailable += 1
            else:
                if len(content) > MAX_FILE_BYTES:
                    content = content[:MAX_FILE_BYTES]
                    self.done.card_texts_truncated += 1
                item["card_text"] = content.decode("utf-8", errors="replace")
                self.done.card_texts += 1
            tags = {t.lower() for t in item.get("tags") or [] if isinstance(t, str)}
            if str(item.get("library_name") or "").lower() == "peft" or "peft" in tags:
                content, _status = self.client.file(model_id, "adapter_config.json", revision)
                if content is None:
                    self.done.adapter_configs_unavailable += 1
                else:
                    try:
                        config = json.loads(content)
                    except ValueError:
                        # kept as text: ingest reports it (configs.adapter_config.json is not a JSON object)
                        config = content[:MAX_FILE_BYTES].decode("utf-8", errors="replace")
                    item["configs"] = {"adapter_config.json": config}
                    self.done.adapter_configs += 1
            self._tick("card text", self.done.card_texts + self.done.card_texts_unavailable, None)

    # -- writing -------------------------------------------------------------------
    def _commit(self, items: list, label: str, first_line: int, run_updates: dict,
                deleted_keys: list[str] = (), checked: list[tuple[str, str]] = ()) -> FileSummary:
        """Store `items` through ingest's path and, in the same transaction, mark them seen,
        apply deletions, and move the run's checkpoint."""
        con = self.store.con
        self._add_card_text(items)
        keys = sorted({k for k in map(_key, items) if k})
        newest = max((t for t in (_parse_time(i.get("lastModified")) for i in items if isinstance(i, dict)) if t),
                     default=None)
        requests = self.client.requests - self._requests_committed
        is_page = run_updates.pop("_page", True)

        def before_commit(result: FileSummary) -> None:
            if keys:
                con.execute("INSERT INTO crawl_seen SELECT ?, unnest(?::VARCHAR[])", [self.run_id, keys])
                # The Hub lists it, so it exists, whatever an earlier run or lineage row said.
                con.execute("INSERT INTO dirty_models SELECT model_key FROM models "
                            "WHERE deleted AND model_key IN (SELECT unnest(?::VARCHAR[]))", [keys])
                con.execute("UPDATE models SET deleted = false "
                            "WHERE deleted AND model_key IN (SELECT unnest(?::VARCHAR[]))", [keys])
            if deleted_keys:
                con.execute("UPDATE models SET deleted = true WHERE model_key IN (SELECT unnest(?::VARCHAR[]))",
                            [list(deleted_keys)])
                con.execute("INSERT INTO dirty_models SELECT unnest(?::VARCHAR[])", [list(deleted_keys)])
            if checked:
                con.executemany("INSERT INTO crawl_checked VALUES (?, ?, ?)",
                                [[self.run_id, k, outcome] for k, outcome in checked])
            sets = {k: v for k, v in run_updates.items()}
            assignments = ", ".join(f"{k} = ?" for k in sets)
            con.execute(
                f"""UPDATE runs SET {assignments + ', ' if assignments else ''}
                    pages = pages + ?, records = records + ?, stored = stored + ?, updated = updated + ?,
                    unchanged = unchanged + ?, rejected = rejected + ?, deleted = deleted + ?,
                    requests = requests + ?,
                    high_water = CASE WHEN ?::TIMESTAMPTZ IS NULL THEN high_water
                                      ELSE greatest(coalesce(high_water, ?::TIMESTAMPTZ), ?::TIMESTAMPTZ) END
                    WHERE run_id = ?""",
                [*sets.values(), 1 if is_page else 0, len(items), result.stored,
                 result.updated, result.unchanged, result.rejected, len(deleted_keys), requests,
                 newest, newest, newest, self.run_id],
            )

        result = read_records(self.store, [json.dumps(i) for i in items], label, first_line, before_commit)
        kill_point("crawl-page-committed")
        self._requests_committed = self.client.requests
        d = self.done
        d.records += len(items)
        d.stored += result.stored
        d.updated += result.updated
        d.unchanged += result.unchanged
        d.rejected += result.rejected
        d.deleted += len(deleted_keys)
        return result

    def _tick(self, phase: str, done: int, total: int | None) -> None:
        if self.progress:
            self.progress(phase, done, total)

    # -- the listing -----------------------------------------------------------------
    def crawl_listing(self, opts: CrawlOptions, since: dt.datetime | None, step: StepDone | None = None) -> bool:
        """List newest-modified first from the run's cursor, each page committed with it.
        True when the listing is complete; False when `step`'s budget ran out first."""
        from licensegraph.store.runs import get_run

        run = get_run(self.store, self.run_id)
        assert run is not None
        if run.listing_done:
            return True
        params = self.client.list_params(author=opts.author, search=opts.search)
        listed = run.records
        page_no = run.pages
        total = opts.limit
        self._tick("listing", listed, total)
        for page in self.client.pages(params, cursor=run.cursor):
            items = page.items
            stop = ""
            if since is not None:
                # a model last modified at or before the checkpoint was listed by that crawl;
                # older models on the fetched page are stored too (they cost nothing more)
                if any((t := _parse_time(i.get("lastModified") if isinstance(i, dict) else None)) and t <= since
                       for i in items):
                    stop = "checkpoint"
            if opts.limit is not None and listed + len(items) >= opts.limit:
                items = items[: opts.limit - listed]
                stop = stop or "limit"
            if not stop and page.next_url is None:
                stop = "end of listing"
            page_no += 1
            label = f"{page.url} (crawl run {self.run_id}, page {page_no})"
            self._commit(items, label, listed + 1, {"cursor": None if stop else page.next_url,
                                                    "listing_done": bool(stop), "stop_reason": stop or None})
            self.done.pages += 1
            listed += len(items)
            self._tick("listing", listed, total)
            if stop:
                self.done.stop = stop
                return True
            if step is not None and step.tick():
                return False
        # an empty listing
        self._commit([], f"{self.client.first_page_url()} (crawl run {self.run_id})", listed + 1,
                     {"cursor": None, "listing_done": True, "stop_reason": "end of listing"})
        self.done.stop = "end of listing"
        return True

    # -- deletions (--full) --------------------------------------------------------------
    def deletion_candidates(self, opts: CrawlOptions) -> list[tuple[str, str]]:
        """Stored models of the scope that this run's listing did not show and that were not asked about yet."""
        where, args = [], [self.run_id, self.run_id]
        if opts.author:
            where.append("lower(author) = lower(?)")
            args.append(opts.author)
        if opts.search:
            where.append("contains(lower(id), lower(?))")
            args.append(opts.search)
        rows = self.store.execute(
            f"""
            SELECT model_key, id FROM models
            WHERE has_record AND NOT coalesce(deleted, false)
              AND model_key NOT IN (SELECT model_key FROM crawl_seen WHERE run_id = ?)
              AND model_key NOT IN (SELECT model_key FROM crawl_checked WHERE run_id = ?)
              {''.join(' AND ' + w for w in where)}
            ORDER BY model_key
            """,
            args,
        ).fetchall()
        return [(k, i) for k, i in rows]

    def confirm_deletions(self, opts: CrawlOptions, step: StepDone | None = None) -> bool:
        """Ask the Hub for each model the full listing missed: 404 -> deleted, else store it.
        True when every candidate was asked about; False when `step`'s budget ran out first."""
        candidates = self.deletion_candidates(opts)
        total = len(candidates)
        self._tick("confirming deletions", 0, total)
        for start in range(0, total, CONFIRM_BATCH):
            batch = candidates[start:start + CONFIRM_BATCH]
            found, gone, checked = [], [], []
            for key, model_id in batch:
                item = self.client.model(model_id)
                if item is None:
                    gone.append(key)
                    checked.append((key, "deleted"))
                else:
                    found.append(item)
                    checked.append((key, "present"))
            self._commit(found, f"{self.client.endpoint}/api/models/{{id}} (crawl run {self.run_id}, deletion check)",
                         0, {"_page": False}, deleted_keys=gone, checked=checked)
            self.done.confirmed_present += len(found)
            self._tick("confirming deletions", start + len(batch), total)
            if step is not None and step.tick() and start + len(batch) < total:
                return False
        return True

    # -- single models -------------------------------------------------------------------
    def crawl_models(self, ids: list[str], ancestors: bool = False, descendants: int = 0) -> CrawlProgress:
        """Fetch `ids`, and recursively their ancestors and/or descendants to `descendants` levels."""
        done_keys: set[str] = set()
        fetched = 0

        def store_one(model_id: str) -> dict | None:
            nonlocal fetched
            item = self.client.model(model_id)
            key = model_id.lower()
            fetched += 1
            if item is None:
                self.done.missing.append(model_id)
                known = self.store.scalar(
                    "SELECT count(*) FROM models WHERE model_key = ? AND has_record AND NOT coalesce(deleted, false)", [key])
                self._commit([], f"{self.client.endpoint}/api/models/{model_id} (crawl run {self.run_id})", 0,
                             {"_page": False}, deleted_keys=[key] if known else [])
            else:
                self._commit([item], f"{self.client.endpoint}/api/models/{model_id} (crawl run {self.run_id})",
                             fetched, {"_page": False})
            self._tick("fetching models", fetched, None)
            return item

        queue = list(ids)
        while queue:
            model_id = queue.pop(0)
            if model_id.lower() in done_keys:
                continue
            done_keys.add(model_id.lower())
            item = store_one(model_id)
            if item is not None and ancestors:
                queue.extend(p for p in item_parents(item) if p.lower() not in done_keys)
        frontier = [i for i in ids]
        for _level in range(descendants):
            children: list[str] = []
            for parent in frontier:
                params = self.client.list_params(filters=[f"base_model:{parent}"])
                for page in self.client.pages(params):
                    new = [i for i in page.items if _key(i) and _key(i) not in done_keys]
                    for i in new:
                        done_keys.add(_key(i))
                        children.append(i["id"])
                    fetched += len(new)
                    self._commit(new, f"{page.url} (crawl run {self.run_id}, descendants of {parent})",
                                 fetched - len(new) + 1, {"_page": True})
                    self._tick("fetching models", fetched, None)
            frontier = children
        self.done.stop = "done"
        return self.done


def walk_ancestors(client: HubClient, ids: list[str], known: set[str], max_models: int = 64
                   ) -> Iterator[tuple[str, dict | None, str | None]]:
    """(id, Hub record or None on 404, error or None) for `ids` and their ancestors,
    breadth-first, skipping lower-case keys in `known`; used by `check --online`."""
    queue = list(ids)
    seen = set(known)
    fetched = 0
    while queue and fetched < max_models:
        model_id = queue.pop(0)
        if model_id.lower() in seen:
            continue
        seen.add(model_id.lower())
        fetched += 1
        try:
            item = client.model(model_id)
        except HubError as exc:
            yield model_id, None, str(exc)
            continue
        yield model_id, item, None if item is not None else "not found on the Hub (404)"
        if item is not None:
            queue.extend(p for p in item_parents(item) if p.lower() not in seen)
