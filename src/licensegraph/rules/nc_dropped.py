"""nc-dropped: a non-commercial parent, and a child license that permits commercial use.

CC BY-NC* 4.0 §1(i), ModelGo NC, FAIR-NC §1.b.i, and research-only model licenses keep
their non-commercial scope on every derivative, whatever the derivative declares.
"""

from __future__ import annotations

from licensegraph.rules.base import RowResult, Rule, derivative_row, pair_matrix
from licensegraph.rules.context import AuditContext


def _nc(lic) -> bool:
    return lic is not None and (not lic.commercial or bool(lic.duties_of("non-commercial")))


class NcDropped(Rule):
    id = "nc-dropped"
    labels = ("nc-dropped",)
    order = 120
    in_study = False
    applies_to = "derivatives with a non-commercial parent"
    duties = ("non-commercial",)

    def evaluate(self, ctx: AuditContext, view: str) -> list[RowResult]:
        qualifies = pair_matrix(ctx, lambda c, u: True, where=_nc, key='nc-q')
        violates = pair_matrix(ctx, lambda c, u: c is not None and not _nc(c), where=_nc, key='nc-v')
        return [derivative_row(
            ctx, view, self.labels[0], qualifies, violates, "non-commercial",
            message="format('{} permits commercial use, but {} (from {}) is non-commercial', model_license, ancestor_license, ancestor_id)",
            remedy="format('License the model under a non-commercial license {} accepts, e.g. the same one ({}), and state the non-commercial scope on the card', ancestor_license, ancestor_card)",
        )]


RULE = NcDropped()
