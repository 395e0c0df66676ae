"""`choose --modelgo`: the answer in ModelGo's vocabulary (options BY, NC, ND, RAI, SA).

reference/modelgo.md, "feasible licensing options" (the rule that generates ModelGo's
compatibility tables):

1. pool the options the upstream terms demand: an upstream ModelGo license brings its own
   options (OS is SA's earlier name); any other license brings the options its duties map
   to (attribution, license copy, notices -> BY; non-commercial -> NC; no-derivatives -> ND;
   use restrictions -> RAI; share-alike -> SA);
2. the candidate variants are those whose option set includes the pooled set;
3. ND pooled and a candidate exists: the derivative may be made but not shared (table "⚠");
4. no candidate: no variant combines the options (table "✗"), e.g. SA + RAI, or in V2 SA + NC.

A candidate must then also pass the same knowledge-base test as every other license
(`feasible_licenses`): terms that no ModelGo variant carries (Llama's or Gemma's use
policies, CC-BY-SA's or GPL's share-alike, ...) rule every variant out, which is
modelgo.md's "Non-MG upstream -> MG downstream": no ModelGo license fits, the derivative
must follow the original terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from licensegraph.licenses.feasibility import feasible_licenses, restrictiveness
from licensegraph.licenses.kb import KnowledgeBase, License

OPTIONS = ("BY", "NC", "ND", "RAI", "SA")
VERSIONS = ("1.0", "2.0")

#: Duty kind -> the ModelGo option that stands for it.
DUTY_OPTION = {
    "attribution": "BY",
    "license-copy": "BY",
    "notice-file": "BY",
    "mark-changes": "BY",
    "non-commercial": "NC",
    "no-derivatives": "ND",
    "use-restrictions": "RAI",
    "share-alike": "SA",
}

#: Why a pooled set of options has no variant, for the combinations ModelGo explains.
_NO_VARIANT_WHY = (
    ({"SA", "RAI"}, "no SA+RAI variant exists on purpose: RAI use restrictions are \"further restrictions\" "
                    "that copyleft (GPL-3.0 §10) forbids (ModelGo FAQ)"),
    ({"SA", "NC"}, "V2 has no NC+SA variant (MG-BY-NC-OS was dropped), so SA and NC cannot be combined"),
    ({"ND", "RAI"}, "no variant combines ND with RAI"),
    ({"ND", "SA"}, "no variant combines ND with SA"),
)


def normalize_version(raw: str | int | float | None) -> str:
    value = str(raw or "2").strip().lower().lstrip("v")
    value = {"1": "1.0", "2": "2.0"}.get(value, value)
    if value not in VERSIONS:
        raise ValueError(f"unknown ModelGo version {raw!r}; expected 1 or 2")
    return value


def variant_options(lic: License) -> frozenset[str]:
    """A ModelGo license's options, with OS read as SA."""
    return frozenset("SA" if o == "OS" else o for o in lic.modelgo_options)


def option_label(opts, version: str) -> str:
    """Options in ModelGo's order, SA written OS for V1."""
    order = ("BY", "NC", "ND", "RAI", "SA")
    return "+".join(("OS" if o == "SA" and version == "1.0" else o) for o in order if o in opts) or "(none)"


def variants(kb: KnowledgeBase, version: str = "2.0") -> list[License]:
    """The ModelGo variants of one version. V2 is the current eight: the short-lived V2 OS
    variants (renamed SA) are left out."""
    version = normalize_version(version)
    out = [lic for lic in kb if lic.family == "modelgo" and lic.modelgo_version == version]
    if version == "2.0":
        out = [lic for lic in out if "OS" not in lic.modelgo_options]
    return sorted(out, key=lambda lic: (len(lic.modelgo_options), restrictiveness(lic)))


def demanded_options(kb: KnowledgeBase, license_id: str) -> dict[str, list[str]]:
    """Option -> the duty kinds (or "ModelGo option") of `license_id` that demand it."""
    lic = kb.effective(license_id)
    out: dict[str, list[str]] = {}
    if lic.family == "modelgo":
        for opt in sorted(variant_options(lic)):
            out.setdefault(opt, []).append("ModelGo option")
        return out
    for d in lic.duties:
        opt = DUTY_OPTION.get(d.kind)
        if opt and d.kind not in out.get(opt, []):
            out.setdefault(opt, []).append(d.kind)
    if not lic.commercial and "NC" not in out:
        out["NC"] = ["commercial use not granted"]
    if lic.derivatives != "share" and "ND" not in out:
        out["ND"] = [f"derivatives: {lic.derivatives}"]
    return out


