"""A passage's text as the pieces an answer can quote: sentences, and lists and tables
kept whole.

Chunking writes each block of a page on a line of its own: list items start with the
list mark, table rows hold their cells separated by " | ", and the first row of a
table holds its column headings. From that, every sentence, item and row is an atom
that can be scored on its own, and quoting an item or a row brings its whole list (with
the sentence that leads into it) or its table (with its headings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..ingest.boilerplate import LIST_ITEM_MARK
from ..text import sentence_spans

CELL = " | "


@dataclass(frozen=True, slots=True)
class Atom:
    """A sentence, list item or table row: (start, end) offsets into the passage text.
    `group` is the index of the list or table it belongs to (or leads into), else -1."""

    start: int
    end: int
    kind: str  # "sentence", "item" or "row"
    group: int = -1


@dataclass(frozen=True, slots=True)
class Group:
    """A list or a table. `members` are the items' text spans (list mark left out) or
    the rows' spans; a table's first member is its heading row."""

    kind: str  # "list" or "table"
    members: tuple[tuple[int, int], ...]
    lead: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Layout:
    atoms: tuple[Atom, ...]
    groups: tuple[Group, ...]


def layout(text: str) -> Layout:
    """Split a passage's text into atoms, grouping consecutive items and rows."""
    lines = []
    offset = 0
    for line in text.split("\n"):
        lines.append((offset, offset + len(line), line))
        offset += len(line) + 1
    atoms: list[Atom] = []
    groups: list[Group] = []
    i = 0
    while i < len(lines):
        start, end, line = lines[i]
        kind = _line_kind(line)
        if kind == "sentence":
            for a, b in sentence_spans(line):
                if text[start + a : start + b].strip():
                    atoms.append(Atom(start + a, start + b, "sentence"))
            i += 1
            continue
        j = i
        while j < len(lines) and _line_kind(lines[j][2]) == kind:
            j += 1
        members = []
        for s, e, _ in lines[i:j]:
            if kind == "item":
                s += len(LIST_ITEM_MARK)
            members.append((s, e))
        lead = None
        previous = atoms[-1] if atoms else None
        if (
            previous is not None
            and previous.kind == "sentence"
            and _leads_into(text[previous.start : previous.end], len(members))
            and text[previous.end : start].strip() == ""
        ):
            lead = (previous.start, previous.end)
            atoms[-1] = Atom(previous.start, previous.end, "sentence", len(groups))
        group_kind = "list" if kind == "item" else "table"
        if group_kind == "table" and len(members) < 2:
            group_kind = "list"  # a lone row has no headings to show: quote it as text
        atom_kind = "item" if kind == "item" else "row"
        atoms.extend(Atom(s, e, atom_kind, len(groups)) for s, e in members)
        groups.append(Group(group_kind, tuple(members), lead))
        i = j
    return Layout(tuple(atoms), tuple(groups))


def _leads_into(sentence: str, count: int) -> bool:
    """Whether a sentence leads into the list after it: it ends with a colon, or names
    how many items follow ("NEF pointed to four main ways ...", then four items)."""
    if sentence.rstrip().endswith(":"):
        return True
    names = {str(count)} | ({NUMBERS[count]} if count < len(NUMBERS) else set())
    return any(word in names for word in re.findall(r"[a-z0-9]+", sentence.lower()))


NUMBERS = "zero one two three four five six seven eight nine ten eleven twelve".split()


def _line_kind(line: str) -> str:
    if line.startswith(LIST_ITEM_MARK):
        return "item"
    if CELL in line:
        return "row"
    return "sentence"


def cells(row: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in row.split(CELL))
