"""Run the rules over the store: findings and per-rule counts, for both views.

For every noncompliant model the engine finds the ancestor that imposes the violated
duty (the nearest one, breadth-first) and the path to it, vectorized level by level
over all findings at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from licensegraph.licenses.choose import card_lines
from licensegraph.licenses.fingerprint import kb_fingerprint
from licensegraph.licenses.kb import KnowledgeBase
from licensegraph.lineage.reach import build_noncompliant_children
from licensegraph.rules import all_rules, get_rule
from licensegraph.rules.base import RowResult, Rule
from licensegraph.rules.context import AuditContext, any_and, bits_rows
from licensegraph.store.db import Store, transaction
from licensegraph.store.findings_view import (
    INCOMPLETE_FLAG,
    VIA_FLAG,
    WARNING_FLAG,
    listed_facts_sql,
    refresh_findings_view,
)
from licensegraph.store.killpoints import kill_point
from licensegraph.store.schema import FINDING_FACTS_DDL
from licensegraph.timing import PhaseTimer
from licensegraph.vocab import ALL_VIEWS, RELATIONS, UNDECIDABLE, UNLABELLED, VIEWS, VIOLATION, inferred_view


@dataclass
class Witnesses:
    ancestor: np.ndarray  # int64[k], -1 when none was found
    path_nodes: list[np.ndarray]  # per step (model first, ancestor last), node index or -1


def find_witnesses(ctx: AuditContext, view: str, models: np.ndarray, pred: np.ndarray | None) -> Witnesses:
    k = len(models)
    if pred is None or k == 0 or len(ctx.child) == 0:
        return Witnesses(np.full(k, -1, dtype=np.int64), [])
    indptr = ctx.indptr
    model_lic = ctx.lic[models]
    trail_prev = [np.full(k, -1, dtype=np.int64)]
    trail_node = [models.astype(np.int64)]
    n_trails = k
    found_anc = np.full(k, -1, dtype=np.int64)
    found_trail = np.full(k, -1, dtype=np.int64)
    front_pos = np.arange(k, dtype=np.int64)
    front_node = models.astype(np.int64)
    front_trail = np.arange(k, dtype=np.int64)
    visited = np.sort(front_pos * ctx.n + front_node)
    max_depth = 1 if view == "local" else 64
    rows = None  # pred's rows as license bitsets, built when first needed
    for _ in range(max_depth):
        starts, ends = indptr[front_node], indptr[front_node + 1]
        counts = ends - starts
        total = int(counts.sum())
        if total == 0:
            break
        rep = np.repeat(np.arange(len(front_node)), counts)
        offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        edge = starts[rep] + offsets
        pos = front_pos[rep]
        node = ctx.parent[edge]
        prev = front_trail[rep]
        key = pos * ctx.n + node
        if view != "local":  # one level of distinct parents needs no dedupe
            # first occurrence of each (finding, node), not seen at an earlier level;
            # sort-based, which beats np.unique's hashing on these int64 keys
            order = np.argsort(key, kind="stable")
            sorted_keys = key[order]
            is_first = np.ones(len(order), dtype=bool)
            is_first[1:] = sorted_keys[1:] != sorted_keys[:-1]
            first = np.sort(order[is_first])
            at = np.searchsorted(visited, key[first])
            seen = visited[np.minimum(at, len(visited) - 1)] == key[first]
            fresh = first[~seen]
            pos, node, prev, key = pos[fresh], node[fresh], prev[fresh], key[fresh]
            visited = np.sort(np.concatenate([visited, key]))
        trail = n_trails + np.arange(len(node))
        n_trails += len(node)
        trail_prev.append(prev)
        trail_node.append(node)
        ok = pred[model_lic[pos], ctx.lic[node]] & (found_anc[pos] == -1)
        several = ctx.has_several[node]
        if several.any():  # an ancestor with several licenses imposes the duty through any of them
            rows = bits_rows(pred, ctx.table.words) if rows is None else rows
            ok[several] |= any_and(ctx.own_bits[node[several]], rows[model_lic[pos[several]]]) & (
                found_anc[pos[several]] == -1)
        if ok.any():
            hit_pos, idx = np.unique(pos[ok], return_index=True)
            found_anc[hit_pos] = node[ok][idx]
            found_trail[hit_pos] = trail[ok][idx]
        keep = found_anc[pos] == -1
        front_pos, front_node, front_trail = pos[keep], node[keep], trail[keep]
        if len(front_pos) == 0:
            break
    all_prev = np.concatenate(trail_prev)
    all_node = np.concatenate(trail_node)
    steps = []
    cur = found_trail.copy()
    while (cur >= 0).any():
        steps.append(np.where(cur >= 0, all_node[np.maximum(cur, 0)], -1))
        cur = np.where(cur >= 0, all_prev[np.maximum(cur, 0)], -1)
    if not steps:
        return Witnesses(found_anc, [])
    matrix = np.stack(steps[::-1], axis=1)  # k x depth, model first, -1 padding at the end
    # rows with no witness are all -1 at the front; shift each row left
    order = np.argsort(matrix < 0, axis=1, kind="stable")
    matrix = np.take_along_axis(matrix, order, axis=1)
    return Witnesses(found_anc, [matrix[:, i] for i in range(matrix.shape[1])])


def _merge_witnesses(first: Witnesses, miss: np.ndarray, second: Witnesses) -> Witnesses:
    """`first`, with the findings at `miss` (which it found no ancestor for) taken from
    `second` (searched for those findings only)."""
    k = len(first.ancestor)
    ancestor = first.ancestor.copy()
    ancestor[miss] = second.ancestor
    steps = []
    for s in range(max(len(first.path_nodes), len(second.path_nodes))):
        step = first.path_nodes[s].copy() if s < len(first.path_nodes) else np.full(k, -1, dtype=np.int64)
        step[miss] = second.path_nodes[s] if s < len(second.path_nodes) else -1
        steps.append(step)
    return Witnesses(ancestor, steps)


def _duty_sources(kb: KnowledgeBase) -> pa.Table:
    rows = {"license": [], "duty": [], "clause": [], "url": []}
    for lic in kb.licenses.values():
        seen = set()
        # a family id (cc, gpl, ...) is judged as its strictest member: cite that one
        for d in kb.effective(lic.id).duties:
            if d.kind in seen:
                continue
            seen.add(d.kind)
            rows["license"].append(lic.id)
            rows["duty"].append(d.kind)
            rows["clause"].append(d.source.clause)
            rows["url"].append(d.source.url)
    return pa.table(rows)


@dataclass
class AuditRun:
    rules: list[Rule]
    views: tuple[str, ...]
    notes: dict[str, list[str]]
    models: int  # models audited in this run (all, or the affected ones when incremental)
    depth_rounds: int
    incremental: bool = False
    affected: int = 0
    timings: dict | None = None  # seconds per phase, for benchmarks


# Outcome codes per (model, table row), kept in `model_outcomes` so that an incremental
# audit can update the table's counts by difference.
NOT_IN_POPULATION, COMPLIANT, NONCOMPLIANT = 0, 1, 2
EXCLUDED_BASE = 3  # + index into UNDECIDABLE
N_CODES = EXCLUDED_BASE + len(UNDECIDABLE)
N_COMBOS = 36  # (relation 0..5) x (hub relation 0..5)
#: rows of a DuckDB row group: what its zone maps skip at once
ROW_GROUP_ROWS = 122_880


def _set_outcome_codes(out: np.ndarray, row: RowResult) -> None:
    """Write the row's outcome code per model into `out` (a uint8 column): noncompliant over
    compliant, an exclusion over both, else NOT_IN_POPULATION (0). Byte arithmetic without
    masks: np.where, a masked assignment or np.copyto with `where` over every model cost
    7-18 ms a row (branches on the mask), this ~1.5 ms."""
    noncompliant = row.noncompliant.view(np.uint8)
    code = (row.qualifying & ~row.noncompliant).view(np.uint8) * np.uint8(COMPLIANT)
    code += noncompliant * np.uint8(NONCOMPLIANT)
    reason = row.excluded.astype(np.int8, copy=False)
    excluded = (reason >= 0).view(np.uint8)
    np.add(reason.view(np.uint8), np.uint8(EXCLUDED_BASE), out=out)  # wraps where -1 (none): zeroed next
    out *= excluded
    code *= np.uint8(1) - excluded
    out += code


def _layout(rules: list[Rule], views) -> list[tuple[str, str, str]]:
    return [(view, rule.id, label) for view in views for rule in rules for label in rule.labels]


def _can_run_incrementally(store: Store, layout, fingerprint: str) -> bool:
    return (store.get_meta("outcome_layout") == json.dumps(layout)
            and store.get_meta("audit_kb") == fingerprint
            and store.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'model_outcomes'") == 1)


def stored_notes(store: Store) -> dict[str, list[str]]:
    """The notes of the rules, as the last complete audit gave them."""
    return json.loads(store.get_meta("audit_notes") or "{}")


def audit_is_current(store: Store, kb: KnowledgeBase) -> bool:
    """Whether a full audit (every rule, both declared views) would change nothing: the last
    one covered every rule with this knowledge base, no model changed since, and no results
    over inferred edges wait to be dropped. Reads only (a no-change `audit` answers from it
    without writing the store)."""
    from licensegraph.rules.data_engine import all_data_rules

    rules = all_rules()
    if store.derived_stale() or store.get_meta("audited_rules") != ",".join(r.id for r in rules):
        return False
    if store.get_meta("audit_notes") is None:  # audited by a version that did not keep them
        return False
    if store.scalar("SELECT count(*) FROM (SELECT 1 FROM dirty_models LIMIT 1)"):
        return False
    if not _can_run_incrementally(store, _layout(rules, VIEWS), kb_fingerprint(kb)):
        return False
    if store.scalar(f"SELECT count(*) FROM (SELECT 1 FROM finding_facts WHERE view >= {len(VIEWS)} LIMIT 1)"):
        return False
    data_rules = store.scalar("SELECT count(DISTINCT rule_id) FROM data_rule_counts")
    return data_rules == len(all_data_rules())


#: Share of the models whose change still counts as a small write: the incremental audit
#: then changes the store in place, in one transaction (see store.session.write_store).
IN_PLACE_SHARE = 0.05


def audit_is_small(store: Store, kb: KnowledgeBase, models: int) -> bool:
    """Whether the next default audit is incremental over at most IN_PLACE_SHARE of the models."""
    if store.derived_stale():
        return False
    if not _can_run_incrementally(store, _layout(all_rules(), VIEWS), kb_fingerprint(kb)):
        return False
    changed = store.scalar("SELECT count(*) FROM dirty_models")
    return changed <= IN_PLACE_SHARE * models


def run_audit(store: Store, kb: KnowledgeBase | None = None, rule_ids: list[str] | None = None,
              views: tuple[str, ...] = VIEWS, incremental: bool | None = None,
              progress: Callable[[str, int, int], None] | None = None, with_inferred: bool = False) -> AuditRun:
    """Evaluate the rules and store findings and counts.

    With every rule and both views, per-model outcomes are kept so that the next run can
    be incremental: only models changed by ingest since (and their descendants) are
    re-evaluated. `incremental=None` decides by itself; False forces a full audit.

    `with_inferred`: judge over declared plus inferred edges (`inferred_edges` rows in
    use) and store the results under the views' `+inferred` names, apart from the
    declared views; always a full run, and each finding that rests on an inferred edge
    gets that edge's evidence. The next declared audit drops these results.
    """
    from licensegraph.licenses.kb import load_kb

    # each finished phase is announced as "audit: PHASE done" (a spinner line on a terminal)
    timer = PhaseTimer(on_lap=(lambda name, _s: progress(f"audit: {name} done", 0, 0)) if progress else None)
    lap = timer.lap

    kb = kb or load_kb()
    from licensegraph.rules.data_engine import all_data_rules, can_run_scoped, data_scope_sql, run_data_rules

    data_ids = {r.id for r in all_data_rules()}
    # rules over data and outputs read no lineage edges: an audit over inferred edges skips them
    run_data = (not rule_ids or any(r in data_ids for r in rule_ids)) and not with_inferred
    rules = [get_rule(r) for r in rule_ids if r not in data_ids] if rule_ids else all_rules()
    complete = rule_ids is None and tuple(views) == VIEWS and not with_inferred
    stored = inferred_view if with_inferred else (lambda v: v)
    layout = _layout(rules, tuple(stored(v) for v in views))
    fingerprint = kb_fingerprint(kb)
    con = store.con
    possible = complete and _can_run_incrementally(store, layout, fingerprint)
    if incremental is None:
        incremental = possible
    incremental = bool(incremental and possible)
    affected_n = 0
    if incremental:
        affected, scope = _incremental_scope(store)
        affected_n = len(affected)
        con.register("_affected_uids", pa.table({"uid": pa.array(affected, pa.int32())}))
        con.execute("CREATE OR REPLACE TEMP TABLE _affected AS "
                    "SELECT model_key FROM model_ids WHERE uid IN (SELECT uid FROM _affected_uids)")
        con.execute("CREATE OR REPLACE TEMP TABLE _affected_uid AS SELECT uid FROM _affected_uids")
        con.unregister("_affected_uids")
        ctx = AuditContext(store, kb, scope=scope)
        write = np.zeros(ctx.n, dtype=bool)
        write[ctx.index_of_uid(affected)] = True
    else:
        ctx = AuditContext(store, kb, with_inferred=with_inferred)
        write = np.ones(ctx.n, dtype=bool)

    lap("load + propagate")
    con.register("_duty_sources", _duty_sources(ctx.kb))
    kb_licenses = list(ctx.kb.licenses.values())
    con.register("_license_kinds", pa.table({
        "license": [lic.id for lic in kb_licenses],
        "work_kind": [lic.work_kind for lic in kb_licenses],
        # facts not yet checked against the license text (placeholder ids state no facts)
        "review": [lic.review and not lic.is_special for lic in kb_licenses],
        # the card lines that declare the license, for remedies ("`license: llama2`", or
        # `license: other` with license_name and license_link where the Hub has no id)
        "card_lines": [None if lic.is_special else card_lines(ctx.kb, lic.id) for lic in kb_licenses],
    }))
    unresolved = ctx.table.code["other-unresolved"]
    unresolved_mask = np.zeros(ctx.table.words, dtype=np.uint64)
    unresolved_mask[unresolved // 64] = np.uint64(1) << np.uint64(unresolved % 64)
    # A finding is possibly incomplete when a license upstream of the model (in the view)
    # could not be resolved; the model's own unresolved license is license-unresolved's
    # own finding, and the rules that need it exclude the model instead.
    possibly_incomplete = {view: ctx.has_any(view, unresolved_mask) for view in views}
    notes: dict[str, list[str]] = {}
    # column-major: rules write one column each, counts and packing read them column by column
    outcomes = np.zeros((ctx.n, len(layout)), dtype=np.uint8, order="F")
    combo = _relation_index(ctx.relation) * 6 + _relation_index(ctx.hub_relation)
    col = 0
    try:
        with transaction(con):
            con.execute("DELETE FROM duty_sources")
            con.execute("INSERT INTO duty_sources SELECT * FROM _duty_sources")
            con.execute("DELETE FROM license_kinds")
            con.execute("INSERT INTO license_kinds BY NAME SELECT * FROM _license_kinds")
            lic_codes = _license_codes(con, ctx.table.ids)
            kinds = {(r, label): (k, sev, duty) for k, r, label, sev, duty in con.execute(
                "SELECT kind, rule_id, label, severity, duty FROM finding_kinds").fetchall()}
            # (view, kind) whose findings are listed from model_outcomes, not stored (store.findings_view)
            listed = set(con.execute("SELECT view, kind FROM outcome_findings").fetchall())
            if incremental:
                con.execute("DELETE FROM finding_facts WHERE uid IN (SELECT uid FROM _affected_uid)")
                # results over inferred edges are not kept up to date incrementally
                con.execute(f"DELETE FROM finding_facts WHERE view >= {len(VIEWS)}")
            elif with_inferred:
                con.execute("DELETE FROM finding_facts WHERE view IN (SELECT unnest(?::TINYINT[]))",
                            [[ALL_VIEWS.index(stored(v)) for v in views]])
            elif complete:
                # Dropping the old rows wholesale is far cheaper than deleting them one by one.
                con.execute("DROP TABLE IF EXISTS finding_facts")
                con.execute(FINDING_FACTS_DDL)
                con.execute("DELETE FROM outcome_findings")
                listed = set()
            facts: list[pa.Table] = []
            templates = {(r[0], r[1]): r for r in con.execute("SELECT * FROM finding_templates").fetchall()}
            # rows of the small tables this loop adds, written together after it (a new store
            # adds a kind and a template per rule row: ~90 statements of a tiny audit otherwise)
            new_rows: dict[str, list[tuple]] = {"finding_kinds": [], "outcome_findings": [], "finding_templates": []}
            # per view, the models with a violation (for noncompliant_children): known here
            # in a full audit of the declared views, where the facts hold nothing else
            violating = {v: np.zeros(ctx.n, dtype=bool) for v in views} if complete else None
            for view in views:
                for rule in rules:
                    if not incremental and not complete and not with_inferred and not (
                            rule.view_independent and view != views[0]):
                        of_rule = [k for (r, _), (k, _, _) in kinds.items() if r == rule.id]
                        for table in ("finding_facts", "outcome_findings"):
                            con.execute(f"DELETE FROM {table} WHERE list_contains(?, kind) AND (view = ? OR ?)",
                                        [of_rule, ALL_VIEWS.index(view), rule.view_independent])
                    lap("other")
                    rows = rule.evaluate(ctx, view)
                    lap("evaluate rules")
                    for row in rows:
                        for note in row.notes:
                            if note not in notes.setdefault(rule.id, []):
                                notes[rule.id].append(note)
                        _set_outcome_codes(outcomes[:, col], row)
                        col += 1
                        lap("other")
                        if not (rule.view_independent and view != views[0]):
                            if violating is not None and rule.severity == VIOLATION:
                                found = row.noncompliant & write
                                if row.warning is not None:
                                    found &= ~row.warning
                                for v in (views if rule.view_independent else (view,)):
                                    violating[v] |= found
                            kind = _finding_kind(con, kinds, rule, row, new_rows["finding_kinds"])
                            view_code = ALL_VIEWS.index(stored(view))
                            if complete and not incremental and _listable(rule, row):
                                # a pure function of the model's own license: listed from its outcome code
                                word, at = divmod(col - 1, 64 // BITS_PER_CODE)
                                new_rows["outcome_findings"].append((view_code, kind, word, at * BITS_PER_CODE))
                            elif not (incremental and (view_code, kind) in listed):
                                facts.append(_finding_facts(ctx, view, view_code, kind, rule, row, possibly_incomplete[view],
                                                            write, lic_codes))
                        _save_templates(rule, row, templates, new_rows["finding_templates"])
                        lap("findings (witness, path, write)")
            templates_changed = bool(new_rows["finding_templates"])
            _insert_rows(con, new_rows)
            # the rows of every rule in one insert; more than a row group's worth by uid (a
            # model's own in the order they were found: the sort is stable), so that a look-up of
            # one model's facts (explain) reads the row group whose uid range holds it, not
            # every row group (2M store: 2.2-3.1 -> 1.2 ms CPU; sorting its 0.58M rows, 0.03-0.08 s,
            # was within the noise of the insert)
            facts = [t for t in facts if t.num_rows]
            if facts:
                table = pa.concat_tables(facts)
                if table.num_rows > ROW_GROUP_ROWS:
                    import pyarrow.compute as pc  # not at import (~0.04 s): a small audit needs none

                    table = table.take(pc.sort_indices(table["uid"]))
                con.register("_f", table)
                con.execute("INSERT INTO finding_facts BY NAME SELECT * FROM _f")
                con.unregister("_f")
            del facts
            lap("findings (witness, path, write)")
            if incremental:
                old = _read_outcomes(con, "_affected_uid", len(layout))
                counts = _read_counts(con, layout) - _count(old[0], old[1]) + _count(combo[write], outcomes[write])
                con.execute("DELETE FROM model_outcomes WHERE uid IN (SELECT uid FROM _affected_uid)")
                _append_outcomes(con, ctx, write, combo, outcomes, lic_codes)
            else:
                counts = _count(combo, outcomes)
                if complete:
                    con.execute("DROP TABLE IF EXISTS model_outcomes")
                    _append_outcomes(con, ctx, write, combo, outcomes, lic_codes, create=True)
            lap("outcomes")
            if with_inferred:
                _mark_inferred(con, [stored(v) for v in views])
            data_redone = "none"  # which models' findings over data this run redoes: none, scope, all
            if run_data:
                # rules over data and outputs: SQL over the trained-on / generated-by edges;
                # an incremental audit whose changes reach none of them keeps their results,
                # one whose changes reach some redoes those models' paths
                data_state = _data_state(con)
                if not (incremental and store.get_meta("audit_data_state") == data_state):
                    run_data_rules(con, ctx.kb, ctx=ctx)
                    data_redone = "all"
                elif _touches_data(con):
                    scoped = can_run_scoped(con)
                    run_data_rules(con, ctx.kb, scope=data_scope_sql("_affected") if scoped else None)
                    data_redone = "scope" if scoped else "all"
                store.set_meta("audit_data_state", data_state)
                lap("data and outputs")
            # no index on finding_facts: it is written in uid order per rule row, so the zone maps
            # find one model's rows (explain) as fast
            _write_counts(con, layout, counts, replace_all=complete)
            # the views spell out the listed findings (outcome_findings, which only a full
            # audit writes) and the templates: an incremental audit that changed neither keeps them
            if not incremental or templates_changed:
                refresh_findings_view(con)
            if incremental and data_redone != "all":
                # the children whose findings changed: the re-judged models, and those whose
                # paths over data were redone
                con.execute("CREATE OR REPLACE TEMP TABLE _nc_children AS SELECT model_key FROM _affected")
                known = True  # whether this run's rows tell every such child's violations
                if data_redone == "scope":
                    con.execute(f"INSERT INTO _nc_children {data_scope_sql('_affected')}")
                    known = not con.execute("SELECT count(*) FROM (SELECT model_key FROM _nc_children EXCEPT "
                                            "SELECT model_key FROM _affected)").fetchall()[0][0]
                with _registered(con, "_violating", _violating_table(ctx, views, violating) if known else None):
                    build_noncompliant_children(store, "_nc_children", violating="_violating" if known else None)
                con.execute("DROP TABLE _nc_children")
            elif violating is not None:
                with _registered(con, "_violating", _violating_table(ctx, views, violating)):
                    build_noncompliant_children(store, violating="_violating")
            else:
                build_noncompliant_children(store)
            if complete:
                con.execute("DELETE FROM dirty_models")
                con.execute("DELETE FROM dirty_uids")
                # the rules' notes, for a later audit that finds nothing to do and answers read-only
                store.set_meta("audit_notes", json.dumps(notes, sort_keys=True))
                store.set_meta("outcome_layout", json.dumps(layout))
                store.set_meta("audit_kb", fingerprint)
            kill_point("audit-evaluated")
        kill_point("audit-committed")
        lap("counts + commit")
    finally:
        con.unregister("_duty_sources")
        con.unregister("_license_kinds")
    store.set_meta("audited_rules", ",".join(r.id for r in rules))
    return AuditRun(rules=rules, views=tuple(views), notes=notes, models=int((ctx.audited & write).sum()),
                    depth_rounds=ctx.depth_rounds, incremental=incremental, affected=affected_n,
                    timings=timer.seconds)


def _violating_table(ctx: AuditContext, views, violating: dict[str, np.ndarray]) -> pa.Table:
    """(view, uid) of the models the rules found a violation of in each view."""
    return pa.table({
        "view": pa.array([v for v in views for _ in range(int(violating[v].sum()))], pa.string()),
        "uid": pa.array(np.concatenate([ctx.uids[violating[v]] for v in views]).astype(np.int32))})


@contextmanager
def _registered(con, name: str, table: pa.Table | None):
    """`table` readable as `name` inside the block (nothing when None)."""
    if table is None:
        yield
        return
    con.register(name, table)
    try:
        yield
    finally:
        con.unregister(name)


def _data_state(con) -> str:
    """A fingerprint of what the rules over data read besides models (their licenses and
    trained-on edges change only with models an incremental audit re-judges): the
    generated-by edges and the datasets' licenses."""
    edges = con.execute(
        "SELECT count(*), coalesce(sum(hash(child_key, child_kind, parent_key, parent_id, parent_kind, relation, "
        "source, pattern, evidence, line, dangling)), 0) FROM data_edges WHERE relation <> 'trained-on'").fetchall()[0]
    licenses = con.execute(
        "SELECT count(*), coalesce(sum(hash(dataset_key, id, license, resolution, licenses, synthetic)), 0) "
        "FROM dataset_licenses").fetchall()[0]
    return ":".join(str(v) for v in (*edges, *licenses))


