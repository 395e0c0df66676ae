"""Which licenses a derivative may carry, given the licenses upstream of it.

rules.md, "Choosing a license": the feasible licenses are those whose terms carry every
effective duty and add none that a parent forbids. The `merge-conflict` rule and the
`choose` command both ask this question, so both call `feasible_licenses`.

Two conditions beyond the duty checks:

* A vendor's model license (Llama, Gemma, Qwen, Stability, research-only licenses, ...;
  every family outside `REUSABLE_FAMILIES`) is a licensor's terms for its own materials.
  Nobody else can grant it for their own work, so a derivative can carry it only when
  material under that very license is upstream.
* An upstream license with a field-of-use limit (research only, non-production) keeps it
  on derivatives: a candidate without such a limit would drop it.

The licensor condition is the only one that looks at the whole upstream set; checked
exhaustively over every pair and triple of knowledge-base licenses, it never turns a
non-empty answer empty, so "is any license feasible" is the AND of per-upstream tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from licensegraph.licenses.kb import Duty, KnowledgeBase, License
from licensegraph.vocab import SPECIAL_IDS

#: Families whose licenses are templates anyone may apply to their own work. The others
#: (llama, gemma, qwen, stability, falcon, deepseek, mistral, research, vendor) name a
#: licensor and its materials.
REUSABLE_FAMILIES = frozenset({"permissive", "copyleft", "gnu", "cc", "data", "modelgo", "openrail"})


@dataclass(frozen=True)
class Failure:
    """Why a candidate license cannot be the derivative's license."""

    upstream: str  # the upstream license whose duty fails
    duty: str  # duty kind
    reason: str
    source: str = ""  # URL and clause of the duty


@dataclass
class Feasibility:
    upstream: list[str]
    feasible: list[str] = field(default_factory=list)  # least to most restrictive
    excluded: dict[str, Failure] = field(default_factory=dict)
    blockers: list[Failure] = field(default_factory=list)  # duties no license can meet
    duties: list[tuple[str, Duty]] = field(default_factory=list)  # every (upstream, duty) in force

    @property
    def none_feasible(self) -> bool:
        return not self.feasible


def restrictiveness(lic: License) -> tuple:
    """Sort key, least restrictive first: fewer freedoms taken away, fewer duties."""
    kinds = {d.kind for d in lic.duties}
    score = 0
    score += 8 if lic.derivatives != "share" else 0
    score += 6 if not lic.commercial or "non-commercial" in kinds else 0
    score += 4 if "share-alike" in kinds else 0
    score += 3 if lic.restricts_use or "use-restrictions" in kinds else 0
    score += 2 if lic.field_of_use else 0
    score += 2 if "no-improve-other-llm" in kinds else 0
    return (score, len(lic.duties), lic.id)


def _adds_restrictions(candidate: License, upstream: License) -> str | None:
    """What `candidate` would add that a no-further-restrictions upstream forbids."""
    if candidate.restricts_use:
        return "adds use-based restrictions"
    if candidate.field_of_use:
        return "limits the field of use"
    if upstream.commercial and not candidate.commercial:
        return "adds a commercial-use ban"
    return None


