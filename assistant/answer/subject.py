"""What an answer was about, for a follow-up to refer to.

A conversation carries only this subject from one answer to the next ("Artlift: who
paid for it?"), so it should name one thing: what the question named, in the words a
page's title uses for it when it names a page, else the page the answer opened with.
"""

from __future__ import annotations

import re
from weakref import WeakKeyDictionary

from ..index.search import SearchIndex
from ..models import Passage
from ..text import STOP_WORDS, WORD, tokens
from . import kinds
from .query import FOLLOW_UP_PRONOUNS, SUBJECT_MAX_CHARS, Query, names_something
from .select import Unit


def answer_subject(
    query: Query, kind: kinds.QuestionKind, units: list[Unit], index, first_part: str
) -> str:
    """What the answer was about, for a follow-up to refer to: what the question named
    (a definition's subject, or its own words when it names something specific), else
    the page the answer opened with; a follow-up keeps the subject it was read with.
    `first_part` is the first thing the question asks (see `kinds.parts`)."""
    if kind.subject:
        return kind.subject[:SUBJECT_MAX_CHARS]
    named = names_something(query.question, index)
    if query.follow_up and query.context and (query.shifted or not named or _refers_back(query)):
        return query.context
    page = _named_page(query.question, index)
    if page:
        return page
    if named and _content(first_part).strip():
        return question_subject(first_part)
    # An asking part of only small words ("I heard Kent council paid for ... What was
    # that about?") names nothing to carry: what the answer opened with is the subject.
    return _answer_subject(units[0].hit.passage) if units else question_subject(first_part)


def _refers_back(query: Query) -> bool:
    """A follow-up that points back with a pronoun ("how many GP practices referred
    patients to it?") is still about what it points to, whatever else it names."""
    return not FOLLOW_UP_PRONOUNS.isdisjoint(tokens(query.question))


def _named_page(question: str, index: SearchIndex) -> str:
    """The longest name of a page's subject that the question holds, as the page's
    title writes it ("museums on prescription - which museums took part?": "Museums on
    Prescription"): a title names what the site treats as one thing, which the
    question's own words, cut to its first asking part, often lose. Names are compared
    by their content words ("the Cultural Consortium for Wellbeing in York")."""
    pattern, names = _page_names(index)
    found = pattern.findall(_content(question)) if pattern else []
    return names[max(found, key=len)] if found else ""


def _content(text: str) -> str:
    return " " + " ".join(t for t in tokens(text) if t not in STOP_WORDS) + " "


# Titles that ask something ("What is commissioning?") name no one thing.
_QUESTION_TITLE = re.compile(r"^(what|who|why|how|when|where|which)\b", re.I)
_PAGE_NAMES: WeakKeyDictionary[SearchIndex, tuple[re.Pattern | None, dict[str, str]]] = (
    WeakKeyDictionary()
)


def _page_names(index: SearchIndex) -> tuple[re.Pattern | None, dict[str, str]]:
    """One pattern matching the content words of every page's name, longest first, and
    each name by them; made once per index."""
    known = _PAGE_NAMES.get(index)
    if known is None:
        names: dict[str, str] = {}
        for title in sorted({p.title for p in index.passages}):
            name = kinds.title_name(title)
            words = _content(name).strip()
            if len(words) >= 4 and not _QUESTION_TITLE.match(name):
                names.setdefault(words, name)
        longest_first = sorted(names, key=len, reverse=True)
        alternatives = "|".join(re.escape(n) for n in longest_first)
        pattern = re.compile(rf"(?<= )(?:{alternatives})(?= )") if names else None
        known = _PAGE_NAMES[index] = (pattern, names)
    return known


def _answer_subject(passage: Passage) -> str:
    """What an answer was about, for a follow-up to refer to: the title of the page it
    opened with, by its name (`kinds.title_name`: "Artlift: arts on prescription ..." ->
    "Artlift")."""
    return kinds.title_name(passage.title)[:SUBJECT_MAX_CHARS]


# "Who ran the programme?": the verb after "who"; "When did the second phase start?": the
# verb a do-question ends with. Neither is what the question is about.
_WHO_VERB = re.compile(r"^\s*who\s+([a-z]+)\b")
_DO_QUESTION = re.compile(r"^\s*(what|when|where|why|how|which)\b.*\b(do|does|did)\b", re.I)


def question_subject(question: str) -> str:
    """A question's own words, less the ones that only frame it and its main verb;
    `question` is the first thing it asks (`kinds.parts(question)[0]`)."""
    found = list(WORD.finditer(question))
    words = [m.group(0) for m in found]
    dropped = set()
    verb = _WHO_VERB.match(question.lower())
    if verb:
        dropped.add(next(i for i, w in enumerate(words) if w.lower() == verb.group(1)))
    elif _DO_QUESTION.match(question) and words and words[-1].islower():
        dropped.add(len(words) - 1)
    kept = [i for i, w in enumerate(words) if i not in dropped and w.lower() not in STOP_WORDS]
    if not kept:
        return " ".join(words[:10])[:SUBJECT_MAX_CHARS]
    # Said as the question says it, from its first word kept to its tenth: a follow-up
    # shows what it was read as ("examples of arts groups that got paid by the council:
    # how did they show it was working?", not "examples arts groups got paid council:
    # ..."), and search drops the small words either way.
    kept = kept[:10]
    while len(kept) > 1 and found[kept[-1]].end() - found[kept[0]].start() > SUBJECT_MAX_CHARS:
        kept.pop()
    return question[found[kept[0]].start() : found[kept[-1]].end()][:SUBJECT_MAX_CHARS]
