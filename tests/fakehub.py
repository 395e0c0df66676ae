"""A fake Hugging Face Hub for the crawler's tests: a local HTTP server on 127.0.0.1.

It serves real records (the sample file) in the Hub API's JSON shape: camelCase fields,
`cardData` as a mapping parsed here with plain PyYAML (independent of licensegraph's own
card reader), timestamps as the Hub writes them. Listing follows the Hub's keyset cursor
pagination through `Link: <...>; rel="next"` headers and honours the `author`, `search`,
`filter`, `sort`, `direction`, `limit` and `expand` parameters; `GET /api/models/{id}`
answers a record or a 404 as the Hub does (`X-Error-Code: RepoNotFound`). Repo files
(`GET /{id}/resolve/{revision}/{filename}`, what `hf_hub_url` names) come from `files`:
404 `EntryNotFound` for a file the repo lacks, 403 for a gated repo's files.

Datasets (the dataset sample file, or records a test puts) are served where
huggingface_hub asks for them: `GET /api/datasets` (list_datasets, the same cursor
pagination), `GET /api/datasets/{id}` (dataset_info) and the card at
`/datasets/{id}/resolve/{revision}/README.md` (hf_hub_download, hf_hub_url), the README
being the record's card YAML as front matter above its card text. A dataset can be made
private or gated (`deny`: 401/403 on its record, as the Hub answers a token without access)
or only its card gated (`gate_card`).

Faults are scripted per request: 429 with `Retry-After`, 500, a stalled response (longer
than the client's timeout), a truncated body (the connection closes before
`Content-Length` bytes), a malformed JSON page. Every request is logged, so tests can
assert what was asked for.

This module belongs to the test suite, not to the package.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import yaml

#: PyYAML's safe loader on libyaml when built (the same data; the pure-Python one took ~1 s
#: of CPU per process to convert the sample).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Every property the Hub lists for `expand`; default listing returns a few of them.
DEFAULT_FIELDS = ("id", "likes", "downloads", "private", "pipeline_tag", "library_name", "tags", "createdAt")
SORT_KEYS = {"lastModified", "createdAt", "downloads", "likes", "id"}
MAX_PAGE = 1000


def _hub_time(value: str | None) -> str | None:
    """'2025-01-29 08:35:53+00:00' -> '2025-01-29T08:35:53.000Z', as the Hub API writes times."""
    if not value:
        return None
    t = dt.datetime.fromisoformat(value).astimezone(dt.UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def _plain(value):
    """YAML values -> JSON values (dates as ISO strings), recursively."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def api_item(rec: dict) -> dict:
    """A sample record (ModelInfo's snake_case names, card YAML as text) -> the Hub API's JSON."""
    item = {
        "_id": hashlib.sha1(rec["id"].encode()).hexdigest()[:24],
        "id": rec["id"],
        "modelId": rec["id"],
        "author": rec.get("author"),
        "sha": rec.get("sha"),
        "createdAt": _hub_time(rec.get("created_at")),
        "lastModified": _hub_time(rec.get("last_modified")),
        "private": rec.get("private", False),
        "gated": rec.get("gated", False),
        "disabled": rec.get("disabled", False),
        "downloads": rec.get("downloads", 0),
        "likes": rec.get("likes", 0),
        "library_name": rec.get("library_name"),
        "pipeline_tag": rec.get("pipeline_tag"),
        "tags": list(rec.get("tags") or []),
    }
    card = rec.get("card_data")
    if isinstance(card, str):
        try:
            card = yaml.load(card, Loader=_YAML_LOADER)
        except yaml.YAMLError:
            card = None  # the Hub shows no card data for a card it cannot parse
    if isinstance(card, dict):
        item["cardData"] = _plain(card)
    return {k: v for k, v in item.items() if v is not None or k in ("library_name", "pipeline_tag")}


def dataset_api_item(rec: dict) -> dict:
    """A dataset record of the sample file (DatasetInfo's names, card YAML as text) -> the Hub API's JSON."""
    digest = hashlib.sha1(json.dumps(rec, sort_keys=True).encode()).hexdigest()
    item = {
        "_id": digest[:24],
        "id": rec["id"],
        "author": rec["id"].split("/")[0] if "/" in rec["id"] else None,
        "sha": digest,
        "lastModified": _hub_time(rec.get("last_modified")),
        "private": False,
        "gated": False,
        "disabled": False,
        "downloads": 0,
        "likes": 0,
        "tags": list(rec.get("tags") or []),
    }
    card = rec.get("card_data")
    if isinstance(card, str) and card.strip():
        try:
            card = yaml.load(card, Loader=_YAML_LOADER)
        except yaml.YAMLError:
            card = None
    if isinstance(card, dict):
        item["cardData"] = _plain(card)
    return {k: v for k, v in item.items() if v is not None}


