"""copyleft-violation: a share-alike or strong copyleft parent, and a license it does not accept.

GPL-3.0 §5(c), AGPL-3.0 §13, CC BY-SA 4.0 §3(b), CC BY-NC-SA §3(b), GFDL, ModelGo SA/OS:
derivatives must be under the same license or one it names (the `accepts` list of the
`share-alike` duty in the knowledge base).
"""

from __future__ import annotations

from licensegraph.rules.base import RowResult, Rule, derivative_row, pair_matrix
from licensegraph.rules.context import AuditContext


def _accepts(u):
    duties = u.duties_of("share-alike")
    return duties[0].accepts if duties else None


class CopyleftViolation(Rule):
    id = "copyleft-violation"
    labels = ("Copyleft Violation",)
    order = 30
    applies_to = "derivatives with a share-alike or strong copyleft parent"
    duties = ("share-alike",)

    def evaluate(self, ctx: AuditContext, view: str) -> list[RowResult]:
        qualifies = pair_matrix(ctx, lambda c, u: True, where=_accepts, key='cv-q')
        violates = pair_matrix(ctx, lambda c, u: c is None or c.id not in _accepts(u), where=_accepts, key='cv-v')
        return [derivative_row(
            ctx, view, self.labels[0], qualifies, violates, "share-alike",
            message="format('{} is not a license {} accepts for derivatives (share-alike, from {})', model_license, ancestor_license, ancestor_id)",
            remedy="format('Relicense the model under {} or a license it accepts as outbound', ancestor_license)",
        )]


RULE = CopyleftViolation()
