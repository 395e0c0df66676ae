"""`crawl` against a fake Hub on 127.0.0.1 serving the real sample records.

Nothing here reaches beyond 127.0.0.1 (a socket guard fails any other connection), and
nothing sleeps: huggingface_hub's backoff and the crawler's own waits are recorded instead.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from conftest import HUB_TOKEN as TOKEN
from conftest import load_sample, sample_hub_items
from fakehub import FakeHub, api_item
from licensegraph.api.crawl import crawl
from licensegraph.sources.hub_client import EXPAND, HubClient
from licensegraph.sources.hub_crawl import CrawlError, CrawlOptions
from licensegraph.store import runs as run_store
from licensegraph.store.db import Store

# What the store needs of each model, as the Hub API names it (issue: card data, tags,
# created/last modified, downloads, likes, library, pipeline tag, gated, sha; and the
# author, private and disabled flags the models table keeps).
STORE_FIELDS = {"cardData", "tags", "createdAt", "lastModified", "downloads", "likes", "library_name",
                "pipeline_tag", "gated", "sha", "author", "private", "disabled"}
TABLES = {  # what a store holds that matters, and the columns that name where a row came from
    "models": "EXCLUDE (record_hash, record_source)",
    # integer ids are identity, numbered in the order models were first stored: a resumed crawl and
    # an ingest store the same models in another order
    "edges": "EXCLUDE (child_uid, parent_uid)",
    "model_licenses": "EXCLUDE (uid)",
    "lineage_issues": "",
    "finding_rows": "",
    "rule_counts": "",
}

@functools.lru_cache(maxsize=1)
def _sample() -> tuple[dict, ...]:
    return tuple(load_sample().values())


def sample_records() -> list[dict]:
    return list(_sample())


def tables(store: Store) -> dict[str, list]:
    out = {t: sorted(map(repr, store.execute(f"SELECT * {excl} FROM {t}").fetchall())) for t, excl in TABLES.items()}
    out["rejects"] = sorted(map(repr, store.execute("SELECT model_id, part, reason FROM rejects").fetchall()))
    return out


def assert_same(a: dict, b: dict) -> None:
    for table in a:
        assert len(a[table]) == len(b[table]), table
        assert a[table] == b[table], table


def client(clock, **kw) -> HubClient:
    kw.setdefault("page_size", 100)
    kw.setdefault("timeout", 0.5)
    return HubClient(sleep=clock.sleep, **kw)


@pytest.fixture(scope="module")
def reference(sample_run_db) -> dict:
    """What `ingest` of the sample stores, as a run (rebuilt and audited): conftest's shared store."""
    with Store(sample_run_db, read_only=True) as store:
        return tables(store)


@pytest.fixture(scope="module")
def first_crawl(tmp_path_factory):
    """A full crawl of the fake Hub (pages of 100) into a store: (db path, report, requests)."""
    import shutil  # noqa: F401 - used by crawled_copy

    from huggingface_hub.utils import _http

    from conftest import Clock

    path = tmp_path_factory.mktemp("first") / "crawl.duckdb"
    clock = Clock()
    with pytest.MonkeyPatch.context() as mp, FakeHub.from_items(sample_hub_items()) as fake:
        mp.setattr(_http, "time", clock)
        mp.setenv("HF_TOKEN", TOKEN)
        mp.delenv("HF_HUB_OFFLINE", raising=False)
        store = Store(path)
        report = crawl(store, client=HubClient(endpoint=fake.url, page_size=100, sleep=clock.sleep))
        store.close()
        return path, report, list(fake.requests), clock.waits


@pytest.fixture
def crawled(first_crawl, tmp_path) -> Store:
    """A writable copy of the first crawl's store."""
    import shutil

    copy = tmp_path / "crawled.duckdb"
    shutil.copyfile(first_crawl[0], copy)
    store = Store(copy)
    yield store
    store.close()


# --------------------------------------------------------------------------- the fake Hub itself


