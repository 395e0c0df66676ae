"""llama-exclusive-merge (La2E-merge, La3E-merge).

A merge with a parent in Llama 2 (resp. Meta Llama 3) lineage and another parent outside
it uses Llama material to improve another model (Llama 2 §1.b.v, Llama 3 §1.b.v).
Policy: a Llama 3.1+ co-parent counts as outside the Llama 2 and the Llama 3 lineage,
because each exemption names only its own model family and its derivatives.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from licensegraph.licenses.kb import KnowledgeBase
from licensegraph.rules.base import RowResult, Rule, is_undecidable, pair_matrix
from licensegraph.rules.context import AuditContext
from licensegraph.rules.llama_exclusive_license import _bans

ROWS = (("llama2", "La2E-merge"), ("llama3", "La3E-merge"))
NOTE = ("A co-parent under Llama 3.1 or later counts as outside the Llama 2 and Meta Llama 3 lineages: "
        "each exemption names only its own family and its derivatives.")


class LlamaExclusiveMerge(Rule):
    id = "llama-exclusive-merge"
    labels = tuple(label for _, label in ROWS)
    order = 80
    applies_to = "merges with a parent in Llama 2 (resp. Meta Llama 3) lineage"
    card_field = "base_model"
    duties = ("no-improve-other-llm",)
    needs_child_license = False

    def evaluate(self, ctx: AuditContext, view: str) -> list[RowResult]:
        rows = []
        merges = ctx.audited & ctx.is_merge
        own_bad = is_undecidable(ctx, ctx.lic)
        reason_self = ctx.undecidable_reason("local", include_self=True)
        for exempt, label in ROWS:
            in_family = ctx.table.vector(lambda u, e=exempt: _bans(u, e))
            in_lineage = in_family[ctx.lic].copy()
            if view == "effective":
                in_lineage |= ctx.has_any("effective", ctx.table.mask(lambda u, e=exempt: _bans(u, e)))
            outside = ~in_lineage & ~own_bad
            unknown = ~in_lineage & own_bad
            any_in = ctx.gather_parents(in_lineage)
            any_out = ctx.gather_parents(outside)
            any_unknown = ctx.gather_parents(unknown)
            population = merges & any_in
            noncompliant = population & any_out
            excluded = np.full(ctx.n, -1, dtype=np.int8)
            maybe = merges & ~noncompliant & any_unknown
            # the reason is the first unknown parent's
            parent_reason = np.full(ctx.n, -1, dtype=np.int8)
            if len(ctx.child):
                sel = unknown[ctx.parent]
                parent_reason[ctx.child[sel]] = reason_self[ctx.parent[sel]]
            excluded[maybe] = parent_reason[maybe]
            qualifying = population & (excluded < 0)
            detail = self._details(ctx, view, exempt, noncompliant & qualifying, outside, unknown)
            witness = pair_matrix(ctx, lambda c, u: True, where=lambda u, e=exempt: _bans(u, e), key=('le-q', exempt))
            rows.append(RowResult(
                label=label,
                qualifying=qualifying,
                noncompliant=noncompliant & qualifying,
                excluded=excluded,
                duty="no-improve-other-llm",
                witness=witness,
                message=MESSAGE,
                remedy=REMEDY,
                detail=detail,
                notes=[NOTE],
            ))
        return rows

    @staticmethod
    def _details(ctx: AuditContext, view: str, exempt: str, findings: np.ndarray, outside: np.ndarray,
                 unknown: np.ndarray) -> np.ndarray:
        """Per finding "co-parent id|its license|how it was judged" (the first parent
        outside the lineage, in edge order)."""
        detail = np.full(ctx.n, None, dtype=object)
        family = ctx.kb.licenses[exempt].name.replace(" Community License Agreement", "") if exempt in ctx.kb else exempt
        models = np.flatnonzero(findings)
        # every finding's parents named in one look-up (a look-up per finding costs more)
        spans = [ctx.parent[ctx.indptr[m]:ctx.indptr[m + 1]] for m in models.tolist()]
        every = np.unique(np.concatenate(spans)) if spans else np.zeros(0, dtype=np.int64)
        name_of = dict(zip(every.tolist(), ctx.ids_at(every)))
        for m, parents in zip(models.tolist(), spans):
            out = [p for p in parents.tolist() if outside[p]]
            if not out:
                continue
            p = out[0]
            lic = ctx.table.licenses[ctx.lic[p]]
            how = f"outside the {family} lineage"
            if lic is not None and lic.family == "llama":
                how += (f"; a {lic.id} co-parent counts as outside: the exemption covers only {family} "
                        "and its derivative works")
            unjudged = [q for q in parents.tolist() if unknown[q]]
            if unjudged:
                names = ", ".join(f"{pid} ({UNJUDGED[ctx.table.ids[ctx.lic[q]]]})"
                                  for q, pid in zip(unjudged, (name_of[q] for q in unjudged)))
                how += f"; co-parents not judged: {names}"
            detail[m] = "|".join((name_of[p], ctx.table.ids[ctx.lic[p]], how))
        return detail

    def violations(self, kb: KnowledgeBase, parents: Sequence[tuple[str, Sequence[str]]]) -> list[dict[str, Any]]:
        """This rule on one prospective merge (for `choose` and `check`): `parents` are
        (parent id, the license ids upstream of it, its own included). For each Llama
        lineage a parent is in, the parents outside it; a violation whatever license the
        merge carries. Parents with no known license upstream are not counted as outside."""
        if len(parents) < 2:
            return []
        out = []
        for exempt, _label in ROWS:
            binding = [(u, d) for _, ups in parents for u in ups if u in kb
                       for d in kb.effective(u).duties_of("no-improve-other-llm") if d.exempt == exempt]
            if not binding:
                continue
            upstream, duty = binding[0]
            outside = [pid for pid, ups in parents
                       if ups and not any(u in kb and _bans(kb.effective(u), exempt) for u in ups)]
            if outside:
                out.append({
                    "rule_id": self.id, "upstream": upstream, "duty": "no-improve-other-llm", "outside": outside,
                    "source": f"{duty.source.url} {duty.source.clause}".strip(),
                    "message": (f"merging {upstream} material with {', '.join(outside)} (outside the {exempt} lineage) "
                                f"uses it to improve another LLM ({duty.source.clause}); that is a violation whatever "
                                "license the merge carries"),
                })
        return out


# Why a co-parent's lineage could not be judged, per undecidable license outcome.
UNJUDGED = {"absent": "not in the store", "none": "declares no license", "unknown": "license: unknown",
            "other-unresolved": "license: other, unresolved"}
# `detail` is "co-parent id|its license|how it was judged" (LlamaExclusiveMerge._details).
MESSAGE = ("format('merges {} material (from {}) with the co-parent {} (license {}; {}), so the {} material is used to "
           "improve another LLM', ancestor_license, ancestor_id, split_part(detail, '|', 1), split_part(detail, '|', 2), "
           "split_part(detail, '|', 3), ancestor_license)")
REMEDY = ("format('Merge {} only with models of its own lineage (under {}): drop the co-parent {}, or replace it "
          "with a {} derivative', ancestor_id, ancestor_license, split_part(detail, '|', 1), ancestor_license)")


RULE = LlamaExclusiveMerge()
