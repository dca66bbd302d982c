"""The chat page rendered on the server: it works as a plain form without JavaScript."""

from dataclasses import replace

from bs4 import BeautifulSoup

from assistant import answer
from web.chat import LOW_CONFIDENCE, confidence_label


def test_empty_page_welcomes_and_offers_examples(client):
    html = BeautifulSoup(client.get("/").data, "html.parser")
    assert html.find("h1").get_text() == "CCP Assistant"
    examples = html.select("a.example")
    assert len(examples) >= 3 and all(a["href"].startswith("?q=") for a in examples)
    form = html.find("form", id="ask")
    assert form["method"] == "get" and form.find("input", attrs={"name": "q"})
    assert not html.select("script:not([src])")  # no inline scripts (CSP)


def test_question_in_the_url_renders_an_answer_with_citation_links(client):
    html = BeautifulSoup(client.get("/?q=Who+chaired+the+advisory+group%3F").data, "html.parser")
    reply = html.select_one("li.reply")
    assert "Bichard" in reply.select_one(".answer-text").get_text()
    cites = reply.select("a.cite")
    assert cites and all(a["href"].startswith("/site/") for a in cites)
    assert reply.select("ol.sources li a")


def test_page_and_api_render_the_same_answer(client):
    question = "What is social prescribing?"
    api = client.post("/api/query", json={"question": question}).json
    html = BeautifulSoup(client.get("/", query_string={"q": question}).data, "html.parser")
    page_text = html.select_one(".answer-text").get_text(" ", strip=True)
    for sentence in api["sentences"]:
        assert sentence["text"] in page_text
    assert [a["href"] for a in html.select("ol.sources li > a")] == [
        c["url"] for c in api["citations"]
    ]


def test_markup_in_a_question_is_escaped(client):
    raw = client.get("/", query_string={"q": "<script>alert(1)</script> commissioning"}).data
    assert b"<script>alert(1)</script>" not in raw
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in raw


def test_bad_question_shows_a_friendly_message(client):
    html = BeautifulSoup(client.get("/?q=++").data, "html.parser")
    assert "empty" in html.select_one("li.error").get_text()


def test_not_covered_page_lists_nearest_sections_as_links(client):
    html = BeautifulSoup(client.get("/?q=How+do+I+renew+my+passport%3F").data, "html.parser")
    reply = html.select_one("li.reply.not-covered")
    assert "does not seem to cover" in reply.get_text()
    assert not reply.select("a.cite")
    assert 1 <= len(reply.select(".nearest a")) <= 3


def test_plain_form_keeps_the_conversation_for_follow_ups(client):
    html = BeautifulSoup(client.get("/?q=Who+led+the+Gloucestershire+pilot%3F").data, "html.parser")
    conversation = html.find("input", attrs={"name": "c"})["value"]
    html = BeautifulSoup(
        client.get("/", query_string={"q": "And when did it start?", "c": conversation}).data,
        "html.parser",
    )
    assert "Read as a follow-up" in html.select_one(".reading").get_text()


def test_snippets_mark_matched_words_and_escape_the_rest(client):
    html = BeautifulSoup(client.get("/?q=Who+chaired+the+advisory+group%3F").data, "html.parser")
    marks = [m.get_text().lower() for m in html.select("ol.sources details mark")]
    assert "advisory" in marks


def test_a_glossary_entry_is_shown_under_its_term(client):
    html = BeautifulSoup(client.get("/?q=What+does+commissioning+mean%3F").data, "html.parser")
    first = html.select_one(".answer-text p")
    assert first.select_one("strong.term").get_text() == "Commissioning"
    assert first.get_text().startswith("Commissioning: The whole process by which")


def test_an_unlikely_answer_is_offered_as_the_nearest_the_guidance_comes(corpus_index):
    good = answer("Who chaired the advisory group?", corpus_index)
    assert good.confidence >= LOW_CONFIDENCE
    assert confidence_label(good).startswith("Quoted from the guidance")
    unlikely = replace(good, confidence=LOW_CONFIDENCE - 0.01)
    label = confidence_label(unlikely)
    assert label.startswith("The guidance may not answer exactly what you asked")
    assert "%" not in label  # a hint, not a percentage


def test_the_page_shows_the_label_the_answers_confidence_calls_for(client):
    for question in (
        "Who chaired the advisory group?",
        "Can you recommend a good novel for my book club?",
    ):
        api = client.post("/api/query", json={"question": question}).json
        html = BeautifulSoup(client.get("/", query_string={"q": question}).data, "html.parser")
        shown = html.select_one("li.reply .meta").get_text()
        if api["no_answer"]:
            assert shown.startswith("Nothing quoted")
        elif api["confidence"] < LOW_CONFIDENCE:
            assert shown.startswith("The guidance may not answer exactly")
        else:
            assert shown.startswith("Quoted from the guidance")
