"""What a rule is, and the shared shape most rules take.

A rule evaluates, for one view, one or more table rows (the Llama rules report Llama 2
and Llama 3 separately). Each row gives, per model: whether it qualifies (the
denominator), why it was left out when a license the decision needs is not known, and
whether it is noncompliant. Rules describe their duty as a predicate over (the model's
license, an upstream license), which the engine also uses to find the ancestor that
imposes the duty and the path to it.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from licensegraph.licenses.fingerprint import kb_fingerprint
from licensegraph.licenses.kb import Duty, KnowledgeBase, License
from licensegraph.rules.context import AuditContext
from licensegraph.vocab import STUDY_LABELS, UNDECIDABLE


def rule_clauses(kb: KnowledgeBase, source: tuple[str, str],
                 wanted: Callable[[License, Duty], bool]) -> list[tuple[str, str, str]]:
    """(license id, clause, source URL): the rule's own `source` (url, clause) if any, then
    each duty `wanted(license, duty)` accepts of the knowledge base's concrete licenses."""
    out = []
    if any(source):
        out.append(("", source[1], source[0]))
    for lic in kb:
        if lic.is_family or lic.is_special:
            continue
        out.extend((lic.id, d.source.clause, d.source.url) for d in lic.duties if wanted(lic, d))
    return list(dict.fromkeys(out))


@dataclass
class RowResult:
    label: str
    qualifying: np.ndarray  # bool[n]
    noncompliant: np.ndarray  # bool[n], subset of qualifying
    excluded: np.ndarray  # int8[n]: index into UNDECIDABLE, -1 when not excluded
    duty: str  # the duty kind the rule enforces (for clause lookup)
    witness: np.ndarray | None  # bool[codes, codes]: does upstream license u impose it on own license c
    # SQL expressions over a finding's columns: model_id, model_license, ancestor_id,
    # ancestor_license, detail, model_work_kind and ancestor_card (the card lines that declare
    # the ancestor's license), see store.findings_view
    message: str
    remedy: str
    warning: np.ndarray | None = None  # bool[n]: findings that are warnings, not violations
    detail: np.ndarray | None = None  # object[n]: per-model text the message may use
    # bool[codes, codes]: where `witness` finds no ancestor for a finding (a merge
    # co-parent's finding), the ancestor and path are searched with this instead.
    fallback_witness: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)


class Rule:
    id: str = ""
    labels: tuple[str, ...] = ()
    severity: str = "violation"
    order: int = 100  # position in the study table (rules.md order)
    in_study: bool = True
    applies_to: str = ""  # one line for docs and reports
    needs_child_license: bool = True
    # True when the outcome cannot differ between the edge-local and effective views
    # (e.g. license-mismatch looks at the model's own license only): findings are stored
    # once and the `findings` view shows them under both views.
    view_independent: bool = False
    # Whether a finding can be "possibly incomplete" (a license upstream unresolved): not for
    # rules that read only the model's own license, nor for license-unresolved itself.
    marks_incomplete: bool = True
    # Where the rule's duty is written, when no ancestor license supplies it.
    source: tuple[str, str] = ("", "")
    # The model-card field a finding points at (SARIF's region, check's fix):
    # license, base_model or model_name.
    card_field: str = "license"
    # The knowledge-base duty kinds the rule enforces: the clauses it rests on are these
    # duties' sources in the licenses that carry them.
    duties: tuple[str, ...] = ()
    # Only duties with these tags count (empty: every tag), e.g. "cc" for CC's no-further-restrictions.
    duty_tags: tuple[str, ...] = ()

    @property
    def help(self) -> str:
        """The rule's help text: its module's description (what it checks, why, which clauses)."""
        module = sys.modules.get(type(self).__module__)
        return inspect.cleandoc(module.__doc__ or "") if module is not None else ""

    def table_position(self, label: str) -> tuple[int, int, str]:
        """Where a row of this rule sits in the audit table: the study's rows in the study's
        order (vocab.STUDY_LABELS), then the other rules in catalogue order."""
        if label in STUDY_LABELS:
            return (0, STUDY_LABELS.index(label), "")
        return (1, self.order, label)

    def clauses(self, kb: KnowledgeBase) -> list[tuple[str, str, str]]:
        """(license id, clause, source URL) for every knowledge-base license that carries one of
        the rule's duties, plus the rule's own source; the clauses the rule rests on."""
        return rule_clauses(kb, self.source, lambda lic, d: d.kind in self.duties
                            and (not self.duty_tags or d.tag in self.duty_tags))

    def evaluate(self, ctx: AuditContext, view: str) -> list[RowResult]:
        raise NotImplementedError