def test_fake_hub_speaks_what_huggingface_hub_reads(hub, clock):
    from huggingface_hub import HfApi
    from huggingface_hub.errors import RepositoryNotFoundError

    api = HfApi(endpoint=hub.url)
    infos = list(api.list_models(expand=list(EXPAND), sort="last_modified"))
    assert len(infos) == len(sample_records()) == 1982
    assert hub.count("list") == 2  # 1,000 per page, followed through the Link header
    by_id = {i.id: i for i in infos}
    rec = next(r for r in sample_records() if r["id"] == "epfl-llm/meditron-7b")
    info = by_id[rec["id"]]
    assert info.sha == rec["sha"] and info.tags == rec["tags"]
    assert info.last_modified.isoformat() == rec["last_modified"].replace(" ", "T")
    assert info.card_data.to_dict() == {k: v for k, v in yaml.safe_load(rec["card_data"]).items() if v is not None}
    times = [i.last_modified for i in infos]
    assert times == sorted(times, reverse=True)  # newest-modified first
    assert api.model_info(rec["id"]).sha == rec["sha"]
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("nobody/no-such-model")
    assert {r.headers.get("authorization") for r in hub.requests} == {f"Bearer {TOKEN}"}


def test_fake_hub_filters_like_the_hub(hub, clock):
    from huggingface_hub import HfApi

    api = HfApi(endpoint=hub.url)
    author = [m.id for m in api.list_models(author="microsoft")]
    assert author and all(m.lower().startswith("microsoft/") for m in author)
    search = [m.id for m in api.list_models(search="gguf")]
    assert search and all("gguf" in m.lower() for m in search)
    children = [m.id for m in api.list_models(filter="base_model:microsoft/phi-2")]
    expected = [r["id"] for r in sample_records() if "base_model:microsoft/phi-2" in r["tags"]]
    assert sorted(children) == sorted(expected) and len(children) > 50


# --------------------------------------------------------------------------- full crawl = ingest


def test_full_crawl_stores_what_ingest_stores(first_crawl, reference):
    path, result, requests, waits = first_crawl
    assert (result.records, result.stored, result.pages, result.stop_reason) == (1982, 1982, 20, "end of listing")
    store = Store(path, read_only=True)
    assert_same(tables(store), reference)
    lists = [r for r in requests if r.endpoint == "list"]
    assert len(lists) == len(requests) == result.requests == 20
    first = lists[0].query
    assert set(first["expand[]"]) == set(EXPAND) == STORE_FIELDS
    assert (first["sort"], first["direction"], first["limit"]) == (["lastModified"], ["-1"], ["100"])
    assert all("cursor" in r.query for r in lists[1:])  # followed the Link cursor
    assert {r.headers.get("authorization") for r in requests} == {f"Bearer {TOKEN}"}
    assert waits == []
    run = run_store.get_run(store, result.run_id)
    assert (run.kind, run.status, run.listing_done, run.cursor) == ("crawl", "complete", True, None)
    assert run.checkpoint.isoformat() == max(r["last_modified"] for r in sample_records()).replace(" ", "T")
    store.close()


def test_every_scripted_fault_is_survived(hub, clock, tmp_path, reference):
    hub.stall_seconds = 4.0  # well past the client's timeout, which a good page never reaches even under load
    hub.script("429", nth=2, retry_after=7)
    hub.script("500", nth=4, times=2)
    hub.script("stall", nth=7)
    hub.script("truncate", nth=9)
    hub.script("malformed", nth=12)
    hub.script("malformed", nth=14, times=2)
    store = Store(tmp_path / "faults.duckdb")
    c = client(clock, timeout=1.0)
    result = crawl(store, client=c)
    assert result.records == 1982
    assert_same(tables(store), reference)
    fired = [f.kind for f in hub.faults for _ in range(f.fired)]
    assert fired == ["429", "500", "500", "stall", "truncate", "malformed", "malformed", "malformed"]
    # huggingface_hub's backoff honoured Retry-After (7 s + its 1 s margin) and backed off
    # on 5xx, timeouts and the cut connection; the crawler's own retry took the bad JSON.
    assert 8 in clock.waits
    assert c.retried_pages == 3
    assert hub.count("list", fault=False) == 20  # each page served well exactly once


