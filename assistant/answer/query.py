"""Understand a question before searching: follow-ups, spelling, synonyms.

The result says what was searched for and why, so the answer can show the
assistant's reading of the question and any word it corrected.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from weakref import WeakKeyDictionary

import numpy as np

from ..index import embed
from ..index.search import SearchIndex
from ..text import STOP_WORDS, WORD, analyze, stem, tokens

SYNONYMS_FILE = "synonyms.txt"
SYNONYM_WEIGHT = 0.5  # an added equivalent counts half as much as a word typed

# A question that carries on from the one before ("and how long did it run?", "what
# about Kent?", "was that a grant?").
FOLLOW_UP_OPENINGS = re.compile(
    r"^\s*(and|also|but|so|what about|how about|what else|anything else|and what|then|"
    r"who else|which ones|tell me more|more on|is that|was that|were they|did they|does it|"
    r"did it)\b",
    re.I,
)
# Openings that carry on only in a short question ("why?", "any examples?"): "Why did
# Suffolk County Council spin out its libraries?" stands alone.
SHORT_OPENINGS = re.compile(r"^\s*(why|how come|any|examples?)\b", re.I)
# Words that point back at what was said before, whatever else the question names: "does
# that mean ...", "... referred patients to it?", "the Manchester one", "like that".
POINTS_BACK = re.compile(
    r"^\s*(?:does|did|is|was|are|were|would|will|could)\s+(?:that|this|it|they)\b"
    r"|\b(?:does|did|is|was|would|will|could)\s+that\b"
    r"|\b(?:to|for|from|about|with|of|in|on|by|into)\s+"
    r"(?:it|them|that|this|those|these|either|both)\s*[?.!]*\s*$"
    r"|\b(?:that|this|the\s+[\w-]+)\s+one\b(?!\s+of\b)"
    r"|\blike\s+(?:that|this|those)\b",
    re.I,
)
# A demonstrative that ends a question points back ("who paid for that?"); inside one it
# is as often a conjunction or "there is" ("evidence that arts ...", "is there a guide").
ENDS_POINTING = re.compile(r"\b(?:that|there|this|those)(?:\s+ones?)?\s*[?.!]*\s*$", re.I)
WHO_RAN = re.compile(r"\s*who\s+(?:actually\s+|really\s+)?(?:ran|runs|run)\b", re.I)
SELF_CONTAINED = 4  # the guidance's words a question naming something needs to stand alone
SPECIFIC = 10  # a term in fewer than one passage in this many names something specific
SUBJECT_MAX_CHARS = 120  # what a conversation carries from one answer to the next
# Questions about the present, which an archive of guidance cannot answer reliably.
ABOUT_NOW = re.compile(
    r"\b(today|tomorrow|(this|next|last) (financial |calendar |academic )?"
    r"(year|month|week|quarter|term|round)|current(ly)?|"
    r"now|nowadays|these days|at the moment|right now|latest|upcoming)\b",
    re.I,
)
# "a service we currently run", "our current contract": the asker's own situation, not a
# question about the present.
OWN_NOW = re.compile(r"\b(?:(?:we|I|they)\s+(?:currently|now)|our current)\b", re.I)
YEAR = re.compile(r"\b(19|20)\d\d\b")
# "after 2013", "before 2016": a year that bounds a period rather than names the one
# asked about, so an answer need not mention it; "after" and "since" look forward from it.
BOUNDING = re.compile(r"\b(after|since|post|before|until|till|pre|prior to)\s*-?\s*$", re.I)
FORWARD = frozenset(("after", "since", "post"))
FOLLOW_UP_PRONOUNS = frozenset(
    "it its they them their theirs this these those he him his she her".split()
)


@dataclass(frozen=True)
class Query:
    question: str  # as typed
    reading: str  # what was searched: for a follow-up, the subject it refers to and the question
    terms: Counter = field(compare=False)  # analysed terms with their weights
    corrections: tuple[tuple[str, str], ...] = ()  # (typed, corrected)
    follow_up: bool = False
    context: str = ""  # for a follow-up: the subject of the answer before
    shifted: bool = False  # the context is that subject with the question's name in place
    expanded_with: tuple[str, ...] = ()  # synonyms and acronyms added
    # (terms typed, equivalent terms): a passage with the equivalent covers the typed ones.
    alternatives: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()
    about_now: bool = False  # asks what is current ("this year", "now")
    years: tuple[str, ...] = ()  # years the question names: an answer must mention them
    bounds: tuple[str, ...] = ()  # ... except those that bound a period ("until 2016")
    onwards: tuple[str, ...] = ()  # of those, the years it asks about what came after
    vector: np.ndarray | None = field(default=None, compare=False)  # for hybrid search
    # The question's own words, without a follow-up's context: what picks the sentences
    # that answer it, once the context has found the passages ("who paid for it?" after
    # Artlift wants the sentence about paying, not every sentence naming Artlift).
    own_terms: frozenset[str] = frozenset()
    own_vector: np.ndarray | None = field(default=None, compare=False)

    def covered_by(self, present: set[str]) -> set[str]:
        """The query's terms that a passage with `present` terms covers (an alternative's
        typed and equivalent terms are all among the query's terms)."""
        held = self.holds(present)
        return {t for t in self.terms if t in held}

    def holds(self, present: frozenset[str]) -> frozenset[str]:
        """`present` with the terms of each alternative whose equivalent it holds: a
        query term is among them exactly when `covered_by(present)` has it, without
        going through every term of the query (this runs for every piece scored)."""
        held = present
        for typed, equivalent in self._equivalents:
            if equivalent <= present:
                held = held.union(typed, equivalent)
        return held

    @cached_property
    def _equivalents(self) -> tuple[tuple[tuple[str, ...], frozenset[str]], ...]:
        """The alternatives with their equivalent terms as a set: made once, where
        `covered_by` is asked about every piece of every passage retrieved."""
        return tuple((typed, frozenset(equivalent)) for typed, equivalent in self.alternatives)


