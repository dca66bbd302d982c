"""A cited section shown beside the chat, its quoted piece marked; and the served
snapshot's pages marked the same way, with a way back to the assistant."""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, render_template, request
from markupsafe import Markup

from assistant.answer.compose import link_to

from . import settings_of
from .service import index_or_none

bp = Blueprint("preview", __name__)

# Added to each HTML page served under /site/: the script that marks the quoted
# sentence (read from the link's text fragment) and the way back to the chat.
SITE_HEAD = '<link rel="stylesheet" href="{css}"><script src="{js}" defer></script>'
SITE_BODY = (
    '<nav class="ccp-back" aria-label="Assistant"><a href="{home}">Back to the assistant</a></nav>'
)
HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)
BODY_START = re.compile(rb"<body\b[^>]*>", re.IGNORECASE)


def _offset(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() else None


def blocks(text: str, start: int | None, end: int | None) -> list[tuple[str, str, str]]:
    """The passage's blocks (one a line), each as (before, quoted, after) around the
    part of [start, end) that falls in it."""
    out, offset = [], 0
    for block in text.split("\n"):
        stop = offset + len(block)
        if start is None or end is None or end <= offset or start >= stop:
            out.append((block, "", ""))
        else:
            a, b = max(start, offset) - offset, min(end, stop) - offset
            out.append((block[:a], block[a:b], block[b:]))
        offset = stop + 1
    return out


@bp.get("/preview/<passage_id>")
def preview(passage_id: str):
    """The cited section as an HTML fragment for the chat's side panel: `start` and
    `end` (offsets in the passage) mark the quoted piece."""
    index = index_or_none()
    passage = index.by_id.get(passage_id) if index is not None else None
    if passage is None:
        abort(404)
    start, end = _offset("start"), _offset("end")
    quote = (start, end) if start is not None and end is not None and start < end else None
    return render_template(
        "preview.html",
        passage=passage,
        blocks=blocks(passage.text, *(quote or (None, None))),
        url=link_to(passage, settings_of(current_app).base_url, quote),
    )


def annotate(page: bytes, css: str, js: str, home: str) -> bytes:
    """A snapshot page with the quote-marking script and the link back to the chat."""
    head = SITE_HEAD.format(css=css, js=js).encode()
    body = SITE_BODY.format(home=Markup.escape(home)).encode()
    page, found = HEAD_END.subn(lambda m: head + m.group(0), page, count=1)
    if not found:
        return page
    return BODY_START.sub(lambda m: m.group(0) + body, page, count=1)
