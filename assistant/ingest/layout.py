"""Lay out a PDF's text segments as a reader reads them: headings and blocks in order.

PDFs hold positioned text, not paragraphs. The rules here, each for a reason:
- running headers and footers (the same line at the same height on most pages) and
  bare page numbers are dropped: they would be quoted as if they were the text;
- a page with a white gutter between two columns of prose is read column by column
  (lines that span the gutter, such as a title, are read where they stand);
- lines join into paragraphs while their spacing stays that of a paragraph, across a
  column or page break when a sentence runs on; a word hyphenated at a line end is
  joined up again, unless the document writes it with its hyphen elsewhere;
- headings come from the document's outline where it has one, else from font size
  (and bold lines at body size); the largest line of the first page is the title;
- rows of two or more cells become table rows (cells joined by " | ", as the HTML
  extractor writes them), and bulleted lines list items.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from .boilerplate import LIST_ITEM_MARK

MARGIN = 0.12  # running headers and footers live in this share of the page's height
PAGE_NUMBER = re.compile(r"(page\s*)?[\divxlc]{1,6}(\s*(/|of)\s*(\d{1,5})?)?|-\s*\d+\s*-", re.I)
BULLETS = set("•◦▪▫●○■□‣⁃∙·–-*")
HYPHENS = ("-", "\u00ad", "\u2010")
TERMINAL = tuple('.!?:;…"”’)')
BREAK = None  # between columns and pages in the row stream


@dataclass(slots=True)
class Segment:
    """A run of text on one line. Coordinates are PDF points, y upwards."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    size: float
    bold: bool
    page: int

    @property
    def middle(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass(frozen=True, slots=True)
class Outline:
    level: int  # 0 for the outline's top entries
    title: str
    page: int  # from 1


Row = list[Segment]


def events(
    pages: list[list[Segment]],
    sizes: list[tuple[float, float]],
    outline: list[Outline],
    title: str = "",
) -> Iterator[tuple]:
    """Headings ("heading", level, text, None, page) and blocks ("block", text, page)
    in reading order; level 1 is the document's title."""
    kept = _drop_running(pages, [h for _, h in sizes])
    stream: list[Row | None] = []
    for segments, (width, _) in zip(kept, sizes, strict=True):
        for column in _columns(segments, width):
            stream += _rows(column) + [BREAK]
    rows = [r for r in stream if r is not BREAK]
    if not rows:
        return
    body = _body_size(rows)
    levels = _headings(rows, outline, title, body)
    yield from _blocks(stream, levels, body, _words(rows))


def _norm(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", text.lower())).strip()


def _drop_running(pages: list[list[Segment]], heights: list[float]) -> list[list[Segment]]:
    """Pages without their running headers, footers and page numbers."""

    def margin(s: Segment, height: float) -> bool:
        return s.y0 > height * (1 - MARGIN) or s.y1 < height * MARGIN

    seen: dict[tuple[str, int], set[int]] = defaultdict(set)
    for number, (segments, height) in enumerate(zip(pages, heights, strict=True)):
        for s in segments:
            if margin(s, height):
                seen[(_norm(s.text), round(s.y0 / 6))].add(number)
    most = max(2, (len(pages) + 1) // 2)
    running = {key for key, found in seen.items() if len(found) >= most}
    return [
        [
            s
            for s in segments
            if not margin(s, height)
            or not ((_norm(s.text), round(s.y0 / 6)) in running or PAGE_NUMBER.fullmatch(s.text))
        ]
        for segments, height in zip(pages, heights, strict=True)
    ]


def _columns(segments: list[Segment], width: float) -> list[list[Segment]]:
    """The page's segments as read: column by column where prose stands in two
    columns, lines that span the gutter taken where they stand."""
    if len(segments) < 6:
        return [segments]
    best, gutter = len(segments) + 1, 0.0
    for x in range(int(width * 0.3), int(width * 0.7), 2):
        crossing = sum(1 for s in segments if s.x0 < x - 1 and s.x1 > x + 1)
        if crossing < best:
            best, gutter = crossing, float(x)
    wide = width * 0.2
    left = sum(1 for s in segments if s.x1 <= gutter and s.x1 - s.x0 > wide)
    right = sum(1 for s in segments if s.x0 >= gutter and s.x1 - s.x0 > wide)
    if left < 3 or right < 3 or best > len(segments) // 4:
        return [segments]
    out: list[list[Segment]] = []
    lefts: list[Segment] = []
    rights: list[Segment] = []
    for s in sorted(segments, key=lambda s: -s.y1):
        if s.x1 <= gutter + 1:
            lefts.append(s)
        elif s.x0 >= gutter - 1:
            rights.append(s)
        else:  # spans the gutter: what stands above it is read first
            out += [c for c in (lefts, rights) if c] + [[s]]
            lefts, rights = [], []
    return out + [c for c in (lefts, rights) if c]


def _rows(segments: list[Segment]) -> list[Row]:
    """Segments grouped into lines, top to bottom, each line's cells left to right."""
    rows: list[Row] = []
    for s in sorted(segments, key=lambda s: -s.middle):
        row = rows[-1] if rows else None
        if row and (row[0].y0 <= s.middle <= row[0].y1 or s.y0 <= row[0].middle <= s.y1):
            row.append(s)
        else:
            rows.append([s])
    return [sorted(r, key=lambda s: s.x0) for r in rows]


def _text(row: Row) -> str:
    # PDFium marks a hyphen it took for a line-end hyphen with U+FFFE.
    return " ".join(s.text for s in row).replace("\ufffe", "-")


def _body_size(rows: list[Row]) -> float:
    sizes: Counter[float] = Counter()
    for row in rows:
        for s in row:
            sizes[round(s.size * 2) / 2] += len(s.text)
    return sizes.most_common(1)[0][0]


def _words(rows: list[Row]) -> set[str]:
    """The document's words and hyphenated compounds, to tell hyphenation apart."""
    return {w.lower() for row in rows for w in re.findall(r"\w+(?:-\w+)*", _text(row))}


def _headings(rows: list[Row], outline: list[Outline], title: str, body: float) -> dict[int, int]:
    """Heading level of each heading row (by id): 1 the title, then 2, 3, ..."""
    levels: dict[int, int] = {}
    if outline:
        top = min(o.level for o in outline)
        by_page: dict[int, list[Row]] = defaultdict(list)
        for row in rows:
            by_page[row[0].page].append(row)
        for entry in outline:
            for matched in _find(by_page[entry.page], entry.title, levels):
                levels[id(matched)] = min(entry.level - top + 2, 6)
    else:
        sizes = sorted(
            {round(r[0].size * 2) / 2 for r in rows if _looks_heading(r, body)}, reverse=True
        )
        for row in rows:
            if _looks_heading(row, body):
                levels[id(row)] = min(sizes.index(round(row[0].size * 2) / 2) + 2, 6)
        deepest = max(levels.values(), default=1) + 1
        for row in rows:
            if id(row) not in levels and _bold_line(row, body):
                levels[id(row)] = min(deepest, 6)
    first = [r for r in rows if r[0].page == rows[0][0].page]
    largest = max(r[0].size for r in first)
    others = [r[0].size for r in rows if id(r) in levels and r[0].size >= largest - 0.1]
    wanted = re.sub(r"\W+", "", title.lower())
    for row in first:
        is_title = wanted and re.sub(r"\W+", "", _text(row).lower()) in wanted
        if (row[0].size >= largest - 0.1 and largest > body * 1.3 and len(others) <= 3) or (
            is_title and row[0].size > body * 1.15
        ):
            levels[id(row)] = 1
    return levels


def _looks_heading(row: Row, body: float) -> bool:
    size = row[0].size
    return (
        all(abs(s.size - size) < 0.5 for s in row)
        and size >= body * 1.15
        and len(_text(row)) <= 150
    )


def _bold_line(row: Row, body: float) -> bool:
    text = _text(row)
    return (
        len(row) == 1
        and row[0].bold
        and abs(row[0].size - body) < body * 0.1
        and len(text) <= 100
        and not text.endswith((".", ",", ";", ":"))
    )


def _find(rows: list[Row], title: str, taken: dict[int, int]) -> list[Row]:
    """The row (or consecutive rows) on the page that read as the outline entry."""

    def key(text: str) -> str:
        return re.sub(r"\W+", "", re.sub(r"^[\d.\s]+", "", text.lower()))

    wanted = key(title)
    for i, row in enumerate(rows):
        got, matched = "", []
        for row in rows[i:]:
            if id(row) in taken:
                break
            got += key(_text(row))
            matched.append(row)
            if not got or not wanted.startswith(got):
                break
            if got == wanted:
                return matched
    return []


def _blocks(
    stream: list[Row | None], levels: dict[int, int], body: float, words: set[str]
) -> Iterator[tuple]:
    """Headings and blocks: paragraphs, list items and table rows."""
    pitch = _pitch(stream, body)
    tables = _table_rows(stream)
    block: list[str] = []  # the open paragraph or list item, or the table's rows
    kind, page, last = "", 0, None  # last: the open block's last row (a table's: cells)
    above: Row | None = None  # the row just read
    heading: list[str] = []
    heading_level = 0

    def close() -> Iterator[tuple]:
        nonlocal kind
        if kind == "table":
            yield from (("block", row, page) for row in block)
        elif block:
            mark = LIST_ITEM_MARK if kind == "item" else ""
            yield ("block", mark + block[0], page)
        block.clear()
        kind = ""

    def close_heading() -> Iterator[tuple]:
        if heading:
            yield ("heading", heading_level, " ".join(heading), None, heading_page)
            heading.clear()

    heading_page = 0
    broken = False  # a column or page break since the last row
    for row in stream:
        if row is BREAK:
            broken = True
            continue
        level = levels.get(id(row))
        text = _text(row)
        if level is not None:
            yield from close()
            if heading and (level != heading_level or broken):
                yield from close_heading()
            if not heading:
                heading_level, heading_page = level, row[0].page
            heading.append(text)
            last = above = row
            broken = False
            continue
        yield from close_heading()
        close_gap = above is not None and not broken and _gap(above, row) <= pitch * 1.35
        bullet = row[0].text in BULLETS or (
            len(row[0].text) == 1 and 0xE000 <= ord(row[0].text) <= 0xF8FF
        )
        starts_item = bullet or (row[0].text[:2].rstrip() in BULLETS and row[0].text[1:2] == " ")
        if starts_item:
            yield from close()
            kind, page = "item", row[0].page
            rest = row[1:] if bullet else [Segment(row[0].text[2:], *_box(row[0]))] + row[1:]
            block.append(_text(rest))
        elif id(row) in tables:
            if kind != "table":
                yield from close()
                kind, page = "table", row[0].page
            block.append(" | ".join(s.text for s in row))
        elif kind == "table" and close_gap and _under_cell(row[0], last):
            block[-1] = _extend_cell(block[-1], row[0], last)
            above = row
            continue  # `last` stays the row of cells
        elif kind in ("item", "para") and _continues(last, row, close_gap, broken, block[0]):
            block[0] = _join(block[0], text, words)
        else:
            yield from close()
            kind, page = "para", row[0].page
            block.append(text)
        last = above = row
        broken = False
    yield from close_heading()
    yield from close()


def _table_rows(stream: list[Row | None]) -> set[int]:
    """Rows of two or more cells that line up with a nearby row's cells. A line of
    justified prose can have gaps as wide as a table's (TeX draws no spaces), but
    never at the same places as the lines around it."""
    found: set[int] = set()
    for i, row in enumerate(stream):
        if row is BREAK or len(row) < 2:
            continue
        starts = [s.x0 for s in row[1:]]
        for step in (-1, 1):
            j = i + step
            while 0 <= j < len(stream) and abs(j - i) <= 3 and stream[j] is not BREAK:
                other = stream[j]
                if len(other) > 1:
                    if any(abs(a - b.x0) < 3 for a in starts for b in other[1:]):
                        found.add(id(row))
                    break
                j += step
    return found


def _box(s: Segment) -> tuple:
    return (s.x0, s.y0, s.x1, s.y1, s.size, s.bold, s.page)


def _gap(above: Row, below: Row) -> float:
    return above[0].middle - below[0].middle


def _pitch(stream: list[Row | None], body: float) -> float:
    """The usual distance between the lines of a paragraph of body text."""
    found = []
    for above, below in zip(stream, stream[1:], strict=False):
        if above and below and abs(above[0].size - body) < 0.5 and abs(below[0].size - body) < 0.5:
            gap = _gap(above, below)
            if 0 < gap < body * 3:
                found.append(gap)
    return statistics.median(found) if found else body * 1.2


def _continues(last: Row | None, row: Row, close_gap: bool, broken: bool, text: str) -> bool:
    """Whether the row carries on the open paragraph or list item."""
    if last is None or abs(last[0].size - row[0].size) > 0.5:
        return False
    if broken:  # a new column or page: only a sentence that runs on continues
        return not text.rstrip().endswith(TERMINAL)
    return close_gap and row[0].x0 >= last[0].x0 - row[0].size * 3


def _under_cell(s: Segment, cells: Row | None) -> bool:
    return cells is not None and len(cells) > 1 and any(abs(s.x0 - c.x0) < 3 for c in cells)


def _extend_cell(line: str, s: Segment, cells: Row) -> str:
    """The table row with a cell's wrapped line added to that cell."""
    parts = line.split(" | ")
    column = min(range(len(cells)), key=lambda i: abs(cells[i].x0 - s.x0))
    if column < len(parts):
        parts[column] = _join(parts[column], s.text, set())
    return " | ".join(parts)


def _join(text: str, more: str, words: set[str]) -> str:
    """Two lines of a paragraph as one, a word hyphenated at the line end made whole
    unless the document spells it with its hyphen."""
    if text.endswith(HYPHENS) and len(text) > 1 and text[-2].isalpha() and more[:1].islower():
        head = re.search(r"(\w+)\W$", text)
        tail = re.match(r"\w+", more)
        if head and tail and f"{head.group(1)}-{tail.group(0)}".lower() in words:
            return text[:-1] + "-" + more
        return text[:-1] + more
    return f"{text} {more}"
