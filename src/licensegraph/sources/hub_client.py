"""The Hugging Face Hub API, through `huggingface_hub`, for the crawler.

`HfApi.list_models` paginates internally and cannot resume from a cursor, so the crawler
follows the listing's `Link: rel="next"` cursor itself, with the same call
`list_models` makes for each page: `huggingface_hub.utils.http_backoff` (its retry on
429 with `Retry-After`, 5xx, timeouts and broken connections), `build_hf_headers` (the
token from `HF_TOKEN` or the saved login) and `hf_raise_for_status`. The one failure it
does not retry, a page whose body is not the JSON list it should be (a truncated or
malformed page), is retried here with the same kind of bounded backoff; the two never
stack, since they catch different failures.

The query parameters are those of `list_models` in huggingface_hub 1.x-2.x (`expand`
with the fields below; `sort=lastModified`, newest first).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

# What the store needs of a model (see store.schema `models`), as the API names it.
EXPAND = (
    "author", "cardData", "createdAt", "lastModified", "private", "gated", "disabled",
    "downloads", "likes", "library_name", "pipeline_tag", "sha", "tags",
)
# What the `datasets` table needs of a dataset (huggingface_hub's DatasetInfo names), as the API names it.
DATASET_EXPAND = ("author", "cardData", "createdAt", "lastModified", "private", "gated", "disabled", "sha", "tags")
PAGE_SIZE = 1000  # the Hub's largest page
# `crawl --card-text`: repo files are read at most this many per second by default, and a
# README is kept up to this many bytes (longer ones are cut there and counted).
FILE_RATE = 10.0
MAX_FILE_BYTES = 1_000_000
# Answers that say "not for you" rather than "failed": the repo does not exist (404), or it
# is private or gated and the token cannot see it (401, 403; the Hub also answers 401 for
# a repo that does not exist when no token is sent).
NO_REPO = (401, 403, 404)


class HubError(RuntimeError):
    """The Hub could not be read after the bounded retries; the message says what failed."""

    def __init__(self, message: str, url: str | None = None, status: int | None = None):
        super().__init__(message)
        self.url = url
        self.status = status


@dataclass
class Page:
    url: str
    items: list  # the JSON values of the page, as the Hub sent them
    next_url: str | None


@dataclass
class HubClient:
    """Reads the Hub API at `endpoint` (default: `$HF_ENDPOINT`, else huggingface.co).

    `timeout` is per request; `max_retries` and the waits go to huggingface_hub's
    backoff; `sleep` is what waits between retries of a malformed page (injectable, so
    tests never sleep)."""

    endpoint: str = ""
    token: str | bool | None = None
    timeout: float = 30.0
    max_retries: int = 5
    base_wait: float = 1.0
    max_wait: float = 8.0
    page_size: int = PAGE_SIZE
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    file_rate: float = FILE_RATE  # repo files per second (0: no limit)
    requests: int = 0
    retried_pages: int = 0
    file_wait: float = 0.0  # seconds waited by the file rate limit
    log: list[str] = field(default_factory=list)
    _next_file: float = 0.0

    def __post_init__(self):
        if not self.endpoint:
            from huggingface_hub import constants

            # read now, not at import: HF_ENDPOINT may be set after huggingface_hub was imported
            self.endpoint = os.environ.get("HF_ENDPOINT") or constants.ENDPOINT
        self.endpoint = self.endpoint.rstrip("/")

    # -- requests ----------------------------------------------------------------
    def check_online(self) -> None:
        """HubError when huggingface_hub is in offline mode (it would refuse every request)."""
        from huggingface_hub import constants

        if constants.is_offline_mode() or os.environ.get("HF_HUB_OFFLINE", "").upper() in ("1", "ON", "YES", "TRUE"):
            raise HubError("HF_HUB_OFFLINE is set: a crawl needs the Hub. Unset HF_HUB_OFFLINE (and point "
                           "HF_ENDPOINT at a mirror if huggingface.co is not reachable)")

    def _get(self, url: str, params: list[tuple[str, str]] | None):
        import httpx2
        from huggingface_hub.errors import HfHubHTTPError
        from huggingface_hub.utils import build_hf_headers, http_backoff

        self.requests += 1
        try:
            return http_backoff(
                "GET", url, params=params, headers=build_hf_headers(token=self.token, library_name="licensegraph"),
                timeout=self.timeout, max_retries=self.max_retries, base_wait_time=self.base_wait,
                max_wait_time=self.max_wait,
            )
        except HfHubHTTPError as exc:  # retries exhausted on 429/5xx
            status = exc.response.status_code if exc.response is not None else None
            raise HubError(f"the Hub answered HTTP {status} after {self.max_retries + 1} attempts: {url}",
                           url, status) from exc
        except httpx2.HTTPError as exc:  # timeouts, broken connections, after retries
            raise HubError(f"no usable answer from {url} after {self.max_retries + 1} attempts: "
                           f"{type(exc).__name__}: {exc}", url) from exc

    def _get_json(self, url: str, params: list[tuple[str, str]] | None, want: type, allow_404: bool = False,
                  absent: tuple[int, ...] = ()):
        """(JSON value, response) of a GET, retrying bodies that are not JSON of type `want`;
        (None, response) when the Hub answers 404 (`allow_404`) or a status in `absent`."""
        from huggingface_hub.errors import HfHubHTTPError
        from huggingface_hub.utils import hf_raise_for_status

        wait = self.base_wait
        for attempt in range(1, self.max_retries + 2):
            response = self._get(url, params)
            if (allow_404 and response.status_code == 404) or response.status_code in absent:
                return None, response
            try:
                hf_raise_for_status(response)
            except HfHubHTTPError as exc:
                raise HubError(f"the Hub answered HTTP {response.status_code} for {response.url}: "
                               f"{str(exc).splitlines()[0]}", str(response.url), response.status_code) from exc
            try:
                data = json.loads(response.content)
                if not isinstance(data, want):
                    raise ValueError(f"expected a JSON {want.__name__}, got {type(data).__name__}")
                return data, response
            except ValueError as exc:  # a truncated or malformed page: ask again
                problem = f"{type(exc).__name__}: {exc}"
                if attempt > self.max_retries:
                    raise HubError(f"the page at {response.url} was not valid JSON after {attempt} attempts "
                                   f"({problem})", str(response.url)) from exc
                self.retried_pages += 1
                self.log.append(f"malformed page {response.url} ({problem}); retrying in {wait:g}s")
                self.sleep(wait)
                wait = min(self.max_wait, wait * 2)
        raise AssertionError("unreachable")

    # -- the API -------------------------------------------------------------------
    def list_params(self, author: str | None = None, search: str | None = None,
                    filters: list[str] | None = None) -> list[tuple[str, str]]:
        """Query of the listing: newest-modified first, the expand fields the store needs."""
        params = [("sort", "lastModified"), ("direction", "-1"), ("limit", str(self.page_size))]
        if author:
            params.append(("author", author))
        if search:
            params.append(("search", search))
        params.extend(("filter", f) for f in filters or [])
        params.extend(("expand[]", e) for e in EXPAND)
        return params

    def first_page_url(self) -> str:
        return f"{self.endpoint}/api/models"

    def page(self, url: str, params: list[tuple[str, str]] | None) -> Page:
        """One page of a listing: `params` for the first, None for a `next` URL (it carries them)."""
        data, response = self._get_json(url, params, list)
        next_url = response.links.get("next", {}).get("url")
        return Page(str(response.url), data, next_url)

    def pages(self, params: list[tuple[str, str]], cursor: str | None = None) -> Iterator[Page]:
        """The pages of a listing, from the first or from a saved `next` URL."""
        url, query = (cursor, None) if cursor else (self.first_page_url(), params)
        while url:
            page = self.page(url, query)
            yield page
            url, query = page.next_url, None

    def file(self, model_id: str, filename: str, revision: str | None = None,
             repo_type: str | None = None) -> tuple[bytes | None, int]:
        """(content or None, HTTP status) of one file of a model (or `repo_type`) repo (`hf_hub_url`), at most
        `file_rate` files per second. None when the Hub will not give it: 404 (no such file),
        401/403 (gated or private). HubError after the bounded retries (429, 5xx, timeouts)."""
        from huggingface_hub import hf_hub_url
        from huggingface_hub.errors import HfHubHTTPError
        from huggingface_hub.utils import hf_raise_for_status

        if self.file_rate > 0:
            now = self.monotonic()
            wait = self._next_file - now
            if wait > 0:
                self.file_wait += wait
                self.sleep(wait)
            self._next_file = max(now, self._next_file) + 1.0 / self.file_rate
        url = hf_hub_url(model_id, filename, repo_type=repo_type, revision=revision or None, endpoint=self.endpoint)
        response = self._get(url, None)
        if response.status_code in NO_REPO:
            return None, response.status_code
        try:
            hf_raise_for_status(response)
        except HfHubHTTPError as exc:
            raise HubError(f"the Hub answered HTTP {response.status_code} for {url}: {str(exc).splitlines()[0]}",
                           url, response.status_code) from exc
        return response.content, response.status_code

    def model(self, model_id: str) -> dict | None:
        """GET /api/models/{id} with the expand fields; None when the Hub answers 404."""
        url = f"{self.endpoint}/api/models/{quote(model_id, safe='/')}"
        data, _ = self._get_json(url, [("expand[]", e) for e in EXPAND], dict, allow_404=True)
        return data

    def dataset(self, dataset_id: str) -> tuple[dict | None, int]:
        """GET /api/datasets/{id} (what `HfApi.dataset_info` asks) with the expand fields the
        store needs: (record, 200), or (None, status) when the Hub answers 401, 403 or 404."""
        url = f"{self.endpoint}/api/datasets/{quote(dataset_id, safe='/')}"
        data, response = self._get_json(url, [("expand[]", e) for e in DATASET_EXPAND], dict, absent=NO_REPO)
        return data, response.status_code

    def dataset_card(self, dataset_id: str, revision: str | None = None) -> tuple[str | None, int]:
        """The dataset's README.md at `revision` (default: main), read like any repo file
        (`file`, within `file_rate`): (text, 200), or (None, status) when the Hub answers
        401, 403 (gated, private) or 404 (no card)."""
        content, status = self.file(dataset_id, "README.md", revision, repo_type="dataset")
        return (content.decode("utf-8", errors="replace") if content is not None else None), status


_SNAKE = {"createdAt": "created_at", "lastModified": "last_modified", "cardData": "card_data", "modelId": None, "_id": None}


def snake_record(item: dict) -> dict:
    """A Hub API record -> the field names of `huggingface_hub`'s ModelInfo (as snapshot files have them)."""
    out = {}
    for key, value in item.items():
        name = _SNAKE.get(key, key)
        if name is not None:
            out[name] = value
    return out
