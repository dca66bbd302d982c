"""Extract a page's main text, in its heading structure, from HTML.

Rules about what counts as boilerplate live in `boilerplate.py`; this module applies
them. Headings keep their ids so each section can be cited with a deep link.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from urllib.parse import quote, urljoin, urlsplit

import trafilatura
from bs4 import BeautifulSoup, Tag, UnicodeDammit
from lxml import etree

from ..models import Document, RawPage, Section
from ..text import normalise_space
from . import boilerplate as rules

_WORD_SPLIT = re.compile(r"[\s\-_]+")
_SEPARATED = ("br", "p", "div", "li", "td", "th", "dt", "dd", "ul", "ol", "table", "tr")


# Revision of the extraction rules, for web pages and documents alike: raise it when a
# change alters extracted text, so an update re-extracts unchanged pages too.
RULES = 3


def extract(raw: RawPage) -> Document:
    """Return the main text of a page as a Document (sections may be empty)."""
    soup = BeautifulSoup(decode(raw), "lxml")
    meta = _metadata(soup)
    anchors = _heading_anchors(soup)
    h1 = soup.find("h1")
    title = _text(h1) if h1 else _title_from_head(meta)
    top_anchor = h1.get("id") if h1 else None
    # trafilatura gets the page as Beautiful Soup repaired it: measured, it finds the
    # article in that more reliably than in the raw markup (F1 0.973 against 0.967).
    links: list[tuple[str, str]] = []
    sections = group_sections(_main_text_events(str(soup), anchors, links), top_anchor)
    if not sections:  # trafilatura found nothing: fall back to our own rules
        _drop_chrome(soup)
        root = _content_root(soup)
        links = [(_text(a), a["href"]) for a in root.find_all("a", href=True)]
        sections = group_sections(_dom_events(root), top_anchor)
    return Document(
        url=raw.url,
        title=title,
        sections=tuple(sections),
        meta=meta,
        links=_resolved(links, raw.url),
    )


def _resolved(links: Iterable[tuple[str, str]], base: str) -> tuple[tuple[str, str], ...]:
    """Links with text, to web pages or documents (not mail or scripts), their targets
    made absolute (or relative to the site, for a folder of pages) against the page."""
    out = []
    for text, target in links:
        url = urljoin(base, target.strip())
        if text and urlsplit(url).scheme.lower() in ("", "http", "https"):
            out.append((text, url))
    return tuple(out)


def decode(raw: RawPage) -> str:
    """Decode page bytes: the HTTP charset, a byte-order mark, <meta charset>, then
    UTF-8, then Windows-1252 (which the web mislabels as Latin-1 and often leaves
    unlabelled). Beautiful Soup's UnicodeDammit does the sniffing; we skip its
    statistical guess, which is slow on large pages and rarely better than UTF-8."""
    dammit = UnicodeDammit(
        raw.content,
        known_definite_encodings=[raw.encoding] if raw.encoding else [],
        user_encodings=["utf-8", "windows-1252"],
        is_html=True,
    )
    return dammit.unicode_markup or raw.content.decode("utf-8", errors="replace")


def _main_text_events(
    html: str, anchors: dict[str, str], links: list[tuple[str, str]]
) -> Iterator[Event]:
    """Headings and blocks of the page's main text, as trafilatura finds it.

    Telling an article from its surroundings on arbitrary sites is what trafilatura is
    built and evaluated for (benchmarks/extraction.py: F1 0.964 against 0.844 for our
    own rules); we keep our structure on top of it: headings, their anchors from the
    original page, lists, tables, and link-heavy blocks dropped. The main text's links
    (text, target as written) are added to `links`.
    """
    xml = trafilatura.extract(
        html,
        output_format="xml",
        favor_precision=True,
        include_comments=False,
        include_tables=True,
        include_links=True,
        include_images=False,
        deduplicate=False,
    )
    if not xml:
        return
    main = etree.fromstring(xml.encode("utf-8")).find("main")
    if main is not None:
        links.extend((_xml_text(r), r.get("target")) for r in main.iter("ref") if r.get("target"))
    for el in main if main is not None else ():
        yield from _xml_events(el, anchors)


def _xml_events(el, anchors: dict[str, str]) -> Iterator[Event]:
    if el.tag == "head":
        text = _xml_text(el)
        level = (
            int(el.get("rend", "h2")[1:] or 2) if re.fullmatch(r"h[1-6]", el.get("rend", "")) else 2
        )
        yield ("heading", level, text, _find_anchor(text, anchors))
    elif el.tag == "list":
        for item in el.iter("item"):
            text = _xml_text(item, skip="list")
            if text and _xml_link_density(item, text) <= rules.MAX_LINK_DENSITY:
                yield ("block", rules.LIST_ITEM_MARK + text)
    elif el.tag == "table":
        for row in el.iter("row"):
            cells = [_xml_text(c) for c in row.iter("cell")]
            if any(cells):
                yield ("block", " | ".join(c for c in cells if c))
    else:  # p, quote, code and anything else with text
        text = _xml_text(el)
        if text and _xml_link_density(el, text) <= rules.MAX_LINK_DENSITY:
            yield ("block", text)


# Trafilatura's inline elements: their text runs on from the text around them ("see
# <ref>the timeline</ref>." reads "see the timeline."); any other element is a block or
# a line break, and separates words. Trafilatura sometimes drops the space between a
# word and a link ("reported<ref>that</ref>"): two words meeting at an inline edge keep
# a space between them.
_XML_INLINE = frozenset(("hi", "ref", "del", "span", "code"))
_EDGE = "\x00"  # marks an inline edge while the text is put together


def _xml_text(el, skip: str | None = None) -> str:
    """Text of an element as a reader sees it; with `skip`, without the text of nested
    `skip` elements."""
    parts: list[str] = []

    def walk(node) -> None:
        parts.append(node.text or "")
        for child in node:
            edge = _EDGE if child.tag in _XML_INLINE else " "
            if child.tag != skip:
                parts.append(edge)
                walk(child)
                parts.append(edge)
            parts.append(child.tail or "")

    walk(el)
    text = re.sub(f"(?<=\\w){_EDGE}+(?=\\w)", " ", "".join(parts))
    return normalise_space(text.replace(_EDGE, ""))


def _xml_link_density(el, text: str) -> float:
    linked = sum(len(_xml_text(r)) for r in el.iter("ref"))
    return linked / max(len(text), 1)


def _heading_anchors(soup: BeautifulSoup) -> dict[str, str]:
    """Map each heading's text (lower case) to its anchor in the original page."""
    anchors: dict[str, str] = {}
    for heading in soup.find_all(rules.HEADING_TAGS):
        anchor = _anchor(heading)
        if anchor:
            anchors.setdefault(_text(heading).lower(), anchor)
    return anchors


