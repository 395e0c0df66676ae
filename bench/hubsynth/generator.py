"""A synthetic Hugging Face Hub snapshot, calibrated to real Hub data.

``generate(n_models, seed, out)`` writes ``n_models`` Hub model records (JSONL, JSONL.gz or
Parquet) shaped like ``huggingface_hub``'s ``ModelInfo``, as the real sample
``hub-sample-2025.jsonl.gz`` is. The numbers that shape the snapshot (relation shares,
merge fan-in, parent popularity, chain depth, dangling parents, license mix, how often a
child's license differs from its parent's, ...) come from ``calibration.json``, measured
from the real files by ``bench/calibration.py``.

How a snapshot is built (every random choice is drawn as a NumPy array):

1. The first models are real roots of the big families (meta-llama/Llama-2-7b-hf, ...).
   Every other model draws its Hub relation tag (none / finetune / adapter / quantized /
   merge) at the lineage file's shares. A few percent of Hub `finetune` tags sit on
   quantizations (GGUF, MLX 4-bit) whose name and library say otherwise.
2. Each derivative draws the relation of its parent (the lineage file's matrix), then a
   parent of that relation among earlier models (so the graph is a DAG), with probability
   proportional to a heavy-tailed (Pareto) popularity weight; real roots get the lineage
   file's share of children directly. Some derivatives continue an author's own series
   (parent = the author's previous model: long chains), and some join the previous model's
   batch (same author, same parent: sweeps, GGUF + i1-GGUF pairs). Merges draw their fan-in
   and co-parents, mostly from the same family.
3. A few parents are generated but not written (deleted from the Hub): their children keep
   pointing at them, so `base_model` ids dangle at the measured rate.
4. Licenses: roots draw from fitted root weights; children, level by level down the DAG,
   keep or change their parent's license at the sample's transition rates.
5. Names, authors, tags, cards and dates follow. Lines are assembled with Arrow string
   kernels from a few per-row strings and precomputed fragments, in batches, and written
   (gzip members compressed on worker threads).
"""

from __future__ import annotations

import functools
import json
import math
import re
import time
import zlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hubsynth import catalog as C
from hubsynth.catalog import (
    REL_ADAPTER,
    REL_FINETUNE,
    REL_MERGE,
    REL_NONE,
    REL_QUANTIZED,
    RELATIONS,
)

CALIBRATION_FILE = "calibration.json"
SNAPSHOT_START = np.datetime64("2021-03-01T00:00:00", "s")
SNAPSHOT_END = np.datetime64("2025-04-26T00:00:00", "s")  # end of the sample's crawl
BATCH_ROWS = 131_072

# Licenses whose children are judged by a pooled transition row when the sample has too
# few children of that license to measure its own row.
_MODEL_LICENSES = ("llama", "gemma", "openrail", "bigscience", "bigcode", "creativeml", "deepfloyd", "fair-",
                   "grok", "h-research", "intel-research", "apple-amlr")
_PERMISSIVE = {"apache-2.0", "mit", "bsd", "bsd-2-clause", "bsd-3-clause", "bsd-3-clause-clear", "isc", "cc0-1.0",
               "unlicense", "wtfpl", "afl-3.0", "bsl-1.0", "ms-pl", "artistic-2.0", "cc-by-2.0", "cc-by-2.5",
               "cc-by-3.0", "cc-by-4.0", "postgresql", "zlib", "pddl", "odc-by", "openmdw-1.0", "openmdw-1.1",
               "ecl-2.0", "ncsa", "etalab-2.0", "cdla-permissive-1.0", "cdla-permissive-2.0", "c-uda", "apple-ascl"}
CUSTOM_OTHER = "other:" + C.CUSTOM_LICENSE_NAME


@dataclass
class SynthSummary:
    path: Path
    n_models: int
    seed: int
    card_yaml: bool
    by_relation: dict[str, int]  # the Hub's relation tag ("none": no base model)
    by_true_relation: dict[str, int]  # what the model really is (name, library, format)
    by_license: dict[str, int]  # license key: an id, "none", "other" or "other:<license_name>"
    n_edges: int = 0  # child -> parent edges of the written models
    n_dangling_edges: int = 0  # edges whose parent is not in the snapshot
    n_hub_mislabeled: int = 0  # Hub says finetune, the model is a quantization
    n_license_changed: int = 0  # derivatives whose license differs from their (first) parent's
    n_hidden_parents: int = 0  # models generated, referenced as parents, but not written
    n_stale_tags: int = 0  # merges whose Hub tags name one parent as finetune (card lists all)
    bytes_written: int = 0
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["path"] = str(self.path)
        return d


# ----------------------------------------------------------------------------- calibration
@functools.lru_cache(maxsize=1)
def _packaged_text() -> str:
    return (Path(__file__).resolve().parent / CALIBRATION_FILE).read_text(encoding="utf-8")


def load_calibration(path: Path | None = None) -> dict:
    """The calibration constants (the packaged file unless `path` is given)."""
    text = Path(path).read_text(encoding="utf-8") if path else _packaged_text()
    return json.loads(text)


def license_class(key: str) -> str:
    """Pool of a license key for transitions: model, permissive, other, none or all."""
    if key in ("none", "unknown"):
        return "none"
    if key.startswith("other"):
        return "other"
    if key in _PERMISSIVE:
        return "permissive"
    if any(key.startswith(p) for p in _MODEL_LICENSES):
        return "model"
    return "all"


def clean_target(key: str) -> str:
    """One-off `other` names in the sample become one generic name in synthetic data."""
    if key.startswith("other:") and key.split(":", 1)[1] not in C.KNOWN_OTHER_NAMES:
        return CUSTOM_OTHER
    return key


@dataclass
class Params:
    """Generator parameters, cooked from calibration.json."""

    rel_p: np.ndarray  # P(hub relation) over RELATIONS
    mislabel_q: float  # P(really quantized | Hub says finetune)
    stale_q: float  # P(really a merge whose Hub tags name one parent as finetune | Hub says finetune)
    parent_rel: np.ndarray  # [child rel, parent rel], with series parents taken out
    fan_in_k: np.ndarray
    fan_in_p: np.ndarray
    named_weights: np.ndarray  # per catalog named root
    named_share: float  # share of all edges whose parent is a named root
    dangling_share: float  # edges whose parent is not in the snapshot
    join_p: np.ndarray  # per relation: 1 - 1 / mean batch size
    batch_sizes: dict[int, tuple[np.ndarray, np.ndarray]]  # per relation: (sizes, probabilities)
    series_p: np.ndarray  # per relation: P(take part in an author's series)
    series_continue: float  # P(a series model continues the previous one)
    quantized_fresh: float  # P(a quantization's parent is a recent model, not a popular one)
    keep_name: np.ndarray  # P(child name starts with the parent's) per relation
    quant_suffixes: list[str]
    quant_p: np.ndarray
    mislabel_suffixes: list[str]
    specialist_p: dict[int, np.ndarray]  # per relation: shares of the catalog's specialist authors
    author_pool_ratio: float
    author_zipf_s: float
    parent_alpha: float
    parent_eligible: float
    parent_share_cap: float
    merge_same_family: float
    declared_relation: float
    single_as_list: float
    card_field: dict[str, float]
    link_given_name: float
    link_given_no_name: float
    gated_auto: float
    gated_manual: float
    downloads: tuple[float, float, float]  # zero share, log mean, log sd of the rest
    likes: tuple[float, float, float]
    lastmod: tuple[float, float, float]  # share same-minute, log-days mean, log-days sd
    growth_per_year: float
    license_vocab: list[str]
    root_license_p: np.ndarray
    transitions: dict[str, dict[str, float]]  # parent key -> {target key or "=": p}


