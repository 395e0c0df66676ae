"""`choose`: the licenses a derivative of given parents may carry, as a typed Choice."""

from __future__ import annotations

from collections.abc import Sequence

from licensegraph.api.results import Choice, ModelGoChoice, PairAnswer
from licensegraph.licenses import modelgo as mg
from licensegraph.licenses.choose import ParentError
from licensegraph.licenses.choose import choose as choose_licenses
from licensegraph.licenses.kb import KnowledgeBase
from licensegraph.licenses.pair import PairError, explain_pair
from licensegraph.rules.llama_exclusive_merge import RULE as LLAMA_EXCLUSIVE_MERGE
from licensegraph.store.db import Store
from licensegraph.vocab import MERGE

__all__ = ["PairError", "ParentError", "choose", "why"]


def choose(kb: KnowledgeBase, parents: Sequence[str], relation: str | None = None, store: Store | None = None,
           all_licenses: bool = False, modelgo: str | None = None, datasets: Sequence[str] = ()) -> Choice:
    """The licenses a derivative of `parents` (model ids in `store`, or license ids) may carry.

    The feasible set is `licenses.feasibility` (the test merge-conflict runs); violations no
    license can cure come from the rules themselves (llama-exclusive-merge on this merge).
    `modelgo`: a ModelGo version (1 or 2) to add the answer in ModelGo's vocabulary.
    `datasets`: training datasets (Hub ids in the store, or license ids), whose terms come
    back as advice beside the feasible licenses (`Choice.datasets`).
    ParentError for a parent or dataset that is neither; ValueError for a bad relation or version."""
    version = mg.normalize_version(modelgo) if modelgo is not None else None
    answer = choose_licenses(kb, list(parents), relation=relation, store=store, all_licenses=all_licenses)
    data = answer.as_dict()
    data["violations_regardless"] = (
        LLAMA_EXCLUSIVE_MERGE.violations(kb, [(p.id, p.upstream) for p in answer.parents])
        if answer.relation == MERGE else [])
    if version is not None:
        data["modelgo"] = ModelGoChoice.from_dict(mg.modelgo_answer(kb, answer.upstream, version).as_dict())
    if datasets:
        feasible = [f["license"] for f in data["feasible"]]
        data["datasets"] = dataset_advice(kb, store, datasets, list(answer.upstream), feasible)
    return Choice.from_dict(data)


def _dataset_facts(kb: KnowledgeBase, store: Store | None, dataset: str) -> tuple[str, str, bool, list[tuple[str, str]]]:
    """(dataset id, its license, found in the store, [(generating model, its license)])."""
    from licensegraph.lineage.discovery.outputs import generator

    if store is not None and store.scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'dataset_licenses'"):
        row = store.execute("SELECT id, license FROM dataset_licenses WHERE dataset_key = lower(?)",
                            [dataset.strip()]).fetchone()
        if row:
            gens = store.execute(
                "SELECT e.parent_id, ml.license FROM data_edges e LEFT JOIN model_licenses ml "
                "ON ml.model_key = e.parent_key WHERE e.relation = 'generated-by' AND e.child_key = lower(?) "
                "ORDER BY e.parent_id", [dataset.strip()]).fetchall()
            out = []
            for gid, lic in gens:
                known = generator(gid)
                if lic in (None, "none", "unknown", "other-unresolved", "absent") and known and known.license:
                    lic = known.license
                out.append((gid, lic or "absent"))
            return row[0], row[1], True, out
    lid = kb.resolve_id(dataset)
    if lid:
        return dataset, lid, False, []
    where = f"store {store.path}" if store is not None else "no store to look it up in"
    raise ParentError(dataset, f"--dataset {dataset}: neither a license id nor a dataset in the store ({where}); "
                      "ingest its record (a repo_type \"dataset\" line) or give its license id")


