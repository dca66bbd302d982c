"""Ways on from an answer: questions the guidance is known to answer.

Each answer suggests questions made from the headings of the sections beside the ones
it cites; a declined question gets "did you mean" rewrites (a corrected or unknown word
swapped for a close word the guidance uses). Every question offered has been answered first,
with the same settings and in the conversation it will be asked in, so asking it gets
an answer rather than "not covered".
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Hashable
from weakref import WeakKeyDictionary

from ..index.search import SearchIndex
from ..models import Answer, Passage
from ..text import STOP_WORDS
from .query import is_follow_up, similar_words

# Answers a question with the server's settings, after the given subjects (the
# conversation so far, for a follow-up's reading).
Ask = Callable[[str, list[str]], Answer]
LIMIT = 3
CLOSE = 0.75  # looser than spelling correction's 0.84: these are offered, not applied
CACHE_LIMIT = 50_000
# Per index: (question, settings key, subject it follows) -> the passages its answer
# cites, or None when it is declined. Suggestions recur; each costs a whole answer.
_ANSWERS: WeakKeyDictionary[SearchIndex, dict[tuple, frozenset | None]] = WeakKeyDictionary()


def cited_by(
    question: str, index: SearchIndex, ask: Ask, key: Hashable, after: str | None = None
) -> frozenset | None:
    """The passage ids the question's answer cites, or None when it is declined.

    A question that reads as a follow-up is answered after `after` (the subject of the
    answer that offers it, what it will be read with when asked next); with no `after`
    it counts as declined, since its answer would depend on the conversation."""
    follows = is_follow_up(question, index)
    if follows and after is None:
        return None
    previous = [after] if follows and after else []

    def cites() -> frozenset | None:
        result = ask(question, previous)
        return None if result.no_answer else frozenset(c.passage_id for c in result.citations)

    return _kept(_ANSWERS, index, (question, key, tuple(previous)), cites)


def did_you_mean(
    result: Answer, index: SearchIndex, ask: Ask, key: Hashable = None
) -> tuple[str, ...]:
    """For a declined answer: the question with its corrected or unknown words replaced
    by the likeliest close words of the guidance, where that gets an answer; failing
    that, with one word at a time replaced by each of its close words."""
    if not result.no_answer or result.referral is not None:
        return ()
    # What the rewrites are made from: the same again gets the same rewrites, without
    # looking for close words (difflib) and checking them again.
    entry = ("did you mean", result.question, result.corrections, result.unmatched_terms)
    entry += (result.subject, key)
    return _kept(_OFFERED, index, entry, lambda: _did_you_mean(result, index, ask, key))


def _did_you_mean(result: Answer, index: SearchIndex, ask: Ask, key: Hashable) -> tuple[str, ...]:
    swaps = [(typed, fixed) for typed, fixed in result.corrections]
    for word in result.unmatched_terms:  # lower-cased: find it as typed
        found = re.search(rf"\b{re.escape(word)}\b", result.question, re.I)
        swaps.append((found.group(0) if found else word, word))
    options = [(typed, _close(typed, used, index)) for typed, used in swaps]
    together = _swap(result.question, [(t, words[0]) for t, words in options if words])
    if (
        together != result.question
        and cited_by(together, index, ask, key, result.subject) is not None
    ):
        return (together,)
    offered: list[str] = []
    for typed, words in options:
        for word in words:
            question = _swap(result.question, [(typed, word)])
            if (
                question not in offered
                and cited_by(question, index, ask, key, result.subject) is not None
            ):
                offered.append(question)
            if len(offered) == LIMIT:
                return tuple(offered)
    return tuple(offered)


def _close(typed: str, used: str, index: SearchIndex) -> list[str]:
    """Words of the guidance spelt like `typed`, other than the one already tried, in
    the typed word's case ("JSMA" -> "JSNA", "Kemt" -> "Kent"), closest and commonest
    first."""
    lower = typed.lower()
    words = difflib.get_close_matches(lower, similar_words(lower, index), n=4, cutoff=CLOSE)
    # Equally close, the word the guidance uses more is the likelier one ("Kent", not "kept").
    words = sorted(
        (w for w in words if w not in (lower, used.lower())),
        key=lambda w: (-difflib.SequenceMatcher(None, lower, w).ratio(), -index.words.get(w, 0)),
    )
    if typed.isupper() and len(typed) > 1:
        return [w.upper() for w in words]
    return [w.capitalize() for w in words] if typed[:1].isupper() else words


def _swap(question: str, swaps: list[tuple[str, str]]) -> str:
    for typed, word in swaps:
        question = re.sub(rf"\b{re.escape(typed)}\b", word, question, count=1, flags=re.I)
    return question


QUESTION_OPENINGS = frozenset(
    "what why how who when where which whose is are was were can could do does did should "
    "will has have".split()
)
AUXILIARIES = frozenset(
    "is are was were do does did can could should would will has have had might must".split()
)
DETERMINERS = frozenset("the a an this that these those its their his her our your my".split())
STEPS = ((1, -1), (2, -2))  # the sections next to a cited one first, then the next but one
TRIED = 9  # sections whose questions one answer may try: each new one costs an answer
# Per index: passage row by id (a page's passages are consecutive, in page order), and
# (passage id, settings key) -> its verified question or None.
_ROWS: WeakKeyDictionary[SearchIndex, dict[str, int]] = WeakKeyDictionary()
_QUESTIONS: WeakKeyDictionary[SearchIndex, dict[tuple, str | None]] = WeakKeyDictionary()
# Per index: the ways on offered, by what they are made from (see did_you_mean and
# suggestions): most answers offer what an earlier one did, and finding them again,
# every pre-answer cached, still costs the candidates and the close words each time.
_OFFERED: WeakKeyDictionary[SearchIndex, dict[tuple, tuple[str, ...]]] = WeakKeyDictionary()


def _kept(store: WeakKeyDictionary, index: SearchIndex, entry: Hashable, make: Callable):
    """What `store` keeps for `entry` on this index, made (and kept) the first time; at
    CACHE_LIMIT entries an index's store starts again."""
    kept = store.setdefault(index, {})
    if entry not in kept:
        if len(kept) >= CACHE_LIMIT:
            kept.clear()
        kept[entry] = make()
    return kept[entry]


