"""Shared fixtures: indexes built from committed pages, the app, and a live server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from waitress.server import create_server

from assistant import load_current
from assistant.build import build
from web import create_app, settings_of
from web.__main__ import waitress_options

from .servers import postgres_url, redis_url  # noqa: F401 (fixtures for every test)

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_SITE = Path(__file__).parent / "fixtures" / "site"
CORPUS = ROOT / "corpus"


def run_python(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run a project script or module as a user would, from the project root."""
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(autouse=True, scope="session")
def quiet_app_defaults(tmp_path_factory):
    """Apps made by tests record to a temporary database and have no rate limit,
    unless a test sets its own."""
    patch = pytest.MonkeyPatch()
    patch.setenv("CCP_DB_PATH", str(tmp_path_factory.mktemp("db") / "feedback.sqlite3"))
    patch.setenv("CCP_RATE_LIMIT", "")
    yield
    patch.undo()


@pytest.fixture(scope="session")
def fixture_index_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fixture-index")
    build(FIXTURE_SITE, root, progress=False)
    return root


@pytest.fixture(scope="session")
def fixture_index(fixture_index_root):
    return load_current(fixture_index_root)


@pytest.fixture(scope="session")
def corpus_index_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus-index")
    build(CORPUS, root, progress=False)
    return root


@pytest.fixture(scope="session")
def corpus_index(corpus_index_root):
    return load_current(corpus_index_root)


@pytest.fixture()
def app(corpus_index_root):
    return create_app({"INDEX_DIR": str(corpus_index_root), "TESTING": True})


@pytest.fixture()
def client(app):
    return app.test_client()


class LiveServer:
    """The app on the production WSGI server, set up as `python -m web` sets it up, on a
    free loopback port, in a thread."""

    def __init__(self, app) -> None:
        self.app = app
        options = waitress_options(4, settings_of(app))
        self.server = create_server(app, host="127.0.0.1", port=0, **options)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        # waitress's own loop, in short turns, so stopping never closes a socket
        # that the loop is still waiting on.
        while not self.stopping.is_set():
            self.server.asyncore.loop(timeout=0.05, map=self.server._map, count=1)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.thread.join()
        self.server.close()
        self.server.task_dispatcher.shutdown()


@pytest.fixture(scope="session")
def live_server(corpus_index_root):
    app = create_app({"INDEX_DIR": str(corpus_index_root)})
    with LiveServer(app) as server:
        yield server


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


@pytest.fixture(scope="session")
def browser():
    """One Chromium for every browser test (in CI a missing browser fails the run)."""
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
    from .browsing import open_page

    context, page, errors = open_page(browser)
    yield page
    context.close()
    assert errors == [], errors  # no script errors, no CSP violations
