"""Extract a page's main text, in its heading structure, from HTML.

Rules about what counts as boilerplate live in `boilerplate.py`; this module applies
them. Headings keep their ids so each section can be cited with a deep link.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from . import boilerplate as rules
from .models import Document, RawPage, Section
from .text import normalise_space

_WORD_SPLIT = re.compile(r"[\s\-_]+")
_SEPARATED = ("br", "p", "div", "li", "td", "th", "dt", "dd", "ul", "ol", "table", "tr")


def extract(raw: RawPage) -> Document:
    """Return the main text of a page as a Document (sections may be empty)."""
    # Beautiful Soup's UnicodeDammit weighs the HTTP charset, a BOM, <meta charset> and
    # the bytes themselves (falling back to Windows-1252), better than we would by hand.
    soup = BeautifulSoup(raw.content, "html.parser", from_encoding=raw.encoding)
    meta = _metadata(soup)
    _drop_chrome(soup)
    root = _content_root(soup)
    h1 = root.find("h1") or soup.find("h1")
    title = _text(h1) if h1 else _title_from_head(meta)
    sections = _sections(root, title, h1.get("id") if h1 else None)
    return Document(url=raw.url, title=title, sections=tuple(sections), meta=meta)


def _metadata(soup: BeautifulSoup) -> dict[str, str]:
    meta: dict[str, str] = {}
    if soup.title and soup.title.string:
        meta["title"] = normalise_space(soup.title.string)
    for tag in soup.find_all("meta"):
        key = tag.get("name") or tag.get("property")
        if key and tag.get("content") is not None:
            meta[key.lower()] = tag["content"]
    canonical = soup.find("link", rel="canonical")
    if canonical and canonical.get("href"):
        meta["canonical"] = canonical["href"]
    return meta


def _title_from_head(meta: dict[str, str]) -> str:
    # "Page | Site name" and "Page - Site name": keep the page part.
    return re.split(r"\s+[|–—-]\s+", meta.get("title", ""))[0]


def _holds_content(el: Tag) -> bool:
    """True for wrappers that contain the article itself, which must never be dropped."""
    return el.name in ("html", "body", "main", "article") or bool(
        el.find(["main", "article", "h1"])
    )


def _is_chrome(el: Tag) -> bool:
    if el.get("role") in rules.CHROME_ROLES:
        return True
    if el.name == "header":
        return True
    words: set[str] = set()
    for attr in ("class", "id", "aria-label"):
        value = el.get(attr)
        if value:
            text = " ".join(value) if isinstance(value, list) else value
            words.update(_WORD_SPLIT.split(text.lower()))
    return not words.isdisjoint(rules.CHROME_WORDS)


def _drop_chrome(soup: BeautifulSoup) -> None:
    for el in soup.find_all(rules.DROP_TAGS):
        if not el.decomposed and not _holds_content(el):
            el.decompose()
    for el in soup.find_all(True):
        if not el.decomposed and _is_chrome(el) and not _holds_content(el):
            el.decompose()


def _content_root(soup: BeautifulSoup) -> Tag:
    articles = soup.find_all("article")
    with_h1 = [a for a in articles if a.find("h1")]
    if len(with_h1) == 1 or len(articles) == 1:
        return (with_h1 or articles)[0]
    return soup.find("main") or soup.find(attrs={"role": "main"}) or soup.body or soup


def _anchor(heading: Tag) -> str | None:
    if heading.get("id"):
        return heading["id"]
    inner = heading.find("a", attrs={"id": True}) or heading.find("a", attrs={"name": True})
    if inner:
        return inner.get("id") or inner.get("name")
    parent = heading.parent
    if parent is not None and parent.get("id") and parent.find(rules.HEADING_TAGS) is heading:
        return parent["id"]
    return None


def _link_density(el: Tag, text: str) -> float:
    linked = sum(len(normalise_space(a.get_text(" "))) for a in el.find_all("a"))
    return linked / max(len(text), 1)


def _text(el: Tag) -> str:
    """Text as a reader sees it: inline markup joins up, block edges and <br> separate."""
    for inner in el.find_all(_SEPARATED):
        inner.insert_after(" ")
    return normalise_space(el.get_text(""))


def _block_text(el: Tag) -> str:
    if el.name == "tr":
        cells = [_text(c) for c in el.find_all(["th", "td"])]
        return " | ".join(c for c in cells if c)
    return _text(el)


def _sections(root: Tag, title: str, top_anchor: str | None) -> list[Section]:
    """Walk headings and blocks in order, grouping blocks under their heading path."""
    sections: list[Section] = []
    path: list[tuple[int, str, str | None]] = []  # (level, text, anchor)
    blocks: list[str] = []
    skip_level = 0  # > 0 while inside a chrome heading's section

    def close() -> None:
        if blocks:
            anchor = path[-1][2] if path else top_anchor
            sections.append(Section(tuple(p[1] for p in path), anchor, tuple(blocks)))
        blocks.clear()

    for el in root.find_all(rules.HEADING_TAGS + rules.BLOCK_TAGS):
        if el.find_parent(rules.BLOCK_TAGS) is not None:
            continue  # its text is part of an enclosing block
        if el.name in rules.HEADING_TAGS:
            level = int(el.name[1])
            text = _text(el)
            if skip_level and level > skip_level:
                continue
            skip_level = 0
            close()
            if level == 1:
                path.clear()
                continue
            if text.lower().rstrip(":") in rules.CHROME_HEADINGS:
                skip_level = level
                continue
            while path and path[-1][0] >= level:
                path.pop()
            path.append((level, text, _anchor(el)))
            continue
        if skip_level:
            continue
        text = _block_text(el)
        if text and _link_density(el, text) <= rules.MAX_LINK_DENSITY:
            blocks.append(rules.LIST_ITEM_MARK + text if el.name == "li" else text)
    close()
    return sections