def _bound(question: str, year: re.Match) -> str:
    """The word before a year that bounds a period ("after", "until"), or ""."""
    found = BOUNDING.search(question, 0, year.start())
    return found.group(1).lower() if found else ""


def read_synonyms(path: Path) -> list[tuple[str, ...]]:
    """Read an editors' synonyms file: one group of equivalent phrases a line,
    separated by commas; `#` starts a comment."""
    if not path.is_file():
        return []
    groups = []
    for line in path.read_text("utf-8").splitlines():
        phrases = [p.strip() for p in line.split("#")[0].split(",") if p.strip()]
        if len(phrases) > 1:
            groups.append(tuple(phrases))
    return groups


def is_follow_up(question: str, index: SearchIndex) -> bool:
    """True for a question that cannot stand alone: it opens like a continuation ("and
    how long did it run?", "any examples?"), points back ("does that mean ...?", "who
    funded the Manchester one?"), leans on a pronoun ("who paid for it?") without naming
    its own subject, or names nothing specific ("who delivered the sessions?").

    A question that names its subject in several of the guidance's words stands alone
    though it has a pronoun ("Why did Suffolk County Council spin out its libraries?"):
    asked after another question, 298 of the 686 standalone development questions were
    read as follow-ups of it, and every key fact of those with facts fell from 0.479
    alone to 0.420; now 104 are, and 0.452, while 100 of the 101 follow-ups still are.
    """
    if FOLLOW_UP_OPENINGS.match(question) or POINTS_BACK.search(question):
        return True
    words = tokens(question)
    known = [t for t in analyze(question) if t in index.vocabulary]
    if SHORT_OPENINGS.match(question) and len(known) <= 2:
        return True
    # (A name typed small, "kent pilot results?", counts here: a change of subject. What
    # the answer is about is still taken from its page, which names it better.)
    named = names_something(question, index) or not _proper_names(index).isdisjoint(words)
    leans = FOLLOW_UP_PRONOUNS.intersection(words) or ENDS_POINTING.search(question)
    if leans and not (named and len(known) >= SELF_CONTAINED):
        return True
    return len(known) <= 1 or (len(words) <= 8 and not named)


