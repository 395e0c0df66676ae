"""The typed results of the library API: frozen dataclasses with one vocabulary of field names.

Every verb of `LicenseGraph` returns one of these. Field names are a stable interface: the
JSON output of the CLI is `to_dict()` of a result, so a field here is a JSON key there.

The vocabulary, the same in every result: `model_id` (a Hub model id as the Hub spells
it), `rule_id` (a rule of the catalogue), `label` (a row of the study table), `ancestor_id`
(the upstream model whose license imposes a duty), `path` (model ids from the model up to
that ancestor), `license` (a knowledge-base license id or a placeholder of
`licensegraph.vocab`), `duty` (a duty kind of the knowledge base), `clause` and `source`
(where the duty is written: clause text and URL), `message`, `remedy`, `severity`
(`violation`, `warning`, `risk`) and `view` (`local`, `effective`).

Fields marked as run metadata (timings, whether an audit was incremental) are left out of
`to_dict()`, so that two runs on an unchanged store print byte-identical JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# The base and the results about one model live in `model_results` (see there why): they are
# this module's names too (re-exported: mypy is told so in pyproject.toml).
from licensegraph.api.model_results import (  # noqa: F401
    RUN_METADATA,
    Ancestor,
    EffectiveDuty,
    Explanation,
    Finding,
    FindingsPage,
    Generator,
    InferredParent,
    LineageIssue,
    ModelLicense,
    ParentEdge,
    Result,
    TrainingData,
    _next_offset,
)
from licensegraph.vocab import NOT_LEGAL_ADVICE, SEVERITIES, VIOLATION

# --------------------------------------------------------------------------- ingest


@dataclass(frozen=True)
class FileReport(Result):
    """What ingest did with one file."""

    path: str
    kind: str  # records, parquet or lineage
    read: int
    stored: int  # new models (lineage files: new lineage rows)
    updated: int  # replaced by a newer record
    unchanged: int
    superseded: int  # lost to a newer record (in the file or the store)
    rejected: int  # records that went to `rejects`
    error: str | None
    warnings: int = 0  # records kept with a field or card not kept as given (listed in `rejects`)
    datasets: int = 0  # dataset records kept (repo_type "dataset"), apart from the model counts
    timings: Mapping[str, float] = field(default_factory=dict, compare=False, metadata=RUN_METADATA)


INGEST_COUNTS = ("read", "stored", "updated", "unchanged", "superseded", "rejected", "warnings")


@dataclass(frozen=True)
class IngestReport(Result):
    """The result of `LicenseGraph.ingest`: one report per file, and totals."""

    files: tuple[FileReport, ...]
    run_id: int | None = None  # the run this ingest was recorded as (`licensegraph changes`)

    def total(self, name: str) -> int:
        """The sum of one count (`read`, `stored`, ...) over the files."""
        return sum(int(getattr(f, name)) for f in self.files)

    @property
    def totals(self) -> dict[str, int]:
        return {k: self.total(k) for k in INGEST_COUNTS}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"files": [f.to_dict() for f in self.files], "totals": self.totals}
        if self.run_id is not None:
            out["run_id"] = self.run_id
        return out


# --------------------------------------------------------------------------- runs, crawl, changes


@dataclass(frozen=True)
class RunInfo(Result):
    """One numbered run (an ingest or a crawl) as the store records it."""

    run_id: int
    kind: str  # ingest or crawl
    status: str  # running, complete, failed, abandoned
    started_at: str
    finished_at: str | None
    source: str | None  # the files, or the Hub endpoint
    params: Mapping[str, Any]
    records: int
    stored: int
    updated: int
    unchanged: int
    rejected: int
    deleted: int
    pages: int
    requests: int
    error: str | None


@dataclass(frozen=True)
class CrawlReport(Result):
    """The result of `LicenseGraph.crawl`."""

    run_id: int
    resumed: bool  # this call finished a run an earlier (interrupted) call started
    mode: str  # listing, models or datasets
    endpoint: str
    stop_reason: str  # end of listing, checkpoint, limit, done
    stop_at: str | None  # the checkpoint an incremental listing stopped at (ISO time)
    pages: int
    records: int  # models listed or fetched (over the whole run, resumes included)
    stored: int  # new
    updated: int
    unchanged: int
    rejected: int
    deleted: int  # marked deleted after the Hub answered 404
    confirmed_present: int  # --full: missed by the listing, but the Hub still has them
    requests: int
    missing: tuple[str, ...]  # --model ids (or ancestors) the Hub does not have
    abandoned_runs: tuple[int, ...]  # interrupted runs with other options, given up
    seconds: float = field(default=0.0, compare=False, metadata=RUN_METADATA)
    # --card-text (counts of this invocation): README bodies and PEFT adapter configs of
    # models that declare no base model, for hidden-lineage discovery
    card_text: bool = False
    card_texts: int = 0  # READMEs stored
    card_texts_unavailable: int = 0  # no README or not readable (404, gated/private 401/403)
    card_texts_truncated: int = 0  # longer than 1 MB: the start kept
    card_texts_kept: int = 0  # same sha as stored: the stored text kept without a request
    adapter_configs: int = 0
    adapter_configs_unavailable: int = 0
    file_wait_seconds: float = field(default=0.0, compare=False, metadata=RUN_METADATA)  # waited for the rate limit
    # mode datasets (`crawl --datasets`): what the Hub answered per dataset asked about
    # (`records`); stored/updated/unchanged/rejected count the fetched records
    fetched: int = 0
    not_found: int = 0  # HTTP 404
    no_access: int = 0  # HTTP 401/403: private or gated
    errors: int = 0  # not readable after the bounded retries (asked again by the next run)
    renamed: int = 0  # the Hub serves it under another id than the one models name
    skipped_missing: int = 0  # named, found missing by an earlier run, not asked again
    problems: tuple[DatasetProblem, ...] = ()  # every dataset not fetched, or fetched without its card


@dataclass(frozen=True)
class DatasetProblem(Result):
    """A dataset `crawl --datasets` could not fetch (or fetched without its card), and why."""

    dataset_id: str
    outcome: str  # not-found, no-access, error, renamed, fetched (card not readable)
    status: int | None  # the HTTP status
    reason: str | None


@dataclass(frozen=True)
class ModelChange(Result):
    """A model added, deleted or relicensed (`license_before` -> `license`)."""

    change: str  # added, deleted, relicensed
    model_id: str
    license_before: str | None
    license: str | None
    run_id: int  # the last run that changed it


@dataclass(frozen=True)
class EdgeChange(Result):
    """A lineage edge child -> parent added or removed."""

    change: str  # added, removed
    model_id: str  # the child
    parent_id: str
    relation: str
    run_id: int


@dataclass(frozen=True)
class FindingChange(Result):
    """A finding (view, rule row, model) that appeared or was resolved."""

    change: str  # appeared, resolved
    view: str
    rule_id: str
    label: str
    severity: str | None
    model_id: str
    ancestor_id: str | None
    run_id: int


@dataclass(frozen=True)
class RuleChangeCount(Result):
    """Per rule row and view: findings that appeared and were resolved."""

    view: str
    rule_id: str
    label: str
    appeared: int
    resolved: int


@dataclass(frozen=True)
class LicenseChange(Result):
    """A license that models came to carry or stopped carrying over a range of runs."""

    license: str
    gained: int  # models added with it, or relicensed to it
    lost: int  # models deleted, or relicensed away from it
    models: int  # models carrying it now (deleted ones left out)

    @property
    def new(self) -> bool:
        """No model carried it before the range."""
        return self.models - self.gained + self.lost == 0

    @property
    def gone(self) -> bool:
        """No model carries it any more."""
        return self.models == 0


@dataclass(frozen=True)
class ChangesResult(Result):
    """What moved over a range of runs: net changes (a model relicensed and back is no change)."""

    since_run: int  # the runs after this one ...
    last_run: int  # ... up to this one
    runs: tuple[RunInfo, ...]
    models: tuple[ModelChange, ...]
    edges: tuple[EdgeChange, ...]
    findings: tuple[FindingChange, ...]
    by_rule: tuple[RuleChangeCount, ...]
    totals: Mapping[str, int]  # models_added, models_deleted, models_relicensed, edges_added, ...
    licenses: tuple[LicenseChange, ...] = ()  # licenses gained or lost by models, most moved first
    limit: int | None = None  # the lists hold at most this many of each kind of change (totals count all)


@dataclass(frozen=True)
class Reject(Result):
    """A record, line or file ingest could not take."""

    file: str
    line: int | None
    model_id: str | None
    part: str  # record, card, field (a warning: the record was kept), lineage, file
    reason: str
    field: str | None = None  # the field a `field` warning is about


# --------------------------------------------------------------------------- stats


@dataclass(frozen=True)
class ModelCounts(Result):
    total: int
    deleted: int
    with_record: int
    with_lineage_row: int
    derived: int


@dataclass(frozen=True)
class RelationShare(Result):
    relation: str | None
    edges: int
    share: float  # percent of all edges


@dataclass(frozen=True)
class Relabel(Result):
    hub: str | None
    corrected: str
    edges: int


@dataclass(frozen=True)
class EdgeStats(Result):
    total: int
    by_relation: tuple[RelationShare, ...]
    by_hub_relation: tuple[RelationShare, ...]
    hub_unlabelled: int
    relation_sources: Mapping[str, int]  # declared / evidence / hub / default -> edges
    relabelled_by_evidence: int
    relabelled: tuple[Relabel, ...]


@dataclass(frozen=True)
class LicenseCount(Result):
    license: str
    models: int


@dataclass(frozen=True)
class NameCount(Result):
    license_name: str
    models: int


@dataclass(frozen=True)
class NameBesideId(Result):
    """Cards whose license_name / license_link name a model license beside another `license:` id."""

    declared: str  # the card's `license:` value
    carried: str  # the model license named beside it, which the model carries
    models: int


@dataclass(frozen=True)
class LicenseStats(Result):
    top: tuple[LicenseCount, ...]
    resolution: Mapping[str, int]
    unresolved_other_names: tuple[NameCount, ...]
    name_beside_id: int = 0  # models carrying a license named beside a different id
    name_beside_id_top: tuple[NameBesideId, ...] = ()


@dataclass(frozen=True)
class DanglingParent(Result):
    parent: str
    children: int


@dataclass(frozen=True)
class DanglingStats(Result):
    edges: int
    parents: int
    top: tuple[DanglingParent, ...]


@dataclass(frozen=True)
class InferredSource(Result):
    """Parents one discovery source found for models that declare none."""

    source: str  # name, card_text, config
    edges: int  # every evidence row of this source
    used: int  # the edges a --with-inferred audit adds (one source per child)
    children: int  # models with a used parent from this source


@dataclass(frozen=True)
class InferredStats(Result):
    """Inferred (undeclared) parents, per source, kept apart from the declared edges."""

    by_source: tuple[InferredSource, ...]
    children: int  # models with at least one used inferred parent
    dangling: int  # used inferred edges whose parent is not in the store
    refused: int  # names refused: several candidates and no safe tie-break, or weak evidence (names.py)


@dataclass(frozen=True)
class DatasetCount(Result):
    dataset_id: str
    models: int  # models whose card names it
    found: bool  # the store holds its record


@dataclass(frozen=True)
class DataStats(Result):
    """Data as upstream: datasets the models' cards name, found, licensed, and the
    generated-by edges by the kind of evidence."""

    models_naming: int  # models with at least one dataset reference
    references: int  # dataset references on the cards (card `datasets:` and `dataset:` tags)
    not_dataset_ids: int  # references that are not a Hub dataset id (free text), kept in data_named
    named: int  # distinct datasets named
    found: int  # of which the store holds a record
    dangling: int  # named, no record (counted like dangling parents)
    records: int  # dataset records in the store (named or not)
    licensed: int  # records whose license resolves to a knowledge-base license
    licenses: Mapping[str, int]  # license -> dataset records
    synthetic: int  # records whose tags say model-generated
    generated_by: Mapping[str, int]  # evidence kind -> generated-by edges
    generators: Mapping[str, int]  # generating model (Hub id or external) -> datasets
    top: tuple[DatasetCount, ...]
    # the dangling ones by what the Hub last answered `crawl --datasets` (not-found,
    # no-access, error, renamed), or "not asked"
    dangling_on_hub: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class StatsResult(Result):
    """The result of `LicenseGraph.stats`: what the store holds."""

    models: ModelCounts
    edges: EdgeStats
    licenses: LicenseStats
    dangling: DanglingStats
    lineage_issues: Mapping[str, int]  # kind -> models
    cycles: tuple[str, ...]
    self_loops: int
    rejects: Mapping[str, int]  # part -> rejects
    inferred: InferredStats | None = None  # hidden lineage: parents found, apart from the declared edges
    data: DataStats | None = None  # datasets named / found / licensed, generated-by edges


# --------------------------------------------------------------------------- audit


@dataclass(frozen=True)
class RelationCount(Result):
    count: int
    pct: float  # percent of the row's noncompliant models


@dataclass(frozen=True)
class AuditRow(Result):
    """One row of the study-style table: one label of one rule."""

    rule_id: str
    label: str
    in_study: bool
    severity: str
    noncompliant: int
    noncompliant_pct: float
    qualifying: int
    by_relation: Mapping[str, RelationCount]  # finetune, merge, quantization, adapter
    excluded: Mapping[str, int]  # none, unknown, other-unresolved, absent -> models left out


@dataclass(frozen=True)
class DataAuditRow(Result):
    """One row of the "data and outputs" table: one rule over trained-on / generated-by edges."""

    rule_id: str
    label: str
    severity: str
    applies_to: str
    noncompliant: int  # models with a finding
    noncompliant_pct: float  # of the qualifying models
    qualifying: int  # models trained on data the rule concerns
    ancestors: int  # distinct datasets or generating models the findings name


@dataclass(frozen=True)
class AuditRunInfo(Result):
    """How an audit ran (run metadata: not part of the JSON result)."""

    incremental: bool
    affected: int  # models re-evaluated by an incremental audit
    models: int  # models evaluated


@dataclass(frozen=True)
class InferredAudit(Result):
    """What a --with-inferred audit added: inferred edges by source, and the findings that
    rest on one (each with the evidence)."""

    edges_by_source: Mapping[str, int]  # source -> inferred edges in use
    findings_total: int  # findings of the view reached through an inferred edge
    findings: tuple[Finding, ...]  # the first of them, with their evidence


@dataclass(frozen=True)
class AuditResult(Result):
    """The result of `LicenseGraph.audit`: the study-style noncompliance table of one view."""

    view: str
    view_description: str
    relations: str  # "corrected relations" or "Hub labels"
    rows: tuple[AuditRow, ...]
    notes: Mapping[str, tuple[str, ...]]  # rule_id -> notes the rule left
    disclaimer: str = NOT_LEGAL_ADVICE
    # the second table: rules over training data and other models' outputs (view-independent)
    data_rows: tuple[DataAuditRow, ...] = ()
    run: AuditRunInfo | None = field(default=None, compare=False, metadata=RUN_METADATA)
    inferred: InferredAudit | None = None  # views with inferred edges: which edges, which findings rest on them


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class RuleClause(Result):
    """A clause a rule rests on: which license carries it, the clause, and its source URL."""

    license: str  # empty for a clause that is not one license's (the rule's own source)
    clause: str
    source: str


@dataclass(frozen=True)
class RuleInfo(Result):
    """One rule of the catalogue, as its rule file describes it."""

    rule_id: str
    labels: tuple[str, ...]  # the rows it reports (study labels for the study's rules)
    severity: str
    in_study: bool
    applies_to: str  # what it checks
    card_field: str  # the model-card field its findings point at
    view_independent: bool
    duties: tuple[str, ...]  # knowledge-base duty kinds it enforces
    clauses: tuple[RuleClause, ...]
    help: str = ""  # the rule file's own description: what it checks, why, which clauses


@dataclass(frozen=True)
class RuleCatalogue(Result):
    """The result of `LicenseGraph.rules`: every rule, in table order."""

    rules: tuple[RuleInfo, ...]


# --------------------------------------------------------------------------- check


@dataclass(frozen=True)
class CardLicense(Result):
    declared: str | None  # as the card writes it
    resolved: str  # knowledge-base id or placeholder


@dataclass(frozen=True)
class CheckParent(Result):
    parent_id: str
    license: str
    relation: str
    relation_source: str
    found_in: str  # store, parent-license, online


@dataclass(frozen=True)
class CardFix(Result):
    """The card lines to set so the model may be published, and its name."""

    license_ok: bool | None  # None: no parents, nothing to choose
    suggested_license: str | None
    alternatives: tuple[str, ...]
    none_feasible: bool
    reason: str | None
    yaml: Mapping[str, str]
    yaml_text: str
    name_prefix: str | None
    name_ok: bool | None
    name_required_by: tuple[str, ...]
    suggested_name: str | None
    violations_regardless: tuple[str, ...]


@dataclass(frozen=True)
class ShipItem(Result):
    """A file or notice to ship with the model."""

    kind: str
    what: str
    upstream: str | None
    source: str | None
    text: str | None = None
    in_card: bool | None = None  # display duties: whether the card text already shows it


@dataclass(frozen=True)
class CheckChoice(Result):
    """What `choose` says about the card's parents."""

    upstream_licenses: tuple[str, ...]
    feasible: tuple[str, ...]
    none_feasible: bool
    reason: str | None
    notes: tuple[str, ...]


