"""Hub strings are untrusted: a record whose id, card text and license name carry <script>,
event-handler attributes and SQL metacharacters is rendered inert on every page (HTML and
the browser), and the JSON API returns it intact."""

from __future__ import annotations

import json
import os
import shutil
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from dashboard_facts import ARTIFACTS, FOCUS_PARENT, Server
from fastapi.testclient import TestClient

from licensegraph.api import LicenseGraph
from licensegraph.web import create_app

SCRIPT = "<script>window.__pwned='script'</script>"
HANDLER = "<img src=x onerror=\"window.__pwned='img'\">"
ATTRIBUTE = "\"' onmouseover=\"window.__pwned='attr'\" x='"
SQL = "'; DROP TABLE models; --%_"
HOSTILE_ID = f"evil{SCRIPT}/x{HANDLER}{ATTRIBUTE}{SQL}?#&="
CLEAN_ID = "evil/clean-id-hostile-card"
LICENSE_NAME = f"My {SCRIPT} license {HANDLER}{ATTRIBUTE}{SQL}"
LICENSE_LINK = "javascript:window.__pwned='link'"
MARKERS = ("<script>window.__pwned", "<img src=x onerror", "onmouseover=\"window.__pwned")


def card_yaml(base_model: str) -> str:
    return (f"license: other\nlicense_name: {json.dumps(LICENSE_NAME)}\nlicense_link: {json.dumps(LICENSE_LINK)}\n"
            f"base_model: {json.dumps(base_model)}\nmodel_name: {json.dumps(HOSTILE_ID)}\n"
            f"tags:\n- {json.dumps(SCRIPT)}\n")


def hub_record(model_id: str, base_model: str) -> dict:
    return {
        "id": model_id, "author": model_id.split("/")[0], "sha": "0" * 40,
        "created_at": "2025-01-01 00:00:00+00:00", "last_modified": "2025-01-02 00:00:00+00:00",
        "private": False, "gated": False, "disabled": False, "downloads": 1, "likes": 0,
        "library_name": None, "pipeline_tag": None, "tags": ["license:other", SCRIPT],
        "card_data": card_yaml(base_model),
    }


@pytest.fixture(scope="module")
def hostile(sample_db, tmp_path_factory):
    """The sample plus two children of a real noncompliant model, both with the hostile license
    name, link and card: one with the hostile id, one with a clean id (so the strings reach the
    pages even where a store refuses such ids). Ingested and audited through the library API."""
    root = tmp_path_factory.mktemp("hostile")
    db = root / "hostile.duckdb"
    shutil.copyfile(sample_db, db)
    os.chmod(db, 0o644)
    records = root / "hostile.jsonl"
    records.write_text("\n".join(json.dumps(r) for r in (hub_record(HOSTILE_ID, FOCUS_PARENT),
                                                          hub_record(CLEAN_ID, FOCUS_PARENT))) + "\n")
    with LicenseGraph(db) as lg:
        before = lg.stats().models.with_record
        report = lg.ingest([records])
        lg.audit()
        rejects = lg.rejects(limit=1000)
    with LicenseGraph(db, read_only=True) as lg:
        ids = {m.model_id for m in lg.search("evil", limit=50).matches}
        after = lg.stats().models.with_record
    return {"db": db, "report": report, "rejects": rejects, "ids": ids, "before": before, "after": after}


@pytest.fixture(scope="module")
def client(hostile):
    with TestClient(create_app(hostile["db"])) as c:
        yield c


