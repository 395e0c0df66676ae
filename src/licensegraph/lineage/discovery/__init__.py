"""Hidden lineage: parents a model does not declare, found in its name, card text and configs.

Each source is a module: `names` (vectorized SQL over every known id), `card_text` and
`configs` (one model's README and config files). `discover` runs the per-model sources
for one model, which is what `check` and the crawler need; `build.build_inferred_edges`
runs all of them over the store into the `inferred_edges` table, apart from the declared
edges.
"""

from __future__ import annotations

from collections.abc import Mapping

from licensegraph.lineage.discovery.card_text import find_parents_in_text
from licensegraph.lineage.discovery.configs import find_parents_in_configs
from licensegraph.lineage.discovery.evidence import SOURCES, ParentEvidence

__all__ = ["SOURCES", "ParentEvidence", "discover", "find_parents_in_configs", "find_parents_in_text"]


def discover(model_id: str | None = None, card_text: str | None = None,
             configs: Mapping[str, object] | None = None) -> list[ParentEvidence]:
    """The parents one model's card text and config files name, strongest source first.

    Config files outrank card text (a file the training library wrote beats prose), except
    on a merge card, whose text lists every input while a config names one at most."""
    from_configs = find_parents_in_configs(configs or {}, model_id)
    from_text = find_parents_in_text(card_text, model_id) if card_text else []
    if from_configs and not any(ev.relation == "merge" for ev in from_text):
        return from_configs
    return from_text or from_configs