@dataclass(frozen=True)
class DiscoveredParent(Result):
    """A parent the card does not declare but its text or config files name."""

    parent_id: str
    relation: str
    source: str  # card_text or config
    pattern: str  # the rule that matched
    matched: str  # the text that matched
    line: int | None  # line of the README, for card text
    confidence: float


@dataclass(frozen=True)
class CheckResult(Result):
    """The result of `LicenseGraph.check`: a model card judged as a model about to be published."""

    path: str
    model_id: str
    license: CardLicense
    relation: str | None
    parents: tuple[CheckParent, ...]
    view: str
    view_note: str
    findings: tuple[Finding, ...]  # effective view, most severe first
    local_findings: tuple[Finding, ...]
    counts: Mapping[str, int]  # severity -> findings
    fix: CardFix
    ship: tuple[ShipItem, ...]
    choose: CheckChoice | None
    warnings: tuple[str, ...]
    key_lines: Mapping[str, int]  # card key -> line in the file
    disclaimer: str = NOT_LEGAL_ADVICE
    # how the tool reads license ids that leave a choice open (GNU ids: -only)
    readings: tuple[str, ...] = ()
    # no base_model declared: parents the card text or config files name, and the lines to add
    discovered: tuple[DiscoveredParent, ...] = ()
    discovered_yaml: str | None = None

    @property
    def violations(self) -> int:
        return int(self.counts.get(VIOLATION, 0))

    @property
    def worst_severity(self) -> str | None:
        """The most severe finding's severity, or None when there is none."""
        return next((s for s in SEVERITIES if self.counts.get(s)), None)


