"""`crawl --datasets` against the fake Hub on 127.0.0.1 serving the real dataset sample.

The store holds the real model sample (841 models name 343 datasets); the fake Hub serves
the 40 real dataset records of `hub-datasets-sample-2025.jsonl.gz` where huggingface_hub
asks for them (`/api/datasets/{id}`, the card's README.md). Nothing reaches beyond
127.0.0.1, and nothing sleeps (the backoff's waits are recorded).
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
from typer.testing import CliRunner

from conftest import DATASETS, HUB_TOKEN, writable_copy
from fakehub import FakeHub, load_records
from licensegraph.api.crawl import crawl_datasets
from licensegraph.cli import app
from licensegraph.sources.hub_client import DATASET_EXPAND, HubClient
from licensegraph.sources.hub_crawl import CrawlError
from licensegraph.store import runs as run_store
from licensegraph.store.db import Store

NAMED = 343  # distinct dataset ids the sample's models name (card datasets: and dataset: tags)
DATA_TABLES = {  # what a dataset record turns into; record_hash/source name where it came from
    "datasets": "EXCLUDE (record_hash, record_source)",
    "data_edges": "",
    "dataset_licenses": "",
    "data_rule_counts": "",
}


@functools.lru_cache(maxsize=1)
def _dataset_records() -> tuple[dict, ...]:
    return tuple(load_records(DATASETS))


def dataset_records() -> list[dict]:
    return [dict(r) for r in _dataset_records()]


def data_tables(store: Store) -> dict[str, list]:
    out = {t: sorted(map(repr, store.execute(f"SELECT * {excl} FROM {t}").fetchall()))
           for t, excl in DATA_TABLES.items()}
    out["data_findings"] = sorted(map(repr, store.execute(
        "SELECT * FROM finding_rows WHERE rule_id LIKE 'data-%' OR rule_id LIKE 'output-%'").fetchall()))
    return out


@pytest.fixture(scope="module")
def models_only(sample_run_db) -> Path:
    """A store of the model sample, no dataset record (ingested as a run, audited): conftest's shared store."""
    return sample_run_db


@pytest.fixture(scope="module")
def reference(data_run_db) -> dict:
    """What `ingest` of the model sample and the dataset file stores (as a run: conftest's shared store)."""
    with Store(data_run_db, read_only=True) as store:
        return data_tables(store)


@pytest.fixture
def store(models_only, tmp_path) -> Store:
    s = Store(writable_copy(models_only, tmp_path / "store.duckdb"))
    yield s
    s.close()


@pytest.fixture
def dhub(hub) -> FakeHub:
    """The fake Hub serving the model sample and the 40 real dataset records."""
    return hub.put_datasets(dataset_records())


def client(clock, **kw) -> HubClient:
    kw.setdefault("timeout", 2.0)
    kw.setdefault("file_rate", 0)  # READMEs are repo files: no rate limit here, so the waits are the backoff's
    return HubClient(sleep=clock.sleep, **kw)


def asked(hub: FakeHub) -> list[str]:
    """Dataset ids whose record was asked for, in order."""
    return [r.path[len("/api/datasets/"):] for r in hub.requests if r.endpoint == "dataset"]


# --------------------------------------------------------------------------- the fake Hub itself


def test_fake_hub_serves_datasets_as_huggingface_hub_reads(dhub, clock, tmp_path):
    from huggingface_hub import DatasetCard, HfApi, hf_hub_download
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    api = HfApi(endpoint=dhub.url)
    listed = list(api.list_datasets(limit=None))
    assert sorted(d.id for d in listed) == sorted(r["id"] for r in dataset_records())
    rec = next(r for r in dataset_records() if r["id"] == "facebook/natural_reasoning")
    info = api.dataset_info(rec["id"], expand=list(DATASET_EXPAND))
    assert info.card_data.get("license") == "cc-by-nc-4.0" and info.tags == rec["tags"]
    # HEAD then GET of README.md at the revision, as from the Hub
    readme = hf_hub_download(rec["id"], "README.md", repo_type="dataset", endpoint=dhub.url, cache_dir=tmp_path)
    card = DatasetCard.load(readme, repo_type="dataset")
    assert card.data.get("license") == "cc-by-nc-4.0" and card.text.strip() == rec["card_text"].strip()
    with pytest.raises(RepositoryNotFoundError):
        api.dataset_info("nobody/no-such-dataset")
    dhub.deny("tatsu-lab/alpaca", 403)
    with pytest.raises(GatedRepoError):
        api.dataset_info("tatsu-lab/alpaca")
    assert {r.headers.get("authorization") for r in dhub.requests} == {f"Bearer {HUB_TOKEN}"}


# --------------------------------------------------------------------------- crawl --datasets = ingest


