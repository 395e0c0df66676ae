"""Layouts that fit the terminal they are in: never a value cut with "…".

A table is drawn as a table when it fits the console's width; otherwise it is stacked:
each row becomes a heading and its cells `header value` pairs, wrapped between pairs and
indented under the heading. Text lines wrap with a hanging indent under their item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rich import box
from rich.console import Console, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

#: Between two `header value` pairs of a stacked row.
PAIR_SEPARATOR = " · "


@dataclass
class Grid:
    """A table as plain cells: a title, headers, rows, and where sections start."""

    title: str
    headers: Sequence[str]
    rows: list[Sequence[str]] = field(default_factory=list)
    section_starts: set[int] = field(default_factory=set)  # row indexes that open a new section
    numeric: bool = True  # columns after the first are right-aligned numbers
    show_header: bool = True  # False for key-value lists: stacked as `key: value`

    def add_row(self, *cells: str, new_section: bool = False) -> None:
        if new_section:
            self.section_starts.add(len(self.rows))
        self.rows.append(cells)


def rich_table(grid: Grid, headers: Sequence[str] | None = None, rows: Sequence[Sequence[str]] | None = None,
               table_box: box.Box = box.HEAVY_HEAD, compact: bool = False) -> Table:
    """The grid as a rich Table whose cells never wrap or truncate (`compact`: no outer padding)."""
    table = Table(title=grid.title or None, box=table_box, pad_edge=not compact, title_justify="left",
                  show_header=grid.show_header,
                  padding=(0, 0, 0, 1) if compact else (0, 1))
    for i, h in enumerate(headers or grid.headers):
        table.add_column(h, justify="left" if i == 0 or not grid.numeric else "right", no_wrap=True,
                         overflow="fold")
    for i, cells in enumerate(rows if rows is not None else grid.rows):
        if i in grid.section_starts and i:
            table.add_section()
        table.add_row(*cells)
    return table


def fits(console: Console, renderable: RenderableType) -> bool:
    """True when `renderable` fits the console's width without wrapping any cell."""
    unbounded = console.options.update_width(1 << 16)
    return Measurement.get(console, unbounded, renderable).maximum <= console.width


def stacked(console: Console, grid: Grid, indent: int = 2) -> None:
    """Each row as its first cell on a line, then `header value` pairs wrapped under it."""
    if grid.title:
        console.print(Text(grid.title, style="bold"), soft_wrap=False)
    for i, cells in enumerate(grid.rows):
        if i in grid.section_starts and i:
            console.print()
        if not grid.show_header:
            hanging(console, Text.assemble((cells[0], "bold"), ": ", PAIR_SEPARATOR.join(c for c in cells[1:] if c)),
                    subsequent=indent)
            continue
        console.print(Text(cells[0], style="bold"), overflow="fold")
        pairs = [f"{h} {v}" for h, v in zip(grid.headers[1:], cells[1:]) if v != ""]
        for line in wrap_pairs(pairs, console.width - indent):
            console.print(Text(" " * indent + line), overflow="fold")


def wrap_pairs(pairs: Sequence[str], width: int, separator: str = PAIR_SEPARATOR) -> list[str]:
    """Greedy lines of `pairs` joined by `separator`, never breaking inside a pair."""
    lines: list[str] = []
    current = ""
    for pair in pairs:
        candidate = f"{current}{separator}{pair}" if current else pair
        if current and len(candidate) > width:
            lines.append(current)
            current = pair
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def print_grid(console: Console, grid: Grid, alternatives: Sequence[tuple[Sequence[str], Sequence[Sequence[str]],
                                                                        str | None]] = ()) -> None:
    """The grid as a table if it fits; else each alternative (headers, rows, legend) in turn;
    else stacked. The legend, when an alternative has one, is printed under its table."""
    table = rich_table(grid)
    if fits(console, table):
        console.print(table)
        return
    for headers, rows, legend in alternatives:
        alt = rich_table(grid, headers=headers, rows=rows, table_box=box.SIMPLE_HEAD, compact=True)
        if fits(console, alt):
            console.print(alt)
            if legend:
                hanging(console, legend, indent=0, subsequent=2)
            return
    stacked(console, grid)


def hanging(console: Console, text: str | Text, indent: int = 0, subsequent: int | None = None,
            style: str | None = None) -> None:
    """Print `text` wrapped to the console, first line indented by `indent`, the rest by
    `subsequent` (default: indent + 2), so wrapped lines stay under their item. Words
    longer than a line are folded, never cut."""
    rest = indent + 2 if subsequent is None else subsequent
    body = text if isinstance(text, Text) else Text(text, style=style or "")
    body = body.copy()
    body.end = ""
    width = max(console.width, 20)
    first = body.wrap(console, width - indent, overflow="fold")
    if not first:
        console.print()
        return
    head = first[0]
    console.print(Text(" " * indent) + head, soft_wrap=True)
    tail = body[len(head.plain):]
    tail = tail[len(tail.plain) - len(tail.plain.lstrip()):]
    if tail.plain:
        for line in tail.wrap(console, width - rest, overflow="fold"):
            line.rstrip()
            console.print(Text(" " * rest) + line, soft_wrap=True)
