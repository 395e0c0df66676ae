"""Typed results behind the exports: the HTML report, the CycloneDX ML-BOM, the audit
SARIF log and the findings CSV/JSON.

Frozen dataclasses with the project's field names (model_id, rule, label, severity, view,
relation, hub_relation, ancestor_id, ancestor_license, ...), so that every format is a
rendering of one of these and never reads the store itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from licensegraph.api.results import AuditRow, Finding, Result, ReusedModel, RuleInfo
from licensegraph.vocab import NOT_LEGAL_ADVICE


@dataclass(frozen=True)
class AuditFindings(Result):
    """Every finding of one view (optionally narrowed to some rules), with the catalogue."""

    view: str
    rules: tuple[RuleInfo, ...]
    findings: tuple[Finding, ...]
    audited: bool
    disclaimer: str = NOT_LEGAL_ADVICE


# -- lineage of one model (SBOM) ----------------------------------------------------


@dataclass(frozen=True)
class LicenseInfo(Result):
    """A model's declared license, normalized, with what an SBOM needs to name it."""

    license: str  # knowledge-base id, or none / unknown / other-unresolved / absent
    resolution: str  # how it was decided: id, other-name, other-link, none, no-record, ...
    declared: str | None  # the card's raw value
    name: str | None  # the full name (knowledge base) or the card's license_name
    url: str | None  # the card's license_link, else the license text the knowledge base cites
    spdx: str | None  # the SPDX id where one exists


@dataclass(frozen=True)
class LineageModel(Result):
    """A model or one of its ancestors, as a bill-of-materials component."""

    model_id: str
    depth: int  # 0 for the model itself, 1 for its parents, ...
    in_store: bool  # False for a parent only named by a child (dangling)
    has_record: bool
    deleted: bool
    author: str | None
    sha: str | None
    created_at: datetime | None
    library_name: str | None
    pipeline_tag: str | None
    license: LicenseInfo
    datasets: tuple[str, ...]  # Hub dataset ids the card's `datasets:` names, as written
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class LineageEdge(Result):
    """child -> parent, with how the relation was decided."""

    child_id: str
    parent_id: str
    relation: str
    relation_source: str
    hub_relation: str | None
    evidence: str | None
    dangling: bool
    in_cycle: bool


@dataclass(frozen=True)
class ModelLineage(Result):
    """A model, every ancestor (breadth-first, each once) and every edge between them."""

    model: LineageModel
    ancestors: tuple[LineageModel, ...]
    edges: tuple[LineageEdge, ...]
    audited: bool
    disclaimer: str = NOT_LEGAL_ADVICE
    # the store's knowledge of the datasets the cards name: license, and the models whose
    # outputs they hold (absent from these maps: no record of the dataset in the store)
    dataset_licenses: Mapping[str, str] = field(default_factory=dict)
    dataset_generators: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


# -- the report -----------------------------------------------------------------------


@dataclass(frozen=True)
class RelationComparison(Result):
    """Edges of one relation, as licensegraph decided them and as the Hub labelled them."""

    relation: str
    corrected_edges: int
    corrected_share: float  # % of all edges
    hub_edges: int
    hub_share: float  # % of Hub-labelled edges


@dataclass(frozen=True)
class LicenseFlow(Result):
    """Edges of one relation from a parent license to a child license."""

    relation: str
    parent_license: str
    child_license: str
    edges: int


@dataclass(frozen=True)
class MonthCount(Result):
    """Models created in one month, by their worst finding in the report's view."""

    month: str  # YYYY-MM
    models: int
    with_violation: int
    with_warning_only: int  # warnings or risks, no violation


@dataclass(frozen=True)
class Family(Result):
    """A root model (no parent) and everything built on it, transitively."""

    root_id: str
    root_license: str
    in_store: bool
    descendants: int
    by_relation: Mapping[str, int]  # descendants by their relation to their parents (RELATIONS order)


@dataclass(frozen=True)
class ReportData(Result):
    """Everything the Hub-wide report shows, for one view."""

    view: str
    view_description: str
    models: int
    audited_models: int
    derived_models: int
    edges: int
    hub_unlabelled_edges: int
    models_with_violation: int
    relation_shares: tuple[RelationComparison, ...]
    study_rows: tuple[AuditRow, ...]  # the study-style table of the view (empty before any audit)
    license_flows: tuple[LicenseFlow, ...]
    months: tuple[MonthCount, ...]
    undated_models: int  # audited models whose creation time is not known
    most_reused: tuple[ReusedModel, ...]
    families: tuple[Family, ...]
    audited: bool
    disclaimer: str = NOT_LEGAL_ADVICE
