"""Shared logic of cc-freedom-conflict and gnu-freedom-conflict.

CC BY* 4.0 §2(a)(5)(C) and GPL-2.0 §6 / GPL-3.0 §7, §10 forbid imposing further
restrictions on recipients. A model whose lineage holds such a work conflicts when its
own license, or (in a merge, or anywhere upstream in the effective view) another
non-family license, adds use-based restrictions, a commercial ban the work did not
have, or field-of-use terms.
"""

from __future__ import annotations

import numpy as np

from licensegraph.rules.base import RowResult, derivative_row, pair_matrix
from licensegraph.rules.context import AuditContext


def _free(u, tag):
    return any(d.tag == tag for d in u.duties_of("no-further-restrictions"))


def _restricts(c, commercial_upstream: bool) -> bool:
    return c.restricts_use or c.field_of_use or (commercial_upstream and not c.commercial)


def freedom_row(ctx: AuditContext, view: str, label: str, tag: str, family_name: str) -> RowResult:
    qualifies = pair_matrix(ctx, lambda c, u: True, where=lambda u: _free(u, tag), key=('fc-q', tag))
    # The model's own license adds restrictions the free work forbids.
    violates = pair_matrix(ctx, lambda c, u: c is not None and not _free(c, tag) and _restricts(c, u.commercial),
                           where=lambda u: _free(u, tag), key=('fc-v', tag))
    # A co-parent (merge) or, in the effective view, any upstream license adds them.
    restrictive = ctx.table.mask(lambda u: not _free(u, tag) and (u.restricts_use or u.field_of_use or not u.commercial))
    upstream_restrictive = ctx.has_any(view, restrictive)
    extra = upstream_restrictive & (ctx.is_merge if view == "local" else np.ones(ctx.n, dtype=bool))
    return derivative_row(
        ctx, view, label, qualifies, violates, "no-further-restrictions",
        message="format('{} from {} forbids further restrictions, but this model''s license ({}) or a co-parent adds use, commercial or field-of-use restrictions', ancestor_license, ancestor_id, model_license)",
        remedy=f"format('Do not combine {family_name} work with restrictive terms: license the model under {{}} (or a license it accepts) and drop the parents or terms that add restrictions', ancestor_license)",
        extra_violation=extra,
    )