def _touches_data(con) -> bool:
    """Whether a model re-judged by an incremental audit (`_affected`: the changed models and
    their descendants) trained on data or generated it."""
    return bool(con.execute(
        "SELECT count(*) FROM (SELECT 1 FROM data_edges WHERE child_key IN (SELECT model_key FROM _affected) "
        "OR parent_key IN (SELECT model_key FROM _affected) LIMIT 1)").fetchall()[0][0])


def _closure(start: np.ndarray, src: np.ndarray, dst: np.ndarray, n: int) -> np.ndarray:
    """Every node reachable from `start` along edges src -> dst (start included), sorted.

    One pass over the edge arrays per level (the graph's depth): no sort of the edges,
    which cost more than the walk itself at 2M models."""
    seen = np.zeros(n, dtype=bool)
    seen[start] = True
    while True:
        hit = seen[src] & ~seen[dst]
        if not hit.any():
            break
        seen[dst[hit]] = True
    return np.flatnonzero(seen)


def _incremental_scope(store: Store) -> tuple[np.ndarray, np.ndarray]:
    """(affected, scope) uids: the models changed since the last audit and all their
    descendants; those plus all their ancestors. Over the integer edges, in NumPy."""
    con = store.con
    # dirty_uids is kept with the derived tables (licenses.normalize); a store whose
    # derived state is stale looks the changed keys up
    dirty = con.execute("SELECT uid FROM dirty_uids" if not store.derived_stale() else
                        "SELECT i.uid FROM dirty_models d JOIN model_ids i USING (model_key)").fetchnumpy()["uid"]
    edges = con.execute("SELECT child_uid, parent_uid FROM edges WHERE NOT self_loop").fetchnumpy()
    child = np.asarray(edges["child_uid"], dtype=np.int64)
    parent = np.asarray(edges["parent_uid"], dtype=np.int64)
    dirty = np.asarray(dirty, dtype=np.int64)
    n = int(max(child.max(initial=-1), parent.max(initial=-1), dirty.max(initial=-1))) + 1
    affected = _closure(dirty, parent, child, n)
    return affected, _closure(affected, child, parent, n)


