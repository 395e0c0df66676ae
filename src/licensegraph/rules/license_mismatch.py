"""license-mismatch: a model under a license written for another kind of work.

Software licenses (Apache-2.0, MIT, GPL...) and content or data licenses (CC-*, ODC-*,
PDDL, GFDL) leave model-specific acts (weights, outputs, distillation, hosting)
undefined. The kind of work each license was written for is knowledge-base data.
"""

from __future__ import annotations

import numpy as np

from licensegraph.licenses.choose import card_lines
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
            remedy=self._remedy(ctx),
        )]

    @staticmethod
    def _remedy(ctx: AuditContext) -> str:
        """Suggests model licenses by the exact card lines that declare them."""
        examples = [card_lines(ctx.kb, i) for i in EXAMPLE_MODEL_LICENSES if i in ctx.kb]
        text = ("Use a license written for models: the upstream model's license, or e.g. " + ", or ".join(examples)
                + "; or add model-specific terms (weights, outputs, distillation) to the card")
        return "'" + text.replace("'", "''") + "'"


# Model licenses a remedy names as examples: an OpenRAIL-M license (a Hub id) and a ModelGo
# license (not a Hub id: `license: other` with its name and link).
EXAMPLE_MODEL_LICENSES = ("bigscience-openrail-m", "mg-by-2.0")


RULE = LicenseMismatch()
RULE.source = ("https://huggingface.co/docs/hub/repositories-licenses",
               "the license's scope: the kind of work it was written for")
