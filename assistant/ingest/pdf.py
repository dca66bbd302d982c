"""Read a PDF's text layer with pypdfium2 (PDFium, the PDF engine of Chromium).

Why PDFium: measured by benchmarks/documents.py on four PDFs of different makes
(reportlab, fpdf2, LibreOffice, Chromium; see BENCHMARKS.md), its plain text had the
best word F1 (0.975, tied with PyMuPDF and pdfplumber; pypdf and pdfminer.six 0.970)
and reading order (word 4-gram F1 0.960, tied with PyMuPDF; pypdf 0.942, pdfminer.six
0.867, pdfplumber 0.789), at 725 pages a second against pypdf's 61, pdfminer.six's 37
and pdfplumber's 17. PyMuPDF was as good and as fast, but is AGPL-licensed. pypdfium2
ships PDFium inside its wheel (Apache-2.0 and BSD), so nothing is compiled, and it
gives what our layout rules need: each character's box and font size, font names,
the outline, and the metadata. It names encrypted and damaged documents rather than
guessing at them. With our layout on top: word F1 0.990, order F1 0.978, 125 pages/s.

This module turns each page into text segments (runs of characters on one line, split
at wide gaps); `layout.py` orders them into headings and blocks.
"""

from __future__ import annotations

import ctypes
import logging
import re
from pathlib import PurePosixPath

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ..models import Document, RawPage
from .documents import Limits, Unreadable, without_contents
from .extract import group_sections
from .layout import Outline, Segment, events

log = logging.getLogger(__name__)

# A gap between two characters on a line wider than this many font sizes starts a new
# segment (a table cell, the other column), unless a space was drawn in it (justified
# text stretches its spaces); even then, beyond WIDE_GAP.
GAP = 0.6
WIDE_GAP = 3.0
BOLD_FLAG = 1 << 18  # the PDF font descriptor's ForceBold flag
_ERRORS = {  # PDFium's load errors, as a person would put them
    pdfium_c.FPDF_ERR_PASSWORD: "encrypted: it needs a password to open",
    pdfium_c.FPDF_ERR_FORMAT: "not a readable PDF (damaged or not a PDF)",
    pdfium_c.FPDF_ERR_FILE: "not a readable PDF",
    pdfium_c.FPDF_ERR_SECURITY: "encrypted with an unsupported security handler",
}


def read_pdf(raw: RawPage, limits: Limits) -> Document:
    """The PDF's text in its heading structure; raises Unreadable with the reason."""
    # A PDF ends with %%EOF (and perhaps a line or two of padding); PDFium would
    # rebuild a cut-off file from what it finds, quietly losing the rest.
    if b"%%EOF" not in raw.content[-2048:]:
        raise Unreadable("truncated: the file ends before the PDF's end-of-file marker")
    try:
        pdf = pdfium.PdfDocument(raw.content)
    except pdfium.PdfiumError as exc:
        why = _ERRORS.get(getattr(exc, "err_code", None), f"unreadable: {exc}")
        raise Unreadable(why) from None
    try:
        if len(pdf) > limits.pages:
            raise Unreadable(f"{len(pdf):,} pages, more than the limit of {limits.pages:,}")
        pages = [_segments(pdf[i], i + 1) for i in range(len(pdf))]
        if not any(pages):
            raise Unreadable("no text layer (a scan?): run it through OCR to index it")
        sizes = [pdf.get_page_size(i) for i in range(len(pdf))]
        outline = _outline(pdf)
        meta = _metadata(pdf)
    finally:
        pdf.close()
    title = meta.get("title") or ""
    found = without_contents(events(pages, sizes, outline, title))
    if not title:  # the document's own title line, else its file name
        title = next((e[2] for e in found if e[0] == "heading" and e[1] == 1), "")
    title = title or PurePosixPath(raw.url.split("?")[0]).stem.replace("-", " ")
    sections = group_sections(found, None)
    return Document(url=raw.url, title=title, sections=tuple(sections), meta=meta)