def dataset_advice(kb: KnowledgeBase, store: Store | None, datasets: Sequence[str], upstream: list[str],
                   feasible: list[str]) -> list[dict]:
    """What each training dataset asks of the derivative: dataset terms (NC, SA, ND,
    research-only: risks, since whether training makes a derivative is unsettled) and the
    output clauses of the models whose outputs it holds (violations where they decide)."""
    from licensegraph.rules.data_base import UNSETTLED
    from licensegraph.rules.output_built_with import OUTPUT_DISPLAY_LICENSES
    from licensegraph.rules.output_name_prefix import OUTPUT_PREFIX_LICENSES

    tags = {kb.licenses[u].lineage_tag for u in upstream if u in kb}
    out: list[dict] = []

    def duty_of(lid: str, kind: str):
        lic = kb.licenses.get(lid)
        if lic is None:
            return None
        eff = kb.effective(lid) if lic.is_family else lic
        return next((d for d in eff.duties if d.kind == kind), None)

    def nc(lid: str) -> bool:
        lic = kb.licenses.get(lid)
        eff = kb.effective(lid) if lic is not None and lic.is_family else lic
        return eff is not None and (not eff.commercial or duty_of(lid, "non-commercial") is not None)

    for name in datasets:
        did, lid, found, gens = _dataset_facts(kb, store, name)
        base = {"dataset_id": did, "dataset_license": lid, "found": found}
        for kind, word in (("non-commercial", "non-commercial"), ("share-alike", "share-alike"),
                           ("no-derivatives", "no-derivatives")):
            d = duty_of(lid, kind)
            if kind == "non-commercial" and d is None and nc(lid):
                d = duty_of(lid, "non-commercial")
            if d is None and not (kind == "non-commercial" and nc(lid)):
                continue
            if kind == "non-commercial":
                keeps = [f for f in feasible if nc(f)]
            elif kind == "share-alike":
                keeps = [f for f in feasible if f == lid or f in (d.accepts if d else ())]
            else:
                keeps = []
            term = "research-only" if kind == "non-commercial" and "research" in lid else word
            out.append({**base, "severity": "risk", "rule_id": "data-terms-dropped", "upstream": did, "license": lid,
                        "duty": kind, "keeps": keeps,
                        "advice": f"{did} ({lid}) has a {term} term; keep it with "
                                  + (", ".join(keeps[:5]) if keeps else "no feasible license (train without it)")
                                  + f"; {UNSETTLED}",
                        "clause": d.source.clause if d else None, "source": d.source.url if d else None})
        for gid, glic in gens:
            ban = duty_of(glic, "no-improve-other-llm")
            if ban is not None and (ban.exempt or glic) not in tags:
                out.append({**base, "severity": "violation", "rule_id": "output-no-improve", "upstream": gid,
                            "license": glic, "duty": "no-improve-other-llm", "keeps": [],
                            "advice": f"{did} holds outputs of {gid}; {glic} forbids using them to improve any "
                                      f"other large language model (this derivative's lineage is not {ban.exempt})",
                            "clause": ban.source.clause, "source": ban.source.url})
            prefix = duty_of(glic, "name-prefix")
            if prefix is not None and glic in OUTPUT_PREFIX_LICENSES:
                out.append({**base, "severity": "violation", "rule_id": "output-name-prefix", "upstream": gid,
                            "license": glic, "duty": "name-prefix", "keeps": [],
                            "advice": f"{did} holds outputs of {gid}; the model's name must begin with "
                                      f"\"{prefix.text}\"", "clause": prefix.source.clause,
                            "source": prefix.source.url})
            display = duty_of(glic, "display")
            if display is not None and glic in OUTPUT_DISPLAY_LICENSES:
                out.append({**base, "severity": "warning", "rule_id": "output-built-with", "upstream": gid,
                            "license": glic, "duty": "display", "keeps": [],
                            "advice": f"{did} holds outputs of {gid}; show \"Built with Qwen\" or \"Improved using "
                                      "Qwen\" prominently in the model's documentation",
                            "clause": display.source.clause, "source": display.source.url})
            lic = kb.licenses.get(glic)
            if lic is not None and lic.lineage_tag == "gemma":
                rest = duty_of(glic, "use-restrictions")
                out.append({**base, "severity": "warning", "rule_id": "output-gemma-derivative", "upstream": gid,
                            "license": glic, "duty": "use-restrictions", "keeps": [l for l in feasible if l == "gemma"],
                            "advice": f"{did} holds outputs of {gid}: a model trained on them to perform similarly is "
                                      "a Gemma Model Derivative, bound by Gemma's use restrictions",
                            "clause": rest.source.clause if rest else None, "source": rest.source.url if rest else None})
    return out


def why(kb: KnowledgeBase, parent_license: str, candidate: str) -> PairAnswer:
    """One pair explained: may a derivative of `parent_license` material carry `candidate`?

    The knowledge-base properties that decide it (with clauses), the answer for a
    single-parent derivative and for a merge with a `candidate`-licensed parent, and what
    OSADL, the FSF and Creative Commons say, with the divergences the knowledge base lists.
    PairError (a ValueError) for an id the knowledge base does not know."""
    return PairAnswer.from_dict(explain_pair(kb, parent_license, candidate))
