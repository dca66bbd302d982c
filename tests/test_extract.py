from pathlib import Path

import pytest

from assistant.ingest.extract import extract
from assistant.models import RawPage

from .conftest import run_python

FIXTURES = Path(__file__).parent / "fixtures" / "site"


def page(name: str):
    path = FIXTURES / name
    return extract(RawPage(url=name, content=path.read_bytes()))


def all_text(doc) -> str:
    return "\n".join(b for s in doc.sections for b in s.blocks)


def test_wordpress_page_keeps_article_and_drops_chrome():
    doc = page("news/phase-two-wordpress.html")
    text = all_text(doc)
    assert doc.title == "Resource: Cultural Commissioning Programme update"
    assert "refreshed its online resources" in text
    assert "to run from July 2016 to Dec. 2017" in text
    assert "Securing recognition by national bodies" in text  # list items are content
    for chrome in (
        "Leave a Reply",
        "Log Out",
        "Fill in your details",
        "Connecting to %s",
        "Akismet",
        "cookies",
        "Share this",
        "Twitter",
        "Related",
        "Another post",
        "Recent posts",
        "Skip to content",
        "WordPress.com",
        "Posted on",
        "Categories",
        "Open studios",
        "documentElement",
    ):
        assert chrome not in text, chrome


def test_headings_keep_their_anchor_ids_and_paths():
    doc = page("guides/commissioning-cycle.html")
    paths = [(s.heading_path, s.anchor) for s in doc.sections]
    assert paths == [
        ((), "cycle"),
        (("Analyse",), "analyse"),
        (("Plan",), "plan"),
        (("Plan", "Tips for planning events"), "plan-tips"),
        (("Do",), "do"),
        (("Review",), "review"),
    ]


def test_windows_1252_page_is_decoded_from_its_meta_charset():
    text = all_text(page("guides/commissioning-cycle.html"))
    assert "the needs they see – and of their impact –" in text
    assert "commissioners’ planning events" in text
    assert "\ufffd" not in text


def test_tables_become_rows_of_text_and_navigation_goes():
    doc = page("guides/commissioning-cycle.html")
    text = all_text(doc)
    assert "Grant | Pilots and small providers" in text
    assert "Home | News" not in text and "Copyright" not in text


def test_site_template_page_drops_banner_share_related_and_sources():
    doc = page("kent-pilot.html")
    text = all_text(doc)
    assert doc.title == "The Kent commissioner pilot"
    assert "£4m community mental health and wellbeing service" in text
    for chrome in (
        "We use cookies",
        "Share on Twitter",
        "Related pages",
        "Last updated",
        "Skip to content",
        "Sources",
        "https://",
        "sample snapshot",
    ):
        assert chrome not in text, chrome


@pytest.mark.parametrize("html", [b"", b"<html>", b"\xff\xfe\x00garbage", b"<p>no headings"])
def test_malformed_input_never_raises(html):
    doc = extract(RawPage(url="x.html", content=html))
    assert isinstance(doc.sections, tuple)


def test_extraction_benchmark_dumps_any_page_set(tmp_path):
    done = run_python(
        "benchmarks/extraction.py", "--pages", str(FIXTURES / "guides"), "--dump", str(tmp_path)
    )
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "commissioning-cycle.txt").read_text()
    assert "key performance indicators" in text and "Copyright" not in text
    assert done.stdout.strip().splitlines()[-1].startswith('{"benchmark": "extraction-dump"')


def test_headings_without_ids_get_a_text_fragment_link():
    html = (
        b"<html><body><article><h1>T</h1><h2>Who pays?</h2><p>"
        + b"Words here. " * 30
        + b"</p></article></body></html>"
    )
    doc = extract(RawPage(url="p.html", content=html))
    assert doc.sections[0].anchor == ":~:text=Who%20pays%3F"


def test_link_and_emphasis_text_runs_on_into_the_sentence():
    html = (
        "<html><head><title>Timeline</title></head><body><main><h1>Timeline</h1>"
        "<p>The programme started in July 2013 and ran for four years in all (see "
        '<a href="/about/timeline.html">the timeline</a>). Its reports are listed on '
        '<a href="/reports.html">the reports page</a>, and its <em>main</em> partners '
        "were NPC and NEF.<br>A second line follows the break.</p>"
        "<p>The evaluators reported\n<a href='/b.html'>that</a>\n<em>the</em> groups worked "
        "well, and that partners wanted to carry on after the first year of funding.</p>"
        "</main></body></html>"
    )
    text = all_text(extract(RawPage(url="t.html", content=html.encode())))
    assert "(see the timeline). Its reports are listed on the reports page, and" in text
    assert "its main partners were NPC and NEF. A second line" in text
    assert "The evaluators reported that the groups worked well" in text


def test_the_main_texts_links_are_kept_with_their_targets_and_the_menus_are_not():
    html = (
        "<html><head><title>Kent</title></head><body>"
        '<nav><a href="/index.html">Home</a> <a href="/pilots/">Pilots</a></nav>'
        "<main><h1>The Kent pilot</h1>"
        "<p>Kent County Council was one of the programme's two commissioner pilots; the "
        'other was in Gloucestershire. See <a href="../pilots/gloucestershire.html">the '
        "Gloucestershire pilot</a> for how the NHS side worked, and write to "
        '<a href="mailto:someone@example.org">the team</a> with questions.</p>'
        "</main></body></html>"
    )
    doc = extract(RawPage(url="pilots/kent.html", content=html.encode()))
    # Made absolute against the page (relative to the site for a folder of pages);
    # mail links and the navigation's links are left out.
    assert doc.links == (("the Gloucestershire pilot", "pilots/gloucestershire.html"),)