# A capitalised word after a space that does not follow a sentence's end ("in Kent",
# not "... our town. Are there ...").
NAME_INSIDE = re.compile(r"(?<![.!?:\s])\s+[A-Z][A-Za-z]+")


# Each index's proper names as typed in lower case, made once: see _proper_names.
_NAMES: WeakKeyDictionary[SearchIndex, frozenset[str]] = WeakKeyDictionary()


def _proper_names(index: SearchIndex) -> frozenset[str]:
    """Words the guidance's titles and headings always capitalise after their first word
    and that are not everyday English ("kent", "artlift", "torbay"): names, even typed
    in lower case ("kent pilot results?")."""
    names = _NAMES.get(index)
    if names is None:
        capital, small = set(), set()
        labels = {p.title for p in index.passages}
        labels.update(h for p in index.passages for h in p.heading_path)
        for label in labels:
            for i, word in enumerate(re.findall(r"[A-Za-z][A-Za-z'’-]*", label)):
                if i and word[0].isupper() and not word.isupper():
                    capital.add(word.lower())
                elif word.islower():
                    small.add(word)
        names = _NAMES[index] = frozenset(
            w for w in capital - small if len(w) > 2 and w not in STOP_WORDS and not everyday(w)
        )
    return names


def names_something(question: str, index: SearchIndex) -> bool:
    """True when a question names something of its own: a capitalised name or acronym
    inside a sentence (not the capital that starts one), or a word that is neither
    everyday English nor common in the guidance ("prescribing", "consortium"; not
    "sessions" or "examples")."""
    if NAME_INSIDE.search(question.strip()):
        return True
    rare = 1 + math.log(SPECIFIC)  # the smoothed idf of a term in one passage in SPECIFIC
    for word in tokens(question):
        term = stem(word)
        if term in index.vocabulary and index.term_weight(term) > rare and not everyday(word):
            return True
    return False


@lru_cache(maxsize=65_536)
def everyday(word: str) -> bool:
    """True for a word the embedding's vocabulary holds whole: everyday English."""
    try:
        return embed.embedder().is_common_word(word)
    except embed.EmbeddingUnavailable:
        return False


def correct_spelling(question: str, index: SearchIndex) -> tuple[str, list[tuple[str, str]]]:
    """Replace words the index has never seen with the closest word it has seen."""
    corrections = []
    if not index.words:
        return question, corrections
    known = _CORRECTIONS.setdefault(index, {})
    if all(known.get(word.lower(), "") is None for word in SPELLED.findall(question)):
        return question, corrections  # every word decided before, none to correct

    def fix(match: re.Match) -> str:
        word = match.group(0)
        lower = word.lower()
        best = known.get(lower, "")  # "": not decided yet; None: leave as typed
        if best == "":
            if len(known) >= 100_000:
                known.clear()
            best = known[lower] = _closest_word(lower, index)
        if best is None:
            return word
        corrections.append((word, best))
        return best

    return SPELLED.sub(fix, question), corrections


SPELLED = re.compile(r"[A-Za-z][A-Za-z'’]+")  # a word spelling correction looks at


# Each index's spelling decisions, by lower-case word: the same words recur in questions
# and comparing with similar words costs far more than looking up the decision.
_CORRECTIONS: WeakKeyDictionary[SearchIndex, dict[str, str | None]] = WeakKeyDictionary()


# Each index's words by first letter and length, so a spelling check compares a word
# with the few that could be it rather than every word.
_BUCKETS: WeakKeyDictionary[SearchIndex, dict[tuple[str, int], list[str]]] = WeakKeyDictionary()