def test_bounded_attempts_then_a_clear_error_and_a_resume(hub, clock, tmp_path, reference):
    store = Store(tmp_path / "down.duckdb")
    fault = hub.script("500", nth=4, times=100)  # the Hub goes down at page 4
    with pytest.raises(CrawlError) as err:
        crawl(store, client=client(clock, max_retries=3, page_size=200))
    message = str(err.value)
    assert "HTTP 500 after 4 attempts" in message
    assert "Stored so far by crawl run 1: 600 models over 3 pages" in message
    assert "again to resume" in message
    assert store.scalar("SELECT count(*) FROM models") == 600
    assert run_store.get_run(store, 1).status == "running"
    fault.times = 0  # the Hub is back
    served_before = hub.count("list", fault=False)
    result = crawl(store, client=client(clock, page_size=200))
    assert result.resumed and result.run_id == 1
    assert hub.count("list", fault=False) - served_before == 7  # pages 4..10 only
    assert_same(tables(store), reference)


def test_a_page_that_stays_malformed_ends_with_the_error(hub, clock, tmp_path):
    hub.script("malformed", nth=3, times=100)
    store = Store(tmp_path / "bad.duckdb")
    with pytest.raises(CrawlError, match="was not valid JSON after 6 attempts"):
        crawl(store, client=client(clock))
    assert store.scalar("SELECT count(*) FROM models") == 200
    assert len([w for w in clock.waits]) == 5


def test_offline_mode_is_a_clear_error(hub, clock, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(Exception, match="HF_HUB_OFFLINE is set"):
        crawl(Store(tmp_path / "off.duckdb"), client=client(clock))
    assert hub.requests == []


# --------------------------------------------------------------------------- killed and resumed

CHILD = textwrap.dedent("""
    import sys
    from licensegraph.api import LicenseGraph
    from licensegraph.sources.hub_client import HubClient
    with LicenseGraph(sys.argv[1]) as lg:
        result = lg.crawl(client=HubClient(page_size=200, timeout=10), step_pages=3)
    print(result.run_id, result.resumed, result.records)
""")


def _run_child(db: Path, hub: FakeHub, kill_point: str | None = None, kill_at_request: int | None = None):
    env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN, "HF_HUB_DISABLE_TELEMETRY": "1"}
    env.pop("HF_HUB_OFFLINE", None)
    env.pop("LICENSEGRAPH_KILL_AT", None)
    if kill_point:
        env["LICENSEGRAPH_KILL_AT"] = kill_point
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(db)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = {"n": 0}

    def on_request(req):
        if req.endpoint == "list":
            seen["n"] += 1
            if seen["n"] == kill_at_request:
                proc.send_signal(signal.SIGKILL)  # while it waits for this page

    hub.on_request = on_request
    out, errors = proc.communicate(timeout=180)
    hub.on_request = None
    return proc.returncode, out, errors


def test_sigkill_at_several_moments_then_resume_equals_an_uninterrupted_crawl(hub, tmp_path, reference):
    """Pages of 200 (10 in all), written in steps of 3 pages. Killed: after page 4 was
    committed in a step not yet renamed; while waiting for a page; just after a step was
    renamed; inside the final audit. Then resumed to the end."""
    db = tmp_path / "killed.duckdb"
    for point, request in (("crawl-page-committed:4", None), (None, 3), ("renamed:1", None), ("audit-evaluated", None)):
        code, _, errors = _run_child(db, hub, point, request)
        assert code == -signal.SIGKILL, errors
    code, out, errors = _run_child(db, hub)
    assert code == 0, errors
    assert out.split() == ["1", "True", "1982"]
    served = [r for r in hub.requests if r.endpoint == "list"]
    # pages of durable steps were never asked for again: 10 pages, plus those of the 4 lost steps
    assert len(served) == 15
    store = Store(db, read_only=True)
    assert_same(tables(store), reference)
    assert store.scalar("SELECT count(*) FROM crawl_seen WHERE run_id = 1") == 1982  # each model stored once
    run = run_store.get_run(store, 1)
    assert (run.status, run.pages, run.records) == ("complete", 10, 1982)
    store.close()
    assert not list(tmp_path.glob("killed.duckdb.writing-*"))


# --------------------------------------------------------------------------- incremental, changes, deletions


def _license_of(store: Store, model_id: str) -> str:
    return store.scalar("SELECT license FROM model_licenses WHERE model_key = ?", [model_id.lower()])