def cook(cal: dict) -> Params:
    """Generator parameters from a calibration mapping."""
    lin, smp = cal["lineage"], cal["sample"]
    fit, asm = cal.get("fitted", {}), cal.get("assumptions", {})
    rc = lin["relation_counts"]
    rel_p = np.array([rc[r] for r in RELATIONS], float)
    rel_p /= rel_p.sum()
    # series: same-author parents; the matrix keeps the rest of the non-root parents
    kappa = float(fit.get("series_continue", 0.5))
    # The lineage file sees only 15 weeks: a parent older than that counts as a root there,
    # so its matrix, applied down a complete snapshot, gives deeper chains than the file's.
    # `depth_scale` thins the non-root parents to the file's chain-depth distribution.
    depth_scale = float(fit.get("depth_scale", 1.0))
    fresh = float(fit.get("quantized_fresh_parent_share", 0.0))
    same = lin.get("same_author_as_parent_share", {})
    series_p = np.zeros(5)
    pm = lin["parent_relation_given_child"]
    parent_rel = np.zeros((5, 5))
    parent_rel[REL_NONE, REL_NONE] = 1.0
    # batches (one author deriving several models from one parent): sizes drawn from the
    # lineage file's distribution of (author, parent) group sizes
    groups = lin.get("author_parent_groups", {})
    batch_sizes: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    join_p = np.zeros(5)
    for ci, r in enumerate(RELATIONS[1:], start=1):
        hist = groups.get(r, {}).get("group_size_counts") or {"1": 1}
        k = np.array([int(x) for x in hist], np.int64)
        w = np.array(list(hist.values()), float)
        batch_sizes[ci] = (k, w / w.sum())
        join_p[ci] = 1 - 1 / float((k * w).sum() / w.sum())
    for ci, r in enumerate(RELATIONS[1:], start=1):
        row = np.array([pm[r][q] for q in RELATIONS], float)
        row /= row.sum()
        # same-author parents: a series model (parent = the author's previous model) and the
        # rest of its batch; the matrix keeps the other non-root parents
        s = min(float(same.get(r, 0.0)), 0.9 * (1 - row[REL_NONE]))
        batch = 1.0 / (1.0 - join_p[ci])
        series_p[ci] = min(1.0, s / (kappa * batch)) if kappa > 0 else 0.0
        non = 1 - row[REL_NONE]
        if non > 0:
            row[1:] *= max(0.0, min(0.95, non * depth_scale) - s) / non
            row[REL_NONE] = 1 - row[1:].sum()
        parent_rel[ci] = row
    fan = lin["merge_fan_in"]
    fan_k = np.array([int(k) for k in fan], int)
    fan_p = np.array([fan[k] for k in fan], float)
    fan_p /= fan_p.sum()
    # named roots: their share of all edges in the lineage file (at least one child)
    nrc = lin["named_root_children"]
    named_w = np.array([max(1, nrc.get(r.id, 0)) for r in C.NAMED_ROOTS], float)
    named_share = float(named_w.sum() / lin["distinct_edges"])
    dangling = lin["dangling"].get("edges_to_deleted_parents_share", smp.get("dangling_edges_share", 0.0))
    keep = lin["name_keeps_parent_token_share"]
    keep_name = np.array([0.0] + [keep.get(r, 0.5) for r in RELATIONS[1:]])
    qs = lin["quantized_name_suffix_shares"]
    quant_suffixes = [s for s in C.QUANT_FORMATS if qs.get(s, 0) > 0] or ["GGUF"]
    quant_p = np.array([qs[s] for s in quant_suffixes], float)
    quant_p /= quant_p.sum()
    top8 = lin["authors"]["top8_share_by_relation"]
    spec = {ri: np.array(top8.get(r, [])[: len(C.SPECIALIST_AUTHORS[r])], float) for ri, r in enumerate(RELATIONS)}
    # licenses
    min_n = int(asm.get("transition_min_children", 20))
    pools: dict[str, Counter] = {k: Counter() for k in ("model", "permissive", "other", "none", "all")}
    transitions: dict[str, dict[str, float]] = {}
    for pl, row in smp["license_transitions"].items():
        cnt: Counter = Counter()
        for tgt, v in row["to"].items():
            cnt["=" if tgt == pl else clean_target(tgt)] += v
        cls = license_class(pl)
        pools[cls].update(cnt)
        if cls != "all":
            pools["all"].update(cnt)
        if row["n"] >= min_n:
            tot = sum(cnt.values())
            transitions[pl] = {k: v / tot for k, v in cnt.items()}
    for cls, cnt in pools.items():
        tot = sum(cnt.values())
        if tot:
            transitions["_" + cls] = {k: v / tot for k, v in cnt.items()}
    transitions.setdefault("_all", {"=": 1.0})
    root_w = fit.get("root_license_weights") or dict(smp["license_mix"])
    vocab = set(root_w) | {"none"}
    for row in transitions.values():
        vocab |= {k for k in row if k != "="}
    for fam in C.FAMILIES:
        vocab |= set(fam.licenses)
    vocab |= {r.license for r in C.NAMED_ROOTS}
    vocab_l = sorted(vocab)
    root_p = np.clip(np.array([root_w.get(k, 0.0) for k in vocab_l], float), 0, None)
    root_p /= root_p.sum()
    dl, lk = smp["downloads"], smp["likes"]
    lm = smp.get("last_modified_after_created", {"same_minute_share": 0.3, "log_days_mean": -2.0, "log_days_sd": 3.0})
    gated = smp["gated_shares"]
    return Params(
        rel_p=rel_p,
        mislabel_q=lin["finetune_tag_with_quant_name_share"],
        stale_q=float(smp.get("tags_name_fewer_parents_than_card_share", 0.0)),
        parent_rel=parent_rel,
        fan_in_k=fan_k,
        fan_in_p=fan_p,
        named_weights=named_w,
        named_share=named_share,
        dangling_share=dangling,
        join_p=join_p,
        batch_sizes=batch_sizes,
        series_p=series_p,
        series_continue=kappa,
        quantized_fresh=fresh,
        keep_name=keep_name,
        quant_suffixes=quant_suffixes,
        quant_p=quant_p,
        mislabel_suffixes=["GGUF", "mlx-4bit", "Q4_K_M-GGUF", "mlx-8bit", "i1-GGUF"],
        specialist_p=spec,
        author_pool_ratio=float(fit.get("author_pool_ratio", 0.5)),
        author_zipf_s=float(fit.get("author_zipf_s", 0.93)),
        parent_alpha=float(fit.get("parent_weight_alpha", 1.1)),
        parent_eligible=float(fit.get("parent_eligible_share", 0.3)),
        parent_share_cap=float(lin.get("top_unnamed_parent_edge_share", 0.0216)) or 0.0216,
        merge_same_family=float(asm.get("merge_coparent_same_family", 0.9)),
        declared_relation=smp["base_model_relation_declared_share"],
        single_as_list=smp["single_parent_as_list_share"],
        card_field={f: smp[f"card_{f}_share"] for f in ("datasets", "tags", "library_name", "pipeline_tag")},
        link_given_name=smp["other_with_link_share_given_name"],
        link_given_no_name=smp["other_with_link_share_given_no_name"],
        gated_auto=gated.get("auto", 0.0),
        gated_manual=gated.get("manual", 0.0),
        downloads=(dl["zero_share"], dl["log_nonzero_mean"], dl["log_nonzero_sd"]),
        likes=(lk["zero_share"], lk["log_nonzero_mean"], lk["log_nonzero_sd"]),
        lastmod=(lm["same_minute_share"], lm["log_days_mean"], lm["log_days_sd"]),
        growth_per_year=float(asm.get("hub_growth_per_year", 2.0)),
        license_vocab=vocab_l,
        root_license_p=root_p,
        transitions=transitions,
    )


@functools.lru_cache(maxsize=1)
def packaged_params() -> Params:
    return cook(load_calibration())


def transition_row(p: Params, parent_key: str) -> dict[str, float]:
    """P(child license | parent license), "=" standing for the parent's own license."""
    if parent_key in p.transitions:
        return p.transitions[parent_key]
    return p.transitions.get("_" + license_class(parent_key)) or p.transitions["_all"]


# ----------------------------------------------------------------------------- the graph
@dataclass
class Graph:
    k_named: int
    hub_rel: np.ndarray  # int8, the Hub's relation tag
    true_rel: np.ndarray  # int8, what the model is
    parent: np.ndarray  # first parent, -1 for roots
    extra_parents: dict[int, list[int]]  # merge -> co-parents
    author_src: np.ndarray  # model whose author this one shares (-1: its own)
    joiner: np.ndarray  # bool: same author and parent as the previous model of its batch
    leader: np.ndarray  # the first model of a joiner's batch (-1 for the others)
    stale: np.ndarray  # bool: a merge whose Hub tags name only its first parent, as finetune
    hidden: np.ndarray  # bool: generated, not written
    visible_idx: np.ndarray  # the models written, in order
    family: np.ndarray  # int16 into catalog.FAMILIES
    depth: np.ndarray  # along first parents
    license: np.ndarray  # int16 into Params.license_vocab
    level_order: np.ndarray  # derivatives sorted by depth
    level_bounds: np.ndarray


def _rank_in_groups(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stable sort order of `groups`, and each sorted element's rank within its group."""
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    first = np.r_[True, sorted_groups[1:] != sorted_groups[:-1]]
    positions = np.arange(len(sorted_groups))
    return order, positions - np.maximum.accumulate(np.where(first, positions, 0))


def _streams(seed: int, n: int) -> list[np.random.Generator]:
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(n)]


def _choice(rng: np.random.Generator, p: np.ndarray, size: int) -> np.ndarray:
    cum = np.cumsum(p)
    cum /= cum[-1]
    return np.minimum(np.searchsorted(cum, rng.random(size), side="right"), len(p) - 1)


