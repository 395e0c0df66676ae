"""The dashboard's JSON API and pages, through FastAPI's TestClient, on the real sample.

Every endpoint: its answer on a real model, its 404, its bad parameters, its pagination.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from dashboard_facts import FOCUS, FOCUS_CHILDREN, FOCUS_PARENT, FOCUS_ROOT, RELICENSED, RELICENSED_TO
from fastapi.testclient import TestClient

from licensegraph.api import LicenseGraph
from licensegraph.web import create_app

CSP_SCRIPT = "script-src 'self'"


@pytest.fixture(scope="module")
def client(sample_db) -> TestClient:
    """The dashboard over the shared (audited, read-only) sample store, in process."""
    with TestClient(create_app(sample_db)) as c:
        yield c


def ok(client, url: str) -> dict:
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith("application/json")
    return r.json()


def problem(client, url: str, status: int) -> dict:
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code, r.text[:500])
    return r.json()


# --------------------------------------------------------------------------- overview data


def test_stats_match_the_library(client, sample_db):
    data = ok(client, "/api/stats")
    with LicenseGraph(sample_db, read_only=True) as lg:
        assert data == lg.stats().to_dict()
    assert data["models"]["with_record"] == 1982  # every record of the sample
    assert problem(client, "/api/stats?top=0", 422)["detail"][0]["loc"] == ["query", "top"]


def test_audit_table_of_either_view(client):
    local = ok(client, "/api/audit")
    effective = ok(client, "/api/audit?view=effective")
    assert local["view"] == "local" and effective["view"] == "effective"
    labels = [r["label"] for r in local["rows"]]
    assert labels[:3] == ["License Mismatch", "Copyleft-style Terms", "Copyleft Violation"]
    assert problem(client, "/api/audit?view=global", 422)["detail"][0]["loc"] == ["query", "view"]


def test_most_reused_noncompliant_models_paginate(client, sample_db):
    first = ok(client, "/api/reused?view=effective&limit=3")
    # ranked by all derivatives: the Llama 2 adapter, then its chat model whose 15
    # derivatives inherit its violations
    top, focus = first["models"][:2]
    assert (top["model_id"], focus["model_id"]) == (FOCUS_PARENT, FOCUS)
    assert focus["children"] == focus["descendants"] == FOCUS_CHILDREN
    assert top["descendants"] > FOCUS_CHILDREN >= top["children"]
    assert "llama-exclusive-license" in focus["rule_ids"] and "La2E-license" in focus["labels"]
    ranks = [(m["descendants"], m["children"]) for m in first["models"]]
    assert ranks == sorted(ranks, reverse=True)
    # one list for the dashboard and the report
    with LicenseGraph(sample_db, read_only=True) as lg:
        assert [m.to_dict() for m in lg.report_data("effective", top=3).most_reused] == first["models"]
    second = ok(client, "/api/reused?view=effective&limit=3&offset=1")
    assert second["models"][0] == first["models"][1]
    assert second["total"] == first["total"] > 3
    past = ok(client, f"/api/reused?view=effective&offset={first['total']}")
    assert past["models"] == [] and past["total"] == first["total"]
    for bad in ("limit=0", "limit=501", "offset=-1", "view=x", "limit=ten"):
        problem(client, f"/api/reused?{bad}", 422)


# --------------------------------------------------------------------------- changes


@pytest.fixture(scope="module")
def runs_client(runs_db) -> TestClient:
    """The dashboard over the sample recorded as two runs (the second relicenses one model)."""
    with TestClient(create_app(runs_db)) as c:
        yield c


def test_changes_since_the_last_run(runs_client, runs_db):
    data = ok(runs_client, "/api/changes?limit=5")
    assert (data["since_run"], data["last_run"], [r["run_id"] for r in data["runs"]]) == (1, 2, [2])
    assert data["totals"]["models_relicensed"] == 1 and data["totals"]["models_added"] == 0
    assert [(m["change"], m["model_id"], m["license_before"], m["license"], m["url"]) for m in data["models"]] == [
        ("relicensed", RELICENSED, "mit", RELICENSED_TO, f"/models/{RELICENSED}")]
    # the relicensed model's derivatives now drop its NC term: findings appeared, with links
    appeared = [f for f in data["findings"] if f["change"] == "appeared"]
    assert appeared and all(f["url"] == f"/models/{f['model_id']}" for f in appeared)
    assert any(f["rule_id"] == "nc-dropped" and f["ancestor_id"] == RELICENSED for f in appeared)
    assert {(lic["license"], lic["gained"], lic["lost"], lic["url"]) for lic in data["licenses"]} == {
        ("mit", 0, 1, "/licenses/mit"), (RELICENSED_TO, 1, 0, f"/licenses/{RELICENSED_TO}")}
    # the lists are capped, the totals and per-rule counts are not; the whole answer agrees
    with LicenseGraph(runs_db, read_only=True) as lg:
        whole = lg.changes()
    assert data["totals"] == dict(whole.totals)
    assert data["by_rule"] == [r.to_dict() for r in whole.by_rule]
    assert len(data["findings"]) <= 10 and sum(r["appeared"] for r in data["by_rule"]) == data["totals"][
        "findings_appeared"] == len([f for f in whole.findings if f.change == "appeared"])
    assert [f["model_id"] for f in appeared] == [f.model_id for f in whole.findings if f.change == "appeared"][:5]


def test_changes_since_a_run_a_view_and_bad_parameters(runs_client):
    since_start = ok(runs_client, "/api/changes?since=0&view=local&limit=3")
    assert since_start["since_run"] == 0 and [r["run_id"] for r in since_start["runs"]] == [1, 2]
    assert since_start["totals"]["models_added"] >= 1982 and len(since_start["models"]) == 3
    assert {f["view"] for f in since_start["findings"]} == {"local"}
    assert all(r["view"] == "local" for r in since_start["by_rule"])
    # over both runs every model is new: each license gained all the models it has, lost none
    assert since_start["licenses"] and all(
        (lic["gained"], lic["lost"]) == (lic["models"], 0) for lic in since_start["licenses"])
    assert {"mit", RELICENSED_TO} <= {lic["license"] for lic in since_start["licenses"]}
    assert "no run 7" in problem(runs_client, "/api/changes?since=7", 400)["detail"]
    assert "expected a run number or a date" in problem(runs_client, "/api/changes?since=yesterday", 400)["detail"]
    for bad in ("view=global", "limit=0", "limit=501", f"since={'1' * 41}"):
        problem(runs_client, f"/api/changes?{bad}", 422)


def test_a_store_without_runs_says_so(client):
    assert "no completed run" in problem(client, "/api/changes", 400)["detail"]
    r = client.get("/changes?part=1")
    assert r.status_code == 200 and "no completed run" in r.text


def test_the_overview_loads_what_changed_after_the_page(runs_client):
    overview = runs_client.get("/")
    assert 'data-src="/changes?part=1&amp;view=local"' in overview.text
    assert '<script src="/static/js/overview.js"></script>' in overview.text
    part = runs_client.get("/changes?part=1&view=local")
    assert part.status_code == 200 and "<html" not in part.text
    tags = parse(part.text)  # inserted into the overview as it is: nothing in it may run
    assert tags.scripts == [] and tags.handlers == [] and tags.styles == []
    assert f'href="/models/{RELICENSED}"' in part.text and f'href="/licenses/{RELICENSED_TO}"' in part.text
    assert 'id="changes-by-rule"' in part.text and 'href="/rules/nc-dropped?view=local"' in part.text
    whole = runs_client.get("/changes?since=0")
    assert whole.status_code == 200 and "Runs 1–2" in whole.text
    bad = runs_client.get("/changes?since=nonsense")
    assert bad.status_code == 400 and "expected a run number or a date" in bad.text


# --------------------------------------------------------------------------- search


def test_search_finds_real_ids_best_first(client):
    data = ok(client, "/api/search?q=JAIS-adapted-7b")  # any case
    ids = [m["model_id"] for m in data["matches"]]
    assert ids[0] == FOCUS_PARENT  # the exact id first (ids compare case-insensitively)
    assert FOCUS in ids
    assert all("jais-adapted-7b" in i.lower() for i in ids)
    assert data["matches"][0]["url"] == f"/models/{FOCUS_PARENT}"
    assert len(ok(client, "/api/search?q=llama&limit=3")["matches"]) == 3


def test_search_takes_sql_metacharacters_literally(client):
    # `%` and `_` are LIKE wildcards and `'` ends an SQL string: none may act as such
    for q in ("%", "_", "' OR '1'='1", "'; DROP TABLE models; --", "\\"):
        data = ok(client, f"/api/search?q={quote(q)}&limit=50")
        assert all(q.lower() in m["model_id"].lower() for m in data["matches"]), q
    assert ok(client, "/api/search?q=_&limit=500")["matches"], "ids with a literal underscore exist"
    assert ok(client, "/api/stats")["models"]["with_record"] == 1982  # nothing was dropped


def test_search_bad_parameters(client):
    problem(client, "/api/search", 422)  # q is required
    problem(client, "/api/search?q=" + "a" * 201, 422)
    problem(client, "/api/search?q=a&limit=0", 422)
    assert ok(client, "/api/search?q=%20")["matches"] == []


# --------------------------------------------------------------------------- models


def test_model_explanation(client):
    data = ok(client, f"/api/models/{FOCUS}")
    assert data["model"]["model_id"] == FOCUS
    assert [p["parent_id"] for p in data["parents"]] == [FOCUS_PARENT]
    assert FOCUS_ROOT in [a["ancestor_id"] for a in data["ancestors"]]
    rules = {(f["view"], f["rule_id"]) for f in data["findings"]}
    assert ("effective", "llama-exclusive-license") in rules
    assert all(d["source"].startswith("https://") for d in data["effective_duties"])
    # ids are matched as the Hub matches them, case-insensitively
    assert ok(client, f"/api/models/{FOCUS.upper()}")["model"]["model_id"] == FOCUS


def test_unknown_model_is_404_everywhere(client):
    for suffix in ("", "/graph", "/children", "/choose"):
        data = problem(client, f"/api/models/nobody/nothing{suffix}", 404)
        assert "nobody/nothing: not in the store" in data["detail"]


def test_model_graph_depth_one(client):
    data = ok(client, f"/api/models/{FOCUS}/graph?depth=1&view=effective")
    models = [n for n in data["nodes"] if n["kind"] == "model"]
    # itself, its one parent, its 15 children: nothing aggregated
    assert len(models) == 1 + 1 + FOCUS_CHILDREN
    assert not data["aggregated"]
    by_id = {n["model_id"]: n for n in models}
    assert by_id[FOCUS]["depth"] == 0 and by_id[FOCUS_PARENT]["depth"] == -1
    assert by_id[FOCUS]["noncompliant"] and by_id[FOCUS_PARENT]["noncompliant"]
    # both declare apache-2.0 over Llama 2 material: coloured as permissive, marked noncompliant
    assert by_id[FOCUS]["license"] == "apache-2.0" and by_id[FOCUS]["family"] == "permissive"
    assert any(e["source"] == FOCUS_PARENT and e["target"] == FOCUS for e in data["edges"])
    assert sum(1 for e in data["edges"] if e["source"] == FOCUS) == FOCUS_CHILDREN
    assert all(n["url"].startswith("/models/") for n in data["nodes"])
    assert {lvl["depth"]: lvl["models"] for lvl in data["levels"]} == {-1: 1, 1: FOCUS_CHILDREN}


def test_model_graph_depth_two_reaches_the_root(client):
    data = ok(client, f"/api/models/{FOCUS}/graph?depth=2")
    by_id = {n["model_id"]: n for n in data["nodes"] if n["kind"] == "model"}
    assert by_id[FOCUS_ROOT]["depth"] == -2
    assert by_id[FOCUS_ROOT]["family"] == "llama"
    assert any(e["source"] == FOCUS_ROOT and e["target"] == FOCUS_PARENT for e in data["edges"])


def test_model_graph_aggregates_past_the_limit(client):
    data = ok(client, f"/api/models/{FOCUS}/graph?depth=1&limit=5")
    assert data["aggregated"]
    boxes = [n for n in data["nodes"] if n["kind"] == "more"]
    shown = [n for n in data["nodes"] if n["kind"] == "model" and n["depth"] == 1]
    assert len(shown) == 5
    assert sum(b["hidden"] for b in boxes) == FOCUS_CHILDREN - 5
    children = ok(client, f"/api/models/{FOCUS}/children")
    by_relation = {r["relation"]: r["models"] for r in children["by_relation"]}
    for box in boxes:
        assert box["hidden"] <= by_relation[box["relation"]]
        assert box["url"].startswith(f"/models/{FOCUS}?relation={box['relation']}")
        assert box["label"].startswith("+")
    # noncompliant children come first among those drawn
    violators = [n for n in shown if n["noncompliant"]]
    assert violators, "the sample's derivatives of this model carry its violations"


def test_model_graph_bad_parameters(client):
    for bad in ("depth=0", "depth=7", "view=all", "limit=0", "limit=201", "budget=5", "depth=two"):
        problem(client, f"/api/models/{FOCUS}/graph?{bad}", 422)


def test_model_children_paginate_and_filter(client):
    data = ok(client, f"/api/models/{FOCUS}/children?limit=4")
    page = data["page"]
    assert page["total"] == FOCUS_CHILDREN and len(page["models"]) == 4
    assert sum(r["models"] for r in data["by_relation"]) == FOCUS_CHILDREN
    rest = ok(client, f"/api/models/{FOCUS}/children?limit=4&offset=4")["page"]["models"]
    assert not {m["model_id"] for m in page["models"]} & {m["model_id"] for m in rest}
    everything = ok(client, f"/api/models/{FOCUS}/children?limit=500")["page"]["models"]
    assert len(everything) == FOCUS_CHILDREN
    relation = data["by_relation"][0]["relation"]
    only = ok(client, f"/api/models/{FOCUS}/children?relation={relation}&limit=500")
    assert only["page"]["total"] == data["by_relation"][0]["models"]
    assert {m["relation"] for m in only["page"]["models"]} == {relation}
    for bad in ("relation=lora", "offset=-1", "limit=0", "view=both"):
        problem(client, f"/api/models/{FOCUS}/children?{bad}", 422)


def test_model_choose(client):
    data = ok(client, f"/api/models/{FOCUS}/choose")
    assert "llama2" in data["upstream_licenses"]
    assert data["feasible"] and data["feasible"][0]["license"]
    problem(client, f"/api/models/{FOCUS}/choose?relation=copy", 422)


# --------------------------------------------------------------------------- findings and rules


def test_findings_filter_and_paginate(client):
    data = ok(client, "/api/findings?rule=llama-exclusive-license&view=effective&limit=5")
    assert data["total"] >= 5 and len(data["findings"]) == 5
    assert {f["rule_id"] for f in data["findings"]} == {"llama-exclusive-license"}
    assert data["next_offset"] == 5
    nxt = ok(client, "/api/findings?rule=llama-exclusive-license&view=effective&limit=5&offset=5")
    assert nxt["findings"][0] != data["findings"][0]
    mine = ok(client, f"/api/findings?model={FOCUS}&view=effective")
    assert {f["model_id"] for f in mine["findings"]} == {FOCUS}
    adapters = ok(client, "/api/findings?relation=adapter&limit=500")
    assert {f["relation"] for f in adapters["findings"]} == {"adapter"}
    assert problem(client, "/api/findings?rule=no-such-rule", 404)["detail"].startswith("unknown rule")
    for bad in ("severity=fatal", "view=x", "relation=x", "limit=0", "offset=-3"):
        problem(client, f"/api/findings?{bad}", 422)


def test_rules(client):
    rules = ok(client, "/api/rules")["rules"]
    ids = [r["rule"]["rule_id"] for r in rules]
    assert "llama-exclusive-license" in ids and "nc-dropped" in ids
    with LicenseGraph(":memory:") as lg:
        assert [r["rule"] for r in rules] == lg.rules().to_dict()["rules"]  # the library's catalogue
    one = ok(client, "/api/rules/llama-exclusive-license")
    assert one == next(r for r in rules if r["rule"]["rule_id"] == "llama-exclusive-license")
    assert one["definition"].startswith("llama-exclusive-license") or one["definition"]
    assert {c["view"] for c in one["counts"]} == {"local", "effective"}
    assert all(c["qualifying"] >= c["noncompliant"] for c in one["counts"])
    assert problem(client, "/api/rules/no-such-rule", 404)["detail"].startswith("unknown rule")


# --------------------------------------------------------------------------- licenses


def test_licenses(client):
    licenses = {s["license"]: s for s in ok(client, "/api/licenses")["licenses"]}
    assert licenses["llama2"]["in_kb"] and licenses["llama2"]["family"] == "llama"
    assert licenses["llama2"]["models"] > 0
    detail = ok(client, "/api/licenses/llama2?limit=10")
    assert detail["name"].startswith("Llama 2")
    assert detail["duties"] and all(d["clause"] and d["source"].startswith("https://") for d in detail["duties"])
    assert detail["models"]["total"] == licenses["llama2"]["models"]
    assert len(detail["models"]["models"]) == min(10, detail["models"]["total"])
    assert {m["license"] for m in detail["models"]["models"]} == {"llama2"}
    page2 = ok(client, "/api/licenses/llama2?limit=10&offset=10")["models"]["models"]
    assert page2 and page2[0] not in detail["models"]["models"]
    # a placeholder carried by models answers too, as "not a license"
    none = ok(client, "/api/licenses/none")
    assert none["models"]["total"] == licenses["none"]["models"] > 0
    assert "did you mean" in problem(client, "/api/licenses/llama-2x", 404)["detail"]
    problem(client, "/api/licenses/llama2?limit=0", 422)


# --------------------------------------------------------------------------- check and choose


CARD = """---
license: apache-2.0
base_model: inceptionai/jais-adapted-7b
model_name: my-jais-chat
---
# my-jais-chat
"""


def test_check_a_card_against_the_store(client):
    r = client.post("/api/check", json={"card": CARD})
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["model_id"].endswith("my-jais-chat")
    assert data["violations"] > 0 and data["worst_severity"] == "violation"
    assert [p["parent_id"] for p in data["parents"]] == [FOCUS_PARENT]
    assert data["fix"]["yaml"]["license"] != "apache-2.0"


def test_check_bad_input(client):
    r = client.post("/api/check", json={"card": "no front matter at all"})
    assert r.status_code == 400 and "front matter" in r.json()["detail"]
    assert client.post("/api/check", content=b"{not json", headers={"content-type": "application/json"}).status_code == 422
    assert client.post("/api/check", json={"cards": CARD}).status_code == 422
    r = client.post("/api/check", json={"card": CARD + "x" * 100_001})
    assert r.status_code == 422 and "card" in str(r.json()["detail"])
    r = client.post("/api/check", content=b"x" * 1_100_000, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "at most" in r.json()["detail"]
    r = client.post("/api/check", json={"card": CARD, "parent_licenses": {FOCUS_PARENT: "not-a-license"}})
    assert r.status_code == 400


def test_choose(client):
    data = ok(client, "/api/choose?parent=llama2&parent=apache-2.0")
    assert data["relation"] == "merge" and data["feasible"]
    assert problem(client, "/api/choose", 422)
    assert "not a model in the store" in problem(client, "/api/choose?parent=nobody/nothing", 400)["detail"]
    problem(client, "/api/choose?parent=llama2&relation=copy", 422)
    problem(client, "/api/choose?" + "&".join(["parent=mit"] * 21), 422)


# --------------------------------------------------------------------------- schema, docs, headers, files


def test_openapi_lists_every_endpoint_and_docs_are_off(client):
    schema = ok(client, "/openapi.json")
    paths = set(schema["paths"])
    for path in ("/api/stats", "/api/audit", "/api/reused", "/api/changes", "/api/search", "/api/findings", "/api/rules",
                 "/api/rules/{rule_id}", "/api/licenses", "/api/licenses/{license_id}", "/api/check",
                 "/api/choose", "/api/models/{model_id}", "/api/models/{model_id}/graph",
                 "/api/models/{model_id}/children", "/api/models/{model_id}/choose"):
        assert path in paths, path
    assert not any(p.startswith("/static") for p in paths)
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404


PAGES = ("/", "/?view=effective", "/search?q=jais", f"/models/{FOCUS}", f"/models/{FOCUS}?depth=1&view=local",
         "/rules", "/rules/llama-exclusive-license", "/rules/llama-exclusive-license?relation=adapter&view=effective",
         "/licenses", "/licenses/llama2", "/check", "/choose", "/choose?parent=llama2&parent=apache-2.0", "/changes")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict] = []
        self.script_bodies: list[str] = []
        self.handlers: list[tuple[str, str]] = []
        self.styles: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in attrs:
            if name.lower().startswith("on"):
                self.handlers.append((tag, name))
        if "style" in attrs:
            self.styles.append(tag)
        if tag == "script":
            self.scripts.append(attrs)
            self._in_script = True

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.script_bodies.append(data)


def parse(html: str) -> _Tags:
    tags = _Tags()
    tags.feed(html)
    return tags


@pytest.mark.parametrize("url", PAGES)
def test_pages_render_without_inline_script(client, url):
    r = client.get(url)
    assert r.status_code == 200, r.text[:1000]
    assert r.headers["content-type"].startswith("text/html")
    tags = parse(r.text)
    assert tags.scripts and all(s.get("src", "").startswith("/static/") for s in tags.scripts)
    assert tags.script_bodies == [] and tags.handlers == [] and tags.styles == []
    assert "licensegraph reports license facts" in r.text  # the disclaimer is on every page


def test_every_response_forbids_inline_script(client):
    for url in (*PAGES, "/api/stats", "/openapi.json", "/static/js/graph.js", "/api/models/x/y", "/no/such/page"):
        csp = client.get(url).headers["content-security-policy"]
        assert CSP_SCRIPT in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp, url
        assert "default-src 'none'" in csp


def test_html_errors(client):
    r = client.get("/models/nobody/nothing")
    assert r.status_code == 404 and "nobody/nothing: not in the store" in r.text
    assert client.get("/rules/nope").status_code == 404
    assert client.get("/licenses/nope").status_code == 404
    assert client.get("/no/such/page").status_code == 404
    r = client.get(f"/models/{FOCUS}?depth=9")
    assert r.status_code == 400 and "depth" in r.text
    assert client.get(f"/models/{FOCUS}?relation=lora").status_code == 400
    assert client.get("/rules/nc-dropped?view=x").status_code == 400


def test_model_page_shows_graph_data_duties_findings_and_choices(client):
    html = client.get(f"/models/{FOCUS}?depth=1").text
    assert 'id="graph"' in html and "data-graph=" in html and f'data-graph-url="/api/models/{FOCUS}/graph?depth=1' in html
    assert "llama-exclusive-license" in html or "La2E" in html
    assert "Effective duties" in html and "§1.b" in html
    assert "Licenses a derivative may carry" in html
    assert f"Direct derivatives ({FOCUS_CHILDREN})" in html


def test_model_page_aggregation_is_said(client, sample_db):
    # the sample's Llama-2-7b has more derivatives than one model shows before aggregating
    with LicenseGraph(sample_db, read_only=True) as lg:
        total = lg.children(FOCUS_ROOT).page.total
    assert total > 25
    html = client.get(f"/models/{FOCUS_ROOT}").text
    assert "larger than the graph draws" in html
    assert f"descendants at distance 1:\n        {total:,}, <strong>25 drawn</strong>" in html


def test_static_files_only_from_the_package(client):
    assert client.get("/static/js/graph.js").status_code == 200
    lic = client.get("/static/vendor/cytoscape/LICENSE")
    assert lic.status_code == 200 and "Cytoscape Consortium" in lic.text
    for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py", "/static/%2e%2e/%2e%2e/pyproject.toml",
                 "/static//etc/passwd", "/static/js/../../app.py", "/static/nope.js"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert "import" not in r.text
