"""Reading snapshot files line by line, gzip or not, without losing what was readable.

A truncated or corrupt gzip stream ends the file early: the lines read so far are kept and
the reader reports the problem, so ingest can reject the tail instead of the whole file.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ProgressFn = Callable[[int, int], None]

# One record (one line) may hold at most this many bytes; a longer line is rejected
# without being held in memory (README "Limits"). The largest real record is ~70 KB.
MAX_RECORD_BYTES = 16 * 1024 * 1024


@dataclass
class LineBatch:
    first_line: int  # 1-based number of the first line in `lines`
    lines: list[str]
    bad: list[tuple[int, str]] = field(default_factory=list)  # (line, reason) undecodable


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


class LineReader:
    """Iterate a (possibly gzipped) text file in batches of decoded lines."""

    def __init__(self, path: Path, batch_size: int = 100_000, progress: ProgressFn | None = None):
        self.path = Path(path)
        self.batch_size = batch_size
        self.progress = progress
        self.error: str | None = None  # set when the file ended early
        self.lines_read = 0
        self.total_bytes = self.path.stat().st_size

    def batches(self) -> Iterator[LineBatch]:
        raw = open(self.path, "rb")
        stream = gzip.GzipFile(fileobj=raw) if is_gzip(self.path) else raw
        line_no = 0
        batch: list[str] = []
        bad: list[tuple[int, str]] = []
        first = 1
        try:
            while True:
                try:
                    raw_line = stream.readline(MAX_RECORD_BYTES + 1)
                    if not raw_line:
                        break
                    overlong = len(raw_line) > MAX_RECORD_BYTES and not raw_line.endswith(b"\n")
                    size = len(raw_line)
                    while overlong and raw_line and not raw_line.endswith(b"\n"):
                        raw_line = stream.readline(1 << 20)  # skip the rest of the line
                        size += len(raw_line)
                except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
                    kind = "truncated gzip stream" if isinstance(exc, EOFError) else f"corrupt compressed data ({exc})"
                    self.error = f"{kind}: file ends after line {line_no}"
                    break
                line_no += 1
                if overlong:
                    bad.append((line_no, f"record of {size:,} bytes, over the {MAX_RECORD_BYTES:,}-byte limit"))
                    text = ""
                else:
                    try:
                        text = raw_line.decode("utf-8")
                    except UnicodeDecodeError as exc:
                        bad.append((line_no, f"not UTF-8 text ({exc.reason} at byte {exc.start})"))
                        text = ""
                batch.append(text.rstrip("\r\n"))
                if len(batch) >= self.batch_size:
                    yield LineBatch(first, batch, bad)
                    first, batch, bad = line_no + 1, [], []
                    if self.progress:
                        self.progress(raw.tell(), self.total_bytes)
            if batch or bad:
                yield LineBatch(first, batch, bad)
        finally:
            self.lines_read = line_no
            stream.close()
            raw.close()
        if self.progress:
            self.progress(self.total_bytes, self.total_bytes)