@dataclass(frozen=True)
class CheckFailure(Result):
    """A card that could not be checked (bad input): where and why."""

    path: str
    error: str
    line: int | None
    disclaimer: str = NOT_LEGAL_ADVICE


# --------------------------------------------------------------------------- choose


@dataclass(frozen=True)
class ChoiceAncestor(Result):
    ancestor_id: str
    license: str
    relation: str
    depth: int
    child_id: str
    dangling: bool


@dataclass(frozen=True)
class UnknownLicense(Result):
    model_id: str
    license: str  # the placeholder: none, unknown, other-unresolved, absent


@dataclass(frozen=True)
class ChoiceParent(Result):
    """One parent as `choose` resolved it: a model of the store (with its lineage) or a license."""

    input: str
    kind: str  # model or license
    parent_id: str  # the model id, or the license id
    license: str
    ancestors: tuple[ChoiceAncestor, ...]
    upstream_licenses: tuple[str, ...]
    unknown_licenses: tuple[UnknownLicense, ...]


@dataclass(frozen=True)
class DutyMet(Result):
    upstream: str
    duty: str
    how: str


@dataclass(frozen=True)
class FeasibleLicense(Result):
    license: str
    name: str
    hub_id: str | None
    work_kind: str
    upstream: bool  # the license is itself upstream
    satisfies: tuple[DutyMet, ...]