def _finding_keys(store: Store) -> set:
    return set(store.execute("SELECT DISTINCT view, rule_id, label, model_id FROM finding_rows").fetchall())


def test_incremental_crawl_asks_only_for_the_new_pages_and_changes_says_what_moved(hub, clock, crawled):
    store = crawled
    before = _finding_keys(store)
    # a llama2 finetune relicensed mit (drops Llama's license), a mit model relicensed
    # cc-by-nc-4.0, and one whose license is unchanged but whose card moved
    changed = {
        "AGBonnet/medinote-7b": "mit",
        "epfl-llm/meditron-7b": "cc-by-nc-4.0",
        "microsoft/phi-2": None,
    }
    old = {m: _license_of(store, m) for m in changed}
    for i, (model_id, lic) in enumerate(changed.items()):
        hub.modify(model_id, f"2025-06-0{i + 1}T00:00:00.000Z", card={"license": lic} if lic else None)
    hub.requests.clear()
    result = crawl(store, client=client(clock, page_size=2))
    assert result.stop_reason == "checkpoint"
    assert hub.count("list") == 2  # [c, c] and [c, older]: the two pages that hold them
    assert result.updated == 3 and result.stored == 0

    report = run_store.net_changes(store, (result.run_id,))
    relicensed = {(c["model_id"], c["before_value"], c["after_value"]) for c in report if c["change"] == "relicensed"}
    assert relicensed == {(m, old[m], _license_of(store, m)) for m, lic in changed.items() if lic}
    assert all(c["entity"] != "edge" for c in report)
    assert not [c for c in report if c["entity"] == "model" and c["change"] != "relicensed"]
    after = _finding_keys(store)
    appeared = {(c["view"], c["rule_id"], c["label"], c["model_id"]) for c in report if c["change"] == "appeared"}
    resolved = {(c["view"], c["rule_id"], c["label"], c["model_id"]) for c in report if c["change"] == "resolved"}
    assert appeared == after - before and resolved == before - after
    assert appeared  # the relicensing creates findings


def test_full_crawl_marks_a_removed_model_deleted_only_after_its_404(hub, clock, crawled):
    store = crawled
    gone = "AGBonnet/medinote-7b"
    hub.remove(gone)
    moved = "0x6e676e/generate-context"

    def move_during_crawl(req):  # modified while the crawl is half way: it jumps to the top
        if req.endpoint == "list" and "cursor" in req.query and hub.on_request is not None:
            hub.on_request = None
            hub.modify(moved, "2025-07-01T00:00:00.000Z")

    hub.requests.clear()
    hub.on_request = move_during_crawl
    result = crawl(store, opts=CrawlOptions(full=True), client=client(clock, page_size=500))
    asked = sorted(r.path for r in hub.requests if r.endpoint == "model")
    assert asked == sorted([f"/api/models/{gone}", f"/api/models/{moved}"])
    assert result.deleted == 1 and result.confirmed_present == 1
    assert store.scalar("SELECT deleted FROM models WHERE model_key = ?", [gone.lower()]) is True
    assert store.scalar("SELECT deleted FROM models WHERE model_key = ?", [moved.lower()]) is False
    report = run_store.net_changes(store, (result.run_id,))
    models = [(c["change"], c["model_id"]) for c in report if c["entity"] == "model"]
    assert models == [("deleted", gone)]
    assert {c["change"] for c in report if c["entity"] == "edge"} == {"removed"} or not [
        c for c in report if c["entity"] == "edge"]


def test_crawl_model_with_ancestors_stores_the_chain_and_nothing_else(hub, clock, tmp_path):
    store = Store(tmp_path / "chain.duckdb")
    chain = ["AGBonnet/medinote-7b", "epfl-llm/meditron-7b", "meta-llama/Llama-2-7b"]
    result = crawl(store, client=client(clock), models=[chain[0]], ancestors=True)
    assert sorted(r[0] for r in store.execute("SELECT id FROM models").fetchall()) == sorted(chain)
    assert [r.path for r in hub.requests] == [f"/api/models/{m}" for m in chain]
    edges = store.execute("SELECT child_id, parent_id FROM edges ORDER BY child_id").fetchall()
    assert edges == [(chain[0], chain[1]), (chain[1], chain[2])]
    assert result.missing == ()


