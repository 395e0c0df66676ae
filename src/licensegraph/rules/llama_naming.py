"""llama-naming: derivatives of Llama 3 and later must carry the Llama name.

Meta Llama 3 §1.b.i: a distributed model built with the materials must have a name
beginning with "Llama 3"; Llama 3.1, 3.2, 3.3 and 4 §1.b.i: beginning with "Llama". The
prefixes are `name-prefix` duties in the knowledge base. Quantizations get a warning:
whether a pure quantization "creates or improves" a model is arguable.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pyarrow as pa

from licensegraph.licenses.naming import prefix_pattern, suggest_name
from licensegraph.rules.base import RowResult, Rule, derivative_row, upstream_matrix
from licensegraph.rules.context import AuditContext, any_and


class LlamaNaming(Rule):
    id = "llama-naming"
    labels = ("llama-naming",)
    order = 110
    in_study = False
    applies_to = "finetunes, merges, adapters (and, as a warning, quantizations) with Llama 3 or later in lineage"
    card_field = "model_name"
    duties = ("name-prefix",)
    needs_child_license = False

    def evaluate(self, ctx: AuditContext, view: str) -> list[RowResult]:
        lics = [lic for lic in ctx.table.licenses if lic is not None and lic.duties_of("name-prefix")]
        prefixes = sorted({d.text for lic in lics for d in lic.duties_of("name-prefix")})
        qualifies = upstream_matrix(ctx, lambda u: bool(u.duties_of("name-prefix")))
        violated = np.zeros(ctx.n, dtype=bool)
        wanted = np.full(ctx.n, None, dtype=object)  # the prefix to use; the longest one satisfies all
        names = ctx.cached("llama-naming-names", lambda: _names(ctx, prefixes))
        for prefix in sorted(prefixes, key=len):
            needs = ctx.has_any(view, _prefix_mask(ctx, prefix))
            # Match names only for the models this prefix applies to (in either view: once).
            idx = np.flatnonzero(needs)
            if len(idx):
                starts = ctx.cached(("llama-naming-starts", prefix), lambda p=prefix: _starts(names, p))
                bad = idx[~starts[names.at[idx]]]
                violated[bad] = True
                wanted[bad] = prefix
        row = derivative_row(
            ctx, view, self.labels[0], qualifies, qualifies, "name-prefix",
            message=MESSAGE, remedy=REMEDY, needs_child_license=False,
        )
        row.noncompliant &= violated
        row.detail = self._details(ctx, view, row.noncompliant, wanted, lics, names)
        row.warning = ctx.relation == ctx.relation_names.index("quantization")
        return [row]

    @staticmethod
    def _details(ctx: AuditContext, view: str, findings: np.ndarray, wanted: np.ndarray, lics,
                 names: _Names) -> np.ndarray:
        """Per finding "prefix|suggested name|license that demands it|its Built with line"."""
        detail = np.full(ctx.n, None, dtype=object)
        models = np.flatnonzero(findings)
        if len(models) == 0:
            return detail
        # over the findings only: object comparisons over every model cost seconds
        wanted_at = wanted[models]
        demanding = np.full(len(models), None, dtype=object)
        upstream = ctx.upstream(view)[models]
        for lic in lics:  # the first demanding license upstream, in knowledge-base order
            has = any_and(upstream, ctx.table.mask(lambda u, i=lic.id: u.id == i))
            for prefix in {d.text for d in lic.duties_of("name-prefix")}:
                sel = has & (wanted_at == prefix) & (demanding == None)  # noqa: E711
                demanding[sel] = lic
        ids = names.ids.take(names.at[models]).to_pylist()  # a finding's prefix applies to it: it is there
        # every finding's parents in one take (a take per finding costs more than the rest)
        starts, counts = ctx.indptr[models], ctx.indptr[models + 1] - ctx.indptr[models]
        ends = np.cumsum(counts)
        edge = np.repeat(starts - (ends - counts), counts) + np.arange(int(ends[-1]))
        parent_owners = [p.split("/")[0] for p in ctx.ids_at(ctx.parent[edge])]
        # "license|Built with line" per demanding license, once
        tail = {id(lic): "|".join((lic.id, next((d.text for d in lic.duties_of("display")), ""))) for lic in lics}
        texts = []
        for model_id, prefix, lic, end, count in zip(ids, wanted_at.tolist(), demanding.tolist(), ends.tolist(),
                                                     counts.tolist()):
            owners = (model_id.split("/")[0], *parent_owners[end - count:end])
            suggested = suggest_name(model_id.split("/")[-1], prefix, owners)
            texts.append(f"{prefix}|{suggested}|{tail[id(lic)] if lic is not None else '|'}")
        detail[models] = texts
        return detail


class _Names(NamedTuple):
    """The display ids of the models some name prefix applies to, in either view (the
    effective view's models include the edge-local view's): `ids[at[node]]`."""

    ids: pa.Array
    at: np.ndarray  # per node, its row in `ids`, or -1


def _prefix_mask(ctx: AuditContext, prefix: str) -> np.ndarray:
    """The licenses that demand `prefix`, as a mask (asked per view and for the names: once)."""
    return ctx.cached(("llama-prefix-mask", prefix), lambda: ctx.table.mask(
        lambda u: any(d.text == prefix for d in u.duties_of("name-prefix"))))


def _names(ctx: AuditContext, prefixes) -> _Names:
    mask = np.bitwise_or.reduce([_prefix_mask(ctx, p) for p in prefixes]) if prefixes else ctx.table.mask(lambda u: False)
    nodes = np.flatnonzero(ctx.has_any("local", mask) | ctx.has_any("effective", mask))
    at = np.full(ctx.n, -1, dtype=np.int64)
    at[nodes] = np.arange(len(nodes))
    return _Names(ctx.names_at(nodes), at)


def _starts(names: _Names, prefix: str) -> np.ndarray:
    """Per row of `names`, whether the model name (no owner) begins with `prefix`."""
    import pyarrow.compute as pc  # only when a model has a license that demands a prefix (its import: ~0.05 s)

    bare = pc.replace_substring_regex(names.ids, r"^[^/]*/", "")
    return pc.match_substring_regex(bare, prefix_pattern(prefix)).to_numpy(zero_copy_only=False).astype(bool)


# `detail` is "prefix|suggested name|license|Built with line" (see LlamaNaming._details).
MESSAGE = ("format('the model name {} does not begin with the words \"{}\", which {} requires of a model built with "
           "its materials (lineage: {})', split_part(model_id, '/', -1), split_part(detail, '|', 1), "
           "split_part(detail, '|', 3), ancestor_id)")
REMEDY = ("format('Rename the repo so the model name begins with \"{}\" (e.g. {}){}', split_part(detail, '|', 1), "
          "split_part(detail, '|', 2), CASE WHEN split_part(detail, '|', 4) <> '' "
          "THEN format(', and display \"{}\" on the card or product page', split_part(detail, '|', 4)) ELSE '' END)")


RULE = LlamaNaming()
