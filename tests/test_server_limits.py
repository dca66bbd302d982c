"""What one client, or a crowd of slow ones, can take from the production server."""

import json
import socket

import pytest
from flask import Flask

from web import configure

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


@pytest.mark.parametrize("value", ["many", 0, True, 10**10])
def test_a_bad_server_setting_is_named_at_start_up(value):
    with pytest.raises(ValueError, match="CCP_MAX_CONTENT_LENGTH must be a whole number"):
        configure(Flask(__name__), {"MAX_CONTENT_LENGTH": value})