def test_crawl_datasets_stores_what_ingest_of_the_dataset_file_stores(dhub, clock, store, reference):
    before = store.execute("SELECT count(*) FROM datasets").fetchone()[0]
    report = crawl_datasets(store, client=client(clock))
    assert before == 0
    assert (report.mode, report.records, report.fetched, report.stored) == ("datasets", NAMED, 40, 40)
    assert (report.not_found, report.no_access, report.errors, report.skipped_missing) == (NAMED - 40, 0, 0, 0)
    # one record request per named dataset, one README per dataset found, nothing else
    assert report.requests == NAMED + 40 == len(dhub.requests)
    assert sorted(asked(dhub), key=str.lower) == sorted(asked(dhub), key=str.lower)
    assert len(set(map(str.lower, asked(dhub)))) == NAMED
    readmes = [r for r in dhub.requests if r.endpoint == "readme"]
    sha = {d["id"]: d["sha"] for d in dhub.datasets.values()}
    assert all(r.path.endswith(f"/resolve/{sha[r.path.split('/')[2] + '/' + r.path.split('/')[3]]}/README.md")
               for r in readmes if r.path.count("/") == 6)
    first = next(r for r in dhub.requests if r.endpoint == "dataset")
    assert set(first.query["expand[]"]) == set(DATASET_EXPAND)
    assert {r.headers.get("authorization") for r in dhub.requests} == {f"Bearer {HUB_TOKEN}"}
    assert clock.waits == []
    assert data_tables(store) == reference  # records, edges, licenses, findings: as ingest
    run = run_store.get_run(store, report.run_id)
    assert (run.kind, run.status, run.records, run.stored) == ("crawl", "complete", NAMED, 40)
    # every 404 is a counted problem with its reason, not an error
    assert len(report.problems) == NAMED - 40
    assert {(p.outcome, p.status) for p in report.problems} == {("not-found", 404)}
    assert all("HTTP 404" in p.reason for p in report.problems)


def test_a_second_run_asks_only_what_is_new(dhub, clock, store):
    crawl_datasets(store, client=client(clock))
    dhub.requests.clear()
    again = crawl_datasets(store, client=client(clock))
    # found datasets are stored, missing ones were found missing by a complete run
    assert (again.records, again.requests, again.skipped_missing) == (0, 0, NAMED - 40)
    dhub.put_dataset({"repo_type": "dataset", "id": "HuggingFaceH4/no_robots", "card_data": "license: cc-by-nc-4.0\n",
                      "card_text": "Written by skilled human annotators.", "tags": ["license:cc-by-nc-4.0"]})
    recheck = crawl_datasets(store, client=client(clock), recheck_missing=True)
    assert (recheck.records, recheck.fetched, recheck.not_found) == (NAMED - 40, 1, NAMED - 41)
    assert store.scalar("SELECT card_license FROM datasets WHERE id = 'HuggingFaceH4/no_robots'") == ["cc-by-nc-4.0"]


# --------------------------------------------------------------------------- not found, private, gated, errors


def test_404_401_403_and_a_gated_card_are_counted_not_fatal(dhub, clock, store):
    dhub.deny("facebook/natural_reasoning", 401)  # private (or gated, no token access)
    dhub.deny("ServiceNow-AI/R1-Distill-SFT", 403)  # gated, access not granted
    dhub.gate_card("tatsu-lab/alpaca")  # the record is public, its card is not
    report = crawl_datasets(store, client=client(clock))
    assert (report.fetched, report.not_found, report.no_access, report.errors) == (38, NAMED - 40, 2, 0)
    problems = {p.dataset_id: p for p in report.problems}
    assert (problems["facebook/natural_reasoning"].outcome, problems["facebook/natural_reasoning"].status) == (
        "no-access", 401)
    assert problems["ServiceNow-AI/R1-Distill-SFT"].status == 403
    assert "private or gated" in problems["ServiceNow-AI/R1-Distill-SFT"].reason
    alpaca = problems["tatsu-lab/alpaca"]
    assert alpaca.outcome == "fetched" and "stored without card text" in alpaca.reason
    row = store.execute("SELECT card_text, card_license FROM datasets WHERE id = 'tatsu-lab/alpaca'").fetchone()
    assert row == (None, ["cc-by-nc-4.0"])
    # no card text, so no generated-by edge from it; the license still decides the data rule
    assert not store.scalar("SELECT count(*) FROM data_edges WHERE child_id = 'tatsu-lab/alpaca'")
    assert store.scalar("SELECT count(*) FROM finding_rows WHERE ancestor_id = 'tatsu-lab/alpaca'") == 7
    assert not store.scalar("SELECT count(*) FROM datasets WHERE id = 'facebook/natural_reasoning'")
    assert run_store.get_run(store, report.run_id).status == "complete"
    # the next run asks again for the private and gated ones (a token may now see them), not the 404s
    dhub.denied.clear()
    dhub.requests.clear()
    again = crawl_datasets(store, client=client(clock))
    assert sorted(asked(dhub)) == ["ServiceNow-AI/R1-Distill-SFT", "facebook/natural_reasoning"]
    assert (again.fetched, again.skipped_missing) == (2, NAMED - 40)