def _count(combo: np.ndarray, outcomes: np.ndarray) -> np.ndarray:
    """(rows, combos, codes) counts of outcome codes by relation combination."""
    n, rows = outcomes.shape
    out = np.zeros((rows, N_COMBOS, N_CODES), dtype=np.int64)
    # (combo, code of row r, of r+1, of r+2) as one uint16: one bincount per three rows, each
    # row's counts summed out of it (2M models, 30 rows: 0.30 -> 0.15 s CPU; the pass that
    # casts the key to intp inside bincount is what a row cost)
    per_key = 3
    assert N_COMBOS * N_CODES ** per_key <= 1 << 16
    key = np.empty(n, dtype=np.uint16)
    for lo in range(0, rows, per_key):
        cols = range(lo, min(lo + per_key, rows))
        key[:] = combo
        for j in cols:
            key *= np.uint16(N_CODES)
            key += outcomes[:, j]
        m = len(cols)
        joint = np.bincount(key, minlength=N_COMBOS * N_CODES ** m).reshape((N_COMBOS,) + (N_CODES,) * m)
        for i, j in enumerate(cols):
            out[j] = joint.sum(axis=tuple(a for a in range(1, m + 1) if a != i + 1))
    out[:, :, NOT_IN_POPULATION] = 0  # not kept: outcome rows of such models are not stored
    return out


