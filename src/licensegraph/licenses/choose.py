"""`choose`: which licenses a derivative of given parents may carry (rules.md, "Choosing a license").

Parents are Hub ids (looked up in the store; their *effective* licenses count: the
parent's own license and every ancestor's) or license ids (a KB id or alias). The answer
is `licenses.feasibility.feasible_licenses` on the pooled upstream licenses, the same
function the `merge-conflict` rule asks, so both always agree. On top of it this module
ranks the feasible licenses, says which upstream duty each one meets, names the duty that
rules out each common license, explains why nothing fits when nothing does, and lists the
duties no license choice can meet (copies, notices, names) that the publisher must still
carry out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

from licensegraph.licenses.feasibility import (
    Failure,
    Feasibility,
    feasible_licenses,
    restrictiveness,
)
from licensegraph.licenses.kb import Duty, KnowledgeBase, License, load_kb
from licensegraph.licenses.naming import normalize_name
from licensegraph.lineage.ancestry import ancestors as store_ancestors
from licensegraph.store.db import Store
from licensegraph.vocab import NOT_A_LICENSE, NOT_LEGAL_ADVICE, RELATIONS, SPECIAL_IDS

DISCLAIMER = NOT_LEGAL_ADVICE

#: Licenses every answer accounts for: when one is left out, the answer says which duty it fails.
COMMON = (
    "apache-2.0", "mit", "bsd-3-clause", "cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0",
    "cc-by-nc-sa-4.0", "cc-by-nd-4.0", "gpl-3.0", "agpl-3.0", "openrail++",
    "creativeml-openrail-m", "bigscience-openrail-m", "mg-by-2.0", "mg-by-rai-2.0",
    "mg-by-nc-2.0",
)

#: Duty kinds that the choice of license meets (or fails); feasibility checks exactly these.
CHOICE_DUTIES = frozenset({
    "attribution", "use-restrictions", "share-alike", "non-commercial", "no-improve-other-llm",
    "no-further-restrictions", "no-derivatives",
})
#: Duty kinds the publisher must carry out whatever the license: files, notices, names.
ACTION_DUTIES = (
    "license-copy", "notice-file", "display", "name-prefix", "mark-changes", "attribution",
    "use-restrictions", "user-threshold", "source-disclosure", "model-card",
)


class ParentError(ValueError):
    """A parent that is neither a model in the store nor a known license."""

    def __init__(self, raw: str, message: str, suggestions: list[str] | None = None):
        self.raw = raw
        self.suggestions = suggestions or []
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"{message}{hint}")


@dataclass
class Parent:
    """One `--parent`: a model (with its lineage) or a bare license."""

    raw: str
    kind: str  # "model" or "license"
    id: str  # model id, or KB license id
    license: str  # the model's own license (KB id or an undecidable marker), or the license
    ancestors: list[dict] = field(default_factory=list)  # id, license, relation, depth

    @property
    def upstream(self) -> list[str]:
        """KB license ids that bind a derivative of this parent: its own and every ancestor's."""
        ids = [self.license] + [a["license"] for a in self.ancestors]
        return [i for i in dict.fromkeys(ids) if i not in NOT_A_LICENSE]

    @property
    def unknown(self) -> list[tuple[str, str]]:
        """(model id, marker) for the parent and ancestors whose license is not known."""
        out = [(self.id, self.license)] if self.license in NOT_A_LICENSE else []
        out += [(a["ancestor_id"], a["license"]) for a in self.ancestors if a["license"] in NOT_A_LICENSE]
        return out

    def as_dict(self) -> dict:
        return {
            "input": self.raw, "kind": self.kind, "parent_id": self.id, "license": self.license,
            "ancestors": self.ancestors, "upstream_licenses": self.upstream,
            "unknown_licenses": [{"model_id": i, "license": lic} for i, lic in self.unknown],
        }


# --------------------------------------------------------------------------- parents


def _model_row(store: Store, key: str) -> tuple[str, str] | None:
    # model_licenses holds a row per model and an index on model_key (models has none)
    row = store.con.execute("SELECT id, license FROM model_licenses WHERE model_key = ?", [key]).fetchone()
    return (row[0], row[1]) if row else None