def test_faults_are_retried_and_a_dataset_that_keeps_failing_is_an_error_with_its_reason(dhub, clock, store):
    # most-named first: argilla/dpo-mix-7k (found), generator (404), fka/awesome-chatgpt-prompts (found)
    dhub.script("500", on="dataset", nth=1, times=3)  # every attempt at the first (max_retries 2)
    dhub.script("429", on="dataset", nth=1, retry_after=3)  # then the second, once
    dhub.script("malformed", on="dataset", nth=2)  # then the third, once
    dhub.script("500", on="readme", nth=3)
    c = client(clock, max_retries=2)
    report = crawl_datasets(store, client=c)
    assert [f.fired for f in dhub.faults] == [3, 1, 1, 1]
    assert 4 in clock.waits and c.retried_pages == 1  # Retry-After (+1 s) and the bad JSON, asked again
    assert (report.fetched, report.errors, report.not_found) == (39, 1, NAMED - 40)
    [error] = [p for p in report.problems if p.outcome == "error"]
    assert error.dataset_id == "argilla/dpo-mix-7k" and error.status == 500
    assert "HTTP 500 after 3 attempts" in error.reason
    assert store.scalar("SELECT count(*) FROM datasets WHERE id = 'fka/awesome-chatgpt-prompts'") == 1
    assert run_store.get_run(store, report.run_id).status == "complete"
    # the failed dataset is asked again by the next run
    dhub.requests.clear()
    again = crawl_datasets(store, client=client(clock))
    assert asked(dhub) == [error.dataset_id] and (again.errors, again.fetched) == (0, 1)


def test_a_hub_that_goes_down_stops_the_run_which_then_resumes(dhub, clock, store):
    fault = dhub.script("500", on="dataset", nth=61, times=1000)
    with pytest.raises(CrawlError) as err:
        crawl_datasets(store, client=client(clock, max_retries=1), batch=20)
    message = str(err.value)
    assert "5 datasets in a row could not be read" in message and "again to resume" in message
    run = run_store.get_run(store, 2)
    assert run.status == "running" and run.records == 65  # 3 batches of 20, then 5 errors, all kept
    fault.times = 0
    dhub.requests.clear()
    report = crawl_datasets(store, client=client(clock), batch=20)
    assert report.resumed and report.run_id == 2
    assert len(asked(dhub)) == NAMED - 60  # the 5 failed are asked again, the 60 answered are not
    assert (report.records, report.fetched, report.errors) == (NAMED + 5, 40, 0)