def _segments(page, number: int) -> list[Segment]:
    """The page's text as segments: characters on one line, split at wide gaps."""
    text_page = page.get_textpage()
    count = text_page.count_chars()
    text = text_page.get_text_range(0, count) if count > 0 else ""
    if len(text) != count:  # characters beyond 16 bits: ask one by one
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(text_page, i)) for i in range(count))
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    segments: list[Segment] = []
    current: Segment | None = None
    spaced = False  # a space was drawn since the last character
    for i, char in enumerate(text):
        if char.isspace() or char == "\x00":
            if current is not None:
                if char in "\r\n":
                    segments.append(current)
                    current = None
                elif not pdfium_c.FPDFText_IsGenerated(text_page, i):
                    spaced = True
                    current.text += " "
                elif not current.text.endswith(" "):
                    current.text += " "
            continue
        pdfium_c.FPDFText_GetCharBox(
            text_page,
            i,
            ctypes.byref(left),
            ctypes.byref(right),
            ctypes.byref(bottom),
            ctypes.byref(top),
        )
        x0, x1, y0, y1 = left.value, right.value, bottom.value, top.value
        size = pdfium_c.FPDFText_GetFontSize(text_page, i) or (y1 - y0)
        if current is not None:
            middle = (y0 + y1) / 2
            gap = x0 - current.x1
            if (
                not current.y0 - 0.3 * size <= middle <= current.y1 + 0.3 * size
                or gap < -size
                or gap > (WIDE_GAP if spaced else GAP) * size
            ):
                segments.append(current)
                current = None
        if current is None:
            current = Segment(char, x0, y0, x1, y1, size, _bold(text_page, i), number)
        else:
            current.text += char
            current.x1, current.y0, current.y1 = (
                max(current.x1, x1),
                min(current.y0, y0),
                max(current.y1, y1),
            )
            current.size = max(current.size, size)
        spaced = False
    if current is not None:
        segments.append(current)
    for segment in segments:
        segment.text = segment.text.strip()
    return [s for s in segments if s.text]


def _bold(text_page, index: int) -> bool:
    """Whether the character's font is bold: by its weight, its flags, or its name."""
    if pdfium_c.FPDFText_GetFontWeight(text_page, index) >= 600:
        return True
    flags = ctypes.c_int()
    name = ctypes.create_string_buffer(128)
    pdfium_c.FPDFText_GetFontInfo(text_page, index, name, 128, ctypes.byref(flags))
    return bool(flags.value & BOLD_FLAG) or bool(
        re.search(rb"bold|black|heavy|semibold", name.value, re.I)
    )


def _outline(pdf) -> list[Outline]:
    """The document's outline (bookmarks): level from 0, title, page from 1."""
    found = []
    try:
        for bookmark in pdf.get_toc(max_depth=6):
            dest = bookmark.get_dest()
            index = dest.get_index() if dest is not None else None
            title = " ".join(bookmark.get_title().split())
            if index is not None and title:
                found.append(Outline(bookmark.level, title, index + 1))
    except pdfium.PdfiumError as exc:  # a damaged outline costs the headings, not the text
        log.warning("outline unreadable: %s", exc)
    return found


def _metadata(pdf) -> dict[str, str]:
    info = pdf.get_metadata_dict(skip_empty=True)
    meta = {"pages": str(len(pdf))}
    title = " ".join(info.get("Title", "").split())
    if (
        title
        and title.lower() not in ("untitled", "(unspecified)")
        and not title.endswith((".doc", ".docx", ".pdf"))
    ):  # Word and others put the file name here
        meta["title"] = title
    modified = re.match(r"D:(\d{4})(\d{2})(\d{2})", info.get("ModDate", ""))
    if modified:
        meta["dcterms.modified"] = "-".join(modified.groups())
    return meta
