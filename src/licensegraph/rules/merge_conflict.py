"""merge-conflict: no single license meets the duties of all of a merge's parents.

Uses the same feasibility test as `licensegraph choose` (licenses.feasibility), on each
distinct combination of upstream licenses, so both give the same answer.
"""

from __future__ import annotations

import json
from itertools import combinations

import numpy as np

from licensegraph.licenses.feasibility import (
    REUSABLE_FAMILIES,
    candidates,
    combines,
    feasible_licenses,
    upstream_failure,
)
from licensegraph.rules.base import RowResult, Rule, keep_blob, kept_blob
from licensegraph.rules.context import AuditContext
from licensegraph.vocab import SPECIAL_IDS, UNDECIDABLE


def explain_conflict(kb, ids: list[str]) -> str:
    result = feasible_licenses(kb, ids, combined=True)
    if result.blockers:
        b = result.blockers[0]
        return f"{b.upstream} forbids sharing derivatives"
    for a, b in combinations(result.upstream, 2):
        if feasible_licenses(kb, [a, b], combined=True).none_feasible:
            return f"{a} and {b} demand terms no single license carries"
    return "no license carries the duties of " + ", ".join(result.upstream)


def _mask(ctx: AuditContext, ok: dict, lic_id: str, others: tuple[str, ...]) -> np.ndarray:
    """Which candidates carry lic_id's terms in a merge whose other upstream licenses are
    `others`: the precomputed mask, unless lic_id has a combination permission (MPL-2.0
    §3.3, GPL-3.0 §13, EUPL), whose answer depends on the co-parents."""
    if not combines(ctx.kb, lic_id):
        return ok[lic_id]
    key = (lic_id, others)
    cache = ok.setdefault("_combined", {})
    if key not in cache:
        u = ctx.kb.effective(lic_id)
        rest = frozenset(o for o in others if o != lic_id and o in ctx.kb)
        cache[key] = np.array([upstream_failure(ctx.kb, c, u, rest) is None for c in ok["_pool"]], dtype=bool)
    return cache[key]


def _conflict_text(ctx: AuditContext, ok: dict, ids: tuple[str, ...]) -> str:
    """explain_conflict's answer from the precomputed masks (same logic, no re-check)."""
    for i in ids:
        if i in ctx.kb and ctx.kb.effective(i).duties_of("no-derivatives"):
            return f"{ctx.kb.effective(i).id} forbids sharing derivatives"
    eff = [ctx.kb.effective(i).id for i in ids if i in ctx.kb and ctx.kb.effective(i).id not in SPECIAL_IDS]
    for a, b in combinations(dict.fromkeys(eff), 2):
        allowed = ok["_reusable"].copy()
        for x in (a, b):
            if x in ok["_index"]:
                allowed[ok["_index"][x]] = True
        if not (_mask(ctx, ok, a, (b,)) & _mask(ctx, ok, b, (a,)) & allowed).any():
            return f"{a} and {b} demand terms no single license carries"
    return "no license carries the duties of " + ", ".join(eff)


class _CandidateMasks(dict):
    """Per upstream license id: which candidate licenses carry its terms (upstream_failure,
    the per-license half of feasible_licenses), computed when first asked (an audit whose
    verdicts are kept asks for few); plus which candidates any derivative may carry
    (`_reusable`), where each candidate sits (`_index`) and the candidates (`_pool`)."""

    def __init__(self, ctx: AuditContext):
        pool = candidates(ctx.kb)
        super().__init__(_reusable=np.array([c.family in REUSABLE_FAMILIES for c in pool], dtype=bool),
                         _index={c.id: i for i, c in enumerate(pool)}, _pool=pool)
        self.kb = ctx.kb
        # the masks an earlier audit computed (a function of the knowledge base and code)
        found = kept_blob(ctx, MASKS_KEY)
        self.update({lic_id: np.array([c == "1" for c in bits], dtype=bool)
                     for lic_id, bits in (json.loads(found) if found is not None else {}).items()})
        self.kept = self.masks()

    def __missing__(self, lic_id: str) -> np.ndarray:
        if lic_id not in self.kb:
            raise KeyError(lic_id)
        u = self.kb.effective(lic_id)
        mask = self[lic_id] = np.array([upstream_failure(self.kb, c, u) is None for c in self["_pool"]], dtype=bool)
        return mask

    def masks(self) -> int:
        """How many licenses' masks are held."""
        return sum(not k.startswith("_") for k in self)

    def keep(self, ctx: AuditContext) -> None:
        """Keep the masks for later audits, when this one computed new ones."""
        if self.masks() > self.kept:
            keep_blob(ctx, MASKS_KEY, json.dumps({k: "".join("1" if b else "0" for b in v.tolist())
                                                  for k, v in sorted(self.items()) if not k.startswith("_")}).encode())
            self.kept = self.masks()