def _find_anchor(text: str, anchors: dict[str, str]) -> str:
    """The heading's id on the page; failing that, a text fragment that browsers
    scroll to (#:~:text=...), so every section still has a deep link."""
    return anchors.get(text.lower()) or ":~:text=" + quote(text, safe="")


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


Event = tuple  # ("heading", level, text, anchor) or ("block", text)


def _dom_events(root: Tag) -> Iterator[Event]:
    """Headings and blocks of a (chrome-stripped) DOM, in document order."""
    for el in root.find_all(rules.HEADING_TAGS + rules.BLOCK_TAGS):
        if el.find_parent(rules.BLOCK_TAGS) is not None:
            continue  # its text is part of an enclosing block
        if el.name in rules.HEADING_TAGS:
            yield ("heading", int(el.name[1]), _text(el), _anchor(el))
            continue
        text = _block_text(el)
        if text and _link_density(el, text) <= rules.MAX_LINK_DENSITY:
            yield ("block", rules.LIST_ITEM_MARK + text if el.name == "li" else text)


def group_sections(events: Iterable[Event], top_anchor: str | None) -> list[Section]:
    """Group blocks under their heading path; drop sections under chrome headings.

    Events are ("heading", level, text, anchor[, page]) and ("block", text[, page]):
    a PDF's events carry the page each starts on, and each section keeps the page it
    starts on (its heading's) and each block's. Level 1 is the page's title."""
    sections: list[Section] = []
    path: list[tuple[int, str, str | None]] = []  # (level, text, anchor)
    blocks: list[str] = []
    pages: list[int] = []
    start: int | None = None  # the page the open section starts on
    skip_level = 0  # > 0 while inside a chrome heading's section

    def close() -> None:
        if blocks:
            anchor = path[-1][2] if path else top_anchor
            first = start if start is not None else (pages[0] if pages else None)
            sections.append(
                Section(
                    tuple(p[1] for p in path),
                    anchor,
                    tuple(blocks),
                    page=first,
                    block_pages=tuple(pages),
                )
            )
        blocks.clear()
        pages.clear()

    for event in events:
        if event[0] == "heading":
            _, level, text, anchor, *page = event
            if skip_level and level > skip_level:
                continue
            skip_level = 0
            close()
            start = page[0] if page else None
            if level == 1:
                path.clear()
                continue
            if text.lower().rstrip(":") in rules.CHROME_HEADINGS:
                skip_level = level
                continue
            while path and path[-1][0] >= level:
                path.pop()
            path.append((level, text, anchor))
        elif not skip_level:
            blocks.append(event[1])
            if len(event) > 2:
                pages.append(event[2])
    close()
    return sections
