"""Compliance rules: one module per rule, discovered by `all_rules`.

A rule module defines `RULE`, an instance of `rules.base.Rule`; adding a rule means
adding a module, and touches no other rule.
"""

from __future__ import annotations

import importlib
import pkgutil

from licensegraph.rules.base import Rule

_NOT_RULES = {"base", "context", "engine", "explain", "freedom_conflict", "data_base", "data_engine"}


def all_rules() -> list[Rule]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        # rules over data and outputs (DATA_RULE) are rules.data_engine's
        if info.name in _NOT_RULES or info.name.startswith(("data_", "output_")):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        rule = getattr(module, "RULE", None)
        if isinstance(rule, Rule):
            found.append(rule)
    return sorted(found, key=lambda r: (r.order, r.id))


def get_rule(rule_id: str) -> Rule:
    for rule in all_rules():
        if rule.id == rule_id:
            return rule
    known = ", ".join(r.id for r in all_rules())
    raise KeyError(f"unknown rule {rule_id!r}; known rules: {known}")
