"""The one vocabulary of licensegraph: every package imports these names from here.

Relations, placeholder license ids, severities, views and study labels are defined once;
a copy elsewhere is a defect. This module imports nothing from licensegraph.
"""

from __future__ import annotations

from typing import Final

#: Every report says it, in these words.
NOT_LEGAL_ADVICE: Final = "licensegraph reports license facts and rule outcomes; it is not legal advice."

# --------------------------------------------------------------------------- relations

FINETUNE: Final = "finetune"
ADAPTER: Final = "adapter"
QUANTIZATION: Final = "quantization"
MERGE: Final = "merge"
#: The four typed lineage relations, in rules.md order.
RELATIONS: Final = (FINETUNE, ADAPTER, QUANTIZATION, MERGE)
#: Spellings seen on cards and in Hub exports, mapped to a relation.
RELATION_ALIASES: Final = {
    "quantized": QUANTIZATION, "quantisation": QUANTIZATION, "finetuned": FINETUNE,
    "fine-tune": FINETUNE, "fine_tune": FINETUNE, "lora": ADAPTER, "merged": MERGE,
}
#: An edge the Hub gave no relation label.
UNLABELLED: Final = "unlabelled"
#: The order of the study table's per-relation columns.
BREAKDOWN: Final = (FINETUNE, MERGE, QUANTIZATION, ADAPTER)

# --------------------------------------------------------------------------- placeholder license ids

NONE: Final = "none"  # nothing declared
UNKNOWN: Final = "unknown"  # `license: unknown`
OTHER: Final = "other"  # `license: other` before resolution
UNRESOLVED: Final = "other-unresolved"  # `other` that license_name / license_link do not resolve
ABSENT: Final = "absent"  # known only from lineage rows: no record, no declared license
#: Outcomes of normalization that leave a license undecidable (the study's exclusions), in column order.
UNDECIDABLE: Final = (NONE, UNKNOWN, UNRESOLVED, ABSENT)
#: Knowledge-base entries that are not licenses anyone can grant.
SPECIAL_IDS: Final = frozenset({NONE, UNKNOWN, OTHER, UNRESOLVED})
#: Everything that is not a known license (undecidable outcomes plus a bare `other`).
NOT_A_LICENSE: Final = frozenset(UNDECIDABLE) | SPECIAL_IDS

# --------------------------------------------------------------------------- severities

VIOLATION: Final = "violation"
WARNING: Final = "warning"
RISK: Final = "risk"
#: Most to least severe.
SEVERITIES: Final = (VIOLATION, WARNING, RISK)
SEVERITY_ORDER: Final = {s: i for i, s in enumerate(SEVERITIES)}

# --------------------------------------------------------------------------- views

LOCAL: Final = "local"
EFFECTIVE: Final = "effective"
VIEWS: Final = (LOCAL, EFFECTIVE)
# The same views over declared edges plus the inferred ones (hidden lineage, found in
# names, card text and config files): stored under their own names, never mixed into
# the declared views or the study table.
INFERRED_SUFFIX: Final = "+inferred"
LOCAL_INFERRED: Final = LOCAL + INFERRED_SUFFIX
EFFECTIVE_INFERRED: Final = EFFECTIVE + INFERRED_SUFFIX
INFERRED_VIEWS: Final = (LOCAL_INFERRED, EFFECTIVE_INFERRED)
ALL_VIEWS: Final = VIEWS + INFERRED_VIEWS
VIEW_DESCRIPTIONS: Final = {
    LOCAL: "edge-local view: each model against its direct parents' declared licenses (as the study counted)",
    EFFECTIVE: "effective view: each model against every ancestor's license, transitively",
    LOCAL_INFERRED: "edge-local view with inferred parents: declared parents plus the parents found in names, "
                    "card text and config files of models that declare none",
    EFFECTIVE_INFERRED: "effective view with inferred parents: every ancestor's license, following declared and "
                        "inferred edges",
}


def base_view(view: str) -> str:
    """The declared view a view is computed like (`effective+inferred` -> `effective`)."""
    return view.removesuffix(INFERRED_SUFFIX)


def inferred_view(view: str) -> str:
    """The with-inferred form of a view (`local` -> `local+inferred`)."""
    return base_view(view) + INFERRED_SUFFIX

# --------------------------------------------------------------------------- study labels

#: The rows of the study's noncompliance table, in its order (rules.md, "The study-style table").
STUDY_LABELS: Final = (
    "License Mismatch", "Copyleft-style Terms", "Copyleft Violation", "ND", "CCf", "FSff",
    "La2E-license", "La2E-merge", "La3E-license", "La3E-merge",
)