@dataclass(frozen=True)
class ExcludedLicense(Result):
    license: str
    duty: str
    upstream: str | None
    reason: str
    source: str | None


@dataclass(frozen=True)
class Obligation(Result):
    """A duty the publisher must carry out whatever the license: files, notices, names."""

    upstream: str
    duty: str
    text: str | None
    tag: str | None
    summary: str
    source: str
    warning_only: bool
    clause: str = ""  # the clause alone (the same kind may come from several clauses)


@dataclass(frozen=True)
class NamePrefix(Result):
    prefix: str
    required_by: tuple[str, ...]
    sources: tuple[str, ...]
    conflict: tuple[str, ...] | None


@dataclass(frozen=True)
class RegardlessViolation(Result):
    """A violation no license choice can cure (e.g. merging Llama material with an outsider)."""

    rule_id: str
    upstream: str
    duty: str
    outside: tuple[str, ...]
    source: str
    message: str


@dataclass(frozen=True)
class ModelGoVariant(Result):
    license: str
    options: str
    name: str | None = None
    duty: str | None = None
    upstream: str | None = None
    reason: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class ModelGoChoice(Result):
    """The answer in ModelGo's vocabulary (options BY, NC, ND, RAI, SA)."""

    modelgo_version: str
    upstream_licenses: tuple[str, ...]
    demanded_options: tuple[str, ...]
    demanded: Mapping[str, Mapping[str, tuple[str, ...]]]
    status: str  # feasible, not-shareable, none
    symbol: str
    candidates: tuple[str, ...]
    feasible: tuple[ModelGoVariant, ...]
    excluded: tuple[ModelGoVariant, ...]
    none_feasible: bool
    reason: str | None
    text: str = field(default="", compare=False, metadata=RUN_METADATA)  # the rendered answer


