"""The synthetic Hub snapshot: deterministic, well-formed, calibrated to the real files."""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from hubsynth import generator as G
from hubsynth.measure import LINEAGE_FILE, SAMPLE_FILE, shared_data_dir

# libyaml when present: the same YAML, ten times faster over the sample's cards
CARD_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

REQUIRED = ("id", "author", "sha", "created_at", "last_modified", "private", "gated", "disabled", "downloads",
            "likes", "library_name", "tags", "pipeline_tag", "card_data")
RELATIONS = ("finetune", "adapter", "quantized", "merge")
N_BIG = 20_000


def _lines(path: Path) -> list[str]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return fh.read().splitlines()


def _hub_relation(rec: dict) -> tuple[str | None, list[str]]:
    """The relation of the last `base_model:<relation>:<id>` tag, and the parents tags name."""
    rel, parents = None, []
    for t in rec["tags"]:
        parts = t.split(":", 2)
        if parts[0] == "base_model" and len(parts) == 3 and parts[1] in RELATIONS:
            rel = parts[1]
            parents.append(parts[2])
    return rel, parents


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> tuple[G.SynthSummary, list[dict]]:
    out = tmp_path_factory.mktemp("synth") / "hub.jsonl"
    summary = G.generate(N_BIG, 11, out)
    return summary, [json.loads(x) for x in _lines(out)]


