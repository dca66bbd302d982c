"""Questions the guidance should not answer, and where to send people instead.

Editors keep the pointers in `referrals.toml` beside the pages (see the file in
`corpus/` for the format). A question that uses one of a referral's phrases is
declined with the referral's reason and links, before any passage is quoted: personal
contact details, other funders' schemes, legal and tax advice are for someone else to
answer, however well some passage happens to match their words.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from ..models import Link, Referral
from ..text import fold

REFERRALS_FILE = "referrals.toml"


class ReferralsInvalid(ValueError):
    """The referrals file cannot be used; the message says where and why."""


def read_referrals(path: Path) -> list[Referral]:
    """Read an editors' referrals file; no file means no referrals."""
    if not path.is_file():
        return []
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ReferralsInvalid(f"{path}: {exc}") from None
    referrals = []
    for n, entry in enumerate(data.get("referral", []), 1):
        where = f"{path}, referral {n}"
        try:
            links = tuple(Link(str(k["title"]), str(k["url"])) for k in entry.get("links", []))
            referral = Referral(
                str(entry["name"]),
                str(entry["reason"]).strip(),
                tuple(str(p) for p in entry["phrases"]),
            )
        except (KeyError, TypeError) as exc:
            raise ReferralsInvalid(f"{where}: needs name, reason and phrases ({exc})") from None
        if not referral.phrases or not referral.reason:
            raise ReferralsInvalid(f"{where}: reason and phrases must not be empty")
        for link in links:
            if not re.match(r"https?://", link.url):
                raise ReferralsInvalid(f"{where}: link {link.url!r} is not an http(s) address")
        referrals.append(Referral(referral.name, referral.reason, referral.phrases, links))
    return referrals


def referral_for(question: str, referrals: tuple[Referral, ...]) -> Referral | None:
    """The first referral with a phrase in the question, if any."""
    text = fold(question)
    if not referrals or not _any_pattern(referrals).search(text):
        return None  # as for most questions: one search shows it, not one a referral
    for referral in referrals:
        if _pattern(referral.phrases).search(text):
            return referral
    return None


_PATTERNS: dict[tuple[str, ...], re.Pattern] = {}


def _pattern(phrases: tuple[str, ...]) -> re.Pattern:
    """Phrases as whole words, any case; a `*` ends a word with anything ("deadline*")."""
    found = _PATTERNS.get(phrases)
    if found is None:
        parts = []
        for phrase in phrases:
            words = [re.escape(w).replace(r"\*", r"\w*") for w in fold(phrase).split()]
            parts.append(r"\s+".join(words))
        found = _PATTERNS[phrases] = re.compile(r"\b(?:" + "|".join(parts) + r")(?!\w)")
    return found


# Each referrals tuple (one an index) with one pattern for all their phrases, by id: a
# tuple of referrals takes longer to hash than the search it would save. Each entry
# keeps its tuple, so an id is not reused while it is here.
_ANY: dict[int, tuple[tuple[Referral, ...], re.Pattern]] = {}
_ANY_MAX = 16


def _any_pattern(referrals: tuple[Referral, ...]) -> re.Pattern:
    """A pattern that matches where any of the referrals' patterns matches."""
    found = _ANY.get(id(referrals))
    if found is None or found[0] is not referrals:
        if len(_ANY) >= _ANY_MAX:
            _ANY.clear()
        either = "|".join(f"(?:{_pattern(r.phrases).pattern})" for r in referrals)
        found = _ANY[id(referrals)] = referrals, re.compile(either)
    return found[1]
