"""Shared fixtures: real Hub data from ../shared/data, stores built from it, record helpers.

The ingested and audited sample is built ONCE per test run (`sample_db`, a store file) and
shared: `sample_store` opens it read-only, so no test can change it; a test that needs to
write gets its own copy from `sample_copy`.
"""

from __future__ import annotations

import copy
import gzip
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from licensegraph.api.ingest import ingest
from licensegraph.rules.engine import run_audit
from licensegraph.store.db import Store

SHARED = Path(os.environ.get("LICENSEGRAPH_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
SAMPLE = SHARED / "hub-sample-2025.jsonl.gz"
# The synthetic-Hub generator is a benchmark tool under bench/ (not installed): tests import it from there.
BENCH = Path(__file__).resolve().parents[1] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))
LINEAGE = SHARED / "hub-lineage-2025.csv.gz"
DATASETS = SHARED / "hub-datasets-sample-2025.jsonl.gz"


def load_sample() -> dict[str, dict]:
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as fh:
        return {rec["id"]: rec for rec in map(json.loads, fh)}


_SAMPLE_CACHE: dict[str, dict] = {}


def real_record(model_id: str) -> dict:
    """A deep copy of a real record from the sample, to use as is or to alter one field."""
    if not _SAMPLE_CACHE:
        _SAMPLE_CACHE.update(load_sample())
    return copy.deepcopy(_SAMPLE_CACHE[model_id])


def write_jsonl(path: Path, records: list, gz: bool = False) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    data = ("\n".join(lines) + "\n").encode()
    if gz:
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


def record(model_id: str, card: dict | str | None = None, tags: list[str] | None = None, **fields) -> dict:
    """A hand-made Hub record with the sample's fields."""
    rec = {
        "id": model_id, "author": model_id.split("/")[0], "sha": "0" * 40,
        "created_at": "2025-01-01 00:00:00+00:00", "last_modified": "2025-01-02 00:00:00+00:00",
        "private": False, "gated": False, "disabled": False, "downloads": 0, "likes": 0,
        "library_name": None, "pipeline_tag": None, "tags": tags or [], "card_data": card,
    }
    rec.update(fields)
    return rec


@pytest.fixture
def store(tmp_path) -> Store:
    s = Store(tmp_path / "test.duckdb")
    yield s
    s.close()


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory) -> Path:
    """The sample, ingested and audited (every rule, both views), as a store file. Read only."""
    path = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    with Store(path) as s:
        ingest(s, [SAMPLE])
        run_audit(s)
    path.chmod(0o444)  # a test that tries to write to the shared store fails loudly
    return path


@pytest.fixture(scope="session")
def sample_store(sample_db) -> Store:
    """The shared sample store, opened read-only (use `sample_copy` to write)."""
    s = Store(sample_db, read_only=True)
    yield s
    s.close()


#: The real mit model of the sample (a Phi-2 finetune with 8 children) that the second
#: run of `runs_db` relicenses.
RELICENSED = "BramVanroy/fietje-2"
RELICENSED_FROM = "mit"
RELICENSED_TO = "cc-by-nc-4.0"


@pytest.fixture(scope="session")
def runs_db(sample_db, tmp_path_factory) -> Path:
    """The sample as two recorded runs: run 1 ingests it whole (everything is new), run 2
    relicenses RELICENSED from mit to cc-by-nc-4.0 (its derivatives now drop an NC term).
    Read only, like sample_db."""
    from licensegraph.api.crawl import ingest_run

    rec = real_record(RELICENSED)
    assert f"license: {RELICENSED_FROM}" in rec["card_data"]
    rec["card_data"] = rec["card_data"].replace(f"license: {RELICENSED_FROM}", f"license: {RELICENSED_TO}")
    rec["tags"] = [f"license:{RELICENSED_TO}" if t == f"license:{RELICENSED_FROM}" else t for t in rec["tags"]]
    rec["last_modified"] = "2025-05-01 00:00:00+00:00"
    root = tmp_path_factory.mktemp("runs")
    path = root / "runs.duckdb"
    shutil.copyfile(sample_db, path)
    path.chmod(0o644)
    with Store(path) as s:
        ingest_run(s, [SAMPLE])
        ingest_run(s, [write_jsonl(root / "relicensed.jsonl", [rec])])
    path.chmod(0o444)
    return path


@pytest.fixture
def sample_copy(sample_db, tmp_path) -> Path:
    """A writable copy of the shared sample store file, for tests that change it."""
    path = tmp_path / "sample-copy.duckdb"
    shutil.copyfile(sample_db, path)
    path.chmod(0o644)
    return path


@pytest.fixture(scope="session")
def full_store(tmp_path_factory) -> Store:
    """The sample plus the 535k-row lineage file (ingested once per run)."""
    path = tmp_path_factory.mktemp("full") / "full.duckdb"
    s = Store(path)
    ingest(s, [SAMPLE, LINEAGE])
    yield s
    s.close()


# --------------------------------------------------------------------------- a fake Hub on 127.0.0.1

HUB_TOKEN = "hf_fake_token_for_tests"
_HUB_ITEMS: list[str] = []


def sample_hub_items() -> list[dict]:
    """The sample as the Hub API shows it (converted once; a fresh copy per call)."""
    from fakehub import api_item

    if not _HUB_ITEMS:
        _HUB_ITEMS.extend(json.dumps(api_item(r)) for r in load_sample().values())
    return [json.loads(i) for i in _HUB_ITEMS]


@pytest.fixture
def only_localhost(monkeypatch):
    """Fail any connection to, or name lookup of, a host other than 127.0.0.1 (the real Hub, telemetry)."""
    import socket

    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1"):
            raise AssertionError(f"a test tried to reach {address}")
        return real_connect(self, address)

    def getaddrinfo(host, *args, **kw):
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise AssertionError(f"a test tried to resolve {host}")
        return real_getaddrinfo(host, *args, **kw)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


class Clock:
    """Stands in for the `time` module of huggingface_hub's backoff: records waits, never waits."""

    def __init__(self):
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    @staticmethod
    def time() -> float:
        import time

        return time.time()


@pytest.fixture
def clock(monkeypatch) -> Clock:
    from huggingface_hub.utils import _http

    c = Clock()
    monkeypatch.setattr(_http, "time", c)
    return c


def _hub_env(monkeypatch, url: str) -> None:
    from huggingface_hub import constants

    monkeypatch.setenv("HF_ENDPOINT", url)
    monkeypatch.setenv("HF_TOKEN", HUB_TOKEN)
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)


@pytest.fixture
def hub(monkeypatch, only_localhost):
    """The fake Hub serving the sample, with HF_ENDPOINT and HF_TOKEN pointing at it."""
    from fakehub import FakeHub

    with FakeHub.from_items(sample_hub_items()) as fake:
        _hub_env(monkeypatch, fake.url)
        yield fake


@pytest.fixture
def empty_hub(monkeypatch, only_localhost):
    """The fake Hub with no models (a test puts its own), HF_ENDPOINT pointing at it."""
    from fakehub import FakeHub

    with FakeHub() as fake:
        _hub_env(monkeypatch, fake.url)
        yield fake
