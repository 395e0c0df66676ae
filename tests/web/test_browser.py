"""The dashboard in a real browser: Debian's chromium, headless, driven by Playwright, against
`licensegraph serve` running on 127.0.0.1 over the real sample.

Screenshots go to tests/artifacts/ (or $LICENSEGRAPH_TEST_ARTIFACTS).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from dashboard_facts import ARTIFACTS, FOCUS, FOCUS_CHILDREN, FOCUS_PARENT, RELICENSED, RELICENSED_TO, Server

CHROMIUM = Path(os.environ.get("LICENSEGRAPH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

if not CHROMIUM.exists():
    if os.environ.get("LICENSEGRAPH_REQUIRE_BROWSER"):
        raise RuntimeError(f"no browser at {CHROMIUM}: install Debian's chromium (apt-get install chromium)")
    pytest.skip(f"no browser at {CHROMIUM} (apt-get install chromium; .ci/run does)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def live_server(runs_db):
    """`licensegraph serve` over the sample recorded as two runs (the second relicenses one
    model), in a subprocess."""
    server = Server(runs_db)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class Watch:
    """Console errors, page errors and dialogs a page raised: each one is a failure."""

    def __init__(self, page) -> None:
        self.problems: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("dialog", lambda d: (self.problems.append(f"dialog: {d.message}"), d.dismiss()))


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    p = context.new_page()
    p.watch = Watch(p)
    yield p
    context.close()


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def graph_ready(page) -> None:
    page.wait_for_selector('#graph[data-ready="1"]', timeout=15_000)


def test_overview_search_model_graph_parent_and_check(live_server, page):
    base = live_server.url.rstrip("/")

    # the overview: the study-style table and the reused noncompliant models
    page.goto(base + "/")
    assert page.locator("h1").inner_text() == "Overview"
    assert page.locator("#study-table tbody tr").count() >= 10
    assert FOCUS_PARENT in page.locator("#reused").inner_text()  # local view: its own parent is Llama 2
    # what changed since the last run, loaded after the page: the relicensed model, the
    # findings that appeared on its derivatives, the licenses it moved between
    page.wait_for_selector('#changes[data-loaded="true"] #changes-body', timeout=15_000)
    changes = page.locator("#changes")
    assert changes.locator("#changes-models a").first.get_attribute("href") == f"/models/{RELICENSED}"
    assert int(changes.locator("#changes-findings-appeared").inner_text().lstrip("+").replace(",", "")) > 0
    assert changes.locator('#changes-by-rule a[href^="/rules/nc-dropped"]').count() == 1
    assert changes.locator(f'#changes-licenses a[href="/licenses/{RELICENSED_TO}"]').count() == 1
    shot(page, "01-overview")
    changes.scroll_into_view_if_needed()
    changes.screenshot(path=str(ARTIFACTS / "08-overview-changes.png"))

    # search with autocomplete: type part of a real id, pick the suggestion
    page.fill("#q", "jais-adapted-7b-c")
    suggestion = page.locator("ul.suggest li", has_text=FOCUS)
    suggestion.first.wait_for(timeout=10_000)
    shot(page, "02-autocomplete")
    suggestion.first.click()
    page.wait_for_url(f"**/models/{FOCUS}")
    graph_ready(page)

    # depth control: one level each way
    page.select_option("select[name=depth]", "1")
    page.click(".graph-controls button[type=submit]")
    page.wait_for_url("**depth=1**")
    graph_ready(page)
    assert page.locator("#model-id").inner_text() == FOCUS

    # the graph library's own state: itself, its parent and its 15 children, two marked noncompliant
    nodes = page.evaluate("() => window.lgCy.nodes().length")
    assert nodes == 1 + 1 + FOCUS_CHILDREN
    edges = page.evaluate("() => window.lgCy.edges().length")
    assert edges == 1 + FOCUS_CHILDREN
    marked = page.evaluate("() => window.lgCy.nodes('.noncompliant').map(n => n.id())")
    assert FOCUS in marked and FOCUS_PARENT in marked
    # the mark is drawn: a diamond with a red border, unlike a clean node
    style = page.evaluate("(id) => { const n = window.lgCy.getElementById(id); "
                          "return [n.style('shape'), n.style('border-color'), n.style('border-width')]; }",
                          FOCUS_PARENT)
    assert style[0] == "diamond" and style[1] == "rgb(180,35,24)" and style[2] == "4px"
    assert page.evaluate("() => window.lgCy.nodes('.focus').map(n => n.id())") == [FOCUS]
    assert "descendants at distance 1" in page.locator("#graph-summary").inner_text()
    shot(page, "03-model-graph")

    # follow a node: click the parent where Cytoscape drew it
    box = page.locator("#graph").bounding_box()
    pos = page.evaluate("(id) => window.lgCy.getElementById(id).renderedPosition()", FOCUS_PARENT)
    page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])
    page.wait_for_url(f"**/models/{FOCUS_PARENT}")
    graph_ready(page)
    assert page.locator("#model-id").inner_text() == FOCUS_PARENT
    assert page.evaluate("() => window.lgCy.nodes('.focus').map(n => n.id())") == [FOCUS_PARENT]
    shot(page, "04-parent-page")

    # paste a card on the check page and read the verdict
    page.goto(base + "/check")
    page.fill("#card", "---\nlicense: apache-2.0\nbase_model: inceptionai/jais-adapted-7b\n"
                       "model_name: my-jais-chat\n---\n# my-jais-chat\n")
    page.click("#check-form button[type=submit]")
    verdict = page.locator("#verdict")
    verdict.wait_for(timeout=15_000)
    assert verdict.get_attribute("data-verdict") == "violation"
    assert "violation" in verdict.inner_text() and "do not publish" in verdict.inner_text()
    assert "license:" in page.locator("#fix-yaml").inner_text()
    shot(page, "05-check-verdict")

    assert page.watch.problems == []


def test_large_family_is_aggregated_in_the_browser(live_server, page):
    page.goto(live_server.url.rstrip("/") + "/models/meta-llama/Llama-2-7b?depth=1")
    graph_ready(page)
    boxes = page.evaluate("() => window.lgCy.nodes('.more').map(n => [n.data('relation'), n.data('hidden')])")
    drawn = page.evaluate("() => window.lgCy.nodes('.model').length")
    total = int(page.locator("#children").inner_text().split("(")[1].split(")")[0].replace(",", ""))
    assert boxes, "more children than one model shows: the rest are boxes"
    assert sum(h for _, h in boxes) + (drawn - 1) == total  # every child: drawn or counted in a box
    assert "larger than the graph draws" in page.locator("#graph-summary").inner_text()
    shot(page, "06-aggregated-family")
    # a box leads to the paginated list of that relation's children
    box = page.locator("#graph").bounding_box()
    relation, _ = boxes[0]
    pos = page.evaluate("() => window.lgCy.nodes('.more')[0].renderedPosition()")
    page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])
    page.wait_for_url(f"**relation={relation}**")
    assert page.locator("#children-table tbody tr").count() > 0
    assert page.watch.problems == []
