"""The rule catalogue and the license knowledge base, as the dashboard lists them."""

from __future__ import annotations

import inspect
import sys

from licensegraph.api.model_lists import license_counts, models_with_license
from licensegraph.api.results import (
    LicenseClause,
    LicenseDetail,
    LicenseSummary,
    RuleCatalogue,
    RuleStanding,
    ViewCount,
)
from licensegraph.licenses.kb import KnowledgeBase
from licensegraph.rules import all_rules
from licensegraph.store.db import Store
from licensegraph.vocab import VIEWS

#: Kind of work a placeholder id (none, unknown, absent...) stands for in the lists.
NOT_IN_KB_FAMILY = "none"


def _definitions() -> dict[str, str]:
    """rule id -> the description its rule file opens with."""
    return {r.id: (inspect.getdoc(sys.modules[type(r).__module__]) or "").strip() for r in all_rules()}


def rule_catalogue(store: Store | None, catalogue: RuleCatalogue) -> tuple[RuleStanding, ...]:
    """Every rule of `catalogue`, in its order, with its definition and the counts of the last
    audit in each view (none before any audit)."""
    counts: dict[tuple[str, str], tuple[int, int]] = {}
    if store is not None:
        counts = {(r, v): (int(nc), int(q)) for r, v, nc, q in store.con.execute(
            "SELECT rule_id, view, sum(noncompliant), sum(qualifying) FROM rule_counts GROUP BY 1, 2"
        ).fetchall()}
    definitions = _definitions()
    return tuple(
        RuleStanding(
            rule=info, definition=definitions.get(info.rule_id, info.applies_to),
            counts=tuple(ViewCount(view=v, noncompliant=counts[(info.rule_id, v)][0],
                                   qualifying=counts[(info.rule_id, v)][1])
                         for v in VIEWS if (info.rule_id, v) in counts),
        )
        for info in catalogue.rules
    )


def rule_standing(store: Store | None, catalogue: RuleCatalogue, rule_id: str) -> RuleStanding:
    """One rule of the catalogue; KeyError naming the known rules when there is none."""
    for standing in rule_catalogue(store, catalogue):
        if standing.rule.rule_id == rule_id:
            return standing
    known = ", ".join(r.rule_id for r in catalogue.rules)
    raise KeyError(f"unknown rule {rule_id!r}; known rules: {known}")


def license_catalogue(store: Store | None, kb: KnowledgeBase) -> tuple[LicenseSummary, ...]:
    """Every knowledge-base license, and every placeholder models carry, with model counts;
    most used first."""
    counts = license_counts(store) if store is not None else {}
    out = [LicenseSummary(license=lic.id, name=lic.name, family=lic.family, work_kind=lic.work_kind, in_kb=True,
                          models=counts.get(lic.id, 0)) for lic in kb]
    known = {lic.id for lic in kb}
    out += [LicenseSummary(license=lid, name=lid, family=NOT_IN_KB_FAMILY, work_kind="", in_kb=False, models=n)
            for lid, n in counts.items() if lid not in known]
    return tuple(sorted(out, key=lambda s: (-s.models, s.license)))


def license_detail(store: Store | None, kb: KnowledgeBase, license_id: str, view: str = "effective",
                   offset: int = 0, limit: int = 50) -> LicenseDetail:
    """A license's facts and duties with their clauses, and a page of the models under it.

    KeyError when the id is neither a knowledge-base license nor carried by any model."""
    from licensegraph.api.results import ModelsPage

    if store is not None:
        models = models_with_license(store, license_id, view=view, offset=offset, limit=limit)
    else:
        models = ModelsPage(models=(), total=0, offset=offset, limit=limit)
    if license_id not in kb:
        if not models.total:
            suggestions = kb.suggest(license_id)
            hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
            raise KeyError(f"unknown license {license_id!r}{hint}")
        return LicenseDetail(
            license=license_id, name=license_id, family=NOT_IN_KB_FAMILY, version="", date="", url="", work_kind="",
            in_kb=False, commercial=None, derivatives=None, restricts_use=None, review=False,
            note="Not a license: a placeholder for models whose license could not be decided.",
            aliases=(), duties=(), models=models,
        )
    lic = kb.get(license_id)
    return LicenseDetail(
        license=lic.id, name=lic.name, family=lic.family, version=lic.version, date=lic.date, url=lic.url,
        work_kind=lic.work_kind, in_kb=True, commercial=lic.commercial, derivatives=lic.derivatives,
        restricts_use=lic.restricts_use, review=lic.review, note=lic.note, aliases=tuple(lic.aliases),
        duties=tuple(LicenseClause(duty=d.kind, summary=d.summary, text=d.text or None, tag=d.tag or None,
                                   clause=d.source.clause or None, source=d.source.url or None)
                     for d in lic.duties),
        models=models,
    )
