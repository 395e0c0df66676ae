"""The license knowledge base: TOML data files -> validated, immutable records.

Every license the tool knows lives in ``licenses/data/*.toml`` (one file per family) as a
``[[license]]`` table with ``[[license.duty]]`` sub-tables. This module loads those files,
rejects anything malformed with an error naming the file and the offending entry/key, and
offers the lookups the rest of the tool needs: by id, by a raw ``license:`` value, and by a
``license_name`` / ``license_link`` pair (``license: other``).

Schema (required keys marked *; the others default to empty / false):

* license: id*, name*, family*, version*, date* (YYYY-MM-DD or ""), work_kind* (model |
  software | content | data | none), hub_id*, retired_hub_ids, spdx*, aliases, names, links,
  commercial*, derivatives* (share | private | none), restricts_use*, field_of_use*, carries,
  lineage_tag, is_family, strictest, review*, modelgo_options, modelgo_version, note*, url*.
* duty: kind* (one of DUTY_KINDS), tag, text, accepts, exempt, source* = {url*, clause*},
  summary*.

Cross-checks: ids/aliases/names/retired ids are unique across all files after
normalization (case, whitespace, "_" and "-" ignored); share-alike `accepts` and family
`strictest` name existing ids; a use-restrictions tag must be in its own license's
`carries`, and every carried tag must be defined by some use-restrictions duty; `exempt`
names some license's `lineage_tag`; `commercial` agrees with the non-commercial duty and
`derivatives` with the no-derivatives duty (family and placeholder ids excepted); only the
83 Hub ids may set hub_id = true, and the shipped data must contain all of them.

Placeholder ids (`none`, `unknown`, `other`, `other-unresolved`; work_kind "none") carry
no duties and neutral flags: test `License.is_special`, never read their flags as facts.
Family ids (`cc`, `gpl`, ...) carry no duties: use `KnowledgeBase.effective()`.

Nothing here is legal advice; the data summarises license texts and cites the clause.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from licensegraph.vocab import SPECIAL_IDS

__all__ = [
    "DATA_DIR",
    "DERIVATIVES",
    "DIVERGENCE_REASONS",
    "DUTY_KINDS",
    "HUB_LICENSE_IDS",
    "RESTRICTION_KINDS",
    "TERM_KINDS",
    "MODELGO_OPTIONS",
    "NO_FURTHER_RESTRICTION_TAGS",
    "SPECIAL_IDS",
    "WORK_KINDS",
    "Combination",
    "Divergence",
    "Duty",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "License",
    "Source",
    "Term",
    "load_kb",
    "normalize_key",
]

DATA_DIR = Path(__file__).resolve().parent / "data"

DUTY_KINDS: frozenset[str] = frozenset(
    {
        "attribution",
        "license-copy",
        "notice-file",
        "display",
        "name-prefix",
        "mark-changes",
        "use-restrictions",
        "share-alike",
        "non-commercial",
        "no-derivatives",
        "no-improve-other-llm",
        "no-further-restrictions",
        "user-threshold",
        "source-disclosure",
        "model-card",
        "incompatible-outbound",
    }
)
WORK_KINDS = ("model", "software", "content", "data", "none")
DERIVATIVES = ("share", "private", "none")
MODELGO_OPTIONS: frozenset[str] = frozenset({"BY", "NC", "ND", "RAI", "SA", "OS"})
MODELGO_VERSIONS = ("", "1.0", "2.0")
#: Tags group no-further-restrictions duties for the freedom-conflict rules: "gnu" is
#: FSff (GPL/AGPL), "cc" is CCf; "lgpl" marks LGPL §10 / GPL-3.0 §10 via LGPL-3.0, which
#: feasibility uses but the rules catalogue does not report as FSff.
NO_FURTHER_RESTRICTION_TAGS = frozenset({"cc", "gnu", "lgpl"})

#: What a "no further restrictions" clause can count as a further restriction. The first
#: four follow from a license's flags and duties (restricts_use, field_of_use, commercial,
#: derivatives); the others are terms a license states in [[license.term]] tables.
RESTRICTION_KINDS = (
    "use-restrictions", "field-of-use", "non-commercial", "no-derivatives",
    "patent-termination", "license-termination-on-patent-action", "indemnity",
)
#: Kinds of [[license.term]]: the restriction terms above that no flag expresses, and
#: "licensed-material-only" (the license's own restrictions bind only the material its
#: licensor licenses under it, and upstream material keeps its own license offer).
TERM_KINDS = frozenset({
    "patent-termination", "license-termination-on-patent-action", "indemnity", "licensed-material-only",
})
#: Scope of a no-further-restrictions duty: "work" = nothing in the distributed work may
#: carry a forbidden restriction (GPL §6/§10); "licensed-material" = only restrictions that
#: reach the licensed material itself count (CC 4.0 §2(a)(5)(C), earlier versions' §4(a)).
NFR_SCOPES = ("work", "licensed-material")
#: Authorities whose verdicts the knowledge base is compared with, and why a verdict may
#: legitimately differ from the tool's answer for models (see [[license.divergence]]).
AUTHORITIES = ("osadl", "fsf", "cc")
DIVERGENCE_REASONS: dict[str, str] = {
    "second-work": "the authority's answer rests on a permission to combine with a separate work under the "
                   "outbound license; a single-parent finetune has no second work (a merge with a parent under "
                   "that license does, and gets the authority's answer)",
    "attribution-kept": "the authority lets the component keep its notices beside a work under a license with no "
                        "attribution condition; a model derivative is one set of weights, and the tool requires "
                        "its license to carry the upstream attribution duty",
    "separable-parts": "the authority lets each part keep its own license inside a larger work (file-level "
                       "copyleft, GPL/AGPL §13 combinations); finetuned or merged weights are one inseparable work, "
                       "so the upstream material cannot stay apart under its own license",
}
#: Ids that stand for "no resolvable license" rather than a license text.

#: The ids accepted in the Hub's ``license:`` field, in the Hub's order
#: (huggingface/hub-docs docs/hub/repositories-licenses.md, as of 2026-08-22, 83 ids).
HUB_LICENSE_IDS: tuple[str, ...] = (
    "apache-2.0", "mit", "openrail", "bigscience-openrail-m", "creativeml-openrail-m",
    "bigscience-bloom-rail-1.0", "bigcode-openrail-m", "afl-3.0", "artistic-2.0", "bsl-1.0",
    "bsd", "bsd-2-clause", "bsd-3-clause", "bsd-3-clause-clear", "c-uda", "cc", "cc0-1.0",
    "cc-by-2.0", "cc-by-2.5", "cc-by-3.0", "cc-by-4.0", "cc-by-sa-3.0", "cc-by-sa-4.0",
    "cc-by-nc-2.0", "cc-by-nc-3.0", "cc-by-nc-4.0", "cc-by-nd-4.0", "cc-by-nc-nd-3.0",
    "cc-by-nc-nd-4.0", "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0", "cc-by-nc-sa-4.0",
    "cdla-sharing-1.0", "cdla-permissive-1.0", "cdla-permissive-2.0", "wtfpl", "ecl-2.0",
    "epl-1.0", "epl-2.0", "etalab-2.0", "eupl-1.1", "eupl-1.2", "agpl-3.0", "gfdl", "gpl",
    "gpl-2.0", "gpl-3.0", "lgpl", "lgpl-2.1", "lgpl-3.0", "isc", "h-research",
    "intel-research", "lppl-1.3c", "ms-pl", "apple-ascl", "apple-amlr", "mpl-2.0", "odc-by",
    "odbl", "openmdw-1.0", "openmdw-1.1", "openrail++", "osl-3.0", "postgresql", "ofl-1.1",
    "ncsa", "unlicense", "zlib", "pddl", "lgpl-lr", "deepfloyd-if-license",
    "fair-noncommercial-research-license", "llama2", "llama3", "llama3.1", "llama3.2",
    "llama3.3", "llama4", "grok2-community", "gemma", "unknown", "other",
)

# Kinds whose `text` is exact wording a check matches against.
_TEXT_KINDS = frozenset({"notice-file", "display", "name-prefix", "user-threshold"})
_MIN_LINK_LEN = 8


class KnowledgeBaseError(ValueError):
    """The knowledge-base data is malformed; the message names the file and the key."""


@dataclass(frozen=True)
class Source:
    url: str
    clause: str


@dataclass(frozen=True)
class Duty:
    kind: str
    tag: str
    text: str
    accepts: tuple[str, ...]
    exempt: str
    source: Source
    summary: str
    # for incompatible-outbound: licenses a derivative may not carry although no property
    # expresses why (kept for clauses no property covers; the shipped data uses none)
    excludes: tuple[str, ...] = ()
    # for no-further-restrictions: the restriction kinds the clause forbids, and its scope
    forbids: tuple[str, ...] = ()
    scope: str = ""
    # for share-alike: True when `accepts` relicenses the material itself (the target
    # license replaces this one for that copy: LGPL -> GPL), False when it only names the
    # licenses an adapter may put its own contribution under (CC's adapter's licenses)
    converts: bool = False


@dataclass(frozen=True)
class Term:
    """A term a license itself imposes on its material (or a statement of its reach)."""

    kind: str
    source: Source
    summary: str


@dataclass(frozen=True)
class Combination:
    """Permission to distribute a combination with a separate work under that work's license.

    Only a merge has a second work: a single-parent finetune cannot use it."""

    with_: tuple[str, ...]
    source: Source
    summary: str


@dataclass(frozen=True)
class Divergence:
    """A listed disagreement between the tool and an authority, with the clause that decides it."""

    authority: str
    licenses: tuple[str, ...]  # the outbound licenses (the derivative's) this entry covers
    says: str  # what the authority says: "yes" or "no"
    reason: str  # a key of DIVERGENCE_REASONS
    source: Source
    summary: str


@dataclass(frozen=True)
class License:
    id: str
    name: str
    family: str
    version: str
    date: str
    work_kind: str
    hub_id: bool
    retired_hub_ids: tuple[str, ...]
    spdx: str
    aliases: tuple[str, ...]
    names: tuple[str, ...]
    links: tuple[str, ...]
    commercial: bool
    derivatives: str
    restricts_use: bool
    field_of_use: bool
    carries: tuple[str, ...]
    lineage_tag: str
    is_family: bool
    strictest: str
    review: bool
    modelgo_options: frozenset[str]
    modelgo_version: str
    note: str
    url: str
    duties: tuple[Duty, ...]
    file: str
    terms: tuple[Term, ...] = ()
    combinations: tuple[Combination, ...] = ()
    divergences: tuple[Divergence, ...] = ()

    def duties_of(self, kind: str) -> tuple[Duty, ...]:
        """The duties of one kind, in file order (empty when none)."""
        if kind not in DUTY_KINDS:
            raise ValueError(f"unknown duty kind {kind!r}")
        return tuple(d for d in self.duties if d.kind == kind)

    @property
    def share_alike(self) -> Duty | None:
        found = self.duties_of("share-alike")
        return found[0] if found else None

    @property
    def non_commercial(self) -> bool:
        return (not self.commercial) or bool(self.duties_of("non-commercial"))

    @property
    def no_derivatives(self) -> bool:
        return self.derivatives != "share" or bool(self.duties_of("no-derivatives"))

    @property
    def is_special(self) -> bool:
        """True for the placeholder ids (none, unknown, other, other-unresolved)."""
        return self.work_kind == "none"

    @property
    def imposes(self) -> dict[str, str]:
        """The further restrictions this license puts on its material: kind -> where it says so.

        Derived from the flags and duties (use restrictions, field of use, non-commercial,
        no derivatives) and from the explicit [[license.term]] tables."""
        out: dict[str, str] = {}

        def where(kind: str) -> str:
            found = self.duties_of(kind)
            return f"{found[0].source.url} {found[0].source.clause}" if found else self.url

        if self.restricts_use:
            out["use-restrictions"] = where("use-restrictions")
        if self.field_of_use:
            out["field-of-use"] = self.url
        if self.non_commercial:
            out["non-commercial"] = where("non-commercial")
        if self.no_derivatives:
            out["no-derivatives"] = where("no-derivatives")
        for term in self.terms:
            if term.kind in RESTRICTION_KINDS:
                out.setdefault(term.kind, f"{term.source.url} {term.source.clause}")
        return out

    @property
    def reading(self) -> str | None:
        """How the tool reads an id whose text leaves a choice open (GNU Hub ids name no
        -only / -or-later variant; the narrower grant is assumed), for users to see."""
        if self.family != "gnu" or not self.spdx.endswith("-only") or not self.hub_id:
            return None
        return (f"{self.id} is read as {self.spdx}: the Hub id does not say -only or -or-later, and the "
                f"narrower grant is assumed (a parent that allows later versions may allow more).")

    @property
    def restrictions_reach_upstream(self) -> bool:
        """False when the license's restrictions bind only its licensor's own material and
        upstream material keeps its own license (a "licensed-material-only" term)."""
        return not any(t.kind == "licensed-material-only" for t in self.terms)


def normalize_key(raw: str) -> str:
    """Case-, whitespace-, underscore- and dash-insensitive form of an id, alias or name."""
    return re.sub(r"[\s_\-]+", "", raw.strip().lower())


# --------------------------------------------------------------------------- schema

# key -> (type, required, default)
_LICENSE_SCHEMA: dict[str, tuple[type, bool, Any]] = {
    "id": (str, True, None),
    "name": (str, True, None),
    "family": (str, True, None),
    "version": (str, True, None),
    "date": (str, True, None),
    "work_kind": (str, True, None),
    "hub_id": (bool, True, None),
    "retired_hub_ids": (list, False, []),
    "spdx": (str, True, None),
    "aliases": (list, False, []),
    "names": (list, False, []),
    "links": (list, False, []),
    "commercial": (bool, True, None),
    "derivatives": (str, True, None),
    "restricts_use": (bool, True, None),
    "field_of_use": (bool, True, None),
    "carries": (list, False, []),
    "lineage_tag": (str, False, ""),
    "is_family": (bool, False, False),
    "strictest": (str, False, ""),
    "review": (bool, True, None),
    "modelgo_options": (list, False, []),
    "modelgo_version": (str, False, ""),
    "note": (str, True, None),
    "url": (str, True, None),
    "duty": (list, False, []),
    "term": (list, False, []),
    "combine": (list, False, []),
    "divergence": (list, False, []),
}
_TERM_SCHEMA: dict[str, tuple[type, bool, Any]] = {
    "kind": (str, True, None),
    "source": (dict, True, None),
    "summary": (str, True, None),
}
_COMBINE_SCHEMA: dict[str, tuple[type, bool, Any]] = {
    "with": (list, True, None),
    "source": (dict, True, None),
    "summary": (str, True, None),
}
_DIVERGENCE_SCHEMA: dict[str, tuple[type, bool, Any]] = {
    "authority": (str, True, None),
    "licenses": (list, True, None),
    "says": (str, True, None),
    "reason": (str, True, None),
    "source": (dict, True, None),
    "summary": (str, True, None),
}
_DUTY_SCHEMA: dict[str, tuple[type, bool, Any]] = {
    "kind": (str, True, None),
    "tag": (str, False, ""),
    "text": (str, False, ""),
    "accepts": (list, False, []),
    "excludes": (list, False, []),
    "forbids": (list, False, []),
    "scope": (str, False, ""),
    "converts": (bool, False, False),
    "exempt": (str, False, ""),
    "source": (dict, True, None),
    "summary": (str, True, None),
}
_SOURCE_SCHEMA: dict[str, tuple[type, bool, Any]] = {
    "url": (str, True, None),
    "clause": (str, True, None),
}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _typename(t: type) -> str:
    return {str: "a string", bool: "a boolean", list: "a list", dict: "a table"}[t]


def _check_table(table: Any, schema: dict[str, tuple[type, bool, Any]], where: str) -> dict:
    if not isinstance(table, dict):
        raise KnowledgeBaseError(f"{where}: expected a table, got {type(table).__name__}")
    unknown = sorted(set(table) - set(schema))
    if unknown:
        raise KnowledgeBaseError(f"{where}: unknown key {unknown[0]!r}")
    out: dict[str, Any] = {}
    for key, (typ, required, default) in schema.items():
        if key not in table:
            if required:
                raise KnowledgeBaseError(f"{where}: missing key {key!r}")
            out[key] = list(default) if isinstance(default, list) else default
            continue
        value = table[key]
        # bool is a subclass of int, not of str/list/dict, so isinstance is exact here
        if not isinstance(value, typ):
            raise KnowledgeBaseError(
                f"{where}: key {key!r} must be {_typename(typ)}, got {type(value).__name__}"
            )
        if typ is list and key not in ("duty", "term", "combine", "divergence"):
            bad = [v for v in value if not isinstance(v, str)]
            if bad:
                raise KnowledgeBaseError(f"{where}: key {key!r} must be a list of strings")
        out[key] = value
    return out


# --------------------------------------------------------------------------- loading


def _parse_file(path: Path) -> list[tuple[dict, str]]:
    """Parse one data file into raw license tables (validated per entry)."""
    import tomllib  # only to build the knowledge base: a call served from the cache never parses

    fname = path.name
    try:
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise KnowledgeBaseError(f"{fname}: TOML syntax error: {exc}") from exc
    unknown = sorted(set(doc) - {"license"})
    if unknown:
        raise KnowledgeBaseError(f"{fname}: unknown top-level key {unknown[0]!r}")
    entries = doc.get("license", [])
    if not isinstance(entries, list):
        raise KnowledgeBaseError(f"{fname}: 'license' must be an array of tables ([[license]])")
    return [(entry, fname) for entry in entries]


def _build_license(entry: Any, fname: str, index: int) -> License:
    label = f"{fname}: license #{index}"
    if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"]:
        label = f"{fname}: license {entry['id']!r}"
    data = _check_table(entry, _LICENSE_SCHEMA, label)

    lid = data["id"]
    if not lid or lid != lid.strip() or lid != lid.lower() or re.search(r"\s", lid):
        raise KnowledgeBaseError(f"{label}: key 'id' must be a non-empty lower-case slug")
    for key in ("name", "family", "url", "note"):
        if not data[key].strip():
            raise KnowledgeBaseError(f"{label}: key {key!r} must not be empty")
    if data["work_kind"] not in WORK_KINDS:
        raise KnowledgeBaseError(
            f"{label}: key 'work_kind' has unknown value {data['work_kind']!r} "
            f"(expected one of {', '.join(WORK_KINDS)})"
        )
    if data["derivatives"] not in DERIVATIVES:
        raise KnowledgeBaseError(
            f"{label}: key 'derivatives' has unknown value {data['derivatives']!r} "
            f"(expected one of {', '.join(DERIVATIVES)})"
        )
    if data["date"] and not _DATE_RE.match(data["date"]):
        raise KnowledgeBaseError(f"{label}: key 'date' must be YYYY-MM-DD or empty")
    bad_opts = sorted(set(data["modelgo_options"]) - MODELGO_OPTIONS)
    if bad_opts:
        raise KnowledgeBaseError(f"{label}: key 'modelgo_options' has unknown option {bad_opts[0]!r}")
    if data["modelgo_version"] not in MODELGO_VERSIONS:
        raise KnowledgeBaseError(
            f"{label}: key 'modelgo_version' must be one of {MODELGO_VERSIONS!r}"
        )
    if (data["modelgo_options"] or data["modelgo_version"]) and data["family"] != "modelgo":
        raise KnowledgeBaseError(f"{label}: ModelGo keys set on a non-modelgo license")
    if data["family"] == "modelgo" and not data["modelgo_version"]:
        raise KnowledgeBaseError(f"{label}: key 'modelgo_version' missing on a ModelGo license")
    if data["is_family"] and not data["strictest"]:
        raise KnowledgeBaseError(f"{label}: key 'strictest' is required when is_family = true")
    if not data["is_family"] and data["strictest"]:
        raise KnowledgeBaseError(f"{label}: key 'strictest' is only allowed on family ids")
    links = []
    for link in data["links"]:
        low = link.strip().lower()
        if len(low) < _MIN_LINK_LEN:
            raise KnowledgeBaseError(
                f"{label}: key 'links' entry {link!r} is too generic (min {_MIN_LINK_LEN} chars)"
            )
        links.append(low)

    duties = []
    for d_index, raw in enumerate(data["duty"], start=1):
        duties.append(_build_duty(raw, f"{label}: duty {d_index}", lid, data))
    terms = tuple(_build_term(raw, f"{label}: term {i}") for i, raw in enumerate(data["term"], start=1))
    combinations = tuple(_build_combination(raw, f"{label}: combine {i}")
                         for i, raw in enumerate(data["combine"], start=1))
    divergences = tuple(_build_divergence(raw, f"{label}: divergence {i}")
                        for i, raw in enumerate(data["divergence"], start=1))

    return License(
        id=lid,
        name=data["name"],
        family=data["family"],
        version=data["version"],
        date=data["date"],
        work_kind=data["work_kind"],
        hub_id=data["hub_id"],
        retired_hub_ids=tuple(data["retired_hub_ids"]),
        spdx=data["spdx"],
        aliases=tuple(data["aliases"]),
        names=tuple(data["names"]),
        links=tuple(links),
        commercial=data["commercial"],
        derivatives=data["derivatives"],
        restricts_use=data["restricts_use"],
        field_of_use=data["field_of_use"],
        carries=tuple(data["carries"]),
        lineage_tag=data["lineage_tag"],
        is_family=data["is_family"],
        strictest=data["strictest"],
        review=data["review"],
        modelgo_options=frozenset(data["modelgo_options"]),
        modelgo_version=data["modelgo_version"],
        note=data["note"],
        url=data["url"],
        duties=tuple(duties),
        file=fname,
        terms=terms,
        combinations=combinations,
        divergences=divergences,
    )


def _source(raw: Any, where: str) -> Source:
    src = _check_table(raw, _SOURCE_SCHEMA, f"{where}: source")
    for key in ("url", "clause"):
        if not src[key].strip():
            raise KnowledgeBaseError(f"{where}: source: key {key!r} must not be empty")
    return Source(url=src["url"], clause=src["clause"])


def _build_term(raw: Any, where: str) -> Term:
    data = _check_table(raw, _TERM_SCHEMA, where)
    if data["kind"] not in TERM_KINDS:
        raise KnowledgeBaseError(f"{where}: unknown kind {data['kind']!r} (expected one of {', '.join(sorted(TERM_KINDS))})")
    if not data["summary"].strip():
        raise KnowledgeBaseError(f"{where}: key 'summary' must not be empty")
    return Term(kind=data["kind"], source=_source(data["source"], where), summary=data["summary"])


def _build_combination(raw: Any, where: str) -> Combination:
    data = _check_table(raw, _COMBINE_SCHEMA, where)
    if not data["with"] or not all(isinstance(x, str) for x in data["with"]):
        raise KnowledgeBaseError(f"{where}: key 'with' must be a non-empty list of license ids")
    if not data["summary"].strip():
        raise KnowledgeBaseError(f"{where}: key 'summary' must not be empty")
    return Combination(with_=tuple(data["with"]), source=_source(data["source"], where), summary=data["summary"])


def _build_divergence(raw: Any, where: str) -> Divergence:
    data = _check_table(raw, _DIVERGENCE_SCHEMA, where)
    if data["authority"] not in AUTHORITIES:
        raise KnowledgeBaseError(f"{where}: key 'authority' must be one of {', '.join(AUTHORITIES)}")
    if data["says"] not in ("yes", "no"):
        raise KnowledgeBaseError(f"{where}: key 'says' must be 'yes' or 'no'")
    if data["reason"] not in DIVERGENCE_REASONS:
        raise KnowledgeBaseError(
            f"{where}: key 'reason' has unknown value {data['reason']!r} "
            f"(expected one of {', '.join(DIVERGENCE_REASONS)})")
    if not data["licenses"] or not all(isinstance(x, str) for x in data["licenses"]):
        raise KnowledgeBaseError(f"{where}: key 'licenses' must be a non-empty list of license ids")
    if not data["summary"].strip():
        raise KnowledgeBaseError(f"{where}: key 'summary' must not be empty")
    return Divergence(authority=data["authority"], licenses=tuple(data["licenses"]), says=data["says"],
                      reason=data["reason"], source=_source(data["source"], where), summary=data["summary"])


def _build_duty(raw: Any, where: str, lid: str, lic: dict) -> Duty:
    if isinstance(raw, dict) and "kind" in raw and isinstance(raw["kind"], str):
        if raw["kind"] not in DUTY_KINDS:
            raise KnowledgeBaseError(f"{where}: unknown kind {raw['kind']!r}")
    data = _check_table(raw, _DUTY_SCHEMA, where)
    kind = data["kind"]
    src = _check_table(data["source"], _SOURCE_SCHEMA, f"{where}: source")
    if not src["url"].strip():
        raise KnowledgeBaseError(f"{where}: source: key 'url' must not be empty")
    if not src["clause"].strip():
        raise KnowledgeBaseError(f"{where}: source: key 'clause' must not be empty")
    if not data["summary"].strip():
        raise KnowledgeBaseError(f"{where}: key 'summary' must not be empty")
    if kind in _TEXT_KINDS and not data["text"].strip():
        raise KnowledgeBaseError(f"{where}: key 'text' is required for kind {kind!r}")
    if kind == "use-restrictions":
        if not data["tag"]:
            raise KnowledgeBaseError(f"{where}: key 'tag' is required for kind 'use-restrictions'")
        if data["tag"] not in lic["carries"]:
            raise KnowledgeBaseError(
                f"{where}: use-restrictions tag {data['tag']!r} is not in the license's 'carries'"
            )
    if kind == "no-further-restrictions":
        if data["tag"] not in NO_FURTHER_RESTRICTION_TAGS:
            raise KnowledgeBaseError(
                f"{where}: key 'tag' must be one of {sorted(NO_FURTHER_RESTRICTION_TAGS)} "
                f"for kind 'no-further-restrictions'"
            )
        if not data["forbids"]:
            raise KnowledgeBaseError(f"{where}: key 'forbids' is required for kind 'no-further-restrictions'")
        bad = sorted(set(data["forbids"]) - set(RESTRICTION_KINDS))
        if bad:
            raise KnowledgeBaseError(
                f"{where}: key 'forbids' has unknown restriction {bad[0]!r} "
                f"(expected some of {', '.join(RESTRICTION_KINDS)})")
        if data["scope"] not in NFR_SCOPES:
            raise KnowledgeBaseError(f"{where}: key 'scope' must be one of {', '.join(NFR_SCOPES)}")
    elif data["forbids"] or data["scope"]:
        raise KnowledgeBaseError(f"{where}: keys 'forbids' and 'scope' are only allowed on no-further-restrictions")
    if kind == "share-alike":
        if not data["accepts"]:
            raise KnowledgeBaseError(f"{where}: key 'accepts' is required for kind 'share-alike'")
        if lid not in data["accepts"] and not lic["is_family"]:
            raise KnowledgeBaseError(f"{where}: key 'accepts' must include the license itself")
    elif data["accepts"] or data["converts"]:
        raise KnowledgeBaseError(f"{where}: keys 'accepts' and 'converts' are only allowed on share-alike duties")
    if kind == "incompatible-outbound" and not data["excludes"]:
        raise KnowledgeBaseError(f"{where}: key 'excludes' is required for kind 'incompatible-outbound'")
    if kind != "incompatible-outbound" and data["excludes"]:
        raise KnowledgeBaseError(f"{where}: key 'excludes' is only allowed on incompatible-outbound duties")
    if kind == "no-improve-other-llm" and not data["exempt"]:
        raise KnowledgeBaseError(f"{where}: key 'exempt' is required for kind 'no-improve-other-llm'")
    if kind != "no-improve-other-llm" and data["exempt"]:
        raise KnowledgeBaseError(f"{where}: key 'exempt' is only allowed on no-improve-other-llm")
    return Duty(
        kind=kind,
        tag=data["tag"],
        text=data["text"],
        accepts=tuple(data["accepts"]),
        excludes=tuple(data["excludes"]),
        forbids=tuple(data["forbids"]),
        scope=data["scope"],
        converts=data["converts"],
        exempt=data["exempt"],
        source=Source(url=src["url"], clause=src["clause"]),
        summary=data["summary"],
    )


def _check_entry_consistency(lic: License) -> None:
    label = f"{lic.file}: license {lic.id!r}"
    if lic.is_family or lic.is_special:
        return
    has_nc = bool(lic.duties_of("non-commercial"))
    if has_nc == lic.commercial:
        raise KnowledgeBaseError(
            f"{label}: key 'commercial' = {str(lic.commercial).lower()} contradicts "
            f"{'a' if has_nc else 'no'} non-commercial duty"
        )
    has_nd = bool(lic.duties_of("no-derivatives"))
    if has_nd != (lic.derivatives != "share"):
        raise KnowledgeBaseError(
            f"{label}: key 'derivatives' = {lic.derivatives!r} contradicts "
            f"{'a' if has_nd else 'no'} no-derivatives duty"
        )
    if lic.duties_of("use-restrictions") and not lic.restricts_use:
        raise KnowledgeBaseError(
            f"{label}: key 'restricts_use' must be true when the license has use-restrictions"
        )


def _check_cross_references(licenses: dict[str, License]) -> None:
    lineage_tags = {lic.lineage_tag for lic in licenses.values() if lic.lineage_tag}
    defined_tags = {
        d.tag for lic in licenses.values() for d in lic.duties if d.kind == "use-restrictions"
    }
    for lic in licenses.values():
        label = f"{lic.file}: license {lic.id!r}"
        for i, duty in enumerate(lic.duties, start=1):
            for key, targets in (("accepts", duty.accepts), ("excludes", duty.excludes)):
                for target in targets:
                    if target not in licenses:
                        raise KnowledgeBaseError(
                            f"{label}: duty {i}: key {key!r} references unknown license {target!r}"
                        )
            if duty.exempt and duty.exempt not in lineage_tags:
                raise KnowledgeBaseError(
                    f"{label}: duty {i}: key 'exempt' {duty.exempt!r} is no license's lineage_tag"
                )
        for j, comb in enumerate(lic.combinations, start=1):
            for target in comb.with_:
                if target not in licenses:
                    raise KnowledgeBaseError(
                        f"{label}: combine {j}: key 'with' references unknown license {target!r}")
            if not lic.share_alike:
                raise KnowledgeBaseError(f"{label}: combine {j}: only a share-alike license needs a combination permission")
        for j, div in enumerate(lic.divergences, start=1):
            for target in div.licenses:
                if target not in licenses:
                    raise KnowledgeBaseError(
                        f"{label}: divergence {j}: key 'licenses' references unknown license {target!r}")
        for tag in lic.carries:
            if tag not in defined_tags:
                raise KnowledgeBaseError(
                    f"{label}: key 'carries' names tag {tag!r} that no use-restrictions duty defines"
                )
        if lic.is_family:
            target = licenses.get(lic.strictest)
            if target is None:
                raise KnowledgeBaseError(
                    f"{label}: key 'strictest' references unknown license {lic.strictest!r}"
                )
            if target.is_family:
                raise KnowledgeBaseError(
                    f"{label}: key 'strictest' must name a concrete member, not family "
                    f"{lic.strictest!r}"
                )
    hub = [lic.id for lic in licenses.values() if lic.hub_id]
    extra = sorted(set(hub) - set(HUB_LICENSE_IDS))
    not_flagged = [h for h in HUB_LICENSE_IDS if h in licenses and not licenses[h].hub_id]
    # Only the shipped knowledge base must cover the whole Hub list (see _load_default);
    # fixture directories may hold a few entries but must never mislabel a Hub id.
    if extra:
        lic = licenses[extra[0]]
        raise KnowledgeBaseError(
            f"{lic.file}: license {lic.id!r}: key 'hub_id' = true but {lic.id!r} is not "
            f"an id accepted by the Hub"
        )
    if not_flagged:
        lic = licenses[not_flagged[0]]
        raise KnowledgeBaseError(
            f"{lic.file}: license {lic.id!r}: key 'hub_id' must be true for a Hub id"
        )


_SINGULAR = {"id": "id", "retired_hub_ids": "retired hub id", "aliases": "alias", "names": "name"}


def _index_keys(licenses: dict[str, License]) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Build the normalized lookup maps, rejecting any key claimed by two licenses.

    Returns (id_keys, alias_keys, name_keys); ids and retired Hub ids go in id_keys.
    """
    owner: dict[str, tuple[str, str, str]] = {}  # norm key -> (license id, field, raw)
    id_keys: dict[str, str] = {}
    alias_keys: dict[str, str] = {}
    name_keys: dict[str, str] = {}
    link_owner: dict[str, str] = {}

    def claim(lic: License, field: str, raw: str, target: dict[str, str]) -> None:
        key = normalize_key(raw)
        if not key:
            raise KnowledgeBaseError(
                f"{lic.file}: license {lic.id!r}: key {field!r} has an empty entry"
            )
        prev = owner.get(key)
        if prev is not None and prev[0] != lic.id:
            other = licenses[prev[0]]
            raise KnowledgeBaseError(
                f"{lic.file}: license {lic.id!r}: duplicate {_SINGULAR[field]} {raw!r} "
                f"(already {_SINGULAR[prev[1]]} {prev[2]!r} of license {prev[0]!r} in {other.file})"
            )
        owner.setdefault(key, (lic.id, field, raw))
        target.setdefault(key, lic.id)

    for lic in licenses.values():
        claim(lic, "id", lic.id, id_keys)
    for lic in licenses.values():
        for raw in lic.retired_hub_ids:
            claim(lic, "retired_hub_ids", raw, id_keys)
        for raw in lic.aliases:
            claim(lic, "aliases", raw, alias_keys)
        for raw in lic.names:
            claim(lic, "names", raw, name_keys)
        for link in lic.links:
            prev = link_owner.get(link)
            if prev is not None and prev != lic.id:
                raise KnowledgeBaseError(
                    f"{lic.file}: license {lic.id!r}: duplicate link {link!r} "
                    f"(already a link of license {prev!r})"
                )
            link_owner[link] = lic.id
    return id_keys, alias_keys, name_keys


