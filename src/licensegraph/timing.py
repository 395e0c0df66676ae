"""Seconds per phase of a long step, for the benchmarks to print."""

from __future__ import annotations

import time


class PhaseTimer:
    """`lap(name)` adds the time since the previous lap to phase `name`."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self._last
        self._last = now
