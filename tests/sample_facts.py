"""An independent reading of the real sample for tests: parents and licenses per model,
computed with plain Python from the raw file, without licensegraph code."""

from __future__ import annotations

import gzip
import json

import yaml

from conftest import SAMPLE


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


def sample_models() -> dict[str, dict]:
    """lower id -> {id, license (raw card value, lower-cased), license_name, parents, tags, library}"""
    models = {}
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as fh:
        for rec in map(json.loads, fh):
            card = yaml.safe_load(rec["card_data"]) or {}
            lic = card.get("license")
            models[rec["id"].lower()] = {
                "id": rec["id"],
                "license": lic.lower() if isinstance(lic, str) else None,
                "license_name": card.get("license_name"),
                "license_link": card.get("license_link"),
                "parents": _parents(rec, card),
                "tags": rec["tags"],
                "library": rec.get("library_name"),
            }
    return models