class _Inert(HTMLParser):
    """Collects what could run: script elements, event-handler attributes, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.active: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.active.append(f"<{tag} {name}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.active.append(f"<{tag} {name}={value}>")
        if tag == "script" and not dict(attrs).get("src", "").startswith("/static/"):
            self.active.append("<script> without a static src")
        if tag == "img":
            self.active.append("<img>")


def assert_inert(html: str, where: str) -> None:
    parser = _Inert()
    parser.feed(html)
    assert parser.active == [], where
    for marker in MARKERS:
        assert marker not in html, (where, marker)


def test_the_store_took_what_the_hub_could_send_and_lost_nothing(hostile):
    # every record of the sample is still there: no SQL text ran
    assert hostile["after"] >= hostile["before"] == 1982
    assert CLEAN_ID in hostile["ids"]
    if HOSTILE_ID not in hostile["ids"]:  # a store that validates Hub ids refuses it, and says why
        assert any(r.model_id == HOSTILE_ID for r in hostile["rejects"])


def test_every_page_renders_the_hostile_strings_inert(client, hostile):
    pages = ["/", "/?view=effective", f"/search?q={quote(SCRIPT)}", "/search?q=evil", f"/models/{quote(CLEAN_ID)}",
             f"/models/{quote(FOCUS_PARENT)}", "/licenses", "/licenses/other-unresolved",
             f"/licenses/{quote(SCRIPT, safe='')}", "/rules", "/rules/license-unresolved",
             f"/models/{quote(HOSTILE_ID)}", f"/choose?parent={quote(HOSTILE_ID)}",
             f"/choose?parent={quote(CLEAN_ID)}", f"/search?q={quote(SQL)}", "/changes", "/changes?part=1",
             f"/changes?since={quote(SCRIPT[:40])}"]
    seen_escaped = False
    for url in pages:
        r = client.get(url)
        assert r.status_code in (200, 400, 404), (url, r.status_code)
        assert_inert(r.text, url)
        seen_escaped |= "&lt;script&gt;window.__pwned" in r.text
    assert seen_escaped, "the hostile strings were shown (escaped), not dropped"


def test_the_model_page_shows_the_license_name_escaped(client, hostile):
    html = client.get(f"/models/{quote(CLEAN_ID)}").text
    assert_inert(html, CLEAN_ID)
    escaped = LICENSE_NAME.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert escaped.replace('"', "&#34;").replace("'", "&#39;") in html
    assert 'href="javascript:' not in html
    if HOSTILE_ID in hostile["ids"]:
        # on its parent's page the hostile id is a link to its percent-encoded page, never markup
        parent = client.get(f"/models/{quote(FOCUS_PARENT)}?relation=finetune").text
        assert_inert(parent, FOCUS_PARENT)
        assert f'href="/models/{quote(HOSTILE_ID, safe="/")}"' in parent
        page = client.get(f"/models/{quote(HOSTILE_ID)}")
        assert page.status_code == 200
        assert_inert(page.text, "the hostile model's page")
        assert "&lt;script&gt;window.__pwned" in page.text


def test_the_check_page_renders_a_hostile_card_inert(client):
    card = f"---\n{card_yaml(FOCUS_PARENT)}---\n# {SCRIPT}\n{HANDLER}\n"
    r = client.post("/check", data={"card": card, "parent_licenses": f"{SCRIPT}=mit", "name": ""})
    assert r.status_code in (200, 400)
    assert_inert(r.text, "check")
    r = client.post("/check", data={"card": f"---\nlicense: mit\nbase_model: {json.dumps(HOSTILE_ID)}\n---\n"})
    assert_inert(r.text, "check with a hostile parent")


def test_the_api_returns_the_strings_intact(client, hostile):
    clean = client.get(f"/api/models/{quote(CLEAN_ID)}").json()
    assert clean["model"]["license_name"] == LICENSE_NAME
    assert clean["model"]["license_link"] == LICENSE_LINK
    assert [p["parent_id"] for p in clean["parents"]] == [FOCUS_PARENT]
    graph = client.get(f"/api/models/{quote(FOCUS_PARENT)}/graph?depth=1&limit=200").json()
    drawn = {n["model_id"] for n in graph["nodes"]}
    assert CLEAN_ID in drawn
    if HOSTILE_ID in hostile["ids"]:
        assert HOSTILE_ID in drawn
        assert any(n["url"] == "/models/" + quote(HOSTILE_ID, safe="/") for n in graph["nodes"])
    found = client.get(f"/api/search?q={quote('x' + HANDLER)}").json()["matches"]
    if HOSTILE_ID in hostile["ids"]:
        assert [m["model_id"] for m in found] == [HOSTILE_ID]
        model = client.get(f"/api/models/{quote(HOSTILE_ID)}").json()
        assert model["model"]["model_id"] == HOSTILE_ID
        assert model["model"]["license_name"] == LICENSE_NAME
        up = client.get(f"/api/models/{quote(HOSTILE_ID)}/graph?depth=1").json()
        assert {(e["source"], e["target"]) for e in up["edges"]} == {(FOCUS_PARENT, HOSTILE_ID)}
    # a card with a custom license (a name nobody knows) is valid: it is checked, and the
    # strings come back intact as JSON text
    r = client.post("/api/check", json={"card": f"---\n{card_yaml(FOCUS_PARENT)}---\n"})
    assert r.status_code == 200
    checked = r.json()
    assert SCRIPT in checked["model_id"] and checked["license"]["resolved"] == "other-unresolved"
    # a license id nobody knows is bad input: the error quotes it, as JSON text
    bad = card_yaml(FOCUS_PARENT).replace("license: other", f"license: {json.dumps(LICENSE_NAME)}", 1)
    r = client.post("/api/check", json={"card": f"---\n{bad}---\n"})
    assert r.status_code == 400
    assert "<script>window.__pwned=" in r.json()["detail"] and "unknown license id" in r.json()["detail"]


def test_the_browser_runs_none_of_it(client, hostile, tmp_path):
    """The hostile model's page, with its graph, in chromium: no dialog, nothing set by the payloads."""
    from test_browser import (  # skips with it when there is no browser
        CHROMIUM,
        CHROMIUM_ARGS,
        sync_api,
    )

    server = Server(hostile["db"])
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            for url in (f"/models/{quote(CLEAN_ID)}", f"/models/{quote(FOCUS_PARENT)}?depth=1",
                        f"/models/{quote(HOSTILE_ID)}", "/search?q=evil", f"/search?q={quote(SCRIPT)}"):
                page.goto(server.url.rstrip("/") + url)
                if page.locator("#graph").count():
                    page.wait_for_selector('#graph[data-ready="1"]', timeout=15_000)
                    ids = page.evaluate("() => window.lgCy.nodes().map(n => n.data('model_id'))")
                    assert CLEAN_ID in ids or url.startswith(f"/models/{quote(HOSTILE_ID)}")
                    if HOSTILE_ID in hostile["ids"]:
                        assert HOSTILE_ID in ids or CLEAN_ID in url  # drawn, as text, on the canvas
                page.fill("#q", "evil")
                page.wait_for_timeout(400)  # autocomplete writes the suggestions
                assert page.evaluate("() => window.__pwned === undefined"), url
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.goto(server.url.rstrip("/") + f"/models/{quote(HOSTILE_ID if HOSTILE_ID in hostile['ids'] else CLEAN_ID)}")
            page.wait_for_selector('#graph[data-ready="1"]', timeout=15_000)
            page.screenshot(path=str(ARTIFACTS / "07-hostile-model.png"))
            assert dialogs == []
            browser.close()
    finally:
        server.stop()
