"""Fetch pages: from a local site snapshot, or by crawling a live site politely.

This is the only module that touches the network. The crawler starts from the
configured URLs and sitemaps, follows links within the allowed hosts and path
prefixes, honours robots.txt (crawl-delay included), limits concurrency and rate,
retries transient errors with backoff, asks only for what changed (ETag /
Last-Modified), and reports every page it could not use and why. Pages are HTML,
PDF or Word documents (.docx): by suffix in a folder, by Content-Type in a crawl.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
import tomllib
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import urllib3
from lxml import etree
from lxml import html as lxml_html

from ..models import RawPage
from .documents import SUFFIXES, Limits, kind_of

log = logging.getLogger(__name__)

USER_AGENT = (
    "CCP-Assistant-indexer/0.1 (indexes guidance for the CCP Assistant; honours robots.txt)"
)


def local_pages(source: Path, max_document_bytes: int = Limits.bytes) -> Iterator[Fetched]:
    """Yield every HTML page, PDF and Word document under `source`, its URL the path
    relative to `source`. A symbolic link that leads out of the folder is skipped: what
    is indexed is quoted to anyone who asks, and the link could be to any file on the
    machine. A document over `max_document_bytes` is skipped unread."""
    if not source.is_dir():
        raise FileNotFoundError(f"source folder {source} does not exist")
    folder = source.resolve()
    for path in sorted(source.rglob("*")):
        kind = SUFFIXES.get(path.suffix.lower())
        if kind and path.is_file():
            url = path.relative_to(source).as_posix()
            if not path.resolve().is_relative_to(folder):
                yield Fetched(url, "skipped", reason="a symbolic link out of the source folder")
                continue
            try:
                if kind != "html" and path.stat().st_size > max_document_bytes:
                    reason = f"larger than the limit of {max_document_bytes:,} bytes"
                    yield Fetched(url, "skipped", reason=reason)
                    continue
                content = path.read_bytes()
            except OSError as exc:
                log.warning("skipping %s: %s", path, exc)
                continue
            yield Fetched(url, "ok", RawPage(url=url, content=content, kind=kind))


@dataclass
class CrawlConfig:
    start_urls: list[str]
    sitemaps: list[str] = field(default_factory=list)
    allowed_hosts: list[str] = field(default_factory=list)  # default: the start URLs' hosts
    allowed_prefixes: list[str] = field(default_factory=lambda: ["/"])
    max_pages: int = 500
    concurrency: int = 4
    requests_per_second: float = 2.0  # per host; robots.txt crawl-delay can slow it further
    timeout: float = 10.0
    retries: int = 2
    max_bytes: int = 5_000_000
    synonyms: str = ""  # path of a synonyms file for the crawled site, if any
    referrals: str = ""  # path of a referrals file (questions to decline), if any

    def __post_init__(self) -> None:
        if not self.start_urls and not self.sitemaps:
            raise ValueError("a crawl needs at least one start URL or sitemap")
        for url in self.start_urls + self.sitemaps:
            if urlsplit(url).scheme not in ("http", "https"):
                raise ValueError(f"{url!r} is not an http(s) URL")
        if not self.allowed_hosts:
            self.allowed_hosts = sorted(
                {urlsplit(u).netloc for u in self.start_urls + self.sitemaps}
            )
        if not 1 <= self.concurrency <= 32:
            raise ValueError("concurrency must be from 1 to 32")

    @classmethod
    def from_file(cls, path: Path) -> CrawlConfig:
        """Read a sources file (TOML): start_urls, sitemaps, allowed_hosts, ..."""
        try:
            data = tomllib.loads(path.read_text("utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path} is not valid TOML: {exc}") from None
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"{path}: unknown settings {sorted(unknown)}; known: {sorted(known)}")
        for key in ("synonyms", "referrals"):
            if data.get(key):
                data[key] = str(path.parent / data[key])
        return cls(**data)

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        return (
            parts.scheme in ("http", "https")
            and parts.netloc in self.allowed_hosts
            and any(parts.path.startswith(p) for p in self.allowed_prefixes)
        )


@dataclass(frozen=True)
class Fetched:
    """The outcome for one URL. `status` is one of: ok, not_modified, gone (404/410:
    remove the page), failed (keep any previous version), skipped (not for the index)."""

    url: str
    status: str
    page: RawPage | None = None
    etag: str | None = None
    last_modified: str | None = None
    reason: str = ""


class _HostPacer:
    """Spaces requests to each host by its delay, whatever the number of workers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def wait(self, host: str, delay: float) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(host, now))
            self._next[host] = start + delay
        time.sleep(max(0.0, start - time.monotonic()))