@dataclass(frozen=True)
class DatasetAdvice(Result):
    """One term a training dataset (or a model whose outputs it holds) puts on the derivative."""

    dataset_id: str
    dataset_license: str
    found: bool  # the store holds the dataset's record (else the id was a license id)
    severity: str  # violation where an output clause decides, risk for dataset terms
    rule_id: str  # the rule over data and outputs that would report it
    upstream: str  # the dataset, or the generating model whose license speaks
    license: str  # the license whose clause it is
    duty: str
    advice: str
    keeps: tuple[str, ...]  # feasible licenses that keep the term (dataset terms)
    clause: str | None
    source: str | None


@dataclass(frozen=True)
class Choice(Result):
    """The result of `LicenseGraph.choose`: the licenses a derivative may carry, and why others may not."""

    parents: tuple[ChoiceParent, ...]
    relation: str
    upstream_licenses: tuple[str, ...]
    feasible: tuple[FeasibleLicense, ...]  # least restrictive first
    excluded: tuple[ExcludedLicense, ...]
    none_feasible: bool
    reason: str | None
    obligations: tuple[Obligation, ...]
    name_prefix: NamePrefix | None
    violations_regardless: tuple[RegardlessViolation, ...]
    notes: tuple[str, ...]
    warnings: tuple[str, ...]
    disclaimer: str = NOT_LEGAL_ADVICE
    modelgo: ModelGoChoice | None = None
    # training datasets (`choose --dataset`): their terms, as advice beside the feasible licenses
    datasets: tuple[DatasetAdvice, ...] = ()


