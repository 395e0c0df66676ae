"""The dashboard: a FastAPI app over the library API, read-only.

Every page and every JSON endpoint is a thin layer over `licensegraph.api.LicenseGraph`:
it parses the request, calls one or a few verbs, and renders the frozen results (HTML
through Jinja2 templates with autoescape, JSON through `to_dict()`). Nothing here runs
SQL or touches the store or the file system; the only files served are the packaged
static assets.

The store is opened per request and closed after it, never held: a writer (another
`licensegraph ingest`) can take the store between two requests.
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import AbstractContextManager, asynccontextmanager
from html import escape as html_escape
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, quote, urlencode

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from licensegraph.api import (
    CheckError,
    LicenseGraph,
    ModelNotFound,
    NoStore,
    ParentError,
    RunError,
    SharedReader,
    StoreError,
)
from licensegraph.api import vocabulary as V
from licensegraph.api.results import LineageGraph, Result
from licensegraph.web.security import (
    SECURITY_HEADERS,
    BodyTooLarge,
    SecurityHeaders,
    read_body,
)

STATIC_DIR = Path(__file__).parent / "static"

#: Longest model card the check page takes, in characters.
MAX_CARD_CHARS = 100_000
#: Largest request body taken (the check form, URL-encoded, or its JSON).
MAX_BODY_BYTES = 1_048_576
#: Most parents the choose page takes.
MAX_PARENTS = 20
#: Children listed per page on the model page.
CHILDREN_PER_PAGE = 25
#: Changes of each kind (models added, findings resolved, ...) the overview lists; the
#: changes page lists CHANGES_LISTED.
CHANGES_ON_OVERVIEW = 10
CHANGES_LISTED = 100
DEPTHS = (1, 2, 3, 4, 5, 6)

GraphOpener = Callable[[], AbstractContextManager[LicenseGraph]]

View = Literal["local", "effective"]
Relation = Literal["finetune", "adapter", "quantization", "merge"]
Offset = Annotated[int, Query(ge=0, le=10**9, description="How many results to skip.")]
Limit = Annotated[int, Query(ge=1, le=500, description="How many results to return (at most 500).")]
Since = Annotated[str | None, Query(max_length=40, description="A run number, or a date (YYYY-MM-DD[THH:MM[:SS]]): "
                                    "the runs after it (default: the last run alone).")]


class NotFound(LookupError):
    """Nothing answers to the requested id."""


# --------------------------------------------------------------------------- helpers


def model_url(model_id: str) -> str:
    """The dashboard path of a model page (the id is percent-encoded, its '/' kept)."""
    return "/models/" + quote(model_id, safe="/")


def license_url(license_id: str) -> str:
    return "/licenses/" + quote(license_id, safe="")


def rule_url(rule_id: str) -> str:
    return "/rules/" + quote(rule_id, safe="")


def external_url(url: str | None) -> str:
    """Only http(s) links leave the page; anything else (javascript:, data:) becomes inert."""
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        return url
    return "about:blank"


def with_params(request: Request, **changes: Any) -> str:
    """This page's path with some query parameters replaced (None removes one)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    params += [(k, str(v)) for k, v in changes.items() if v is not None]
    path = quote(request.url.path, safe="/")
    return path + ("?" + urlencode(params) if params else "")


