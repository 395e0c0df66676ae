"""Seconds per phase of a long step, for the benchmarks to print."""

from __future__ import annotations

import time
from collections.abc import Callable


class PhaseTimer:
    """`lap(name)` adds the time since the previous lap to phase `name`, and tells
    `on_lap(name, seconds)` when given (how progress displays learn a phase ended)."""

    def __init__(self, on_lap: Callable[[str, float], None] | None = None) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()
        self._on_lap = on_lap

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self._last
        if self._on_lap is not None:
            self._on_lap(name, now - self._last)
        self._last = now
