"""What one client, or a crowd of slow ones, can take from the production server."""

import json
import socket

import pytest
from flask import Flask

from web import configure, create_app

from .conftest import LiveServer
from .test_api import call_json


def connect(server) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", server.server.effective_port))
    s.settimeout(5)  # a server that waits where it should refuse fails the test here
    return s


def declare_body(server, length: int) -> bytes:
    """The reply to a question that declares a body of `length` bytes and sends none."""
    with connect(server) as s:
        s.sendall(
            b"POST /api/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % length
        )
        return s.recv(4096)


def test_oversized_body_is_refused_before_it_is_read(live_server):
    """A body over the app's limit is refused from its Content-Length: waitress's own
    limit (1 GiB) had it spool 250 MiB to a temporary file before the app's 413."""
    limit = live_server.app.config["MAX_CONTENT_LENGTH"]
    assert declare_body(live_server, 250 * 1024 * 1024).startswith(b"HTTP/1.1 413 ")
    assert declare_body(live_server, limit + 1).startswith(b"HTTP/1.1 413 ")
    at_limit = json.dumps({"question": "a" * (limit - 16)}).encode()
    assert len(at_limit) == limit  # the app reads it, and refuses the question
    status, data = call_json(live_server, "/api/query", at_limit)
    assert status == 400 and data["error"]["code"] == "question_too_long"


def test_slow_clients_do_not_take_every_connection(live_server):
    """120 clients sending their headers a byte a second took all of waitress's default
    100 connections: the next client was never answered."""
    slow = [connect(live_server) for _ in range(120)]
    try:
        for s in slow:
            s.sendall(b"GET /api/health HTTP/1.1\r\nHo")  # a header begun, never finished
        status, data = call_json(live_server, "/api/health")
        assert status == 200 and data["status"] == "ok"
    finally:
        for s in slow:
            s.close()


def test_a_connection_that_goes_quiet_is_closed(fixture_index_root):
    app = create_app({"INDEX_DIR": str(fixture_index_root), "CHANNEL_TIMEOUT": 1})
    with LiveServer(app) as server, connect(server) as s:
        s.sendall(b"GET /api/health HTTP/1.1\r\nHo")
        assert s.recv(100) == b""  # closed by the server, after a second, unanswered


@pytest.mark.parametrize("name", ["MAX_CONTENT_LENGTH", "CONNECTION_LIMIT", "CHANNEL_TIMEOUT"])
@pytest.mark.parametrize("value", ["many", 0, True, 10**10])
def test_a_bad_server_setting_is_named_at_start_up(name, value):
    with pytest.raises(ValueError, match=f"CCP_{name} must be a whole number"):
        configure(Flask(__name__), {name: value})
