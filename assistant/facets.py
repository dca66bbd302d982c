"""What kind of page a passage comes from and what it is about: the badge a citation
shows, and what filters choose from. Rules as data, read from each page's metadata
(`<meta name="page-type">` and `<meta name="tags">`, as the site template writes them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from weakref import WeakKeyDictionary

import numpy as np

from .models import Passage

# Content types, in the order they are offered, with their labels.
TYPES = {"guidance": "Guidance", "case-study": "Case study", "report": "Report", "news": "News"}
TYPE_META = ("page-type", "content-type")
# A tag that makes a page of the default type ("guidance") a report or a news item.
TYPE_TAGS = {"reports": "report", "report": "report", "news": "news", "announcement": "news"}
# Topics offered as filters: a page is in one when a tag holds one of its words.
TOPICS = {
    "health": (
        "health",
        "wellbeing",
        "prescription",
        "prescribing",
        "nhs",
        "ccg",
        "ccgs",
        "gp",
        "dementia",
        "loneliness",
        "recovery",
        "hospitals",
    ),
    "procurement": (
        "procurement",
        "tendering",
        "tenders",
        "contracts",
        "grants",
        "lots",
        "outsourcing",
        "market",
        "sub-contracting",
        "social value",
    ),
    "evidence": (
        "evidence",
        "evaluation",
        "research",
        "outcomes",
        "impact",
        "sroi",
        "wemwbs",
        "theory of change",
        "findings",
        "outcome measures",
    ),
    "policy": ("policy", "legislation", "white paper", "localism", "right to challenge"),
    "partnership": ("consortia", "consortium", "partnership", "co-production", "collaboration"),
    "housing": ("housing", "housing associations", "hact"),
}


def page_type(meta: dict[str, str]) -> str:
    """The page's content type: its declared type, made more exact by its tags."""
    declared = next((meta[k].strip().lower() for k in TYPE_META if meta.get(k)), "")
    if declared in TYPES and declared != "guidance":
        return declared
    tags = _tags(meta)
    kind = next((TYPE_TAGS[t] for t in tags if t in TYPE_TAGS), "") or declared
    return kind if kind in TYPES else ""


def page_topics(meta: dict[str, str]) -> tuple[str, ...]:
    """The topics whose words one of the page's tags holds."""
    tags = _tags(meta)
    return tuple(
        topic
        for topic, words in TOPICS.items()
        if any(re.search(rf"\b{re.escape(w)}\b", tag) for tag in tags for w in words)
    )


def _tags(meta: dict[str, str]) -> list[str]:
    return [t.strip().lower() for t in meta.get("tags", "").split(",") if t.strip()]


def with_facets(passages: list[Passage], meta: dict[str, str]) -> list[Passage]:
    """The page's passages, each carrying the page's type and topics. A document declares
    no type of its own: the hub publishes its reports as PDFs, and guidance (toolkits)
    in Word."""
    kind, topics = page_type(meta), page_topics(meta)
    if not kind and passages and passages[0].from_document:
        kind = "report" if passages[0].url.lower().endswith(".pdf") else "guidance"
    if not kind and not topics:
        return passages
    return [replace(p, page_type=kind, topics=topics) for p in passages]


@dataclass(frozen=True)
class Filters:
    """Which pages an answer may quote: any of `types`, and any of `topics` (an empty
    set allows all)."""

    types: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.types or self.topics)

    def admits(self, passage: Passage) -> bool:
        return (not self.types or passage.page_type in self.types) and (
            not self.topics or not self.topics.isdisjoint(passage.topics)
        )

    def rows(self, index) -> np.ndarray:
        """A boolean mask over the index's passages, worked out once per index."""
        masks = _MASKS.setdefault(index, {})
        if self not in masks:
            masks[self] = np.fromiter((self.admits(p) for p in index.passages), bool)
        return masks[self]


_MASKS: WeakKeyDictionary[object, dict[Filters, np.ndarray]] = WeakKeyDictionary()


def facet_counts(passages: Iterable[Passage]) -> dict[str, dict[str, int]]:
    """Pages of each type and each topic."""
    pages: dict[str, Passage] = {}
    for p in passages:
        pages.setdefault(p.url, p)
    types = {t: sum(p.page_type == t for p in pages.values()) for t in TYPES}
    topics = {t: sum(t in p.topics for p in pages.values()) for t in TOPICS}
    return {"types": types, "topics": topics}
