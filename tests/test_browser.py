"""The chat page in real Chromium (Debian's package, driven by Playwright).

In CI a missing browser fails the run; elsewhere it skips with the reason.
"""

import pytest

from .browsing import ask, assert_accessible, open_page, shot

pytestmark = pytest.mark.browser


def test_ask_a_question_and_follow_a_citation(page, live_server):
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", name="CCP Assistant").is_visible()
    shot(page, "chat-empty")

    page.get_by_label("Your question").fill("Who chaired the programme's advisory group?")
    page.get_by_role("button", name="Ask", exact=True).click()
    reply = page.locator("li.reply").last
    reply.locator("a.cite").first.wait_for()
    assert "Bichard" in reply.locator(".answer-text").inner_text()
    assert page.url == live_server.url + "/"  # answered in place, by script
    shot(page, "chat-answered")

    # A second question keeps the first turn visible.
    page.get_by_label("Your question").fill("What is the Social Value Act?")
    page.get_by_role("button", name="Ask", exact=True).click()
    page.locator("li.reply").nth(1).locator("a.cite").first.wait_for()
    assert page.locator("li.question").count() == 2
    assert "Bichard" in page.locator("li.reply").first.inner_text()

    # The citation opens the cited section beside the chat, the quoted sentence marked.
    page.locator("li.reply").first.locator("a.cite").first.click()
    page.locator("#preview mark.quote").wait_for()
    assert "Bichard" in page.locator("#preview mark.quote").inner_text()


def test_not_covered_question_says_so(page, live_server):
    page.goto(live_server.url + "/")
    page.get_by_label("Your question").fill("How do I renew my passport?")
    page.get_by_role("button", name="Ask", exact=True).click()
    reply = page.locator("li.reply.not-covered")
    reply.wait_for()
    assert "does not seem to cover" in reply.inner_text()
    assert reply.locator("a.cite").count() == 0
    shot(page, "chat-not-covered")


def test_markup_in_a_question_is_shown_not_run(page, live_server):
    page.goto(live_server.url + "/")
    page.evaluate("window.__xss = false")
    page.get_by_label("Your question").fill('<img src=x onerror="window.__xss=true"> arts')
    page.get_by_role("button", name="Ask", exact=True).click()
    page.locator("li.reply").last.wait_for()
    page.wait_for_timeout(200)
    assert page.evaluate("window.__xss") is False
    assert "<img src=x" in page.locator("li.question").last.inner_text()


def test_no_accessibility_violations_in_each_state(page, live_server):
    page.goto(live_server.url + "/")
    assert_accessible(page, "empty")
    ask(page, "Who chaired the advisory group?")
    page.locator("li.reply details").first.locator("summary").click()
    assert_accessible(page, "answered")
    ask(page, "How do I renew my passport?")
    assert_accessible(page, "not covered")


def test_keyboard_only_use(page, live_server):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("What is a JSNA?")
    page.keyboard.press("Enter")
    page.locator("li.reply .meta").wait_for()
    assert page.evaluate("document.activeElement.id") == "q"  # ready for the next question
    # A citation opens beside the chat with focus in the panel; Escape goes back to it.
    page.locator("li.reply a.cite").first.focus()
    page.keyboard.press("Enter")
    page.locator("#preview mark.quote").wait_for()
    assert page.evaluate("document.activeElement.id") == "preview-heading"
    page.keyboard.press("Escape")
    assert page.locator("#preview").is_hidden()
    assert page.evaluate("document.activeElement.classList.contains('cite')")


def test_answers_are_announced_to_screen_readers(page, live_server):
    page.goto(live_server.url + "/")
    log = page.locator("#log")
    assert log.get_attribute("aria-live") == "polite"
    ask(page, "What is a JSNA?")
    assert log.locator("li.reply").count() == 1  # the answer lands inside the live region


def test_feedback_new_conversation_and_copy(browser, live_server):
    context, page, errors = open_page(browser)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(live_server.url + "/")
    reply = ask(page, "Who chaired the advisory group?")
    reply.get_by_label("Comment (optional)").fill("Clear, thanks")
    reply.get_by_role("button", name="Not helpful").click()
    assert "feedback was recorded" in reply.locator(".feedback-done").inner_text()

    reply.get_by_role("button", name="Copy answer and sources").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "Bichard" in copied and "Sources:" in copied and "/site/about/" in copied

    ask(page, "And who else sat on it?")
    assert "Read as a follow-up" in page.locator("li.reply").last.inner_text()
    page.get_by_role("link", name="New conversation").click()
    assert page.locator("li.turn").count() == 0 and page.locator("#welcome").is_visible()
    reply = ask(page, "And who else sat on it?")
    assert "Read as a follow-up" not in reply.inner_text()
    context.close()
    assert errors == []


