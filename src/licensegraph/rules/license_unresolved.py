"""license-unresolved: the model's license, or an ancestor's, is `other` with nothing to resolve it.

Findings on their descendants are possibly incomplete: the engine marks them so. The
finding says whose license it is, and, for the model's own, which rules cannot be decided.
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
    marks_incomplete = False  # its findings say what is unresolved

    def evaluate(self, ctx: AuditContext, view: str) -> list[RowResult]:
        code = ctx.table.code["other-unresolved"]
        mask = np.zeros(ctx.table.words, dtype=np.uint64)
        mask[code // 64] = np.uint64(1) << np.uint64(code % 64)
        noncompliant = ctx.audited & ((ctx.lic == code) | ctx.has_any(view, mask))
        witness = np.zeros((len(ctx.table), len(ctx.table)), dtype=bool)
        witness[:, code] = True
        from licensegraph.rules import all_rules

        others = [r for r in all_rules() if r.id != self.id]
        blocked = ", ".join(r.id for r in others if r.needs_child_license)
        decided = ", ".join(r.id for r in others if not r.needs_child_license)
        own = ("its own license is `license: other` with no license_name or license_link the knowledge base "
               f"can resolve: {blocked} cannot be decided for it; {decided} still are")
        return [RowResult(
            label=self.labels[0],
            qualifying=ctx.audited.copy(),
            noncompliant=noncompliant,
            excluded=np.full(ctx.n, -1, dtype=np.int8),
            duty="",
            witness=witness,
            message=(
                f"CASE WHEN ancestor_id IS NULL OR ancestor_id = model_id THEN {_sql(own)} "
                "WHEN model_license = 'other-unresolved' THEN format('its own license and that of its ancestor {} are "
                "`license: other` with nothing the knowledge base can resolve: ' || "
                f"{_sql(blocked)} || ' cannot be decided for it, and findings that depend on the ancestor''s terms may "
                "be incomplete', ancestor_id) "
                "ELSE format('the license of its ancestor {} is `license: other` with nothing the knowledge base can "
                "resolve: the duties it may impose are unknown, so findings on this model may be incomplete', "
                "ancestor_id) END"),
            remedy=(
                "CASE WHEN ancestor_id IS NULL OR ancestor_id = model_id OR model_license = 'other-unresolved' "
                "THEN 'Declare the actual license: a Hub id (`license: <id>`), or keep `license: other` with "
                "`license_name: <its id>` and `license_link: <URL of its text>` naming a license the knowledge base "
                "knows (`licensegraph rules` and `licensegraph choose` list them)' "
                "ELSE format('Find out the license of {} (its card and LICENSE file) and have its card name it; to "
                "check this model meanwhile, state it: `licensegraph check --parent-license {}=LICENSE`', "
                "ancestor_id, ancestor_id) END"),
        )]


def _sql(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


RULE = LicenseUnresolved()
RULE.source = ("https://huggingface.co/docs/hub/model-cards#specifying-a-license",
               "license: other must be paired with license_name and license_link")
