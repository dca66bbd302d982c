"""Render the resource hub's pages (site/pages) into the static snapshot in corpus/.

Pages are written once, in site/pages, as an article body with a JSON metadata block;
this script wraps every page in the one site template (header, navigation, breadcrumbs,
cookie banner, related pages, share links, footer, comments on news pages) and writes
corpus/sitemap.xml and corpus/robots.txt. `--check` validates the pages without writing.
The sitemap also lists the hub's documents (PDF and Word files declared in site/documents/,
written into corpus/ by scripts/build_documents.py), and pages may link to them.

    python scripts/build_site.py            # render site/ into corpus/
    python scripts/build_site.py --check    # report problems, write nothing
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from bs4 import BeautifulSoup
from build_documents import Document, SourceError, load_documents
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
OUT = ROOT / "corpus"

SITE_INFO = {
    "name": "Cultural Commissioning Hub",
    "url": "https://ccp-hub.example.org/",
    "tagline": "Guidance and case studies on arts, culture and public service commissioning",
    "footer": (
        "An independent resource hub about the Cultural Commissioning Programme "
        "(2013-2017), written in our own words from the public sources listed on each "
        "page. It is a sample snapshot made for the CCP Assistant project, not the "
        "programme's official website."
    ),
}
# Navigation order; a section's pages live in site/pages/<slug>/.
SECTIONS = {
    "about": "About the programme",
    "opportunities": "Opportunities",
    "practicalities": "Practicalities",
    "evidence": "Evidence",
    "policy": "Policy context",
    "commissioning-basics": "Commissioning basics",
    "reports": "Reports",
    "pilots": "Pilots and localities",
    "case-studies": "Case studies",
    "glossary": "Glossary",
    "news": "News",
}
TYPE_LABELS = {"guidance": "Guidance", "case-study": "Case study"}
MIN_WORDS, MAX_WORDS = 300, 1500
META_RE = re.compile(r"\A\s*<!--meta\s*(\{.*?\})\s*-->", re.S)
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass
class SourcePage:
    slug: str  # "section/name"
    meta: dict
    body: str
    problems: list[str] = field(default_factory=list)

    @property
    def section(self) -> str:
        return self.slug.split("/")[0] if "/" in self.slug else ""

    @property
    def path(self) -> str:
        return f"{self.slug}.html"


def read_page(path: Path, slug: str) -> SourcePage:
    """Split a page file into its metadata and body, noting a missing or bad block."""
    text = path.read_text(encoding="utf-8")
    match = META_RE.match(text)
    if not match:
        return SourcePage(slug, {}, text, ["no <!--meta {...} --> block at the top"])
    try:
        meta = json.loads(match.group(1))
    except json.JSONDecodeError as exc:
        return SourcePage(slug, {}, text[match.end() :], [f"meta is not valid JSON: {exc}"])
    return SourcePage(slug, meta, text[match.end() :].strip())


def load_pages() -> list[SourcePage]:
    pages = []
    for path in sorted((SITE / "pages").glob("*/*.html")):
        pages.append(read_page(path, f"{path.parent.name}/{path.stem}"))
    return pages


def check_page(
    page: SourcePage, slugs: set[str], documents: frozenset[str] = frozenset()
) -> list[str]:
    """Return what is wrong with one page, each problem saying what to change.
    `documents` are the corpus paths of the hub's documents, which pages may link to."""
    problems = list(page.problems)
    meta = page.meta
    if page.section not in SECTIONS:
        problems.append(f"section {page.section!r} is not one of {sorted(SECTIONS)}")
    for key in ("title", "description", "type", "tags", "updated", "sources"):
        if not meta.get(key):
            problems.append(f"meta {key!r} is missing or empty")
    if meta.get("type") and meta["type"] not in TYPE_LABELS:
        problems.append(f"meta 'type' must be one of {sorted(TYPE_LABELS)}")
    try:
        dt.date.fromisoformat(str(meta.get("updated", "")))
    except ValueError:
        problems.append("meta 'updated' must be an ISO date such as 2016-06-30")
    for url in meta.get("sources", []):
        if not str(url).startswith(("http://", "https://")):
            problems.append(f"source {url!r} is not a public http(s) URL")
    for rel in meta.get("related", []):
        if rel not in slugs:
            problems.append(f"related page {rel!r} does not exist (yet)")
    soup = BeautifulSoup(page.body, "html.parser")
    if soup.find("h1"):
        problems.append("body has an <h1>: the title is the h1, start sections at <h2>")
    if soup.find(["script", "style", "img", "iframe"]) or soup.find(style=True):
        problems.append("body has scripts, styles or images: keep to text markup")
    seen: set[str] = set()
    for heading in soup.find_all(["h2", "h3"]):
        hid = heading.get("id", "")
        if not ID_RE.match(hid):
            problems.append(
                f"heading {heading.get_text()!r} needs an id in lower-case-with-hyphens"
            )
        elif hid in seen or hid in {"top", "sources"}:
            problems.append(f"heading id {hid!r} is used twice or reserved")
        seen.add(hid)
    for link in soup.find_all("a", href=True):
        href = link["href"]
        if href.startswith("/"):
            target = href.lstrip("/").split("#")[0]
            if target in documents:
                continue
            target = target.removesuffix(".html")
            if target not in slugs:
                problems.append(f"internal link {href!r} points to no page (yet)")
    words = len(soup.get_text(" ").split())
    if not MIN_WORDS <= words <= MAX_WORDS:
        problems.append(f"body has {words} words; keep it between {MIN_WORDS} and {MAX_WORDS}")
    return problems