def model_parent(store: Store, raw: str, model_id: str, license_id: str) -> Parent:
    ancestors = [
        {"ancestor_id": a["ancestor_id"], "license": a["license"], "relation": a["relation"], "depth": a["depth"],
         "child_id": a["child_id"], "dangling": bool(a["dangling"])}
        for a in store_ancestors(store, model_id.lower())
    ]
    return Parent(raw=raw, kind="model", id=model_id, license=license_id, ancestors=ancestors)


def _similar_models(store: Store, raw: str, n: int = 3) -> list[str]:
    try:
        rows = store.con.execute(
            "SELECT id FROM models WHERE has_record ORDER BY jaro_winkler_similarity(model_key, ?) DESC LIMIT ?",
            [raw.lower(), n],
        ).fetchall()
    except Exception:  # noqa: BLE001 - suggestions are a courtesy
        return []
    return [r[0] for r in rows]


def resolve_parent(kb: KnowledgeBase, store: Store | None, raw: str) -> Parent:
    """A `--parent` value -> Parent; ParentError with suggestions when it is neither."""
    value = raw.strip()
    if not value:
        raise ParentError(raw, "empty --parent value")
    lic = kb.resolve_id(value)
    if lic and lic not in SPECIAL_IDS and "/" not in value:
        return Parent(raw=raw, kind="license", id=lic, license=lic)
    if store is not None:
        found = _model_row(store, value.lower())
        if found:
            return model_parent(store, raw, *found)
    if lic and lic not in SPECIAL_IDS:
        return Parent(raw=raw, kind="license", id=lic, license=lic)
    named = kb.resolve_other(value, None)
    if named:
        return Parent(raw=raw, kind="license", id=named, license=named)
    suggestions = kb.suggest(value)
    if "/" in value:
        if store is None:
            raise ParentError(raw, f"{raw}: not a known license id, and there is no store to look the model up in "
                                   "(pass --db PATH, or run `licensegraph ingest` first)", suggestions)
        suggestions = _similar_models(store, value) + suggestions
        raise ParentError(raw, f"{raw}: not a model in the store, nor a known license id "
                               "(give the parent's license instead, e.g. --parent llama3.1)", suggestions)
    where = "" if store is None else ", nor a model in the store"
    raise ParentError(raw, f"{raw}: not a known license id{where}", suggestions)


# --------------------------------------------------------------------------- answer


def satisfied(cand: License, upstream: License, duty: Duty) -> str | None:
    """How `cand` meets a license-choice duty of `upstream` (None for other kinds)."""
    kind = duty.kind
    if kind == "attribution":
        return f"keeps the attribution {upstream.id} requires"
    if kind == "use-restrictions":
        return f"carries the {duty.tag} use restrictions"
    if kind == "share-alike":
        return f"is a license {upstream.id} accepts for derivatives (share-alike)"
    if kind == "non-commercial":
        return "keeps the non-commercial scope"
    if kind == "no-improve-other-llm":
        return f"passes on the ban on improving LLMs outside the {duty.exempt} lineage"
    if kind == "no-further-restrictions":
        return f"adds no restriction {upstream.id} forbids"
    return None


def _source(duty: Duty) -> str:
    return f"{duty.source.url} {duty.source.clause}".strip()


@dataclass
class LicenseChoice:
    parents: list[Parent]
    relation: str
    feasibility: Feasibility
    feasible: list[dict]
    excluded: list[dict]
    obligations: list[dict]
    notes: list[str]
    warnings: list[str]
    reason: str | None
    name_prefix: dict | None

    @property
    def none_feasible(self) -> bool:
        return not self.feasible

    @property
    def upstream(self) -> list[str]:
        return self.feasibility.upstream

    def as_dict(self) -> dict:
        return {
            "parents": [p.as_dict() for p in self.parents],
            "relation": self.relation,
            "upstream_licenses": self.upstream,
            "feasible": self.feasible,
            "excluded": self.excluded,
            "none_feasible": self.none_feasible,
            "reason": self.reason,
            "obligations": self.obligations,
            "name_prefix": self.name_prefix,
            "notes": self.notes,
            "warnings": self.warnings,
            "disclaimer": DISCLAIMER,
        }


