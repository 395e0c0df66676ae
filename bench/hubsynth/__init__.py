"""Synthetic Hugging Face Hub snapshots calibrated to real Hub data (for Hub-scale benchmarks).

A benchmark tool, not part of the installed package: run `python bench/synth.py`, or put
`bench/` on `sys.path` and

    from hubsynth import generate
    summary = generate(2_000_000, seed=1, out=Path("hub.jsonl.gz"))

See `generator` for how a snapshot is built, `calibration.json` for the measured numbers,
`measure` for how they are measured, and `bench/calibration.py` to re-measure and compare.
"""

from hubsynth.generator import SynthSummary, generate, load_calibration, synth_command

__all__ = ["SynthSummary", "generate", "load_calibration", "synth_command"]