# --------------------------------------------------------------------------- choose --why


@dataclass(frozen=True)
class PairProperty(Result):
    """One knowledge-base property consulted for a pair, with its clause, and whether it holds."""

    property: str  # duty kind (with tag), or field-of-use / licensor-terms
    license: str  # the license whose clause it is
    clause: str
    source: str  # URL and clause
    holds: bool
    detail: str


@dataclass(frozen=True)
class ListedDivergence(Result):
    """The knowledge base's reason for answering a pair differently from an authority."""

    reason: str  # a key of licenses.kb.DIVERGENCE_REASONS
    why: str  # what the reason means
    summary: str
    clause: str
    source: str


@dataclass(frozen=True)
class AuthorityVerdict(Result):
    """What OSADL, the FSF or Creative Commons says about the pair."""

    authority: str  # osadl | fsf | cc
    says: str  # yes | no | the authority's own word when it gives neither
    source: str
    note: str
    agrees: bool | None  # None when the authority gives no yes/no
    divergence: ListedDivergence | None


@dataclass(frozen=True)
class PairAnswer(Result):
    """The result of `LicenseGraph.why`: may a derivative of PARENT material carry CANDIDATE?"""

    parent: str
    candidate: str
    parent_name: str
    candidate_name: str
    feasible: bool  # for a single-parent derivative (finetune, adapter, quantization)
    merge_feasible: bool  # for a merge of a PARENT-licensed and a CANDIDATE-licensed parent
    reason: str | None
    properties: tuple[PairProperty, ...]
    authorities: tuple[AuthorityVerdict, ...]
    readings: tuple[str, ...]
    disclaimer: str = NOT_LEGAL_ADVICE


