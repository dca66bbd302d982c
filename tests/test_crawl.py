"""Crawling a live site: a site served on loopback by the test, never the internet."""

import hashlib
import mimetypes
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant import load_current
from assistant.build import build
from assistant.ingest.fetch import USER_AGENT, CrawlConfig, Crawler

from .conftest import CORPUS

HUB = b"""<html><head><title>Extras</title></head><body><article><h1>Extras</h1>
<p>Links to pages that misbehave, for the crawler to cope with.</p><ul>
<li><a href="/moved">moved</a></li><li><a href="/broken.html">broken</a></li>
<li><a href="/flaky.html">flaky</a></li><li><a href="/slow.html">slow</a></li>
<li><a href="/private/secret.html">secret</a></li><li><a href="/dup.html">dup</a></li>
<li><a href="/doc.pdf">pdf</a></li><li><a href="/missing.html">missing</a></li>
<li><a href="/huge.html">huge</a></li><li><a href="/latin.html">latin</a></li>
<li><a href="/malformed.html">malformed</a></li><li><a href="/alias.html">alias</a></li><li><a href="https://elsewhere.example.com/x">off-site</a></li>
</ul></article></body></html>"""


def article(title: str, body: str) -> bytes:
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f'<h2 id="s">Section</h2><p>{body}</p></article></body></html>'
    ).encode()


