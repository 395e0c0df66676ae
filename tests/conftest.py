"""Shared fixtures: real Hub data from ../shared/data, stores built from it, record helpers.

The stores many tests read (the ingested and audited sample `sample_db`, the sample as two
runs `runs_db`, the sample with the dataset file `data_db`, the sample plus the lineage file
`full_store`, ...) are built ONCE per test run, by whichever xdist worker asks first, and
shared as read-only files: `sample_store` opens one read-only, so no test can change it; a
test that needs to write gets its own copy (`sample_copy`, `writable_copy`): copying a store
file costs milliseconds, building it seconds.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
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


# --------------------------------------------------------------------------- stores built once per run


def run_folder(tmp_path_factory) -> Path:
    """A folder of this test run that every xdist worker sees (each worker's base temp
    folder is a subfolder of the run's); without xdist, the run's own base temp folder."""
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "built-once"
    folder.mkdir(exist_ok=True)
    return folder


@contextlib.contextmanager
def _file_lock(path: Path):
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # released when the file closes
        yield


def built_once(tmp_path_factory, name: str, build) -> Path:
    """The file or folder `name` of this test run, made by `build(path)` once, by whichever
    worker asks first (the others wait on a file lock), then read only. It is built at its
    final path (stores may record the paths of their inputs) and counts as built once
    `build` returned: what a failed build left is removed and built again."""
    folder = run_folder(tmp_path_factory)
    path, done = folder / name, folder / f"{name}.built"
    with _file_lock(folder / f"{name}.lock"):
        if not done.exists():
            if path.is_dir():
                shutil.rmtree(path)
            path.unlink(missing_ok=True)
            build(path)
            for file in [path] if path.is_file() else [f for f in path.rglob("*") if f.is_file()]:
                file.chmod(0o444)  # a test that tries to write to a shared file fails loudly
            done.touch()
    return path


def writable_copy(db: Path, to: Path) -> Path:
    """A writable copy of a shared store file, for a test that changes it."""
    shutil.copyfile(db, to)
    to.chmod(0o644)
    return to


@pytest.fixture
def store(tmp_path) -> Store:
    s = Store(tmp_path / "test.duckdb")
    yield s
    s.close()


def _ingested(paths: list[Path], audit: bool = True, as_run: bool = False):
    """A `built_once` builder: a store of `paths`, ingested by the library (and audited), or
    recorded as a run (`ingest_run`, which audits)."""
    def build(path: Path) -> None:
        with Store(path) as s:
            if as_run:
                from licensegraph.api.crawl import ingest_run

                ingest_run(s, paths)
            else:
                ingest(s, paths)
                if audit:
                    run_audit(s)
    return build


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory) -> Path:
    """The sample, ingested and audited (every rule, both views), as a store file. Read only."""
    return built_once(tmp_path_factory, "sample.duckdb", _ingested([SAMPLE]))


@pytest.fixture(scope="session")
def sample_unaudited_db(tmp_path_factory) -> Path:
    """The sample ingested by the library's bare `ingest`, never audited. Read only."""
    return built_once(tmp_path_factory, "sample-unaudited.duckdb", _ingested([SAMPLE], audit=False))


@pytest.fixture(scope="session")
def sample_run_db(tmp_path_factory) -> Path:
    """The sample recorded as run 1 of a fresh store (`ingest_run`: rebuilt and audited), as
    `licensegraph ingest` stores it. Read only."""
    return built_once(tmp_path_factory, "sample-run.duckdb", _ingested([SAMPLE], as_run=True))


@pytest.fixture(scope="session")
def data_db(tmp_path_factory) -> Path:
    """The sample and the dataset sample, ingested and audited (both tables). Read only."""
    return built_once(tmp_path_factory, "data.duckdb", _ingested([SAMPLE, DATASETS]))


@pytest.fixture(scope="session")
def data_run_db(tmp_path_factory) -> Path:
    """The sample and the dataset sample recorded as run 1 of a fresh store. Read only."""
    return built_once(tmp_path_factory, "data-run.duckdb", _ingested([SAMPLE, DATASETS], as_run=True))


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

    def build(path: Path) -> None:
        writable_copy(sample_db, path)
        with Store(path) as s:
            ingest_run(s, [SAMPLE])
            ingest_run(s, [write_jsonl(path.parent / "relicensed.jsonl", [rec])])

    return built_once(tmp_path_factory, "runs.duckdb", build)


@pytest.fixture
def sample_copy(sample_db, tmp_path) -> Path:
    """A writable copy of the shared sample store file, for tests that change it."""
    return writable_copy(sample_db, tmp_path / "sample-copy.duckdb")


@pytest.fixture(scope="session")
def full_store(tmp_path_factory) -> Store:
    """The sample plus the 535k-row lineage file (ingested once per run), opened read-only."""
    path = built_once(tmp_path_factory, "full.duckdb", _ingested([SAMPLE, LINEAGE], audit=False))
    s = Store(path, read_only=True)
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


# --------------------------------------------------------------------------- long tests start first


def pytest_configure(config):
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        # Bytecode as an installed package has it (pip compiles it), once, before any worker
        # starts; and the workers and the commands the tests start keep the bytecode they make,
        # as Python does by default. With PYTHONDONTWRITEBYTECODE set (some shells and
        # containers set it), each worker and each `licensegraph` compiled every module of
        # the editable install it imported, and each worker rewrote and compiled every test
        # module and pytest plugin again (~4 s of CPU a worker); no test depends on it.
        import compileall

        import licensegraph

        compileall.compile_dir(Path(licensegraph.__file__).parent, quiet=1)
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    config.addinivalue_line(
        "markers", "long(group=None): a test that runs long (many commands, subprocesses or kills); "
                   "under xdist it starts first on some worker (tests of one group on the same one)")


def pytest_collection_modifyitems(config, items):
    """Under xdist, put the long tests at the head of the workers' first shares, round robin.

    xdist's work-stealing scheduler hands each worker one contiguous share of the collection,
    then moves tests from the tail of a busy worker's queue to an idle one: a long test left
    late in a queue would run alone at the end of the run. Only the order changes (every
    worker computes the same one), never which tests run."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers < 2:
        return
    units: list[list] = []  # the long tests, consecutive tests of one group together
    short = []
    for item in items:
        mark = item.get_closest_marker("long")
        if mark is None:
            short.append(item)
            continue
        group = mark.kwargs.get("group") or item.nodeid
        if units and units[-1][0] == group:
            units[-1][1].append(item)
        else:
            units.append((group, [item]))
    heads: list[list] = [[] for _ in range(workers)]
    for n, (_, unit) in enumerate(units):
        heads[n % workers].extend(unit)
    ordered = []
    for w, head in enumerate(heads):
        take = len(items) // workers - len(head) if w < workers - 1 else len(short)
        ordered += head + short[:max(0, take)]
        short = short[max(0, take):]
    items[:] = ordered
