"""The small typed objects passed between pipeline stages.

fetch -> RawPage -> extract -> Document -> chunk -> Passage -> index -> Hit -> answer -> Answer
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import asdict, dataclass, field


def said_key(text: str) -> str:
    """A short fingerprint of a quoted sentence, whatever its spacing or case: what a
    conversation carries to tell which sentences its last answer already showed."""
    return hashlib.blake2b(" ".join(text.split()).lower().encode(), digest_size=6).hexdigest()


@dataclass(frozen=True, slots=True)
class RawPage:
    """A fetched page before extraction: where it lives, its undecoded bytes, and its
    kind ("html", "pdf" or "docx"; see ingest/documents.py)."""

    url: str
    content: bytes
    encoding: str | None = None
    kind: str = "html"


@dataclass(frozen=True, slots=True)
class Section:
    """A run of text under one heading; `anchor` is the heading's id for a deep link.
    In a PDF, `page` is the page the section starts on and `block_pages` the page each
    block starts on (a long section is cited in parts, each at its own page)."""

    heading_path: tuple[str, ...]
    anchor: str | None
    blocks: tuple[str, ...]
    page: int | None = None
    block_pages: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Document:
    """The main text of a page, boilerplate removed, kept in its heading structure."""

    url: str
    title: str
    sections: tuple[Section, ...]
    meta: dict[str, str] = field(default_factory=dict)
    # The links of the main text as (link text, target URL resolved against `url`), in
    # page order: where the guidance says "see the Kent pilot", an answer can link it.
    links: tuple[tuple[str, str], ...] = ()


DOCUMENT_SUFFIXES = (".pdf", ".docx")


@dataclass(frozen=True, slots=True)
class Passage:
    """One citable section of a page.

    `sentences` holds (start, end) character offsets into `text`, so an answer
    sentence can always be traced to the exact span it came from. A passage from a PDF
    knows the `page` it starts on, and links there.
    """

    id: str
    url: str
    title: str
    heading_path: tuple[str, ...]
    anchor: str | None
    text: str
    sentences: tuple[tuple[int, int], ...]
    page: int | None = None
    page_type: str = ""  # the page's content type and topics (see assistant/facets.py)
    topics: tuple[str, ...] = ()
    links: tuple[tuple[int, int, str], ...] = ()  # (start, end, target URL) in `text`

    @property
    def section(self) -> str:
        return self.heading_path[-1] if self.heading_path else self.title

    @property
    def from_document(self) -> bool:
        """From a downloadable document (PDF, Word) rather than a web page."""
        return self.url.lower().endswith(DOCUMENT_SUFFIXES)

    @property
    def link(self) -> str:
        if self.anchor:
            return f"{self.url}#{self.anchor}"
        # PDF viewers in browsers (and Acrobat) open a document at #page=N.
        return f"{self.url}#page={self.page}" if self.page else self.url

    def to_json(self) -> dict:
        data = asdict(self)
        data["heading_path"] = list(self.heading_path)
        data["sentences"] = [list(span) for span in self.sentences]
        if self.page is None:  # web pages' lines stay as they were before pages
            del data["page"]
        # Written only when known, so an index without them reads the same as before.
        if not self.page_type:
            del data["page_type"]
        if self.topics:
            data["topics"] = list(self.topics)
        else:
            del data["topics"]
        if self.links:
            data["links"] = [list(link) for link in self.links]
        else:
            del data["links"]
        return data

    @classmethod
    def from_json(cls, data: dict) -> Passage:
        # A page's passages share its URL, title and headings: one string each, not one
        # per passage.
        return cls(
            id=data["id"],
            url=sys.intern(data["url"]),
            title=sys.intern(data["title"]),
            heading_path=tuple(sys.intern(h) for h in data["heading_path"]),
            anchor=data.get("anchor"),
            text=data["text"],
            sentences=tuple((int(a), int(b)) for a, b in data["sentences"]),
            page=data.get("page"),
            page_type=sys.intern(data.get("page_type", "")),
            topics=tuple(sys.intern(t) for t in data.get("topics", ())),
            links=tuple((int(a), int(b), str(url)) for a, b, url in data.get("links", ())),
        )


@dataclass(slots=True)  # not frozen: a search makes one for each hit, and a frozen
class Hit:  # dataclass's __init__ costs three times as much (1.4 against 0.45 us)
    """A passage retrieved for a query, with its similarity score and its row in the
    index (for its vector). Treat as read-only."""

    passage: Passage
    score: float
    row: int = -1


@dataclass(frozen=True, slots=True)
class Citation:
    """A cited (or, for a "not covered" answer, suggested) section. `highlights` are
    (start, end) offsets of the question's words in `snippet`; `page` is the PDF page
    the section starts on (None for web pages and Word documents); `quote` is the (start,
    end) of the first piece quoted from the passage, which `url` lands on."""

    n: int
    title: str
    url: str
    section: str
    snippet: str
    score: float
    passage_id: str
    highlights: tuple[tuple[int, int], ...] = ()
    page: int | None = None
    quote: tuple[int, int] | None = None
    type: str = ""  # the cited page's content type, for its badge


@dataclass(frozen=True, slots=True)
class Link:
    """A page to go to: a referral's pointer elsewhere, or a link in quoted text."""

    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Referral:
    """A kind of question the assistant declines, with where to go instead."""

    name: str
    reason: str  # the sentence that says why the assistant does not answer
    phrases: tuple[str, ...]
    links: tuple[Link, ...] = ()

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "reason": self.reason,
            "phrases": list(self.phrases),
            "links": [{"title": link.title, "url": link.url} for link in self.links],
        }

    @classmethod
    def from_json(cls, data: dict) -> Referral:
        return cls(
            data["name"],
            data["reason"],
            tuple(data["phrases"]),
            tuple(Link(link["title"], link["url"]) for link in data.get("links", ())),
        )


