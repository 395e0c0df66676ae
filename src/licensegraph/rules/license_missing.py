"""license-missing: a derivative with duties upstream that declares no license (or unknown)."""

from __future__ import annotations

from licensegraph.rules.base import RowResult, Rule, derivative_row, pair_matrix
from licensegraph.rules.context import AuditContext
from licensegraph.vocab import NONE, UNKNOWN


class LicenseMissing(Rule):
    id = "license-missing"
    labels = ("license-missing",)
    severity = "risk"
    order = 130
    in_study = False
    applies_to = "derivatives whose effective duties are not empty"
    duties = ("license-copy",)
    needs_child_license = False

    def evaluate(self, ctx: AuditContext, view: str) -> list[RowResult]:
        qualifies = pair_matrix(ctx, lambda c, u: True, where=lambda u: bool(u.duties), key='lm-q')
        violates = pair_matrix(ctx, lambda c, u: c is not None and c.id in (NONE, UNKNOWN), where=lambda u: bool(u.duties), key='lm-v')
        return [derivative_row(
            ctx, view, self.labels[0], qualifies, violates, "license-copy",
            message="format('declares {} although {} (from {}) has duties every derivative must meet', CASE model_license WHEN 'none' THEN 'no license' ELSE 'license: unknown' END, ancestor_license, ancestor_id)",
            remedy="format('Declare a license in the card that meets the duties of {} (e.g. {}) and ship its license text and notices', ancestor_license, ancestor_card)",
            needs_child_license=False,
        )]


RULE = LicenseMissing()
