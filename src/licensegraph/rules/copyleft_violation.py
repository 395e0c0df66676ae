"""copyleft-violation: a share-alike or strong copyleft parent, and a license it does not accept.

GPL-3.0 §5(c), AGPL-3.0 §13, CC BY-SA 4.0 §3(b), CC BY-NC-SA §3(b), GFDL, ModelGo SA/OS:
derivatives must be under the same license or one it allows. The allowed licenses come
from the knowledge base as `choose` reads them: the share-alike `accepts` lists closed
under the conversions they allow (`KnowledgeBase.relicense_targets`: LGPL-2.1 -> GPL-3.0),
and, for a merge only, the combination permissions (MPL-2.0 §3.3, GPL-3.0 §13, the EUPL
compatibility clause) when a co-parent's material is, or converts to, the merge's license.
"""

from __future__ import annotations

from licensegraph.rules.base import RowResult, Rule, derivative_row, pair_matrix
from licensegraph.rules.context import AuditContext


class CopyleftViolation(Rule):
    id = "copyleft-violation"
    labels = ("Copyleft Violation",)
    order = 30
    applies_to = "derivatives with a share-alike or strong copyleft parent"
    duties = ("share-alike",)

    def evaluate(self, ctx: AuditContext, view: str) -> list[RowResult]:
        kb = ctx.kb

        def copyleft(u):
            return u.share_alike is not None

        def outside(c, u):
            return c is None or c.id not in kb.relicense_targets(u.id)

        def by_combination(c, u):
            # allowed only through a combination with a second work under c's license
            return c is not None and c.id in (kb.reachable(u.id, frozenset({c.id})) or ())

        qualifies = pair_matrix(ctx, lambda c, u: True, where=copyleft, key='cv-q')
        outside_m = pair_matrix(ctx, outside, where=copyleft, key='cv-v')
        combinable = pair_matrix(ctx, lambda c, u: outside(c, u) and by_combination(c, u), where=copyleft, key='cv-c')
        # a co-parent whose material may be under the model's own license: the second work
        partner = pair_matrix(ctx, lambda c, u: c is not None and c.id in kb.material_licenses(u.id), key='cv-p')
        rescued = ctx.is_merge & ctx.exists_pair(view, partner)
        row = derivative_row(
            ctx, view, self.labels[0], qualifies, outside_m & ~combinable, "share-alike",
            message="format('{} is not a license {} accepts for derivatives (share-alike, from {})', model_license, ancestor_license, ancestor_id)",
            remedy="format('Relicense the model under {} ({}) or a license it accepts for derivatives', ancestor_license, ancestor_card)",
            extra_violation=ctx.exists_pair(view, combinable) & ~rescued,
        )
        row.witness = outside_m
        return [row]


RULE = CopyleftViolation()