def duty_failure(kb: KnowledgeBase, candidate: License, upstream: License, duty: Duty) -> str | None:
    """None if `candidate` as the derivative's license meets `duty` of `upstream`, else why not."""
    kind = duty.kind
    if kind == "no-derivatives":
        return "the upstream license forbids sharing derivatives at all"
    if kind == "use-restrictions":
        if duty.tag not in candidate.carries:
            return f"does not carry the {duty.tag} use restrictions"
    elif kind == "incompatible-outbound":
        if candidate.id in duty.excludes:
            return f"{upstream.id} material cannot go out under {candidate.id}"
    elif kind == "share-alike":
        if candidate.id not in duty.accepts:
            return "share-alike: derivatives must be under " + ", ".join(duty.accepts)
    elif kind == "non-commercial":
        if candidate.commercial and "non-commercial" not in {d.kind for d in candidate.duties}:
            return "permits commercial use"
        # The scope of a research-only or non-production license is part of its
        # non-commercial duty: dropping the field-of-use limit fails it too.
        reason = field_of_use_failure(candidate, upstream)
        if reason:
            return reason
    elif kind == "no-improve-other-llm":
        if not any(d.kind == kind and d.exempt == duty.exempt for d in candidate.duties):
            return f"does not pass on the ban on improving LLMs outside {duty.exempt}"
    elif kind == "no-further-restrictions":
        # A license of the same family under the same rule adds nothing by definition.
        if not any(d.kind == kind and d.tag == duty.tag for d in candidate.duties):
            added = _adds_restrictions(candidate, upstream)
            if added:
                return f"{added}, which {upstream.id} forbids"
    elif kind == "attribution":
        if not candidate.duties_of("attribution") and not candidate.duties_of("license-copy"):
            return "drops the attribution the upstream license requires"
    return None


def field_of_use_failure(candidate: License, upstream: License) -> str | None:
    """None unless `upstream` limits the field of use and `candidate` would drop the limit."""
    if upstream.field_of_use and not candidate.field_of_use:
        return f"drops the field-of-use limits of {upstream.id} (e.g. research or non-production use only)"
    return None


def licensor_failure(candidate: License, upstream_ids: list[str]) -> str | None:
    """None unless `candidate` is a vendor's license for its own materials and none are upstream."""
    if candidate.family in REUSABLE_FAMILIES or candidate.id in upstream_ids:
        return None
    return (f"{candidate.name} is its licensor's terms for its own models; a derivative can carry it "
            f"only when material under it is upstream")


def upstream_failure(kb: KnowledgeBase, candidate: License, upstream: License) -> Failure | None:
    """Why `candidate` cannot carry the terms of one upstream license (its duties and its
    field-of-use limit), or None. `feasible_licenses` is this test for every upstream
    license, plus `licensor_failure` on the whole upstream set; code that precomputes
    per-upstream masks (merge-conflict) must use this function to give the same answer."""
    for duty in upstream.duties:
        reason = duty_failure(kb, candidate, upstream, duty)
        if reason:
            return Failure(upstream.id, duty.kind, reason, f"{duty.source.url} {duty.source.clause}")
    reason = field_of_use_failure(candidate, upstream)
    if reason:
        return Failure(upstream.id, "field-of-use", reason, upstream.url)
    return None


def candidates(kb: KnowledgeBase) -> list[License]:
    return [lic for lic in kb.licenses.values() if lic.id not in SPECIAL_IDS and not lic.is_family]


def feasible_licenses(kb: KnowledgeBase, upstream_ids: list[str], pool: list[License] | None = None) -> Feasibility:
    """Feasible derivative licenses for the given upstream licenses (duplicates ignored)."""
    ups: list[License] = []
    for uid in dict.fromkeys(upstream_ids):
        if uid in SPECIAL_IDS or uid not in kb:
            continue
        ups.append(kb.effective(uid))
    result = Feasibility(upstream=[u.id for u in ups])
    for u in ups:
        for duty in u.duties:
            result.duties.append((u.id, duty))
    for u in ups:
        for duty in u.duties:
            if duty.kind == "no-derivatives":
                result.blockers.append(Failure(u.id, duty.kind, "derivatives may not be shared under any license",
                                               f"{duty.source.url} {duty.source.clause}"))
    for cand in pool if pool is not None else candidates(kb):
        failure = None
        for u in ups:
            failure = upstream_failure(kb, cand, u)
            if failure:
                break
        if failure is None:
            reason = licensor_failure(cand, result.upstream)
            if reason:
                failure = Failure("", "licensor-terms", reason, cand.url)
        if failure:
            result.excluded[cand.id] = failure
        else:
            result.feasible.append(cand.id)
    result.feasible.sort(key=lambda i: restrictiveness(kb.get(i)))
    return result
