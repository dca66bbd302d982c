"""The chat page in real Chromium (Debian's package, driven by Playwright).

In CI a missing browser fails the run; elsewhere it skips with the reason.
"""

import os
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if path is None:
        message = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    yield page
    context.close()
    assert errors == [], errors  # no script errors, no CSP violations


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_ask_a_question_and_follow_a_citation(page, live_server):
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", name="CCP Assistant").is_visible()
    shot(page, "chat-empty")

    page.get_by_label("Your question").fill("Who chaired the programme's advisory group?")
    page.get_by_role("button", name="Ask").click()
    reply = page.locator("li.reply").last
    reply.locator("a.cite").first.wait_for()
    assert "Bichard" in reply.locator(".answer-text").inner_text()
    assert page.url == live_server.url + "/"  # answered in place, by script
    shot(page, "chat-answered")

    # A second question keeps the first turn visible.
    page.get_by_label("Your question").fill("What is the Social Value Act?")
    page.get_by_role("button", name="Ask").click()
    page.locator("li.reply").nth(1).locator("a.cite").first.wait_for()
    assert page.locator("li.question").count() == 2
    assert "Bichard" in page.locator("li.reply").first.inner_text()

    # The citation opens the cited section of the served page.
    link = page.locator("li.reply").first.locator("a.cite").first
    href = link.get_attribute("href")
    anchor = href.split("#")[1]
    link.click()
    page.wait_for_url("**/site/**")
    assert page.locator(f"[id='{anchor}']").count() == 1


def test_not_covered_question_says_so(page, live_server):
    page.goto(live_server.url + "/")
    page.get_by_label("Your question").fill("How do I renew my passport?")
    page.get_by_role("button", name="Ask").click()
    reply = page.locator("li.reply.not-covered")
    reply.wait_for()
    assert "does not seem to cover" in reply.inner_text()
    assert reply.locator("a.cite").count() == 0
    shot(page, "chat-not-covered")


def test_markup_in_a_question_is_shown_not_run(page, live_server):
    page.goto(live_server.url + "/")
    page.evaluate("window.__xss = false")
    page.get_by_label("Your question").fill('<img src=x onerror="window.__xss=true"> arts')
    page.get_by_role("button", name="Ask").click()
    page.locator("li.reply").last.wait_for()
    page.wait_for_timeout(200)
    assert page.evaluate("window.__xss") is False
    assert "<img src=x" in page.locator("li.question").last.inner_text()
