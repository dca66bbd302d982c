"""Links that land on the quoted sentence: a URL text fragment (`#:~:text=start,end`).

Current browsers scroll to the text a fragment names and highlight it; the chat's
served snapshot (`/site/`) reads the same fragment to mark the sentence for good.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote

from ..ingest.boilerplate import LIST_ITEM_MARK
from ..models import DOCUMENT_SUFFIXES
from .units import CELL

DIRECTIVE = ":~:"
EDGE_WORDS = 4  # words from each end of the quote that name it; shorter quotes go whole
# Characters the page shows differently from the indexed text: list bullets and the
# cell separator are ours, not the page's, so a fragment must not ask for them.
HAS_WORD = re.compile(r"\w")
NOT_ON_PAGE = re.compile("|".join(re.escape(m.strip()) for m in (LIST_ITEM_MARK, CELL)))


def _encode(text: str) -> str:
    """Percent-encode a fragment term; "-", "," and "&" are the directive's own syntax."""
    return quote(text, safe="").replace("-", "%2D")


@lru_cache(maxsize=8192)  # quotes are passages' pieces, cited again and again
def text_fragment(quote_text: str) -> str:
    """The `:~:text=` directive for a quoted piece: its first and last words, so the
    browser matches the whole piece across any markup inside it."""
    # A lone bracket or stop is where extraction spaced out inline markup ("crime
    # commissioners )."): the page has none there, so the fragment leaves it out.
    words = [w for w in NOT_ON_PAGE.sub(" ", quote_text).split() if HAS_WORD.search(w)]
    if not words:
        return ""
    if len(words) <= 2 * EDGE_WORDS:
        return f"{DIRECTIVE}text={_encode(' '.join(words))}"
    start, end = " ".join(words[:EDGE_WORDS]), " ".join(words[-EDGE_WORDS:])
    return f"{DIRECTIVE}text={_encode(start)},{_encode(end)}"


def without_fragment(url: str) -> str:
    """The URL less any text directive (the anchor stays)."""
    base, _, _ = url.partition(DIRECTIVE)
    return base.rstrip("#")


def with_fragment(url: str, quote_text: str) -> str:
    """The URL pointing at `quote_text`: `page#anchor:~:text=...` (or `page#:~:text=...`).
    A document's URL (`report.pdf#page=3`) stays as it is: its viewer finds no text."""
    base = without_fragment(url)
    if base.split("#")[0].lower().endswith(DOCUMENT_SUFFIXES):
        return base
    directive = text_fragment(quote_text)
    if not directive:
        return base
    return f"{base}{directive}" if "#" in base else f"{base}#{directive}"