@dataclass
class ModelGoAnswer:
    version: str
    upstream: list[str]
    demanded: dict[str, dict[str, list[str]]]  # option -> {upstream license: [duty kinds]}
    status: str  # "feasible" (✓), "not-shareable" (⚠), "none" (✗)
    candidates: list[str]  # variants whose options include the pooled set
    feasible: list[dict] = field(default_factory=list)
    excluded: list[dict] = field(default_factory=list)
    reason: str | None = None

    @property
    def options(self) -> list[str]:
        return [o for o in OPTIONS if o in self.demanded]

    @property
    def symbol(self) -> str:
        return {"feasible": "✓", "not-shareable": "⚠", "none": "✗"}[self.status]

    def as_dict(self) -> dict:
        return {
            "modelgo_version": self.version,
            "upstream_licenses": self.upstream,
            "demanded_options": self.options,
            "demanded": self.demanded,
            "status": self.status,
            "symbol": self.symbol,
            "candidates": self.candidates,
            "feasible": self.feasible,
            "excluded": self.excluded,
            "none_feasible": not self.feasible,
            "reason": self.reason,
        }


def modelgo_answer(kb: KnowledgeBase, upstream_ids: list[str], version: str = "2.0") -> ModelGoAnswer:
    """ModelGo variants a derivative of `upstream_ids` may carry (see the module doc)."""
    version = normalize_version(version)
    feas = feasible_licenses(kb, upstream_ids)
    upstream = feas.upstream
    demanded: dict[str, dict[str, list[str]]] = {}
    for uid in upstream:
        for opt, why in demanded_options(kb, uid).items():
            demanded.setdefault(opt, {})[uid] = why
    pooled = frozenset(demanded)
    pool = variants(kb, version)
    cands = [v for v in pool if variant_options(v) >= pooled]
    answer = ModelGoAnswer(version=version, upstream=upstream, demanded=demanded, status="feasible",
                           candidates=[v.id for v in cands])
    label = option_label(pooled, version)

    for v in pool:
        if v in cands:
            continue
        missing = option_label(pooled - variant_options(v), version)
        answer.excluded.append({"license": v.id, "options": option_label(variant_options(v), version),
                                "reason": f"lacks option(s) {missing} that the upstream terms demand"})

    if "ND" in pooled:
        nd_from = ", ".join(sorted(demanded["ND"]))
        if cands:
            answer.status = "not-shareable"
            answer.reason = (f"⚠ ND: {nd_from} forbids sharing derivatives; {', '.join(answer.candidates)} would "
                             f"cover the options ({label}), but nothing may be shared, so no license applies")
        else:
            answer.status = "none"
            answer.reason = f"✗ no ModelGo variant combines {label} (and {nd_from} forbids sharing derivatives anyway)"
        for v in cands:
            answer.excluded.append({"license": v.id, "options": option_label(variant_options(v), version),
                                    "reason": f"{nd_from} forbids sharing derivatives under any license"})
        return answer

    if not cands:
        answer.status = "none"
        why = next((text for combo, text in _NO_VARIANT_WHY if combo <= pooled
                    and not (version == "1.0" and combo == {"SA", "NC"})), "no variant includes them all")
        answer.reason = f"✗ no ModelGo {version[0]} variant combines {label}: {why}"
        blocking = _not_relicensable(kb, upstream, pool)
        if blocking:
            answer.reason += "; besides, " + "; ".join(blocking)
        return answer

    # A variant covering the options must still carry every upstream duty (the KB test).
    kb_ok = set(feas.feasible)
    for v in cands:
        opts = option_label(variant_options(v), version)
        if v.id in kb_ok:
            answer.feasible.append({"license": v.id, "name": v.name, "options": opts})
        else:
            f = feas.excluded[v.id]
            answer.excluded.append({"license": v.id, "options": opts, "duty": f.duty, "upstream": f.upstream or None,
                                    "reason": f.reason, "source": f.source or None})
    if not answer.feasible:
        answer.status = "none"
        blocking = _not_relicensable(kb, upstream, pool, cands)
        if blocking:
            answer.reason = ("✗ no ModelGo license fits: " + "; ".join(blocking)
                             + ". The derivative must follow the original terms (ModelGo FAQ: \"you have no choice "
                               "but to comply with their original licenses\").")
        else:
            first = answer.excluded[-1]
            answer.reason = (f"✗ the variants covering {label} ({', '.join(answer.candidates)}) fail the upstream "
                             f"terms together: {first['id']}: {first['reason']}")
    else:
        answer.reason = None
    return answer


def _not_relicensable(kb: KnowledgeBase, upstream: list[str], pool: list[License],
                      prefer: list[License] | None = None) -> list[str]:
    """For each upstream license no variant of `pool` can carry on its own: why."""
    out = []
    for uid in upstream:
        alone = feasible_licenses(kb, [uid])
        if any(v.id in alone.feasible for v in pool):
            continue
        lic = kb.effective(uid)
        order = list(prefer or []) + [v for v in reversed(pool) if v not in (prefer or [])]
        first = next((alone.excluded[v.id] for v in order if v.id in alone.excluded
                      and alone.excluded[v.id].duty not in ("no-derivatives",)), None)
        detail = f" ({first.reason})" if first else ""
        kind = "ModelGo" if lic.family == "modelgo" else "non-ModelGo"
        out.append(f"{uid} ({kind}) cannot be relicensed under any ModelGo variant{detail}")
    return out


def table_cell(kb: KnowledgeBase, a: str, b: str, version: str = "2.0") -> str:
    """ModelGo's compatibility-table symbol for a remix of a work under `a` with one under `b`."""
    return modelgo_answer(kb, [a, b], version).symbol
