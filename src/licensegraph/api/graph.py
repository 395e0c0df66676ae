"""`LicenseGraph`: the library API. Every interface (CLI, dashboard, exports) goes through it.

    from licensegraph.api import LicenseGraph

    with LicenseGraph("hub.duckdb") as lg:
        lg.ingest(["hub-sample-2025.jsonl.gz"])
        table = lg.audit(view="effective")
        page = lg.findings(rule_id="nc-dropped", limit=20)
        why = lg.explain("sherooz/ahmed")

Each verb returns a frozen result of `licensegraph.api.results`. Errors are exceptions
that name the input and the problem (`StoreError` and its kinds, `IngestError`,
`CheckError`, `ParentError`, `ModelNotFound`, `ValueError` for a bad option value).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from licensegraph.licenses.kb import KnowledgeBase, load_kb
from licensegraph.store.db import Store, StoreError, StoreMissing, check_store_file, default_db_path
from licensegraph.store.session import open_for_reading, work_files, write_store
from licensegraph.vocab import ALL_VIEWS, VIEWS, base_view, inferred_view

# Each verb imports the engine it needs when it runs, so that one verb (explain from the
# shell) does not load every other's (rules, NumPy, Arrow, the Hub client, the result types).
if TYPE_CHECKING:
    from licensegraph.api.baseline import GateResult
    from licensegraph.api.export_results import AuditFindings, ModelLineage, ReportData
    from licensegraph.api.results import (
        AuditResult,
        ChangesResult,
        CheckResult,
        ChildrenPage,
        Choice,
        CrawlReport,
        Explanation,
        Finding,
        FindingsPage,
        IngestReport,
        LicenseDetail,
        LicenseSummary,
        LineageGraph,
        ModelMatches,
        PairAnswer,
        Reject,
        ReusedPage,
        RuleCatalogue,
        RuleStanding,
        RunInfo,
        StatsResult,
    )
    from licensegraph.rules.base import Rule
    from licensegraph.rules.data_base import DataRule
    from licensegraph.sources.hub_client import HubClient
    from licensegraph.sources.hub_crawl import ProgressFn as CrawlProgressFn
    from licensegraph.sources.ingest import ProgressCallback


class NoStore(StoreMissing):
    """The store file does not exist (and the verb only reads)."""


class EmptyStore(StoreError):
    """The store holds no models."""


def _rated(client: HubClient | None, rate: float | None) -> HubClient:
    """The crawl's client, reading repo files at `rate` per second when given."""
    from licensegraph.sources.hub_client import HubClient

    client = client or HubClient()
    if rate is not None:
        client.file_rate = rate
    return client


