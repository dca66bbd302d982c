"""The indexing pipeline: fetch -> extract -> chunk -> index -> publish."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from .chunk import MAX_PASSAGE_WORDS, chunk
from .extract import extract
from .fetch import local_pages
from .index import SearchIndex
from .models import Passage, RawPage
from .query import SYNONYMS_FILE, read_synonyms
from .store import KEEP_VERSIONS, publish

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    pages_seen: int = 0
    pages_indexed: int = 0
    passages: int = 0
    skipped: dict[str, str] = field(default_factory=dict)  # url -> reason
    seconds: float = 0.0
    version: str = ""

    def summary(self) -> str:
        lines = [
            f"indexed {self.pages_indexed} of {self.pages_seen} pages as "
            f"{self.passages} passages in {self.seconds:.1f}s (version {self.version})"
        ]
        lines += [f"  skipped {url}: {why}" for url, why in sorted(self.skipped.items())]
        return "\n".join(lines)


def passages_from(
    pages: Iterable[RawPage], report: BuildReport, max_words: int = MAX_PASSAGE_WORDS
) -> list[Passage]:
    """Extract and chunk every page, noting in `report` the ones left out and why."""
    passages: list[Passage] = []
    for raw in pages:
        report.pages_seen += 1
        try:
            doc = extract(raw)
        except Exception as exc:  # one malformed page must not stop a build
            log.warning("could not extract %s: %s", raw.url, exc)
            report.skipped[raw.url] = f"extraction failed: {exc}"
            continue
        if "noindex" in doc.meta.get("robots", "").lower():
            report.skipped[raw.url] = "marked noindex"
            continue
        found = chunk(doc, max_words)
        if not found:
            report.skipped[raw.url] = "no main text"
            continue
        report.pages_indexed += 1
        passages.extend(found)
    return passages


def build(
    source: Path,
    index_root: Path,
    *,
    max_words: int = MAX_PASSAGE_WORDS,
    keep: int = KEEP_VERSIONS,
    progress: bool | None = None,
) -> BuildReport:
    """Build an index of the HTML pages under `source` and make it current in `index_root`.

    `progress=None` shows a progress bar only on a terminal. The previous index stays
    current unless the whole build succeeds.
    """
    started = time.perf_counter()
    report = BuildReport()
    pages = list(local_pages(source))
    bar = tqdm(
        pages, desc="indexing", unit="page", disable=None if progress is None else not progress
    )
    index = SearchIndex.build(
        passages_from(bar, report, max_words),
        source=str(source),
        synonyms=read_synonyms(source / SYNONYMS_FILE),
    )
    publish(index, index_root, keep=keep)
    report.passages = len(index.passages)
    report.version = index.version
    report.seconds = time.perf_counter() - started
    return report
