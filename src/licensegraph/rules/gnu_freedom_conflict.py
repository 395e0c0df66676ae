"""gnu-freedom-conflict (FSff): extra restrictions on a work under GPL-2.0, GPL-3.0 or AGPL-3.0."""

from __future__ import annotations

from licensegraph.rules.base import RowResult, Rule
from licensegraph.rules.context import AuditContext
from licensegraph.rules.freedom_conflict import freedom_row


class GnuFreedomConflict(Rule):
    id = "gnu-freedom-conflict"
    labels = ("FSff",)
    order = 60
    applies_to = "models whose lineage holds a GPL-2.0, GPL-3.0 or AGPL-3.0 work"
    duties = ("no-further-restrictions",)
    duty_tags = ("gnu",)

    def evaluate(self, ctx: AuditContext, view: str) -> list[RowResult]:
        return [freedom_row(ctx, view, self.labels[0], "gnu")]


RULE = GnuFreedomConflict()
