"""license-mismatch: a model under a license written for another kind of work.

Software licenses (Apache-2.0, MIT, GPL...) and content or data licenses (CC-*, ODC-*,
PDDL, GFDL) leave model-specific acts (weights, outputs, distillation, hosting)
undefined. The kind of work each license was written for is knowledge-base data.
"""

from __future__ import annotations

import numpy as np

from licensegraph.rules.base import RowResult, Rule, is_undecidable
from licensegraph.rules.context import AuditContext


class LicenseMismatch(Rule):
    id = "license-mismatch"
    labels = ("License Mismatch",)
    severity = "warning"
    order = 10
    applies_to = "models with a known license"
    view_independent = True

    def evaluate(self, ctx: AuditContext, view: str) -> list[RowResult]:
        not_model = ctx.table.vector(lambda lic: lic.work_kind in ("software", "content", "data"))
        own_bad = is_undecidable(ctx, ctx.lic)
        reason = ctx.undecidable_reason(view, include_self=True)
        excluded = np.where(ctx.audited & own_bad, reason, -1).astype(np.int8)
        qualifying = ctx.audited & ~own_bad
        return [RowResult(
            label=self.labels[0],
            qualifying=qualifying,
            noncompliant=qualifying & not_model[ctx.lic],
            excluded=excluded,
            duty="",
            witness=None,
            message="format('{} is written for {}, not for models: weights, outputs and distillation are left undefined', model_license, model_work_kind)",
            remedy="'Use a license written for models (e.g. OpenRAIL-M, a ModelGo license, or the upstream model license) or add model-specific terms'",
        )]


RULE = LicenseMismatch()
RULE.source = ("https://huggingface.co/docs/hub/repositories-licenses",
               "the license's scope: the kind of work it was written for")
