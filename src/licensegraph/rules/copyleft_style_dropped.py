"""copyleft-style-dropped: use restrictions or an agreement that must travel were dropped.

OpenRAIL-M family (§4(a)), Llama (§1.b.i and the Acceptable Use Policy), Gemma (§3.1),
DeepSeek and similar model licenses require every derivative's license to carry their use
restrictions. The knowledge base says which restriction tags a license requires
(`use-restrictions` duties) and which it carries (`carries`).
"""

from __future__ import annotations

from licensegraph.rules.base import RowResult, Rule, derivative_row, pair_matrix
from licensegraph.rules.context import AuditContext


def _required(u):
    return {d.tag for d in u.duties_of("use-restrictions")}


class CopyleftStyleDropped(Rule):
    id = "copyleft-style-dropped"
    labels = ("Copyleft-style Terms",)
    order = 20
    applies_to = "derivatives with a parent whose use restrictions or agreement must travel"
    duties = ("use-restrictions",)

    def evaluate(self, ctx: AuditContext, view: str) -> list[RowResult]:
        qualifies = pair_matrix(ctx, lambda c, u: True, where=_required, key='csd-q')
        violates = pair_matrix(ctx, lambda c, u: c is None or not _required(u) <= set(c.carries), where=_required, key='csd-v')
        return [derivative_row(
            ctx, view, self.labels[0], qualifies, violates, "use-restrictions",
            message="format('{} does not carry the use restrictions of {} (from {})', model_license, ancestor_license, ancestor_id)",
            remedy="format('License the model under {} ({}) or a license that embeds the same restrictions, include those use restrictions as an enforceable provision of its terms and ship a copy of the {} license', ancestor_license, ancestor_card, ancestor_license)",
        )]


RULE = CopyleftStyleDropped()