class Crawler:
    def __init__(
        self,
        config: CrawlConfig,
        previous: dict[str, dict] | None = None,
        max_document_bytes: int = Limits.bytes,
    ) -> None:
        self.config = config
        self.previous = previous or {}  # url -> {"etag", "last_modified", ...}
        self.max_document_bytes = max_document_bytes  # PDFs and Word files run larger
        retry = urllib3.Retry(
            total=config.retries,
            backoff_factor=0.5,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=("GET",),
            redirect=5,
            raise_on_status=False,
            respect_retry_after_header=True,
        )
        self.http = urllib3.PoolManager(
            num_pools=8,
            maxsize=config.concurrency,
            retries=retry,
            timeout=urllib3.Timeout(connect=config.timeout, read=config.timeout),
            headers={"User-Agent": USER_AGENT},
        )
        self.pacer = _HostPacer()
        self.robots: dict[str, RobotFileParser] = {}
        self._robots_lock = threading.Lock()
        self.seen_hashes: dict[str, str] = {}  # content hash -> first URL with it
        self._hash_lock = threading.Lock()

    # -- politeness ---------------------------------------------------------------

    def _robots(self, url: str) -> RobotFileParser:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._robots_lock:
            if origin in self.robots:
                return self.robots[origin]
            parser = RobotFileParser(origin + "/robots.txt")
            try:
                response = self.http.request("GET", origin + "/robots.txt", preload_content=True)
                if response.status >= 400:
                    parser.allow_all = response.status < 500
                    parser.disallow_all = response.status >= 500  # be safe while it is down
                else:
                    parser.parse(response.data.decode("utf-8", "replace").splitlines())
            except urllib3.exceptions.HTTPError as exc:
                log.warning("robots.txt of %s unreachable (%s): not crawling it", origin, exc)
                parser.disallow_all = True
            self.robots[origin] = parser
            return parser

    def _delay(self, url: str) -> float:
        crawl_delay = self._robots(url).crawl_delay(USER_AGENT) or 0
        return max(float(crawl_delay), 1.0 / self.config.requests_per_second)

    # -- fetching -----------------------------------------------------------------

    def _get(self, url: str, conditional: bool = True):
        headers = {"User-Agent": USER_AGENT}  # per-request headers replace the defaults
        old = self.previous.get(url, {}) if conditional else {}
        if old.get("etag"):
            headers["If-None-Match"] = old["etag"]
        if old.get("last_modified"):
            headers["If-Modified-Since"] = old["last_modified"]
        self.pacer.wait(urlsplit(url).netloc, self._delay(url))
        response = self.http.request(
            "GET", url, headers=headers, preload_content=False, redirect=True
        )
        final = urljoin(url, response.geturl() or url)
        limit = self._limit(final, response.headers.get("Content-Type") or "")
        try:
            body = response.read(limit + 1, decode_content=True)
        finally:
            response.release_conn()
        return response, body, final

    def _limit(self, url: str, content_type: str) -> int:
        """The most bytes read of a response: more for a PDF or Word document."""
        kind = kind_of(url, content_type)
        return self.max_document_bytes if kind in ("pdf", "docx") else self.config.max_bytes

    def fetch(self, url: str) -> tuple[Fetched, list[str]]:
        """Fetch one page; return the outcome and the links found on it."""
        if not self._robots(url).can_fetch(USER_AGENT, url):
            return Fetched(url, "skipped", reason="disallowed by robots.txt"), []
        try:
            response, body, final = self._get(url)
        except urllib3.exceptions.HTTPError as exc:
            return Fetched(url, "failed", reason=f"{type(exc).__name__}: {exc}"), []
        status = response.status
        if status == 304:
            return Fetched(url, "not_modified"), []
        if status in (404, 410):
            return Fetched(url, "gone", reason=f"HTTP {status}"), []
        if status >= 400:
            return Fetched(url, "failed", reason=f"HTTP {status}"), []
        content_type = response.headers.get("Content-Type") or ""
        limit = self._limit(final, content_type)
        if len(body) > limit:
            return Fetched(url, "failed", reason=f"larger than {limit} bytes"), []
        kind = kind_of(final, content_type)
        if kind is None:
            what = content_type.split(";")[0].strip().lower()
            return Fetched(url, "skipped", reason=f"not HTML, PDF or Word ({what})"), []
        url = final if self.config.allows(final) else url  # followed a redirect
        charset = re.search(r"charset=([\w-]+)", content_type)
        links, canonical = _links(body, url) if kind == "html" else ([], None)
        if canonical and canonical != url and self.config.allows(canonical):
            url = canonical
        digest = hashlib.sha256(body).hexdigest()
        with self._hash_lock:
            first = self.seen_hashes.setdefault(digest, url)
        if first != url:
            return Fetched(url, "skipped", reason=f"duplicate of {first}"), links
        page = RawPage(
            url=url, content=body, encoding=charset.group(1) if charset else None, kind=kind
        )
        return Fetched(
            url,
            "ok",
            page,
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
        ), links

    def sitemap_urls(self, url: str, depth: int = 0) -> list[str]:
        """Page URLs listed in a sitemap (following sitemap indexes two levels deep)."""
        if depth > 2 or not self._robots(url).can_fetch(USER_AGENT, url):
            return []
        try:
            response, body, _ = self._get(url, conditional=False)
        except urllib3.exceptions.HTTPError as exc:
            log.warning("sitemap %s unreachable: %s", url, exc)
            return []
        if response.status != 200:
            log.warning("sitemap %s answered HTTP %s", url, response.status)
            return []
        try:
            root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False))
        except etree.XMLSyntaxError as exc:
            log.warning("sitemap %s is not valid XML: %s", url, exc)
            return []
        locs = [el.text.strip() for el in root.iter("{*}loc") if el.text]
        if etree.QName(root).localname == "sitemapindex":
            return [u for loc in locs for u in self.sitemap_urls(loc, depth + 1)]
        return locs

    # -- the crawl ----------------------------------------------------------------

    def crawl(self) -> Iterator[Fetched]:
        """Yield the outcome for every page reached, as fetches complete."""
        config = self.config
        queue: list[str] = []
        seen: set[str] = set()

        def add(url: str) -> None:
            url = urldefrag(url)[0]
            if url not in seen and config.allows(url) and len(seen) < config.max_pages:
                seen.add(url)
                queue.append(url)

        for url in config.start_urls:
            add(url)
        for sitemap in config.sitemaps:
            for url in self.sitemap_urls(sitemap):
                add(url)
        for url in self.previous:  # pages indexed before: check each is still there
            add(url)
        with ThreadPoolExecutor(config.concurrency, thread_name_prefix="crawl") as pool:
            running = set()
            while queue or running:
                while queue and len(running) < config.concurrency:
                    running.add(pool.submit(self.fetch, queue.pop(0)))
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    result, links = future.result()
                    for link in links:
                        add(link)
                    yield result


def _links(body: bytes, base: str) -> tuple[list[str], str | None]:
    """The page's links (absolute, without fragments) and its canonical URL."""
    try:
        tree = lxml_html.fromstring(body, base_url=base)
    except (etree.ParserError, ValueError):
        return [], None
    links = [urldefrag(urljoin(base, href))[0] for href in tree.xpath("//a/@href")]
    canonical = tree.xpath("//link[@rel='canonical']/@href")
    return links, urldefrag(urljoin(base, canonical[0]))[0] if canonical else None
