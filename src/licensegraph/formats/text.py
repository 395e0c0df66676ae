"""Plain text: the reports of `choose` and `check`, as the CLI prints them."""

from __future__ import annotations

from licensegraph.api.results import CheckFailure, CheckResult, Choice, ModelGoChoice, PairAnswer, RuleCatalogue
from licensegraph.licenses.modelgo import option_label


def choice_text(choice: Choice, limit: int = 20) -> str:
    """The licenses a derivative may carry, why others may not, and what to do whatever the license."""
    lines = []
    desc = []
    for p in choice.parents:
        if p.kind == "model":
            extra = f", {len(p.ancestors)} ancestor(s)" if p.ancestors else ""
            desc.append(f"{p.parent_id} (model, license {p.license}{extra})")
        else:
            desc.append(f"{p.parent_id} (license)")
    lines.append(f"Parents: {'; '.join(desc)}")
    lines.append(f"Relation: {choice.relation}")
    lines.append("Upstream licenses (effective: each parent's own and every ancestor's): "
                 + (", ".join(choice.upstream_licenses) or "none known"))
    lines.append("")
    if choice.none_feasible:
        lines.append("No compliant license exists for this derivative.")
        lines.append(f"Why: {choice.reason}")
    else:
        shown = choice.feasible if limit <= 0 else choice.feasible[:limit]
        lines.append(f"Feasible licenses, least to most restrictive ({len(choice.feasible)}):")
        for item in shown:
            meets = "; ".join(f"{m.how} ({m.upstream})" for m in item.satisfies) or "no license-choice duty upstream"
            mark = " [upstream]" if item.upstream else ""
            lines.append(f"  {item.license}{mark}: {meets}")
        if len(shown) < len(choice.feasible):
            lines.append(f"  ... and {len(choice.feasible) - len(shown)} more (--all or --format json lists every one)")
    for v in choice.violations_regardless:
        lines.append(f"Violation whatever the license ({v.rule_id}): {v.message}")
    if choice.excluded:
        lines.append("")
        lines.append("Left out:")
        for e in choice.excluded:
            who = f" of {e.upstream}" if e.upstream else ""
            lines.append(f"  {e.license}: fails the {e.duty} duty{who}: {e.reason}")
    if choice.obligations:
        lines.append("")
        lines.append("Whatever the license, also:")
        for o in choice.obligations:
            text = f" \"{o.text}\"" if o.text else ""
            lines.append(f"  {o.duty} ({o.upstream} {o.clause}){text}: {o.summary}".replace(" )", ")"))
    if choice.datasets:
        lines.append("")
        lines.append("Training data (advice beside the licenses above):")
        for a in choice.datasets:
            where = f" ({a.license} {a.clause})" if a.clause else f" ({a.license})"
            lines.append(f"  {a.severity.upper()} {a.rule_id}: {a.advice}{where}")
    for n in choice.notes:
        lines.append(f"Note: {n}")
    for w in choice.warnings:
        lines.append(f"Warning: {w}")
    lines.append(choice.disclaimer)
    return "\n".join(lines)


def modelgo_text(answer: ModelGoChoice) -> str:
    """The ModelGo answer: demanded options, feasible variants, and why the others fail."""
    version = answer.modelgo_version
    lines = [f"ModelGo {version[0]} licenses (modelgo.md, \"feasible licensing options\")"]
    if answer.demanded:
        lines.append("Options the upstream terms demand:")
        for opt in answer.demanded_options:
            src = "; ".join(f"{uid} ({', '.join(why)})" for uid, why in sorted(answer.demanded[opt].items()))
            lines.append(f"  {option_label({opt}, version)}: {src}")
    else:
        lines.append("Options the upstream terms demand: none")
    if answer.feasible:
        lines.append(f"{answer.symbol} Feasible ModelGo variants, least to most restrictive:")
        for f in answer.feasible:
            lines.append(f"  {f.license} ({f.options})")
    else:
        lines.append(f"No ModelGo license fits. {answer.reason}")
    if answer.excluded:
        lines.append("Left out:")
        for e in answer.excluded:
            lines.append(f"  {e.license} ({e.options}): {e.reason}")
    return "\n".join(lines)


def choice_modelgo_text(choice: Choice) -> str:
    """`choose --modelgo`: the ModelGo answer, then a line on licenses of any kind."""
    assert choice.modelgo is not None
    general = (f"{len(choice.feasible)} license(s) in all fit (run without --modelgo to list them)"
               if choice.feasible else f"No license of any kind fits: {choice.reason}")
    return "\n".join([f"Upstream licenses: {', '.join(choice.upstream_licenses) or 'none known'}",
                      modelgo_text(choice.modelgo), general, choice.disclaimer])


