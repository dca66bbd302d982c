"""The embeddable widget on another site's page: a host page on a second loopback
origin, under a strict CSP with Trusted Types, drives it in Chromium."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from web import create_app

from .browsing import assert_accessible, open_page, shot
from .conftest import LiveServer

QUESTION = "Who chaired the programme's advisory group?"


class HostSite:
    """A page of another site that embeds the widget from `assistant`, served from its
    own origin with a strict Content-Security-Policy."""

    def __init__(self) -> None:
        self.assistant = ""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                body = site.page().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Security-Policy", site.policy())
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # "localhost", not the assistant's 127.0.0.1: another origin, as another site is.
        self.origin = f"http://localhost:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def policy(self) -> str:
        return (
            f"default-src 'none'; script-src {self.assistant}; connect-src {self.assistant}; "
            "style-src 'self'; img-src 'self'; base-uri 'none'; object-src 'none'; "
            "form-action 'none'; require-trusted-types-for 'script'; trusted-types ccp-assistant"
        )

    def page(self) -> str:
        return (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>A partner'
            "</title></head><body><main><h1>A partner's page</h1><p>Our news.</p></main>"
            f'<script src="{self.assistant}/widget.js" data-title="Ask the guidance" defer>'
            "</script></body></html>"
        )

    def __enter__(self) -> HostSite:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def sites(corpus_index_root):
    """An allowed host, a host the operator did not allow, and the assistant."""
    with HostSite() as allowed, HostSite() as other:
        app = create_app({"INDEX_DIR": str(corpus_index_root), "CORS_ORIGINS": allowed.origin})
        with LiveServer(app) as assistant:
            allowed.assistant = other.assistant = assistant.url
            yield allowed, other, assistant


def test_widget_script_carries_its_styles(sites):
    _, _, assistant = sites
    client = assistant.app.test_client()
    response = client.get("/widget.js")
    assert response.mimetype == "text/javascript"
    script = response.get_data(as_text=True)
    assert "/*STYLES*/" not in script and ".ccp-open" in script and ".sources" in script


def test_widget_answers_on_another_site_under_a_strict_csp(browser, sites):
    allowed, _, assistant = sites
    context, page, errors = open_page(browser)
    page.goto(allowed.origin + "/")
    opener = page.get_by_role("button", name="Ask the guidance")
    assert opener.evaluate("b => getComputedStyle(b).position") == "fixed"  # styled
    opener.focus()
    page.keyboard.press("Enter")  # keyboard opens it, focus goes to the question
    assert opener.get_attribute("aria-expanded") == "true"
    focused = "document.activeElement.shadowRoot.activeElement.id"
    assert page.evaluate(focused) == "ccp-q"
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    reply = page.locator("#ccp-assistant-widget li.reply").last
    reply.locator(".meta").wait_for()
    assert "Bichard" in reply.locator(".answer-text").inner_text()
    assert page.get_by_role("dialog", name="Ask the guidance").is_visible()
    shot(page, "widget-open")
    assert_accessible(page, "widget open with an answer")

    cite = reply.locator("a.cite").first
    assert cite.get_attribute("href").startswith(assistant.url + "/site/about/")
    with context.expect_page() as opened:
        cite.click()
    source = opened.value
    source.locator("mark.ccp-quote").first.wait_for()
    assert "Bichard" in source.locator("mark.ccp-quote").first.inner_text()

    page.keyboard.press("Escape")
    assert page.locator("#ccp-panel").is_hidden()
    assert page.evaluate("document.activeElement.shadowRoot.activeElement.className") == (
        "ccp-open"
    )
    context.close()
    assert errors == [], errors  # nothing refused by the host's CSP


def test_widget_on_a_site_not_allowed_is_refused(browser, sites):
    _, other, _ = sites
    context, page, _ = open_page(browser)  # the browser logs the CORS refusal
    page.goto(other.origin + "/")
    page.get_by_role("button", name="Ask the guidance").click()
    page.get_by_label("Your question").fill(QUESTION)
    page.get_by_role("button", name="Ask", exact=True).click()
    reply = page.locator("#ccp-assistant-widget li.reply.error")
    reply.wait_for()
    assert "cannot be reached" in reply.inner_text()
    assert page.locator("#ccp-assistant-widget .answer-text").count() == 0
    context.close()