def test_deterministic(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz", tmp_path / "c.jsonl.gz"
    G.generate(3_000, 5, a)
    G.generate(3_000, 5, b)
    G.generate(3_000, 6, c)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    y1, y2 = tmp_path / "y1.jsonl", tmp_path / "y2.jsonl"
    G.generate(1_500, 5, y1, card_yaml=True)
    G.generate(1_500, 5, y2, card_yaml=True)
    assert y1.read_bytes() == y2.read_bytes()
    assert len(_lines(a)) == 3_000


def test_records_well_formed(big) -> None:
    summary, recs = big
    assert len(recs) == summary.n_models == N_BIG
    ids_lower = Counter(r["id"].lower() for r in recs)
    assert max(ids_lower.values()) == 1  # unique, case-insensitively too
    position = {r["id"]: i for i, r in enumerate(recs)}
    dangling = edges = stale = 0
    for i, r in enumerate(recs):
        assert all(k in r for k in REQUIRED)
        assert r["id"].count("/") == 1 and r["id"].split("/")[0] == r["author"]
        assert len(r["sha"]) == 40 and r["private"] is False and r["disabled"] is False
        assert r["gated"] in (False, "auto", "manual")
        card = r["card_data"]
        assert card is None or isinstance(card, dict)
        card = card or {}
        lic_tags = [t.split(":", 1)[1] for t in r["tags"] if t.startswith("license:")]
        assert lic_tags == ([card["license"]] if "license" in card else [])
        if card.get("license") == "other" and "license_link" in card:
            assert isinstance(card["license_link"], str)
        rel, tag_parents = _hub_relation(r)
        base = card.get("base_model")
        card_parents = [base] if isinstance(base, str) else (base or [])
        if sorted(card_parents) != sorted(tag_parents):  # stale Hub tags: one parent, as finetune
            assert rel == "finetune" and tag_parents == card_parents[:1] and len(card_parents) > 1
            stale += 1
        assert (rel is None) == (not card_parents)
        if rel == "merge" and len(card_parents) > 1:
            assert sum(t.startswith("base_model:merge:") for t in r["tags"]) == len(card_parents)
        for p in card_parents:
            edges += 1
            if p in position:
                assert position[p] < i  # parents come first: the lineage is a DAG
            else:
                dangling += 1
        assert r["created_at"] <= r["last_modified"]
    assert 0.005 < dangling / edges < 0.06  # calibrated to ~2.7% (deleted parents)
    assert summary.n_edges == edges and summary.n_dangling_edges == dangling
    assert stale == summary.n_stale_tags and 0 < stale < 0.01 * len(recs)


def test_relation_shares_match_lineage_file(big) -> None:
    path = shared_data_dir() / LINEAGE_FILE
    if not path.exists():
        pytest.skip(f"real data not found: {path}")
    real = Counter()
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["event"] == "added" and row["Type"]:
                real[row["Type"]] += 1
    _, recs = big
    synth = Counter(rel for rel in (_hub_relation(r)[0] for r in recs) if rel)
    rt, st = sum(real.values()), sum(synth.values())
    for rel in RELATIONS:
        assert abs(real[rel] / rt - synth[rel] / st) < 0.02, (rel, real[rel] / rt, synth[rel] / st)


def test_license_mix_matches_calibration(big) -> None:
    target = G.load_calibration()["sample"]["license_mix"]
    _, recs = big
    mix = Counter((r["card_data"] or {}).get("license", "none") for r in recs)
    for lic in list(target)[:6]:  # none, mit, apache-2.0, llama2, creativeml-openrail-m, other
        share = mix[lic] / len(recs)
        assert abs(share - target[lic]) < max(0.04, 0.3 * target[lic]), (lic, share, target[lic])


def test_children_relabelled_and_hub_tags_sometimes_wrong(big) -> None:
    summary, recs = big
    by_id = {r["id"]: r for r in recs}
    changed = same = 0
    for r in recs:
        base = (r["card_data"] or {}).get("base_model")
        if isinstance(base, str) and base in by_id:
            pl = (by_id[base]["card_data"] or {}).get("license")
            changed += (r["card_data"] or {}).get("license") != pl
            same += (r["card_data"] or {}).get("license") == pl
    assert 0.3 < changed / (changed + same) < 0.8  # the sample: ~64% of children differ
    # a quantization the Hub calls a finetune (name and library say GGUF / MLX)
    wrong = [r for r in recs if _hub_relation(r)[0] == "finetune" and r["library_name"] in ("gguf", "mlx")]
    assert wrong and summary.n_hub_mislabeled >= len(wrong)
    assert any("GGUF" in r["id"] or "mlx" in r["id"] for r in wrong)
    declared = [r for r in recs if "base_model_relation" in (r["card_data"] or {})]
    assert declared


def test_card_yaml_parses_to_the_json_card(tmp_path: Path) -> None:
    js, ym = tmp_path / "j.jsonl", tmp_path / "y.jsonl"
    G.generate(2_000, 3, js)
    G.generate(2_000, 3, ym, card_yaml=True)
    for a, b in zip(_lines(js), _lines(ym)):
        ra, rb = json.loads(a), json.loads(b)
        assert rb["card_data"] is None or isinstance(rb["card_data"], str)
        parsed = yaml.load(rb["card_data"], Loader=CARD_LOADER) if rb["card_data"] is not None else None
        assert parsed == ra["card_data"]
        ra.pop("card_data"), rb.pop("card_data")
        assert ra == rb


def test_sample_shape_matches_real_sample() -> None:
    path = shared_data_dir() / SAMPLE_FILE
    if not path.exists():
        pytest.skip(f"real data not found: {path}")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        real = json.loads(fh.readline())
    assert set(real) == set(REQUIRED)


def test_parquet_output(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "hub.parquet"
    s = G.generate(1_200, 2, out)
    t = pq.read_table(out)
    assert t.num_rows == s.n_models == 1_200
    assert set(REQUIRED) <= set(t.column_names)
    row = t.slice(0, 1).to_pylist()[0]
    assert isinstance(row["tags"], list) and isinstance(row["card_data"], str)


def test_summary_and_cli_entry(tmp_path: Path) -> None:
    d = G.synth_command(models=500, seed=1, out=tmp_path / "s.jsonl")
    assert d["n_models"] == 500 and sum(d["by_relation"].values()) == 500
    assert sum(d["by_license"].values()) == 500 and Path(d["path"]).exists()
    json.dumps(d)


def test_bench_synth_script(tmp_path: Path, capsys) -> None:
    """The documented command, `python bench/synth.py --models N --seed S --out FILE`."""
    import synth as script  # bench/synth.py

    out = tmp_path / "s.jsonl.gz"
    assert script.main(["--models", "300", "--seed", "4", "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["n_models"] == 300 and out.exists()
    again = tmp_path / "again.jsonl.gz"
    script.main(["--models", "300", "--seed", "4", "--out", str(again)])
    assert "wrote 300 models" in capsys.readouterr().out
    assert _lines(out) == _lines(again)  # the same seed gives the same file
    assert script.main(["--models", "3", "--out", str(tmp_path / "x.txt")]) == 2