def check_text(result: CheckResult | CheckFailure) -> str:
    """One card's report: parents, findings with clause and remedy, the fix, what to ship."""
    if isinstance(result, CheckFailure):
        return f"error: {result.error}"
    lines = [f"{result.path}: would-be model {result.model_id}, license {result.license.resolved}"
             + (f" (declared: {result.license.declared})" if result.license.declared
                and result.license.declared != result.license.resolved else "")]
    if result.parents:
        lines.append(f"Parents ({result.relation}):")
        for p in result.parents:
            lines.append(f"  {p.parent_id}: license {p.license} [{p.found_in}], {p.relation} ({p.relation_source})")
    else:
        lines.append("No base_model: checked as a root model.")
    lines.append(f"Findings, {result.view_note}:")
    if not result.findings:
        lines.append("  none")
    for f in result.findings:
        lines.append(f"  {f.severity.upper()} {f.rule_id} ({f.label}): {f.message}")
        if f.path and len(f.path) > 1:
            lines.append(f"      evidence: {' -> '.join(f.path)} ({f.ancestor_license})")
        if f.clause or f.source:
            lines.append(f"      clause: {(f.clause or '').strip()} {f.source or ''}".rstrip())
        lines.append(f"      remedy: {f.remedy}")
        if f.possibly_incomplete:
            lines.append("      possibly incomplete: the license of an ancestor could not be resolved")
    fix = result.fix
    if result.choose is not None:
        lines.append("Fix:")
        if fix.none_feasible:
            lines.append(f"  No license can make this model compliant: {fix.reason}")
        elif fix.license_ok:
            lines.append(f"  The license ({fix.suggested_license}) can stay; set these card lines:")
        else:
            also = f"; also possible: {', '.join(fix.alternatives)}" if fix.alternatives else ""
            lines.append(f"  Change the license to {fix.suggested_license} (from `licensegraph choose` on the same "
                         f"parents{also}). Set:")
        if fix.yaml_text:
            lines.extend("    " + ln for ln in fix.yaml_text.splitlines())
        for v in fix.violations_regardless:
            lines.append(f"  Whatever the license: {v}")
        if fix.name_prefix:
            if fix.name_ok:
                lines.append(f"  Name: begins with \"{fix.name_prefix}\" as {', '.join(fix.name_required_by)} requires.")
            else:
                lines.append(f"  Name: must begin with \"{fix.name_prefix}\" ({', '.join(fix.name_required_by)}); "
                             f"e.g. {fix.suggested_name}")
    if result.ship and not fix.none_feasible:
        lines.append("Ship with the model:")
        for s in result.ship:
            flag = ""
            if s.kind == "display":
                flag = " [present in the card]" if s.in_card else " [missing from the card]"
            lines.append(f"  - {s.what}{flag}")
    for n in result.readings:
        lines.append(f"Note: {n}")
    for w in result.warnings:
        lines.append(f"Warning: {w}")
    if result.discovered_yaml:
        lines.append("Base model named but not declared; add to the front matter:")
        lines += [f"  {line}" for line in result.discovered_yaml.splitlines()]
    c = result.counts
    lines.append(f"Result: {c['violation']} violation(s), {c['warning']} warning(s), {c['risk']} risk(s) "
                 f"-> exit {1 if result.violations else 0}")
    lines.append(result.disclaimer)
    return "\n".join(lines)


def rules_text(catalogue: RuleCatalogue, clauses_shown: int = 4) -> str:
    """The rule catalogue: per rule, its rows, severity, what it checks and the clauses it rests on."""
    lines = []
    for r in catalogue.rules:
        labels = ", ".join(r.labels)
        study = "study row" if r.in_study else "beyond the study"
        lines.append(f"{r.rule_id}  [{labels}]  {r.severity}, {study}")
        lines.append(f"  checks: {r.applies_to}")
        extra = " (the same in both views)" if r.view_independent else ""
        lines.append(f"  points at the card field `{r.card_field}:`{extra}")
        if r.duties:
            lines.append(f"  enforces duties: {', '.join(r.duties)}")
        shown = r.clauses if clauses_shown <= 0 else r.clauses[:clauses_shown]
        for c in shown:
            who = f"{c.license}: " if c.license else ""
            lines.append(f"  rests on: {who}{c.clause.strip()} ({c.source})".replace(" ()", ""))
        if len(shown) < len(r.clauses):
            lines.append(f"  ... and {len(r.clauses) - len(shown)} more clauses (--format json lists every one)")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


_AUTHORITY_NAMES = {"osadl": "OSADL", "fsf": "FSF", "cc": "CC"}


def pair_text(answer: PairAnswer) -> str:
    """One pair side by side: the deciding properties with their clauses, then each authority."""
    yes = {True: "yes", False: "no"}
    lines = [f"May a derivative of {answer.parent} material carry {answer.candidate}?",
             f"  licensegraph: {yes[answer.feasible]} for a single-parent derivative (finetune, adapter, "
             f"quantization); {yes[answer.merge_feasible]} for a merge with a {answer.candidate} parent"]
    if answer.reason:
        lines.append(f"  why not: {answer.reason}")
    lines.append("")
    lines.append("Properties that decide it:")
    for p in answer.properties:
        mark = "ok  " if p.holds else "FAIL"
        where = f" [{p.license} {p.clause}]".replace(" ]", "]") if p.clause else f" [{p.license}]"
        lines.append(f"  {mark} {p.property}{where}: {p.detail}")
    if not answer.properties:
        lines.append(f"  none: {answer.parent} puts no duty on the derivative's license")
    lines.append("")
    lines.append("What the authorities say (the same question: may PARENT material go out under CANDIDATE?):")
    if not answer.authorities:
        lines.append("  none of OSADL, the FSF or CC rates this pair")
    width = max((len(_AUTHORITY_NAMES[a.authority]) for a in answer.authorities), default=0)
    for a in answer.authorities:
        verdict = a.says if a.agrees is None else f"{a.says:<3} ({'agrees' if a.agrees else 'differs'})"
        lines.append(f"  {_AUTHORITY_NAMES[a.authority]:<{width}}  {verdict}  {a.note}  <{a.source}>")
        if a.divergence is not None:
            d = a.divergence
            lines.append(f"  {'':<{width}}  listed divergence ({d.reason}, {d.clause}): {d.summary}")
    for r in answer.readings:
        lines.append(f"Note: {r}")
    lines.append(answer.disclaimer)
    return "\n".join(lines)