def pair_matrix(ctx: AuditContext, fn, where=None, key=None) -> np.ndarray:
    """bool[c, u] = fn(license c, license u) over knowledge-base licenses (None for absent).

    `where(u)` is a cheap upstream-only precondition that skips most columns; `key`
    memoizes the matrix on the context so both views share it."""
    def build():
        lics = ctx.table.licenses
        m = np.zeros((len(lics), len(lics)), dtype=bool)
        for j, u in enumerate(lics):
            if u is None or (where is not None and not where(u)):
                continue
            for i, c in enumerate(lics):
                m[i, j] = bool(fn(c, u))
        return m

    return ctx.cached(("pair", key), lambda: _kept(ctx, repr(key), build)) if key else build()


@functools.cache
def _code_digest() -> str:
    """A digest of the code that decides pair matrices (the rules and the license facts'
    functions): a kept matrix is used only by the code that built it."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted([*root.glob("rules/*.py"), *root.glob("licenses/*.py")]):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


#: Pair matrices this process built, by (knowledge-base and code fingerprint, key): a process
#: that audits several stores (`check` of several cards, each in a store of its own; a test
#: run) builds each once. Packed bits, unpacked into a fresh array per use.
_BUILT_HERE: dict[tuple[str, str], bytes] = {}


def _kept(ctx: AuditContext, key: str, build: Callable[[], np.ndarray]) -> np.ndarray:
    """A pair matrix from the store's `kb_matrices` (a function of the knowledge base and the
    code alone, so the next audit need not rebuild it: hundreds of thousands of Python calls);
    on a miss, taken from `_BUILT_HERE` or the user cache (`_cached_matrix`), else built, and
    kept in the store (inside the audit's transaction)."""
    n = len(ctx.table)
    found = kept_blob(ctx, key)
    if found is None:
        fingerprint = _kb_code_fingerprint(ctx)
        found = _BUILT_HERE.get((fingerprint, key))
        if found is None:
            found = _cached_matrix(fingerprint, key, (n * n + 7) // 8)
        if found is None:
            found = np.packbits(build()).tobytes()
            _cache_matrix(fingerprint, key, found)
        _BUILT_HERE[(fingerprint, key)] = found
        keep_blob(ctx, key, found)
    return np.unpackbits(np.frombuffer(found, dtype=np.uint8), count=n * n).reshape(n, n).astype(bool)


def _matrix_file(fingerprint: str, key: str) -> Path:
    import platformdirs

    name = hashlib.sha256(f"{fingerprint}\0{key}".encode()).hexdigest()[:24]
    return Path(platformdirs.user_cache_dir("licensegraph")) / "pair-matrices" / f"{name}.bits"


def _cached_matrix(fingerprint: str, key: str, size: int) -> bytes | None:
    """A pair matrix kept in the user cache (beside the knowledge base's pickle) by an earlier
    process, when it is of the expected size: a process that audits a new store (`check`, an
    audit of a fresh store) would otherwise build all of them (~0.2 s CPU)."""
    try:
        found = _matrix_file(fingerprint, key).read_bytes()
    except OSError:
        return None
    return found if len(found) == size else None


def _cache_matrix(fingerprint: str, key: str, bits: bytes) -> None:
    path = _matrix_file(fingerprint, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")  # concurrent first runs must not share it
        tmp.write_bytes(bits)
        tmp.replace(path)
    except OSError:  # a read-only home: do without the cache
        pass


def _kb_code_fingerprint(ctx: AuditContext) -> str:
    return ctx.cached("kb-code-fingerprint", lambda: f"{kb_fingerprint(ctx.kb)}:{_code_digest()}:{len(ctx.table)}")


def _kept_blobs(ctx: AuditContext) -> dict[str, bytes]:
    """Everything kept in `kb_matrices` for this knowledge base and code, read in one query
    per audit (a query per matrix: ~20 statements of every audit)."""
    return ctx.cached("kept-blobs", lambda: dict(ctx.store.con.execute(
        "SELECT key, bits FROM kb_matrices WHERE fingerprint = ?", [_kb_code_fingerprint(ctx)]).fetchall()))


def kept_blob(ctx: AuditContext, key: str) -> bytes | None:
    """What `keep_blob` kept under `key` for this knowledge base and code, if anything."""
    return _kept_blobs(ctx).get(key)


def keep_blob(ctx: AuditContext, key: str, value: bytes) -> None:
    """Keep `value`, a function of the knowledge base and the code alone, in `kb_matrices`
    for later audits (dropping what other versions kept); not in a read-only store, nor in
    one held in memory (`check`'s temporary store: gone when the check ends)."""
    if ctx.store.read_only or str(ctx.store.path) == ":memory:":
        return
    con, fingerprint = ctx.store.con, _kb_code_fingerprint(ctx)
    con.execute("DELETE FROM kb_matrices WHERE fingerprint <> ? OR key = ?", [fingerprint, key])
    con.execute("INSERT INTO kb_matrices VALUES (?, ?, ?)", [fingerprint, key, value])
    _kept_blobs(ctx)[key] = value


def upstream_matrix(ctx: AuditContext, fn) -> np.ndarray:
    """bool[c, u] = fn(license u), the same for every own license c."""
    row = ctx.table.vector(fn)
    return np.broadcast_to(row, (len(row), len(row))).copy()


def is_undecidable(ctx: AuditContext, codes: np.ndarray) -> np.ndarray:
    """bool per code: an undecidable license (none, unknown, unresolved, absent). For the
    models' own licenses (`ctx.lic`), computed once per context (every rule asks); read only."""
    by_code = ctx.cached("undecidable-codes", lambda: np.isin(np.arange(len(ctx.table)),
                                                              [ctx.table.code[x] for x in UNDECIDABLE]))
    if codes is ctx.lic:
        return ctx.cached("own-undecidable", lambda: by_code[ctx.lic])
    return by_code[codes]


def derivative_row(
    ctx: AuditContext,
    view: str,
    label: str,
    qualifies: np.ndarray,
    violates: np.ndarray,
    duty: str,
    message: str,
    remedy: str,
    needs_child_license: bool = True,
    among: np.ndarray | None = None,
    extra_violation: np.ndarray | None = None,
) -> RowResult:
    """The common rule shape: among audited derivatives, those with an upstream license u
    for which qualifies[own, u] holds form the population; violates[own, u] (or
    `extra_violation`) makes them noncompliant."""
    base = ctx.audited & ctx.is_derivative if among is None else among
    population = base & ctx.exists_pair(view, qualifies)
    noncompliant = population & ctx.exists_pair(view, violates)
    if extra_violation is not None:
        noncompliant |= population & extra_violation
    own_bad = is_undecidable(ctx, ctx.lic)
    upstream_reason = ctx.undecidable_reason(view, include_self=False)
    own_reason = ctx.undecidable_reason(view, include_self=True)
    excluded = np.full(ctx.n, -1, dtype=np.int8)
    # (np.copyto with where: a masked assignment of many models costs several times more)
    if needs_child_license:
        np.copyto(excluded, own_reason, where=population & own_bad)
    # Might qualify through an upstream license nobody knows.
    np.copyto(excluded, upstream_reason, where=base & ~population & (upstream_reason >= 0))
    qualifying = population & (excluded < 0)
    return RowResult(
        label=label,
        qualifying=qualifying,
        noncompliant=noncompliant & qualifying,
        excluded=excluded,
        duty=duty,
        witness=violates,
        message=message,
        remedy=remedy,
    )
