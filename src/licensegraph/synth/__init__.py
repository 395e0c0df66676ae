"""Synthetic Hugging Face Hub snapshots calibrated to real Hub data (for Hub-scale benchmarks).

    from licensegraph.synth import generate
    summary = generate(2_000_000, seed=1, out=Path("hub.jsonl.gz"))

See `generator` for how a snapshot is built, `calibration.json` for the measured numbers,
`measure` for how they are measured, and `bench/calibration.py` to re-measure and compare.
"""

from licensegraph.synth.generator import SynthSummary, generate, load_calibration, synth_command

__all__ = ["SynthSummary", "generate", "load_calibration", "synth_command"]
