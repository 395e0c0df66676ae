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
           all_licenses: bool = False, modelgo: str | None = None) -> Choice:
    """The licenses a derivative of `parents` (model ids in `store`, or license ids) may carry.

    The feasible set is `licenses.feasibility` (the test merge-conflict runs); violations no
    license can cure come from the rules themselves (llama-exclusive-merge on this merge).
    `modelgo`: a ModelGo version (1 or 2) to add the answer in ModelGo's vocabulary.
    ParentError for a parent that is neither; ValueError for a bad relation or version."""
    version = mg.normalize_version(modelgo) if modelgo is not None else None
    answer = choose_licenses(kb, list(parents), relation=relation, store=store, all_licenses=all_licenses)
    data = answer.as_dict()
    data["violations_regardless"] = (
        LLAMA_EXCLUSIVE_MERGE.violations(kb, [(p.id, p.upstream) for p in answer.parents])
        if answer.relation == MERGE else [])
    if version is not None:
        data["modelgo"] = ModelGoChoice.from_dict(mg.modelgo_answer(kb, answer.upstream, version).as_dict())
    return Choice.from_dict(data)


def why(kb: KnowledgeBase, parent_license: str, candidate: str) -> PairAnswer:
    """One pair explained: may a derivative of `parent_license` material carry `candidate`?

    The knowledge-base properties that decide it (with clauses), the answer for a
    single-parent derivative and for a merge with a `candidate`-licensed parent, and what
    OSADL, the FSF and Creative Commons say, with the divergences the knowledge base lists.
    PairError (a ValueError) for an id the knowledge base does not know."""
    return PairAnswer.from_dict(explain_pair(kb, parent_license, candidate))