def similar_words(word: str, index: SearchIndex) -> list[str]:
    """The index's words that could be `word` misspelt: same first letter, length
    within two."""
    buckets = _BUCKETS.get(index)
    if buckets is None:
        buckets = {}
        for w in index.words:
            buckets.setdefault((w[0], len(w)), []).append(w)
        _BUCKETS[index] = buckets
    return [w for n in range(len(word) - 2, len(word) + 3) for w in buckets.get((word[:1], n), ())]


def _english(word: str) -> bool:
    """A word to leave as typed though the guidance never uses it: everyday English,
    or an inflection of it ("fees", "parking"), or a contraction ("we're", "can't").
    Corrected to the guidance's nearest words, "cold email" read "could email", "MEAT"
    "meant", "weather" "whether" and "we're" "were" (59 of the development
    questions); the misspellings corrected ("perscription", "comissioned") are none of
    these."""
    if "'" in word or "’" in word:
        return True
    bases = [word] + [
        word[: -len(ending)]
        for ending in _ENDINGS
        if word.endswith(ending) and len(word) - len(ending) >= 3
    ]
    return any(everyday(base) for base in bases)


_ENDINGS = ("s", "es", "ed", "d", "ing", "ly", "er", "ers")


def _closest_word(lower: str, index: SearchIndex) -> str | None:
    """The index's closest word to an unknown `lower`, or None to leave it as typed."""
    vocabulary = index.words
    if (
        len(lower) < 4
        or lower in STOP_WORDS
        or lower in vocabulary
        or stem(lower) in index.vocabulary
        or lower.isdigit()
        or _english(lower)
    ):
        return None
    close = difflib.get_close_matches(lower, similar_words(lower, index), n=3, cutoff=0.84)
    if not close:
        return None
    return max(
        close, key=lambda w: (difflib.SequenceMatcher(None, lower, w).ratio(), vocabulary[w])
    )


def expand_synonyms(
    text: str, groups: Sequence[tuple[str, ...]], analysed_text: list[str] | None = None
) -> list[tuple[tuple[str, ...], str]]:
    """Return (terms found, equivalent phrase) for each synonym group with a phrase in
    `text`, one pair per equivalent the text does not already contain. `analysed_text`
    is `analyze(text)`, when the caller has it already."""
    if analysed_text is None:
        analysed_text = analyze(text)
    present = set(analysed_text)
    joined = " " + " ".join(analysed_text) + " "
    pairs = []
    for group, analysed, first_terms in _analysed_groups(tuple(groups)):
        if present.isdisjoint(first_terms):  # no phrase of the group can be in the text
            continue
        found = [a for a in analysed if a and f" {a} " in joined]
        if found:
            typed = tuple(found[0].split())
            pairs += [
                (typed, phrase)
                for phrase, a in zip(group, analysed, strict=True)
                if a and f" {a} " not in joined
            ]
    return pairs


@lru_cache(maxsize=16)
def _analysed_groups(
    groups: tuple[tuple[str, ...], ...],
) -> tuple[tuple[tuple[str, ...], tuple[str, ...], frozenset[str]], ...]:
    """Each group with its phrases analysed and the first term of each: worked out once
    per synonyms list, as every question is checked against every group."""
    out = []
    for group in groups:
        analysed = tuple(" ".join(analyze(phrase)) for phrase in group)
        out.append((group, analysed, frozenset(a.split()[0] for a in analysed if a)))
    return tuple(out)


# "and Gloucestershire?", "what about in Derby?", "and the Torbay one?": a question that
# only names something, asking what was asked before about something else.
ONLY_NAMES = re.compile(
    r"^\s*(?:(?:and|but|so)\s+)?(?:(?:what|how)\s+about|and)\s+(.+?)[\s?.!]*$", re.I
)
# What such a question holds around its name.
ELLIPSIS_WORDS = frozenset("in at for from on of with and the a an one ones too as well".split())