def test_offline_mode_is_a_clear_error(dhub, clock, store, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(Exception, match="HF_HUB_OFFLINE is set"):
        crawl_datasets(store, client=client(clock))
    assert dhub.requests == []


# --------------------------------------------------------------------------- killed and resumed

CHILD = textwrap.dedent("""
    import sys
    from licensegraph.api import LicenseGraph
    from licensegraph.sources.hub_client import HubClient
    with LicenseGraph(sys.argv[1]) as lg:
        report = lg.crawl_datasets(client=HubClient(timeout=10), step_datasets=100, batch=50)
    print(report.run_id, report.resumed, report.records, report.fetched)
""")


def _run_child(db: Path, hub: FakeHub, kill_point: str | None = None):
    env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_TOKEN": HUB_TOKEN, "HF_HUB_DISABLE_TELEMETRY": "1"}
    env.pop("HF_HUB_OFFLINE", None)
    env.pop("LICENSEGRAPH_KILL_AT", None)
    if kill_point:
        env["LICENSEGRAPH_KILL_AT"] = kill_point
    proc = subprocess.run([sys.executable, "-c", CHILD, str(db)], env=env, capture_output=True, text=True,
                          timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def test_sigkill_mid_crawl_then_resume_asks_nothing_twice_that_was_stored(dhub, models_only, tmp_path, reference):
    """Batches of 50 datasets, write steps of 2 batches. Killed after the 3rd batch was
    committed in the 2nd step (not yet renamed: that step is lost), then resumed."""
    import shutil

    db = tmp_path / "killed.duckdb"
    shutil.copyfile(models_only, db)
    code, _, errors = _run_child(db, dhub, "crawl-datasets-committed:3")
    assert code == -signal.SIGKILL, errors
    first = asked(dhub)
    assert len(first) == 150
    code, out, errors = _run_child(db, dhub)
    assert code == 0, errors
    run_id, resumed, records, fetched = out.split()
    assert (resumed, int(records), int(fetched)) == ("True", NAMED, 40)
    second = asked(dhub)[150:]
    # the first step (100 datasets) was durable: none of it is asked again; the lost third batch is
    assert not set(first[:100]) & set(second)
    assert set(first[100:150]) <= set(second)
    assert len(second) == NAMED - 100
    store = Store(db, read_only=True)
    assert data_tables(store) == reference
    assert store.scalar("SELECT count(*) FROM dataset_fetches WHERE run_id = ?", [int(run_id)]) == NAMED
    store.close()
    assert not list(tmp_path.glob("killed.duckdb.writing-*"))


# --------------------------------------------------------------------------- the command


runner = CliRunner()


def cli(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_crawl_datasets_command_fills_stats_and_the_data_and_outputs_table(dhub, clock, models_only, tmp_path):
    import shutil

    db = tmp_path / "cli.duckdb"
    shutil.copyfile(models_only, db)
    stats_before = json.loads(cli("stats", "--db", db, "--json").output)["data"]
    audit_before = json.loads(cli("audit", "--db", db, "--format", "json").output)
    assert (stats_before["named"], stats_before["found"], stats_before["records"]) == (NAMED, 0, 0)
    assert stats_before["generated_by"] == {}

    dhub.deny("cognitivecomputations/dolphin-r1", 401)
    out = cli("crawl", "--db", db, "--datasets")
    assert out.exit_code == 0, out.output
    assert f"{NAMED} named datasets asked" in out.output
    assert "fetched 39" in out.output and "not found 303" in out.output and "private or gated 1" in out.output
    assert "cognitivecomputations/dolphin-r1" in out.output

    stats = json.loads(cli("stats", "--db", db, "--json").output)["data"]
    assert (stats["named"], stats["found"], stats["dangling"], stats["records"]) == (NAMED, 39, NAMED - 39, 39)
    assert stats_before["dangling_on_hub"] == {"not asked": NAMED}
    assert stats["dangling_on_hub"] == {"not-found": NAMED - 40, "no-access": 1}  # what the Hub answered
    assert stats["licensed"] == 35  # 36 of the 40 records resolve; dolphin-r1 (apache-2.0) is not stored
    # generated-by edges by evidence kind: dolphin-r1's card text is not there (9 -> 7 from card text)
    assert stats["generated_by"] == {"card_text": 7, "name": 2, "tags": 1}
    text = cli("stats", "--db", db).output
    assert "found (record in the store)" in text and "generated-by from card_text" in text
    assert "dangling, not on the Hub (404)" in text and "dangling, private or gated (401/403)" in text

    audit = json.loads(cli("audit", "--db", db, "--format", "json").output)
    rows = {r["rule_id"]: r for r in audit["data_rows"]}
    before = {r["rule_id"]: r for r in audit_before["data_rows"]}
    assert (before["data-terms-dropped"]["noncompliant"], before["output-name-prefix"]["noncompliant"]) == (0, 0)
    assert (rows["data-terms-dropped"]["noncompliant"], rows["data-terms-dropped"]["qualifying"]) == (20, 24)
    assert (rows["output-name-prefix"]["noncompliant"], rows["output-name-prefix"]["qualifying"]) == (10, 10)
    assert audit["rows"] == audit_before["rows"]  # the study table is about weights: unchanged
    markdown = cli("audit", "--db", db, "--format", "markdown").output
    assert "| output-name-prefix | violation | 10 (100.0%) | 10 | 1 |" in markdown

    changes = json.loads(cli("changes", "--db", db, "--format", "json").output)
    assert changes["totals"]["findings_appeared"] >= 30

    dhub.denied.clear()
    again = cli("crawl", "--db", db, "--datasets", "--json")
    report = json.loads(again.output)
    assert (report["mode"], report["records"], report["fetched"], report["skipped_missing"]) == (
        "datasets", 1, 1, NAMED - 40)
    assert cli("crawl", "--db", db, "--recheck-missing").exit_code == 2


def test_crawl_model_then_its_datasets_in_one_command(dhub, clock, tmp_path):
    db = tmp_path / "one.duckdb"
    out = cli("crawl", "--db", db, "--model", "Duckets/Duckbot1", "--datasets", "--json")
    assert out.exit_code == 0, out.output
    models, datasets = json.loads(out.output)
    assert (models["mode"], models["records"]) == ("models", 1)
    # it names facebook/natural_reasoning and Congliu/Chinese-DeepSeek-R1-Distill-data-110k
    assert (datasets["mode"], datasets["records"], datasets["fetched"]) == ("datasets", 2, 2)
    explained = cli("explain", "--db", db, "Duckets/Duckbot1").output
    assert "facebook/natural_reasoning" in explained and "output-name-prefix" in explained
