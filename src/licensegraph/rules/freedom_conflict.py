"""Shared logic of cc-freedom-conflict and gnu-freedom-conflict.

CC BY* 4.0 §2(a)(5)(C) and GPL-2.0 §6 / GPL-3.0 §7, §10 forbid imposing further
restrictions on recipients. rules.md places the conflict where the restriction is added:

- the model itself, when its own license is outside the family and adds use-based
  restrictions, a commercial ban the free work did not have, or field-of-use terms, on a
  lineage (direct parents in the edge-local view, every ancestor in the effective view)
  that holds the free work;
- a merge, when one parent brings the free work and another parent (a co-parent) brings
  such restrictions: its declared license (edge-local view) or, in the effective view, a
  restrictive license of its lineage that the free work's side of the merge does not
  already hold.

A model that keeps its free parent's license and adds nothing is not in conflict, even
when a restrictive license sits further up (Gemma above a CC-BY-NC relabel): the model
that relabelled is reported by copyleft-style-dropped, and has no free ancestor itself.

Whether the model's own license adds a restriction is read from the knowledge base as
`choose` reads it (licenses.feasibility.added_restrictions): the clause's `forbids` and
`scope`, and what the license `imposes`. A CC clause protects the licensed material, so a
license whose restrictions bind only its own licensor's material (CC's adapter's licenses:
BY-NC-ND on an adaptation of BY material, as CC's adapter's-license chart allows) adds none.
The rows report the kinds the catalogue names (use, commercial, field of use); patent
termination and indemnity (GPL-2.0 §6) decide feasibility and copyleft, not these rows.
"""

from __future__ import annotations

import numpy as np

from licensegraph.licenses.feasibility import added_restrictions
from licensegraph.rules.base import RowResult, derivative_row, pair_matrix
from licensegraph.rules.context import AuditContext, any_and

# Message and remedy templates (SQL over the finding columns). `detail` is
# "own|<restrictions>" when the model's own license adds them, and
# "co-parent|<co-parent id>|<its restrictive license>|<restrictions>" in a merge.
_PART = "split_part(detail, '|', {})"
MESSAGE = (
    "CASE WHEN starts_with(detail, 'co-parent|') "
    "THEN format('merges {} work from {}, which forbids further restrictions, with the co-parent {} under {}, "
    "which adds {}', ancestor_license, ancestor_id, " + _PART.format(2) + ", " + _PART.format(3) + ", "
    + _PART.format(4) + ") "
    "ELSE format('{} work from {} forbids further restrictions, but this model''s own license {} adds {}', "
    "ancestor_license, ancestor_id, model_license, " + _PART.format(2) + ") END"
)
REMEDY = (
    "CASE WHEN starts_with(detail, 'co-parent|') "
    "THEN format('Do not merge the {} work of {} with {} ({}): drop one of the two parents, or obtain a license "
    "from the rights holder of {} that allows the combination', ancestor_license, ancestor_id, "
    + _PART.format(2) + ", " + _PART.format(3) + ", ancestor_id) "
    "ELSE format('Publish the model under {} ({}) or a license it accepts, without the restrictions of {}; "
    "if those restrictions must stay, the {} material of {} cannot be used', ancestor_license, ancestor_card, "
    "model_license, ancestor_license, ancestor_id) END"
)


def _free(u, tag: str) -> bool:
    return any(d.tag == tag for d in u.duties_of("no-further-restrictions"))


#: The restriction kinds the CCf / FSff rows report (rules.md).
REPORTED_KINDS = ("use-restrictions", "non-commercial", "field-of-use")


def _adds(c, u, tag: str) -> bool:
    """Does license c, as the model's own license, add a restriction u's clause forbids?"""
    return any(k in REPORTED_KINDS
               for d in u.duties_of("no-further-restrictions") if d.tag == tag
               for k in added_restrictions(c, u, d))


def _licensed_material_only(ctx: AuditContext, tag: str) -> bool:
    """True when the tag's clauses protect only the licensed material (CC), not the whole work."""
    scopes = {d.scope for lic in ctx.kb for d in lic.duties_of("no-further-restrictions") if d.tag == tag}
    return scopes == {"licensed-material"}


def _restricts(c, commercial_upstream: bool) -> bool:
    return c.restricts_use or c.field_of_use or (commercial_upstream and not c.commercial)


def restriction_text(c, commercial_upstream: bool) -> str:
    """What a license adds that a free work forbids, in words."""
    parts = []
    if c.restricts_use:
        parts.append("use-based restrictions")
    if commercial_upstream and not c.commercial:
        parts.append("a commercial ban")
    if c.field_of_use:
        parts.append("field-of-use terms")
    return ", ".join(parts) or "further restrictions"


def _closure(ctx: AuditContext, view: str) -> np.ndarray:
    """Per node, its own license and (effective view) every ancestor's, as bitsets."""
    if view == "local":
        return ctx.own_bits
    return ctx.cached(("closure",), lambda: ctx.own_bits | ctx.ancestor_bits)


