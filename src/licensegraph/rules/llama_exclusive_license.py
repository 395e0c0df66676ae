"""llama-exclusive-license (La2E-license, La3E-license).

Llama 2 §1.b.v and Meta Llama 3 §1.b.v: the materials and their outputs may not be used
to improve any other large language model (except Llama 2 / Meta Llama 3 and their
derivatives). A derivative licensed under anything but that Llama license no longer
passes the duty on. Llama 3.1 and later dropped the clause.
"""

from __future__ import annotations

from licensegraph.rules.base import RowResult, Rule, derivative_row, pair_matrix
from licensegraph.rules.context import AuditContext

ROWS = (("llama2", "La2E-license"), ("llama3", "La3E-license"))


def _bans(lic, exempt: str) -> bool:
    return lic is not None and any(d.exempt == exempt for d in lic.duties_of("no-improve-other-llm"))


class LlamaExclusiveLicense(Rule):
    id = "llama-exclusive-license"
    labels = tuple(label for _, label in ROWS)
    order = 70
    applies_to = "models with Llama 2 (resp. Meta Llama 3) in their lineage"
    duties = ("no-improve-other-llm",)

    def evaluate(self, ctx: AuditContext, view: str) -> list[RowResult]:
        rows = []
        for exempt, label in ROWS:
            qualifies = pair_matrix(ctx, lambda c, u: True, where=lambda u, e=exempt: _bans(u, e), key=('le-q', exempt))
            violates = pair_matrix(ctx, lambda c, u, e=exempt: not _bans(c, e), where=lambda u, e=exempt: _bans(u, e), key=('le-v', exempt))
            rows.append(derivative_row(
                ctx, view, label, qualifies, violates, "no-improve-other-llm",
                message="format('{} does not pass on the ban on using {} materials or outputs to improve other LLMs (from {})', model_license, ancestor_license, ancestor_id)",
                remedy="format('License the model under {} ({}) so the clause keeps travelling, and do not use it to improve LLMs outside that lineage', ancestor_license, ancestor_card)",
            ))
        return rows


RULE = LlamaExclusiveLicense()