@dataclass(frozen=True, slots=True)
class AnswerSentence:
    """A piece of the answer: verbatim text of `passage_id` at [start, end).

    `kind` is "sentence", "list" or "table". A list keeps the sentence that leads into
    it (`lead`) and its `items`; a table its column headings (`header`) and `rows`; each
    verbatim from the passage. `more` counts the items or rows not shown. A sentence
    that defines its section's heading without naming it (a glossary entry), and a list
    that opens an answer with no lead-in, carry that heading as `term`. `links` are the
    page's own links inside the quoted text (their text and target), as the page has
    them.
    """

    text: str
    citations: tuple[int, ...]
    passage_id: str
    start: int
    end: int
    kind: str = "sentence"
    lead: str = ""
    items: tuple[str, ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    more: int = 0
    term: str = ""
    links: tuple[Link, ...] = ()

    def to_json(self) -> dict:
        data = {
            "text": self.text,
            "kind": self.kind,
            "citations": list(self.citations),
            "passage_id": self.passage_id,
            "start": self.start,
            "end": self.end,
        }
        if self.term:
            data["term"] = self.term
        if self.links:
            data["links"] = [{"text": link.title, "url": link.url} for link in self.links]
        if self.kind == "list":
            data.update(lead=self.lead, items=list(self.items), more=self.more)
        elif self.kind == "table":
            data.update(
                lead=self.lead,
                header=list(self.header),
                rows=[list(r) for r in self.rows],
                more=self.more,
            )
        return data


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer and everything a reader needs to check it.

    `reading` is what was searched for (differs from `question` for a follow-up);
    `corrections` lists (typed, corrected) words; a "not covered" answer names the
    `unmatched_terms` and suggests `nearest` sections instead of citing any, and
    questions it `did_you_mean`; any answer offers `suggestions` to ask next.
    """

    question: str
    text: str
    sentences: tuple[AnswerSentence, ...]
    citations: tuple[Citation, ...]
    no_answer: bool
    confidence: float
    reading: str = ""
    follow_up: bool = False
    subject: str = ""  # what the answer was about: what a follow-up refers back to
    kind: str = "other"  # the kind of answer the question wants (see answer/kinds.py)
    # The exact answer, where it is a name, date, figure or short phrase:
    # (index into `sentences`, start, end) offsets into that sentence's text.
    answer_span: tuple[int, int, int] | None = None
    referral: Referral | None = None  # why a declined question is for someone else
    corrections: tuple[tuple[str, str], ...] = ()
    unmatched_terms: tuple[str, ...] = ()
    nearest: tuple[Citation, ...] = ()
    # Questions offered as ways on, each known to be answered: for a declined answer,
    # the question with a word swapped for a close one the guidance uses.
    did_you_mean: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()  # and, for any answer, from the sections beside
    evidence: object = field(default=None, compare=False)  # answer/confidence.py Evidence

    @property
    def said(self) -> tuple[str, ...]:
        """Fingerprints (said_key) of the sentences this answer quoted, which a
        follow-up in the same conversation does not quote again."""
        if self.no_answer:
            return ()
        return tuple(said_key(s.text) for s in self.sentences if s.kind == "sentence")

    def to_json(self) -> dict:
        # Written out rather than dataclasses.asdict: this runs for every answer served.
        def citation(c: Citation) -> dict:
            return {
                "n": c.n,
                "title": c.title,
                "url": c.url,
                "section": c.section,
                "snippet": c.snippet,
                "score": c.score,
                "passage_id": c.passage_id,
                "highlights": [list(h) for h in c.highlights],
                "page": c.page,
                "quote": None if c.quote is None else {"start": c.quote[0], "end": c.quote[1]},
                "type": c.type,
            }

        return {
            "answer": self.text,
            "no_answer": self.no_answer,
            "confidence": round(self.confidence, 4),
            "citations": [citation(c) for c in self.citations],
            "sentences": [s.to_json() for s in self.sentences],
            "answer_span": None
            if self.answer_span is None
            else dict(zip(("sentence", "start", "end"), self.answer_span, strict=True)),
            "question_kind": self.kind,
            "referral": None
            if self.referral is None
            else {
                "name": self.referral.name,
                "reason": self.referral.reason,
                "links": [{"title": k.title, "url": k.url} for k in self.referral.links],
            },
            "reading": self.reading or self.question,
            "follow_up": self.follow_up,
            "corrections": [{"from": a, "to": b} for a, b in self.corrections],
            "unmatched_terms": list(self.unmatched_terms),
            "nearest": [citation(c) for c in self.nearest],
            "did_you_mean": list(self.did_you_mean),
            "suggestions": list(self.suggestions),
        }
