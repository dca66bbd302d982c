"""Read a fetched page of any kind we index: HTML, PDF or Word.

Every reader returns the same `Document` (sections by heading), so chunking and
indexing stay one path. A document that cannot be read raises `Unreadable` with a
reason a person can act on; the build lists it and goes on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..models import Document, RawPage
from ..settings import default

# Kinds by file suffix (a folder) and by Content-Type (a crawl).
SUFFIXES = {".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx"}
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CONTENT_TYPES = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    DOCX_TYPE: "docx",
}
# Servers often send downloads as octet-stream: then the URL's suffix decides.
GENERIC_TYPES = ("application/octet-stream", "binary/octet-stream", "application/download")


class Unreadable(ValueError):
    """A document the build skips; the message says why (encrypted, truncated, ...)."""


@dataclass(frozen=True)
class Limits:
    """How large a PDF or Word document may be: beyond these it is skipped, listed in
    the build summary, rather than holding a build up for minutes (or its memory)."""

    pages: int = default("max_document_pages")
    bytes: int = default("max_document_bytes")


def kind_of(url: str, content_type: str = "") -> str | None:
    """'html', 'pdf' or 'docx' by Content-Type, else by suffix; None if not indexed."""
    content_type = content_type.split(";")[0].strip().lower()
    if content_type and content_type not in GENERIC_TYPES:
        return CONTENT_TYPES.get(content_type)
    path = url.split("?")[0].split("#")[0]
    return SUFFIXES.get(Path(path).suffix.lower(), "html" if not content_type else None)


def read(raw: RawPage, limits: Limits | None = None) -> Document:
    """The page's main text in its heading structure, whatever its kind."""
    limits = limits or Limits()
    if raw.kind == "html":
        from .extract import extract

        return extract(raw)
    if len(raw.content) > limits.bytes:
        raise Unreadable(f"larger than the limit of {limits.bytes:,} bytes")
    if raw.kind == "pdf":
        from .pdf import read_pdf

        return read_pdf(raw, limits)
    if raw.kind == "docx":
        from .word import read_docx

        return read_docx(raw, limits)
    raise Unreadable(f"not a kind of document that is indexed ({raw.kind})")


# A contents entry: a heading's words, then dot leaders and a page number if printed.
_CONTENTS_ENTRY = re.compile(r"[\s.·…_]*\d*\s*$")
CONTENTS_HEADINGS = ("contents", "table of contents")
LEADERS = re.compile(r"(\.\s?){5,}\s*\d+\s*$")  # "Costs . . . . . 12"


def without_contents(events: Iterable[tuple]) -> list[tuple]:
    """A document's events without its table of contents: blocks that repeat one of
    its headings (with leaders and a page number, or none), and lines that end in
    leaders and a page number. Quoted, a contents page is a list of titles that
    answers nothing."""
    events = list(events)
    headings = {_key(e[2]) for e in events if e[0] == "heading"} | set(CONTENTS_HEADINGS)
    return [
        e
        for e in events
        if e[0] != "block" or (_key(e[1]) not in headings and not LEADERS.search(e[1]))
    ]


def _key(text: str) -> str:
    return " ".join(_CONTENTS_ENTRY.sub("", text).lower().split())


def document_text(path: Path) -> tuple[str, int]:
    """A document's text as a reader gets it, one block a line, and its page count
    (for benchmarks/documents.py)."""
    raw = RawPage(url=path.name, content=path.read_bytes(), kind=kind_of(path.name) or "html")
    doc = read(raw)
    lines, last = [doc.title], ()
    for section in doc.sections:
        lines += [h for i, h in enumerate(section.heading_path) if last[i : i + 1] != (h,)]
        last = section.heading_path
        lines += section.blocks
    return "\n".join(lines), int(doc.meta.get("pages", 1))
