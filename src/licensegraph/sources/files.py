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


@dataclass
class TextBatch:
    """Lines of a file as an Arrow table (`line` BIGINT, `text` VARCHAR), numbered from 1.

    A line's text may carry the newline that ended the line before it and its own `\\r`:
    whitespace to JSON (cutting them off would copy every line); `clean_text_sql` gives the
    line as written, for messages."""

    table: object  # pyarrow.Table
    bad: list[tuple[int, str]] = field(default_factory=list)  # (line, reason): not read (text '')


def clean_text_sql(expr: str) -> str:
    """SQL: a `TextBatch` line's text without the line breaks around it."""
    return f"rtrim(ltrim({expr}, chr(10)), chr(13) || chr(10))"


class BlockReader:
    """Read a (possibly gzipped) text file in large blocks and cut them into lines with Arrow:
    no Python work per line, and at most one block (plus one record) in memory.

    Like `LineReader`, a damaged gzip stream ends the file early with `error` set; a line
    over MAX_RECORD_BYTES is reported (never held whole) and a line that is not UTF-8 is
    reported by number."""

    def __init__(self, path: Path, block_bytes: int = 128 << 20, progress: ProgressFn | None = None):
        self.path = Path(path)
        self.block_bytes = block_bytes
        self.progress = progress
        self.error: str | None = None
        self.lines_read = 0
        self.total_bytes = self.path.stat().st_size

    def batches(self) -> Iterator[TextBatch]:
        raw = open(self.path, "rb")
        compressed = is_gzip(self.path)
        stream = gzip.GzipFile(fileobj=raw) if compressed else raw
        # A damaged gzip stream loses at most the piece being read when it fails.
        piece = min(self.block_bytes, 64 << 10 if compressed else self.block_bytes)
        carry = b""
        skipping = 0  # bytes of an overlong line skipped so far (0: not skipping)
        try:
            while True:
                # the block: what was left of the last one, then new bytes read in place (no
                # bigger than what is left of the file; a gzip stream's size is a guess)
                left = self.total_bytes - raw.tell()
                room = min(self.block_bytes, max(1 << 20, 16 * left) if compressed else left + 1)
                buffer = bytearray(len(carry) + room)
                buffer[:len(carry)] = carry
                view = memoryview(buffer)
                size, broken = len(carry), None
                while size < len(buffer):
                    try:
                        got = stream.readinto(view[size:size + piece])
                    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
                        broken = ("truncated gzip stream" if isinstance(exc, EOFError)
                                  else f"corrupt compressed data ({exc})")
                        break
                    if not got:
                        break
                    size += got
                new = size - len(carry)
                data = view[:size]
                if not new and broken is None:
                    break
                bad: list[tuple[int, str]] = []
                start = 0
                if skipping:
                    end = buffer.find(b"\n", 0, size)
                    if end < 0:
                        skipping += size
                        carry = b""
                        if broken is None:
                            continue
                        start = size
                    else:
                        self._overlong(bad, skipping + end + 1)
                        skipping, start = 0, end + 1
                cut = buffer.rfind(b"\n", start, size)
                block = data[start:cut + 1] if cut >= 0 else data[start:start]
                carry = bytes(data[cut + 1:] if cut >= 0 else data[start:])
                if len(carry) > MAX_RECORD_BYTES:  # one line, still open, over the limit
                    skipping, carry = len(carry), b""
                if len(block) or bad:
                    yield self._batch(block, bad)
                if broken is not None:
                    # what was read before the damage counts, up to its last whole line
                    self.error = f"{broken}: file ends after line {self.lines_read}"
                    return
                if self.progress:
                    self.progress(raw.tell(), self.total_bytes)
            if skipping:
                self._overlong(bad := [], skipping)
                yield self._batch(memoryview(b""), bad)
            elif carry:
                yield self._batch(memoryview(carry + b"\n"), [])
        finally:
            stream.close()
            raw.close()
        if self.progress:
            self.progress(self.total_bytes, self.total_bytes)

    def _overlong(self, bad: list[tuple[int, str]], size: int) -> None:
        self.lines_read += 1
        bad.append((self.lines_read, f"record of {size:,} bytes, over the {MAX_RECORD_BYTES:,}-byte limit"))

    def _batch(self, block: memoryview, bad: list[tuple[int, str]]) -> TextBatch:
        """`block` holds whole lines, each ending in a newline; `bad` lines were counted already.

        The lines are cut at the newlines' positions (NumPy) into an Arrow array over the
        block's own memory: nothing is copied per line. Each line but the first starts with
        the newline before it (JSON whitespace), so that the offsets are contiguous."""
        import numpy as np
        import pyarrow as pa

        first = self.lines_read + 1
        ends = np.flatnonzero(np.frombuffer(block, np.uint8) == 10)
        n = len(ends)
        offsets = np.empty(n + 1, np.int64)
        offsets[0] = 0
        offsets[1:] = ends
        sizes = np.diff(offsets)
        sizes[1:] -= 1  # without the leading newline
        numbers = np.arange(first, first + n, dtype=np.int64)
        lines = pa.LargeBinaryArray.from_buffers(pa.large_binary(), n,
                                                 [None, pa.py_buffer(offsets), pa.py_buffer(block)])
        if n and int(sizes.max()) > MAX_RECORD_BYTES:
            import pyarrow.compute as pc

            over = np.flatnonzero(sizes > MAX_RECORD_BYTES)
            bad.extend((int(numbers[i]), f"record of {int(sizes[i]) + 1:,} bytes, over the {MAX_RECORD_BYTES:,}-byte limit")
                       for i in over)
            lines = pc.if_else(pa.array(sizes <= MAX_RECORD_BYTES), lines, pa.scalar(b"", pa.large_binary()))
        try:
            text = lines.cast(pa.large_string())
        except pa.ArrowInvalid:  # some line is not UTF-8: find which (this batch only)
            decoded = []
            for number, raw_line in zip(numbers, lines.to_pylist()):
                try:
                    decoded.append(raw_line.decode("utf-8"))
                except UnicodeDecodeError as exc:
                    bad.append((int(number), f"not UTF-8 text ({exc.reason} at byte {exc.start - (number > first)})"))
                    decoded.append("")
            text = pa.array(decoded, pa.large_string())
        self.lines_read += n
        return TextBatch(pa.table({"line": numbers, "text": text}), sorted(bad))
