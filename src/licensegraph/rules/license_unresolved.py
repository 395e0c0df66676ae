"""license-unresolved: the model's license, or an ancestor's, is `other` with nothing to resolve it.

Findings on such models and their descendants are possibly incomplete: the engine marks
them so.
"""

from __future__ import annotations

import numpy as np

from licensegraph.rules.base import RowResult, Rule
from licensegraph.rules.context import AuditContext


class LicenseUnresolved(Rule):
    id = "license-unresolved"
    labels = ("license-unresolved",)
    severity = "risk"
    order = 140
    in_study = False
    applies_to = "every model"
    needs_child_license = False

    def evaluate(self, ctx: AuditContext, view: str) -> list[RowResult]:
        code = ctx.table.code["other-unresolved"]
        mask = np.zeros(ctx.table.words, dtype=np.uint64)
        mask[code // 64] = np.uint64(1) << np.uint64(code % 64)
        noncompliant = ctx.audited & ((ctx.lic == code) | ctx.has_any(view, mask))
        witness = np.zeros((len(ctx.table), len(ctx.table)), dtype=bool)
        witness[:, code] = True
        return [RowResult(
            label=self.labels[0],
            qualifying=ctx.audited.copy(),
            noncompliant=noncompliant,
            excluded=np.full(ctx.n, -1, dtype=np.int8),
            duty="",
            witness=witness,
            message="CASE WHEN ancestor_id IS NULL OR ancestor_id = model_id THEN 'license: other with no license_name or license_link the knowledge base can resolve' ELSE format('ancestor {} declares license: other with nothing the knowledge base can resolve; findings may be incomplete', ancestor_id) END",
            remedy="'Set license_name and license_link to the actual license (or a Hub license id), so its duties can be checked'",
        )]


RULE = LicenseUnresolved()
RULE.source = ("https://huggingface.co/docs/hub/model-cards#specifying-a-license",
               "license: other must be paired with license_name and license_link")