def shift_subject(context: str, question: str) -> str | None:
    """The subject of the last answer with its names replaced by the one `question`
    names, when the question only names something ("and the Gloucestershire one?" after
    the Kent commissioner pilot: the Gloucestershire commissioner pilot); else None.
    Read as a contrast, the new name takes the old one's place rather than joining it,
    so the search is for the Gloucestershire pilot, not for pages naming both."""
    match = ONLY_NAMES.match(question)
    if not match:
        return None
    words = WORD.findall(match.group(1))
    at = [i for i, w in enumerate(words) if w.lower() not in ELLIPSIS_WORDS]
    if not at or len(at) > 4 or not all(_name_like(words[i], question) for i in at):
        return None
    name = words[at[0] : at[-1] + 1]  # "Suffolk and Cambridgeshire", "Gloucestershire"
    context_words = WORD.findall(context)
    kept = [w for i, w in enumerate(context_words) if not _context_name(w, i)]
    if len(kept) == len(context_words):
        return None  # nothing in the subject for the name to replace
    while kept and kept[0].lower() in STOP_WORDS:
        kept.pop(0)
    return " ".join(name + kept)[:SUBJECT_MAX_CHARS]


def _name_like(word: str, question: str) -> bool:
    """A name: capitalised, or in a question typed all in lower case, not everyday
    English ("gloucestershire", not "evaluation")."""
    if word[:1].isupper():
        return True
    return question == question.lower() and word.isalpha() and not everyday(word)


def _context_name(word: str, position: int) -> bool:
    """A name in a subject: a capitalised word that is not a leading "The" or "We're"."""
    return word[:1].isupper() and not (position == 0 and all(t in STOP_WORDS for t in tokens(word)))


def prepare(question: str, index: SearchIndex, previous: list[str] | None = None) -> Query:
    """Turn a question into what to search. `previous` holds the subjects of the
    conversation's earlier answers, oldest first: a follow-up is read as being about
    the last one ("who paid for it?" after an answer about Artlift searches for
    "Artlift: who paid for it?"), never with the whole history pasted in."""
    corrected, corrections = correct_spelling(question, index)
    follow_up = bool(previous) and is_follow_up(corrected, index)
    context = previous[-1][:SUBJECT_MAX_CHARS] if follow_up and previous else ""
    shifted = shift_subject(context, corrected) if context else None
    context = shifted or context
    reading = f"{context}: {corrected}" if follow_up else corrected
    analysed = analyze(reading)  # read once, for the terms, synonyms and own terms
    terms: Counter = Counter(analysed)
    pairs = expand_synonyms(reading, index.synonyms, analysed)
    alternatives = []
    for typed, phrase in pairs:
        equivalent = tuple(analyze(phrase))
        alternatives.append((typed, equivalent))
        for term in equivalent:
            terms[term] = max(terms[term], SYNONYM_WEIGHT)
    if WHO_RAN.match(corrected):
        # "Who ran X?" asks who led it; the guidance's "ran" says how long things ran
        # ("the pilots ran from September 2014"), and found those first.
        terms["run"] = min(terms["run"], SYNONYM_WEIGHT)
        terms["lead"] = max(terms["lead"], 1)
    vector = index.embed_query(reading)
    own = follow_up and shifted is None
    years = [(m.group(0), _bound(corrected, m)) for m in YEAR.finditer(corrected)]
    return Query(
        question=question,
        reading=reading,
        terms=terms,
        corrections=tuple(corrections),
        follow_up=follow_up,
        context=context,
        shifted=shifted is not None,
        expanded_with=tuple(phrase for _, phrase in pairs),
        alternatives=tuple(alternatives),
        about_now=bool(ABOUT_NOW.search(OWN_NOW.sub(" ", corrected))),
        years=tuple(year for year, _ in years),
        bounds=tuple(year for year, bound in years if bound),
        onwards=tuple(year for year, bound in years if bound in FORWARD),
        vector=vector,
        # A shifted subject is all the question asks about: it has no words of its own.
        own_terms=frozenset(analyze(corrected) if own else analysed),
        own_vector=index.embed_query(corrected) if own else vector,
    )
