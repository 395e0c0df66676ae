"""The base of every result (`Result`) and the results about one model: its findings and
its explanation.

`licensegraph.api.results` re-exports every public name here, and is where callers import
them from. They live apart so that what `explain` imports (api.explain, api.findings,
formats.json) builds a dozen result types rather than all of them: building a frozen
dataclass compiles its methods, and the ninety of `results` cost more than importing DuckDB.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from licensegraph.vocab import NOT_LEGAL_ADVICE

#: Field metadata of run metadata: kept on the object, left out of `to_dict()`.
RUN_METADATA: Mapping[str, bool] = types.MappingProxyType({"run_metadata": True})

T = TypeVar("T", bound="Result")


def _plain(value: Any) -> Any:
    if isinstance(value, Result):
        return value.to_dict()
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _next_offset(offset: int, shown: int, total: int) -> int | None:
    """Where the page after one of `shown` rows from `offset` starts, or None when it was the last."""
    nxt = offset + shown
    return nxt if nxt < total else None


class Result:
    """Base of every result type: `to_dict()` for JSON, `from_dict()` to build one from plain data."""

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON-ready data (field order kept; run metadata left out)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if f.metadata.get("run_metadata"):
                continue
            out[f.name] = _plain(getattr(self, f.name))
        return out

    @classmethod
    def from_dict(cls: type[T], data: Mapping[str, Any]) -> T:
        """Build from plain data whose keys are this type's field names (extra keys are an error)."""
        hints = _type_hints(cls)
        names = {f.name for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
        unknown = set(data) - names
        if unknown:
            raise TypeError(f"{cls.__name__}: unknown fields {sorted(unknown)}")
        return cls(**{k: _build(hints[k], v) for k, v in data.items()})


_HINTS: dict[type, dict[str, Any]] = {}


def _type_hints(cls: type) -> dict[str, Any]:
    """The resolved annotations of a result type (resolving them compiles every one: cached)."""
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints


def _build(hint: Any, value: Any) -> Any:
    """Convert plain data to the annotated type: nested results, tuples, mappings."""
    if value is None:
        return None
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        for arg in args:
            if arg is type(None):
                continue
            return _build(arg, value)
    if isinstance(hint, type) and issubclass(hint, Result):
        return value if isinstance(value, hint) else hint.from_dict(value)
    if origin is tuple:
        item = args[0] if args else Any
        return tuple(_build(item, v) for v in value)
    if origin in (Mapping, dict) or origin is typing.Mapping:
        vt = args[1] if len(args) == 2 else Any
        return types.MappingProxyType({k: _build(vt, v) for k, v in value.items()})
    return value


# --------------------------------------------------------------------------- findings


@dataclass(frozen=True)
class Finding(Result):
    """One rule outcome against one model: which ancestor, which clause, which path, how to fix."""

    model_id: str
    view: str
    rule_id: str
    label: str
    severity: str
    relation: str | None
    model_license: str | None
    ancestor_id: str | None
    ancestor_license: str | None
    path: tuple[str, ...]  # model ids from the model up to the ancestor
    duty: str | None
    clause: str | None
    source: str | None  # URL of the clause
    via_noncompliant: bool  # reached through an ancestor that is itself noncompliant
    possibly_incomplete: bool  # a license upstream could not be resolved
    message: str | None
    remedy: str | None
    # views with inferred edges: the inferred edges this finding rests on, with their evidence
    inferred_evidence: str | None = None


@dataclass(frozen=True)
class FindingsPage(Result):
    """The result of `LicenseGraph.findings`: one page of findings, and how many match in all."""

    findings: tuple[Finding, ...]
    total: int
    offset: int
    limit: int

    @property
    def next_offset(self) -> int | None:
        """The offset of the next page, or None on the last page."""
        return _next_offset(self.offset, len(self.findings), self.total)


# --------------------------------------------------------------------------- explain


@dataclass(frozen=True)
class ModelLicense(Result):
    """A model as the store knows it, with its normalized license."""

    model_id: str
    deleted: bool
    has_record: bool
    license: str
    resolution: str | None  # how the license was resolved (id, alias, other-name, ...)
    license_raw: str | None  # the declared value(s)
    license_name: str | None
    license_link: str | None
    license_title: str | None  # the knowledge base's name of the license


@dataclass(frozen=True)
class ParentEdge(Result):
    """An edge from the model to one direct parent."""

    parent_id: str
    relation: str
    relation_source: str  # declared, evidence, hub or default
    hub_relation: str | None
    evidence: str | None
    in_card: bool
    in_tags: bool
    in_lineage: bool
    dangling: bool


@dataclass(frozen=True)
class Ancestor(Result):
    """An ancestor, with the edge that reached it first (breadth-first)."""

    ancestor_id: str
    depth: int
    child_id: str
    relation: str
    relation_source: str
    hub_relation: str | None
    evidence: str | None
    license: str
    license_raw: str | None
    resolution: str | None
    dangling: bool
    in_cycle: bool


@dataclass(frozen=True)
class EffectiveDuty(Result):
    """A duty that binds the model because an ancestor's license carries it."""

    license: str
    ancestor_id: str
    duty: str
    summary: str
    text: str | None
    tag: str | None
    accepts: tuple[str, ...] | None
    exempt: str | None
    clause: str | None
    source: str | None


@dataclass(frozen=True)
class LineageIssue(Result):
    kind: str
    detail: str | None


@dataclass(frozen=True)
class InferredParent(Result):
    """A parent a model does not declare, as discovery found it (kept apart from its declared parents)."""

    parent_id: str
    relation: str
    source: str  # name, card_text, config
    pattern: str
    matched: str | None
    line: int | None
    confidence: float
    used: bool  # the parent a --with-inferred audit follows
    dangling: bool  # not in the store


@dataclass(frozen=True)
class Generator(Result):
    """A model whose outputs a dataset holds (a generated-by edge), with its evidence."""

    model_id: str  # a Hub id, or provider:model for a model only reachable through an API
    kind: str  # model | external
    source: str  # card_fields | tags | card_text | name
    evidence: str


@dataclass(frozen=True)
class TrainingData(Result):
    """A dataset a model's card says it was trained on (a trained-on edge)."""

    dataset_id: str
    license: str  # absent when the store has no record of the dataset
    dangling: bool
    source: str  # card (datasets:) or tags (dataset:<id>)
    generators: tuple[Generator, ...]


@dataclass(frozen=True)
class Explanation(Result):
    """The result of `LicenseGraph.explain`: a model's lineage, duties and findings."""

    model: ModelLicense
    parents: tuple[ParentEdge, ...]
    ancestors: tuple[Ancestor, ...]
    effective_duties: tuple[EffectiveDuty, ...]
    findings: tuple[Finding, ...]
    lineage_issues: tuple[LineageIssue, ...]
    audited: bool  # False until the first audit: then there are no findings to show
    disclaimer: str = NOT_LEGAL_ADVICE
    # how the tool reads license ids that leave a choice open (GNU ids: -only)
    readings: tuple[str, ...] = ()
    # parents the model does not declare, found in its name, card text or config files
    inferred_parents: tuple[InferredParent, ...] = ()
    # the datasets the card names, their licenses and the models whose outputs they hold
    datasets: tuple[TrainingData, ...] = ()
