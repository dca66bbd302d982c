"""Passages of a large index whose text stays on disk until an answer needs it.

At 100,000 passages of real sentences a server held 124 MB of passage text and 70 MB
of sentence offsets, most of it never quoted (BENCHMARKS.md, "Memory"). A loaded index
of more than TEXT_IN_MEMORY passages therefore keeps in memory only what search,
filters and page lookups read of every passage (its id, page, title, headings, anchor,
type and topics), and reads a passage's text, sentences and links from
`passages.jsonl` the first time they are asked for, keeping the last CACHED read. A
smaller index, the programme's own included, is read whole as before.
"""

from __future__ import annotations

import json
import os
import weakref
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..models import Passage

TEXT_IN_MEMORY = 20_000  # passages; a larger index reads their text when needed
# Passages whose text is kept once read: about as many as the answer module keeps the
# quotable parts of (select._PARTS_MAX), 10-20 MB of text and offsets.
CACHED = 8_192


class PassageFile:
    """passages.jsonl, read a line at a time by byte offset."""

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_RDONLY)
        weakref.finalize(self, os.close, self._fd)
        # Where each line starts, and where the last one ends: set once read (see read).
        self.offsets = np.zeros(1, np.int64)
        self.body = lru_cache(maxsize=CACHED)(self._read)

    def _read(self, row: int) -> Passage:
        start, end = int(self.offsets[row]), int(self.offsets[row + 1])
        return Passage.from_json(json.loads(os.pread(self._fd, end - start, start)))


class StoredPassage(Passage):
    """A Passage whose text, sentences and links are read from its index's file when
    first used: every field reads as the Passage's would (to_json, equality and hashing
    between stored passages included)."""

    __slots__ = ("_file", "_row")

    @property
    def text(self) -> str:  # type: ignore[override]
        return self._file.body(self._row).text

    @property
    def sentences(self) -> tuple[tuple[int, int], ...]:  # type: ignore[override]
        return self._file.body(self._row).sentences

    @property
    def links(self) -> tuple[tuple[int, int, str], ...]:  # type: ignore[override]
        return self._file.body(self._row).links


# What a StoredPassage holds in memory: what is read of every passage.
KEPT = ("id", "url", "title", "heading_path", "anchor", "page", "page_type", "topics")


def read(path: Path, count: int | None = None) -> list[Passage]:
    """The passages of `path` (an index's passages.jsonl), read once: whole for an index
    of at most TEXT_IN_MEMORY passages, else each a StoredPassage. `count` is how many
    the manifest says there are (counted first when it does not say)."""
    if count is None:
        with open(path, "rb") as lines:
            count = sum(1 for _ in lines)
    with open(path, "rb") as lines:
        if count <= TEXT_IN_MEMORY:
            return [Passage.from_json(json.loads(line)) for line in lines]
        file, starts, passages = PassageFile(path), [0], []
        for row, line in enumerate(lines):
            starts.append(starts[-1] + len(line))
            passages.append(_stored(Passage.from_json(json.loads(line)), file, row))
    file.offsets = np.array(starts, np.int64)
    return passages


def _stored(whole: Passage, file: PassageFile, row: int) -> StoredPassage:
    passage = object.__new__(StoredPassage)
    # (The dataclass is frozen: fields are set as its own __init__ sets them.)
    for name in KEPT:
        object.__setattr__(passage, name, getattr(whole, name))
    object.__setattr__(passage, "_file", file)
    object.__setattr__(passage, "_row", row)
    return passage
