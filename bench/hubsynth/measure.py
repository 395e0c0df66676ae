"""Measure the distributions a synthetic Hub is calibrated to.

The same functions run on the real files (the lineage CSV, the Hub-records sample) and on
a generated snapshot, so `bench/calibration.py` can print real and synthetic side by side:

- ``lineage_stats(rows)`` takes ``(model_id, relation, parents)`` rows, as the lineage CSV
  has them or as ``lineage_rows_from_records`` reads them from ``base_model:<rel>:`` tags;
- ``license_stats(records)`` takes Hub model records (card as YAML text or a mapping).
"""

from __future__ import annotations

import gzip
import json
import math
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import yaml

from hubsynth.catalog import CUSTOM_LICENSE_NAME, KNOWN_OTHER_NAMES, NAMED_ROOTS, QUANT_FORMATS, RELATIONS

LINEAGE_FILE = "hub-lineage-2025.csv.gz"
SAMPLE_FILE = "hub-sample-2025.jsonl.gz"

# Names that show a quantized format (the evidence the audit reads from a repo name).
QUANT_NAME_RE = re.compile(r"gguf|gptq|awq|bnb|4bit|8bit|exl2|int4|int8|fp8|mlx", re.I)
_TOKEN_RE = re.compile(r"[-_.\s]")
CHILDREN_BINS = ((1, 1), (2, 2), (3, 4), (5, 9), (10, 19), (20, 49), (50, 99), (100, 199), (200, 499),
                 (500, 999), (1000, 4999), (5000, 10**12))

Row = tuple[str, str, tuple[str, ...]]  # (model id, relation or "none", parents)