def suggestions(
    result: Answer, index: SearchIndex, ask: Ask, key: Hashable = None
) -> tuple[str, ...]:
    """Up to three questions to ask next, from the sections beside the ones cited (for a
    declined question, from its nearest sections and theirs), each known to be answered
    from its section whatever the conversation."""
    cited = frozenset(c.passage_id for c in result.citations)
    around = tuple(c.passage_id for c in (result.nearest if result.no_answer else result.citations))
    asked = frozenset({result.question.strip().lower(), *(q.lower() for q in result.did_you_mean)})
    # What the suggestions are made from: the same again gets the same suggestions.
    entry = ("suggestions", result.no_answer, around, cited, asked, key)
    return _kept(
        _OFFERED,
        index,
        entry,
        lambda: _suggestions(result.no_answer, around, cited, asked, index, ask, key),
    )


def _suggestions(
    no_answer: bool,
    around: tuple[str, ...],
    cited: frozenset[str],
    asked: frozenset[str],
    index: SearchIndex,
    ask: Ask,
    key: Hashable,
) -> tuple[str, ...]:
    rows = _ROWS.get(index)
    if rows is None:
        rows = _ROWS[index] = {p.id: row for row, p in enumerate(index.passages)}
    candidates: list[int] = []
    for steps in ((0,), *STEPS) if no_answer else STEPS:
        for passage_id in around:
            row = rows.get(passage_id)
            for step in steps if row is not None else ():
                near = row + step
                if (
                    0 <= near < len(index.passages)
                    and index.passages[near].url == index.passages[row].url
                    and index.passages[near].id not in cited
                    and near not in candidates
                ):
                    candidates.append(near)
    offered: list[str] = []
    for row in candidates[:TRIED]:
        question = section_question(index.passages[row], index, ask, key)
        if question and question.lower() not in asked and question not in offered:
            offered.append(question)
            if len(offered) == LIMIT:
                break
    return tuple(offered)


def section_question(passage: Passage, index: SearchIndex, ask: Ask, key: Hashable) -> str | None:
    """A question made from the section's heading whose answer, asked alone, quotes
    this section; None when no phrasing does."""

    def verified() -> str | None:
        return next(
            (q for q in phrasings(passage) if passage.id in (cited_by(q, index, ask, key) or ())),
            None,
        )

    return _kept(_QUESTIONS, index, (passage.id, key), verified)


def phrasings(passage: Passage) -> list[str]:
    """The section's heading as questions, most natural first: as it stands when it
    asks already ("Why commission arts?", "Who wrote the report?") or says what it tells
    ("How the tender went", which a "?" would make no question), else what the guidance
    says about it; then scoped by the page's subject."""
    heading, title = passage.section.strip().rstrip("."), passage.title.strip()
    if not heading:
        return []
    if heading.endswith("?"):
        return [heading]
    asking = heading.split(":")[0].strip()  # "Who delivered the programme: NCVO, NPC ..."
    if asks(asking):
        out = [f"{asking}?"]
    elif asking.split()[0].lower() in QUESTION_OPENINGS:
        out = [asking]  # "How the tender went" reads well as it is, not with a "?"
    else:
        out = [f"What does the guidance say about {_in_sentence(asking, passage.text)}?"]
    subject = re.split(r"\s*(?::|\s[-–—]\s)", title, maxsplit=1)[0].rstrip("?")
    if heading != title and " " in subject and subject.lower() not in heading.lower():
        out.append(f"{subject}: {out[0][0].lower()}{out[0][1:]}")
    return out


def asks(heading: str) -> bool:
    """Whether a heading reads as a question as it stands ("What is commissioning", "Who
    wrote the report", "Is it worth it"), not as a clause ("What the advisory group did",
    "What Kent did", "Who the programme was for", "How far the programme had reached")."""
    words = heading.split()
    first = words[0].lower()
    if first in AUXILIARIES:
        return True
    if first not in QUESTION_OPENINGS or len(words) < 2:
        return False
    if first == "who":
        return words[1].islower() and words[1] not in DETERMINERS
    second = words[1].lower()  # "What is ...", "How much is ...", not "What Kent did"
    if second in ("much", "many", "long", "far", "often") and len(words) > 2:
        second = words[2].lower()
    return second in AUXILIARIES


def _in_sentence(heading: str, text: str) -> str:
    """The heading as it would read inside a sentence: its first word lower-cased unless
    it is a name (the section never writes it in lower case)."""
    words = heading.split()
    first = words[0]
    lower = first.lower()
    if (
        first != lower
        and (lower in STOP_WORDS or re.search(rf"\b{re.escape(lower)}\b", text))
        and not (first.isupper() and len(first) > 1)  # an acronym, but "A" is a word
        and not (len(words) > 1 and words[1][:1].isupper() and lower not in STOP_WORDS)
    ):  # (nor the first word of a name: "Mission Models Money")
        return lower + heading[len(first) :]
    return heading