# --------------------------------------------------------------------------- dashboard
# Results of the verbs the dashboard needs beyond explain/findings/check/choose: the
# lineage graph around a model, lists of models (children, search, a license's models,
# the most reused noncompliant ones), and the rule and license catalogues.


@dataclass(frozen=True)
class GraphNode(Result):
    """A node of a lineage graph: a model, or a box standing for models left out."""

    node_id: str  # the model id, or "more:<parent id>:<relation>" for a box
    kind: str  # "model" or "more"
    model_id: str | None  # the model (for a box: the parent whose children it stands for)
    license: str | None
    family: str | None  # the license's family in the knowledge base; "none" for a placeholder
    depth: int  # negative for ancestors, 0 for the model itself, positive for descendants
    severity: str | None  # the worst finding of the model in the graph's view
    noncompliant: bool  # at least one violation in the graph's view
    has_record: bool  # the store holds the model's Hub record (not only a lineage row or a parent id)
    relation: str | None  # for a box: the relation of the children it stands for
    hidden: int  # for a box: how many models it stands for


@dataclass(frozen=True)
class GraphEdge(Result):
    """A lineage edge, from parent (source) to child (target)."""

    source: str  # node_id of the parent
    target: str  # node_id of the child
    relation: str


@dataclass(frozen=True)
class LevelCount(Result):
    """How many distinct models lie at one distance from the model, and how many the graph shows."""

    depth: int  # negative: ancestors; positive: descendants
    models: int
    shown: int


@dataclass(frozen=True)
class LineageGraph(Result):
    """The result of `LicenseGraph.lineage_graph`: ancestors and descendants to a depth.

    Past `limit` children of one model, or `budget` nodes in all, the rest is drawn as
    one box per (parent, relation) that says how many models it stands for."""

    model_id: str
    view: str
    depth: int
    limit: int
    budget: int
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    levels: tuple[LevelCount, ...]
    aggregated: bool  # some models are drawn as boxes, not one by one


