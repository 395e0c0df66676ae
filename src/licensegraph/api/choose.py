"""`choose`: the licenses a derivative of given parents may carry, as a typed Choice."""

from __future__ import annotations

from collections.abc import Sequence

from licensegraph.api.results import Choice, ModelGoChoice
from licensegraph.licenses import modelgo as mg
from licensegraph.licenses.choose import ParentError, choose as choose_licenses
from licensegraph.licenses.kb import KnowledgeBase
from licensegraph.store.db import Store

__all__ = ["ParentError", "choose"]


def choose(kb: KnowledgeBase, parents: Sequence[str], relation: str | None = None, store: Store | None = None,
           all_licenses: bool = False, modelgo: str | None = None) -> Choice:
    """The licenses a derivative of `parents` (model ids in `store`, or license ids) may carry.

    `modelgo`: a ModelGo version (1 or 2) to add the answer in ModelGo's vocabulary.
    ParentError for a parent that is neither; ValueError for a bad relation or version."""
    version = mg.normalize_version(modelgo) if modelgo is not None else None
    answer = choose_licenses(kb, list(parents), relation=relation, store=store, all_licenses=all_licenses)
    data = answer.as_dict()
    if version is not None:
        data["modelgo"] = ModelGoChoice.from_dict(mg.modelgo_answer(kb, answer.upstream, version).as_dict())
    return Choice.from_dict(data)