class KnowledgeBase:
    """Validated licenses with lookups by id, raw `license:` value, and name/link."""

    def __init__(self, licenses: dict[str, License], directory: Path | None = None) -> None:
        self.licenses: dict[str, License] = licenses
        self.directory = directory
        self._id_keys, self._alias_keys, self._name_keys = _index_keys(licenses)
        self._links: list[tuple[str, str]] = sorted(
            ((link, lic.id) for lic in licenses.values() for link in lic.links),
            key=lambda pair: (-len(pair[0]), pair[0]),
        )

    # -- plain access -----------------------------------------------------------------
    def __contains__(self, license_id: object) -> bool:
        return isinstance(license_id, str) and license_id in self.licenses

    def __len__(self) -> int:
        return len(self.licenses)

    def __iter__(self):
        return iter(self.licenses.values())

    def get(self, license_id: str) -> License:
        try:
            return self.licenses[license_id]
        except (KeyError, TypeError):
            hint = self.suggest(license_id) if isinstance(license_id, str) else []
            more = f"; did you mean {', '.join(map(repr, hint))}?" if hint else ""
            raise KeyError(f"no license {license_id!r} in the knowledge base{more}") from None

    def hub_ids(self) -> list[str]:
        """The ids the Hub accepts in `license:`, in the Hub's order."""
        return [h for h in HUB_LICENSE_IDS if h in self.licenses]

    def missing_hub_ids(self) -> list[str]:
        return [h for h in HUB_LICENSE_IDS if h not in self.licenses]

    def effective(self, license_id: str) -> License:
        """For a family id (cc, gpl, ...), its strictest member; otherwise the license."""
        lic = self.get(license_id)
        return self.get(lic.strictest) if lic.is_family else lic

    def material_licenses(self, license_id: str) -> frozenset[str]:
        """The licenses the material itself may come to be under by the conversions its
        license allows (share-alike duties with `converts = true`: LGPL-2.1 §3 and LGPL-3.0
        to the GPL, EPL-1.0 §7 and EUPL-1.1 to later versions), transitively."""
        lic = self.effective(license_id)
        cache = self.__dict__.setdefault("_material_cache", {})
        if lic.id not in cache:
            seen = {lic.id}
            frontier = [lic.id]
            while frontier:
                sa = self.licenses[frontier.pop()].share_alike
                if sa is None or not sa.converts:
                    continue
                for target in sa.accepts:
                    if target not in seen:
                        seen.add(target)
                        frontier.append(target)
            cache[lic.id] = frozenset(seen)
        return cache[lic.id]

    def relicense_targets(self, license_id: str) -> frozenset[str] | None:
        """The licenses a derivative of material under `license_id` may carry by its
        share-alike clauses: every `accepts` entry of the licenses the material may be
        converted to (`material_licenses`). A non-converting entry (CC's adapter's
        licenses, BY-SA 4.0 -> GPL-3.0) licenses the adapter's contribution while the
        material keeps its own license, so it is not followed further (BY-SA 3.0 -> 4.0
        does not lead on to GPL-3.0). None when the license has no share-alike duty."""
        lic = self.effective(license_id)
        if lic.share_alike is None:
            return None
        out = set()
        for mid in self.material_licenses(lic.id):
            out.add(mid)
            sa = self.licenses[mid].share_alike
            out.update(sa.accepts if sa else ())
        return frozenset(out)

    def reachable(self, license_id: str, others: frozenset[str] = frozenset()) -> frozenset[str] | None:
        """`relicense_targets`, plus what combining with separate works under `others`
        allows (MPL-2.0 §3.3, GPL-3.0 §13, the EUPL compatibility clause).

        A permission to combine "with a work under X" applies when some other work's
        material is, or may be converted to be, under X; the combined material may then be
        under X, and X's own conversions apply."""
        own = self.relicense_targets(license_id)
        if own is None or not others:
            return own
        lid = self.effective(license_id).id
        partner: set[str] = set()
        for o in others:
            if o in self and self.effective(o).id != lid:
                partner |= self.material_licenses(o)
        material = set(self.material_licenses(lid))
        frontier = list(material)
        while frontier:
            cur = self.licenses[frontier.pop()]
            for comb in cur.combinations:
                for target in comb.with_:
                    if target in partner:
                        for nxt in self.material_licenses(target):
                            if nxt not in material:
                                material.add(nxt)
                                frontier.append(nxt)
        out = set(own)
        for mid in material:
            out.add(mid)
            sa = self.licenses[mid].share_alike
            out.update(sa.accepts if sa else ())
        return frozenset(out)

    def combination_source(self, license_id: str, target: str) -> Combination | None:
        """The combination permission (in license_id's conversion closure) that names `target`."""
        for lid in sorted(self.material_licenses(license_id)):
            for comb in self.licenses[lid].combinations:
                if target in comb.with_:
                    return comb
        return None

    def carriers(self, tag: str) -> tuple[str, ...]:
        """Ids of the licenses whose `carries` includes a restriction tag."""
        return tuple(lic.id for lic in self.licenses.values() if tag in lic.carries)

    def restriction_tags(self) -> dict[str, tuple[str, ...]]:
        """Every use-restrictions tag -> the licenses that carry it."""
        tags = sorted({t for lic in self.licenses.values() for t in lic.carries})
        return {t: self.carriers(t) for t in tags}

    # -- resolution -------------------------------------------------------------------
    def resolve_id(self, raw: str | None) -> str | None:
        """A `license:` value -> KB id (exact id, retired Hub id or alias), else None.

        Matching ignores case, whitespace, underscores and dashes. `other` resolves to the
        `other` entry itself: following license_name / license_link is resolve_other's job.
        """
        if not isinstance(raw, str):
            return None
        key = normalize_key(raw)
        if not key:
            return None
        return self._id_keys.get(key) or self._alias_keys.get(key)

    def resolve_other(self, name: str | None, link: str | None) -> str | None:
        """`license: other` + license_name / license_link -> KB id, or None.

        The name is tried first (ids, retired ids, aliases and `names`, normalized); then
        the link, by case-insensitive substring match against each license's `links`
        (the longest matching substring wins). Placeholder ids never count as resolved.
        """
        if isinstance(name, str):
            key = normalize_key(name)
            if key:
                hit = self._id_keys.get(key) or self._alias_keys.get(key) or self._name_keys.get(key)
                if hit and not self.licenses[hit].is_special:
                    return hit
        if isinstance(link, str) and link.strip():
            low = link.strip().lower()
            for needle, lid in self._links:
                if needle in low:
                    return lid
        return None

    def suggest(self, raw: str, n: int = 3) -> list[str]:
        """The closest known ids to a raw value (for error messages)."""
        if not isinstance(raw, str) or not raw.strip():
            return []
        key = normalize_key(raw)
        import difflib

        keys = {**self._name_keys, **self._alias_keys, **self._id_keys}
        out: list[str] = []
        for match in difflib.get_close_matches(key, list(keys), n=n * 4, cutoff=0.6):
            lid = keys[match]
            if lid not in out:
                out.append(lid)
            if len(out) == n:
                break
        return out