def dataset_readme(rec: dict) -> str:
    """The README.md of a dataset record: its card YAML as front matter, then its card text."""
    card, text = rec.get("card_data") or "", rec.get("card_text") or ""
    if isinstance(card, str) and card.strip():
        return f"---\n{card.rstrip()}\n---\n\n{text}\n"
    return f"{text}\n"


def load_records(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@dataclass
class Fault:
    """One scripted misbehaviour, applied to the `nth` matching request (1-based) and `times` in a row."""

    kind: str  # "429", "500", "stall", "truncate", "malformed"
    on: str = "list"  # an endpoint ("list", "model", "file", "datasets", "dataset", "readme") or "any"
    nth: int = 1
    times: int = 1
    retry_after: int = 0
    seen: int = 0
    fired: int = 0

    def matches(self, endpoint: str) -> bool:
        if self.on not in ("any", endpoint):
            return False
        self.seen += 1
        if self.seen >= self.nth and self.fired < self.times:
            self.fired += 1
            return True
        return False


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    endpoint: str  # "list", "model", "file", "datasets", "dataset", "readme" or "other"
    fault: str | None = None


@dataclass
class FakeHub:
    """The server and its data; start() binds a free port on 127.0.0.1."""

    items: dict[str, dict] = field(default_factory=dict)  # lower-case id -> API item
    files: dict[tuple[str, str], bytes] = field(default_factory=dict)  # (lower-case id, filename) -> content
    gated_files: set[str] = field(default_factory=set)  # lower-case ids whose files answer 403
    datasets: dict[str, dict] = field(default_factory=dict)  # lower-case dataset id -> API item
    readmes: dict[str, str] = field(default_factory=dict)  # lower-case dataset id -> README.md
    denied: dict[str, int] = field(default_factory=dict)  # lower-case dataset id -> 401/403 on its record
    gated_cards: set[str] = field(default_factory=set)  # lower-case dataset ids whose README answers 401
    faults: list[Fault] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    stall_seconds: float = 2.0
    on_request: object = None  # callable(Request) run before answering, e.g. to kill a client

    def __post_init__(self):
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._release = threading.Event()

    # -- data --------------------------------------------------------------------
    @classmethod
    def from_records(cls, records: list[dict], **kw) -> FakeHub:
        return cls.from_items([api_item(rec) for rec in records], **kw)

    @classmethod
    def from_items(cls, items: list[dict], **kw) -> FakeHub:
        hub = cls(**kw)
        for item in items:
            hub.put(item)
        return hub

    def put(self, item: dict) -> None:
        with self._lock:
            self.items[item["id"].lower()] = item

    def put_dataset(self, rec: dict) -> dict:
        """Serve a dataset record (the sample file's shape) as the Hub would."""
        item = dataset_api_item(rec)
        with self._lock:
            self.datasets[rec["id"].lower()] = item
            self.readmes[rec["id"].lower()] = dataset_readme(rec)
        return item

    def put_datasets(self, records: list[dict]) -> FakeHub:
        for rec in records:
            self.put_dataset(rec)
        return self

    def deny(self, dataset_id: str, status: int = 401) -> None:
        """The dataset's record answers `status` (private: 401; gated without access: 403)."""
        self.denied[dataset_id.lower()] = status

    def gate_card(self, dataset_id: str) -> None:
        """The dataset's record is shown, its README answers 401 (gated, not accepted)."""
        self.gated_cards.add(dataset_id.lower())

    def remove(self, model_id: str) -> None:
        with self._lock:
            del self.items[model_id.lower()]

    def modify(self, model_id: str, when: str, card: dict | None = None, **fields) -> dict:
        """A new revision of a model: newer lastModified (and sha), optionally another card."""
        with self._lock:
            item = json.loads(json.dumps(self.items[model_id.lower()]))
            item["lastModified"] = when
            item["sha"] = hashlib.sha1((item.get("sha") or "") .encode() + when.encode()).hexdigest()
            if card is not None:
                item["cardData"] = {**item.get("cardData", {}), **card}
                if "license" in card:
                    item["tags"] = [t for t in item["tags"] if not t.startswith("license:")] + [f"license:{card['license']}"]
            item.update(fields)
            self.items[model_id.lower()] = item
            return item

    def script(self, kind: str, on: str = "list", nth: int = 1, times: int = 1, retry_after: int = 0) -> Fault:
        fault = Fault(kind, on, nth, times, retry_after)
        self.faults.append(fault)
        return fault

    def count(self, endpoint: str, fault: bool | None = None) -> int:
        return sum(1 for r in self.requests if r.endpoint == endpoint and (fault is None or (r.fault is not None) == fault))

    # -- server ------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeHub:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body go out in two writes: without this, Nagle's algorithm and the
            # client's delayed ACK hold every answer back ~40 ms
            disable_nagle_algorithm = True

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802
                hub._handle(self)

            def do_HEAD(self):  # noqa: N802 - hf_hub_download asks for a file's metadata first
                hub._handle(self, head=True)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):  # a client killed mid-request is expected
                pass

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- handling ----------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler, head: bool = False) -> None:
        parts = urlsplit(h.path)
        path = unquote(parts.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        if path.rstrip("/") == "/api/models":
            endpoint = "list"
        elif path.startswith("/api/models/"):
            endpoint = "model"
        elif path.rstrip("/") == "/api/datasets":
            endpoint = "datasets"
        elif path.startswith("/api/datasets/"):
            endpoint = "dataset"
        elif path.startswith("/datasets/") and "/resolve/" in path:
            endpoint = "readme"
        elif "/resolve/" in path:
            endpoint = "file"
        else:
            endpoint = "other"
        req = Request("HEAD" if head else "GET", path, query, {k.lower(): v for k, v in h.headers.items()}, endpoint)
        with self._lock:
            self.requests.append(req)
            fault = next((f for f in self.faults if f.matches(endpoint)), None)
            req.fault = fault.kind if fault else None
        if callable(self.on_request):
            self.on_request(req)
        if fault is not None and fault.kind in ("429", "500"):
            headers = {"Retry-After": str(fault.retry_after)} if fault.kind == "429" else {}
            return self._send(h, int(fault.kind), {"error": "scripted fault"}, headers)
        if fault is not None and fault.kind == "stall":
            self._release.wait(self.stall_seconds)
        if endpoint == "list":
            status, body, headers = self._list(query)
        elif endpoint == "model":
            status, body, headers = self._model(path[len("/api/models/"):], query)
        elif endpoint == "file":
            return self._file(h, path)
        elif endpoint == "datasets":
            status, body, headers = self._list(query, self.datasets, "/api/datasets")
        elif endpoint == "dataset":
            status, body, headers = self._dataset(path[len("/api/datasets/"):], query)
        elif endpoint == "readme":
            status, text, headers = self._readme(path)
            if fault is not None and fault.kind in ("truncate", "malformed"):
                raw = text.encode()
                return self._send_raw(h, status, raw[: len(raw) // 2], headers, claimed=len(raw),
                                      content_type="text/plain; charset=utf-8")
            return self._send_raw(h, status, text.encode(), headers, content_type="text/plain; charset=utf-8",
                                  head=head)
        else:
            status, body, headers = 404, {"error": "Not Found"}, {}
        if fault is not None and fault.kind in ("truncate", "malformed"):
            raw = json.dumps(body).encode()
            cut = raw[: max(1, len(raw) // 2)]
            if fault.kind == "malformed":  # a complete response whose JSON is broken
                return self._send_raw(h, status, cut, headers)
            return self._send_raw(h, status, cut, headers, claimed=len(raw))
        self._send(h, status, body, headers)

    def _send(self, h, status: int, body, headers: dict) -> None:
        self._send_raw(h, status, json.dumps(body).encode(), headers)

    def _send_raw(self, h, status: int, raw: bytes, headers: dict, claimed: int | None = None,
                  content_type: str = "application/json; charset=utf-8", head: bool = False) -> None:
        try:
            h.send_response(status)
            h.send_header("Content-Type", content_type)
            h.send_header("Content-Length", str(claimed if claimed is not None else len(raw)))
            for k, v in headers.items():
                h.send_header(k, v)
            if claimed is not None:
                h.send_header("Connection", "close")
                h.close_connection = True
            h.end_headers()
            if head:
                return
            h.wfile.write(raw)
            h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True

    def _file(self, h, path: str) -> None:
        repo, _, rest = path.lstrip("/").partition("/resolve/")
        _revision, _, filename = rest.partition("/")
        key = repo.lower()
        with self._lock:
            exists = key in self.items
            content = self.files.get((key, filename))
        if not exists:
            return self._send(h, 404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"})
        if key in self.gated_files:
            return self._send(h, 403, {"error": "Access to this model is restricted"}, {"X-Error-Code": "GatedRepo"})
        if content is None:
            return self._send(h, 404, {"error": "Entry not found"}, {"X-Error-Code": "EntryNotFound"})
        self._send_raw(h, 200, content, {})

    def _select(self, query: dict[str, list[str]], source: dict[str, dict]) -> list[dict]:
        items = list(source.values())
        author = (query.get("author") or [None])[0]
        if author:
            items = [i for i in items if (i.get("author") or "").lower() == author.lower()]
        search = (query.get("search") or [None])[0]
        if search:
            items = [i for i in items if search.lower() in i["id"].lower()]
        for flt in query.get("filter", []):
            want = flt.lower()
            items = [i for i in items if want in {t.lower() for t in i.get("tags", [])}
                     or want == (i.get("library_name") or "").lower()]
        return items

    def _list(self, query: dict[str, list[str]], source: dict[str, dict] | None = None, route: str = "/api/models"):
        sort = (query.get("sort") or ["id"])[0]
        if sort not in SORT_KEYS:
            return 400, {"error": f"invalid sort {sort!r}"}, {}
        descending = (query.get("direction") or ["-1"])[0] == "-1" and sort != "id"
        try:
            limit = min(int((query.get("limit") or [MAX_PAGE])[0]), MAX_PAGE)
        except ValueError:
            return 400, {"error": "invalid limit"}, {}
        expand = query.get("expand[]", []) + query.get("expand", [])
        with self._lock:
            items = self._select(query, self.items if source is None else source)

        def key(item):
            value = item.get(sort)
            return (value is not None, value if value is not None else 0, item["id"])

        # Keyset pagination: the cursor is the sort key of the last item served.
        items.sort(key=key, reverse=descending)
        cursor = (query.get("cursor") or [None])[0]
        if cursor:
            last = tuple(json.loads(base64.urlsafe_b64decode(cursor.encode())))
            items = [i for i in items if (key(i) < last if descending else key(i) > last)]
        page, rest = items[:limit], items[limit:]
        headers = {}
        if rest:
            nxt = base64.urlsafe_b64encode(json.dumps(list(key(page[-1]))).encode()).decode()
            params = [(k, v) for k, vs in query.items() if k != "cursor" for v in vs] + [("cursor", nxt)]
            headers["Link"] = f'<{self.url}{route}?{urlencode(params, quote_via=quote)}>; rel="next"'
        return 200, [self._shape(i, expand) for i in page], headers

    def _model(self, model_id: str, query: dict[str, list[str]]):
        with self._lock:
            item = self.items.get(model_id.lower())
        if item is None:
            return 404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"}
        expand = query.get("expand[]", []) + query.get("expand", [])
        return 200, self._shape(item, expand or None), {}

    def _dataset(self, dataset_id: str, query: dict[str, list[str]]):
        key = dataset_id.lower()
        with self._lock:
            item, denied = self.datasets.get(key), self.denied.get(key)
        if denied:
            code = "GatedRepo" if denied == 403 else "RepoNotFound"
            return denied, {"error": "Access to this dataset is restricted"}, {"X-Error-Code": code}
        if item is None:
            return 404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"}
        expand = query.get("expand[]", []) + query.get("expand", [])
        return 200, self._shape(item, expand or None), {}

    def _readme(self, path: str):
        """/datasets/{id}/resolve/{revision}/README.md -> (status, text, headers)."""
        repo, _, rest = path[len("/datasets/"):].partition("/resolve/")
        revision, _, filename = rest.partition("/")
        key = repo.lower()
        with self._lock:
            item, text = self.datasets.get(key), self.readmes.get(key)
            denied = self.denied.get(key) or (401 if key in self.gated_cards else None)
        if denied:
            return denied, "Access to this dataset is restricted", {"X-Error-Code": "GatedRepo"}
        if item is None:
            return 404, "Repository not found", {"X-Error-Code": "RepoNotFound"}
        if revision not in ("main", item.get("sha")):
            return 404, "Revision not found", {"X-Error-Code": "RevisionNotFound"}
        if filename != "README.md" or text is None:
            return 404, "Entry not found", {"X-Error-Code": "EntryNotFound"}
        return 200, text, {"X-Repo-Commit": item.get("sha") or "", "ETag": f'"{item.get("sha")}"'}

    @staticmethod
    def _shape(item: dict, expand: list[str] | None) -> dict:
        if expand is None:  # model_info without expand: everything
            return dict(item)
        wanted = set(expand) if expand else set(DEFAULT_FIELDS)
        return {k: v for k, v in item.items() if k in ("_id", "id") or k in wanted}