MASKS_KEY = "merge-conflict-masks"


VERDICTS_KEY = "merge-conflict-verdicts"


def _kept_verdicts(ctx: AuditContext) -> dict[tuple[str, ...], str | None]:
    found = kept_blob(ctx, VERDICTS_KEY)
    return {tuple(ids): text for ids, text in json.loads(found)} if found is not None else {}


class MergeConflict(Rule):
    id = "merge-conflict"
    labels = ("merge-conflict",)
    order = 150
    in_study = False
    applies_to = "merges"
    card_field = "base_model"
    needs_child_license = False

    def evaluate(self, ctx: AuditContext, view: str) -> list[RowResult]:
        merges = np.flatnonzero(ctx.audited & ctx.is_merge)
        bits = ctx.upstream(view)
        noncompliant = np.zeros(ctx.n, dtype=bool)
        excluded = np.full(ctx.n, -1, dtype=np.int8)
        detail = np.full(ctx.n, None, dtype=object)
        undecidable_codes = [ctx.table.code[x] for x in UNDECIDABLE]
        if len(merges):
            sigs, inverse = np.unique(bits[merges], axis=0, return_inverse=True)
            inverse = inverse.reshape(-1)
            # upstream ids -> conflict text or None: a function of the knowledge base, kept
            # in the store for the next audit (hundreds of feasibility checks)
            verdicts = ctx.cached("merge-conflict-verdicts", lambda: _kept_verdicts(ctx))
            known = len(verdicts)
            ok = None
            order = np.argsort(inverse, kind="stable")
            bounds = np.concatenate([[0], np.cumsum(np.bincount(inverse, minlength=len(sigs)))])
            for s, row in enumerate(sigs):
                codes = [w * 64 + b for w in range(len(row)) for b in range(64) if int(row[w]) >> b & 1]
                ids = tuple(sorted(ctx.table.ids[c] for c in codes if c not in undecidable_codes))
                members = merges[order[bounds[s]:bounds[s + 1]]]
                if ids not in verdicts:
                    if ok is None:
                        ok = ctx.cached("merge-conflict-ok", lambda: _CandidateMasks(ctx))
                    # feasible_licenses checks each upstream license's duties on its own (given
                    # the co-parents, for licenses with combination permissions), so "some
                    # candidate passes every upstream license" is an AND of masks.
                    feasible = (np.logical_and.reduce([_mask(ctx, ok, i, ids) for i in ids]) if ids
                                else np.ones(len(ok["_reusable"]), dtype=bool))
                    # a vendor's license fits only when material under it is upstream
                    allowed = ok["_reusable"].copy()
                    for i in ids:
                        at = ok["_index"].get(ctx.kb.effective(i).id) if i in ctx.kb else None
                        if at is not None:
                            allowed[at] = True
                    verdicts[ids] = None if (feasible & allowed).any() else _conflict_text(ctx, ok, ids)
                if verdicts[ids] is not None:
                    noncompliant[members] = True
                    detail[members] = verdicts[ids]
                else:
                    unknown = [UNDECIDABLE.index(ctx.table.ids[c]) for c in codes if c in undecidable_codes]
                    if unknown:
                        excluded[members] = min(unknown)
            if ok is not None:
                ok.keep(ctx)
            if len(verdicts) > known:
                keep_blob(ctx, VERDICTS_KEY, json.dumps(sorted(([list(k), v] for k, v in verdicts.items()),
                                                               key=lambda kv: kv[0])).encode())
        qualifying = ctx.audited & ctx.is_merge & (excluded < 0)
        return [RowResult(
            label=self.labels[0],
            qualifying=qualifying,
            noncompliant=noncompliant & qualifying,
            excluded=excluded,
            duty="",
            witness=None,
            message="format('no license can meet the duties of all parents together: {}', detail)",
            remedy="'Drop or replace the parent whose terms conflict; run `licensegraph choose --parent ...` to see which combinations have a feasible license'",
            detail=detail,
        )]


RULE = MergeConflict()
RULE.source = ("https://wiki.creativecommons.org/ShareAlike_compatibility",
               "a merge inherits the union of its parents' duties; see each parent's license")
