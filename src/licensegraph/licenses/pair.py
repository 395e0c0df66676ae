"""One pair, explained: may a derivative of material under PARENT carry CANDIDATE?

`choose --why PARENT --license CANDIDATE` answers with the knowledge-base properties that
decide the pair (each with its clause and source), the answer for a single-parent
derivative and for a merge with a parent under the candidate license (combination
permissions need that second work), and what OSADL, the FSF and Creative Commons say,
side by side, with the divergence the knowledge base lists where the tool knowingly differs.
"""

from __future__ import annotations

from licensegraph.licenses.authority import listed_divergence, verdicts
from licensegraph.licenses.feasibility import (
    _RESTRICTION_WORDS,
    added_restrictions,
    duty_failure,
    feasible_licenses,
    field_of_use_failure,
    licensor_failure,
    outbound_restrictions,
)
from licensegraph.licenses.kb import DIVERGENCE_REASONS, Duty, KnowledgeBase, License

#: Duty kinds that decide which license a derivative may carry (the others are actions:
#: files, notices, names, which `choose` lists as obligations).
DECIDING_KINDS = ("no-derivatives", "share-alike", "non-commercial", "use-restrictions", "no-improve-other-llm",
                  "no-further-restrictions", "attribution", "incompatible-outbound")


class PairError(ValueError):
    """A license of the pair that the knowledge base does not know."""


def _src(url: str, clause: str) -> str:
    return f"{url} {clause}".strip()


def _words(kinds) -> str:
    return ", ".join(_RESTRICTION_WORDS[k] for k in kinds)


def _share_alike_detail(kb: KnowledgeBase, parent: License, cand: License, duty: Duty) -> str:
    targets = sorted(kb.relicense_targets(parent.id) or ())
    text = f"{parent.id} material may be relicensed under {', '.join(targets)}"
    converted = sorted(kb.material_licenses(parent.id) - {parent.id})
    if converted:
        text += f" (converting to {', '.join(converted)} and taking their permissions)"
    comb = kb.combination_source(parent.id, cand.id)
    if comb is not None and cand.id not in targets:
        text += (f"; combining with a separate work under {cand.id} is allowed ({comb.source.clause}): "
                 "a merge with such a parent may carry it, a single-parent derivative may not")
    return text


def _check(kb: KnowledgeBase, parent: License, cand: License, duty: Duty) -> dict:
    reason = duty_failure(kb, cand, parent, duty)
    row = {"property": duty.kind + (f":{duty.tag}" if duty.tag else ""), "license": parent.id,
           "clause": duty.source.clause, "source": _src(duty.source.url, duty.source.clause),
           "holds": reason is None, "detail": reason or ""}
    if duty.kind == "share-alike":
        row["detail"] = _share_alike_detail(kb, parent, cand, duty) + ("" if reason is None else f" -> {reason}")
    elif duty.kind == "no-further-restrictions" and reason is None:
        imposed = [k for k in duty.forbids if k in cand.imposes]
        if not imposed:
            row["detail"] = f"{cand.id} imposes none of: {_words(duty.forbids)}"
        elif not added_restrictions(cand, parent, duty):
            own = [k for k in imposed if k in parent.imposes]
            if own:
                row["detail"] = f"{parent.id} has {_words(own)} itself: not a further restriction"
            else:
                term = next(t for t in cand.terms if t.kind == "licensed-material-only")
                row["detail"] = (f"{cand.id} imposes {_words(imposed)}, but binds only the material its own "
                                 f"licensor licenses ({term.source.clause}); the {parent.id} material keeps "
                                 f"its own license")
    elif reason is None:
        row["detail"] = "met"
    return row


def explain_pair(kb: KnowledgeBase, parent_id: str, candidate_id: str) -> dict:
    """The properties that decide (parent, candidate), the answers, and the authorities' verdicts."""
    rows = []
    ids = []
    for raw in (parent_id, candidate_id):
        lid = kb.resolve_id(raw) or kb.resolve_other(raw, None)
        if lid is None or kb.get(lid).is_special:
            hint = kb.suggest(raw)
            more = f"; did you mean {', '.join(hint)}?" if hint else ""
            raise PairError(f"{raw}: not a license id the knowledge base knows{more}")
        ids.append(lid)
    if kb.get(ids[1]).is_family:
        raise PairError(f"{ids[1]}: a family id names no license text to carry; give a versioned id "
                        f"(e.g. {kb.get(ids[1]).strictest})")
    # a family parent (gpl, cc, ...) is read as its strictest member, as everywhere else
    parent, cand = kb.effective(ids[0]), kb.get(ids[1])
    for duty in parent.duties:
        if duty.kind in DECIDING_KINDS:
            rows.append(_check(kb, parent, cand, duty))
    reason = field_of_use_failure(cand, parent)
    if parent.field_of_use:
        rows.append({"property": "field-of-use", "license": parent.id, "clause": "", "source": parent.url,
                     "holds": reason is None, "detail": reason or "the candidate keeps a field-of-use limit"})
    for duty in cand.duties_of("no-further-restrictions"):
        if duty.scope != "work":
            continue
        out = outbound_restrictions(kb, cand, parent)
        kept = parent.imposes
        if out is None:
            reach = kb.reachable(parent.id)
            why = (f"{parent.id} material may be relicensed under {cand.id}, so its own terms do not travel"
                   if reach is not None and cand.id in reach else
                   f"{parent.id} keeps none of: {_words(duty.forbids)}")
        else:
            why = (f"{parent.id} material keeps its own terms: "
                   + "; ".join(f"{_RESTRICTION_WORDS[k]} ({kept[k]})" for k in out[1]))
        rows.append({"property": f"no-further-restrictions:{duty.tag} (of {cand.id})", "license": cand.id,
                     "clause": duty.source.clause, "source": _src(duty.source.url, duty.source.clause),
                     "holds": out is None, "detail": why})
    licensor = licensor_failure(cand, [parent.id])
    if licensor:
        rows.append({"property": "licensor-terms", "license": cand.id, "clause": "", "source": cand.url,
                     "holds": False, "detail": licensor})
    single = feasible_licenses(kb, [parent.id], pool=[cand])
    merged = feasible_licenses(kb, [parent.id, cand.id], pool=[cand], combined=True)
    authorities = []
    ours = not single.none_feasible
    for v in verdicts(parent, cand):
        div = listed_divergence(kb, parent.id, cand.id, v.authority) if v.decisive else None
        authorities.append({
            "authority": v.authority, "says": v.says, "source": v.source, "note": v.note,
            "agrees": (ours == (v.says == "yes")) if v.decisive else None,
            "divergence": None if div is None else {
                "reason": div.reason, "why": DIVERGENCE_REASONS[div.reason], "summary": div.summary,
                "clause": div.source.clause, "source": _src(div.source.url, div.source.clause)},
        })
    readings = [r for r in (parent.reading, cand.reading) if r]
    return {
        "parent": parent.id, "candidate": cand.id, "parent_name": parent.name, "candidate_name": cand.name,
        "feasible": ours, "merge_feasible": not merged.none_feasible,
        "reason": None if ours else (single.excluded[cand.id].reason if cand.id in single.excluded
                                     else single.blockers[0].reason if single.blockers else None),
        "properties": rows, "authorities": authorities, "readings": readings,
    }