@dataclass(frozen=True)
class ModelRow(Result):
    """A model in a list: its license, its relation to the list's subject, and its worst finding."""

    model_id: str
    license: str
    relation: str | None
    severity: str | None  # worst finding in the list's view, None when clean or not audited
    children: int | None = None  # direct derivatives in the store (where the list counts them)
    rule_ids: tuple[str, ...] = ()  # rules with a violation (where the list names them)


@dataclass(frozen=True)
class ModelsPage(Result):
    """One page of a list of models, and how many there are in all."""

    models: tuple[ModelRow, ...]
    total: int
    offset: int
    limit: int

    @property
    def next_offset(self) -> int | None:
        """The offset of the next page, or None on the last page."""
        return _next_offset(self.offset, len(self.models), self.total)


@dataclass(frozen=True)
class ReusedModel(Result):
    """A model with a violation in the list's view that others build on (the report's and
    the dashboard's "most reused noncompliant models")."""

    model_id: str
    license: str
    children: int  # direct derivatives
    descendants: int  # all derivatives, transitively, each once
    labels: tuple[str, ...]  # the table labels of the rules it violates
    rule_ids: tuple[str, ...] = ()  # the ids of those rules


@dataclass(frozen=True)
class ReusedPage(Result):
    """One page of `LicenseGraph.most_reused_noncompliant`, and how many such models there are."""

    view: str
    models: tuple[ReusedModel, ...]
    total: int
    offset: int
    limit: int

    @property
    def next_offset(self) -> int | None:
        """The offset of the next page, or None on the last page."""
        return _next_offset(self.offset, len(self.models), self.total)


@dataclass(frozen=True)
class RelationTotal(Result):
    relation: str
    models: int


@dataclass(frozen=True)
class ChildrenPage(Result):
    """The result of `LicenseGraph.children`: a page of a model's direct derivatives."""

    model_id: str
    relation: str | None  # the filter, None for every relation
    view: str
    by_relation: tuple[RelationTotal, ...]  # every child, counted by relation
    page: ModelsPage


@dataclass(frozen=True)
class ModelMatch(Result):
    model_id: str
    license: str


@dataclass(frozen=True)
class ModelMatches(Result):
    """The result of `LicenseGraph.search`: model ids matching a query, best first."""

    query: str
    matches: tuple[ModelMatch, ...]


@dataclass(frozen=True)
class ViewCount(Result):
    view: str
    noncompliant: int
    qualifying: int


@dataclass(frozen=True)
class RuleStanding(Result):
    """A rule of the catalogue with its full definition and the counts of the last audit."""

    rule: RuleInfo
    definition: str  # the rule file's description
    counts: tuple[ViewCount, ...]  # per view, summed over the rule's labels (empty before any audit)


@dataclass(frozen=True)
class LicenseSummary(Result):
    """A knowledge-base license (or a placeholder) and how many models in the store carry it."""

    license: str
    name: str
    family: str
    work_kind: str
    in_kb: bool
    models: int


@dataclass(frozen=True)
class LicenseClause(Result):
    """One duty of a license, with the clause it is written in."""

    duty: str
    summary: str
    text: str | None
    tag: str | None
    clause: str | None
    source: str | None


@dataclass(frozen=True)
class LicenseDetail(Result):
    """The result of `LicenseGraph.license_detail`: a license's facts, duties and the models under it."""

    license: str
    name: str
    family: str
    version: str
    date: str
    url: str
    work_kind: str
    in_kb: bool
    commercial: bool | None
    derivatives: str | None
    restricts_use: bool | None
    review: bool  # a fact here could not be checked against the license text
    note: str
    aliases: tuple[str, ...]
    duties: tuple[LicenseClause, ...]
    models: ModelsPage
