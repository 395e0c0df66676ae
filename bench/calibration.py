"""Calibrate the synthetic Hub to the real files, and compare the two.

    .venv/bin/python bench/calibration.py                 # real vs synthetic (200k models)
    .venv/bin/python bench/calibration.py --write         # re-measure, refit, rewrite calibration.json
    .venv/bin/python bench/calibration.py --models 50000 --seed 3

Real data: ../shared/data/hub-lineage-2025.csv.gz (added rows: graph shape, relations) and
../shared/data/hub-sample-2025.jsonl.gz (licenses, cards), or $LICENSEGRAPH_SHARED_DATA.
Only numbers measured from them go into bench/hubsynth/calibration.json.

`--write` also refits the few parameters that are not read straight off the data:
the Pareto tail and eligible share of parent popularity (matched to the children-per-parent
histogram), and the license weights of roots (so that the snapshot's overall license mix,
roots plus relabelled children, matches the sample's).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import os
import re
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))

from hubsynth import catalog as C  # noqa: E402
from hubsynth import generator as G  # noqa: E402
from hubsynth import measure as M  # noqa: E402

CAL_PATH = REPO / "bench" / "hubsynth" / "calibration.json"


def data_dir(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    env = os.environ.get("LICENSEGRAPH_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def published_license_counts(ref_dir: Path) -> dict:
    """Hub-wide license counts quoted in licenses.md, if it has any."""
    path = ref_dir / "licenses.md"
    found = []
    if path.exists():
        pat = re.compile(r"`?([a-z0-9.+-]+)`?\s*[:(]?\s*([0-9][0-9,]{2,})\s+(models|repos|repositories)", re.I)
        for line in path.read_text(encoding="utf-8").splitlines():
            for m in pat.finditer(line):
                found.append({"license": m.group(1), "count": int(m.group(2).replace(",", "")), "line": line.strip()[:160]})
    return {
        "source": "../shared/reference/licenses.md",
        "counts": found,
        "note": "licenses.md lists the 83 accepted license ids but quotes no Hub-wide per-license model counts; "
                "the license mix is therefore calibrated to the sample alone (biased toward ~29 popular families)."
        if not found else "counts quoted in licenses.md",
    }


# ----------------------------------------------------------------------------- measuring
def measure_real(ddir: Path) -> tuple[dict, dict, dict]:
    lpath, spath = ddir / M.LINEAGE_FILE, ddir / M.SAMPLE_FILE
    t = time.perf_counter()
    rows, deleted, info = M.read_lineage_csv(lpath)
    lin = M.lineage_stats(rows, deleted)
    lin["window"] = info
    smp = M.license_stats(M.read_records(spath))
    meta = {
        "lineage_file": {"name": M.LINEAGE_FILE, "sha256": _sha256(lpath), "rows_used": "event=added"},
        "sample_file": {"name": M.SAMPLE_FILE, "sha256": _sha256(spath)},
        "measured_on": date.today().isoformat(),
        "seconds": round(time.perf_counter() - t, 1),
    }
    return lin, smp, meta


ASSUMPTIONS = {
    "transition_min_children": 20,
    "merge_coparent_same_family": 0.9,
    "hub_growth_per_year": 2.0,
    "root_license_floor": {
        "llama3": 0.0008, "llama3.1": 0.0008, "llama3.2": 0.0005, "llama3.3": 0.0005, "llama4": 0.0002,
        "cc-by-4.0": 0.001, "cc-by-nc-sa-4.0": 0.0005, "cc-by-nd-4.0": 0.0003, "cc-by-nc-nd-4.0": 0.0003,
        "gpl-3.0": 0.0005, "openrail++": 0.001, "bigscience-openrail-m": 0.0005,
        "fair-noncommercial-research-license": 0.0002, "deepfloyd-if-license": 0.0001,
    },
    "notes": {
        "transition_min_children": "parent licenses with fewer children in the sample use the pooled row of "
                                   "their class (model licenses, permissive, other, none, all)",
        "merge_coparent_same_family": "not measurable without licenses on the lineage file; an assumption",
        "hub_growth_per_year": "created_at spread: the Hub roughly doubles its model count every year",
        "root_license_floor": "licenses the audit rules need (share-alike, ND, Llama 3, ...) kept at a small "
                              "share of roots even where the sample has none",
    },
}


def assemble(lin: dict, smp: dict, meta: dict, fitted: dict, ref_dir: Path) -> dict:
    return {
        "measured_from": {
            **meta,
            "note": "Numbers measured from the real files by bench/calibration.py (no records copied). "
                    "lineage: the CSV's event=added rows; parents outside the file count as roots (or as "
                    "quantized when their name shows a quantized format) in parent_relation_given_child. "
                    "sample: licenses normalized from the card YAML (`license`, and `license_name` when "
                    "`other`). fitted: parameters tuned so the generator reproduces the measured numbers.",
        },
        "lineage": lin,
        "sample": smp,
        "hub_published_license_counts": published_license_counts(ref_dir),
        "assumptions": ASSUMPTIONS,
        "fitted": fitted,
    }


# ----------------------------------------------------------------------------- fitting
def window_mask(g: G.Graph, p: G.Params, seed: int, days: int) -> np.ndarray:
    """The written models uploaded in the last `days` of the snapshot (the lineage file's view)."""
    created, _ = G.model_times(g, p, seed)
    m = np.zeros(len(g.hub_rel), bool)
    m[g.visible_idx] = True
    return m & (created >= created[g.visible_idx].max() - days * 86400)


def _graph_children(g: G.Graph, window: np.ndarray) -> np.ndarray:
    """Children per parent, counting the children in the window (parents may be anywhere)."""
    kids = np.flatnonzero(window & (g.parent >= 0))
    co = [j for i, js in g.extra_parents.items() if window[i] for j in js]
    cnt = np.bincount(np.concatenate([g.parent[kids], np.array(co, np.int64)]), minlength=len(g.hub_rel))
    return cnt[cnt > 0]


def _bins(cnt: np.ndarray) -> np.ndarray:
    return np.array([((cnt >= lo) & (cnt <= hi)).sum() for lo, hi in M.CHILDREN_BINS], float)


def _depth_shares(g: G.Graph, window: np.ndarray) -> np.ndarray:
    d = G.snapshot_depth(g, window)[window]
    d = d[d > 0]
    out = np.array([(d == 1).sum(), (d == 2).sum(), (d == 3).sum(), (d == 4).sum(), (d >= 5).sum()], float)
    return out / max(1.0, out.sum())


def _real_depth(lin: dict) -> np.ndarray:
    d = {int(k): v for k, v in lin["chain_depth"].items()}
    out = np.array([d.get(1, 0), d.get(2, 0), d.get(3, 0), d.get(4, 0), sum(v for k, v in d.items() if k >= 5)], float)
    return out / out.sum()


def fit_graph(cal: dict, n: int, seeds: tuple[int, ...] = (11, 12)) -> dict:
    """Grid-fit chain depth (non-root parent scale, series continuation) and parent popularity
    (Pareto tail, eligible share, fresh parents of quantizations). Both are compared as the
    lineage file sees the Hub: the models uploaded in its window, parents outside it absent.
    Losses are averaged over a few seeds: heavy tails make one snapshot noisy."""
    lin = cal["lineage"]
    days = lin.get("window", {}).get("window_days", 112)
    real = np.array(list(lin["children_per_parent_hist"].values()), float)
    real /= real.sum()
    real_ppe = lin["children_per_parent"]["parents_per_edge"]
    real_depth = _real_depth(lin)
    real_absent = lin["dangling"]["parents_absent_share"]
    real_top = lin["children_per_parent"]["top1pct_parents_edge_share"]
    real_quant_top = lin["authors"]["top8_share_by_relation"]["quantized"][0]
    f = cal["fitted"]

    def builds(**kw):
        c2 = copy.deepcopy(cal)
        c2["fitted"].update(kw)
        p = G.cook(c2)
        for seed in seeds:
            g = G.build_graph(n, seed, p)
            yield g, p, seed, window_mask(g, p, seed, days)

    def fit_depth() -> None:
        best = None
        for scale in (0.6, 0.8, 1.0, 1.2, 1.5):
            for kappa in (0.1, 0.2, 0.3, 0.45):
                losses = []
                for g, _, _, win in builds(depth_scale=scale, series_continue=kappa):
                    sh = _depth_shares(g, win)
                    losses.append(np.abs(sh - real_depth).sum() + 0.1 * np.abs(np.log((sh + 1e-4) / (real_depth + 1e-4))).sum())
                loss = float(np.mean(losses))
                if best is None or loss < best[0]:
                    best = (loss, scale, kappa)
        f.update(depth_scale=best[1], series_continue=best[2], depth_fit_loss=round(best[0], 4))

    def fit_popularity() -> None:
        best = None
        for alpha in (0.6, 0.7, 0.8, 0.9, 1.1):
            for elig in (0.05, 0.1, 0.2, 0.35):
                for fresh in (0.0, 0.3, 0.6, 0.9):
                    losses = []
                    for g, p, seed, win in builds(parent_weight_alpha=alpha, parent_eligible_share=elig,
                                                  quantized_fresh_parent_share=fresh):
                        cnt = _graph_children(g, win)
                        h = _bins(cnt)
                        h /= h.sum()
                        parents = np.unique(g.parent[np.flatnonzero(win & (g.parent >= 0))])
                        absent = 1 - win[parents].mean()
                        top = np.sort(cnt)[::-1][: max(1, len(cnt) // 100)].sum() / cnt.sum()
                        codes, _, _ = G.author_codes(g, seed, p)
                        q = np.flatnonzero(win & (g.hub_rel == C.REL_QUANTIZED))
                        qtop = np.bincount(codes[q]).max() / max(1, len(q))
                        losses.append(np.abs(h - real).sum() + abs(math.log(len(cnt) / cnt.sum() / real_ppe))
                                      + abs(math.log(absent / real_absent)) + abs(math.log(top / real_top))
                                      + 0.5 * abs(math.log(qtop / real_quant_top)))
                    loss = float(np.mean(losses))
                    if best is None or loss < best[0]:
                        best = (loss, alpha, elig, fresh)
        f.update(parent_weight_alpha=best[1], parent_eligible_share=best[2], quantized_fresh_parent_share=best[3],
                 graph_fit_loss=round(best[0], 4))

    fit_depth()
    fit_popularity()
    fit_depth()
    return {k: f[k] for k in ("depth_scale", "series_continue", "depth_fit_loss", "parent_weight_alpha",
                              "parent_eligible_share", "quantized_fresh_parent_share", "graph_fit_loss")}


def fit_authors(cal: dict, n: int, seed: int = 13) -> dict:
    """Zipf exponent and pool size of authors: distinct authors per model, top-1% share."""
    lin = cal["lineage"]
    ra = lin["authors"]
    best = None
    for ratio in (0.4, 0.5, 0.6, 0.8):
        for s in (0.8, 0.85, 0.9, 0.93, 0.96, 1.0):
            c2 = copy.deepcopy(cal)
            c2["fitted"].update(author_pool_ratio=ratio, author_zipf_s=s)
            p = G.cook(c2)
            g = G.build_graph(n, seed, p)
            codes, _, _ = G.author_codes(g, seed, p)
            cnt = np.sort(np.bincount(codes[g.visible_idx]))[::-1]
            cnt = cnt[cnt > 0]
            distinct = len(cnt) / len(g.visible_idx)
            top = cnt[: max(1, len(cnt) // 100)].sum() / len(g.visible_idx)
            loss = abs(math.log(distinct / ra["distinct_per_model"])) + abs(math.log(top / ra["top1pct_share"]))
            if best is None or loss < best[0]:
                best = (loss, ratio, s)
    return {"author_pool_ratio": best[1], "author_zipf_s": best[2], "author_fit_loss": round(best[0], 4)}


def _expand_other(weights: dict[str, float], smp: dict, with_name: float) -> dict[str, float]:
    """Split the pooled `other` weight into `other` and `other:<name>` keys."""
    w_other = weights.pop("other", 0.0)
    names = Counter()
    for name, c in smp["other_license_name_counts"].items():
        names[G.clean_target("other:" + name)] += c
    for fam in C.FAMILIES:
        for lic in fam.licenses:
            if lic.startswith("other:") and lic not in names:
                names[lic] = 1
    tot = sum(names.values())
    weights["other"] = w_other * (1 - with_name)
    for k, c in names.items():
        weights[k] = weights.get(k, 0.0) + w_other * with_name * c / tot
    return weights


def fit_root_licenses(cal: dict, n: int = 200_000, rounds: int = 10, seed: int = 5) -> tuple[dict[str, float], float]:
    """Root license weights (and the share of `other` roots naming their license) such that
    the whole snapshot, roots plus children relabelled by the transitions, has the sample's mix."""
    smp = cal["sample"]
    target = dict(smp["license_mix"])
    target_wn = smp["other_with_name_share"]
    pooled = dict(target)
    for k, v in cal["assumptions"]["root_license_floor"].items():
        pooled.setdefault(k, v)
    wn = target_wn
    for _ in range(rounds):
        c2 = copy.deepcopy(cal)
        c2["fitted"]["root_license_weights"] = _expand_other(dict(pooled), smp, wn)
        p = G.cook(c2)
        g = G.build_graph(n, seed, p)
        lic = g.license[g.visible_idx]
        counts, named = Counter(), 0
        for code, c in zip(*np.unique(lic, return_counts=True)):
            key = p.license_vocab[code]
            counts[M.pooled_key(key)] += int(c)
            named += int(c) if key.startswith("other:") else 0
        tot = sum(counts.values())
        for k, t in target.items():
            f = min(4.0, max(0.25, (t + 1e-5) / (counts.get(k, 0) / tot + 1e-5)))
            pooled[k] = pooled[k] * f
        m_wn = named / max(1, counts.get("other", 0))
        wn = min(0.98, max(0.02, wn + (target_wn - m_wn)))
    weights = _expand_other(dict(pooled), smp, wn)
    s = sum(weights.values())
    return {k: round(v / s, 8) for k, v in sorted(weights.items(), key=lambda kv: -kv[1])}, round(wn, 6)


# ----------------------------------------------------------------------------- comparing
def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4f}"
    return str(v)


def _table(title: str, rows: list[tuple[str, object, object]]) -> None:
    print(f"\n## {title}")
    w = max([len(r[0]) for r in rows] + [10])
    print(f"  {'':<{w}}  {'real':>12}  {'synthetic':>12}")
    for name, a, b in rows:
        print(f"  {name:<{w}}  {_fmt(a):>12}  {_fmt(b):>12}")


def _shares(d: dict, keys=None) -> dict:
    tot = sum(d.values()) or 1
    return {k: d.get(k, 0) / tot for k in (keys or d)}


def _group_depth(d: dict) -> dict:
    out = Counter()
    for k, v in d.items():
        k = int(k)
        out["5+" if k >= 5 else str(k)] += v
    return _shares(out, ["1", "2", "3", "4", "5+"])


def _group_fan(d: dict) -> dict:
    out = Counter()
    for k, v in d.items():
        k = int(k)
        out["6-9" if 6 <= k <= 9 else "10+" if k >= 10 else str(k)] += v
    return _shares(out, ["1", "2", "3", "4", "5", "6-9", "10+"])


def compare(cal: dict, n: int, seed: int) -> dict:
    lin, smp = cal["lineage"], cal["sample"]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "synth.jsonl"
        t = time.perf_counter()
        summary = G.generate(n, seed, out, calibration=cal)
        gen_s = time.perf_counter() - t
        recs = list(M.read_records(out))
    slin = M.lineage_stats(M.lineage_rows_from_records(recs))
    ssmp = M.license_stats(recs)
    # the lineage file's view: models uploaded in its window, parents outside it absent
    days = lin.get("window", {}).get("window_days", 112)
    last = max(r["created_at"] for r in recs)
    from datetime import datetime, timedelta

    cutoff = (datetime.fromisoformat(last) - timedelta(days=days)).isoformat(sep=" ")
    wrecs = [r for r in recs if r["created_at"] >= cutoff]
    wlin = M.lineage_stats(M.lineage_rows_from_records(wrecs))
    print(f"# synthetic: {n:,} models, seed {seed}, generated in {gen_s:.1f} s ({summary.bytes_written / 1e6:.0f} MB)")
    rows = [(r, lin["relation_shares_with_base"][r], slin["relation_shares_with_base"][r]) for r in C.RELATIONS[1:]]
    rows.append(("no base (share of all)", lin["no_base_share"], slin["no_base_share"]))
    _table("Relation of models with a base (Hub base_model:<relation>: tag)", rows)
    rf, sf = _group_fan(lin["merge_fan_in"]), _group_fan(slin["merge_fan_in"])
    _table("Merge fan-in (parents per merge)", [(k, rf[k], sf[k]) for k in rf])
    print(f"\n(window rows: the {len(wrecs):,} synthetic models uploaded in the last {days} days, as the "
          f"lineage file sees the Hub; the synthetic column of a window table is measured on them)")
    rd, sd, fd = _group_depth(lin["chain_depth"]), _group_depth(wlin["chain_depth"]), _group_depth(slin["chain_depth"])
    _table("Chain depth (child -> parent inside the file / the window)", [(k, rd[k], sd[k]) for k in rd])
    _table("Chain depth inside the whole synthetic snapshot (no real counterpart)", [(k, float("nan"), fd[k]) for k in rd])
    rh, sh = _shares(lin["children_per_parent_hist"]), _shares(wlin["children_per_parent_hist"])
    rows = [(f"parents with {k} children", rh[k], sh.get(k, 0.0)) for k in rh]
    rc, sc = lin["children_per_parent"], wlin["children_per_parent"]
    rows += [("parents per edge", rc["parents_per_edge"], sc["parents_per_edge"]),
             ("edge share of top 1% parents", rc["top1pct_parents_edge_share"], sc["top1pct_parents_edge_share"]),
             ("power-law alpha (MLE)", rc["powerlaw_alpha_mle"], sc["powerlaw_alpha_mle"]),
             ("max children", rc["max"], sc["max"])]
    _table("Parent popularity (children per parent, window)", rows)
    _table("Dangling base models", [
        ("edges to parents absent (real: deleted from Hub)", lin["dangling"]["edges_to_deleted_parents_share"],
         slin["dangling"]["edges_to_absent_share"]),
        ("edges to parents absent (sample file)", smp["dangling_edges_share"], ssmp["dangling_edges_share"]),
        ("parents absent from the file / the window", lin["dangling"]["parents_absent_share"],
         wlin["dangling"]["parents_absent_share"]),
        ("edges to parents absent from the file / the window", lin["dangling"]["edges_to_absent_share"],
         wlin["dangling"]["edges_to_absent_share"]),
    ])
    keys = list(smp["license_mix"])[:14]
    _table("License mix (card `license`, other pooled)", [(k, smp["license_mix"][k], ssmp["license_mix"].get(k, 0.0)) for k in keys])
    rows = []
    for pl in ("llama2", "mit", "gemma", "openrail++", "apache-2.0", "none"):
        r = smp["license_transitions"].get(pl)
        s = ssmp["license_transitions"].get(pl)
        if r:
            rows.append((f"{pl}: child keeps license", r["same"], s["same"] if s else float("nan")))
            top = [k for k in r["to"] if k != pl][:2]
            for k in top:
                rows.append((f"{pl}: child -> {k}", r["to"][k] / r["n"], (s["to"].get(k, 0) / s["n"]) if s else float("nan")))
    rows.append(("child license differs from parent", smp["child_license_differs_share"], ssmp["child_license_differs_share"]))
    _table("Child license given parent license (first parent in the file)", rows)
    _table("Cards and tags", [
        ("base_model_relation declared (of models with base)", smp["base_model_relation_declared_share"], ssmp["base_model_relation_declared_share"]),
        ("other: with license_name", smp["other_with_name_share"], ssmp["other_with_name_share"]),
        ("single base_model written as a list", smp["single_parent_as_list_share"], ssmp["single_parent_as_list_share"]),
        ("card datasets", smp["card_datasets_share"], ssmp["card_datasets_share"]),
        ("Hub finetune tag on a quantized name", lin["finetune_tag_with_quant_name_share"], slin["finetune_tag_with_quant_name_share"]),
        ("gated (auto+manual)", 1 - smp["gated_shares"].get("false", 1), 1 - ssmp["gated_shares"].get("false", 1)),
        ("downloads = 0", smp["downloads"]["zero_share"], ssmp["downloads"]["zero_share"]),
    ])
    ra, sa = lin["authors"], slin["authors"]
    rows = [("distinct authors per model", ra["distinct_per_model"], sa["distinct_per_model"]),
            ("models of the top 1% authors", ra["top1pct_share"], sa["top1pct_share"]),
            ("quantized: top author share", ra["top8_share_by_relation"]["quantized"][0], sa["top8_share_by_relation"]["quantized"][0])]
    rows += [(f"name keeps parent's first token: {r}", lin["name_keeps_parent_token_share"][r],
              slin["name_keeps_parent_token_share"].get(r, 0.0)) for r in C.RELATIONS[1:]]
    _table("Authors and names", rows)
    return {"summary": summary.to_dict(), "lineage": slin, "window": wlin, "sample": ssmp}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", action="store_true", help="re-measure the real files, refit, rewrite calibration.json")
    ap.add_argument("--no-fit-graph", action="store_true", help="with --write: keep the fitted popularity parameters")
    ap.add_argument("--models", type=int, default=200_000, help="synthetic models to compare (default 200000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", help="directory of the real files (default ../shared/data)")
    args = ap.parse_args(argv)
    ddir = data_dir(args.data)
    if args.write:
        lin, smp, meta = measure_real(ddir)
        old = json.loads(CAL_PATH.read_text()) if CAL_PATH.exists() else {}
        fitted = dict(old.get("fitted", {}))
        fitted.setdefault("author_pool_ratio", 0.5)
        fitted.setdefault("author_zipf_s", 0.93)
        fitted.setdefault("parent_weight_alpha", 1.0)
        fitted.setdefault("parent_eligible_share", 0.1)
        fitted.setdefault("series_continue", 0.5)
        fitted["notes"] = {
            "author_*": "Zipf over a pool of 0.5 x models authors; matches distinct authors per model and "
                        "the top-1% authors' share of the lineage file",
            "parent_*": "Pareto(alpha) popularity on an eligible share of models; grid-fitted to the "
                        "children-per-parent histogram and parents per edge",
            "series_continue": "P(an author's series model continues the previous one), grid-fitted with "
                               "depth_scale to the chain-depth distribution; series models are chosen at the "
                               "measured same-author-as-parent shares",
            "depth_scale": "multiplies the non-root parent shares of parent_relation_given_child: the file "
                           "counts parents older than its 15 weeks as roots, a complete snapshot does not",
            "quantized_fresh_parent_share": "share of quantizations whose parent is a recently uploaded "
                                            "model rather than a popular one (1-child parents)",
            "root_license_weights": "license draw of models without a base, fitted so the whole snapshot's "
                                    "mix (roots plus relabelled children) matches the sample's",
            "root_other_with_name_share": "share of `other` roots that carry a license_name, fitted so the "
                                          "snapshot's share matches the sample's",
        }
        cal = assemble(lin, smp, meta, fitted, ddir.parent / "reference")
        cal["fitted"].pop("root_license_weights", None)
        if not args.no_fit_graph:
            t = time.perf_counter()
            cal["fitted"].update(fit_graph(cal, lin["rows"]))
            print(f"graph fit: { {k: v for k, v in cal['fitted'].items() if k != 'notes'} } "
                  f"({time.perf_counter() - t:.0f} s)")
            t = time.perf_counter()
            cal["fitted"].update(fit_authors(cal, lin["rows"]))
            print(f"author fit: pool {cal['fitted']['author_pool_ratio']}, s {cal['fitted']['author_zipf_s']} "
                  f"({time.perf_counter() - t:.0f} s)")
        t = time.perf_counter()
        weights, wn = fit_root_licenses(cal)
        cal["fitted"]["root_license_weights"] = weights
        cal["fitted"]["root_other_with_name_share"] = wn
        print(f"root license fit ({time.perf_counter() - t:.0f} s)")
        CAL_PATH.write_text(json.dumps(cal, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {CAL_PATH}")
    cal = json.loads(CAL_PATH.read_text())
    compare(cal, args.models, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