def relative_root(slug: str) -> str:
    return "../" * slug.count("/")


def relink(body: str, root: str) -> str:
    """Make root-relative internal links relative, so the snapshot works from any folder."""
    return re.sub(r'href="/(?!/)', f'href="{root}', body)


def human_date(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"


def render(
    pages: list[SourcePage], utility: list[SourcePage], out: Path, documents: list[Document]
) -> None:
    env = Environment(loader=FileSystemLoader(SITE / "templates"), autoescape=True)
    template = env.get_template("page.html")
    titles = {p.slug: p.meta["title"] for p in pages}
    site = dict(SITE_INFO, sections=[{"slug": s, "name": n} for s, n in SECTIONS.items()])

    def write(page: SourcePage, *, noindex: bool = False, related=()) -> None:
        root = relative_root(page.slug)
        meta = page.meta
        context = {
            "title": meta["title"],
            "description": meta.get("description", ""),
            "type": meta.get("type", "guidance"),
            "type_label": TYPE_LABELS.get(meta.get("type", ""), "Page"),
            "tags": meta.get("tags", []),
            "updated": meta["updated"],
            "updated_human": human_date(meta["updated"]),
            "section": page.section,
            "section_name": SECTIONS.get(page.section, ""),
            "path": page.path,
            "news": meta.get("news", False),
            "noindex": noindex,
            "sources": meta.get("sources", []),
            "related": related,
            "body": Markup(relink(page.body, root)),
        }
        target = out / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(template.render(site=site, page=context, root=root), "utf-8")

    for page in pages:
        related = [
            {"path": f"{r}.html", "title": titles[r]}
            for r in page.meta.get("related", [])
            if r in titles
        ]
        write(page, related=related)
    for page in utility:
        write(page, noindex=True)
    for listing in listing_pages(pages):
        write(listing, noindex=True)
    shutil.copy(SITE / "static" / "site.css", out / "assets" / "site.css")
    write_sitemap(pages, out, documents)
    (out / "robots.txt").write_text(
        f"User-agent: *\nDisallow: /assets/\nSitemap: {SITE_INFO['url']}sitemap.xml\n"
    )


def listing_pages(pages: list[SourcePage]) -> list[SourcePage]:
    """Build the home page and one index page per section, listing their pages."""
    listings = []
    latest = max(p.meta["updated"] for p in pages)
    home = ['<p class="lead">' + SITE_INFO["tagline"] + ".</p>", '<ul class="card-list">']
    for section, name in SECTIONS.items():
        members = [p for p in pages if p.section == section]
        if not members:
            continue
        home.append(f'<li><a href="/{section}/index.html">{name}</a> ({len(members)} pages)</li>')
        items = "".join(
            f'<li><a href="/{p.path}">{escape(p.meta["title"])}</a>'
            f"<p>{escape(p.meta['description'])}</p></li>"
            for p in sorted(members, key=lambda p: p.meta["title"])
        )
        meta = {"title": name, "updated": max(p.meta["updated"] for p in members)}
        listings.append(SourcePage(f"{section}/index", meta, f'<ul class="card-list">{items}</ul>'))
    home.append("</ul>")
    listings.append(SourcePage("index", {"title": "Home", "updated": latest}, "".join(home)))
    return listings


def write_sitemap(pages: list[SourcePage], out: Path, documents: list[Document] = ()) -> None:
    """List every content page, then every document (declared in site/documents, so the
    sitemap does not depend on whether build_documents.py has run into this folder)."""
    entries = [(p.path, p.meta["updated"]) for p in pages]
    entries += [(d.output, d.date.isoformat()) for d in documents]
    urls = "".join(
        f"  <url><loc>{escape(SITE_INFO['url'] + path)}</loc><lastmod>{updated}</lastmod></url>\n"
        for path, updated in entries
    )
    (out / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{urls}</urlset>\n"
    )


def clear_rendered(out: Path) -> None:
    """Remove what an earlier render wrote, keeping editors' files (synonyms, sources)."""
    for path in out.rglob("*.html"):
        path.unlink()
    for name in ("sitemap.xml", "robots.txt", "assets"):
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report problems, write nothing")
    parser.add_argument("--force", action="store_true", help="render despite problems")
    parser.add_argument("--out", type=Path, default=OUT, help="where to render (default corpus/)")
    args = parser.parse_args(argv)

    pages = load_pages()
    slugs = {p.slug for p in pages}
    failed = False
    try:
        documents = load_documents()
    except SourceError as exc:
        print(exc)
        documents, failed = [], True
    linkable = frozenset(d.output for d in documents)
    for page in pages:
        for problem in check_page(page, slugs, linkable):
            failed = True
            print(f"site/pages/{page.path}: {problem}")
    words = sum(len(BeautifulSoup(p.body, "html.parser").get_text(" ").split()) for p in pages)
    kinds = {t: sum(p.meta.get("type") == t for p in pages) for t in TYPE_LABELS}
    print(f"{len(pages)} pages ({kinds}), {words} words", file=sys.stderr)
    if args.check or (failed and not args.force):
        return 1 if failed else 0

    utility = [read_page(p, f"about/{p.stem}") for p in sorted((SITE / "utility").glob("*.html"))]
    clear_rendered(args.out)
    (args.out / "assets").mkdir(parents=True, exist_ok=True)
    render(pages, utility, args.out, documents)
    print(f"rendered into {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
