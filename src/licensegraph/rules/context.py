"""The arrays every rule reads: models, their licenses, and the licenses upstream of them.

Upstream license sets are bitsets over license codes, one row per model: `parent_bits`
(direct parents, the edge-local view) and `ancestor_bits` (every ancestor, transitively,
whatever intermediate models declared: the effective view). Both are computed with NumPy
over the edge arrays; no Python loop runs per model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from licensegraph.licenses.kb import KnowledgeBase, License, load_kb
from licensegraph.store.db import Store
from licensegraph.store.ids import assign_ids, next_uid
from licensegraph.vocab import RELATIONS, UNDECIDABLE, UNLABELLED


@dataclass
class LicenseTable:
    """Knowledge-base facts as arrays indexed by license code."""

    ids: list[str]
    licenses: list[License | None]  # None for `absent`
    code: dict[str, int]

    @classmethod
    def build(cls, kb: KnowledgeBase) -> LicenseTable:
        ids = [i for i in kb.licenses if i not in UNDECIDABLE] + list(UNDECIDABLE)
        licenses = [kb.effective(i) if i in kb else None for i in ids]
        return cls(ids=ids, licenses=licenses, code={i: n for n, i in enumerate(ids)})

    def __len__(self) -> int:
        return len(self.ids)

    def vector(self, fn, dtype=bool) -> np.ndarray:
        """fn(License) for every code (False/0 for `absent`)."""
        return np.array([fn(lic) if lic is not None else dtype() for lic in self.licenses], dtype=dtype)

    def mask(self, fn) -> np.ndarray:
        """A bitset (uint64 words) of the license codes for which fn(License) holds."""
        return bits_of(np.flatnonzero(self.vector(fn)), self.words)

    @property
    def words(self) -> int:
        return (len(self.ids) + 63) // 64


def any_and(bits: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """bool[n]: row i of `bits` (n x words) shares a bit with `mask`, one mask (words)
    for every row or one per row (n x words).

    Word by word on column-major bits: far cheaper than `(bits & mask).any(axis=1)`."""
    acc = bits[:, 0] & mask[..., 0]
    for w in range(1, bits.shape[1]):
        acc |= bits[:, w] & mask[..., w]
    return acc != 0


def bits_of(codes: np.ndarray, words: int) -> np.ndarray:
    out = np.zeros(words, dtype=np.uint64)
    for c in np.asarray(codes).tolist():
        out[c // 64] |= np.uint64(1) << np.uint64(c % 64)
    return out


def bits_rows(matrix: np.ndarray, words: int) -> np.ndarray:
    """bits_of each row of a bool matrix (rows x codes) at once: rows x words."""
    rows, codes = matrix.shape
    padded = np.zeros((rows, words * 64), dtype=np.uint64)
    padded[:, :codes] = matrix
    # distinct powers of two: their sum is their OR
    return (padded.reshape(rows, words, 64) << np.arange(64, dtype=np.uint64)).sum(axis=2, dtype=np.uint64)


def _by_child_then_hash(child: np.ndarray, parent_hash: np.ndarray) -> np.ndarray:
    """np.lexsort((parent_hash, child)): the order by child, ties by the parent's hash,
    then as given; the hashes sorted only within the children with several parents (a
    lexsort of every edge cost more than the rest of the load)."""
    order = np.argsort(child, kind="stable")
    kids = child[order]
    several = np.zeros(len(kids), dtype=bool)
    several[1:] = kids[1:] == kids[:-1]
    several[:-1] |= several[1:]
    at = np.flatnonzero(several)  # positions of every edge of a child with several parents
    if len(at):
        sub = order[at]
        order[at] = sub[np.lexsort((parent_hash[sub], child[sub]))]
    return order


def _positions(uids: np.ndarray, want: np.ndarray) -> np.ndarray:
    """Per wanted uid, its row in `uids` (distinct), or -1."""
    if len(uids) == 0:
        return np.full(len(want), -1, dtype=np.int64)
    order = np.argsort(uids, kind="stable")
    at = np.minimum(np.searchsorted(uids[order], want), len(uids) - 1)
    return np.where(uids[order][at] == want, order[at], -1)


class AuditContext:
    """Everything the rules need, loaded once from the store."""

    def __init__(self, store: Store, kb: KnowledgeBase | None = None, scope: np.ndarray | None = None,
                 with_inferred: bool = False):
        """`scope`: the sorted uids to restrict the graph to (an incremental audit's
        affected models plus all their ancestors); None loads every model.
        `with_inferred`: the graph holds the inferred edges in use beside the declared ones."""
        self.store = store
        self.with_inferred = with_inferred
        self.kb = kb or load_kb()
        self.table = LicenseTable.build(self.kb)
        self.scope = scope
        self._load()
        self._propagate()

    # -- loading ------------------------------------------------------------------
    def _load(self) -> None:
        """Nodes are numbered by their integer ids (store.ids): node i is uid `uids[i]`. The
        graph is read as integers; no join on model keys (names are read only to print)."""
        con = self.store.con
        unresolved = self.table.code["other-unresolved"]
        if self.with_inferred:  # parents found by discovery may be new to model_ids
            assign_ids(con, "SELECT parent_key FROM inferred_edges WHERE used")
        n_all = max(next_uid(con), int(con.execute("SELECT coalesce(max(uid) + 1, 0) FROM model_ids").fetchall()[0][0]))
        self.uids = np.arange(n_all, dtype=np.int64) if self.scope is None else np.asarray(self.scope, np.int64)
        self.n = len(self.uids)
        in_scope = ""
        if self.scope is not None:
            con.register("_scope_uids", pa.table({"uid": pa.array(self.uids, pa.int32())}))
            in_scope = "WHERE m.uid IN (SELECT uid FROM _scope_uids)"
        con.register("_codes", pa.table({"license": self.table.ids, "code": list(range(len(self.table)))}))
        try:
            nodes = con.sql(
                f"""
                SELECT m.uid, coalesce(c.code, {unresolved})::SMALLINT AS code, m.deleted, m.has_record,
                       len(m.licenses) > 1 AS several
                FROM model_licenses m LEFT JOIN _codes c ON c.license = m.license {in_scope}
                """
            ).fetchnumpy()
            # A model that declares several licenses carries all of them (licenses.normalize
            # .resolve_all): `lic` holds the one it is judged under, these the others too.
            extra = con.sql(
                f"""
                SELECT l.uid, coalesce(c.code, {unresolved})::SMALLINT AS code
                FROM (SELECT uid, unnest(licenses) AS license FROM model_licenses m
                      WHERE len(licenses) > 1 {in_scope.replace("WHERE", "AND")}) l
                LEFT JOIN _codes c ON c.license = l.license
                """
            ).fetchnumpy()
        finally:
            con.unregister("_codes")
        at = self.index_of_uid(np.asarray(nodes["uid"], dtype=np.int64))
        # nodes without a model_licenses row are parents that are not stored (dangling)
        self.lic = np.full(self.n, self.table.code["absent"], dtype=np.int32)
        self.lic[at] = np.asarray(nodes["code"], dtype=np.int32)
        self.deleted = np.zeros(self.n, dtype=bool)
        self.deleted[at] = np.asarray(nodes["deleted"], dtype=bool)
        self.has_record = np.zeros(self.n, dtype=bool)
        self.has_record[at] = np.asarray(nodes["has_record"], dtype=bool)
        extra_idx = self.index_of_uid(np.asarray(extra["uid"], dtype=np.int64))
        # in the order the old string-keyed load gave them: by node, then as listed
        order = np.argsort(extra_idx, kind="stable")
        self.extra_idx = extra_idx[order]
        self.extra_code = np.asarray(extra["code"], dtype=np.int64)[order]
        self.licenses_of_node: dict[int, list[int]] = {}  # only models listing several licenses
        for node, code in zip(self.extra_idx.tolist(), self.extra_code.tolist()):
            self.licenses_of_node.setdefault(node, []).append(code)
        self._ids: pa.Array | None = None
        self._keys: pa.Array | None = None
        self._cache: dict = {}
        rel_names = (*RELATIONS, UNLABELLED)
        self.relation_names = rel_names
        code_sql = lambda col: "CASE " + " ".join(  # noqa: E731
            f"WHEN {col} = '{r}' THEN {i}" for i, r in enumerate(rel_names[:4])) + " ELSE 4 END"
        inferred = ""
        if self.with_inferred:
            inferred = f"""
                UNION ALL
                SELECT ci.uid, pi.uid, ({code_sql('e.relation')})::TINYINT, 4::TINYINT, hash(e.parent_key)
                FROM inferred_edges e JOIN model_ids ci ON ci.model_key = e.child_key
                JOIN model_ids pi ON pi.model_key = e.parent_key WHERE e.used"""
        # Ties (which edge comes first, which ancestor is reached first) are broken by a
        # hash of the parent's key, so that full and incremental audits agree. A scope's
        # edges are chosen in SQL: relation codes and hashes only for those.
        scoped = "AND child_uid IN (SELECT uid FROM _scope_uids)" if self.scope is not None else ""
        edges = con.sql(
            f"""
            SELECT child_uid AS child, parent_uid AS parent,
                   ({code_sql('relation')})::TINYINT AS relation,
                   ({code_sql("replace(hub_relation, 'quantized', 'quantization')")})::TINYINT AS hub_relation,
                   hash(parent_key) AS parent_hash
            FROM edges WHERE NOT self_loop {scoped} {inferred}
            """
        ).fetchnumpy()
        child = np.asarray(edges["child"], dtype=np.int64)
        keep = np.ones(len(child), dtype=bool)
        if self.scope is not None:  # the scope holds every ancestor of the models in it
            keep = self.contains_uid(child)
        child = self.index_of_uid(child[keep])
        parent = self.index_of_uid(np.asarray(edges["parent"], dtype=np.int64)[keep])
        by_child = _by_child_then_hash(child, np.asarray(edges["parent_hash"])[keep])
        self.child = child[by_child]
        self.parent = parent[by_child]
        self.edge_relation = np.asarray(edges["relation"], dtype=np.int8)[keep][by_child]
        self.edge_hub = np.asarray(edges["hub_relation"], dtype=np.int8)[keep][by_child]
        # the edge that names a model's relation: its first parent in that order
        self.edge_first = np.ones(len(self.child), dtype=bool)
        self.edge_first[1:] = self.child[1:] != self.child[:-1]
        self.indptr = np.concatenate([[0], np.cumsum(np.bincount(self.child, minlength=self.n))])
        rel_code = {r: i for i, r in enumerate(rel_names)}
        self.n_parents = np.bincount(self.child, minlength=self.n)
        self.is_derivative = self.n_parents > 0
        # A model's relation to its parents: merge if any edge says merge, else its first edge's.
        self.relation = self._model_relation(self.edge_relation)
        self.hub_relation = self._model_relation(self.edge_hub)
        self.is_merge = self.relation == rel_code["merge"]
        # Models without a Hub record (lineage rows only, dangling parents) are graph
        # nodes but have no declared license to judge; deleted models are off the Hub.
        self.audited = ~self.deleted & self.has_record
        if self.scope is not None:
            con.unregister("_scope_uids")

    def index_of_uid(self, uids: np.ndarray) -> np.ndarray:
        """Node numbers of uids (which must be nodes of this context)."""
        if self.scope is None:
            return np.asarray(uids, dtype=np.int64)
        return np.searchsorted(self.uids, uids).astype(np.int64)

    def contains_uid(self, uids: np.ndarray) -> np.ndarray:
        at = np.minimum(np.searchsorted(self.uids, uids), max(self.n - 1, 0))
        return (self.uids[at] == uids) if self.n else np.zeros(len(uids), dtype=bool)

    def _names(self, sql: str) -> pa.Array:
        """A string per node from `sql` (uid, text), null where it has none."""
        con = self.store.con
        if self.scope is not None:  # only the scope's names, not the store's
            con.register("_name_uids", pa.table({"uid": pa.array(self.uids, pa.int32())}))
            try:
                table = con.sql(f"SELECT * FROM ({sql}) n WHERE n.uid IN (SELECT uid FROM _name_uids)").to_arrow_table()
            finally:
                con.unregister("_name_uids")
        else:
            table = con.sql(sql).to_arrow_table()
        uids = table.column(0).to_numpy().astype(np.int64)
        ok = self.contains_uid(uids)
        src = np.full(self.n, -1, dtype=np.int64)
        src[self.index_of_uid(uids[ok])] = np.flatnonzero(ok)
        return table.column(1).combine_chunks().take(pa.array(src, pa.int64(), mask=src < 0))

    @property
    def ids(self) -> pa.Array:
        """Display ids per node (looked up only to print them)."""
        if self._ids is None:
            inferred = (" UNION ALL SELECT pi.uid, e.parent_id FROM inferred_edges e JOIN model_ids pi "
                        "ON pi.model_key = e.parent_key WHERE e.used AND e.dangling") if self.with_inferred else ""
            self._ids = self._names(
                "SELECT uid, id FROM model_licenses UNION ALL SELECT uid, any_value(id) FROM ("
                f"SELECT parent_uid AS uid, parent_id AS id FROM edges WHERE dangling {inferred}) GROUP BY uid")
        return self._ids

    @property
    def keys(self) -> pa.Array:
        """Model keys per node."""
        if self._keys is None:
            self._keys = self._names("SELECT uid, model_key FROM model_ids")
        return self._keys

    def _model_relation(self, edge_rel: np.ndarray) -> np.ndarray:
        rel = np.full(self.n, -1, dtype=np.int8)
        if len(self.child):
            first = self.edge_first
            rel[self.child[first]] = edge_rel[first]
            merge = np.bincount(self.child, weights=edge_rel == 3, minlength=self.n) > 0  # (ufunc.at is slow)
            rel[merge] = 3
        return rel

    # -- propagation ----------------------------------------------------------------
    def _propagate(self) -> None:
        words = self.table.words
        own = np.zeros((self.n, words), dtype=np.uint64)
        word = self.lic // 64
        own[np.arange(self.n), word] = np.left_shift(np.uint64(1), (self.lic % 64).astype(np.uint64))
        if len(self.extra_idx):  # every declared license travels downstream
            np.bitwise_or.at(own, (self.extra_idx, self.extra_code // 64),
                             np.left_shift(np.uint64(1), (self.extra_code % 64).astype(np.uint64)))
        self.has_several = np.zeros(self.n, dtype=bool)
        self.has_several[self.extra_idx] = True
        self.own_bits = own
        self.parent_bits = np.asfortranarray(self.gather_parents(own))
        # Ancestors: the OR over every parent of (its own | its ancestors'), i.e. over the
        # parents of the closure of `own` (self included); cycles included, as OR is monotone.
        closure, self.depth_rounds = self.closure_or(own)
        self.ancestor_bits = np.asfortranarray(self.gather_parents(closure))

    def gather_parents(self, values: np.ndarray) -> np.ndarray:
        """Per node, the OR of `values` (n, or n x words; bool flags: whether some parent is
        flagged) over its parents (0 without any).
        Edges are sorted by child: each child's run of parent rows ORed with reduceat, far
        cheaper than an unbuffered np.bitwise_or.at."""
        out = np.zeros(values.shape, dtype=values.dtype)
        if len(self.child):
            starts = self.cached("edge-starts", lambda: np.flatnonzero(self.edge_first))
            out[self.child[starts]] = np.bitwise_or.reduceat(values[self.parent], starts, axis=0)
        return out

    def closure_or(self, values: np.ndarray) -> tuple[np.ndarray, int]:
        """(per node, the OR of `values` (n, or n x words) over itself and every ancestor;
        rounds taken). Each round reads only the edges whose parent changed in the last one:
        after the first few rounds, a few deep chains."""
        out = values.copy()
        rounds = 0
        active = np.arange(len(self.child))  # edges to read this round (sorted: by child)
        while len(active):
            rounds += 1
            child = self.child[active]
            starts = np.flatnonzero(np.r_[True, child[1:] != child[:-1]])
            heads = child[starts]
            new = out[heads] | np.bitwise_or.reduceat(out[self.parent[active]], starts, axis=0)
            grew = new != out[heads]
            if grew.ndim > 1:
                grew = grew.any(axis=1)
            if not grew.any():
                break
            out[heads[grew]] = new[grew]
            changed = np.zeros(self.n, dtype=bool)
            changed[heads[grew]] = True
            active = np.flatnonzero(changed[self.parent])
        return out, rounds

    # -- queries the rules use ---------------------------------------------------------
    @property
    def present_codes(self) -> np.ndarray:
        """The license codes some model of the context carries (sorted): all that rules
        look up in license-by-license matrices."""
        return self.cached("present-codes", lambda: np.unique(np.concatenate([self.lic, self.extra_code])))

    def upstream(self, view: str) -> np.ndarray:
        return self.parent_bits if view == "local" else self.ancestor_bits

    @property
    def derived(self) -> np.ndarray:
        """The nodes with a parent (sorted): the only ones with upstream licenses, since every
        node carries a license code (`absent` for a parent with no row). A quarter of the
        nodes at Hub scale: upstream tests run over these only."""
        return self.cached("derived", lambda: np.flatnonzero(self.n_parents > 0))

    def upstream_of_derived(self, view: str) -> np.ndarray:
        """`upstream(view)` at the `derived` nodes' rows (column-major)."""
        return self.cached(("upstream-derived", view), lambda: np.asfortranarray(self.upstream(view)[self.derived]))

    def has_any(self, view: str, mask: np.ndarray) -> np.ndarray:
        """bool[n]: some upstream license (in the view) is in `mask`."""
        out = np.zeros(self.n, dtype=bool)
        out[self.derived] = any_and(self.upstream_of_derived(view), mask)
        return out

    def exists_pair(self, view: str, pred: np.ndarray) -> np.ndarray:
        """bool[n]: some upstream license u has pred[own license, u] (pred: codes x codes)."""
        words = self.table.words
        bits = self.upstream_of_derived(view)
        # Only models with some upstream license in pred's columns can match.
        cand = np.flatnonzero(any_and(bits, bits_of(np.flatnonzero(pred.any(axis=0)), words)))
        out = np.zeros(self.n, dtype=bool)
        if len(cand):
            masks = bits_rows(pred, words)  # codes x words
            nodes = self.derived[cand]
            out[nodes] = any_and(bits[cand], masks[self.lic[nodes]])
        return out

    def cached(self, key, factory):
        """Per-context memo for values both views share (pair matrices, name checks)."""
        if key not in self._cache:
            self._cache[key] = factory()
        return self._cache[key]

    def index_of(self, model_id: str) -> int:
        import pyarrow.compute as pc  # not at import: an audit that never looks a model up by name needs none

        found = pc.index(self.keys, model_id.lower()).as_py()
        if found < 0:
            raise KeyError(model_id)
        return found

    def ids_at(self, indices: np.ndarray) -> list[str]:
        return self.names_at(indices).to_pylist()

    def names_at(self, indices: np.ndarray) -> pa.Array:
        """Display ids of some nodes. Looked up for just those unless every id is loaded
        already (`ids`: two million strings, which most audits never need)."""
        indices = np.asarray(indices, dtype=np.int64)
        if self._ids is not None:
            return self.ids.take(indices)
        if len(indices) == 0:
            return pa.array([], pa.string())
        if self.scope is not None:
            # an incremental audit's few nodes: every name in one look-up (each costs a
            # scan of the models, however few it names, and the rules make a dozen)
            if "scope-names" not in self._cache:
                self._cache["scope-names"] = self._look_up_names(np.arange(self.n, dtype=np.int64))
            return self._cache["scope-names"].take(pa.array(indices))
        return self._look_up_names(indices)

    def _look_up_names(self, indices: np.ndarray) -> pa.Array:
        con = self.store.con
        want = self.uids[indices]
        con.register("_want_ids", pa.table({"uid": pa.array(want.astype(np.int32))}))
        try:
            # a semi-join: the scan reads `id` only for the rows whose uid matched (a join
            # ordered by the wanted positions read every row's, ~1.5x the time)
            stored = con.sql("SELECT uid, id FROM model_licenses WHERE uid IN (SELECT uid FROM _want_ids)"
                             ).to_arrow_table()
        finally:
            con.unregister("_want_ids")
        dangling_uids, dangling_ids = self.cached("dangling-names", self._dangling_names)
        # as `ids`: a dangling parent's name wins over a stored row of the same uid
        src = np.full(len(want), -1, dtype=np.int64)
        stored_at = _positions(stored.column(0).to_numpy().astype(np.int64), want)
        src[stored_at >= 0] = stored_at[stored_at >= 0]
        dangling_at = _positions(dangling_uids, want)
        src[dangling_at >= 0] = stored.num_rows + dangling_at[dangling_at >= 0]
        names = pa.concat_arrays([stored.column(1).combine_chunks(), dangling_ids])
        return names.take(pa.array(src, pa.int64(), mask=src < 0))

    def _dangling_names(self) -> tuple[np.ndarray, pa.Array]:
        """(uid, id) of the parents that are not stored, read once (a few thousand)."""
        inferred = (" UNION ALL SELECT pi.uid, e.parent_id FROM inferred_edges e JOIN model_ids pi "
                    "ON pi.model_key = e.parent_key WHERE e.used AND e.dangling") if self.with_inferred else ""
        table = self.store.con.sql(
            "SELECT uid, any_value(id) AS id FROM (SELECT parent_uid AS uid, parent_id AS id FROM edges "
            f"WHERE dangling {inferred}) GROUP BY uid").to_arrow_table()
        return table.column(0).to_numpy().astype(np.int64), table.column(1).combine_chunks()

    def undecidable_reason(self, view: str, include_self: bool) -> np.ndarray:
        """Per model, the first undecidable license among its own (if include_self) and
        its upstream ones, as an index into UNDECIDABLE, or -1."""
        return self.cached(("undecidable", view, include_self), lambda: self._undecidable(view, include_self))

    def _undecidable(self, view: str, include_self: bool) -> np.ndarray:
        reason = np.full(self.n, -1, dtype=np.int8)
        bits = self.upstream_of_derived(view)
        for i, name in reversed(list(enumerate(UNDECIDABLE))):
            code = self.table.code[name]
            up = (bits[:, code // 64] >> np.uint64(code % 64)) & np.uint64(1)
            reason[self.derived[up.astype(bool)]] = i
        if include_self:
            for i, name in reversed(list(enumerate(UNDECIDABLE))):
                reason[self.lic == self.table.code[name]] = i
        return reason

