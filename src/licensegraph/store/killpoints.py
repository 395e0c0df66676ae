"""Named points where a command can be made to kill itself, for the crash tests.

`LICENSEGRAPH_KILL_AT=<point>` makes the process SIGKILL itself the first time it reaches
that point (`<point>:<n>`: the n-th time). Timer-based kills mostly land in imports on a
fast machine; these land exactly inside the windows that matter (records committed but
derived tables not rebuilt, a transaction open, the new store written but not renamed).
Unset, a kill point costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

ENV = "LICENSEGRAPH_KILL_AT"
_seen: dict[str, int] = {}


def kill_point(name: str) -> None:
    """SIGKILL this process here when $LICENSEGRAPH_KILL_AT names this point."""
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    _seen[name] = _seen.get(name, 0) + 1
    if _seen[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
