"""Split a Document into citable passages along its headings."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace

from ..models import Document, Passage, Section
from ..settings import default
from ..text import sentence_spans, whole_phrase
from .boilerplate import LIST_ITEM_MARK

# Revision of the chunking rules: raise it when a change alters passages, so an update
# re-chunks unchanged pages too.
RULES = 3
MAX_LEAD_IN_CHARS = 400  # a lead-in takes its list only while the whole stays short


def page_id(url: str) -> str:
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:10]


def chunk(doc: Document, max_words: int = default("max_passage_words")) -> list[Passage]:
    """Return the document's passages: one per section, long sections split in parts.

    Ids come from the page URL and position, so a rebuild gives the same ids. A part
    of a PDF's section starts at its first block's page; the first at the section's.
    """
    passages: list[Passage] = []
    base = page_id(doc.url)
    for i, section in enumerate(doc.sections):
        first = 0
        for blocks in _parts(_with_contents(doc.sections, i), max_words):
            text, spans = _join(blocks)
            page = section.page
            if first and section.block_pages:
                page = section.block_pages[first]
            first += len(blocks)
            passages.append(
                Passage(
                    id=f"{base}-{len(passages):03d}",
                    url=doc.url,
                    title=doc.title,
                    heading_path=section.heading_path,
                    anchor=section.anchor,
                    text=text,
                    sentences=tuple(spans),
                    page=page,
                    links=_links_in(text, doc.links),
                )
            )
    return passages


def _links_in(text: str, links: Sequence[tuple[str, str]]) -> tuple[tuple[int, int, str], ...]:
    """Where the page's links fall in a passage's text: each link's text where the
    passage first says it, as a whole phrase, longest first ("the Kent pilot" before
    "Kent"). Text alone places them: a page links a name to the page about it, so the
    same name elsewhere on the page goes to the same place."""
    found: list[tuple[int, int, str]] = []
    first_target = dict(reversed(links))  # a text linked twice goes where it first went
    for label, url in sorted(first_target.items(), key=lambda link: -len(link[0])):
        if len(label) < MIN_LINK_CHARS:
            continue
        for match in whole_phrase(label).finditer(text):
            start, end = match.span()
            if all(end <= a or start >= b for a, b, _ in found):
                found.append((start, end, url))
                break
    return tuple(sorted(found))


MIN_LINK_CHARS = 4  # shorter link texts ("PDF", "[1]") are not linked in answers


def _with_contents(sections: Sequence[Section], i: int) -> Section:
    """Section `i`; if short and only introducing its subsections ("NEF found four main
    barriers.", then one subsection for each), with their headings listed after its
    text, as the page shows them below it: quoted, it then says what the four are."""
    section = sections[i]
    path = section.heading_path
    if not path or len(" ".join(section.blocks).split()) > SHORT_INTRODUCTION:
        return section
    children = []
    for later in sections[i + 1 :]:
        if later.heading_path[: len(path)] != path or len(later.heading_path) == len(path):
            break  # past its last subsection
        if len(later.heading_path) == len(path) + 1:
            children.append(later.heading_path[-1])
    if len(children) < 2:
        return section
    items = tuple(LIST_ITEM_MARK + heading for heading in children)
    return replace(section, blocks=section.blocks + items)


# A section with at most this many words of its own, followed by subsections, lists
# their headings (see `_with_contents`).
SHORT_INTRODUCTION = 60


def _parts(section: Section, max_words: int) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    words = 0
    for block in section.blocks:
        n = len(block.split())
        if parts[-1] and words + n > max_words:
            parts.append([])
            words = 0
        parts[-1].append(block)
        words += n
    return parts


def _join(blocks: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """Join blocks with newlines. Sentences never cross a block boundary, except that
    a lead-in ending in a colon takes the list items that follow it."""
    text, spans, offset = [], [], 0
    lead_in = False  # the last span is a lead-in that list items extend
    for block in blocks:
        if (
            lead_in
            and block.startswith(LIST_ITEM_MARK)
            and offset + len(block) - spans[-1][0] <= MAX_LEAD_IN_CHARS
        ):
            spans[-1] = (spans[-1][0], offset + len(block))
        else:
            spans.extend((offset + a, offset + b) for a, b in sentence_spans(block))
            lead_in = block.rstrip().endswith(":")
        text.append(block)
        offset += len(block) + 1
    return "\n".join(text), spans
