"""PDF and Word documents: read, laid out, cited by page, and bad ones skipped.

The fixtures in fixtures/documents/ are real files of different makes, remade by
fixtures/documents/make.py.
"""

import shutil
from pathlib import Path

import pytest

from assistant import load_current
from assistant.build import build
from assistant.ingest.documents import Limits, read
from assistant.models import RawPage
from web import create_app
from web.openapi import OPENAPI

from .conftest import FIXTURE_SITE, LiveServer
from .test_api import call, call_json
from .test_crawl import Site, config
from .test_service_features import check

DOCUMENTS = Path(__file__).parent / "fixtures" / "documents"
BAD = DOCUMENTS / "bad"
WAKEFIELD = "How many residents did the Wakefield lantern pilot reach?"


def folder(root: Path, *files: tuple[Path, str]) -> Path:
    """A site folder with one web page and the given documents under reports/."""
    (root / "reports").mkdir(parents=True)
    shutil.copy(FIXTURE_SITE / "guides" / "commissioning-cycle.html", root / "cycle.html")
    for path, name in files:
        shutil.copy(path, root / "reports" / name)
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("documents")
    source = folder(
        root / "site",
        (DOCUMENTS / "evaluation-reportlab.pdf", "evaluation.pdf"),
        (DOCUMENTS / "briefing.docx", "briefing.docx"),
    )
    report = build(source, root / "index", progress=False)
    return report, load_current(root / "index"), root


def by_section(index, url: str) -> dict:
    return {p.heading_path: p for p in index.passages if p.url == url}


def test_a_pdf_is_read_in_columns_by_its_outline_without_running_lines(built):
    report, index, _ = built
    assert not report.skipped and report.pages_indexed == 3
    pdf = by_section(index, "reports/evaluation.pdf")
    assert list(pdf) == [  # sections by the outline's headings, nested as it nests them
        ("1 Introduction",),
        ("2 Findings", "2.1 Outcomes for participants"),
        ("2 Findings", "2.2 What commissioners valued"),
        ("2 Findings", "2.3 The Wakefield lantern pilot"),
        ("3 Costs",),
        ("4 Recommendations",),
    ]
    assert {p.title for p in pdf.values()} == {
        "Commissioning Culture for Wellbeing: Pilot Evaluation"
    }
    assert [p.page for p in pdf.values()] == [1, 2, 2, 2, 3, 3]
    # Page 2 is two columns: the left one's last sentence runs on in the right one.
    valued = pdf[("2 Findings", "2.2 What commissioners valued")].text
    assert "but they asked for figures they could compare with other services" in valued
    # "com-" at a line end and "missioners" on the next are one word again.
    assert "It was written for commissioners in local" in pdf[("1 Introduction",)].text
    everything = "\n".join(p.text for p in pdf.values())
    assert "Pilot evaluation 2016" not in everything  # the running header
    assert not [line for line in everything.split("\n") if line.strip().isdigit()]
    costs = pdf[("3 Costs",)].text
    assert "Pilot | Year one | Year two\nWakefield lanterns | £38,000 | £41,500" in costs
    assert pdf[("3 Costs",)].link == "reports/evaluation.pdf#page=3"


def test_a_word_document_keeps_its_headings_lists_and_tables(built):
    _, index, _ = built
    docx = by_section(index, "reports/briefing.docx")
    assert list(docx) == [
        ("Why reading groups",),
        ("Why reading groups", "Who took part"),
        ("Costs and reach",),
        ("Next steps",),
    ]
    passage = docx[("Why reading groups", "Who took part")]
    assert passage.title == "Reading Together: a Briefing for Library Commissioners"
    assert passage.text.split("\n") == [
        "Members were referred by:",
        "• general practitioners and practice nurses",
        "• the community mental health team",
        "• carers' support workers",
    ]
    assert "Reading circle | 64 | £95" in docx[("Costs and reach",)].text
    assert "Library service briefing" not in "".join(p.text for p in docx.values())  # header
    assert passage.page is None and passage.link == "reports/briefing.docx"


def test_pdfs_of_other_makes_are_laid_out_too():
    def doc(name: str):
        path = DOCUMENTS / name
        return read(RawPage(url=name, content=path.read_bytes(), kind="pdf"))

    # fpdf2: no outline, so headings by font size; "Page 1/2" footers dropped.
    fpdf = doc("evaluation-fpdf2.pdf")
    paths = [s.heading_path for s in fpdf.sections]
    assert ("2 Findings", "2.3 The Wakefield lantern pilot") in paths
    assert fpdf.title == "Commissioning Culture for Wellbeing: Pilot Evaluation"
    blocks = [b for s in fpdf.sections for b in s.blocks]
    assert not [b for b in blocks if "Page 1" in b or "Pilot evaluation, second year" in b]
    # LibreOffice: two columns, bullets from a symbol font, table cells that wrap.
    office = doc("briefing-libreoffice.pdf")
    blocks = [b for s in office.sections for b in s.blocks]
    assert "• the community mental health team" in blocks
    assert "Home library visits | 120 | £140" in blocks
    assert office.sections[-1].heading_path == ("Next steps",)  # the right-hand column