def shared_data_dir() -> Path:
    """`../shared/data` beside the repository, or $LICENSEGRAPH_SHARED_DATA."""
    env = os.environ.get("LICENSEGRAPH_SHARED_DATA")
    if env:
        return Path(env)
    # bench/hubsynth/measure.py -> the repository root is parents[2]
    return Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _open_text(path: Path):
    path = Path(path)
    with open(path, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rt", encoding="utf-8") if gz else open(path, encoding="utf-8")


# --------------------------------------------------------------------------- lineage
def read_lineage_csv(path: Path) -> tuple[list[Row], set[str], dict]:
    """The `added` rows of the lineage CSV, the ids whose last event is `deleted`, and
    {"first_week", "last_week", "window_days"}."""
    import duckdb

    con = duckdb.connect()
    try:
        rel = con.execute(
            "SELECT row_number() OVER () AS n, week, event, \"Model ID\" AS m, coalesce(\"Type\", '') AS t, "
            "coalesce(\"Base Model\", '') AS b FROM read_csv(?, header=true, all_varchar=true)",
            [str(path)],
        ).fetchall()
    finally:
        con.close()
    rows: list[Row] = []
    last_event: dict[str, tuple[str, int, str]] = {}
    for n, week, event, m, t, b in rel:
        key = (week, n, event)
        prev = last_event.get(m)
        if prev is None or key[:2] >= prev[:2]:
            last_event[m] = key
        if event == "added":
            parents = tuple(p.strip() for p in b.split(", ") if p.strip()) if b else ()
            rows.append((m, t or "none", parents))
    deleted = {m for m, (_, _, ev) in last_event.items() if ev == "deleted"}
    weeks = sorted({str(r[1]) for r in rel})
    from datetime import date

    first, last = date.fromisoformat(weeks[0][:10]), date.fromisoformat(weeks[-1][:10])
    info = {"first_week": weeks[0][:10], "last_week": weeks[-1][:10], "window_days": (last - first).days + 7}
    return rows, deleted, info


def lineage_rows_from_records(records: Iterable[dict]) -> list[Row]:
    """Rows shaped like the lineage CSV, read from `base_model:<relation>:<id>` tags.

    As the CSV does: the relation of the last relation tag, the parents it names.
    """
    rows: list[Row] = []
    for rec in records:
        rel, parents = "none", []
        for tag in rec.get("tags") or ():
            if tag.startswith("base_model:"):
                parts = tag.split(":", 2)
                if len(parts) == 3 and parts[1] in RELATIONS:
                    rel = parts[1]
                    if parts[2] not in parents:
                        parents.append(parts[2])
        rows.append((rec["id"], rel, tuple(parents)))
    return rows


def _hist_bins(counts: Iterable[int]) -> dict[str, int]:
    out = {f"{lo}-{hi}" if hi != lo else str(lo): 0 for lo, hi in CHILDREN_BINS}
    for c in counts:
        for lo, hi in CHILDREN_BINS:
            if lo <= c <= hi:
                out[f"{lo}-{hi}" if hi != lo else str(lo)] += 1
                break
    return out


def _first_token(model_id: str) -> str:
    return _TOKEN_RE.split(model_id.rsplit("/", 1)[-1].lower(), 1)[0]


def quant_suffix(name: str) -> str:
    """Which of the catalog's quantized-name endings a repo name has ('' if none)."""
    low = name.lower()
    best = ""
    for suf in QUANT_FORMATS:
        if suf and low.endswith(suf.lower()) and len(suf) > len(best):
            best = suf
    return best


def lineage_stats(rows: list[Row], deleted: set[str] | None = None, top_parents: int = 0) -> dict:
    """Graph shape of a set of lineage rows (see module doc)."""
    rel_counts = Counter(t for _, t, _ in rows)
    ids = {m for m, _, _ in rows}
    rel_of: dict[str, str] = {}
    parents_of: dict[str, tuple[str, ...]] = {}
    for m, t, ps in rows:
        rel_of[m] = t
        if ps:
            parents_of[m] = ps
    edges = {(m, p) for m, _, ps in rows for p in ps}
    children = Counter(p for _, p in edges)
    n_with_base = sum(v for k, v in rel_counts.items() if k != "none")
    out: dict = {
        "rows": len(rows),
        "distinct_models": len(ids),
        "relation_counts": {r: rel_counts.get(r, 0) for r in RELATIONS},
        "relation_shares_with_base": {
            r: round(rel_counts.get(r, 0) / n_with_base, 6) if n_with_base else 0.0 for r in RELATIONS[1:]
        },
        "no_base_share": round(rel_counts.get("none", 0) / len(rows), 6) if rows else 0.0,
        "distinct_edges": len(edges),
        "distinct_parents": len(children),
        "multi_parent_rows": sum(1 for _, _, ps in rows if len(ps) > 1),
    }
    # fan-in of merges
    fan = Counter(len(ps) for _, t, ps in rows if t == "merge" and ps)
    out["merge_fan_in"] = {str(k): fan[k] for k in sorted(fan)}
    # children per parent
    cnt = sorted(children.values(), reverse=True)
    out["children_per_parent_hist"] = _hist_bins(cnt)
    if cnt:
        out["children_per_parent"] = {
            "mean": round(sum(cnt) / len(cnt), 4),
            "median": cnt[len(cnt) // 2],
            "max": cnt[0],
            "share_of_parents_with_1_child": round(sum(1 for c in cnt if c == 1) / len(cnt), 6),
            "top1pct_parents_edge_share": round(sum(cnt[: max(1, len(cnt) // 100)]) / sum(cnt), 6),
            # discrete power law P(k) ~ k^-alpha, k >= 1 (continuous MLE with the 1/2 shift)
            "powerlaw_alpha_mle": round(1 + len(cnt) / sum(math.log(c / 0.5) for c in cnt), 4),
            "parents_per_edge": round(len(cnt) / sum(cnt), 6),
        }
    if top_parents:
        out["top_parents"] = children.most_common(top_parents)
    # chain depth: follow child -> parents inside the rows; depth = 1 + max over parents
    depth: dict[str, int] = {}

    def _depth(m: str) -> int:
        stack = [(m, 0)]
        on_path = set()
        while stack:
            node, state = stack.pop()
            if node in depth:
                continue
            ps = [p for p in parents_of.get(node, ()) if p in ids]
            if state == 0:
                on_path.add(node)
                stack.append((node, 1))
                for p in ps:
                    if p not in depth and p not in on_path:
                        stack.append((p, 0))
            else:
                on_path.discard(node)
                depth[node] = (1 + max((depth.get(p, 0) for p in ps), default=0)) if node in parents_of else 0
        return depth[m]

    dcount = Counter(_depth(m) for m in parents_of)
    out["chain_depth"] = {str(k): dcount[k] for k in sorted(dcount)}
    # dangling parents
    absent = [p for p in children if p not in ids]
    out["dangling"] = {
        "parents_absent_share": round(len(absent) / len(children), 6) if children else 0.0,
        "edges_to_absent_share": round(sum(children[p] for p in absent) / len(edges), 6) if edges else 0.0,
    }
    if deleted is not None and edges:
        gone = [p for p in children if p in deleted]
        out["dangling"]["edges_to_deleted_parents_share"] = round(sum(children[p] for p in gone) / len(edges), 6)
        out["dangling"]["parents_deleted_share"] = round(len(gone) / len(children), 6)
    # the relation of each parent, by the child's relation. Parents outside the rows count as
    # roots, or as quantized when their name shows a quantized format.
    mat: dict[str, Counter] = defaultdict(Counter)
    for _m, t, ps in rows:
        for p in ps:
            if p in rel_of:
                pt = rel_of[p]
            else:
                pt = "quantized" if QUANT_NAME_RE.search(p) else "none"
            mat[t][pt] += 1
    out["parent_relation_given_child"] = {
        t: {pt: round(c[pt] / sum(c.values()), 6) for pt in RELATIONS} for t, c in sorted(mat.items())
    }
    out["edges_by_child_relation"] = {t: sum(c.values()) for t, c in sorted(mat.items())}
    # Hub relation tags contradicted by the repo name
    ft = [m for m, t, _ in rows if t == "finetune"]
    out["finetune_tag_with_quant_name_share"] = round(sum(1 for m in ft if QUANT_NAME_RE.search(m)) / len(ft), 6) if ft else 0.0
    q = [m for m, t, _ in rows if t == "quantized"]
    sufs = Counter(quant_suffix(m) for m in q)
    out["quantized_name_suffix_shares"] = {s: round(sufs[s] / len(q), 6) for s in QUANT_FORMATS} if q else {}
    # names: does the child's name start with the first token of its (first) parent's name?
    keep: Counter = Counter()
    tot: Counter = Counter()
    for m, t, ps in rows:
        if ps:
            tot[t] += 1
            keep[t] += _first_token(m) == _first_token(ps[0])
    out["name_keeps_parent_token_share"] = {t: round(keep[t] / tot[t], 6) for t in sorted(tot)}
    # authors
    authors = Counter(m.split("/", 1)[0] for m in ids)
    ac = sorted(authors.values(), reverse=True)
    out["authors"] = {
        "distinct_per_model": round(len(authors) / len(ids), 6) if ids else 0.0,
        "top1pct_share": round(sum(ac[: max(1, len(ac) // 100)]) / len(ids), 6) if ids else 0.0,
        "authors_with_1000_plus": sum(1 for c in ac if c >= 1000),
    }
    by_rel: dict[str, list[float]] = {}
    for r in RELATIONS:
        a = Counter(m.split("/", 1)[0] for m, t, _ in rows if t == r)
        tot_r = sum(a.values())
        by_rel[r] = [round(v / tot_r, 6) for _, v in a.most_common(8)] if tot_r else []
    out["authors"]["top8_share_by_relation"] = by_rel
    # batches: one author deriving several models from the same parent (sweeps, GGUF + i1-GGUF)
    groups: Counter = Counter()
    same_author: Counter = Counter()
    for m, t, ps in rows:
        if ps:
            groups[(t, m.split("/", 1)[0], ps[0])] += 1
            same_author[t] += m.split("/", 1)[0] == ps[0].split("/", 1)[0]
    out["author_parent_groups"] = {}
    for r in RELATIONS[1:]:
        sizes = [v for k, v in groups.items() if k[0] == r]
        if sizes:
            hist = Counter(sizes)
            out["author_parent_groups"][r] = {
                "mean_group_size": round(sum(sizes) / len(sizes), 6),
                "rows_in_groups_of_2_plus": round(sum(s for s in sizes if s >= 2) / sum(sizes), 6),
                "group_size_counts": {str(k): hist[k] for k in sorted(hist)},
            }
    out["same_author_as_parent_share"] = {
        r: round(same_author[r] / rel_counts[r], 6) for r in RELATIONS[1:] if rel_counts.get(r)
    }
    out["named_root_children"] = {r.id: children.get(r.id, 0) for r in NAMED_ROOTS}
    named = {r.id for r in NAMED_ROOTS}
    top_other = max((c for p, c in children.items() if p not in named), default=0)
    out["top_unnamed_parent_edge_share"] = round(top_other / len(edges), 6) if edges else 0.0
    return out


# --------------------------------------------------------------------------- records
def read_records(path: Path) -> Iterator[dict]:
    with _open_text(path) as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def card_mapping(rec: dict) -> dict:
    card = rec.get("card_data")
    if isinstance(card, str):
        try:
            card = yaml.load(card, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError:
            card = None
    return card if isinstance(card, dict) else {}


def card_parents(card: dict) -> list[str]:
    b = card.get("base_model")
    if isinstance(b, str):
        return [b.strip()] if b.strip() else []
    if isinstance(b, list):
        return [str(x).strip() for x in b if isinstance(x, str) and x.strip()]
    return []


def license_key(card: dict) -> str:
    """`none`, an id as the card writes it (lower-cased), `other`, or `other:<license_name>`
    (a name outside catalog.KNOWN_OTHER_NAMES counts as `other:custom-license`)."""
    lic = card.get("license")
    if isinstance(lic, list):
        lic = lic[0] if lic else None
    if lic is None or (isinstance(lic, str) and not lic.strip()):
        return "none"
    lic = str(lic).strip().lower()
    if lic == "other":
        name = card.get("license_name")
        if isinstance(name, str) and name.strip():
            name = name.strip().lower()
            return "other:" + (name if name in KNOWN_OTHER_NAMES else CUSTOM_LICENSE_NAME)
        return "other"
    return lic


def pooled_key(key: str) -> str:
    """`other:<name>` -> `other` (the card's `license` field value)."""
    return "other" if key.startswith("other") else key


def _parse_time(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp()


def license_stats(records: Iterable[dict]) -> dict:
    recs = [(r, card_mapping(r)) for r in records]
    n = len(recs)
    keys = {r["id"]: license_key(c) for r, c in recs}
    mix = Counter(pooled_key(k) for k in keys.values())
    named_other = Counter(k.split(":", 1)[1] for k in keys.values() if k.startswith("other:"))
    others = [c for r, c in recs if license_key(c).startswith("other")]
    with_name = [c for c in others if license_key(c) != "other"]
    out: dict = {
        "records": n,
        "license_counts": dict(mix.most_common()),
        "license_mix": {k: round(v / n, 6) for k, v in mix.most_common()},
        "other_license_name_counts": dict(named_other.most_common()),
        "other_with_name_share": round(len(with_name) / len(others), 6) if others else 0.0,
        "other_with_link_share_given_name": round(sum(1 for c in with_name if c.get("license_link")) / len(with_name), 6) if with_name else 0.0,
        "other_with_link_share_given_no_name": round(
            sum(1 for c in others if license_key(c) == "other" and c.get("license_link")) / max(1, len(others) - len(with_name)), 6),
    }
    # child license given parent license (the card's first base_model, parent in the records)
    trans: dict[str, Counter] = defaultdict(Counter)
    edges = absent = 0
    with_base = declared = single = single_list = 0
    for r, c in recs:
        ps = card_parents(c)
        if not ps:
            continue
        with_base += 1
        declared += bool(c.get("base_model_relation"))
        if len(ps) == 1:
            single += 1
            single_list += isinstance(c.get("base_model"), list)
        for p in ps:
            edges += 1
            absent += p not in keys
        if ps[0] in keys:
            trans[keys[ps[0]]][keys[r["id"]]] += 1
    out["license_transitions"] = {
        pl: {"n": sum(c.values()), "same": round(c[pl] / sum(c.values()), 6), "to": dict(c.most_common())}
        for pl, c in sorted(trans.items(), key=lambda kv: -sum(kv[1].values()))
    }
    tot_t = sum(sum(c.values()) for c in trans.values())
    out["child_license_differs_share"] = round(
        sum(sum(v for k, v in c.items() if k != pl) for pl, c in trans.items()) / tot_t, 6) if tot_t else 0.0
    out["with_base_share"] = round(with_base / n, 6) if n else 0.0
    out["base_model_relation_declared_share"] = round(declared / with_base, 6) if with_base else 0.0
    out["single_parent_as_list_share"] = round(single_list / single, 6) if single else 0.0
    out["dangling_edges_share"] = round(absent / edges, 6) if edges else 0.0
    for field in ("datasets", "tags", "library_name", "pipeline_tag"):
        out[f"card_{field}_share"] = round(sum(1 for _, c in recs if c.get(field)) / n, 6) if n else 0.0
    gated = Counter(str(r.get("gated")).lower() for r, _ in recs)
    out["gated_shares"] = {k: round(v / n, 6) for k, v in gated.most_common()}
    for field in ("downloads", "likes"):
        vals = sorted(int(r.get(field) or 0) for r, _ in recs)
        nz = [math.log(v) for v in vals if v > 0]
        mu = sum(nz) / len(nz) if nz else 0.0
        sd = math.sqrt(sum((x - mu) ** 2 for x in nz) / len(nz)) if nz else 0.0
        out[field] = {"zero_share": round(sum(1 for v in vals if v == 0) / n, 6) if n else 0.0,
                      "log_nonzero_mean": round(mu, 4), "log_nonzero_sd": round(sd, 4),
                      "median": vals[n // 2] if n else 0, "p99": vals[int(n * 0.99)] if n else 0}
    deltas = []
    for r, _ in recs:
        try:
            a = _parse_time(r["created_at"])
            b = _parse_time(r["last_modified"])
        except (KeyError, TypeError, ValueError):
            continue
        deltas.append(max(0.0, b - a) / 86400)
    if deltas:
        same = [d for d in deltas if d * 1440 < 1]
        logs = [math.log(d) for d in deltas if d * 1440 >= 1]
        mu = sum(logs) / len(logs) if logs else 0.0
        out["last_modified_after_created"] = {
            "same_minute_share": round(len(same) / len(deltas), 6),
            "log_days_mean": round(mu, 4),
            "log_days_sd": round(math.sqrt(sum((x - mu) ** 2 for x in logs) / len(logs)), 4) if logs else 0.0,
        }
    # stale Hub tags: the card lists several parents, the tags name fewer (one, as finetune)
    fewer = tagged = 0
    for r, c in recs:
        cp = set(card_parents(c))
        tp = {t.split(":", 2)[2] for t in r.get("tags") or () if t.startswith("base_model:") and t.count(":") >= 2}
        if tp:
            tagged += 1
            fewer += tp < cp
    out["tags_name_fewer_parents_than_card_share"] = round(fewer / tagged, 6) if tagged else 0.0
    ft = [r for r, _ in recs if any(t.startswith("base_model:finetune:") for t in r.get("tags") or ())]
    out["finetune_tag_with_quant_evidence_share"] = round(
        sum(1 for r in ft if QUANT_NAME_RE.search(r["id"]) or {"gguf", "mlx", "gptq", "awq"} & set(r.get("tags") or ())) / len(ft), 6) if ft else 0.0
    return out
