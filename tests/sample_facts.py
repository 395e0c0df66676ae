"""An independent reading of the real sample for tests: parents and licenses per model,
computed with plain Python from the raw file, without licensegraph code."""

from __future__ import annotations

import copy
import functools
import gzip
import json

import yaml

from conftest import SAMPLE

# libyaml when present: the same YAML, ten times faster over the sample's cards
CARD_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parents(rec: dict, card: dict) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    bm = card.get("base_model") or []
    for p in [bm] if isinstance(bm, str) else bm:
        if isinstance(p, str) and p.strip():
            out.setdefault(p.strip().lower(), None)
    for tag in rec["tags"]:
        parts = tag.split(":")
        if parts[0] == "base_model" and len(parts) == 3:
            out[parts[2].lower()] = parts[1]
        elif parts[0] == "base_model" and len(parts) == 2:
            out.setdefault(parts[1].lower(), None)
    out.pop(rec["id"].lower(), None)
    return out


# license_name values and license_link fragments in the sample that name a model license
# (read off the cards; deepseek-ai/Janus-Pro-7B: `license: mit`, `license_name: deepseek`).
MODEL_LICENSE_NAMES = {"deepseek": "deepseek"}
MODEL_LICENSE_LINKS = {"mistral.ai/licenses/mrl": "mrl-0.1"}
# Card `license:` values in the sample written for software, content or data, not models.
NOT_MODEL_LICENSES = {
    "mit", "apache-2.0", "afl-3.0", "artistic-2.0", "ms-pl", "wtfpl", "unlicense", "bsl-1.0", "bsd-2-clause",
    "bsd-3-clause", "gpl-2.0", "agpl-3.0", "lgpl-3.0", "mpl-2.0", "gfdl", "c-uda", "pddl", "cc-by-nc-4.0",
    "cc-by-sa-4.0", "cc-by-nc-nd-4.0",
}


# `license: other` in the sample: the license_name values and links that name a license
# (read off the cards), everything else stays unresolved.
OTHER_NAMES = {"exaone": "exaone", "llama4": "llama4", "gemma-terms-of-use": "gemma",
               "stabilityai-ai-community": "stabilityai-ai-community", "nvidia-open-model-license":
               "nvidia-open-model-license", "microsoft-research-license": "microsoft-research-license",
               "stable-video-diffusion-community": "stable-video-diffusion-community", "mrl": "mrl-0.1"}
OTHER_LINKS = {"thudm/cogvideox-5b": "cogvideox-license"}

# License facts the freedom-conflict and copyleft-style rules read, per license of the
# sample, as the license texts state them (licenses.md; written out here by hand):
# the use-restriction tags a license requires derivatives to carry, and those it carries
# (an OpenRAIL-M license carries the family's restrictions, any other model license its own).
OPENRAIL_M = {"creativeml-openrail-m", "openrail", "bigcode-openrail-m", "bigscience-bloom-rail-1.0",
              "bigscience-openrail-m", "openrail++"}
OWN_RESTRICTIONS = {"llama2", "llama3", "llama3.1", "llama3.2", "llama3.3", "llama4", "gemma", "deepseek",
                    "stabilityai-ai-community", "stable-video-diffusion-community"}


def travelling_restrictions(lic: str | None) -> set[str]:
    """The use restrictions a license makes every derivative carry (and carries itself)."""
    if lic in OPENRAIL_M:
        return {"openrail-m"}
    return {lic} if lic in OWN_RESTRICTIONS else set()


# Licenses that forbid further restrictions (CC BY / BY-SA / BY-NC / BY-NC-SA: "cc";
# GPL / AGPL: "gnu"), and whether each allows commercial use.
FREE = {"cc-by-nc-4.0": "cc", "cc-by-sa-4.0": "cc", "cc-by-4.0": "cc", "cc-by-nc-sa-4.0": "cc",
        "gpl-2.0": "gnu", "gpl-3.0": "gnu", "agpl-3.0": "gnu"}
NON_COMMERCIAL = {"cc-by-nc-4.0", "cc-by-nc-sa-4.0", "cc-by-nc-nd-4.0", "exaone", "mrl-0.1",
                  "microsoft-research-license", "stable-video-diffusion-community"}
# Licenses of the sample that add use-based restrictions or field-of-use terms.
USE_RESTRICTING = OPENRAIL_M | OWN_RESTRICTIONS | {"cogvideox-license", "nvidia-open-model-license"}
FIELD_OF_USE = {"exaone", "mrl-0.1", "microsoft-research-license", "stable-video-diffusion-community"}
UNDECIDED = {None, "unknown", "other-unresolved"}


def adds_restrictions(lic: str | None, free_work: str) -> bool:
    """Whether a license outside the free work's family adds what the free work forbids:
    use-based restrictions, field-of-use terms, or a commercial ban it did not have."""
    if lic in UNDECIDED or FREE.get(lic) == FREE[free_work]:
        return False
    commercial_ban = lic in NON_COMMERCIAL and free_work not in NON_COMMERCIAL
    return lic in USE_RESTRICTING or lic in FIELD_OF_USE or commercial_ban


def carried_license(lic: str | None, name, link) -> str | None:
    """The license a card carries: its `license:` value, unless that value is a software or
    content license and license_name / license_link name a model license beside it;
    `other` is read through OTHER_NAMES / OTHER_LINKS, else unresolved."""
    if lic == "other":
        if isinstance(name, str) and name.strip().lower() in OTHER_NAMES:
            return OTHER_NAMES[name.strip().lower()]
        for fragment, named in OTHER_LINKS.items():
            if isinstance(link, str) and fragment in link.lower():
                return named
        return "other-unresolved"
    if lic not in NOT_MODEL_LICENSES:
        return lic
    if isinstance(name, str) and name.strip().lower() in MODEL_LICENSE_NAMES:
        return MODEL_LICENSE_NAMES[name.strip().lower()]
    for fragment, named in MODEL_LICENSE_LINKS.items():
        if isinstance(link, str) and fragment in link.lower():
            return named
    return lic


def sample_models() -> dict[str, dict]:
    """lower id -> {id, license (carried: see carried_license), declared (raw card value,
    lower-cased), license_name, license_link, parents, tags, library}"""
    return copy.deepcopy(_read_sample())  # read once per run; each caller may change its copy


@functools.cache
def _read_sample() -> dict[str, dict]:
    models = {}
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as fh:
        for rec in map(json.loads, fh):
            card = yaml.load(rec["card_data"], Loader=CARD_LOADER) or {}
            lic = card.get("license")
            declared = lic.lower() if isinstance(lic, str) else None
            models[rec["id"].lower()] = {
                "id": rec["id"],
                "license": carried_license(declared, card.get("license_name"), card.get("license_link")),
                "declared": declared,
                "license_name": card.get("license_name"),
                "license_link": card.get("license_link"),
                "parents": _parents(rec, card),
                "tags": rec["tags"],
                "library": rec.get("library_name"),
            }
    return models