def _load(directory: Path) -> KnowledgeBase:
    if not directory.is_dir():
        raise KnowledgeBaseError(f"{directory}: knowledge-base directory not found")
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise KnowledgeBaseError(f"{directory}: no *.toml files")
    licenses: dict[str, License] = {}
    for path in files:
        for index, (entry, fname) in enumerate(_parse_file(path), start=1):
            lic = _build_license(entry, fname, index)
            if lic.id in licenses:
                prev = licenses[lic.id]
                raise KnowledgeBaseError(
                    f"{fname}: license {lic.id!r}: duplicate id (already defined in {prev.file})"
                )
            licenses[lic.id] = lic
    for lic in licenses.values():
        _check_entry_consistency(lic)
    _check_cross_references(licenses)
    return KnowledgeBase(licenses, directory)


@functools.cache
def _cached_default() -> KnowledgeBase | None:
    """The shipped knowledge base from a pickle in the user cache, keyed by a hash of the
    data files: parsing and validating the TOML costs more than the rest of `explain`."""
    import hashlib
    import pickle

    import platformdirs

    digest = hashlib.sha256()
    for path in sorted(DATA_DIR.glob("*.toml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(Path(__file__).read_bytes())  # the loader's own rules
    cache = Path(platformdirs.user_cache_dir("licensegraph")) / f"kb-{digest.hexdigest()[:20]}.pickle"
    try:
        with open(cache, "rb") as fh:
            kb = pickle.load(fh)
        if isinstance(kb, KnowledgeBase):
            # The key is the data's content, so the pickle may come from another checkout or
            # install of the same data: point it at this one's files.
            kb.directory = DATA_DIR
            return kb
    except Exception:  # noqa: BLE001 - any unreadable cache is rebuilt, never fatal
        pass
    kb = _validated_default()
    from licensegraph.licenses.fingerprint import kb_fingerprint

    kb_fingerprint(kb)  # kept on the object, so pickled with it
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")  # concurrent first runs must not share it
        with open(tmp, "wb") as fh:
            pickle.dump(kb, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(cache)
    except OSError:  # a read-only home: just do without the cache
        pass
    return kb


def _load_default() -> KnowledgeBase:
    return _cached_default()


def _validated_default() -> KnowledgeBase:
    kb = _load(DATA_DIR)
    missing = kb.missing_hub_ids()
    if missing:
        raise KnowledgeBaseError(
            f"{DATA_DIR.name}: the shipped knowledge base lacks Hub id(s): {', '.join(missing)}"
        )
    return kb


def load_kb(directory: Path | str | None = None) -> KnowledgeBase:
    """Load and validate a knowledge base (default: the package data, cached).

    The shipped data must cover every Hub id; a custom directory need not (tests load
    small fixture directories), but its entries get the same validation.
    """
    if directory is None:
        return _load_default()
    return _load(Path(directory))