def rank(kb: KnowledgeBase, ids: list[str], upstream: list[str]) -> list[str]:
    """Least to most restrictive; at equal restrictiveness an upstream license comes first, and
    a ModelGo license of the upstream ModelGo version (else the current one) before others."""
    mg_versions = {kb.effective(u).modelgo_version for u in upstream if u in kb} - {""} or {"2.0"}

    def key(i: str):
        lic = kb.get(i)
        score, n_duties, lid = restrictiveness(lic)
        other_version = bool(lic.modelgo_version) and lic.modelgo_version not in mg_versions
        return (score, i not in upstream, n_duties, other_version, lid)

    return sorted(ids, key=key)


def failure_dict(lid: str, f: Failure) -> dict:
    return {"license": lid, "duty": f.duty, "upstream": f.upstream or None, "reason": f.reason, "source": f.source or None}


def explain_none(kb: KnowledgeBase, feas: Feasibility, combined: bool = False) -> str:
    """Why no license fits the upstream licenses of `feas`."""
    if feas.blockers:
        b = feas.blockers[0]
        lic = kb.get(b.upstream)
        scope = ("derivatives may not even be made" if lic.derivatives == "none"
                 else "derivatives may be made and used privately, but not shared")
        return (f"{b.upstream} forbids sharing derivatives ({b.source}): {scope}; "
                "no license makes publishing this model compliant")
    for single in feas.upstream:
        alone = feasible_licenses(kb, [single])
        if alone.none_feasible:
            return f"no license in the knowledge base carries the duties of {single}"
    for a, b in combinations(feas.upstream, 2):
        pair = feasible_licenses(kb, [a, b], combined=combined)
        if not pair.none_feasible:
            continue
        allowed = rank(kb, feasible_licenses(kb, [a]).feasible, [a])
        first = allowed[0]
        why = pair.excluded[first]
        shown = ", ".join(allowed[:4]) + (f" and {len(allowed) - 4} more" if len(allowed) > 4 else "")
        return (f"{a} and {b} demand terms no single license carries: {a} allows only {shown} for "
                f"derivatives, and {first} fails {why.upstream or b}'s {why.duty} duty ({why.reason})")
    return "no license carries the duties of " + ", ".join(feas.upstream) + " together"


def _obligations(kb: KnowledgeBase, feas: Feasibility, relation: str) -> list[dict]:
    out, seen = [], set()
    for uid, duty in feas.duties:
        if duty.kind not in ACTION_DUTIES:
            continue
        # the clause is part of the key: AGPL-3.0 has two source-disclosure duties (§6, §13)
        key = (uid, duty.kind, duty.tag, duty.text, duty.source.clause)
        if key in seen:
            continue
        seen.add(key)
        out.append({
            "upstream": uid, "duty": duty.kind, "text": duty.text or None, "tag": duty.tag or None,
            "summary": duty.summary, "source": _source(duty), "clause": duty.source.clause,
            "warning_only": duty.kind == "name-prefix" and relation == "quantization",
        })
    order = {k: i for i, k in enumerate(ACTION_DUTIES)}
    return sorted(out, key=lambda o: (order[o["duty"]], o["upstream"]))


def name_prefix(feas: Feasibility) -> dict | None:
    """The name prefix the upstream licenses demand: the longest, if it begins with every other."""
    found = [(uid, d) for uid, d in feas.duties if d.kind == "name-prefix"]
    if not found:
        return None
    texts = sorted({d.text for _, d in found}, key=len, reverse=True)
    longest = texts[0]
    conflict = [t for t in texts if not normalize_name(longest).startswith(normalize_name(t))]
    return {
        "prefix": longest,
        "required_by": sorted({uid for uid, _ in found}),
        "sources": sorted({_source(d) for _, d in found}),
        "conflict": conflict or None,
    }