class LicenseGraph:
    """A licensegraph store and the product's verbs over it.

    `db`: the store file (default: `$LICENSEGRAPH_DB`, else the user data directory).
    Reading verbs open the store read-only on first use (NoStore when it does not exist:
    nothing is created) and see the last completed write; `close()` (or a `with` block)
    releases it, and a later verb opens it again, seeing any write made meanwhile. Writing
    verbs (`ingest`, `audit`) go through `writing()`: the writer lock, a copy, an atomic
    replacement (store.session). `read_only`: refuse the writing verbs.
    `lock_timeout` / `on_wait(message)`: how long a writing verb waits for another writer
    (default $LICENSEGRAPH_LOCK_TIMEOUT or 600 s) and what it is told while it waits.
    """

    def __init__(self, db: Path | str | None = None, *, read_only: bool = False,
                 kb: KnowledgeBase | None = None, lock_timeout: float | None = None,
                 on_wait: Callable[[str], None] | None = None) -> None:
        self.path = Path(db) if db is not None and str(db) != ":memory:" else (db or default_db_path())
        self.read_only = read_only
        self.lock_timeout = lock_timeout
        self.on_wait = on_wait
        self._kb = kb
        self._store: Store | None = None

    # ------------------------------------------------------------------ plumbing

    @property
    def kb(self) -> KnowledgeBase:
        """The license knowledge base (loaded once)."""
        if self._kb is None:
            self._kb = load_kb()
        return self._kb

    def exists(self) -> bool:
        """Whether the store file exists."""
        return str(self.path) == ":memory:" or Path(self.path).exists()

    @property
    def _in_memory(self) -> bool:
        return str(self.path) == ":memory:"

    @property
    def store(self) -> Store:
        """The open store: read-only (opened on first use), or the writable copy inside `writing()`."""
        if self._store is None:
            if self._in_memory:
                self._store = Store(self.path)
            else:
                try:
                    self._store = open_for_reading(self.path)
                except NoStore:
                    raise
                except StoreMissing as exc:
                    raise NoStore(str(exc)) from None
        return self._store

    def check_path(self, create: bool = False) -> None:
        """Raise StoreError now if the path cannot be a store (or, unless `create`, is missing)."""
        if self._in_memory:
            return
        try:
            check_store_file(Path(self.path), must_exist=not create)
        except StoreMissing as exc:
            raise NoStore(str(exc)) from None

    @contextmanager
    def writing(self, create: bool = False, in_place: bool = False) -> Iterator[Store]:
        """The store, writable, for one atomic step: inside the block `self.store` is a copy
        that replaces the store when the block ends (an exception discards it). Waits for
        another writer. `create`: make the store if there is none (ingest, crawl). A store
        left stale by an in-place writer is repaired first."""
        from licensegraph.api.ingest import rebuild_derived

        if self.read_only:
            raise StoreError(f"{self.path} was opened read-only")
        if self._in_memory:
            yield self.store
            return
        self.close()  # a read connection would keep showing the old file
        try:
            with write_store(self.path, create=create, timeout=self.lock_timeout, on_wait=self.on_wait,
                             in_place=in_place) as store:
                self._store = store
                try:
                    if store.derived_stale():
                        rebuild_derived(store)
                    yield store
                finally:
                    self._store = None
        except StoreMissing as exc:
            if isinstance(exc, NoStore):
                raise
            raise NoStore(str(exc)) from None

    def _optional_store(self) -> Store | None:
        return self.store if self.exists() else None

    def close(self) -> None:
        """Release the store."""
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> LicenseGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ verbs

    def ingest(self, paths: Iterable[Path | str], progress: ProgressCallback | None = None) -> IngestReport:
        """Read model records (.jsonl[.gz], .parquet) and lineage CSVs, then rebuild lineage and
        licenses and audit; recorded as a numbered run (see `changes`).

        `progress(label, done, total)` is called while files are read."""
        from licensegraph.api.crawl import ingest_run

        with self.writing(create=True) as store:
            return ingest_run(store, paths, progress=progress)

    def crawl(self, *, author: str | None = None, search: str | None = None, limit: int | None = None,
              since: datetime | None = None, full: bool = False, models: Sequence[str] | None = None,
              ancestors: bool = False, descendants: int = 0, client: HubClient | None = None,
              progress: CrawlProgressFn | None = None, step_pages: int | None = None,
              card_text: bool = False, card_text_rate: float | None = None) -> CrawlReport:
        """Crawl the live Hub (`$HF_ENDPOINT`, token from `$HF_TOKEN`) into the store as a numbered run.

        Incremental unless `full`: the listing (newest-modified first) stops at the last
        complete crawl's checkpoint or at `since`. `full` also marks the models it no longer
        lists deleted, once the Hub answers 404 for them. `models`: fetch those (with
        `ancestors`, and `descendants` levels down) instead of listing. An interrupted run
        with the same options is resumed. `progress(phase, done, total or None)`.
        The store is written in atomic steps of at most `step_pages` pages (each step
        costs one copy of the store; a kill loses at most the step in progress).
        `card_text`: also store the README (and a PEFT repo's adapter_config.json) of each
        model that declares no base model, for hidden-lineage discovery, reading at most
        `card_text_rate` files per second (default the client's, 10).
        CrawlError (what was stored, how to resume) when the Hub cannot be read."""
        from licensegraph.api.crawl import STEP_PAGES
        from licensegraph.api.crawl import crawl as crawl_verb
        from licensegraph.sources.hub_crawl import CrawlOptions

        if step_pages is None:
            step_pages = STEP_PAGES
        if card_text_rate is not None and card_text_rate <= 0:
            raise ValueError(f"--card-text-rate must be more than 0 files per second, not {card_text_rate:g}")
        opts = CrawlOptions(author=author, search=search, limit=limit, since=since, full=full)
        if self.read_only:
            raise StoreError(f"{self.path} was opened read-only")
        return crawl_verb(lambda: self.writing(create=True), opts,
                          models=list(models) if models else None, ancestors=ancestors, descendants=descendants,
                          progress=progress, step_pages=step_pages, card_text=card_text,
                          client=_rated(client, card_text_rate))

    def crawl_datasets(self, *, limit: int | None = None, recheck_missing: bool = False,
                       client: HubClient | None = None, progress: CrawlProgressFn | None = None,
                       step_datasets: int | None = None, batch: int = 100) -> CrawlReport:
        """Fetch from the live Hub the dataset records the store's models name (card
        `datasets:`, `dataset:` tags) that the store does not have, most-named first (at
        most `limit`), as a numbered crawl run; then rebuild data edges, licenses and
        findings. Not found (404) and private or gated (401/403) datasets are counted, not
        fatal; datasets an earlier complete run found missing are asked again only with
        `recheck_missing`. An interrupted run is resumed without asking again for what it
        stored (a write step holds `step_datasets`, stored `batch` at a time). CrawlError
        (what was stored, how to resume) when the Hub cannot be read."""
        from licensegraph.api.crawl import STEP_DATASETS
        from licensegraph.api.crawl import crawl_datasets as crawl_datasets_verb

        if self.read_only:
            raise StoreError(f"{self.path} was opened read-only")
        return crawl_datasets_verb(lambda: self.writing(create=True), client=client, limit=limit,
                                   recheck_missing=recheck_missing, progress=progress,
                                   step_datasets=STEP_DATASETS if step_datasets is None else step_datasets,
                                   batch=batch)

    def changes(self, since: str | int | None = None, view: str | None = None,
                limit: int | None = None) -> ChangesResult:
        """What moved over the completed runs after `since` (a run number or a date; default:
        the latest run): models added, deleted, relicensed; edges added, removed; findings
        appeared, resolved, per rule; licenses models came to carry or stopped carrying; with
        totals. `limit`: list at most that many of each kind of change (totals count all).
        RunError when there is no such run."""
        from licensegraph.api.changes import changes as changes_verb

        if view is not None and view not in VIEWS:
            raise ValueError(f"--view must be local or effective, not {view!r}")
        return changes_verb(self.store, None if since is None else str(since), view=view, limit=limit)

    def runs(self) -> tuple[RunInfo, ...]:
        """Every ingest and crawl run recorded in the store, oldest first."""
        from licensegraph.api.changes import run_info
        from licensegraph.store.runs import list_runs

        return tuple(run_info(r) for r in list_runs(self.store))

    def stats(self, top: int = 15) -> StatsResult:
        """Models, edges by relation, licenses, dangling parents and cycles in the store."""
        from licensegraph.api.stats import stats as stats_verb

        return stats_verb(self.store, top=top)

    def rejects(self, limit: int = 50) -> tuple[Reject, ...]:
        """What ingest could not take, and field-level warnings about records it kept
        (part `field`), oldest first, with file, line and reason."""
        from licensegraph.api.results import Reject

        if limit < 0:
            raise ValueError(f"limit must be 0 or more, not {limit}")
        rows = self.store.execute(
            "SELECT file, line, model_id, part, reason, field FROM rejects ORDER BY ingested_at, file, line, field "
            "LIMIT ?", [limit]
        ).fetchall()
        return tuple(Reject(file=f, line=line, model_id=m, part=part, reason=reason, field=fld)
                     for f, line, m, part, reason, fld in rows)

    def audit(self, view: str = "local", rule_ids: Sequence[str] | None = None, hub_labels: bool = False,
              full: bool = False, progress: ProgressCallback | None = None,
              with_inferred: bool = False) -> AuditResult:
        """Run the rules (only models changed since the last audit, unless `full`) and return the
        study-style table of `view`. ValueError for an unknown view or rule; EmptyStore when
        the store holds no models.

        `with_inferred`: then also audit over declared plus inferred parents (found in names,
        card text and config files of models that declare none) and return that view's
        table (`local+inferred` / `effective+inferred`), with the findings that rest on an
        inferred edge and their evidence. The declared views are left as they were."""
        from licensegraph.api import audit as audit_mod
        from licensegraph.rules import all_rules
        from licensegraph.rules.data_engine import all_data_rules
        from licensegraph.rules.engine import run_audit

        if view not in ALL_VIEWS:
            raise ValueError(f"--view must be local or effective, not {view!r}")
        if view not in VIEWS:
            view, with_inferred = base_view(view), True
        known = {r.id for r in all_rules()} | {r.id for r in all_data_rules()}
        for rule_id in rule_ids or ():
            if rule_id not in known:
                raise ValueError(f"unknown rule {rule_id!r}; known rules: {', '.join(sorted(known))}")
        in_place = False
        if not (full or rule_ids or with_inferred):
            unchanged, in_place = self._audit_probe(view, hub_labels)
            if unchanged is not None:
                return unchanged
        with self.writing(in_place=in_place) as store:
            if not store.scalar("SELECT count(*) FROM models"):
                raise EmptyStore(f"the store {self.path} holds no models: run `licensegraph ingest` first")
            run = run_audit(store, self.kb, rule_ids=list(rule_ids) if rule_ids else None,
                            incremental=False if full else None, progress=progress)
            if with_inferred:
                if store.get_meta("inferred_built") != "1":  # a store from before discovery existed
                    from licensegraph.lineage.discovery.build import build_inferred_edges

                    build_inferred_edges(store, incremental=False)
                run = run_audit(store, self.kb, rule_ids=list(rule_ids) if rule_ids else None, progress=progress,
                                with_inferred=True)
                view = inferred_view(view)
            from licensegraph.api.results import AuditRunInfo

            info = AuditRunInfo(incremental=run.incremental, affected=run.affected, models=run.models)
            return audit_mod.audit_table(store, view=view, hub_labels=hub_labels, rule_ids=rule_ids,
                                         notes=run.notes, run=info)

    def _audit_probe(self, view: str, hub_labels: bool) -> tuple[AuditResult | None, bool]:
        """Before a default audit, read-only: (the table of `view`, False) when the audit would
        change nothing (see `audit_is_current`): answered with no writer lock and no store
        copy; else (None, whether the audit is a small incremental one that may write the
        store in place, see `write_store(in_place=True)`)."""
        from licensegraph.api import audit as audit_mod
        from licensegraph.api.results import AuditRunInfo
        from licensegraph.rules.engine import audit_is_current, audit_is_small, stored_notes

        if self.read_only or self._in_memory or work_files(Path(self.path)):
            return None, False  # (a killed writer's copy is left: the writer path removes it)
        self.close()
        try:
            store = open_for_reading(self.path)
        except StoreError:  # missing, stale, an older schema: the writer says or repairs it
            return None, False
        try:
            models = store.scalar("SELECT count(*) FROM models")
            if not (models and audit_is_current(store, self.kb)):
                small = bool(models) and audit_is_small(store, self.kb, models)
                store.close()
                return None, small
        except BaseException:
            store.close()
            raise
        self._store = store  # later reads of this command (findings, the gate) use it
        return audit_mod.audit_table(store, view=view, hub_labels=hub_labels, notes=stored_notes(store),
                                     run=AuditRunInfo(incremental=True, affected=0, models=0)), False

    def audit_table(self, view: str = "local", hub_labels: bool = False,
                    rule_ids: Sequence[str] | None = None, as_of: int | None = None) -> AuditResult:
        """The table of the last audit (or, `as_of` a run, as it stood at the end of that run),
        without running the rules. RunError when `as_of` names no completed run."""
        from licensegraph.api import audit as audit_mod

        if view not in VIEWS:
            raise ValueError(f"--view must be local or effective, not {view!r}")
        return audit_mod.audit_table(self.store, view=view, hub_labels=hub_labels, rule_ids=rule_ids, as_of=as_of)

    def findings(self, *, view: str | None = None, rule_id: str | None = None, severity: str | None = None,
                 model_id: str | None = None, ancestor_id: str | None = None, relation: str | None = None,
                 offset: int = 0, limit: int = 50, inferred_only: bool = False) -> FindingsPage:
        """One page of the last audit's findings matching every given filter (empty before any audit).

        `inferred_only`: only findings that rest on an inferred edge (views `+inferred`)."""
        from licensegraph.api.findings import findings_page

        return findings_page(self.store, view=view, rule_id=rule_id, severity=severity, model_id=model_id,
                             ancestor_id=ancestor_id, relation=relation, offset=offset, limit=limit,
                             inferred_only=inferred_only)

    def gate(self, view: str, fail_on: str, baseline: Path | str | None = None,
             rule_ids: Sequence[str] | None = None) -> GateResult:
        """`audit --fail-on`: the last audit's findings of `view` at or above `fail_on`, less those
        the baseline file accepts (BaselineError for a file that cannot be read)."""
        from licensegraph.api.baseline import gate, load_baseline

        return gate(self.store, view, fail_on, load_baseline(baseline) if baseline else None, rule_ids)

    def iter_findings(self, *, view: str | None = None, severity: str | None = None,
                      rule_id: str | None = None, page_size: int = 10_000) -> Iterator[Finding]:
        """Every finding matching the filters, page by page (for exports and baselines)."""
        offset: int | None = 0
        while offset is not None:
            page = self.findings(view=view, severity=severity, rule_id=rule_id, offset=offset, limit=page_size)
            yield from page.findings
            offset = page.next_offset

    def explain(self, model_id: str) -> Explanation:
        """A model's lineage, its effective duties with sources, and its findings (ModelNotFound if absent)."""
        from licensegraph.api.explain import explain as explain_verb

        return explain_verb(self.store, model_id, self.kb)

    def check(self, path: Path | str | None = None, *, text: str | None = None,
              parent_licenses: Mapping[str, str] | Sequence[str] | None = None, name: str | None = None,
              online: bool = False, hub_api: Any = None) -> CheckResult:
        """Judge a model card as a model about to be published.

        Give the card as `path` (a README.md or a model directory) or as `text` (the card's
        markdown, in memory). `parent_licenses` maps parent ids to license ids (or is a list of
        `ID=LICENSE` strings); parents are otherwise looked up in the store when it exists,
        then, with `online`, on the Hub. CheckError on bad input."""
        from licensegraph.api import check as check_mod

        if (path is None) == (text is None):
            raise ValueError("give a card path or a card text, not both")
        if parent_licenses is None or isinstance(parent_licenses, Mapping):
            supplied = {k.lower(): v for k, v in (parent_licenses or {}).items()}
            supplied = check_mod.parse_parent_licenses(self.kb, [f"{k}={v}" for k, v in supplied.items()])
        else:
            supplied = check_mod.parse_parent_licenses(self.kb, list(parent_licenses))
        return check_mod.check_card(path if path is not None else text, kb=self.kb,  # type: ignore[arg-type]
                                    store=self._optional_store(), parent_licenses=supplied, name=name,
                                    online=online, hub_api=hub_api, is_text=text is not None)

    def parse_parent_licenses(self, values: Sequence[str]) -> dict[str, str]:
        """`ID=LICENSE` strings -> {model id: license id}; CheckError naming a bad value."""
        from licensegraph.api import check as check_mod

        return check_mod.parse_parent_licenses(self.kb, list(values))

    def choose(self, parents: Sequence[str], relation: str | None = None, all_licenses: bool = False,
               modelgo: str | None = None, datasets: Sequence[str] = ()) -> Choice:
        """The licenses a derivative of `parents` (Hub ids in the store, or license ids) may carry,
        least restrictive first, and why the others may not. `modelgo`: a ModelGo version
        (1 or 2) to add the answer in ModelGo's vocabulary. `datasets`: training datasets
        (Hub ids in the store, or license ids) whose terms come back as advice (`Choice.datasets`)."""
        from licensegraph.api.choose import choose as choose_verb

        return choose_verb(self.kb, parents, relation=relation, store=self._optional_store(),
                           all_licenses=all_licenses, modelgo=modelgo, datasets=datasets)

    def why(self, parent_license: str, candidate: str) -> PairAnswer:
        """One pair explained: the properties that decide whether a derivative of
        `parent_license` material may carry `candidate`, with their clauses, next to what
        OSADL, the FSF and Creative Commons say. Needs no store."""
        from licensegraph.api.choose import why as why_verb

        return why_verb(self.kb, parent_license, candidate)

    @staticmethod
    def resolve_rule(name: str) -> str:
        """A rule id, or a label the audit table shows (`La2E-license`), any case -> the rule id;
        ValueError naming the known ids when nothing matches."""
        from licensegraph.rules import all_rules
        from licensegraph.rules.data_engine import all_data_rules

        wanted = name.strip().lower()
        every: list[Rule | DataRule] = [*all_rules(), *all_data_rules()]
        for rule in every:
            if wanted == rule.id.lower() or wanted in (label.lower() for label in rule.labels):
                return rule.id
        known = ", ".join(sorted(r.id for r in every))
        raise ValueError(f"unknown rule {name!r}; rules are {known} (or a table label such as La2E-license)")

    def rules(self) -> RuleCatalogue:
        """The rule catalogue, read from the rule files: id, labels, severity, what each checks,
        the card field it points at, the clauses it rests on, and its help text."""
        from licensegraph.api import exports as exports_mod

        return exports_mod.rule_catalogue(self.kb)

    # ------------------------------------------------------------------ exports (report, SBOM, SARIF, CSV/JSON)

    def report_data(self, view: str = "local", top: int = 15) -> ReportData:
        """Everything the Hub-wide report shows for `view`: relation shares (corrected and
        Hub-labelled), the study table, license flows per relation, findings by creation
        month, the `top` most reused models with a violation, and the `top` largest families.
        Reads the last audit (run `audit` first; `audited` says whether one ran)."""
        from licensegraph.api import exports as exports_mod

        return exports_mod.report_data(self.store, view=view, top=top)

    def lineage(self, model_id: str) -> ModelLineage:
        """A model and every ancestor (each once, nearest first), the edges between them with
        their relations, each one's license as an SBOM names it and its findings in both
        views: what `sbom` renders. ModelNotFound when the model is not in the store."""
        from licensegraph.api import exports as exports_mod

        return exports_mod.model_lineage(self.store, model_id, self.kb)

    def audit_findings(self, view: str = "local", rule_ids: Sequence[str] | None = None,
                       severities: Sequence[str] | None = None, include_findings: bool = True) -> AuditFindings:
        """Every finding of the last audit in `view` (optionally only some rules or
        severities), with the rule catalogue and its help text: what the SARIF, CSV and JSON
        exports render. `include_findings=False` leaves the findings out (take them from
        `iter_audit_findings`). ValueError for an unknown view, rule or severity."""
        from licensegraph.api import exports as exports_mod

        return exports_mod.audit_findings(self.store, view=view, rule_ids=list(rule_ids) if rule_ids else None,
                                          severities=list(severities) if severities else None, kb=self.kb,
                                          include_findings=include_findings)

    def iter_audit_findings(self, view: str = "local", rule_ids: Sequence[str] | None = None,
                            severities: Sequence[str] | None = None) -> Iterator[Finding]:
        """The findings of `audit_findings`, read in batches from one ordered query: for
        exports of any size."""
        from licensegraph.api import exports as exports_mod

        return exports_mod.iter_audit_findings(self.store, view=view, rule_ids=list(rule_ids) if rule_ids else None,
                                               severities=list(severities) if severities else None, kb=self.kb)

    # ------------------------------------------------------------------ dashboard verbs
    # What the dashboard shows beyond the verbs above: the graph around a model, lists of
    # models (paginated), and the rule and license catalogues. All read-only.

    @classmethod
    def over(cls, store: Store, kb: KnowledgeBase | None = None) -> LicenseGraph:
        """A read-only LicenseGraph over a store already open for reading (`close()` closes it)."""
        lg = cls(store.path, read_only=True, kb=kb)
        lg._store = store
        return lg

    def lineage_graph(self, model_id: str, depth: int = 2, view: str = "effective", limit: int = 25,
                      budget: int = 300) -> LineageGraph:
        """Ancestors and descendants of a model to `depth` levels each way, each model with its
        license family and worst finding in `view`. Past `limit` children of one model or
        `budget` nodes in all, the rest are boxes per (parent, relation) that say how many
        models they stand for. ModelNotFound if absent; ValueError for a bad option."""
        from licensegraph.api.lineage_graph import lineage_graph

        return lineage_graph(self.store, self.kb, model_id, depth=depth, view=view, limit=limit, budget=budget)

    def children(self, model_id: str, relation: str | None = None, view: str = "effective", offset: int = 0,
                 limit: int = 50) -> ChildrenPage:
        """A page of the model's direct derivatives (most downloaded first), optionally of one
        relation, with every child counted by relation. ModelNotFound if absent."""
        from licensegraph.api.model_lists import children

        return children(self.store, model_id, relation=relation, view=view, offset=offset, limit=limit)

    def search(self, query: str, limit: int = 10) -> ModelMatches:
        """Model ids containing `query` (any case): the exact id, then ids and names starting
        with it, then the rest; most downloaded first within each."""
        from licensegraph.api.model_lists import search

        return search(self.store, query, limit=limit)

    def most_reused_noncompliant(self, view: str = "local", offset: int = 0, limit: int = 20) -> ReusedPage:
        """Models with a violation in `view` that others are built on, by all their derivatives
        (transitively), then direct ones: the list the report and the dashboard show."""
        from licensegraph.api.model_lists import most_reused_noncompliant

        return most_reused_noncompliant(self.store, view=view, offset=offset, limit=limit)

    def rule_catalogue(self) -> tuple[RuleStanding, ...]:
        """Every rule (as `rules()` describes it) with its definition and the counts of the last audit."""
        from licensegraph.api.catalog import rule_catalogue

        return rule_catalogue(self._optional_store(), self.rules())

    def rule_standing(self, rule_id: str) -> RuleStanding:
        """One rule of `rule_catalogue()`; KeyError naming the known rules when there is none."""
        from licensegraph.api.catalog import rule_standing

        return rule_standing(self._optional_store(), self.rules(), rule_id)

    def license_catalogue(self) -> tuple[LicenseSummary, ...]:
        """Every knowledge-base license (and placeholder in use) with its number of models."""
        from licensegraph.api.catalog import license_catalogue

        return license_catalogue(self._optional_store(), self.kb)

    def license_detail(self, license_id: str, view: str = "effective", offset: int = 0,
                       limit: int = 50) -> LicenseDetail:
        """A license's facts and duties with clauses and sources, and a page of the models under
        it; KeyError when the id is neither in the knowledge base nor carried by any model."""
        from licensegraph.api.catalog import license_detail

        return license_detail(self._optional_store(), self.kb, license_id, view=view, offset=offset, limit=limit)