class Site:
    """A small web site on loopback: the corpus snapshot plus pages that misbehave."""

    def __init__(self, robots: str = "User-agent: *\nDisallow: /private/\n") -> None:
        self.robots = robots
        self.requests: list[tuple[str, str, dict]] = []  # (method, path, headers)
        self.flaky_failures = 1
        self.overrides: dict[str, int] = {}  # path -> status to answer instead
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                site.requests.append(("GET", self.path, dict(self.headers)))
                site.answer(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()

    def send(self, h, status, body=b"", kind="text/html; charset=utf-8", headers=()):
        h.send_response(status)
        h.send_header("Content-Type", kind)
        h.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            h.send_header(name, value)
        h.end_headers()
        h.wfile.write(body)

    def answer(self, h):
        path = h.path.split("?")[0]
        if path in self.overrides:
            return self.send(h, self.overrides[path], b"nope")
        special = {
            "/robots.txt": lambda: self.send(h, 200, self.robots.encode(), "text/plain"),
            "/extra/hub.html": lambda: self.send(h, 200, HUB),
            "/moved": lambda: self.send(h, 301, headers=[("Location", "/extra/target.html")]),
            "/extra/target.html": lambda: self.send(
                h, 200, article("Target", "Redirect target text about zebras.")
            ),
            "/alias.html": lambda: self.send(
                h,
                200,
                article("Target", "Redirect target text about zebras.").replace(
                    b"<head>", b'<head><link rel="canonical" href="/extra/target.html">'
                ),
            ),
            "/broken.html": lambda: self.send(h, 500, b"error"),
            "/missing.html": lambda: self.send(h, 404, b"not here"),
            "/doc.pdf": lambda: self.send(h, 200, b"%PDF-1.4", "application/pdf"),
            "/huge.html": lambda: self.send(h, 200, article("Huge", "word " * 100_000)),
            "/dup.html": lambda: self.send(
                h, 200, (CORPUS / "about" / "funding.html").read_bytes()
            ),
            "/latin.html": lambda: self.send(
                h,
                200,
                article("Latin", "Café culture – naïve façades.")
                .decode()
                .replace("<head>", '<head><meta charset="windows-1252">')
                .encode("cp1252"),
                "text/html",
            ),
            "/malformed.html": lambda: self.send(
                h,
                200,
                b"<html><body><article><h1>Broken</h1><p>Unclosed <b>tags <i>about "
                b"otters everywhere<p>and more otter text</article",
            ),
        }
        if path in special:
            return special[path]()
        if path == "/flaky.html":
            if self.flaky_failures > 0:
                self.flaky_failures -= 1
                return self.send(h, 503, b"busy")
            return self.send(h, 200, article("Flaky", "Eventually served text about herons."))
        if path == "/slow.html":
            time.sleep(2.5)
            return self.send(h, 200, article("Slow", "Too slow."))
        if path == "/sitemap.xml":
            xml = (
                (CORPUS / "sitemap.xml")
                .read_bytes()
                .replace(b"https://ccp-hub.example.org", self.url.encode())
            )
            return self.send(h, 200, xml, "application/xml")
        file = CORPUS / (path.lstrip("/") or "index.html")
        if path.endswith("/"):
            file = file / "index.html"
        if not file.is_file():
            return self.send(h, 404, b"not found")
        body = file.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if h.headers.get("If-None-Match") == etag:
            return self.send(h, 304)
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if kind == "text/html":
            kind += "; charset=utf-8"
        self.send(
            h,
            200,
            body,
            kind,
            headers=[("ETag", etag), ("Last-Modified", formatdate(0, usegmt=True))],
        )


@pytest.fixture()
def site():
    s = Site()
    yield s
    s.close()


def config(site, **overrides):
    values = dict(
        start_urls=[site.url + "/index.html", site.url + "/extra/hub.html"],
        sitemaps=[site.url + "/sitemap.xml"],
        max_pages=300,
        concurrency=4,
        requests_per_second=500,
        timeout=1.0,
        retries=1,
        max_bytes=200_000,
    )
    return CrawlConfig(**{**values, **overrides})


def test_crawl_indexes_the_site_and_reports_every_bad_page(site, tmp_path):
    report = build(config(site), tmp_path / "index", progress=False)
    index = load_current(tmp_path / "index")
    urls = {p.url for p in index.passages}
    content_pages = {u for u, i in index.sources.items() if i["indexed"]}
    # The corpus's pages and its 4 documents, plus target, flaky, latin, malformed, hub.
    assert len(content_pages) == 89 + 4 + 5
    assert site.url + "/pilots/kent-pilot.html" in urls
    assert site.url + "/extra/target.html" in urls  # reached through a redirect
    assert site.url + "/flaky.html" in urls  # a 503 retried
    assert report.failed.keys() == {
        site.url + p for p in ("/broken.html", "/slow.html", "/huge.html")
    }
    assert "HTTP 500" in report.failed[site.url + "/broken.html"]
    assert "larger than" in report.failed[site.url + "/huge.html"]
    skipped = report.skipped
    assert skipped[site.url + "/private/secret.html"] == "disallowed by robots.txt"
    assert skipped[site.url + "/doc.pdf"].startswith("truncated")  # 8 bytes of a PDF
    assert skipped[site.url + "/dup.html"].startswith("duplicate of ")
    assert site.url + "/missing.html" not in index.sources
    assert site.url + "/alias.html" not in index.sources  # its canonical URL stands for it
    assert not [u for u in urls if "elsewhere.example.com" in u]
    latin = next(p for p in index.passages if p.url.endswith("/latin.html"))
    assert "Café culture – naïve façades." in latin.text
    malformed = next(p for p in index.passages if p.url.endswith("/malformed.html"))
    assert "otters everywhere" in malformed.text
    assert {headers.get("User-Agent") for _, _, headers in site.requests} == {USER_AGENT}
    assert "could not be fetched" in report.summary()
    # Citations link straight to the live pages.
    kent = index.search("Kent pilot partners Laura Bailey")[0].passage
    assert kent.link.startswith(site.url + "/pilots/kent-pilot.html#")


def test_recrawl_asks_only_for_changes_and_keeps_pages_that_fail(site, tmp_path):
    root = tmp_path / "index"
    build(config(site), root, progress=False)
    kent, funding = site.url + "/pilots/kent-pilot.html", site.url + "/about/funding.html"
    before = [p for p in load_current(root).passages if p.url == kent]
    site.requests.clear()
    site.overrides = {"/pilots/kent-pilot.html": 503, "/about/funding.html": 410}
    report = build(config(site), root, incremental=True, progress=False)
    conditional = [h for _, path, h in site.requests if "If-None-Match" in h]
    assert len(conditional) > 80  # unchanged pages cost a 304, not a download
    assert kent in report.failed and report.removed == [funding]
    index = load_current(root)
    assert [p for p in index.passages if p.url == kent] == before  # kept as it was
    assert not [p for p in index.passages if p.url == funding]
    assert report.unchanged > 80 and not report.changed


def test_crawl_honours_crawl_delay_and_the_page_limit(tmp_path):
    site = Site(robots="User-agent: *\nCrawl-delay: 1\n")  # whole seconds, as robots.txt has
    try:
        crawler = Crawler(
            config(site, sitemaps=[], max_pages=3, start_urls=[site.url + "/index.html"])
        )
        started = time.monotonic()
        results = list(crawler.crawl())
        elapsed = time.monotonic() - started
    finally:
        site.close()
    pages = [path for _, path, _ in site.requests if path != "/robots.txt"]
    assert len(results) == 3 and len(pages) == 3
    assert elapsed >= 1.9  # three requests, a second apart, though four workers were free


def test_bad_sources_file_gives_a_clear_error(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text('start_urls = ["ftp://example.org/"]\n')
    with pytest.raises(ValueError, match="not an http"):
        CrawlConfig.from_file(path)
    path.write_text('start_urls = ["https://example.org/"]\nspeed = 3\n')
    with pytest.raises(ValueError, match="unknown settings"):
        CrawlConfig.from_file(path)
    assert CrawlConfig.from_file(CORPUS / "sources.toml").allowed_hosts == ["ccp-hub.example.org"]