def _num(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return f"{value:,}" if isinstance(value, (int, float)) else str(value)


def graph_payload(graph: LineageGraph) -> dict[str, Any]:
    """The graph as JSON, with each node's link and short label added for drawing."""
    data = graph.to_dict()
    for node in data["nodes"]:
        if node["kind"] == "more":
            node["url"] = f"{model_url(node['model_id'])}?{urlencode({'relation': node['relation']})}#children"
            node["label"] = f"+{node['hidden']:,} {node['relation']}"
        else:
            node["url"] = model_url(node["model_id"])
            node["label"] = node["model_id"].rsplit("/", 1)[-1]
    return data


def _json(result: Result | dict[str, Any], status_code: int = 200) -> JSONResponse:
    return JSONResponse(result.to_dict() if isinstance(result, Result) else result, status_code=status_code)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


# --------------------------------------------------------------------------- app


def create_app(db: Path | str | None = None, *, opener: GraphOpener | None = None) -> FastAPI:
    """The dashboard over the store at `db` (read-only), or over the LicenseGraphs `opener`
    gives (one per request, closed after it)."""
    reader: SharedReader | None = None
    if opener is None:
        if db is None:
            raise ValueError("create_app needs a store path or an opener")
        reader = SharedReader(db)
        reader.kb  # noqa: B018 - load the knowledge base once, before the first request
        opener = reader.session

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if reader is not None:  # release the store when the server stops
            reader.close()

    app = FastAPI(
        title="licensegraph",
        summary="Whether Hugging Face models respect the licenses of the models they were built from.",
        description=f"The JSON API behind every page of the dashboard (read-only). {V.NOT_LEGAL_ADVICE}",
        docs_url=None,  # FastAPI's /docs and /redoc load scripts from a CDN and use inline script
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.opener = opener
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC_DIR, follow_symlink=False), name="static")

    env = Environment(loader=PackageLoader("licensegraph.web", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    env.filters.update(num=_num, model_url=model_url, license_url=license_url, rule_url=rule_url,
                       external_url=external_url)
    env.globals.update(views=V.VIEWS, relations=V.RELATIONS, breakdown=V.BREAKDOWN, depths=DEPTHS,
                       disclaimer=V.NOT_LEGAL_ADVICE, with_params=with_params, max_card=MAX_CARD_CHARS)
    templates = Jinja2Templates(env=env)

    def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("query", None)
        return templates.TemplateResponse(request, template, context, status_code=status_code)

    def error_response(request: Request, status: int, title: str, message: str) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": message}, status_code=status)
        return page(request, "error.html", status_code=status, status=status, title=title, message=message)

    @app.exception_handler(NotFound)
    @app.exception_handler(ModelNotFound)
    async def not_found(request: Request, exc: Exception) -> Response:
        return error_response(request, 404, "Not found", exc.args[0] if exc.args else str(exc))

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, exc: BodyTooLarge) -> Response:
        return error_response(request, 413, "Too large", str(exc))

    @app.exception_handler(NoStore)
    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: Exception) -> Response:
        return error_response(request, 503, "Store unavailable", str(exc))

    @app.exception_handler(ValueError)
    async def bad_value(request: Request, exc: ValueError) -> Response:
        return error_response(request, 400, "Bad request", str(exc))

    @app.exception_handler(RequestValidationError)
    async def bad_params(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:]) or e['loc'][0]}: {e['msg']}"
                             for e in exc.errors())
        if _is_api(request):
            return JSONResponse({"detail": exc.errors() and [
                {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]},
                status_code=422)
        return page(request, "error.html", status_code=400, status=400, title="Bad request", message=problems)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # Starlette answers these outside every middleware: the headers are set here
        response = PlainTextResponse("Internal error: the server's log has the details.", status_code=500)
        for name, value in SECURITY_HEADERS:
            response.headers[name.decode()] = value.decode()
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = "No such page." if exc.status_code == 404 else str(exc.detail)
        return error_response(request, exc.status_code, "Not found" if exc.status_code == 404 else "Error", message)

    app.include_router(_api_routes())
    app.include_router(_page_routes(page))
    return app


def _graph(request: Request) -> Iterator[LicenseGraph]:
    """One LicenseGraph per request, closed when the response is done."""
    with request.app.state.opener() as lg:
        yield lg


Graph = Annotated[LicenseGraph, Depends(_graph)]


def _lookup(fn: Callable[[], Any]) -> Any:
    """Call an api verb that raises KeyError for an unknown id; NotFound instead."""
    try:
        return fn()
    except KeyError as exc:
        raise NotFound(exc.args[0] if exc.args else str(exc)) from None


# --------------------------------------------------------------------------- JSON API


class CheckRequest(BaseModel):
    """A model card to check, as if it were about to be published."""

    card: str = Field(max_length=MAX_CARD_CHARS, description="The card's markdown, YAML front matter included.")
    parent_licenses: dict[str, str] = Field(default_factory=dict, max_length=MAX_PARENTS,
                                            description="Licenses of parents the store lacks: {model id: license id}.")
    name: str | None = Field(default=None, max_length=200, description="The repo name (default: the card's model_name).")


def _api_routes() -> APIRouter:
    api = APIRouter(prefix="/api", tags=["api"])

    @api.get("/stats", summary="What the store holds")
    def stats(lg: Graph, top: Annotated[int, Query(ge=1, le=200)] = 15) -> JSONResponse:
        """Models, edges by relation, licenses, dangling parents and cycles."""
        return _json(lg.stats(top=top))

    @api.get("/audit", summary="The study-style noncompliance table of the last audit")
    def audit(lg: Graph, view: View = "local", hub_labels: bool = False) -> JSONResponse:
        """The table of one view, from the last `licensegraph audit` (no rule is run)."""
        return _json(lg.audit_table(view=view, hub_labels=hub_labels))

    @api.get("/reused", summary="The most reused noncompliant models")
    def reused(lg: Graph, view: View = "local", offset: Offset = 0, limit: Limit = 20) -> JSONResponse:
        """Models with a violation in `view`, by how many models are built directly on them."""
        return _json(lg.most_reused_noncompliant(view=view, offset=offset, limit=limit))

    @api.get("/changes", summary="What changed since the previous run (or a given run or date)")
    def changes(lg: Graph, since: Since = None, view: View | None = None, limit: Limit = 50) -> JSONResponse:
        """Net changes over the completed runs after `since`: totals, findings appeared and
        resolved per rule, licenses models gained or lost, and up to `limit` models, edges
        and findings of each kind of change. 400 when there is no such run."""
        try:
            result = lg.changes(since=since or None, view=view, limit=limit)
        except RunError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=400)
        data = result.to_dict()
        for lic in data["licenses"]:
            lic["url"] = license_url(lic["license"])
        for row in (*data["models"], *data["findings"]):
            row["url"] = model_url(row["model_id"])
        return _json(data)

    @api.get("/search", summary="Model ids containing a query (autocomplete)")
    def search(lg: Graph, q: Annotated[str, Query(max_length=200)], limit: Limit = 10) -> JSONResponse:
        """Exact id first, then ids and names starting with the query, then the rest."""
        data = lg.search(q, limit=limit).to_dict()
        for m in data["matches"]:
            m["url"] = model_url(m["model_id"])
        return _json(data)

    @api.get("/findings", summary="A page of findings, filtered")
    def findings(lg: Graph, view: View | None = None, rule: str | None = None,
                 severity: Literal["violation", "warning", "risk"] | None = None,
                 relation: Relation | None = None, model: str | None = None, ancestor: str | None = None,
                 offset: Offset = 0, limit: Limit = 50) -> JSONResponse:
        """Findings of the last audit matching every given filter."""
        if rule is not None:
            _lookup(lambda: lg.rule_standing(rule))
        page = lg.findings(view=view, rule_id=rule, severity=severity, relation=relation, model_id=model,
                           ancestor_id=ancestor, offset=offset, limit=limit)
        return _json({**page.to_dict(), "next_offset": page.next_offset})

    @api.get("/rules", summary="The rule catalogue")
    def rules(lg: Graph) -> JSONResponse:
        return _json({"rules": [r.to_dict() for r in lg.rule_catalogue()]})

    @api.get("/rules/{rule_id}", summary="One rule")
    def rule(lg: Graph, rule_id: str) -> JSONResponse:
        return _json(_lookup(lambda: lg.rule_standing(rule_id)))

    @api.get("/licenses", summary="The license knowledge base, with model counts")
    def licenses(lg: Graph) -> JSONResponse:
        return _json({"licenses": [s.to_dict() for s in lg.license_catalogue()]})

    @api.get("/licenses/{license_id}", summary="One license: clauses, sources, and a page of its models")
    def license_(lg: Graph, license_id: str, view: View = "effective", offset: Offset = 0,
                 limit: Limit = 50) -> JSONResponse:
        detail = _lookup(lambda: lg.license_detail(license_id, view=view, offset=offset, limit=limit))
        return _json(detail)

    @api.post("/check", summary="Check a model card before publishing")
    async def check(lg: Graph, request: Request) -> JSONResponse:
        """Body: `{"card": "...", "parent_licenses": {"id": "license"}, "name": null}` (at most
        100,000 characters of card). 200 with the result, or 400 naming what is wrong with the card."""
        body = await read_body(request, MAX_BODY_BYTES)
        try:
            req = CheckRequest.model_validate_json(body)
        except ValidationError as exc:  # bad JSON is reported by pydantic too
            detail = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
            return JSONResponse({"detail": detail}, status_code=422)
        try:
            result = await run_in_threadpool(lg.check, text=req.card, parent_licenses=req.parent_licenses,
                                             name=req.name)
        except CheckError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=400)
        data = result.to_dict()
        data["violations"] = result.violations
        data["worst_severity"] = result.worst_severity
        return _json(data)

    @api.get("/choose", summary="Licenses a derivative of the given parents may carry")
    def choose(lg: Graph, parent: Annotated[list[str], Query(min_length=1, max_length=MAX_PARENTS)],
               relation: Relation | None = None) -> JSONResponse:
        """`parent`: Hub ids in the store, or license ids (repeat the parameter)."""
        try:
            return _json(lg.choose(parent, relation=relation))
        except ParentError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=400)

    # Model routes last: the id holds a '/', so the sub-resources come before the catch-all.
    @api.get("/models/{model_id:path}/graph", summary="A model's lineage graph to a depth")
    def model_graph(lg: Graph, model_id: str, depth: Annotated[int, Query(ge=1, le=6)] = 2,
                    view: View = "effective", limit: Annotated[int, Query(ge=1, le=200)] = 25,
                    budget: Annotated[int, Query(ge=10, le=2000)] = 300) -> JSONResponse:
        """Ancestors and descendants; past `limit` children of one model or `budget` nodes in
        all, the rest are boxes (kind "more") per parent and relation."""
        return _json(graph_payload(lg.lineage_graph(model_id, depth=depth, view=view, limit=limit, budget=budget)))

    @api.get("/models/{model_id:path}/children", summary="A page of a model's direct derivatives")
    def model_children(lg: Graph, model_id: str, relation: Relation | None = None, view: View = "effective",
                       offset: Offset = 0, limit: Limit = 50) -> JSONResponse:
        children = lg.children(model_id, relation=relation, view=view, offset=offset, limit=limit)
        return _json(children)

    @api.get("/models/{model_id:path}/choose", summary="Licenses a derivative of this model may carry")
    def model_choose(lg: Graph, model_id: str, relation: Relation | None = None) -> JSONResponse:
        ex = lg.explain(model_id)  # ModelNotFound -> 404
        return _json(lg.choose([ex.model.model_id], relation=relation))

    @api.get("/models/{model_id:path}", summary="A model: lineage, effective duties with sources, findings")
    def model(lg: Graph, model_id: str) -> JSONResponse:
        return _json(lg.explain(model_id))

    return api


