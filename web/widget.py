"""The embeddable widget: /widget.js, with the chat's styles built in, so one script tag
on another site brings the assistant (see static/widget.js)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, current_app

bp = Blueprint("widget", __name__)
PLACEHOLDER = '"/*STYLES*/"'


@lru_cache(maxsize=4)
def _widget(static: str) -> str:
    """The widget's script with its stylesheet (the chat's, then its own) as a string:
    a constructed stylesheet is the one kind a strict CSP on the host page allows."""
    folder = Path(static)
    styles = "\n".join((folder / name).read_text("utf-8") for name in ("chat.css", "widget.css"))
    return (folder / "widget.js").read_text("utf-8").replace(PLACEHOLDER, json.dumps(styles), 1)


@bp.get("/widget.js")
def widget():
    return Response(
        _widget(current_app.static_folder),
        mimetype="text/javascript",
        headers={"Cache-Control": "public, max-age=300"},
    )
