"""The resource hub snapshot: structure, metadata, links, and no chrome in the index."""

import json
import re
from pathlib import Path
from urllib.parse import urldefrag

import pytest
from bs4 import BeautifulSoup

from .conftest import CORPUS, ROOT, run_python

PAGES = sorted(CORPUS.rglob("*.html"))
QUESTIONS = [
    json.loads(line)
    for line in (ROOT / "tests" / "eval" / "questions.jsonl").read_text().splitlines()
    if line.strip()
]


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_bytes(), "html.parser")


def content_pages():
    for path in PAGES:
        html = soup(path)
        robots = html.find("meta", attrs={"name": "robots"})
        if not (robots and "noindex" in robots["content"]):
            yield path, html


def meta(html, name):
    tag = html.find("meta", attrs={"name": name})
    return tag["content"] if tag else None


def test_content_pages_have_the_required_metadata():
    kinds = {"guidance": 0, "case-study": 0}
    words = 0
    for path, html in content_pages():
        where = path.relative_to(CORPUS)
        assert html.title and html.title.get_text(strip=True), where
        assert meta(html, "description"), where
        assert meta(html, "page-type") in kinds, where
        assert meta(html, "tags"), where
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta(html, "last-updated") or ""), where
        assert html.find("link", rel="canonical"), where
        article = html.find("article")
        for heading in article.find_all(["h1", "h2", "h3"]):
            assert heading.get("id"), (where, heading.get_text())
        sources = article.select("section.sources a[href^='http']")
        assert sources, f"{where} has no Sources list"
        body = len(article.get_text(" ").split())
        assert 300 <= body <= 1700, (where, body)
        kinds[meta(html, "page-type")] += 1
        words += body
    assert kinds["guidance"] >= 45 and kinds["case-study"] >= 20, kinds
    assert words >= 45_000, words


def test_no_two_pages_share_a_title():
    titles = [html.title.get_text(strip=True) for _, html in content_pages()]
    assert len(titles) == len(set(titles))


def test_every_internal_link_and_anchor_resolves():
    ids = {path: {t["id"] for t in soup(path).find_all(id=True)} for path in PAGES}
    broken = []
    for path in PAGES:
        for link in soup(path).find_all("a", href=True):
            href = link["href"]
            if href.startswith(("http://", "https://", "mailto:")) or href == "#":
                continue
            target, anchor = urldefrag(href)
            file = (path.parent / target).resolve() if target else path
            if not file.is_file():
                broken.append(f"{path.relative_to(CORPUS)} -> {href}")
            elif anchor and file.suffix == ".html" and anchor not in ids[file]:
                broken.append(f"{path.relative_to(CORPUS)} -> {href} (no such id)")
    assert broken == []


def test_sitemap_and_robots():
    sitemap = (CORPUS / "sitemap.xml").read_text()
    listed = set(re.findall(r"<loc>https://[^/]+/(.*?)</loc>", sitemap))
    documents = {p for p in CORPUS.rglob("*") if p.suffix in (".pdf", ".docx")}
    assert documents, "the reports and the toolkit are listed too"
    pages = {p for p, _ in content_pages()} | documents
    assert listed == {str(p.relative_to(CORPUS)) for p in pages}
    assert "Sitemap:" in (CORPUS / "robots.txt").read_text()


def test_documents_are_built_from_the_current_sources(tmp_path):
    done = run_python("scripts/build_documents.py", "--out", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    built = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert built, "no documents built"
    stale = sorted(str(p) for p, data in built.items() if (CORPUS / p).read_bytes() != data)
    assert stale == [], "run `python scripts/build_documents.py` and commit corpus/"


def test_corpus_is_rendered_from_the_current_site_sources(tmp_path):
    out = tmp_path / "corpus"
    done = run_python("scripts/build_site.py", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    rendered = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    committed = {
        p.relative_to(CORPUS): p.read_bytes()
        for p in CORPUS.rglob("*")
        if p.is_file() and p.relative_to(CORPUS) in rendered
    }
    stale = sorted(str(p) for p in rendered if committed.get(p) != rendered[p])
    assert stale == [], "run `python scripts/build_site.py` and commit corpus/"


CHROME = [
    "We use cookies",
    "Accept all cookies",
    "Leave a Reply",
    "Log Out",
    "Post Comment",
    "Share on Twitter",
    "Share this page",
    "Related pages",
    "Skip to content",
    "sample snapshot made for the CCP Assistant",
    "Sign up to our newsletter",
    "Last updated",
]


@pytest.mark.parametrize("chrome", CHROME)
def test_index_holds_no_site_chrome(corpus_index, chrome):
    def leaks(text: str) -> bool:
        # Short labels leak as a line of their own; a page may use the words in prose.
        if len(chrome) < 20:
            return any(line.strip().lower() == chrome.lower() for line in text.splitlines())
        return chrome.lower() in text.lower()

    assert [p.id for p in corpus_index.passages if leaks(p.text)] == []


def test_every_content_page_is_indexed(corpus_index):
    indexed = {p.url for p in corpus_index.passages}
    documents = {
        str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.suffix in (".pdf", ".docx")
    }
    assert documents  # the hub's PDF and Word documents are indexed with its pages
    assert indexed == {str(p.relative_to(CORPUS)) for p, _ in content_pages()} | documents


def test_question_set_points_at_real_sections():
    ids = {}
    for path, html in content_pages():
        slug = str(path.relative_to(CORPUS)).removesuffix(".html")
        ids[slug] = {t["id"] for t in html.find_all(["h1", "h2", "h3"], id=True)}
    by_id = {q["id"]: q for q in QUESTIONS}
    assert len(by_id) == len(QUESTIONS), "question ids must be unique"
    documents = {
        str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.suffix in (".pdf", ".docx")
    }
    for q in QUESTIONS:
        if q["page"] in documents:  # a document's sections have pages, not anchors
            assert q["heading"] is None, q
        elif q["page"] is not None:
            assert q["heading"] in ids[q["page"]], q
        if "follow_up_of" in q:
            assert q["follow_up_of"] in by_id, q
    answerable = [q for q in QUESTIONS if q["page"] and "follow_up_of" not in q]
    assert len(answerable) >= 80
    assert sum(q["page"] is None for q in QUESTIONS) >= 15
    assert sum("follow_up_of" in q for q in QUESTIONS) >= 10