def _levels(depth: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    idx = np.flatnonzero(mask)
    order = idx[np.argsort(depth[idx], kind="stable")]
    bounds = np.searchsorted(depth[order], np.arange(0, int(depth[order].max(initial=0)) + 2))
    return order, bounds


def _jump(ptr: np.ndarray) -> np.ndarray:
    """Follow pointers (ptr[i] == i at the end of a chain) to the end of every chain."""
    while True:
        nxt = ptr[ptr]
        if np.array_equal(nxt, ptr):
            return ptr
        ptr = nxt


def build_graph(n_models: int, seed: int, p: Params) -> Graph:
    """Relations, parents, families and licenses of a snapshot (no strings yet)."""
    if n_models < 1:
        raise ValueError("n_models must be at least 1")
    rs = _streams(seed, 24)
    k_named = len(C.NAMED_ROOTS) if n_models >= 20 * len(C.NAMED_ROOTS) else max(1, n_models // 20)
    named = C.NAMED_ROOTS[:k_named]
    k_hidden_named = sum(r.hidden for r in named)
    margin = int(math.ceil(n_models * 0.006)) + 8 if n_models >= 1000 else 0
    n = n_models + k_hidden_named + margin
    ar = np.arange(n)
    # 1. relations
    hub = np.zeros(n, np.int8)
    hub[k_named:] = _choice(rs[0], p.rel_p, n - k_named)
    true = hub.copy()
    true[(hub == REL_FINETUNE) & (rs[1].random(n) < p.mislabel_q)] = REL_QUANTIZED
    deriv = np.flatnonzero(hub != REL_NONE)
    # 2. first parents: parent relation from the matrix, then a parent by popularity
    w = np.where(rs[3].random(n) < p.parent_eligible, (1.0 - rs[4].random(n)) ** (-1.0 / p.parent_alpha), 0.0)
    w[:k_named] = 0.0
    # no synthetic parent takes a larger share of its relation's weight than the most popular
    # parent outside the named roots takes of all edges in the lineage file
    for t in range(5):
        m = hub == t
        for _ in range(4):
            w[m] = np.minimum(w[m], p.parent_share_cap * w[m].sum())
    cums = [np.cumsum(np.where(hub == t, w, 0.0)) for t in range(5)]
    parent = np.full(n, -1, np.int64)
    ptype = np.zeros(n, np.int8)
    for r in range(1, 5):
        sel = deriv[hub[deriv] == r]
        ptype[sel] = _choice(rs[5], p.parent_rel[r], len(sel))
    named_p = p.named_weights[:k_named] / p.named_weights[:k_named].sum()
    # series: a model continuing the previous model of an author's series (same author)
    flagged = deriv[rs[9].random(len(deriv)) < p.series_p[hub[deriv]]]
    is_cont = np.zeros(n, bool)
    cont = np.zeros(0, np.int64)
    if len(flagged) > 1:
        cont = np.flatnonzero(rs[10].random(len(flagged)) < p.series_continue)
        cont = cont[cont > 0]
        is_cont[flagged[cont]] = True
    # named roots take their measured share of all edges (co-parents of merges included)
    n_edges = len(deriv) + int((hub == REL_MERGE).sum() * (float((p.fan_in_k * p.fan_in_p).sum()) - 1))
    rootish = (ptype[deriv] == REL_NONE) & ~is_cont[deriv]
    included = p.named_weights[:k_named].sum() / p.named_weights.sum()
    p_named = min(0.95, p.named_share * included * n_edges / max(1, int(rootish.sum())))
    use_named = rootish & (rs[6].random(len(deriv)) < p_named)
    u = rs[7].random(len(deriv))
    for t in range(5):
        m = (ptype[deriv] == t) & ~use_named
        sel = deriv[m]
        if len(sel):
            limit, none_limit = cums[t][sel - 1], cums[REL_NONE][sel - 1]
            j = np.searchsorted(cums[t], u[m] * limit, side="right")
            jn = np.searchsorted(cums[REL_NONE], u[m] * none_limit, side="right")
            parent[sel] = np.where(limit > 0, j, np.where(none_limit > 0, jn, -1))
    # quantizers mostly quantize what was just uploaded: a recent model of the parent relation
    if p.quantized_fresh > 0:
        window = max(50, n // 400)
        sel = deriv[(hub[deriv] == REL_QUANTIZED) & ~use_named]
        sel = sel[rs[18].random(len(sel)) < p.quantized_fresh]
        for t in range(5):
            st = sel[ptype[sel] == t]
            pos_t = np.flatnonzero(hub == t)
            pos_t = pos_t[pos_t >= k_named]
            if not len(st) or not len(pos_t):
                continue
            hi = np.searchsorted(pos_t, st)  # models of type t before each child
            lo = np.searchsorted(pos_t, st - window)
            ok = hi > lo
            pick = lo + (rs[19].random(len(st)) * (hi - lo)).astype(np.int64)
            parent[st[ok]] = pos_t[pick[ok]]
    orphans = deriv[parent[deriv] < 0]
    parent[orphans] = _choice(rs[8], named_p, len(orphans))
    author_src = np.full(n, -1, np.int64)
    if len(cont):
        parent[flagged[cont]] = flagged[cont - 1]
        author_src[flagged[cont]] = flagged[cont - 1]
    # batches: same author and parent as the previous model of the same relation
    joiner = np.zeros(n, bool)
    leader_of = np.full(n, -1, np.int64)
    for r in range(1, 5):
        sel = deriv[hub[deriv] == r]
        if len(sel) < 2:
            continue
        m = len(sel)
        bk, bp = p.batch_sizes[r]
        sizes = bk[_choice(rs[11], bp, m)]
        starts = np.cumsum(sizes) - sizes
        jm = np.ones(m, bool)
        jm[starts[starts < m]] = False
        jm &= ~is_cont[sel]  # a series model starts its own batch (and may lead it)
        jm[0] = False
        lead = sel[np.maximum.accumulate(np.where(jm, 0, np.arange(len(sel))))]
        jj = sel[jm]
        parent[jj] = parent[lead[jm]]
        author_src[jj] = lead[jm]
        leader_of[jj] = lead[jm]
        joiner[jj] = True
    # stale Hub tags: a merge the Hub still tags as a finetune of one parent (the card lists all)
    stale = (hub == REL_FINETUNE) & (true == REL_FINETUNE) & ~joiner & (rs[20].random(n) < p.stale_q)
    true[stale] = REL_MERGE
    # 3. licenses and families of roots; families flow down first parents
    vocab = p.license_vocab
    code = {k: i for i, k in enumerate(vocab)}
    lic = np.full(n, -1, np.int16)
    fam = np.full(n, -1, np.int16)
    for i, r in enumerate(named):
        lic[i] = code[r.license]
        fam[i] = C.FAMILY_INDEX[r.family]
    roots = np.flatnonzero(hub == REL_NONE)
    roots = roots[roots >= k_named]
    lic[roots] = _choice(rs[12], p.root_license_p, len(roots))
    fam_w = np.array([f.weight for f in C.FAMILIES])
    open_fams = np.array([C.FAMILY_INDEX[k] for k in ("tinyllm", "bert", "vision", "seq2seq", "rl", "embed", "whisper")])
    for c in np.unique(lic[roots]):
        sel = roots[lic[roots] == c]
        key = vocab[c]
        cand = np.array([i for i, f in enumerate(C.FAMILIES) if key in f.licenses], int)
        if not len(cand):
            cand = np.arange(len(C.FAMILIES)) if key in ("none", "unknown", "mit", "apache-2.0") else open_fams
        fam[sel] = cand[_choice(rs[13], fam_w[cand], len(sel))]
    top = _jump(np.where(parent >= 0, parent, ar))
    fam = fam[top]
    # 4. merge co-parents: mostly from the same family; a batch shares its leader's
    extra: dict[int, list[int]] = {}
    merges = np.flatnonzero(((hub == REL_MERGE) & ~joiner) | stale)
    if len(merges):
        ks = p.fan_in_k[_choice(rs[14], p.fan_in_p, len(merges))]
        ks[stale[merges]] = np.maximum(ks[stale[merges]], 2)
        cand_idx = np.flatnonzero((hub == REL_NONE) | (hub == REL_FINETUNE) | (hub == REL_MERGE))
        cand_fam = fam[cand_idx]
        by_fam = {int(f): cand_idx[cand_fam == f] for f in np.unique(cand_fam)}
        r15 = rs[15]
        for i, k in zip(merges.tolist(), ks.tolist()):
            if k <= 1:
                continue
            pool = by_fam.get(int(fam[i]))
            m = int(np.searchsorted(pool, i)) if pool is not None else 0
            mg = int(np.searchsorted(cand_idx, i))
            same = r15.random(k - 1) < p.merge_same_family
            picks = [int(pool[r15.integers(m)]) if (s and m > 1) else (int(cand_idx[r15.integers(mg)]) if mg else -1)
                     for s in same]
            seen = {int(parent[i]), -1}
            co = [j for j in picks if not (j in seen or seen.add(j))]
            if co:
                extra[i] = co
        for i in np.flatnonzero((hub == REL_MERGE) & joiner).tolist():
            if int(leader_of[i]) in extra:
                extra[i] = list(extra[int(leader_of[i])])
    lone = np.array([i for i in np.flatnonzero(stale).tolist() if i not in extra], np.int64)
    stale[lone] = False  # no co-parent found: an ordinary finetune after all
    true[lone] = REL_FINETUNE
    # 5. deleted parents: hide parents until their edges reach the measured dangling share
    hidden = np.zeros(n, bool)
    for i, r in enumerate(named):
        hidden[i] = r.hidden
    if margin:
        reach = n_models + k_hidden_named
        kids = np.flatnonzero(parent[:reach] >= 0)
        co_p = [j for i, js in extra.items() if i < reach for j in js]
        cnt = np.bincount(np.concatenate([parent[kids], np.array(co_p, np.int64)]), minlength=n)
        need = p.dangling_share * cnt.sum() - cnt[hidden].sum()
        cand = np.flatnonzero(cnt > 0)
        cand = rs[16].permutation(cand[cand >= k_named])
        c = cnt[cand]
        chosen = np.zeros(len(cand), bool)
        for _ in range(12):  # the random prefix that fits, then smaller ones that still fit
            rest = np.flatnonzero(~chosen & (c <= need))
            cs = np.cumsum(c[rest])
            take = rest[cs <= need]
            if not len(take):
                break
            chosen[take] = True
            need -= c[take].sum()
        hidden[cand[chosen][:margin]] = True
    # 6. depth, then licenses of derivatives level by level
    has = parent >= 0
    depth = np.zeros(n, np.int32)
    while True:
        nd = np.where(has, depth[np.where(has, parent, 0)] + 1, 0)
        if np.array_equal(nd, depth):
            break
        depth = nd
    order, bounds = _levels(depth, has)
    r17 = rs[17]
    rows: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def _row(c: int) -> tuple[np.ndarray, np.ndarray]:
        if c not in rows:
            row = transition_row(p, vocab[c])
            tg = np.array([c if k == "=" else code[k] for k in row], np.int16)
            pr = np.cumsum(np.array(list(row.values()), float))
            rows[c] = (tg, pr / pr[-1])
        return rows[c]

    for d in range(1, len(bounds) - 1):
        idx = order[bounds[d]: bounds[d + 1]]
        if not len(idx):
            continue
        pl = lic[parent[idx]]
        uu = r17.random(len(idx))
        for c in np.unique(pl):
            m = pl == c
            tg, cum = _row(int(c))
            lic[idx[m]] = tg[np.minimum(np.searchsorted(cum, uu[m], side="right"), len(tg) - 1)]
        jj = idx[joiner[idx]]  # a batch keeps its leader's license (same depth, drawn above)
        lic[jj] = lic[leader_of[jj]]
    visible_idx = np.flatnonzero(~hidden)[:n_models]
    return Graph(k_named, hub, true, parent, extra, author_src, joiner, leader_of, stale, hidden, visible_idx, fam,
                 depth, lic, order, bounds)


def snapshot_depth(g: Graph, present: np.ndarray | None = None) -> np.ndarray:
    """Chain depth of every model inside a set of models (as measure.lineage_stats has it):
    0 for a model without parents, else 1 + the deepest parent in the set. The set is the
    written models unless `present` (a mask) says otherwise."""
    n = len(g.hub_rel)
    if present is None:
        present = np.zeros(n, bool)
        present[g.visible_idx] = True
    kids = np.flatnonzero(present & (g.parent >= 0))
    c = [kids, np.array([i for i, js in g.extra_parents.items() if present[i] for _ in js], np.int64)]
    pa_ = [g.parent[kids], np.array([j for i, js in g.extra_parents.items() if present[i] for j in js], np.int64)]
    c, par = np.concatenate(c), np.concatenate(pa_)
    d = np.zeros(n, np.int64)
    for _ in range(10_000):
        nd = np.zeros(n, np.int64)
        np.maximum.at(nd, c, np.where(present[par], d[par] + 1, 1))
        if np.array_equal(nd, d):
            break
        d = nd
    return d


# ----------------------------------------------------------------------------- names
_NAMED_STEM_RE = re.compile(r"(-chat-hf|-hf|-Instruct(-\d+)?|-it|-Base(-\d+)?|-v0\.\d|-base-1\.0|-distilled-600M)$")
_SIZE_RE = re.compile(r"(?<![A-Za-z0-9.])(\d+(?:\.\d+)?[BbMm])(?![A-Za-z0-9])")


def _author_names(ks: np.ndarray) -> pa.Array:
    """Pool index -> a user name: two name parts in one of six styles, then a number."""
    A, B = C.NAME_PARTS_A, C.NAME_PARTS_B
    styles = [f"{a}{b}" for a in A for b in B], [f"{a}-{b}" for a in A for b in B], \
        [f"{a.capitalize()}{b.capitalize()}" for a in A for b in B], [f"{a}_{b}" for a in A for b in B], \
        [f"{b}{a}" for a in A for b in B], [f"{a.capitalize()}-{b}" for a in A for b in B]
    table = [x for st in styles for x in st]
    ks = ks.astype(np.int64)
    a, b, num = ks % len(A), (ks // len(A)) % len(B), ks // (len(A) * len(B))
    style = (ks * 7 + num) % 6
    head = _take(table, style * (len(A) * len(B)) + a * len(B) + b)
    tail = pc.if_else(pa.array(num > 0), pc.cast(pa.array(num), pa.string()), "")
    return pc.binary_join_element_wise(head, tail, "")


def _take(table: list[str] | pa.Array, codes: np.ndarray) -> pa.Array:
    t = table if isinstance(table, pa.Array) else pa.array(table, pa.string())
    return pc.take(t, pa.array(np.asarray(codes, np.int64)))


@dataclass
class Names:
    ids: pa.Array  # string, per generated model
    authors: pa.Array
    quant_fmt: np.ndarray  # index into catalog.QUANT_FORMATS keys, -1 when not quantized


def author_codes(g: Graph, seed: int, p: Params) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per model an author code: pool authors (Zipf), relation specialists, named roots'.

    Returns (codes, pool indices of codes < len(pool indices), names of the other codes).
    A series model and a batch share the author of the model they follow.
    """
    rs = _streams(seed + 7_919, 20)
    n = len(g.hub_rel)
    pool = max(50, int(p.author_pool_ratio * n))
    zw = np.cumsum(np.arange(1, pool + 1, dtype=float) ** -p.author_zipf_s)
    k = np.searchsorted(zw, rs[0].random(n) * zw[-1], side="right")
    uk, acode = np.unique(k, return_inverse=True)
    extra_names: list[str] = []
    spec_u, spec_pick = rs[1].random(n), rs[2].random(n)
    for r in range(5):
        shares = p.specialist_p.get(r)
        if shares is None or not len(shares):
            continue
        sel = np.flatnonzero((g.hub_rel == r) & (spec_u < shares.sum()))
        cum = np.cumsum(shares) / shares.sum()
        who = np.minimum(np.searchsorted(cum, spec_pick[sel], side="right"), len(shares) - 1)
        acode[sel] = len(uk) + len(extra_names) + who
        extra_names += list(C.SPECIALIST_AUTHORS[RELATIONS[r]][: len(shares)])
    for i, r in enumerate(C.NAMED_ROOTS[: g.k_named]):
        acode[i] = len(uk) + len(extra_names)
        extra_names.append(r.id.split("/", 1)[0])
    # an uploader quantizes a given model once or twice (GGUF, i1-GGUF), not fifty times:
    # a third quantization of one parent by one author (outside a batch) goes to a pool author
    tq = np.flatnonzero((g.true_rel == REL_QUANTIZED) & ~g.joiner & (g.parent >= 0))
    if len(tq):
        order, rank = _rank_in_groups(acode[tq].astype(np.int64) * (n + 1) + g.parent[tq])
        again = tq[order[rank >= 2]]
        acode[again] = rs[19].integers(len(uk), size=len(again))
    src = _jump(np.where(g.author_src >= 0, g.author_src, np.arange(n)))
    return acode[src], uk, extra_names


def build_names(g: Graph, seed: int, p: Params) -> Names:
    rs = _streams(seed + 7_919, 20)
    n = len(g.hub_rel)
    fams = C.FAMILIES
    named = C.NAMED_ROOTS[: g.k_named]
    ar = np.arange(n)
    acode, uk, extra_names = author_codes(g, seed, p)
    table = pa.concat_arrays([_author_names(uk), pa.array(extra_names, pa.string())])
    authors = _take(table, acode)
    # -- stems: roots use their family's, renamed derivatives a brand and the root's size,
    #    and the others inherit their parent's stem
    stem_tab = [s for f in fams for s, _ in f.stems]
    size_tab = ["-" + z if z else "" for f in fams for _, z in f.stems]
    off = np.cumsum([0] + [len(f.stems) for f in fams])[:-1]
    nst = np.array([len(f.stems) for f in fams])
    fam = g.family.astype(np.int64)
    scode = off[fam] + (rs[3].random(n) * nst[fam]).astype(np.int64)
    is_root = g.parent < 0
    top = _jump(np.where(is_root, ar, g.parent))
    root_scode = scode[top]
    mod = np.array([C.MODALITIES.index(f.modality) for f in fams])[fam]
    t2i = mod == C.MODALITIES.index("t2i")
    brand_tab = list(C.BRANDS) + list(C.IMAGE_BRANDS)
    bcode = np.where(t2i, len(C.BRANDS) + rs[4].integers(len(C.IMAGE_BRANDS), size=n), rs[4].integers(len(C.BRANDS), size=n))
    keep = rs[5].random(n) < p.keep_name[g.true_rel.astype(int)]
    keep[is_root] = False
    jn = np.flatnonzero(g.joiner)
    lead = g.leader[jn]  # a batch is named alike: same stem choice and brand
    keep[jn] = keep[lead]
    bcode[jn] = bcode[lead]
    # named roots: their real names, stems without -hf/-Instruct/..., sizes from the name
    named_stem, named_size = [], []
    for r in named:
        nm = r.id.split("/", 1)[1]
        named_stem.append(_NAMED_STEM_RE.sub("", nm) or nm)
        m = _SIZE_RE.search(nm)
        named_size.append("-" + m.group(1) if m else "")
    stem_tab += named_stem
    size_tab += named_size
    scode[: g.k_named] = len(stem_tab) - g.k_named + np.arange(g.k_named)
    root_scode = scode[top]
    own = pc.binary_join_element_wise(_take(brand_tab, bcode), _take(size_tab, root_scode), "")
    src_stem = pc.if_else(pa.array(is_root), _take(stem_tab, scode), own)
    stem_src = _jump(np.where(keep, np.where(is_root, ar, g.parent), ar))
    stem = pc.take(src_stem, pa.array(stem_src))
    # -- the other name parts, as "-x" pieces ("" when absent)
    desc_tab, doff = [""], {}
    for m in C.MODALITIES:
        doff[m] = len(desc_tab)
        desc_tab += ["-" + d for d in C.DESCRIPTORS[m]]
    dlen = np.array([len(C.DESCRIPTORS[m]) for m in C.MODALITIES])
    doffs = np.array([doff[m] for m in C.MODALITIES])
    dcode = doffs[mod] + (rs[6].random(n) * dlen[mod]).astype(np.int64)
    dcode[jn] = dcode[lead]
    use_desc = rs[7].random(n)
    use_desc[jn] = use_desc[lead]
    ver_tab = [""] + ["-" + v for v in C.VERSIONS]
    vcode = 1 + rs[8].integers(len(C.VERSIONS), size=n)
    vcode = np.where((rs[9].random(n) < 0.3) | g.joiner, vcode, 0)
    suf_tab, soff = [], {}
    for key in ("finetune", "finetune-other", "adapter", "merge"):
        soff[key] = len(suf_tab)
        suf_tab += ["-" + s if s else "" for s in C.REL_SUFFIXES[key]]
    su = rs[10].random(n)
    su[jn] = su[lead]

    def suffix_codes(key: str) -> np.ndarray:
        return soff[key] + (su * len(C.REL_SUFFIXES[key])).astype(np.int64)

    llm = mod == C.MODALITIES.index("llm")
    tr = g.true_rel
    scode2 = np.zeros(n, np.int64)
    scode2 = np.where(tr == REL_FINETUNE, np.where(llm, suffix_codes("finetune"), suffix_codes("finetune-other")), scode2)
    scode2 = np.where(tr == REL_ADAPTER, suffix_codes("adapter"), scode2)
    scode2 = np.where(tr == REL_MERGE, suffix_codes("merge"), scode2)
    suf_tab.append("")
    scode2 = np.where(is_root | (tr == REL_QUANTIZED), len(suf_tab) - 1, scode2)
    # roots: desc 60%; finetunes and adapters always; merges half
    dcode = np.where(is_root & (use_desc >= 0.6), 0, dcode)
    dcode = np.where((tr == REL_MERGE) & (use_desc >= 0.5), 0, dcode)
    dcode[: g.k_named] = 0
    # run tokens (checkpoints, seeds, steps): what keeps a prolific author's names apart
    tok_tab = ["", "-ckpt-", "-run", "-s", "-", "-step", "-exp", "-b"]
    bare_root = is_root & (dcode == 0)  # a root always carries a descriptor or a run token
    tcode = np.where((rs[14].random(n) < 0.45) | g.joiner | bare_root, 1 + rs[14].integers(len(tok_tab) - 1, size=n), 0)
    tcode[tr == REL_QUANTIZED] = 0
    tcode[: g.k_named] = 0
    tnum = (np.exp(rs[15].random(n) * math.log(20000))).astype(np.int64)
    tok = pc.if_else(pa.array(tcode > 0), pc.binary_join_element_wise(_take(tok_tab, tcode), pc.cast(pa.array(tnum), pa.string()), ""), "")
    names = pc.binary_join_element_wise(stem, _take(desc_tab, dcode), _take(suf_tab, scode2), _take(ver_tab, vcode), tok, "")
    named_mask = np.zeros(n, bool)
    named_mask[: g.k_named] = True
    if g.k_named:
        names = pc.replace_with_mask(names, pa.array(named_mask), pa.array([r.id.split("/", 1)[1] for r in named]))
    # -- quantized: the parent's full name plus the format (or a new stem plus the format)
    qkeys = list(C.QUANT_FORMATS)
    quant_fmt = np.full(n, -1, np.int16)
    tq = np.flatnonzero(tr == REL_QUANTIZED)
    qi = np.array([qkeys.index(s) for s in p.quant_suffixes], np.int16)
    quant_fmt[tq] = qi[_choice(rs[11], p.quant_p, len(tq))]
    mis = np.flatnonzero((tr == REL_QUANTIZED) & (g.hub_rel == REL_FINETUNE))
    mi = np.array([qkeys.index(s) for s in p.mislabel_suffixes], np.int16)
    quant_fmt[mis] = mi[rs[12].integers(len(mi), size=len(mis))]
    # one uploader quantizing one parent twice uses another format (GGUF, then i1-GGUF, ...)
    if len(tq):
        order, rank = _rank_in_groups(acode[tq].astype(np.int64) * (n + 1) + g.parent[tq])
        again = order[rank > 0]
        fallback = np.array([qkeys.index(x) for x in ("i1-GGUF", "Q4_K_M-GGUF", "Q8_0-GGUF", "Q5_K_M-GGUF", "AWQ",
                                                        "GPTQ", "mlx-4bit", "Q4_K_S-GGUF", "exl2", "mlx-8bit")], np.int16)
        quant_fmt[tq[again]] = fallback[(rank[rank > 0] - 1) % len(fallback)]
    noformat = ("Q6_K", "q4f16_1-MLC", "4.0bpw", "W8A8", "quant", "int4-ov")
    qtab = ["-" + s if s else "" for s in qkeys] + ["-" + s for s in noformat]
    qcode = quant_fmt[tq].astype(np.int64)
    blank = qcode == qkeys.index("")
    qcode[blank] = len(qkeys) + rs[13].integers(len(noformat), size=int(blank.sum()))
    qsuf = _take(qtab, qcode)
    qkeep = keep[tq]
    own_q = pc.take(own, pa.array(tq))
    # a quantization of a quantization needs its parent's final name: one pass per level
    qq = (tr == REL_QUANTIZED) & (g.parent >= 0) & (tr[np.maximum(g.parent, 0)] == REL_QUANTIZED)
    qdepth = np.zeros(n, np.int32)
    for _ in range(64):
        nd = np.where(qq, qdepth[np.maximum(g.parent, 0)] + 1, 0)
        if np.array_equal(nd, qdepth):
            break
        qdepth = nd
    qd = qdepth[tq]
    for level in range(int(qd.max(initial=-1)) + 1):
        sub = np.flatnonzero(qd == level)
        rows = tq[sub]
        head = pc.if_else(pa.array(qkeep[sub]), pc.take(names, pa.array(g.parent[rows])), pc.take(own_q, pa.array(sub)))
        mask = np.zeros(n, bool)
        mask[rows] = True
        names = pc.replace_with_mask(names, pa.array(mask), pc.binary_join_element_wise(head, pc.take(qsuf, pa.array(sub)), ""))
    # -- at most 96 characters, as on the Hub
    too_long = pc.greater(pc.utf8_length(names), 96)
    if pc.any(too_long).as_py():
        names = pc.if_else(too_long, pc.utf8_rtrim(pc.utf8_slice_codeunits(names, 0, 96), characters="-._"), names)
    ids = dedupe(pc.binary_join_element_wise(authors, names, "/"))
    return Names(ids, authors, quant_fmt)


def dedupe(ids: pa.Array) -> pa.Array:
    """Make ids unique case-insensitively: a later duplicate gets `-2`, `-3`, ..."""
    seen: set[str] = set()
    add = seen.add
    next_k: dict[str, int] = {}
    fix_pos, fix_k = [], []
    for i, low in enumerate(pc.utf8_lower(ids).to_pylist()):
        if low in seen:
            k = next_k.get(low, 2)
            while f"{low}-{k}" in seen:
                k += 1
            next_k[low] = k + 1
            add(f"{low}-{k}")
            fix_pos.append(i)
            fix_k.append(k)
        else:
            add(low)
    if not fix_pos:
        return ids
    old = pc.take(ids, pa.array(fix_pos, pa.int64())).to_pylist()
    mask = np.zeros(len(ids), bool)
    mask[fix_pos] = True
    return pc.replace_with_mask(ids, pa.array(mask), pa.array([f"{x}-{k}" for x, k in zip(old, fix_k)], pa.string()))


# ----------------------------------------------------------------------------- records
def _jlist(items) -> str:
    return ", ".join(f'"{t}"' for t in items)


def _profile_table(g: Graph, names: Names):
    """Per model a profile code: (family, true relation, quantized format) -> library and tags."""
    qkeys = list(C.QUANT_FORMATS)
    nq = len(qkeys) + 1
    code = (g.family.astype(np.int64) * 5 + g.true_rel) * nq + (names.quant_fmt.astype(np.int64) + 1)
    uniq, inv = np.unique(code, return_inverse=True)
    profiles = []
    for c in uniq.tolist():
        f, rest = divmod(c, 5 * nq)
        r, q = divmod(rest, nq)
        fam = C.FAMILIES[f]
        mod = fam.modality
        base_lib = C.BASE_LIBRARY[mod]
        if r == REL_QUANTIZED:
            library, qtags = C.QUANT_FORMATS[qkeys[q - 1]] if q > 0 else ("gguf", ("gguf",))
            library = library or None
            extra = list(qtags)
            card_t = C.CARD_TAGS[("quantized",)] if library == "gguf" else ()
        elif r == REL_ADAPTER:
            library = "diffusers" if mod == "t2i" else "peft"
            extra = ["safetensors", "lora"] + (["template:sd-lora"] if mod == "t2i" else ["peft"])
            card_t = C.CARD_TAGS.get((mod, "adapter"), ("lora",))
        elif r == REL_MERGE:
            library = base_lib
            extra = ["safetensors", "mergekit", "merge"]
            card_t = C.CARD_TAGS[("merge",)]
        else:
            library = base_lib
            extra = ["safetensors"] if mod != "rl" else []
            card_t = C.CARD_TAGS.get((mod, RELATIONS[r]), C.CARD_TAGS.get((mod, "finetune"), ()))
        tags = [library] if library else []
        tags += [t for t in extra if t not in tags]
        if fam.arch:
            tags.append(fam.arch)
        tags.append(C.PIPELINES[mod])
        if r == REL_FINETUNE and mod == "llm":
            tags += ["trl", "sft", "generated_from_trainer"]
        tail = ["text-generation-inference"] if mod == "llm" and library == "transformers" else []
        tail += ["endpoints_compatible"] if library in ("transformers", "diffusers", "peft") else []
        profiles.append({"library": library, "tags": tuple(tags), "pipeline": C.PIPELINES[mod],
                         "card_tags": tuple(card_t), "tail": tuple(tail + ["region:us"]), "modality": mod})
    inv = inv.astype(np.int64)
    comps = {}
    for key in ("library", "tags", "pipeline", "card_tags", "tail", "modality"):
        values = sorted({pr[key] for pr in profiles}, key=repr)
        index = {v: i for i, v in enumerate(values)}
        comps[key] = (values, np.array([index[pr[key]] for pr in profiles], np.int64)[inv])
    return comps


def _license_fields(key: str, with_link: bool) -> list[tuple[str, str]]:
    if key == "none":
        return []
    if key.startswith("other:"):
        name = key.split(":", 1)[1]
        f = [("license", "other"), ("license_name", name)]
        return f + [("license_link", C.OTHER_LICENSE_LINKS.get(name, "LICENSE"))] if with_link else f
    if key == "other":
        return [("license", "other")] + ([("license_link", "LICENSE")] if with_link else [])
    return [("license", key)]


def _codes_to_strings(key: np.ndarray, build) -> tuple[pa.Array, np.ndarray]:
    """Unique combination keys -> (string table, index per row) with `build(key) -> str`."""
    uniq, inv = np.unique(key, return_inverse=True)
    return pa.array([build(int(k)) for k in uniq], pa.string()), inv.astype(np.int64)


def _format_dates(secs: np.ndarray, prefix: str = "", suffix: str = "") -> pa.Array:
    """Seconds after SNAPSHOT_START -> prefix + 'YYYY-MM-DD HH:MM:SS' + suffix (vectorised)."""
    start = int(SNAPSHOT_START.astype("datetime64[s]").astype(np.int64))
    t = secs.astype(np.int64) + start
    days, sod = np.divmod(t, 86400)
    z = days + 719468  # civil_from_days (H. Hinnant)
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = np.where(mp < 10, mp + 3, mp - 9)
    y = yoe + era * 400 + (m <= 2)
    hh, rem = np.divmod(sod, 3600)
    mi, ss = np.divmod(rem, 60)
    pre, suf = prefix.encode(), suffix.encode()
    w = len(pre) + 19 + len(suf)
    out = np.empty((len(t), w), np.uint8)
    out[:, : len(pre)] = np.frombuffer(pre, np.uint8)
    out[:, len(pre) + 19:] = np.frombuffer(suf, np.uint8)
    o = len(pre)
    for col, (val, width) in zip((0, 5, 8, 11, 14, 17), ((y, 4), (m, 2), (d, 2), (hh, 2), (mi, 2), (ss, 2))):
        v = val.copy()
        for k in range(width - 1, -1, -1):
            out[:, o + col + k] = 48 + v % 10
            v //= 10
    out[:, o + 4] = out[:, o + 7] = 45  # -
    out[:, o + 10] = 32
    out[:, o + 13] = out[:, o + 16] = 58  # :
    return pa.array(out.view(f"S{w}").ravel(), pa.binary(w)).cast(pa.string())


def model_times(g: Graph, p: Params, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """created_at and last_modified, in seconds after SNAPSHOT_START, of every generated model.

    Upload times grow with the Hub (`hub_growth_per_year`), follow model order, and respect
    the lineage: a root is not older than its family, a child not older than its parent.
    """
    rs = _streams(seed + 104_729, 16)
    r1, r2 = rs[11], rs[12]
    n = len(g.hub_rel)
    span = float((SNAPSHOT_END - SNAPSHOT_START).astype(np.int64))
    gr = math.log(max(1.0001, p.growth_per_year)) * span / (365.25 * 86400)
    u = np.sort(r1.random(n))
    created = np.log1p(u * math.expm1(gr)) / gr * span  # later dates more likely (growth)
    since = np.array([float((np.datetime64(f.since + "T00:00:00", "s") - SNAPSHOT_START).astype(np.int64))
                      for f in C.FAMILIES])
    roots = g.parent < 0
    created = np.where(roots, np.maximum(created, since[g.family] + r1.exponential(60 * 86400, n)), created)
    for i, r in enumerate(C.NAMED_ROOTS[: g.k_named]):
        created[i] = float((np.datetime64(r.created + "T12:00:00", "s") - SNAPSHOT_START).astype(np.int64))
    delay = r1.exponential(20 * 86400, n)
    order, bounds = g.level_order, g.level_bounds
    for d in range(1, len(bounds) - 1):
        idx = order[bounds[d]: bounds[d + 1]]
        created[idx] = np.maximum(created[idx], created[g.parent[idx]] + delay[idx])
    created = np.minimum(created, span - 3600)
    same, mu, sd = p.lastmod
    lm = np.where(r2.random(n) < same, r2.random(n) * 60, np.exp(r2.normal(mu, sd, n)) * 86400)
    return created.astype(np.int64), np.minimum(created + lm, span).astype(np.int64)


class Renderer:
    """The JSON lines of batches of models, from per-model codes and a few per-row strings.

    A line is one Arrow string join of: per-row strings (author, id, parents, dates,
    counts, sha) and fragments chosen by small integer codes from tables built once
    (the card's fields, library, pipeline, tags and license tags).
    """

    def __init__(self, g: Graph, names: Names, p: Params, seed: int, card_yaml: bool):
        self.g, self.card_yaml = g, card_yaml
        n = len(g.hub_rel)
        rs = _streams(seed + 104_729, 16)
        vocab = p.license_vocab
        V = len(vocab)
        self.ids, self.authors = names.ids, names.authors
        comps = _profile_table(g, names)
        libs, lib_i = comps["library"]
        pipes, pipe_i = comps["pipeline"]
        ctags, ctag_i = comps["card_tags"]
        tagpre, tagpre_i = comps["tags"]
        tails, tail_i = comps["tail"]
        mods, mod_i = comps["modality"]
        is_child = g.parent >= 0
        # -- per-row choices
        lic = g.license.astype(np.int64)
        is_named_other = np.array([k.startswith("other:") for k in vocab])
        is_other = np.array([k == "other" for k in vocab])
        lu = rs[0].random(n)
        with_link = np.where(is_named_other[lic], lu < p.link_given_name, is_other[lic] & (lu < p.link_given_no_name))
        use_lib = (rs[1].random(n) < p.card_field["library_name"]) & np.array([x is not None for x in libs])[lib_i]
        use_pipe = rs[2].random(n) < p.card_field["pipeline_tag"]
        use_tags = (rs[3].random(n) < p.card_field["tags"]) & np.array([bool(x) for x in ctags])[ctag_i]
        ds_tab = [None]
        ds_off = np.zeros(len(mods), np.int64)
        ds_len = np.zeros(len(mods), np.int64)
        for mi, m in enumerate(mods):
            ds_off[mi], ds_len[mi] = len(ds_tab), len(C.DATASETS[m])
            ds_tab += list(C.DATASETS[m])
        DS = len(ds_tab)
        ds = np.where(rs[4].random(n) < p.card_field["datasets"],
                      ds_off[mod_i] + (rs[5].random(n) * ds_len[mod_i]).astype(np.int64), 0)
        declared = np.where((rs[6].random(n) < p.declared_relation) & is_child, 1 + g.true_rel.astype(np.int64), 0)
        multi = np.zeros(n, bool)
        multi[list(g.extra_parents)] = True
        cv = np.where(~is_child, 0, np.where(multi | (rs[7].random(n) < p.single_as_list), 2, 1))
        gu = rs[8].random(n)
        gated = np.where(gu < p.gated_auto, 1, np.where(gu < p.gated_auto + p.gated_manual, 2, 0))
        for i, r in enumerate(C.NAMED_ROOTS[: g.k_named]):
            gated[i] = {"false": 0, "auto": 1, "manual": 2}[r.gated]
        self.gated = gated
        self.f_gated = pa.array([', "gated": false, "id": "', ', "gated": "auto", "id": "', ', "gated": "manual", "id": "'])

        def counts(rng, z, mu, sd):
            v = np.where(rng.random(n) < z, 0, np.maximum(1, np.round(np.exp(rng.normal(mu, sd, n)))))
            return np.minimum(v, 5e8).astype(np.int64)

        self.downloads = counts(rs[9], *p.downloads)
        self.likes = counts(rs[10], *p.likes)
        self.downloads[: g.k_named] = np.round(np.exp(rs[9].normal(13.0, 1.5, g.k_named))).astype(np.int64)
        self.likes[: g.k_named] = np.round(np.exp(rs[10].normal(7.0, 1.0, g.k_named))).astype(np.int64)
        self.created, self.modified = model_times(g, p, seed)
        self.sha_seed = int(rs[13].integers(2**62))
        self.hex = np.array([f"{i:02x}" for i in range(256)], dtype="S2")
        # -- the card: A(variant) + P(parents, per row) + B1(fields before the license) + B2(the rest)
        y = card_yaml
        if y:
            self.t_a = pa.array(['", "card_data": ', '", "card_data": "base_model: ', '", "card_data": "base_model:\\n- '])
        else:
            self.t_a = pa.array(['", "card_data": ', '", "card_data": {"base_model": "', '", "card_data": {"base_model": ["'])
        self.cv = cv

        def field_text(k: str, val) -> str:
            if y:
                return f"{k}:" + "".join(f"\\n- {x}" for x in val) if isinstance(val, (list, tuple)) else f"{k}: {val}"
            return f'"{k}": [{_jlist(val)}]' if isinstance(val, (list, tuple)) else f'"{k}": "{val}"'

        def joined(parts: list[str], lead: bool) -> str:
            sep = "\\n" if y else ", "
            return "".join(sep + x for x in parts) if lead else sep.join(parts)

        def card_b1(key: int) -> str:  # base_model_relation, datasets, library_name
            key, li = divmod(key, len(libs) + 1)
            key, d = divmod(key, DS)
            v, rel = divmod(key, 6)
            parts = []
            if rel:
                parts.append(field_text("base_model_relation", RELATIONS[rel - 1]))
            if d:
                parts.append(field_text("datasets", [ds_tab[d]]))
            if li:
                parts.append(field_text("library_name", libs[li - 1]))
            if v == 0:  # a root: open the card if there is a field
                return (('"' if y else "{") + joined(parts, False)) if parts else ""
            if y:
                return joined(parts, True)
            return ('"' if v == 1 else '"]') + joined(parts, True)  # close base_model first

        key1 = (cv * 6 + declared) * DS * (len(libs) + 1) + ds * (len(libs) + 1) + np.where(use_lib, lib_i + 1, 0)
        self.t_b1, self.c_b1 = _codes_to_strings(key1, card_b1)
        b1_empty = np.array([len(x) == 0 for x in self.t_b1.to_pylist()])[self.c_b1]

        def card_b2(key: int) -> str:  # license fields, pipeline_tag, tags, the close
            key, ti = divmod(key, len(ctags) + 1)
            key, pi = divmod(key, len(pipes) + 1)
            key, lf = divmod(key, 2 * V)
            v, empty = divmod(key, 2)
            parts = [field_text(k, val) for k, val in _license_fields(vocab[lf // 2], bool(lf % 2))]
            if pi:
                parts.append(field_text("pipeline_tag", pipes[pi - 1]))
            if ti:
                parts.append(field_text("tags", list(ctags[ti - 1])))
            close = '"' if y else "}"
            if v == 0 and empty:  # a root whose card B1 did not open
                body = (('"' if y else "{") + joined(parts, False) + close) if parts else "null"
            else:
                body = joined(parts, True) + close
            return body + ', "created_at": "'

        lf = lic * 2 + with_link
        key2 = (((cv * 2 + b1_empty) * (2 * V) + lf) * (len(pipes) + 1) + np.where(use_pipe, pipe_i + 1, 0)) \
            * (len(ctags) + 1) + np.where(use_tags, ctag_i + 1, 0)
        self.t_b2, self.c_b2 = _codes_to_strings(key2, card_b2)
        # library / likes and pipeline / sha fragments
        self.lib_i, self.pipe_i = lib_i, pipe_i
        self.t_lib = pa.array([f'+00:00", "library_name": {json.dumps(x)}, "likes": ' for x in libs])
        self.t_pipe = pa.array([f', "pipeline_tag": "{x}", "private": false, "sha": "' for x in pipes])

        # tags: T17 + pid + T19 + pid + T21
        def tags_open(k: int) -> str:
            k, child = divmod(k, 2)
            ti, d = divmod(k, DS)
            s = '", "tags": [' + _jlist(tagpre[ti]) + ", "
            if d:
                s += f'"dataset:{ds_tab[d]}", '
            return s + ('"base_model:' if child else "")

        self.t_17, self.c_17 = _codes_to_strings((tagpre_i * DS + ds) * 2 + is_child, tags_open)
        self.t_19 = pa.array([""] + [f'", "base_model:{r}:' for r in RELATIONS[1:]])

        def tags_close(k: int) -> str:
            k, ti = divmod(k, len(tails))
            child, lc = divmod(k, V)
            key_ = vocab[lc]
            s = '", ' if child else ""
            if key_ != "none":
                s += f'"license:{key_.split(":", 1)[0]}", '
            return s + _jlist(tails[ti]) + "]}\n"

        self.t_21, self.c_21 = _codes_to_strings((is_child * V + lic) * len(tails) + tail_i, tags_close)
        # parents as strings: "" for roots, the parent's id, or a merge's joined list
        self.par = np.where(is_child, g.parent, n)
        self.ids_ext = pa.concat_arrays([self.ids, pa.array([""], pa.string())])
        self.merge_p: dict[int, tuple[str, str, str]] = {}
        for i, co in g.extra_parents.items():
            ps = [self.ids[int(g.parent[i])].as_py()] + [self.ids[int(j)].as_py() for j in co]
            card = ("\\n- " if y else '", "').join(ps)
            if g.stale[i]:  # the tags name the first parent only
                self.merge_p[i] = (card, ps[0], ps[0])
            else:
                self.merge_p[i] = (card, '", "base_model:'.join(ps), '", "base_model:merge:'.join(ps))

    def render(self, rows: np.ndarray, batch: int = 0) -> pa.Array:
        """JSON lines (newline-terminated strings) of the models `rows`, the `batch`-th batch.

        Thread-safe: batches may render concurrently (Arrow kernels release the GIL).
        """
        g = self.g
        nb = len(rows)
        ra = pa.array(rows)
        pid = pc.take(self.ids_ext, pa.array(self.par[rows]))
        p_card = p_t1 = p_t2 = pid
        mpos = [k for k, i in enumerate(rows.tolist()) if i in self.merge_p]
        if mpos:
            mask = np.zeros(nb, bool)
            mask[mpos] = True
            fr = [self.merge_p[int(rows[k])] for k in mpos]
            mk = pa.array(mask)
            p_card = pc.replace_with_mask(pid, mk, pa.array([f[0] for f in fr]))
            p_t1 = pc.replace_with_mask(pid, mk, pa.array([f[1] for f in fr]))
            p_t2 = pc.replace_with_mask(pid, mk, pa.array([f[2] for f in fr]))
        rng = np.random.default_rng([self.sha_seed, batch])
        sha = self.hex[rng.integers(0, 256, (nb, 20), dtype=np.uint8)]
        sha = pa.array(np.ascontiguousarray(sha).view("S40").ravel(), pa.binary(40)).cast(pa.string())
        return pc.binary_join_element_wise(
            '{"author": "', pc.take(self.authors, ra),
            _take(self.t_a, self.cv[rows]), p_card, _take(self.t_b1, self.c_b1[rows]), _take(self.t_b2, self.c_b2[rows]),
            _format_dates(self.created[rows], "", '+00:00", "disabled": false, "downloads": '),
            pc.cast(pa.array(self.downloads[rows]), pa.string()),
            _take(self.f_gated, self.gated[rows]), pc.take(self.ids, ra),
            _format_dates(self.modified[rows], '", "last_modified": "', ""),
            _take(self.t_lib, self.lib_i[rows]), pc.cast(pa.array(self.likes[rows]), pa.string()),
            _take(self.t_pipe, self.pipe_i[rows]), sha,
            _take(self.t_17, self.c_17[rows]), p_t1,
            _take(self.t_19, g.hub_rel[rows]), p_t2,
            _take(self.t_21, self.c_21[rows]),
            "",
        )


def _string_bytes(arr: pa.Array) -> memoryview:
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32 if arr.type == pa.string() else np.int64)
    start, end = offsets[arr.offset], offsets[arr.offset + len(arr)]
    return memoryview(arr.buffers()[2])[start:end]


# ----------------------------------------------------------------------------- main entry
def generate(n_models: int, seed: int, out: Path, card_yaml: bool = False, *,
             calibration: Path | dict | None = None, gzip_level: int = 1) -> SynthSummary:
    """Write a synthetic Hub snapshot of `n_models` model records to `out`.

    `out` ending in `.gz` is gzip-compressed JSONL, `.parquet` is Parquet (card_data as
    JSON or YAML text, tags as a list), anything else plain JSONL. The same `n_models`,
    `seed` and `card_yaml` always give byte-identical output.
    """
    t0 = time.perf_counter()
    out = Path(out)
    if calibration is None:
        p = packaged_params()
    else:
        p = cook(calibration if isinstance(calibration, dict) else load_calibration(Path(calibration)))
    g = build_graph(n_models, seed, p)
    names = build_names(g, seed, p)
    renderer = Renderer(g, names, p, seed, card_yaml)
    vis = g.visible_idx
    batches = [vis[a: a + BATCH_ROWS] for a in range(0, len(vis), BATCH_ROWS)]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    lower = out.name.lower()
    try:
        if lower.endswith(".parquet"):
            written = _write_parquet(tmp, renderer, batches)
        else:
            written = _write_jsonl(tmp, renderer, batches, lower.endswith(".gz"), gzip_level)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return _summary(g, p, out, seed, card_yaml, written, time.perf_counter() - t0)


def _write_jsonl(path: Path, renderer: Renderer, batches: list[np.ndarray], gz: bool, level: int) -> int:
    def work(k: int):
        arr = renderer.render(batches[k], k)
        data = _string_bytes(arr)
        if not gz:
            return arr, data
        co = zlib.compressobj(level, zlib.DEFLATED, 31)  # one gzip member per batch
        return None, co.compress(data) + co.flush()

    written = 0
    with open(path, "wb") as fh, ThreadPoolExecutor(max_workers=2) as pool:
        pending = []
        for k in range(len(batches)):
            pending.append(pool.submit(work, k))
            while len(pending) > 3:
                _, chunk = pending.pop(0).result()
                fh.write(chunk)
                written += len(chunk)
        for f in pending:
            _, chunk = f.result()
            fh.write(chunk)
            written += len(chunk)
    return written


def _write_parquet(path: Path, renderer: Renderer, batches: list[np.ndarray]) -> int:
    import pyarrow.parquet as pq

    schema = pa.schema([
        ("id", pa.string()), ("author", pa.string()), ("sha", pa.string()), ("created_at", pa.string()),
        ("last_modified", pa.string()), ("private", pa.bool_()), ("gated", pa.string()), ("disabled", pa.bool_()),
        ("downloads", pa.int64()), ("likes", pa.int64()), ("library_name", pa.string()),
        ("tags", pa.list_(pa.string())), ("pipeline_tag", pa.string()), ("card_data", pa.string()),
    ])
    with pq.ParquetWriter(path, schema, compression="zstd") as w:
        for k, b in enumerate(batches):
            recs = [json.loads(x) for x in renderer.render(b, k).to_pylist()]
            cols = {name: [r[name] for r in recs] for name in schema.names}
            cols["gated"] = ["false" if x is False else str(x) for x in cols["gated"]]
            cols["card_data"] = [x if x is None or isinstance(x, str) else json.dumps(x) for x in cols["card_data"]]
            w.write_table(pa.table(cols, schema=schema))
    return path.stat().st_size


def _summary(g: Graph, p: Params, out: Path, seed: int, card_yaml: bool, written: int, seconds: float) -> SynthSummary:
    vis = g.visible_idx
    hub, true, lic = g.hub_rel[vis], g.true_rel[vis], g.license[vis]
    vocab = p.license_vocab
    by_rel = {RELATIONS[r]: int(c) for r, c in zip(*np.unique(hub, return_counts=True))}
    by_true = {RELATIONS[r]: int(c) for r, c in zip(*np.unique(true, return_counts=True))}
    lc = np.bincount(lic, minlength=len(vocab))
    by_lic = {vocab[i]: int(c) for i, c in sorted(enumerate(lc), key=lambda x: -x[1]) if c}
    present = np.zeros(len(g.hub_rel), bool)
    present[vis] = True
    child = vis[g.parent[vis] >= 0]
    n_edges = len(child) + sum(len(v) for i, v in g.extra_parents.items() if present[i])
    dangling = int((~present[g.parent[child]]).sum())
    dangling += sum(1 for i, co in g.extra_parents.items() if present[i] for j in co if not present[j])
    return SynthSummary(
        path=out, n_models=len(vis), seed=seed, card_yaml=card_yaml, by_relation=by_rel, by_true_relation=by_true,
        by_license=by_lic, n_edges=int(n_edges), n_dangling_edges=dangling,
        n_hub_mislabeled=int(((hub == REL_FINETUNE) & (true == REL_QUANTIZED)).sum()),
        n_license_changed=int((g.license[child] != g.license[g.parent[child]]).sum()),
        n_hidden_parents=int(g.hidden.sum()), n_stale_tags=int(g.stale[vis].sum()),
        bytes_written=int(written), seconds=round(seconds, 3),
    )


def synth_command(models: int, seed: int, out: Path, card_yaml: bool = False) -> dict:
    """Command entry (`python bench/synth.py`): generate, return the summary as a JSON-ready dict."""
    return generate(models, seed, Path(out), card_yaml=card_yaml).to_dict()
