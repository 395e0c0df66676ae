"""no-derivatives: a derivative of a no-derivatives work was shared.

CC BY-ND / BY-NC-ND 4.0 §2(a)(1)(B) allow adaptations to be made but not shared (pre-4.0:
not made at all); ModelGo ND likewise. Sharing the derivative is itself the breach, so
the child's license does not matter.
"""

from __future__ import annotations

from licensegraph.rules.base import RowResult, Rule, derivative_row, upstream_matrix
from licensegraph.rules.context import AuditContext


class NoDerivatives(Rule):
    id = "no-derivatives"
    labels = ("ND",)
    order = 40
    applies_to = "derivatives with a no-derivatives parent"
    card_field = "base_model"
    duties = ("no-derivatives",)
    needs_child_license = False

    def evaluate(self, ctx: AuditContext, view: str) -> list[RowResult]:
        nd = upstream_matrix(ctx, lambda u: u.derivatives != "share" or bool(u.duties_of("no-derivatives")))
        return [derivative_row(
            ctx, view, self.labels[0], nd, nd, "no-derivatives",
            message="format('{} is under {}, which forbids sharing derivatives; this model shares one', ancestor_id, ancestor_license)",
            remedy="format('Take the model down or obtain permission from the rights holder of {}; no license can make sharing it compliant', ancestor_id)",
            needs_child_license=False,
        )]


RULE = NoDerivatives()