def test_a_question_answered_in_a_pdf_cites_its_page(built, tmp_path):
    _, _, root = built
    app = create_app({"INDEX_DIR": str(root / "index"), "DB_PATH": ""})
    with LiveServer(app) as server:
        status, data = call_json(server, "/api/query", {"question": WAKEFIELD})
        assert status == 200 and "412 residents" in data["answer"]
        cited = data["citations"][0]
        assert cited["url"] == "/site/reports/evaluation.pdf#page=2" and cited["page"] == 2
        check(OPENAPI, "/api/query", "post", 200, data)
        status, headers, body = call(server, "/site/reports/evaluation.pdf")
        assert status == 200 and body.startswith(b"%PDF")
        _, _, page = call(server, "/?q=" + WAKEFIELD.replace(" ", "+"))
        html = page.decode()
        assert '<span class="badge badge-pdf">PDF</span>' in html and "p. 2</span>" in html
        status, data = call_json(
            server, "/api/query", {"question": "When did the Harrogate reading circle meet?"}
        )
        cited = data["citations"][0]
        assert cited["url"] == "/site/reports/briefing.docx" and cited["page"] is None


def test_bad_documents_are_listed_and_skipped_while_the_rest_builds(tmp_path):
    bad = [(BAD / name, name) for name in sorted(p.name for p in BAD.iterdir())]
    enormous = (DOCUMENTS / "briefing-libreoffice.pdf", "enormous.pdf")  # 40 KB
    source = folder(
        tmp_path / "site", (DOCUMENTS / "evaluation-reportlab.pdf", "good.pdf"), enormous, *bad
    )
    report = build(source, tmp_path / "index", progress=False, limits=Limits(30, 30_000))
    reasons = {url.removeprefix("reports/"): why for url, why in report.skipped.items()}
    assert reasons == {
        "corrupt.pdf": "not a readable PDF (damaged or not a PDF)",
        "encrypted.pdf": "encrypted: it needs a password to open",
        "enormous.pdf": "larger than the limit of 30,000 bytes",
        "long.pdf": "40 pages, more than the limit of 30",
        "malformed.docx": "not a Word document: the file has no word/document.xml",
        "scan.pdf": "no text layer (a scan?): run it through OCR to index it",
        "truncated.pdf": "truncated: the file ends before the PDF's end-of-file marker",
    }
    summary = report.summary()
    assert all(f"skipped reports/{name}: {why}" in summary for name, why in reasons.items())
    index = load_current(tmp_path / "index")
    assert {p.url for p in index.passages} == {"cycle.html", "reports/good.pdf"}


def test_a_crawl_follows_links_and_the_sitemap_to_documents(tmp_path):
    site = Site()
    pdf = (DOCUMENTS / "evaluation-reportlab.pdf").read_bytes()
    word = (DOCUMENTS / "briefing.docx").read_bytes()
    served = {
        "/reports/index.html": (
            b'<html><body><article><h1>Reports</h1><p>The <a href="evaluation.pdf">'
            b"pilot evaluation</a> as published, in full.</p></article></body></html>",
            "text/html",
        ),
        "/reports/evaluation.pdf": (pdf, "application/pdf"),
        "/reports/briefing.docx": (word, "application/octet-stream"),  # by its suffix
    }
    answer = site.answer

    def documents(h):
        path = h.path.split("?")[0]
        if path in served and path not in site.overrides:
            return site.send(h, 200, *served[path])
        if path == "/sitemap.xml":
            xml = f"<urlset><url><loc>{site.url}/reports/briefing.docx</loc></url></urlset>"
            return site.send(h, 200, xml.encode(), "application/xml")
        return answer(h)

    site.answer = documents
    try:
        crawl = config(site, start_urls=[site.url + "/reports/index.html"])
        root = tmp_path / "index"
        report = build(crawl, root, progress=False)
        index = load_current(root)
        evaluation = site.url + "/reports/evaluation.pdf"
        hit = index.search("Wakefield lantern pilot residents")[0].passage
        assert hit.link == evaluation + "#page=2"
        assert site.url + "/reports/briefing.docx" in {p.url for p in index.passages}
        assert not report.skipped and not report.failed
        # A document that cannot be fetched this time keeps its previous version.
        before = [p for p in index.passages if p.url == evaluation]
        site.overrides = {"/reports/evaluation.pdf": 503}
        report = build(crawl, root, incremental=True, progress=False)
        assert evaluation in report.failed
        assert [p for p in load_current(root).passages if p.url == evaluation] == before
    finally:
        site.close()
