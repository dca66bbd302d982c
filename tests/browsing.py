"""Helpers for tests that drive the chat in Chromium: pages, screenshots, axe checks."""

from __future__ import annotations

from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def open_page(browser, **options):
    context = browser.new_context(**{"viewport": {"width": 1100, "height": 900}, **options})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    return context, page, errors


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def ask(page, question):
    page.get_by_label("Your question").fill(question)
    page.get_by_role("button", name="Ask", exact=True).click()
    reply = page.locator("li.reply").last
    reply.locator(".meta").wait_for()
    return reply


def assert_accessible(page, state):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.violations_count == 0, f"{state}: {results.generate_report()}"
