"""Write a synthetic Hub snapshot calibrated to real lineage and license data.

    .venv/bin/python bench/synth.py --models 100000 --seed 1 --out hub.jsonl.gz [--card-yaml] [--json]

The generator (`bench/hubsynth/`) is a benchmark tool: it is not installed with licensegraph.
The same seed gives the same file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hubsynth.generator import synth_command  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/synth.py", description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=int, required=True, help="how many models to generate")
    ap.add_argument("--seed", type=int, default=0, help="random seed: the same seed gives the same file")
    ap.add_argument("--out", type=Path, required=True, help="output file: .jsonl, .jsonl.gz or .parquet")
    ap.add_argument("--card-yaml", action="store_true", help="card data as YAML text (as snapshots hold it)")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = ap.parse_args(argv)
    if args.models < 1:
        ap.error("--models must be at least 1")
    if not 0 <= args.seed <= 2**32 - 1:
        ap.error("--seed must be between 0 and 4294967295")
    problem = None
    if args.out.suffix not in (".jsonl", ".gz", ".parquet"):
        problem = f"{args.out}: the output must end in .jsonl, .jsonl.gz or .parquet"
    elif args.out.is_dir():
        problem = f"{args.out} is a directory; --out takes a file name, e.g. {args.out / 'synth.jsonl.gz'}"
    elif not args.out.parent.is_dir():
        problem = f"{args.out}: the folder {args.out.parent} does not exist"
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    summary = synth_command(args.models, args.seed, args.out, args.card_yaml)
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
        return 0
    print(f"wrote {args.models:,} models to {args.out}")
    for key in ("by_relation", "n_edges", "n_dangling_edges", "n_hub_mislabeled", "seconds"):
        if key in summary:
            print(f"  {key}: {summary[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
