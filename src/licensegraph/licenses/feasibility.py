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

Compatibility is derived from clause properties in the knowledge base, never from
per-pair exceptions:

* share-alike: the candidate must be a license the upstream material may be relicensed
  under (`KnowledgeBase.relicense_targets`: the `accepts` lists closed under their own
  conversions). In a merge, a permission to combine with a separate work under another
  license ([[license.combine]]: MPL-2.0 §3.3, GPL-3.0 §13, the EUPL compatibility clause)
  also counts when a co-parent's license is, or converts to, that license
  (`KnowledgeBase.reachable`). A single-parent finetune has no second work.
* no further restrictions, both ways: an upstream clause (`forbids`, `scope`) rules out a
  candidate that imposes a forbidden restriction (`License.imposes`) on the material it
  governs; and a candidate's own clause of scope "work" (GPL-2.0 §6, LGPL-2.1 §10) rules it
  out when the upstream material keeps terms it forbids (Apache-2.0 and ECL-2.0 patent
  termination and indemnity, AFL-3.0 §10) because that material stays under its own license.

The licensor condition and combination permissions are the only ones that look at the
whole upstream set; without combination permissions "is any license feasible" is the AND
of per-upstream tests, and merge-conflict recomputes the tests of the few licenses that
have such permissions per merge.
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


_RESTRICTION_WORDS = {
    "use-restrictions": "use-based restrictions",
    "field-of-use": "a field-of-use limit",
    "non-commercial": "a commercial-use ban",
    "no-derivatives": "a ban on sharing adaptations",
    "patent-termination": "a patent-license termination on patent suits",
    "license-termination-on-patent-action": "termination of the whole license on patent actions",
    "indemnity": "an indemnity condition",
}


def added_restrictions(candidate: License, upstream: License, duty: Duty) -> list[str]:
    """The restriction kinds `candidate` imposes that `upstream`'s no-further-restrictions
    `duty` forbids, on the material that duty protects.

    A restriction the upstream license has itself is not a further one (BY-NC under BY-NC).
    For scope "licensed-material" (CC) only restrictions that reach the upstream material
    count: a license whose restrictions bind only its own licensor's contribution (CC's
    adapter's licenses, "licensed-material-only") leaves the CC material under CC."""
    if duty.scope == "licensed-material" and not candidate.restrictions_reach_upstream:
        return []
    own = upstream.imposes
    return [k for k in duty.forbids if k in candidate.imposes and k not in own]


def outbound_restrictions(kb: KnowledgeBase, candidate: License, upstream: License,
                          others: frozenset[str] = frozenset()) -> tuple[Duty, list[str]] | None:
    """The candidate's own no-further-restrictions clause of scope "work" against the terms
    the upstream material keeps: (the candidate's duty, forbidden kinds), or None.

    Upstream material keeps its terms unless its license lets it be relicensed under the
    candidate (then the candidate's terms replace them: LGPL -> GPL, MPL -> GPL)."""
    reach = kb.reachable(upstream.id, others)
    if reach is not None and candidate.id in reach:
        return None
    for duty in candidate.duties_of("no-further-restrictions"):
        if duty.scope != "work":
            continue
        kept = upstream.imposes
        bad = [k for k in duty.forbids if k in kept and k not in candidate.imposes]
        if bad:
            return duty, bad
    return None


def duty_failure(kb: KnowledgeBase, candidate: License, upstream: License, duty: Duty,
                 others: frozenset[str] = frozenset()) -> str | None:
    """None if `candidate` as the derivative's license meets `duty` of `upstream`, else why not.

    `others`: the licenses of the separate works the derivative combines (a merge's other
    upstream licenses); empty for a single-parent derivative."""
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
        reach = kb.reachable(upstream.id, others) or frozenset(duty.accepts)
        if candidate.id not in reach:
            allowed = [upstream.id] + sorted(reach - {upstream.id})
            return "share-alike: derivatives must be under " + ", ".join(allowed)
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
        added = added_restrictions(candidate, upstream, duty)
        if added:
            what = " and ".join(_RESTRICTION_WORDS[k] for k in added)
            return f"adds {what}, which {upstream.id} forbids ({duty.source.clause})"
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


def upstream_failure(kb: KnowledgeBase, candidate: License, upstream: License,
                     others: frozenset[str] = frozenset()) -> Failure | None:
    """Why `candidate` cannot carry the terms of one upstream license (its duties, its
    field-of-use limit, and the terms it keeps that the candidate forbids), or None.
    `feasible_licenses` is this test for every upstream license, plus `licensor_failure` on
    the whole upstream set; code that precomputes per-upstream masks (merge-conflict) must
    use this function to give the same answer."""
    for duty in upstream.duties:
        reason = duty_failure(kb, candidate, upstream, duty, others)
        if reason:
            return Failure(upstream.id, duty.kind, reason, f"{duty.source.url} {duty.source.clause}")
    reason = field_of_use_failure(candidate, upstream)
    if reason:
        return Failure(upstream.id, "field-of-use", reason, upstream.url)
    outbound = outbound_restrictions(kb, candidate, upstream, others)
    if outbound:
        duty, kinds = outbound
        kept = upstream.imposes
        what = "; ".join(f"{_RESTRICTION_WORDS[k]} ({kept[k]})" for k in kinds)
        return Failure(upstream.id, "no-further-restrictions",
                       f"{candidate.id} forbids further restrictions ({duty.source.clause}), and {upstream.id} "
                       f"material keeps its own terms: {what}",
                       f"{duty.source.url} {duty.source.clause}")
    return None


def combines(kb: KnowledgeBase, license_id: str) -> bool:
    """True when a combination permission is reachable from the license: its feasibility
    then depends on the other upstream licenses of a merge."""
    return any(kb.licenses[t].combinations for t in kb.material_licenses(license_id))


def candidates(kb: KnowledgeBase) -> list[License]:
    return [lic for lic in kb.licenses.values() if lic.id not in SPECIAL_IDS and not lic.is_family]


def feasible_licenses(kb: KnowledgeBase, upstream_ids: list[str], pool: list[License] | None = None,
                      combined: bool = False) -> Feasibility:
    """Feasible derivative licenses for the given upstream licenses (duplicates ignored).

    `combined`: the upstream licenses belong to separate works combined into one (a
    merge), so combination permissions between them apply; False for a derivative of one
    work (a finetune, adapter or quantization, whatever its ancestors' licenses)."""
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
    everyone = frozenset(result.upstream) if combined else frozenset()
    for cand in pool if pool is not None else candidates(kb):
        failure = None
        for u in ups:
            failure = upstream_failure(kb, cand, u, everyone - {u.id})
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