BITS_PER_CODE = 3  # outcome codes 0..6


def _pack(outcomes: np.ndarray) -> list[np.ndarray]:
    """Pack 3-bit outcome codes into as few uint64 words per model as needed."""
    per_word = 64 // BITS_PER_CODE
    n, cols = outcomes.shape
    words = [np.zeros(n, dtype=np.uint64) for _ in range(0, cols, per_word)]
    # in blocks of rows whose 64-bit temporaries stay in cache (a pass over whole 16 MB
    # columns per code cost several times more)
    block = 1 << 15
    for lo in range(0, n, block):
        hi = min(lo + block, n)
        for j in range(cols):
            word = words[j // per_word][lo:hi]
            np.bitwise_or(word, np.left_shift(outcomes[lo:hi, j], np.uint64((j % per_word) * BITS_PER_CODE),
                                              dtype=np.uint64), out=word)
    return words


def _unpack(words: list[np.ndarray], rows: int) -> np.ndarray:
    per_word = 64 // BITS_PER_CODE
    n = len(words[0]) if words else 0
    out = np.zeros((n, rows), dtype=np.uint8)
    for j in range(rows):
        word = words[j // per_word]
        out[:, j] = (word >> np.uint64((j % per_word) * BITS_PER_CODE)) & np.uint64(7)
    return out


def _append_outcomes(con, ctx: AuditContext, write: np.ndarray, combo: np.ndarray, outcomes: np.ndarray,
                     lic_codes: np.ndarray, create: bool = False) -> None:
    # Models outside every population have nothing to count; absent rows mean all zero.
    # Keyed by uid, in uid order (a model's row is found by the zone maps); `lic` is the
    # license the model was judged under, which the findings listed from here name.
    # A full audit packs the column-major matrix column by column, an incremental one its
    # few rows; a model has some outcome where a packed word is not zero (two words to test,
    # not every row's column: 2M models, 30 rows: 0.020 -> 0.006 s CPU).
    few = np.count_nonzero(write) < outcomes.shape[0] // 4
    rows = np.flatnonzero(write) if few else None
    packed = _pack(outcomes[rows]) if rows is not None else _pack(outcomes)
    some = np.zeros(len(rows) if rows is not None else len(write), dtype=bool)
    for word in packed:
        some |= word != 0
    if rows is not None:
        pos = np.flatnonzero(some)  # rows of `packed`
        idx = rows[pos]
    else:
        pos = idx = np.flatnonzero(write & some)
    uids = ctx.uids[idx]
    in_order = len(uids) < 2 or bool((uids[1:] > uids[:-1]).all())  # (a full audit's nodes are)
    if not in_order:
        order = np.argsort(uids, kind="stable")
        idx, pos = idx[order], pos[order]
    every = in_order and len(idx) == len(write)  # every row as it is: no take
    table = {"uid": pa.array(ctx.uids[idx].astype(np.int32)),
             "lic": pa.array(lic_codes[ctx.lic if every else ctx.lic[idx]]),
             "combo": pa.array((combo if every else combo[idx]).astype(np.int16))}
    for i, word in enumerate(packed):
        table[f"w{i}"] = pa.array(word if every else word[pos])
    con.register("_outcomes", pa.table(table))
    if create:
        # stored uncompressed but for uid (sorted: bit-packed for next to nothing): compressing
        # the codes and words cost about as much CPU as the rest of the insert (2M store:
        # 0.45 -> 0.25 s CPU; 20 -> 41 MiB on disk), and they are read whole or not at all
        words = "".join(f", w{i} UBIGINT USING COMPRESSION uncompressed" for i in range(len(table) - 3))
        con.execute("CREATE TABLE model_outcomes (uid INTEGER, lic SMALLINT USING COMPRESSION uncompressed, "
                    f"combo SMALLINT USING COMPRESSION uncompressed{words})")
    con.execute("INSERT INTO model_outcomes BY NAME SELECT * FROM _outcomes")
    con.unregister("_outcomes")


def _read_outcomes(con, uids_table: str, rows: int) -> tuple[np.ndarray, np.ndarray]:
    res = con.execute(
        f"SELECT * EXCLUDE (uid, lic) FROM model_outcomes WHERE uid IN (SELECT uid FROM {uids_table})"
    ).fetchnumpy()
    combo = np.asarray(res["combo"], dtype=np.int64)
    words = [np.asarray(res[k], dtype=np.uint64) for k in sorted((k for k in res if k.startswith("w")), key=lambda k: int(k[1:]))]
    return combo, _unpack(words, rows) if words else np.zeros((0, rows), dtype=np.uint8)


def _license_codes(con, ids: list[str]) -> np.ndarray:
    """Stored license code (license_codes, never renumbered) of each code of this audit's
    license table; new licenses get new codes."""
    known = dict(con.execute("SELECT license, code FROM license_codes").fetchall())
    new = [i for i in ids if i not in known]
    if new:
        start = max(known.values(), default=-1) + 1
        con.execute("INSERT INTO license_codes SELECT unnest(?::SMALLINT[]), unnest(?::VARCHAR[])",
                    [list(range(start, start + len(new))), new])
        known.update({i: start + j for j, i in enumerate(new)})
    return np.array([known[i] for i in ids], dtype=np.int16)


def _finding_kind(con, kinds: dict[tuple[str, str], tuple[int, str, str | None]], rule: Rule, row: RowResult,
                  new: list[tuple]) -> int:
    """The kind code of (rule, label), registered in finding_kinds on first use (a row added
    to `new`, for `_insert_rows`); its severity and duty kept current. `kinds`: (rule_id,
    label) -> (kind, severity, duty) as stored."""
    key, now = (rule.id, row.label), (rule.severity, row.duty or None)
    if key not in kinds:
        code = max((k for k, _, _ in kinds.values()), default=-1) + 1
        new.append((code, *key, *now))
    else:
        code = kinds[key][0]
        if kinds[key][1:] != now:
            con.execute("UPDATE finding_kinds SET severity = ?, duty = ? WHERE kind = ?", [*now, code])
    kinds[key] = (code, *now)
    return code


def _listable(rule: Rule, row: RowResult) -> bool:
    """Whether the row's findings are a pure function of the model's own license: no ancestor,
    no path, no per-model text, one severity, never possibly incomplete, and every
    noncompliant model has the noncompliant outcome code. Such findings are listed from
    model_outcomes instead of stored."""
    return (row.witness is None and row.fallback_witness is None and row.detail is None and row.warning is None
            and not (rule.marks_incomplete and not rule.view_independent)
            and not (row.noncompliant & (row.excluded >= 0)).any())


_REL_NAMES = [*RELATIONS, UNLABELLED, None]
_COUNT_COLUMNS = ["qualifying", "noncompliant", "excluded_none", "excluded_unknown", "excluded_unresolved",
                  "excluded_absent"]


def _read_counts(con, layout) -> np.ndarray:
    counts = np.zeros((len(layout), N_COMBOS, N_CODES), dtype=np.int64)
    index = {(v, r, label): i for i, (v, r, label) in enumerate(layout)}
    for view, rule_id, label, rel, hub, nonc, comp, *excl, _total in con.execute(
        """
        SELECT view, rule_id, label, relation, hub_relation, noncompliant, qualifying - noncompliant,
               excluded_none, excluded_unknown, excluded_unresolved, excluded_absent, population
        FROM rule_counts
        """
    ).fetchall():
        i = index.get((view, rule_id, label))
        if i is None:
            continue
        c = _REL_NAMES.index(rel) * 6 + _REL_NAMES.index(hub)
        counts[i, c, NONCOMPLIANT] = nonc
        counts[i, c, COMPLIANT] = comp
        for j, e in enumerate(excl):
            counts[i, c, EXCLUDED_BASE + j] = e
    return counts


def _write_counts(con, layout, counts: np.ndarray, replace_all: bool) -> None:
    out = {k: [] for k in ("view", "rule_id", "label", "relation", "hub_relation", *_COUNT_COLUMNS, "population")}
    for i, (view, rule_id, label) in enumerate(layout):
        for c in range(N_COMBOS):
            cell = counts[i, c]
            if not cell.any():
                continue
            out["view"].append(view)
            out["rule_id"].append(rule_id)
            out["label"].append(label)
            out["relation"].append(_REL_NAMES[c // 6])
            out["hub_relation"].append(_REL_NAMES[c % 6])
            out["qualifying"].append(int(cell[COMPLIANT] + cell[NONCOMPLIANT]))
            out["noncompliant"].append(int(cell[NONCOMPLIANT]))
            for j, name in enumerate(_COUNT_COLUMNS[2:]):
                out[name].append(int(cell[EXCLUDED_BASE + j]))
            out["population"].append(int(cell.sum()))
    con.register("_counts", pa.table(out))
    if replace_all:
        con.execute("DELETE FROM rule_counts")
    else:
        for view, rule_id, _ in layout:
            con.execute("DELETE FROM rule_counts WHERE view = ? AND rule_id = ?", [view, rule_id])
    con.execute("INSERT INTO rule_counts BY NAME SELECT * FROM _counts")
    con.unregister("_counts")


def _relation_index(codes: np.ndarray) -> np.ndarray:
    # 0..3 relations, 4 unlabelled (hub), -1 -> 5 no parent
    return np.where(codes < 0, 5, codes).astype(np.int64)





def _finding_facts(ctx: AuditContext, view: str, view_code: int, kind: int, rule: Rule, row: RowResult,
                   possibly_incomplete: np.ndarray, write: np.ndarray, lic_codes: np.ndarray) -> pa.Table:
    """The row's findings as finding_facts rows: integers per finding (names, licenses and
    paths are joined in on read, store.findings_view)."""
    models = np.flatnonzero(row.noncompliant & write)
    wit = find_witnesses(ctx, view, models, row.witness)
    if row.fallback_witness is not None and (wit.ancestor < 0).any():
        miss = wit.ancestor < 0
        wit = _merge_witnesses(wit, miss, find_witnesses(ctx, view, models[miss], row.fallback_witness))
    anc = wit.ancestor
    has_anc = anc >= 0
    anc_code = ctx.lic[np.maximum(anc, 0)].copy()
    if row.witness is not None and ctx.licenses_of_node:
        # an ancestor listing several licenses: name the one that imposes the duty
        for j in np.flatnonzero(has_anc & ctx.has_several[np.maximum(anc, 0)]).tolist():
            own = ctx.lic[models[j]]
            if not row.witness[own, anc_code[j]]:
                anc_code[j] = next((c for c in ctx.licenses_of_node[int(anc[j])] if row.witness[own, c]),
                                   anc_code[j])
    via = np.zeros(len(models), dtype=bool)
    for step in wit.path_nodes[1:-1] if view == "effective" else []:
        inner = (step >= 0) & (step != anc)
        via |= inner & row.noncompliant[np.maximum(step, 0)]
    flags = np.zeros(len(models), dtype=np.int8)
    if row.warning is not None:
        flags[row.warning[models]] |= WARNING_FLAG
    flags[via] |= VIA_FLAG
    if rule.marks_incomplete and not rule.view_independent:
        flags[possibly_incomplete[models]] |= INCOMPLETE_FLAG
    n = len(models)
    return pa.table({
        "view": pa.array(np.full(n, view_code, dtype=np.int8)),
        "kind": pa.array(np.full(n, kind, dtype=np.int16)),
        "uid": pa.array(ctx.uids[models].astype(np.int32)),
        "rel": pa.array((_relation_index(ctx.relation[models]) * 6 + _relation_index(ctx.hub_relation[models]))
                        .astype(np.int8)),
        "lic": pa.array(lic_codes[ctx.lic[models]]),
        "anc": pa.array(ctx.uids[np.maximum(anc, 0)].astype(np.int32), mask=~has_anc),
        "anc_lic": pa.array(lic_codes[anc_code], mask=~has_anc),
        "via": _inner_nodes(ctx, wit.path_nodes, n),
        "flags": pa.array(flags),
        "detail": pa.array(row.detail[models].tolist(), pa.string()) if row.detail is not None else pa.nulls(n, pa.string()),
    })


def _inner_nodes(ctx: AuditContext, path_nodes: list[np.ndarray], k: int) -> pa.Array:
    """Per finding, the uids strictly between the model and its ancestor on the path (null
    when there are none: a direct parent, or no ancestor)."""
    if len(path_nodes) < 3:
        return pa.nulls(k, pa.list_(pa.int32()))
    matrix = np.stack(path_nodes, axis=1)  # model first, -1 padding at the end
    lengths = (matrix >= 0).sum(axis=1)
    inner = np.maximum(lengths - 2, 0)
    cols = np.arange(matrix.shape[1])
    mask = (cols[None, :] >= 1) & (cols[None, :] < (lengths - 1)[:, None])
    values = pa.array(ctx.uids[matrix[mask]].astype(np.int32))
    offsets = pa.array(np.concatenate([[0], np.cumsum(inner)]).astype(np.int32))
    return pa.ListArray.from_arrays(offsets, values, mask=pa.array(inner == 0))





def _save_templates(rule: Rule, row: RowResult, stored: dict, changed: list[tuple]) -> None:
    """Keep the row's message and remedy templates, clause and source in finding_templates
    (`stored`: its rows by (rule_id, label)): added to `changed` (for `_insert_rows`, which
    replaces the stored row) only when they changed."""
    url, clause = rule.source
    now = (rule.id, row.label, row.message, row.remedy, clause or None, url or None, rule.view_independent)
    if stored.get((rule.id, row.label)) == now:
        return
    changed.append(now)
    stored[(rule.id, row.label)] = now


def _insert_rows(con, new_rows: dict[str, list[tuple]]) -> None:
    """Append each table's rows in one statement, in order; a template row replaces the one
    stored under its (rule_id, label)."""
    templates = new_rows["finding_templates"]
    if templates:
        con.execute("DELETE FROM finding_templates WHERE (rule_id, label) IN (SELECT unnest(?), unnest(?))",
                    [[t[0] for t in templates], [t[1] for t in templates]])
    for table, rows in new_rows.items():
        if rows:
            row = "(" + ", ".join("?" * len(rows[0])) + ")"
            con.execute(f"INSERT INTO {table} SELECT * FROM (VALUES {', '.join([row] * len(rows))})",
                        [value for r in rows for value in r])


def _mark_inferred(con, views: list[str]) -> None:
    """Give each finding of `views` (audited over inferred edges) the evidence of the
    inferred edges it rests on: those along its path to the ancestor, or, for a finding
    with no path that the declared view does not have, the model's own inferred parents."""
    codes = [ALL_VIEWS.index(v) for v in views]
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _inf_ev AS
        SELECT ci.uid AS child, pi.uid AS parent, e.parent_key,
               'inferred ' || child_id || ' -> ' || parent_id || ' (' || relation || ') from ' || source
               || ': ' || pattern || coalesce(': "' || matched || '"', '')
               || coalesce(' [line ' || line || ']', '') AS text
        FROM inferred_edges e JOIN model_ids ci ON ci.model_key = e.child_key
        JOIN model_ids pi ON pi.model_key = e.parent_key
        WHERE used
        """
    )
    con.execute(
        """
        UPDATE finding_facts SET inferred_evidence = x.evidence
        FROM (
          SELECT rid, string_agg(text, '; ' ORDER BY step) AS evidence
          FROM (
            SELECT f.rid, s.step, e.text
            FROM (SELECT rowid AS rid, list_concat([uid], coalesce(via, []), [anc]) AS path FROM finding_facts
                  WHERE view IN (SELECT unnest($views::TINYINT[])) AND anc IS NOT NULL) f,
                 LATERAL (SELECT unnest(range(1, len(f.path))) AS step) s
            JOIN _inf_ev e ON e.child = f.path[s.step] AND e.parent = f.path[s.step + 1]
          ) GROUP BY rid
        ) x
        WHERE finding_facts.rowid = x.rid
        """,
        {"views": codes},
    )
    listed = listed_facts_sql(con)
    declared = "SELECT view, kind, uid FROM finding_facts" + (
        f" UNION ALL SELECT view, kind, uid FROM ({listed})" if listed else "")
    con.execute(
        f"""
        UPDATE finding_facts SET inferred_evidence = x.evidence
        FROM (
          SELECT f.rowid AS rid, string_agg(e.text, '; ' ORDER BY e.parent_key) AS evidence
          FROM finding_facts f JOIN _inf_ev e ON e.child = f.uid
          WHERE f.view IN (SELECT unnest($views::TINYINT[])) AND f.inferred_evidence IS NULL
            AND NOT EXISTS (SELECT 1 FROM ({declared}) d
                            WHERE d.view = f.view - {len(VIEWS)} AND d.kind = f.kind AND d.uid = f.uid)
          GROUP BY f.rowid
        ) x
        WHERE finding_facts.rowid = x.rid
        """,
        {"views": codes},
    )
    con.execute("DROP TABLE _inf_ev")


