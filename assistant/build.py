"""The indexing pipeline: fetch -> extract -> chunk -> index -> publish.

A full build re-reads every page; an update re-extracts only the pages whose bytes
changed (by content hash), reuses the passages of the others, drops the passages of
deleted pages, and recomputes the TF-IDF weights over the result.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from tqdm import tqdm

from .answer.query import SYNONYMS_FILE, read_synonyms
from .answer.referrals import REFERRALS_FILE, read_referrals
from .facets import with_facets
from .index.search import IndexUnusable, SearchIndex
from .index.versions import build_lock, current_version, load_current, publish
from .ingest.chunk import RULES as CHUNKING_RULES
from .ingest.chunk import chunk
from .ingest.documents import Limits, Unreadable, read
from .ingest.extract import RULES as EXTRACTION_RULES
from .ingest.fetch import CrawlConfig, Crawler, Fetched, local_pages
from .models import Passage, RawPage, Referral
from .settings import default

log = logging.getLogger(__name__)

# What an index was made with besides its content: a build with a different recipe is
# published even when no page changed.
RECIPE = ("format_version", "weighting", "vectors")
MAX_REMOVED_SHARE = 0.2  # a build that would drop more of the pages is refused unless forced


class BuildRefused(RuntimeError):
    """The build would do something drastic that needs `force`."""


@dataclass
class BuildReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    pages_indexed: int = 0
    passages_before: int = 0
    passages_after: int = 0
    skipped: dict[str, str] = field(default_factory=dict)  # url -> reason
    failed: dict[str, str] = field(default_factory=dict)  # url -> reason (previous kept)
    seconds: float = 0.0
    version: str = ""
    previous_version: str | None = None

    def summary(self) -> str:
        seen = len(self.added) + len(self.changed) + self.unchanged
        lines = [
            f"indexed {self.pages_indexed} of {seen} pages as {self.passages_after} passages "
            f"(before: {self.passages_before}) in {self.seconds:.1f}s; version {self.version}",
            f"pages: {len(self.added)} added, {len(self.changed)} changed, "
            f"{len(self.removed)} removed, {self.unchanged} unchanged",
        ]
        noindex = [url for url, why in self.skipped.items() if why == "marked noindex"]
        if noindex:
            lines.append(f"skipped {len(noindex)} pages marked noindex")
        lines += [
            f"  skipped {url}: {why}"
            for url, why in sorted(self.skipped.items())
            if why != "marked noindex"
        ]
        if self.failed:
            lines.append(
                f"{len(self.failed)} pages could not be fetched (any previous version kept):"
            )
            lines += [f"  failed {url}: {why}" for url, why in sorted(self.failed.items())]
        if self.version == self.previous_version and (self.added or self.changed or self.removed):
            lines.append(self._why_unchanged())
        return "\n".join(lines)

    def _why_unchanged(self) -> str:
        """Pages changed but the version did not: say why, or the counts read as a slip.
        Nothing is published, so the index keeps the pages' old hashes."""
        touched = self.added + self.changed
        empty = sum(url in self.skipped for url in touched)
        reasons = (
            (empty, "added or changed page(s) have no text to index"),
            (len(touched) - empty, "changed page(s) differ only outside the text indexed"),
            (len(self.removed), "removed page(s) had no text indexed"),
        )
        why = "; ".join(f"{n} {reason}" for n, reason in reasons if n)
        return (
            f"the index is unchanged, still version {self.version}: {why} "
            "(the next update will count these pages again)"
        )

    def to_json(self) -> dict:
        return {**asdict(self), "seconds": round(self.seconds, 3)}


