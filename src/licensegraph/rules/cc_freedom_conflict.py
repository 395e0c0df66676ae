"""cc-freedom-conflict (CCf): extra restrictions on a work under CC BY, BY-SA, BY-NC or BY-NC-SA."""

from __future__ import annotations

from licensegraph.rules.base import RowResult, Rule
from licensegraph.rules.context import AuditContext
from licensegraph.rules.freedom_conflict import freedom_row


class CcFreedomConflict(Rule):
    id = "cc-freedom-conflict"
    labels = ("CCf",)
    order = 50
    applies_to = "models whose lineage holds a CC BY / BY-SA / BY-NC / BY-NC-SA work"
    duties = ("no-further-restrictions",)
    duty_tags = ("cc",)

    def evaluate(self, ctx: AuditContext, view: str) -> list[RowResult]:
        return [freedom_row(ctx, view, self.labels[0], "cc")]


RULE = CcFreedomConflict()
