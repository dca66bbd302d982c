"""Read a Word document (.docx) with python-docx: headings from paragraph styles,
lists and tables kept as the HTML extractor keeps them.

A .docx says what each paragraph is (its style), so unlike a PDF nothing is guessed
from the look of the text: Title is the document's title, Heading N a heading one
level below it; list paragraphs become list items and table rows rows of cells.
Headers and footers live in their own parts of the file and are never read.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import PurePosixPath

import docx
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from ..models import Document, RawPage
from ..text import normalise_space
from .boilerplate import LIST_ITEM_MARK
from .documents import Limits, Unreadable, without_contents
from .extract import group_sections

# A .docx is a zip: one that unpacks to many times the size limit is a zip bomb.
MAX_UNPACKED_RATIO = 20
HEADING_STYLE = re.compile(r"heading (\d)", re.I)


def read_docx(raw: RawPage, limits: Limits) -> Document:
    """The document's text by heading; raises Unreadable with the reason."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw.content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if "word/document.xml" not in archive.namelist():
                raise Unreadable("not a Word document: the file has no word/document.xml")
    except zipfile.BadZipFile:
        raise Unreadable("not a Word document: the file is not a .docx (zip) archive") from None
    if unpacked > MAX_UNPACKED_RATIO * limits.bytes:
        raise Unreadable(f"unpacks to {unpacked:,} bytes, more than the limit allows")
    try:
        document = docx.Document(io.BytesIO(raw.content))
        found = without_contents(_events(document.element.body, document))
    except Exception as exc:  # python-docx raises many kinds on a damaged file
        raise Unreadable(f"not a readable Word document: {type(exc).__name__}: {exc}") from None
    properties = document.core_properties
    title = normalise_space(properties.title or "") or next(
        (e[2] for e in found if e[0] == "heading" and e[1] == 1), ""
    )
    title = title or PurePosixPath(raw.url.split("?")[0]).stem.replace("-", " ")
    meta = {}
    if properties.modified:
        meta["dcterms.modified"] = properties.modified.date().isoformat()
    return Document(raw.url, title, tuple(group_sections(found, None)), meta)


def _events(element, document) -> Iterator[tuple]:
    """Headings and blocks of the body, paragraphs and tables in document order, and
    what content controls hold, except a table of contents."""
    for child in element.iterchildren():
        if child.tag == qn("w:p"):
            yield from _paragraph(Paragraph(child, document))
        elif child.tag == qn("w:tbl"):
            yield from _table(Table(child, document))
        elif child.tag == qn("w:sdt"):
            gallery = child.find(f".//{qn('w:docPartGallery')}")
            content = child.find(qn("w:sdtContent"))
            if content is not None and (
                gallery is None or "Contents" not in gallery.get(qn("w:val"), "")
            ):
                yield from _events(content, document)


def _paragraph(paragraph: Paragraph) -> Iterator[tuple]:
    text = normalise_space(paragraph.text)
    if not text:
        return
    style = paragraph.style.name if paragraph.style is not None else ""
    if style.startswith("TOC"):  # a table of contents Word made
        return
    heading = HEADING_STYLE.fullmatch(style)
    if style == "Title":
        yield ("heading", 1, text, None)
    elif heading:
        yield ("heading", min(int(heading.group(1)) + 1, 6), text, None)
    elif (
        style.startswith("List")
        or paragraph._p.pPr is not None
        and (paragraph._p.pPr.numPr is not None)
    ):
        yield ("block", LIST_ITEM_MARK + text)
    else:
        yield ("block", text)


def _table(table: Table) -> Iterator[tuple]:
    """Each row as its cells joined by ' | ' (a merged cell once); the first row is
    taken for the column headings, as in the HTML extractor."""
    for row in table.rows:
        cells, seen = [], []  # a merged cell comes once for each column it spans
        for cell in row.cells:
            if any(cell._tc is other for other in seen):
                continue
            seen.append(cell._tc)
            cells.append(normalise_space(cell.text))
        if any(cells):
            yield ("block", " | ".join(c for c in cells if c))