def test_crawl_model_descendants_and_a_404(hub, clock, tmp_path):
    store = Store(tmp_path / "desc.duckdb")
    result = crawl(store, client=client(clock), models=["microsoft/phi-2"], descendants=1)
    children = {r["id"] for r in sample_records() if "base_model:microsoft/phi-2" in r["tags"]}
    stored = {r[0] for r in store.execute("SELECT id FROM models").fetchall()}
    assert stored == children | {"microsoft/phi-2"}
    assert all(r.query.get("filter") == ["base_model:microsoft/phi-2"] for r in hub.requests if r.endpoint == "list")
    hub.remove("microsoft/phi-2")
    result = crawl(store, client=client(clock), models=["microsoft/phi-2"])
    assert result.missing == ("microsoft/phi-2",) and result.deleted == 1
    assert store.scalar("SELECT deleted FROM models WHERE model_key = 'microsoft/phi-2'") is True


def test_audit_as_of_a_run(hub, clock, crawled, first_crawl):
    store = crawled
    first = first_crawl[1]
    counts_first = sorted(map(repr, store.execute("SELECT * FROM rule_counts").fetchall()))
    hub.modify("AGBonnet/medinote-7b", "2025-06-01T00:00:00.000Z", card={"license": "mit"})
    crawl(store, client=client(clock))
    assert sorted(map(repr, run_store.rule_counts_as_of(store, first.run_id))) == counts_first
    assert sorted(map(repr, store.execute("SELECT * FROM rule_counts").fetchall())) != counts_first


def test_api_item_keeps_every_field_the_store_reads():
    rec = next(r for r in sample_records() if r["gated"] == "manual")
    item = api_item(rec)
    assert set(EXPAND) <= set(item) | {"library_name", "pipeline_tag"}
    assert json.loads(json.dumps(item)) == item


def test_author_search_limit_and_since(hub, clock, tmp_path):
    store = Store(tmp_path / "scoped.duckdb")
    result = crawl(store, CrawlOptions(author="microsoft"), client=client(clock))
    ids = [r[0] for r in store.execute("SELECT id FROM models").fetchall()]
    expected = {r["id"] for r in sample_records() if r["author"] == "microsoft"}
    assert set(ids) == expected and result.records == len(expected)
    assert all(r.query.get("author") == ["microsoft"] for r in hub.requests if "cursor" not in r.query)

    result = crawl(store, CrawlOptions(search="llama", limit=30), client=client(clock, page_size=20))
    assert (result.records, result.stop_reason, result.pages) == (30, "limit", 2)
    assert run_store.get_run(store, result.run_id).checkpoint is None  # a cut-short listing is no checkpoint
    assert all("llama" in i.lower() for (i,) in store.execute(
        "SELECT id FROM models WHERE model_key IN (SELECT model_key FROM crawl_seen WHERE run_id = ?)",
        [result.run_id]).fetchall())

    hub.requests.clear()
    newest = sorted((r["last_modified"] for r in sample_records()), reverse=True)
    since = newest[25]  # 25 models are newer than this
    import datetime as dt

    result = crawl(store, CrawlOptions(since=dt.datetime.fromisoformat(since)), client=client(clock, page_size=10))
    assert result.stop_reason == "checkpoint" and hub.count("list") == 3 and result.records == 30


def test_ctrl_c_keeps_what_was_stored_and_the_crawl_resumes(hub, clock, tmp_path, reference):
    from licensegraph.api import LicenseGraph

    db = tmp_path / "interrupted.duckdb"

    def interrupt(phase, done, total):
        if phase == "listing" and done >= 1000:
            raise KeyboardInterrupt

    with LicenseGraph(db) as lg, pytest.raises(KeyboardInterrupt):
        lg.crawl(client=client(clock, page_size=200), progress=interrupt, step_pages=100)
    store = Store(db, read_only=True)
    assert store.scalar("SELECT count(*) FROM models") == 1000  # the pages before Ctrl-C are kept
    store.close()
    hub.requests.clear()
    with LicenseGraph(db) as lg:
        result = lg.crawl(client=client(clock, page_size=200))
    assert result.resumed and hub.count("list") == 5
    store = Store(db, read_only=True)
    assert_same(tables(store), reference)
    store.close()