def test_phone_sized_screen(browser, live_server):
    context, page, errors = open_page(
        browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page.goto(live_server.url + "/")
    # The header is one line: the name and "New conversation" side by side, no more.
    title = page.get_by_role("heading", name="CCP Assistant").bounding_box()
    new = page.get_by_role("link", name="New conversation").bounding_box()
    assert abs(title["y"] + title["height"] / 2 - (new["y"] + new["height"] / 2)) < 8
    assert page.locator("header.top").bounding_box()["height"] <= 2.2 * title["height"]
    shot(page, "phone-empty")
    reply = ask(page, "How can a small arts organisation find local tenders?")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    shot(page, "phone-answered")
    # Reaching the answer's footer from the top brings it into view above the question bar.
    page.evaluate("window.scrollTo(0, 0)")
    reply.get_by_role("button", name="Helpful", exact=True).focus()
    footer = reply.locator("form.feedback").bounding_box()
    bar = page.locator("#ask").bounding_box()
    assert footer["y"] + footer["height"] <= bar["y"], "the footer is under the question bar"
    shot(page, "phone-footer")
    # A citation opens over the chat, the whole width, and closes back to it.
    reply.locator("a.cite").first.click()
    panel = page.locator("#preview")
    panel.locator("mark.quote").wait_for()
    assert panel.bounding_box()["width"] == 390
    shot(page, "phone-preview")
    assert_accessible(page, "phone with the preview panel open")
    panel.get_by_role("button", name="Close").click()
    assert panel.is_hidden()
    context.close()
    assert errors == []


def test_works_without_javascript(browser, live_server):
    context, page, _ = open_page(browser, java_script_enabled=False)
    page.goto(live_server.url + "/")
    page.get_by_label("Your question").fill("Who chaired the advisory group?")
    page.get_by_role("button", name="Ask", exact=True).click()
    page.wait_for_url("**/?q=*")
    assert "Bichard" in page.locator("li.reply .answer-text").inner_text()
    # A second question keeps the first on the page, as a follow-up in its conversation.
    page.get_by_label("Your question").fill("And who else sat on it?")
    page.get_by_role("button", name="Ask", exact=True).click()
    page.wait_for_url("**/?q=And*")
    assert page.locator("li.reply").count() == 2
    assert "Bichard" in page.locator("li.reply").first.inner_text()
    assert "Read as a follow-up" in page.locator("li.reply").last.inner_text()
    # Feedback comes back to the answer it was about, the conversation still there.
    page.locator("li.reply").last.get_by_role("button", name="Helpful", exact=True).click()
    page.wait_for_url("**/feedback#feedback-*")
    done = page.locator("li.reply").last.locator(".feedback-done")
    assert "feedback was recorded" in done.inner_text()
    assert page.url.endswith("#" + done.get_attribute("id"))
    assert page.locator("li.reply").count() == 2
    shot(page, "no-script-feedback")
    context.close()


def test_markup_in_a_corpus_page_is_shown_not_run(browser, tmp_path):
    from assistant.build import build
    from web import create_app

    from .conftest import LiveServer

    site = tmp_path / "site"
    site.mkdir()
    (site / "evil.html").write_text(
        "<html><head><title>Evil &lt;b&gt;page</title></head><body><article>"
        "<h1>Zebra &lt;script&gt;window.__pwned=1&lt;/script&gt; guide</h1>"
        '<h2 id="x">Zebra crossings &lt;img src=x onerror="window.__pwned=2"&gt;</h2>'
        "<p>Zebra commissioning &lt;img src=x onerror=&quot;window.__pwned=3&quot;&gt; is "
        "explained here in full. Zebras are striped.</p></article></body></html>"
    )
    build(site, tmp_path / "index", progress=False)
    with LiveServer(create_app({"INDEX_DIR": str(tmp_path / "index")})) as server:
        for javascript in (True, False):
            context, page, _ = open_page(browser, java_script_enabled=javascript)
            page.goto(server.url + "/")
            if javascript:
                reply = ask(page, "zebra commissioning")
                reply.locator("summary").first.click()
            else:
                page.goto(server.url + "/?q=zebra+commissioning")
                reply = page.locator("li.reply")
            text = reply.inner_text()
            assert '<img src=x onerror="window.__pwned=3">' in text
            assert page.locator("li.reply img").count() == 0
            if javascript:
                assert page.evaluate("window.__pwned") is None
            context.close()


def test_exact_answers_lists_tables_and_referrals_render(page, live_server):
    page.goto(live_server.url + "/")
    reply = ask(page, "How much did Arts Council England put into the programme?")
    assert reply.locator("mark.answer-span").inner_text() == "£895,000"
    assert "%" not in reply.locator(".meta").inner_text()  # no uncalibrated percentage

    reply = ask(page, "What did NEF recommend commissioners do?")
    assert reply.locator("ul.answer-list > li").count() >= 4
    reply = ask(page, "How many words could each heading of the application run to?")
    headings = reply.locator("table.answer-table th").all_inner_texts()
    assert headings == ["Heading", "Word limit"]
    shot(page, "chat-list-and-table")
    assert_accessible(page, "answer with a list and a table")

    reply = ask(page, "Can you give me the email address of the Kent pilot lead?")
    links = reply.locator("ul.referrals a")
    assert links.count() >= 1
    assert all(h.startswith("https://") for h in links.evaluate_all("l => l.map(a => a.href)"))
    assert_accessible(page, "declined with referral links")


def test_a_link_in_quoted_text_goes_where_the_page_sends_it(page, live_server):
    page.goto(live_server.url + "/")
    reply = ask(page, "What did NEF do in the programme?")
    link = reply.locator(".answer-text a.page-link", has_text="housing strand")
    assert link.count() == 1
    assert "housing strand" in reply.locator(".answer-text").inner_text()
    assert_accessible(page, "answer with a link in its text")
    link.click()
    page.wait_for_url("**/about/housing-strand.html")
    assert page.locator("h1").inner_text().strip()


def test_a_list_without_a_lead_in_shows_under_its_heading(page, live_server):
    page.goto(live_server.url + "/")
    reply = ask(page, "How did Kent get arts into its waste management contract?")
    heading = reply.locator(".answer-text p strong.term").first.inner_text()
    assert heading == "What others can learn from Kent's approach"
    assert reply.locator(".answer-text ul.answer-list > li").count() >= 3