# --------------------------------------------------------------------------- pages


def _form_fields(body: bytes) -> dict[str, str]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("the form is not UTF-8") from None
    fields = parse_qs(text, keep_blank_values=True, max_num_fields=10)
    return {k: v[0] for k, v in fields.items()}


def _parents(values: Sequence[str]) -> list[str]:
    out = []
    for value in values:
        out += [p.strip() for p in value.splitlines() if p.strip()]
    if len(out) > MAX_PARENTS:
        raise ValueError(f"{len(out)} parents given; at most {MAX_PARENTS} are taken")
    for p in out:
        if len(p) > 200:
            raise ValueError(f"a parent of {len(p)} characters; at most 200 are taken")
    return out


def _page_routes(page: Callable[..., HTMLResponse]) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/", response_class=HTMLResponse)
    def overview(request: Request, lg: Graph, view: View = "local", offset: Offset = 0) -> HTMLResponse:
        return page(request, "overview.html", view=view, stats=lg.stats(top=15), table=lg.audit_table(view=view),
                    reused=lg.most_reused_noncompliant(view=view, offset=offset, limit=15))

    @pages.get("/changes", response_class=HTMLResponse)
    def changes(request: Request, lg: Graph, since: Since = None, view: str = "",
                part: bool = False) -> HTMLResponse:
        """What changed; `part`: only the changes themselves, which the overview loads after the page."""
        if view and view not in V.VIEWS:
            raise ValueError(f"view must be one of {', '.join(V.VIEWS)}, not {view!r}")
        limit = CHANGES_ON_OVERVIEW if part else CHANGES_LISTED
        json_url = "/api/changes?" + urlencode({k: v for k, v in (("since", since), ("view", view)) if v})
        context: dict[str, Any] = {"since": since, "view": view or None, "limit": limit, "json_url": json_url}
        try:
            context["changes"] = lg.changes(since=since or None, view=view or None, limit=limit)
        except RunError as exc:
            context["error"] = str(exc)
        if part:
            if "error" in context:
                return HTMLResponse(f'<p class="muted">{html_escape(context["error"])}</p>')
            return page(request, "_changes.html", **context)
        return page(request, "changes.html", status_code=400 if "error" in context and since else 200, **context)

    @pages.get("/search", response_class=HTMLResponse)
    def search(request: Request, lg: Graph, q: Annotated[str, Query(max_length=200)] = "") -> HTMLResponse:
        limit = 100
        return page(request, "search.html", query=q, limit=limit, result=lg.search(q, limit=limit))

    @pages.get("/rules", response_class=HTMLResponse)
    def rules(request: Request, lg: Graph) -> HTMLResponse:
        return page(request, "rules.html", rules=lg.rule_catalogue())

    @pages.get("/rules/{rule_id}", response_class=HTMLResponse)
    def rule(request: Request, lg: Graph, rule_id: str, view: View = "local", relation: str = "",
             offset: Offset = 0, limit: Limit = 50) -> HTMLResponse:
        info = _lookup(lambda: lg.rule_standing(rule_id))
        if relation and relation not in V.RELATIONS:
            raise ValueError(f"relation must be one of {', '.join(V.RELATIONS)}, not {relation!r}")
        found = lg.findings(rule_id=rule_id, view=view, relation=relation or None, offset=offset, limit=limit)
        return page(request, "rule.html", standing=info, view=view, relation=relation or None, page=found)

    @pages.get("/licenses", response_class=HTMLResponse)
    def licenses(request: Request, lg: Graph) -> HTMLResponse:
        return page(request, "licenses.html", licenses=lg.license_catalogue())

    @pages.get("/licenses/{license_id}", response_class=HTMLResponse)
    def license_(request: Request, lg: Graph, license_id: str, view: View = "effective", offset: Offset = 0,
                 limit: Limit = 50) -> HTMLResponse:
        detail = _lookup(lambda: lg.license_detail(license_id, view=view, offset=offset, limit=limit))
        return page(request, "license.html", lic=detail, view=view)

    @pages.get("/check", response_class=HTMLResponse)
    def check_form(request: Request) -> HTMLResponse:
        return page(request, "check.html")

    @pages.post("/check", response_class=HTMLResponse)
    async def check(request: Request, lg: Graph) -> HTMLResponse:
        kind = request.headers.get("content-type", "").split(";")[0].strip()
        if kind != "application/x-www-form-urlencoded":
            raise ValueError(f"the check form must be sent as application/x-www-form-urlencoded, not {kind or 'nothing'}")
        form = _form_fields(await read_body(request, MAX_BODY_BYTES))
        card = form.get("card", "")
        context = {"card": card, "parent_licenses": form.get("parent_licenses", ""), "name": form.get("name", "")}
        if len(card) > MAX_CARD_CHARS:
            raise BodyTooLarge(f"the card is {len(card):,} characters long; at most {MAX_CARD_CHARS:,} are taken")
        if not card.strip():
            return page(request, "check.html", status_code=400, error="the card is empty", **context)
        parents = [line.strip() for line in context["parent_licenses"].splitlines() if line.strip()]
        try:
            result = await run_in_threadpool(lg.check, text=card, parent_licenses=parents,
                                             name=context["name"].strip() or None)
        except CheckError as exc:
            return page(request, "check.html", status_code=400, error=str(exc), **context)
        return page(request, "check.html", result=result, **context)

    @pages.get("/choose", response_class=HTMLResponse)
    def choose(request: Request, lg: Graph, parent: Annotated[list[str], Query()] = [],  # noqa: B006
               parents: str = "", relation: str = "") -> HTMLResponse:
        wanted = _parents([*parent, parents])
        if relation and relation not in V.RELATIONS:
            raise ValueError(f"relation must be one of {', '.join(V.RELATIONS)}, not {relation!r}")
        context: dict[str, Any] = {"parents": wanted, "relation": relation or None}
        if not wanted:
            return page(request, "choose.html", **context)
        try:
            choice = lg.choose(wanted, relation=relation or None)
        except ParentError as exc:
            return page(request, "choose.html", status_code=400, error=str(exc), **context)
        return page(request, "choose.html", choice=choice, **context)

    @pages.get("/models/{model_id:path}", response_class=HTMLResponse)
    def model(request: Request, lg: Graph, model_id: str, view: View = "effective",
              depth: Annotated[int, Query(ge=1, le=6)] = 2, relation: str = "", offset: Offset = 0) -> HTMLResponse:
        if relation and relation not in V.RELATIONS:
            raise ValueError(f"relation must be one of {', '.join(V.RELATIONS)}, not {relation!r}")
        # a parent the store only knows from its children's cards (dangling) has no
        # explanation, but it has a graph and children: children() raises if it has neither
        children = lg.children(model_id, relation=relation or None, view=view, offset=offset,
                               limit=CHILDREN_PER_PAGE)
        try:
            ex = lg.explain(model_id)
        except ModelNotFound:
            ex = None
        graph = lg.lineage_graph(model_id, depth=depth, view=view)
        choice, choice_error, findings = None, None, []
        if ex is not None:
            try:
                choice = lg.choose([ex.model.model_id])
            except (ParentError, ValueError) as exc:
                choice_error = str(exc)
            rank = {s: i for i, s in enumerate(V.SEVERITIES)}
            findings = sorted((f for f in ex.findings if f.view == view),
                              key=lambda f: (rank.get(f.severity, 9), f.rule_id))
        graph_url = f"/api{model_url(children.model_id)}/graph?{urlencode({'depth': depth, 'view': view})}"
        return page(request, "model.html", ex=ex, model_id=children.model_id, view=view, depth=depth,
                    findings=findings, children=children,
                    choice=choice, choice_error=choice_error, graph_url=graph_url,
                    graph_json=json.dumps(graph_payload(graph), separators=(",", ":")),
                    graph_levels=graph.levels, graph_aggregated=graph.aggregated, graph_limit=graph.limit,
                    graph_budget=graph.budget)

    return pages
