"""The conversation survives (sessionStorage), and citations land on the quoted sentence:
beside the chat, and on the cited page with its text fragment."""

import pytest

from .browsing import ask, assert_accessible, open_page, shot

pytestmark = pytest.mark.browser
QUESTION = "Who chaired the programme's advisory group?"


def overlaps(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_citation_opens_beside_the_chat_then_on_its_page_marked(browser, live_server):
    context, page, errors = open_page(browser, viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + "/")
    reply = ask(page, QUESTION)
    reply.locator("a.cite").first.click()
    panel = page.locator("#preview")
    panel.locator("mark.quote").wait_for()
    assert "Bichard" in panel.locator("mark.quote").inner_text()
    # Beside the chat, not over it: the answer stays readable.
    assert not overlaps(reply.bounding_box(), panel.bounding_box())
    shot(page, "chat-preview-panel")
    assert_accessible(page, "preview panel open")

    with context.expect_page() as opened:
        panel.get_by_role("link", name="Open the full page in a new tab").click()
    site = opened.value
    site.wait_for_load_state()
    assert "/site/about/advisory-group.html#chair-lord-bichard" in site.url
    quote = site.locator("mark.ccp-quote").first
    quote.wait_for()
    assert "Bichard" in quote.inner_text()
    box = quote.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= 900, "the quote is out of view"
    banner = site.locator("#cookie-banner").bounding_box()
    assert banner is None or not overlaps(box, banner), "the cookie banner covers the quote"
    shot(site, "site-quote-marked")

    # That tab goes back to the assistant with the conversation it was opened from.
    site.get_by_role("link", name="Back to the assistant").click()
    site.locator("li.reply .answer-text").wait_for()
    assert "Bichard" in site.locator("li.reply .answer-text").inner_text()
    context.close()
    assert errors == []


def test_conversation_survives_reload_and_back_until_cleared(page, live_server):
    page.goto(live_server.url + "/")
    ask(page, QUESTION)
    page.reload()
    assert "Bichard" in page.locator("li.reply .answer-text").first.inner_text()
    # The conversation goes on where it was: a follow-up is read with its subject.
    reply = ask(page, "And who else sat on it?")
    assert "Read as a follow-up" in reply.inner_text()

    page.goto(live_server.url + "/site/about/advisory-group.html")
    page.go_back()
    page.locator("li.reply").nth(1).wait_for()
    assert page.locator("li.question").count() == 2

    page.get_by_role("link", name="New conversation").click()
    assert page.locator("li.turn").count() == 0
    page.reload()
    assert page.locator("li.turn").count() == 0 and page.locator("#welcome").is_visible()


def test_a_decline_offers_a_way_on(page, live_server):
    page.goto(live_server.url + "/")
    reply = ask(page, "What did the pilots in Kemt do?")
    assert "not-covered" in reply.get_attribute("class")
    shot(page, "chat-did-you-mean")
    assert_accessible(page, "declined with did-you-mean and nearest sections")
    reply.locator(".nearest a").first.click()
    page.locator("#preview-content .preview-text").wait_for()
    page.get_by_role("button", name="Close").click()

    reply.get_by_role("button", name="What did the pilots in Kent do?").click()
    answered = page.locator("li.reply").nth(1)
    answered.locator(".meta").wait_for()
    assert "not-covered" not in answered.get_attribute("class")
    assert page.locator("li.question").nth(1).inner_text() == "What did the pilots in Kent do?"


def test_suggested_questions_are_asked_by_a_click(page, live_server):
    page.goto(live_server.url + "/")
    reply = ask(page, QUESTION)
    buttons = reply.locator(".suggestions button")
    assert 1 <= buttons.count() <= 3
    shot(page, "chat-suggestions")
    assert_accessible(page, "answer with suggestions")
    suggested = buttons.first.inner_text()
    buttons.first.click()
    answered = page.locator("li.reply").nth(1)
    answered.locator(".meta").wait_for()
    assert page.locator("li.question").nth(1).inner_text() == suggested
    assert "not-covered" not in answered.get_attribute("class")


def test_filter_chips_keep_answers_to_the_pages_chosen(page, live_server):
    page.goto(live_server.url + "/")
    page.get_by_text("Answer only from some pages").click()
    page.get_by_label("Case study").check()
    shot(page, "chat-filters")
    assert_accessible(page, "filter chips open")
    reply = ask(page, "How did Kent bring arts into mental health services?")
    badges = reply.locator("ol.sources .badge").all_inner_texts()
    assert badges and {b.lower() for b in badges} == {"case study"}
    shot(page, "chat-filtered-answer")
    assert_accessible(page, "answer with badges")
