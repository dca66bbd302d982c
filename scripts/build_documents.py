"""Render the resource hub's documents (site/documents) into PDF and Word files in corpus/.

The hub publishes a few longer documents beside its web pages: summaries of the programme's
main publications (PDF) and a toolkit (Word). Each is written once, in site/documents/, in
the small text format below; this script lays it out. The output is deterministic: building
twice gives identical bytes, so regenerated files only show up in git when the text changed.

    python scripts/build_documents.py            # write every document into corpus/
    python scripts/build_documents.py --check    # check the sources, write nothing
    python scripts/build_documents.py SLUG ...   # write only these documents

Needs reportlab (PDF) and python-docx (Word): `pip install -e ".[site]"`. `--check` needs
neither.

Source format (site/documents/<slug>.md, UTF-8)
-----------------------------------------------
A header of `key: value` lines, then a blank line, then the body.

    title: Opportunities for alignment: a summary         (required)
    subtitle: NPC's 2014 research on ...                  (optional)
    cover: A summary by the CCP resource hub of ...       (required; repeat for more paragraphs)
    header: Opportunities for alignment (NPC, 2014)       (running header; default: title)
    output: reports/opportunities-for-alignment-summary.pdf  (required; path in corpus/,
                                                             .pdf or .docx)
    date: 2017-06-30                                      (required; ISO date, used for the
                                                             file's metadata and the sitemap)
    facts: F-037, F-038                                   (required; fact brief IDs used)
    source: https://...                                   (required; repeat; listed at the end)

Body, one block per paragraph (blocks are separated by blank lines):

    # Heading 1                  a section (in the contents, outline and bookmarks)
    ## Heading 2                 a subsection
    - a bullet                   consecutive "- " lines form one list; a line indented
      continued here             by two spaces continues the item above
    | Head | Head |              a table; the first row is the header row;
    |------|------|              separator rows like this one are skipped
    | cell | cell |
    [columns]                    PDF only: what follows, up to [/columns], is set in two
    [/columns]                   columns on fresh pages (left column first, then right)
    [pagebreak]                  start a new page
    Any other lines              a paragraph; its lines are joined with spaces

Inline: **bold** and *italic*. The title page, contents and a closing "Sources" section
are added by the script.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "site" / "documents"
OUT = ROOT / "corpus"

PUBLISHER = "Cultural Commissioning Hub (CCP resource hub)"
REQUIRED = ("title", "cover", "output", "date", "facts", "source")
REPEATED = {"cover", "source"}
KNOWN = set(REQUIRED) | {"subtitle", "header"}
FACT_ID = re.compile(r"^(?:F-\d{3}|CS-\d{2})$")
INLINE = re.compile(r"\*\*(.+?)\*\*|\*(.+?)\*")


class SourceError(ValueError):
    """A document source that cannot be read; the message says where and why."""


@dataclass
class Block:
    kind: str  # h1 h2 p ul table columns /columns pagebreak
    text: str = ""
    items: list[str] = field(default_factory=list)  # ul items
    rows: list[list[str]] = field(default_factory=list)  # table rows, header first


@dataclass
class Document:
    slug: str
    meta: dict
    blocks: list[Block]

    @property
    def output(self) -> str:
        return self.meta["output"]

    @property
    def date(self) -> dt.date:
        return dt.date.fromisoformat(self.meta["date"])

    @property
    def title(self) -> str:
        return self.meta["title"]

    @property
    def sources(self) -> list[str]:
        return self.meta["source"]

    @property
    def facts(self) -> list[str]:
        return [f.strip() for f in self.meta["facts"].split(",") if f.strip()]


def read_header(lines: list[str], where: str) -> tuple[dict, int]:
    meta: dict = {key: [] for key in REPEATED}
    for number, line in enumerate(lines):
        if not line.strip():
            return meta, number + 1
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep or key not in KNOWN:
            raise SourceError(f"{where}:{number + 1}: expected 'key: value' with a known key")
        if key in REPEATED:
            meta[key].append(value.strip())
        elif key in meta:
            raise SourceError(f"{where}:{number + 1}: {key!r} given twice")
        else:
            meta[key] = value.strip()
    raise SourceError(f"{where}: no blank line after the header")


def read_body(lines: list[str], first: int, where: str) -> list[Block]:
    blocks: list[Block] = []
    para: list[str] = []

    def end_paragraph() -> None:
        if para:
            blocks.append(Block("p", " ".join(para)))
            para.clear()

    previous = ""
    for number, raw in enumerate(lines, start=first + 1):
        line, after_blank, previous = raw.rstrip(), not previous.strip(), raw
        stripped = line.strip()
        last = blocks[-1] if blocks else None
        if not stripped:
            end_paragraph()
        elif stripped in ("[columns]", "[/columns]", "[pagebreak]"):
            end_paragraph()
            blocks.append(Block(stripped.strip("[]")))
        elif line.startswith(("# ", "## ")):
            end_paragraph()
            level, _, text = line.partition(" ")
            blocks.append(Block(f"h{len(level)}", text.strip()))
        elif line.startswith("- "):
            end_paragraph()
            if last and last.kind == "ul" and not after_blank:
                last.items.append(line[2:].strip())
            else:
                blocks.append(Block("ul", items=[line[2:].strip()]))
        elif line.startswith("  ") and last and last.kind == "ul" and not para and not after_blank:
            last.items[-1] += " " + stripped
        elif stripped.startswith("|"):
            end_paragraph()
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if all(re.fullmatch(r":?-+:?", c) for c in cells):
                continue
            if last and last.kind == "table" and not after_blank:
                if len(cells) != len(last.rows[0]):
                    raise SourceError(
                        f"{where}:{number}: row has {len(cells)} cells, the header "
                        f"{len(last.rows[0])}"
                    )
                last.rows.append(cells)
            else:
                blocks.append(Block("table", rows=[cells]))
        else:
            para.append(stripped)
    end_paragraph()
    return blocks


def check(doc: Document, where: str) -> None:
    meta = doc.meta
    for key in REQUIRED:
        if not meta.get(key):
            raise SourceError(f"{where}: header {key!r} is missing")
    if not re.fullmatch(r"[a-z0-9-]+(/[a-z0-9-]+)*\.(pdf|docx)", doc.output):
        raise SourceError(f"{where}: output must be a path like reports/<slug>.pdf or .docx")
    try:
        dt.date.fromisoformat(meta["date"])
    except ValueError:
        raise SourceError(f"{where}: date must be an ISO date such as 2016-06-30") from None
    bad = [f for f in doc.facts if not FACT_ID.match(f)]
    if bad or not doc.facts:
        raise SourceError(f"{where}: facts must be IDs such as F-037 or CS-05, got {bad}")
    for url in doc.sources:
        if not url.startswith(("http://", "https://")):
            raise SourceError(f"{where}: source {url!r} is not a public http(s) URL")
    kinds = [b.kind for b in doc.blocks]
    if "h1" not in kinds:
        raise SourceError(f"{where}: the body needs at least one '# Heading'")
    depth = 0
    for kind in kinds:
        depth += {"columns": 1, "/columns": -1}.get(kind, 0)
        if depth not in (0, 1):
            raise SourceError(f"{where}: [columns] and [/columns] must alternate")
    if depth:
        raise SourceError(f"{where}: [columns] is never closed")
    if doc.output.endswith(".docx") and "columns" in kinds:
        raise SourceError(f"{where}: [columns] is only supported in PDF documents")
    headings = [k for k in kinds if k in ("h1", "h2")]
    if headings[0] != "h1":
        raise SourceError(f"{where}: the first heading must be a '# Heading'")


def load_document(path: Path) -> Document:
    where = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
    lines = path.read_text("utf-8").splitlines()
    meta, start = read_header(lines, where)
    doc = Document(path.stem, meta, read_body(lines[start:], start, where))
    check(doc, where)
    return doc


def load_documents(folder: Path = SOURCES) -> list[Document]:
    """Every document source in the folder (README.md is the folder's notes, not a source)."""
    paths = sorted(p for p in folder.glob("*.md") if p.name != "README.md")
    docs = [load_document(p) for p in paths]
    outputs = [d.output for d in docs]
    if len(set(outputs)) != len(outputs):
        raise SourceError("two documents write to the same output path")
    return docs


def plain(text: str) -> str:
    return INLINE.sub(lambda m: m.group(1) or m.group(2), text)


def column_widths(rows: list[list[str]], total):
    """Share a table's width between its columns by the length of their longest cells,
    keeping every column wide enough for its longest word."""
    weights = [
        max(min(len(plain(r[i])), 70), 3 * max(len(w) for w in plain(r[i]).split() or [""]))
        for r in rows
        for i in range(len(rows[0]))
    ]
    weights = [max(weights[i :: len(rows[0])]) + 8 for i in range(len(rows[0]))]
    return [int(total * w / sum(weights)) for w in weights]


def human_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


# --- PDF -------------------------------------------------------------------------------------


def render_pdf(doc: Document, target: Path) -> int:
    """Lay the document out as a PDF; return its number of pages."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_LEFT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        ListFlowable,
        ListItem,
        NextPageTemplate,
        PageBreak,
        PageTemplate,
        Paragraph,
        Spacer,
        Table,
        TableStyle,
    )
    from reportlab.platypus.tableofcontents import TableOfContents

    ink, accent, pale = colors.HexColor("#1d2b36"), colors.HexColor("#0b5563"), "#e3eef0"
    base = ParagraphStyle(
        "body",
        fontName="Helvetica",
        fontSize=10,
        leading=14.2,
        textColor=ink,
        spaceAfter=7,
        alignment=TA_LEFT,
    )
    styles = {
        "p": base,
        "h1": ParagraphStyle(
            "h1",
            base,
            fontName="Helvetica-Bold",
            fontSize=17,
            leading=21,
            textColor=accent,
            spaceBefore=10,
            spaceAfter=8,
            keepWithNext=1,
        ),
        "h2": ParagraphStyle(
            "h2",
            base,
            fontName="Helvetica-Bold",
            fontSize=12.5,
            leading=16,
            spaceBefore=8,
            spaceAfter=4,
            keepWithNext=1,
        ),
        "cell": ParagraphStyle("cell", base, fontSize=9, leading=12, spaceAfter=0),
        "head": ParagraphStyle(
            "head",
            base,
            fontName="Helvetica-Bold",
            fontSize=9,
            leading=12,
            spaceAfter=0,
            textColor=colors.white,
        ),
        "lead-in": ParagraphStyle("lead-in", base, keepWithNext=1),
        "item": ParagraphStyle("item", base, spaceAfter=3),
        "title": ParagraphStyle(
            "title",
            base,
            fontName="Helvetica-Bold",
            fontSize=26,
            leading=31,
            textColor=accent,
            spaceAfter=14,
        ),
        "subtitle": ParagraphStyle("subtitle", base, fontSize=14, leading=19, spaceAfter=28),
        "cover": ParagraphStyle("cover", base, fontSize=11, leading=16, spaceAfter=10),
        "toc0": ParagraphStyle(
            "toc0", base, fontName="Helvetica-Bold", fontSize=11, leading=16, spaceBefore=5
        ),
        "toc1": ParagraphStyle("toc1", base, fontSize=10, leading=14, leftIndent=16),
    }

    def markup(text: str) -> str:
        return INLINE.sub(
            lambda m: f"<b>{m.group(1)}</b>" if m.group(1) else f"<i>{m.group(2)}</i>",
            escape(text),
        )

    page_w, page_h = A4
    left, right, top, bottom = 2.2 * cm, 2.2 * cm, 2.6 * cm, 2.4 * cm
    width, height = page_w - left - right, page_h - top - bottom
    gap = 0.7 * cm
    header_text = doc.meta.get("header") or doc.title

    def cover_page(canv, _doc) -> None:
        canv.saveState()
        canv.setFillColor(accent)
        canv.rect(0, page_h - 3.2 * cm, page_w, 3.2 * cm, stroke=0, fill=1)
        canv.setFillColor(colors.white)
        canv.setFont("Helvetica-Bold", 11)
        canv.drawString(left, page_h - 1.9 * cm, "Cultural Commissioning Hub")
        canv.setFont("Helvetica", 9)
        canv.drawString(
            left, page_h - 2.45 * cm, "The CCP resource hub: a summary in our own words"
        )
        canv.setFillColor(ink)
        canv.setFont("Helvetica", 8.5)
        canv.drawString(left, 1.3 * cm, f"Last updated {human_date(doc.date)}")
        canv.restoreState()

    def running_page(canv, _doc) -> None:
        canv.saveState()
        canv.setStrokeColor(accent)
        canv.setLineWidth(0.6)
        canv.setFillColor(ink)
        canv.setFont("Helvetica", 8.5)
        canv.drawString(left, page_h - 1.55 * cm, "Cultural Commissioning Hub")
        canv.drawRightString(page_w - right, page_h - 1.55 * cm, header_text)
        canv.line(left, page_h - 1.75 * cm, page_w - right, page_h - 1.75 * cm)
        canv.line(left, 1.75 * cm, page_w - right, 1.75 * cm)
        canv.drawString(left, 1.25 * cm, "A resource hub summary, not the original publication")
        canv.drawRightString(page_w - right, 1.25 * cm, f"Page {canv.getPageNumber()}")
        canv.restoreState()

    column = (width - gap) / 2
    templates = [
        PageTemplate(
            "cover", [Frame(left, bottom, width, height - 2 * cm, id="cover")], onPage=cover_page
        ),
        PageTemplate(
            "normal", [Frame(left, bottom, width, height, id="body")], onPage=running_page
        ),
        PageTemplate(
            "twocol",
            [
                Frame(left, bottom, column, height, id="left"),
                Frame(left + column + gap, bottom, column, height, id="right"),
            ],
            onPage=running_page,
        ),
    ]

    class Template(BaseDocTemplate):
        def afterFlowable(self, flowable) -> None:
            entry = getattr(flowable, "outline", None)
            if entry is None:
                return
            level, text, key, listed = entry
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(text, key, level=level, closed=False)
            if listed:
                self.notify("TOCEntry", (level, text, self.page, key))

    stamp = doc.date.strftime("D:%Y%m%d000000+00'00'")

    class FixedDateCanvas(Canvas):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.setDateFormatter(lambda *_: stamp)

    keys = iter(range(1, 10_000))

    def heading(text: str, level: int, style: str, listed: bool = True) -> Paragraph:
        para = Paragraph(markup(text), styles[style])
        para.outline = (level, plain(text), f"s{next(keys)}", listed)
        return para

    def table(rows: list[list[str]], frame_width: float) -> Table:
        widths = column_widths(rows, frame_width)
        data = [[Paragraph(markup(c), styles["head"]) for c in rows[0]]]
        data += [[Paragraph(markup(c), styles["cell"]) for c in row] for row in rows[1:]]
        grid = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT", spaceAfter=10)
        grid.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), accent),
                    ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor(pale)]),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9fb8bd")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 4),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ]
            )
        )
        return grid

    story: list = [Spacer(1, 2.2 * cm), heading(doc.title, 0, "title", listed=False)]
    if doc.meta.get("subtitle"):
        story.append(Paragraph(markup(doc.meta["subtitle"]), styles["subtitle"]))
    story += [Paragraph(markup(text), styles["cover"]) for text in doc.meta["cover"]]
    story += [NextPageTemplate("normal"), PageBreak(), heading("Contents", 0, "h1", False)]
    toc = TableOfContents(dotsMinLevel=0, levelStyles=[styles["toc0"], styles["toc1"]])
    story += [toc, PageBreak()]

    frame_width = width
    for block, following in zip(doc.blocks, [*doc.blocks[1:], Block("end")], strict=True):
        if block.kind in ("h1", "h2"):
            level = int(block.kind[1]) - 1
            story.append(heading(block.text, level, block.kind))
        elif block.kind == "p":
            # a paragraph that introduces a table or list stays on the page with it
            style = styles["lead-in" if following.kind in ("table", "ul") else "p"]
            story.append(Paragraph(markup(block.text), style))
        elif block.kind == "ul":
            items = [
                ListItem(Paragraph(markup(i), styles["item"]), leftIndent=14) for i in block.items
            ]
            story.append(
                ListFlowable(
                    items,
                    bulletType="bullet",
                    start="\u2022",
                    leftIndent=14,
                    bulletFontSize=9,
                    spaceAfter=6,
                )
            )
        elif block.kind == "table":
            story.append(table(block.rows, frame_width))
        elif block.kind == "pagebreak":
            story.append(PageBreak())
        elif block.kind == "columns":
            story += [NextPageTemplate("twocol"), PageBreak()]
            frame_width = column
        elif block.kind == "/columns":
            story += [NextPageTemplate("normal"), PageBreak()]
            frame_width = width
    story.append(heading("Sources", 0, "h1"))
    story.append(
        Paragraph(
            "The facts in this document come from these public sources. Names, figures and dates "
            "are carried over from them; the wording is the resource hub's own.",
            styles["p"],
        )
    )
    story.append(
        ListFlowable(
            [
                ListItem(Paragraph(escape(url), styles["item"]), leftIndent=14)
                for url in doc.sources
            ],
            bulletType="bullet",
            start="\u2022",
            leftIndent=14,
            bulletFontSize=9,
        )
    )

    target.parent.mkdir(parents=True, exist_ok=True)
    template = Template(
        str(target),
        pagesize=A4,
        pageTemplates=templates,
        leftMargin=left,
        rightMargin=right,
        topMargin=top,
        bottomMargin=bottom,
        title=doc.title,
        author=PUBLISHER,
        subject=plain(doc.meta["cover"][0]),
        creator="scripts/build_documents.py",
        keywords=["Cultural Commissioning Programme", *doc.facts],
        lang="en-GB",
        invariant=1,
    )
    template.multiBuild(story, canvasmaker=FixedDateCanvas)
    return template.page


# --- Word ------------------------------------------------------------------------------------


def render_docx(doc: Document, target: Path) -> int:
    """Lay the document out as a Word file; return its number of sections (h1)."""
    import docx
    from docx.enum.text import WD_BREAK
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    word = docx.Document()
    section = word.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4, as the PDFs
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.2))
    text_width = section.page_width - section.left_margin - section.right_margin
    section.different_first_page_header_footer = True
    header_text = doc.meta.get("header") or doc.title
    section.header.paragraphs[0].text = f"Cultural Commissioning Hub | {header_text}"
    footer = section.footer.paragraphs[0]
    footer.add_run("A resource hub toolkit, not an official CCP publication | Page ")
    run = footer.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)

    def add_runs(paragraph, text: str) -> None:
        pos = 0
        for match in INLINE.finditer(text):
            if match.start() > pos:
                paragraph.add_run(text[pos : match.start()])
            run = paragraph.add_run(match.group(1) or match.group(2))
            run.bold, run.italic = bool(match.group(1)), bool(match.group(2))
            pos = match.end()
        if pos < len(text):
            paragraph.add_run(text[pos:])

    word.add_paragraph(plain(doc.title), style="Title")
    if doc.meta.get("subtitle"):
        word.add_paragraph(plain(doc.meta["subtitle"]), style="Subtitle")
    for text in doc.meta["cover"]:
        add_runs(word.add_paragraph(), text)
    word.add_paragraph(f"Last updated {human_date(doc.date)}")
    word.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)

    contents = word.add_paragraph()
    contents.add_run("Contents").bold = True
    contents.runs[0].font.size = Pt(14)
    for block in doc.blocks:
        if block.kind in ("h1", "h2"):
            item = word.add_paragraph(plain(block.text))
            item.paragraph_format.left_indent = Pt(0 if block.kind == "h1" else 18)
            item.paragraph_format.space_after = Pt(2)
    word.add_paragraph("Sources").paragraph_format.space_after = Pt(2)
    word.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)

    for block in doc.blocks:
        if block.kind in ("h1", "h2"):
            word.add_heading(plain(block.text), level=int(block.kind[1]))
        elif block.kind == "p":
            add_runs(word.add_paragraph(), block.text)
        elif block.kind == "ul":
            for item in block.items:
                add_runs(word.add_paragraph(style="List Bullet"), item)
        elif block.kind == "table":
            grid = word.add_table(rows=len(block.rows), cols=len(block.rows[0]))
            grid.style = "Light Grid Accent 1"
            grid.autofit = False
            widths = column_widths(block.rows, text_width)
            for column, column_width in zip(grid.columns, widths, strict=True):
                column.width = column_width
            for r, row in enumerate(block.rows):
                for c, text in enumerate(row):
                    grid.cell(r, c).width = widths[c]
                    cell = grid.cell(r, c).paragraphs[0]
                    add_runs(cell, text)
                    if r == 0:
                        for run in cell.runs:
                            run.bold = True
            mark = OxmlElement("w:tblHeader")
            mark.set(qn("w:val"), "true")
            grid.rows[0]._tr.get_or_add_trPr().append(mark)
            word.add_paragraph()
        elif block.kind == "pagebreak":
            word.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    word.add_heading("Sources", level=1)
    word.add_paragraph(
        "The facts in this toolkit come from these public sources. Names, figures and dates "
        "are carried over from them; the wording is the resource hub's own."
    )
    for url in doc.sources:
        word.add_paragraph(url, style="List Bullet")

    props = word.core_properties
    stamp = dt.datetime.combine(doc.date, dt.time())
    props.title, props.author, props.last_modified_by = doc.title, PUBLISHER, PUBLISHER
    props.subject = plain(doc.meta["cover"][0]).split(". ")[0][:255]
    props.keywords = ", ".join(["Cultural Commissioning Programme", *doc.facts])
    props.comments = "Generated by scripts/build_documents.py from site/documents/."
    props.created = props.modified = props.last_printed = stamp
    props.revision = 1

    buffer = io.BytesIO()
    word.save(buffer)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(fixed_zip(buffer.getvalue()))
    return sum(b.kind == "h1" for b in doc.blocks) + 1


def fixed_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed member timestamps, so the same content gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            new.writestr(fixed, old.read(info.filename))
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slugs", nargs="*", help="only these documents (default: all)")
    parser.add_argument("--check", action="store_true", help="check the sources, write nothing")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write (default corpus/)")
    args = parser.parse_args(argv)
    try:
        docs = load_documents()
    except SourceError as exc:
        print(exc)
        return 1
    unknown = set(args.slugs) - {d.slug for d in docs}
    if unknown:
        print(f"no such document: {', '.join(sorted(unknown))}")
        return 1
    for doc in docs:
        if args.slugs and doc.slug not in args.slugs:
            continue
        words = sum(
            len(plain(b.text or " ".join(b.items + sum(b.rows, []))).split()) for b in doc.blocks
        )
        if args.check:
            print(f"{doc.slug}: ok ({words} words) -> {doc.output}", file=sys.stderr)
            continue
        target = args.out / doc.output
        if doc.output.endswith(".pdf"):
            count = f"{render_pdf(doc, target)} pages"
        else:
            count = f"{render_docx(doc, target)} sections"
        print(f"wrote {target.relative_to(args.out)} ({count}, {words} words)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
