"""llama-naming: derivatives of Llama 3 and later must carry the Llama name.

Meta Llama 3 §1.b.i: a distributed model built with the materials must have a name
beginning with "Llama 3"; Llama 3.1, 3.2, 3.3 and 4 §1.b.i: beginning with "Llama". The
prefixes are `name-prefix` duties in the knowledge base. Quantizations get a warning:
whether a pure quantization "creates or improves" a model is arguable.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from licensegraph.rules.base import RowResult, Rule, derivative_row, upstream_matrix
from licensegraph.licenses.naming import SEPARATORS, normalize_name
from licensegraph.rules.context import AuditContext


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
        prefixes = sorted({d.text for lic in ctx.table.licenses if lic is not None for d in lic.duties_of("name-prefix")})
        qualifies = upstream_matrix(ctx, lambda u: bool(u.duties_of("name-prefix")))
        violated = np.zeros(ctx.n, dtype=bool)
        wanted = np.full(ctx.n, None, dtype=object)  # the prefix to use; the longest one satisfies all
        for prefix in sorted(prefixes, key=len):
            needs = ctx.has_any(view, ctx.table.mask(lambda u, p=prefix: any(d.text == p for d in u.duties_of("name-prefix"))))
            # Normalize names only for the models this prefix applies to.
            idx = np.flatnonzero(needs)
            if len(idx):
                names = pc.utf8_lower(pc.replace_substring_regex(ctx.ids.take(pa.array(idx)), r"^[^/]*/", ""))
                names = pc.replace_substring_regex(names, SEPARATORS, "")
                starts = pc.starts_with(names, normalize_name(prefix)).to_numpy(zero_copy_only=False).astype(bool)
                violated[idx[~starts]] = True
                wanted[idx[~starts]] = prefix
        row = derivative_row(
            ctx, view, self.labels[0], qualifies, qualifies, "name-prefix",
            message="format('the model name {} does not begin with \"{}\", which {} requires (from {})', split_part(model_id, '/', -1), detail, ancestor_license, ancestor_id)",
            remedy="format('Rename the repo so the model name begins with \"{}\" (e.g. {}-{}), and display the Built with notice {} requires', detail, replace(detail, ' ', '-'), split_part(model_id, '/', -1), ancestor_license)",
            needs_child_license=False,
        )
        row.noncompliant &= violated
        row.detail = wanted
        row.warning = ctx.relation == ctx.relation_names.index("quantization")
        return [row]


RULE = LlamaNaming()