@dataclass
class SourceRecord:
    """What an index remembers of one source page (sources.json): its content hash, so
    an update can tell what changed, and what the crawler needs to ask only for changes.
    None marks a field the page lacks; it is left out of the saved record."""

    hash: str
    indexed: bool
    skipped: str | None = None  # why the page has no passages
    updated: str | None = None  # when the page says it was last updated (ISO date)
    etag: str | None = None
    last_modified: str | None = None
    made: str | None = None  # how its passages were made (see `passage_recipe`)

    @classmethod
    def from_json(cls, data: Mapping) -> SourceRecord:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})

    def to_json(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class Source:
    """Where a build reads its pages, and the editors' files that come with them."""

    pages: Iterable[Fetched]
    synonyms: list[tuple[str, ...]]
    referrals: list[Referral]
    where: str  # named in the manifest and in a refusal


def passage_recipe(max_words: int) -> str:
    """How a page's passages are made: an update reuses an unchanged page's passages only
    when they were made the same way, so new extraction or chunking rules (or another
    passage length) reach every page without a full rebuild."""
    return f"extract-{EXTRACTION_RULES}/chunk-{CHUNKING_RULES}/{max_words}"


# Page metadata that says when a page was last changed, most specific first.
UPDATED_META = ("last-updated", "article:modified_time", "dcterms.modified", "date")


def page_passages(
    raw: RawPage, max_words: int, limits: Limits | None = None
) -> tuple[list[Passage], str | None, str | None]:
    """Extract and chunk one page (or PDF or Word document); return its passages, why it
    was skipped (None if it was not) and when it says it was last updated (or None)."""
    try:
        doc = read(raw, limits)
    except Unreadable as exc:  # encrypted, truncated, too long, a scan, ...
        log.warning("skipping %s: %s", raw.url, exc)
        return [], str(exc), None
    except Exception as exc:  # one malformed page must not stop a build
        log.warning("could not extract %s: %s", raw.url, exc)
        return [], f"extraction failed: {exc}", None
    if "noindex" in doc.meta.get("robots", "").lower():
        return [], "marked noindex", None
    found = with_facets(chunk(doc, max_words), doc.meta)
    updated = next((doc.meta[k] for k in UPDATED_META if doc.meta.get(k)), "")
    updated = updated[:10] if re.match(r"\d{4}-\d{2}-\d{2}", updated) else None
    return found, None if found else "no main text", updated


def build(
    source: Path | CrawlConfig,
    index_root: Path,
    *,
    incremental: bool = False,
    force: bool = False,
    max_removed_share: float = MAX_REMOVED_SHARE,
    max_words: int = default("max_passage_words"),
    keep: int = default("keep_versions"),
    progress: bool | None = None,
    limits: Limits | None = None,
) -> BuildReport:
    """Index the pages of `source` (a folder, or a site to crawl) and make the result
    current in `index_root`.

    With `incremental`, only pages whose content changed since the current index are
    extracted again. A crawled page that did not change (HTTP 304) or could not be
    fetched this time keeps its previous version; one that answers 404 or 410 is
    removed. The previous index stays current unless the whole build succeeds; a build
    that would remove more than `max_removed_share` of the pages is refused unless
    `force`. Two builds of one index cannot run at once. `progress=None` shows a
    progress bar only on a terminal. A PDF or Word document beyond `limits`, or one
    that cannot be read (encrypted, damaged, a scan), is skipped with its reason.
    """
    started = time.perf_counter()
    limits = limits or Limits()
    quiet = None if progress is None else not progress  # None: a bar only on a terminal
    with build_lock(index_root):
        previous = _previous_index(index_root)
        report = BuildReport()
        if previous:
            report.previous_version = previous.version
            report.passages_before = len(previous.passages)
        old_sources = previous.sources if previous else {}
        origin = _open_source(source, old_sources, limits)
        fetched = list(tqdm(origin.pages, desc="fetching", unit="page", disable=quiet))
        kept = _check_removals(fetched, old_sources, report, max_removed_share, force, origin)
        passages, records = _index_pages(
            tqdm(fetched, desc="indexing", unit="page", disable=quiet),
            kept,
            previous,
            report,
            incremental=incremental,
            max_words=max_words,
            limits=limits,
        )
        report.pages_indexed = sum(record.indexed for record in records.values())
        index = SearchIndex.build(
            passages,
            source=origin.where,
            synonyms=origin.synonyms,
            sources={url: record.to_json() for url, record in records.items()},
            previous=previous if incremental else None,
            referrals=origin.referrals,
        )
        if previous is not None and _same_index(previous, index):
            index = previous  # nothing to publish: keep serving the same version
        else:
            publish(index, index_root, keep=keep)
    report.passages_after = len(index.passages)
    report.version = index.version
    report.seconds = time.perf_counter() - started
    return report


def _previous_index(index_root: Path) -> SearchIndex | None:
    """The current index to update from, or None to build afresh."""
    try:  # checksums too: an update must not carry damaged passages forward
        return load_current(index_root, checksums=True)
    except IndexUnusable as exc:
        if current_version(index_root):
            log.warning("building afresh: the current index cannot be updated: %s", exc)
        return None


def _open_source(source: Path | CrawlConfig, old_sources: Mapping, limits: Limits) -> Source:
    """The pages of a folder, or of a crawl (asking only for pages changed since
    `old_sources`), with the synonyms and referrals files that belong to them."""
    if isinstance(source, CrawlConfig):
        return Source(
            pages=Crawler(source, old_sources, limits.bytes).crawl(),
            synonyms=read_synonyms(Path(source.synonyms)) if source.synonyms else [],
            referrals=read_referrals(Path(source.referrals)) if source.referrals else [],
            where=source.start_urls[0] if source.start_urls else source.sitemaps[0],
        )
    return Source(
        pages=local_pages(source, limits.bytes),
        synonyms=read_synonyms(source / SYNONYMS_FILE),
        referrals=read_referrals(source / REFERRALS_FILE),
        where=str(source),
    )


def _check_removals(
    fetched: list[Fetched],
    old_sources: Mapping,
    report: BuildReport,
    max_removed_share: float,
    force: bool,
    origin: Source,
) -> set[str]:
    """Note the pages this build removes, refusing the build if they are too many
    (a moved site or an emptied folder looks like that), and return the pages kept as
    they were: unchanged (304) or unreachable this time."""
    kept = {f.url for f in fetched if f.status in ("not_modified", "failed")} & set(old_sources)
    current = {f.url for f in fetched if f.status == "ok"} | kept
    report.removed = sorted(set(old_sources) - current)
    if old_sources and len(report.removed) > max_removed_share * len(old_sources) and not force:
        raise BuildRefused(
            f"this build would remove {len(report.removed)} of {len(old_sources)} pages "
            f"(more than {max_removed_share:.0%}); check the source {origin.where}, "
            "or pass --force if that is intended"
        )
    return kept


def _index_pages(
    fetched: Iterable[Fetched],
    kept: set[str],
    previous: SearchIndex | None,
    report: BuildReport,
    *,
    incremental: bool,
    max_words: int,
    limits: Limits,
) -> tuple[list[Passage], dict[str, SourceRecord]]:
    """Every page's passages and record: kept pages' as they were, unchanged pages'
    reused by an update, the rest extracted afresh. Counts each page in `report`."""
    old_sources = previous.sources if previous else {}
    made = passage_recipe(max_words)
    old_passages: dict[str, list[Passage]] = defaultdict(list)
    for p in previous.passages if previous else ():
        old_passages[p.url].append(p)
    passages: list[Passage] = []
    records: dict[str, SourceRecord] = {}
    for item in fetched:
        old = SourceRecord.from_json(old_sources[item.url]) if item.url in old_sources else None
        if item.status in ("failed", "skipped"):
            (report.failed if item.status == "failed" else report.skipped)[item.url] = item.reason
        if item.url in kept:  # unchanged (304) or unreachable this time: keep it
            records[item.url] = old
            report.unchanged += 1
            passages.extend(old_passages[item.url])
            continue
        if item.status != "ok" or item.url in records:
            continue
        raw = item.page
        digest = hashlib.sha256(raw.content).hexdigest()
        same = old is not None and old.hash == digest
        if incremental and same and old.made == made:
            found, skipped, updated = old_passages[raw.url], old.skipped, old.updated
        else:
            found, skipped, updated = page_passages(raw, max_words, limits)
        if same:
            report.unchanged += 1
        else:
            (report.changed if old else report.added).append(raw.url)
        records[raw.url] = SourceRecord(
            digest,
            bool(found),
            skipped,
            updated,
            item.etag or None,
            item.last_modified or None,
            made,
        )
        if skipped is not None:
            report.skipped[raw.url] = skipped
        passages.extend(found)
    return passages, records


def _same_index(previous: SearchIndex, index: SearchIndex) -> bool:
    """Whether a new build holds just what the current index does, made the same way."""
    return (
        previous.manifest["content_hash"] == index.manifest["content_hash"]
        and previous.synonyms == index.synonyms
        and previous.referrals == index.referrals
        and all(previous.manifest.get(k) == index.manifest.get(k) for k in RECIPE)
        and previous.vector_error == index.vector_error
    )