def _coparent_conflicts(ctx: AuditContext, view: str, tag: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merges where one parent brings the free work and another the restrictions.

    Returns (bool[n] conflict, int64[n] co-parent node or -1, int32[n] its restrictive
    license code or -1). Works on ordered pairs of a merge's parent edges."""
    n = ctx.n
    conflict = np.zeros(n, dtype=bool)
    coparent = np.full(n, -1, dtype=np.int64)
    restrictive = np.full(n, -1, dtype=np.int32)
    merges = ctx.audited & ctx.is_merge
    edges = np.flatnonzero(merges[ctx.child]) if len(ctx.child) else np.zeros(0, dtype=np.int64)
    if len(edges) == 0:
        return conflict, coparent, restrictive
    child = ctx.child[edges]
    counts = ctx.n_parents[child]
    start = ctx.indptr[child]
    i_edge = np.repeat(edges, counts)
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    j_edge = np.repeat(start, counts) + offsets
    pi, pj = ctx.parent[i_edge], ctx.parent[j_edge]
    keep = pi != pj
    i_edge, j_edge, pi, pj = i_edge[keep], j_edge[keep], pi[keep], pj[keep]
    if len(pi) == 0:
        return conflict, coparent, restrictive
    closure = _closure(ctx, view)
    side_free, side_other = closure[pi], closure[pj]
    new = side_other & ~side_free  # restrictive material the free side does not already hold
    hit = np.zeros(len(pi), dtype=bool)
    first_code = np.full(len(pi), -1, dtype=np.int32)
    # A commercial ban counts only against a free work that allowed commercial use.
    material_only = _licensed_material_only(ctx, tag)
    for commercial in (True, False):
        free_mask = ctx.table.mask(lambda u, c=commercial: _free(u, tag) and u.commercial == c)
        # under a licensed-material clause only restrictions that reach that material count
        bad_mask = ctx.table.mask(lambda u, c=commercial: not _free(u, tag) and not u.is_special
                                  and (not material_only or u.restrictions_reach_upstream)
                                  and _restricts(u, c))
        pair_hit = any_and(side_free, free_mask) & any_and(new, bad_mask)
        fresh = pair_hit & ~hit
        if fresh.any():
            codes = np.flatnonzero(ctx.table.vector(lambda u, c=commercial: not _free(u, tag) and not u.is_special
                                                    and (not material_only or u.restrictions_reach_upstream)
                                                    and _restricts(u, c)))
            found = new[fresh]
            first = np.full(int(fresh.sum()), -1, dtype=np.int32)
            for code in codes[::-1]:  # lowest code wins: deterministic
                has = ((found[:, code // 64] >> np.uint64(code % 64)) & np.uint64(1)).astype(bool)
                first[has] = code
            first_code[fresh] = first
        hit |= pair_hit
    if hit.any():
        # first conflicting pair per merge, in edge order
        order = np.lexsort((j_edge[hit], i_edge[hit], ctx.child[i_edge[hit]]))
        kids = ctx.child[i_edge[hit]][order]
        first = np.ones(len(kids), dtype=bool)
        first[1:] = kids[1:] != kids[:-1]
        conflict[kids[first]] = True
        coparent[kids[first]] = pj[hit][order][first]
        restrictive[kids[first]] = first_code[hit][order][first]
    return conflict, coparent, restrictive


def freedom_row(ctx: AuditContext, view: str, label: str, tag: str) -> RowResult:
    qualifies = pair_matrix(ctx, lambda c, u: True, where=lambda u: _free(u, tag), key=('fc-q', tag))
    # The model's own license adds restrictions the free work forbids.
    violates = pair_matrix(ctx, lambda c, u: c is not None and not c.is_special and _adds(c, u, tag),
                           where=lambda u: _free(u, tag), key=('fc-v', tag))
    own = ctx.exists_pair(view, violates)
    conflict, coparent, restrictive = _coparent_conflicts(ctx, view, tag)
    row = derivative_row(
        ctx, view, label, qualifies, violates, "no-further-restrictions",
        message=MESSAGE, remedy=REMEDY, extra_violation=conflict,
    )
    # A co-parent's restrictions conflict whatever the merge itself declares.
    brought = conflict & ctx.audited & ctx.is_derivative
    row.excluded[brought] = -1
    row.qualifying |= brought
    row.noncompliant |= brought
    # The ancestor of a co-parent finding is the free work (any of them, nearest first).
    row.fallback_witness = qualifies
    detail = np.full(ctx.n, None, dtype=object)
    commercial_free = ctx.has_any(view, ctx.table.mask(lambda u: _free(u, tag) and u.commercial))
    lics = ctx.table.licenses
    found = np.flatnonzero(row.noncompliant)
    named = np.unique(coparent[found][~own[found] & (coparent[found] >= 0)])
    coparent_id = dict(zip(named.tolist(), ctx.ids_at(named)))  # one look-up for every finding
    for m in found:
        if own[m]:
            detail[m] = "own|" + restriction_text(lics[ctx.lic[m]], bool(commercial_free[m]))
        elif coparent[m] >= 0:
            r = lics[restrictive[m]]
            detail[m] = (f"co-parent|{coparent_id[int(coparent[m])]}|{r.id}|"
                         f"{restriction_text(r, bool(commercial_free[m]))}")
    row.detail = detail
    return row