def choose(
    kb: KnowledgeBase | None,
    parents: list[str],
    relation: str | None = None,
    store: Store | None = None,
    all_licenses: bool = False,
) -> LicenseChoice:
    """The licenses a derivative of `parents` may carry, and why the others may not.

    Raises ParentError for a parent that is neither a model in `store` nor a license, and
    ValueError for an unknown relation.
    """
    kb = kb or load_kb()
    if not parents:
        raise ValueError("give at least one parent")
    if relation is None:
        relation = "merge" if len(parents) > 1 else "finetune"
    if relation not in RELATIONS:
        raise ValueError(f"unknown relation {relation!r}; expected one of {', '.join(RELATIONS)}")
    resolved = [resolve_parent(kb, store, raw) for raw in parents]
    upstream = list(dict.fromkeys(u for p in resolved for u in p.upstream))
    # combination permissions (MPL-2.0 §3.3, GPL-3.0 §13, EUPL) need a second work: a merge
    combined = relation == "merge" and len(resolved) > 1
    feas = feasible_licenses(kb, upstream, combined=combined)
    ranked = rank(kb, feas.feasible, feas.upstream)

    ups = [kb.effective(u) for u in feas.upstream]
    feasible = []
    for lid in ranked:
        cand = kb.get(lid)
        meets, seen = [], set()
        for u in ups:
            for d in u.duties:
                how = satisfied(cand, u, d)
                key = (u.id, d.kind, d.tag)
                if how and key not in seen:
                    seen.add(key)
                    meets.append({"upstream": u.id, "duty": d.kind + (f":{d.tag}" if d.tag else ""), "how": how})
            if u.field_of_use:
                meets.append({"upstream": u.id, "duty": "field-of-use", "how": "keeps the field-of-use limits"})
        feasible.append({"license": lid, "name": cand.name, "hub_id": cand.hub_id, "work_kind": cand.work_kind,
                         "upstream": lid in feas.upstream, "satisfies": meets})

    families = {kb.effective(u).family for u in feas.upstream}
    wanted = list(COMMON) + list(feas.upstream)
    wanted += [lic.id for lic in kb if lic.family in families and lic.family not in ("permissive", "cc", "modelgo")
               and not lic.is_family and lic.id not in SPECIAL_IDS]
    if all_licenses:
        wanted += list(feas.excluded)
    excluded = [failure_dict(lid, feas.excluded[lid]) for lid in dict.fromkeys(wanted) if lid in feas.excluded]

    notes, warnings = [], []
    if relation == "quantization":
        notes.append("A quantization is still a derivative: it inherits every duty of every ancestor "
                     "(licenses.md §3.3). Whether it must carry a Llama name prefix is arguable: "
                     "llama-naming reports a missing prefix on a quantization as a warning.")
    elif relation == "adapter":
        notes.append("An adapter counts as a derivative under the model licenses (Llama, Gemma, OpenRAIL, "
                     "ModelGo): it is judged like a finetune.")
    elif relation == "merge":
        notes.append("A merge inherits the union of every parent's duties; merge-conflict uses this same answer.")
    prefix = name_prefix(feas)
    if prefix:
        qual = " (a warning only for a quantization)" if relation == "quantization" else ""
        notes.append(f"The model's name must begin with \"{prefix['prefix']}\"{qual}: "
                     f"{', '.join(prefix['required_by'])} ({'; '.join(prefix['sources'])}).")
        if prefix["conflict"]:
            warnings.append("the upstream licenses demand name prefixes no single name can begin with: "
                            + ", ".join([prefix["prefix"], *prefix["conflict"]]))
    for uid in feas.upstream:
        reading = kb.get(uid).reading
        if reading:
            notes.append(reading)
    for p in resolved:
        for mid, marker in p.unknown:
            what = {"absent": "is not in the store", "none": "declares no license",
                    "unknown": "declares license: unknown",
                    "other-unresolved": "declares license: other with nothing the knowledge base can resolve"}
            warnings.append(f"{mid} {what.get(marker, 'has no known license')}: its terms are not counted, "
                            "so the answer may be incomplete")
    if not upstream:
        warnings.append("no known license upstream: every license anyone may grant is listed, but that says "
                        "nothing about the parents' real terms")
    reason = explain_none(kb, feas, combined) if not feasible else None
    return LicenseChoice(
        parents=resolved, relation=relation, feasibility=feas, feasible=feasible, excluded=excluded,
        obligations=_obligations(kb, feas, relation), notes=notes, warnings=warnings,
        reason=reason, name_prefix=prefix,
    )


def yaml_license_lines(kb: KnowledgeBase, license_id: str) -> dict:
    """The card fields that declare `license_id`: a Hub id directly, anything else as `other`."""
    lic = kb.get(license_id)
    if lic.hub_id:
        return {"license": lic.id}
    return {"license": "other", "license_name": lic.id, "license_link": lic.url}


def card_lines(kb: KnowledgeBase, license_id: str) -> str:
    """The card lines that declare a license (a family id: its strictest member), as one
    phrase for a remedy: "`license: llama2`", or `license: other` with name and link."""
    return ", ".join(f"`{k}: {v}`" for k, v in yaml_license_lines(kb, kb.effective(license_id).id).items())
