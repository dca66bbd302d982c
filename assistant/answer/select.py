"""Choose what an answer quotes: the piece that states the kind of answer asked for
first, then what supports it, each expanded to something that reads on its own (a
list with its lead-in, a table row with its headings, a sentence with the one its
pronoun leans on).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np

from ..index import embed
from ..index.counts import index_text
from ..models import Hit, Passage, said_key
from ..text import analyze, normalise_space
from . import kinds
from .query import Query
from .units import Group, layout

MAX_ITEMS = 8  # a list shows this many items, then "and N more"
MAX_ROWS = 6  # a table shows this many rows, then "and N more"
BARE_ADDRESS = re.compile(r"\s*(?:https?://|www\.)\S*\s*$")
SIGNPOST = re.compile(r"\s*(See|See also|Read more|For more|More on)\b", re.I)
# A sentence that opens by pointing back ("It was...", "They said...") or that says
# "there" of a place it does not name reads wrongly without the sentence before it.
LEANS_BACK = re.compile(
    r"\s*(It|Its|This|That|These|Those|They|Their|Them|He|She|His|Her|Such|Both|Here|"
    r"The latter|The former|The others?|Another|The same|The site|The figure|The above|"
    r"Also|However|But|In (?:that|this) sense|Put simply|In other words|As a result|"
    r"In practice|Second)\b"
)
# ... or that points back within its first words or through a pronoun's aside ("Very
# little of that money, it said, went to ...", "Marmot argued that most of these
# inequalities ..."; a blind reader preferred answers that did not open with them 3 to 1).
REFERS_BACK = re.compile(
    r"\W*(?:[\w'’-]+\s+){0,5}?(?:of|with|for|in|on|to|from|by|at|about)\s+(?:that|these|those)"
    r"\s+(?!who\b|which\b|whose\b|it\b|they\b|he\b|she\b|the\b|a\b|an\b)[a-z]"
    r"|[^.;:]{0,80},\s+(?:it|they|he|she)\s+(?:said|says|noted|notes|added|argued|wrote|found|"
    r"reported|explained|warned|suggested),"
)
# A short sentence announcing how many things follow, which the next sentence gives
# ("The JSNA has two purposes.", "NPC drew on several kinds of evidence.").
ANNOUNCES = re.compile(
    r"\s*(?:[\w'’-]+\s+){0,6}?(?:two|three|four|five|six|seven|several)\s+"
    r"(?:main\s+|key\s+|broad\s+|distinct\s+)?[a-z]+s\b[^.:;]{0,40}\.\s*$"
)
ANNOUNCES_WORDS = 12
# How a sentence ends; a line that does not end so is a title, subtitle or running line
# (in a PDF's front matter: "NEF's 2016 report for commissioners") or was cut off.
ENDS_SENTENCE = re.compile(r"[.!?:;)\]\"”’']\s*$")
# Sentences about the page rather than its subject ("This page covers ...").
META = re.compile(
    r"\s*(This|The other) (page|pages|section|case study|guide|news item|summary|glossary)s?\b"
    r"|.*\bpages? in this section\b"
    r"|.*\b(page|pages|section) (explains|explain|describes|describe|covers|cover|sets out|"
    r"lists|gives|shows)\b"
    r"|\s*(Definitions|Entries) (describe|explain|give|show)\b",  # a glossary's own note
    re.I,
)
# Sentences that read fine after the one before them but not first: "NEF also worked
# with HACT ..." (also what?), "Since October 2011 it has managed ..." (what is "it"?),
# and "Since the programme ended, ..." (a later note on something not yet said). They
# may support an answer, never open it (a blind reader preferred answers that did not
# open with them 19 to 5; quoting the sentence before with them read worse, 12 to 21).
NOT_OPENING = re.compile(
    r"\W*(?:[\w'’-]+\s+){1,3}also\b"
    r"|\s*Since the programme ended\b"
    r"|\s*(?:Since|With|In|After|From|By|During|Before|Under|Through|At|Over|Within|Until|As)\b"
    r"(?:\s+(?:[a-z][\w'’-]*|\d[\d/]*|" + kinds.MONTH + r")){1,6}?,?\s+(?:it|they|he|she)\s"
)
# Sentences about where a page stands in the site ("This is an example from the wider
# field ...", "It is included because it shows ..."): true, and an answer when asked.
PROVENANCE = re.compile(
    r"\s*(?:(?:This|It) is (?:an example|one of the programme's own)|It is only partly linked|"
    r"These are examples from the wider|"
    r"It (?:is included|appears here) because)"
)
THERE = re.compile(
    r"\bthere\b(?!\s+(is|are|was|were|have|has|had|will|would|may|might|could|can|should|"
    r"must|seem|seems|seemed|appear|appears|appeared|remain|remains|being|been|be)\b)",
    re.I,
)
# How much each signal counts in a piece's score (see `_score`).
SEMANTIC = 0.5  # cosine similarity of the piece and the question, next to word overlap
STATES_KIND = 0.35  # the piece states the kind of answer asked for
LEAD_POSITION = 0.05  # the section's first sentence usually says what it is about
FOCUS = 0.85  # pieces outside the first piece's passage count this much
# Pieces as close in meaning as this say the same thing in other words, and only the
# first is quoted: pages restate each other, a page's opening restates its sections, and
# the hub's documents restate its pages. Among the corpus's pieces, pairs above it are
# paraphrases ("A Dance A Day is a community dance project for people over 50, run by
# Activate ..." and "A Dance A Day is Activate's community dance project for people aged
# over 50."); a little below, one often adds facts to the other. (At 0.9, and between
# pages only, blind readers still found repeats; at 0.85, and between any two sections,
# 9 answers of 1,462 lose a repeat and none a key fact. At 0.75, 19 more development
# answers change, no key fact is lost, and a blind reader preferred them 15 to 2: "NPC
# described the programme's funding as a grant commission" no longer follows "Arts
# Council England paid for the programme through a grant commission of up to £895,000".)
RESTATES = 0.75
SUPPORT = 0.45  # a supporting piece scores at least this share of the first
CONTINUE = 3  # pieces that follow the first in its section, quoted after it


@dataclass(frozen=True, slots=True)
class Piece:
    """One atom of a passage with what choosing needs to know of it, worked out once."""

    start: int
    end: int
    kind: str  # "sentence", "item" or "row"
    group: int
    terms: frozenset[str]
    key: str  # lower-case text with spaces normalised, to spot repeats
    opener: bool  # can open an answer: long enough, not a signpost, not leaning back
    leans_back: bool
    announces: bool = False  # says how many things the next sentence gives (ANNOUNCES)
    aside: bool = False  # says where the page stands, not its subject (PROVENANCE)
    said: str = ""  # its fingerprint (models.said_key), to know it was quoted before


@dataclass(slots=True)
class PassageParts:
    """A passage read for quoting: the pieces an answer may quote (sentences, list and
    table groups) and the terms that say what it is about. (Not text.analyze, which
    only turns text into terms.)"""

    terms: frozenset[str]  # of the passage's index text (title and headings included)
    pieces: tuple[Piece, ...]
    # The terms each piece says (a section's first sentence says its heading's too:
    # "Consortium: A group of providers that ..."), which choose what opens an answer,
    # and the terms each piece is about: also its heading's and its page title's, which
    # choose what supports the opener. Under "Who funded Music in Mind", on the Music in
    # Mind page, every sentence is about Music in Mind's funding, named or not.
    says: tuple[frozenset[str], ...]
    about: tuple[frozenset[str], ...]
    groups: tuple[Group, ...]
    vectors: np.ndarray | None = None  # one row per piece, computed when first needed
    states: dict[str, tuple[bool, ...]] = field(default_factory=dict)  # see `_states`


@dataclass(slots=True)  # not frozen: several are made for every answer, and a frozen
class Unit:  # dataclass's __init__ costs four times as much; none is changed once made
    """What one answer sentence quotes from a passage (see AnswerSentence)."""

    rank: int  # of the passage among the hits
    hit: Hit
    kind: str  # "sentence", "list" or "table"
    start: int
    end: int
    lead: tuple[int, int] | None = None
    members: tuple[tuple[int, int], ...] = ()  # items, or table rows shown
    header: tuple[int, int] | None = None
    more: int = 0
    score: float = 0.0
    term: str = ""  # the heading a glossary body defines, or a lead-less list stands under


_PARTS: dict[tuple, PassageParts] = {}
_PARTS_MAX = 5_000  # with their pieces' vectors, at most about 25 MB


def parts_of(passage: Passage) -> PassageParts:
    """A passage's quotable parts, cached: the same passages come back for many
    questions. Keyed by what they are read from, so an updated passage is read afresh."""
    key = (passage.id, passage.title, passage.heading_path, passage.text)
    found = _PARTS.get(key)
    if found is None:
        if len(_PARTS) >= _PARTS_MAX:
            _PARTS.clear()
        found = _PARTS[key] = _read_parts(passage)
    return found


def _read_parts(passage: Passage) -> PassageParts:
    text = passage.text
    shape = layout(text)
    pieces = []
    for atom in shape.atoms:
        piece = text[atom.start : atom.end]
        if (
            atom.kind == "sentence"
            and atom.group < 0
            and (
                META.match(piece)
                or SIGNPOST.match(piece)
                or _points_on(piece)
                or not ENDS_SENTENCE.search(piece)
            )
        ) or BARE_ADDRESS.match(piece):
            continue  # says nothing about the subject, only where to read about it, or
            # is not a sentence at all (a web address alone: a document's list of sources)
        leans = atom.kind == "sentence" and (
            LEANS_BACK.match(piece) is not None
            or THERE.search(piece) is not None
            or REFERS_BACK.match(piece) is not None
        )
        pieces.append(
            Piece(
                atom.start,
                atom.end,
                atom.kind,
                atom.group,
                frozenset(analyze(piece)),
                normalise_space(piece).lower(),
                opener=(atom.kind != "sentence" or len(piece.split()) >= 5)
                and not leans
                and not (atom.kind == "sentence" and NOT_OPENING.match(piece)),
                leans_back=leans,
                announces=atom.kind == "sentence"
                and len(piece.split()) <= ANNOUNCES_WORDS
                and ANNOUNCES.match(piece) is not None,
                aside=atom.kind == "sentence" and PROVENANCE.match(piece) is not None,
                said=said_key(piece),
            )
        )
    heading = frozenset(analyze(passage.heading_path[-1])) if passage.heading_path else frozenset()
    named = heading | frozenset(analyze(passage.title))
    says = tuple(p.terms | heading if i == 0 else p.terms for i, p in enumerate(pieces))
    about = tuple(p.terms | named for p in pieces)
    terms = frozenset(analyze(index_text(passage)))
    return PassageParts(terms, tuple(pieces), says, about, shape.groups)


def _vectors(passage: Passage, parts: PassageParts) -> np.ndarray:
    if parts.vectors is None:
        texts = [passage.text[p.start : p.end] for p in parts.pieces]
        parts.vectors = (
            embed.embedder().embed(texts).astype(np.float16)
            if texts
            else (np.zeros((0, embed.DIMS), np.float16))
        )
    return parts.vectors


@dataclass(slots=True)  # not frozen: one is made for every piece scored, and a frozen
class _Scored:  # dataclass's __init__ costs three times as much
    rank: int
    hit: Hit
    index: int  # of the piece in its passage's parts
    piece: Piece
    score: float  # as an opener
    support: float  # as a piece that supports the opener


def choose(
    hits: list[Hit],
    kind: kinds.QuestionKind,
    weights: dict[str, float],
    query: Query,
    vector: np.ndarray | None,
    max_units: int,
    passages: int,
    subjects: tuple[str, ...] = (),
    asks: tuple[tuple[kinds.QuestionKind, dict[str, float], np.ndarray | None, str], ...] = (),
    said: frozenset[str] = frozenset(),
) -> list[Unit]:
    """The units to quote, the one that answers first, the rest in reading order.

    `weights` are the question's terms with their idf; `query.covered_by(terms)` gives
    the question terms a piece covers (synonyms count); `vector` is the question's. Pieces
    come from the best `passages` hits, except that the first may come from any section
    of the best hit's page, and a definition from any hit.
    `subjects` are the names a definition's subject goes by (its own first, then
    acronyms and equivalents: "SROI" for "social return on investment"). `asks` are
    the question's further parts ("... and when did it come out?"), each with its kind,
    its own terms, vector and words: each gets the piece that answers it, after the first,
    from the best passages or any section of the best page among `hits`.
    `said` holds the fingerprints (models.said_key) of the sentences the conversation's
    last answer quoted: a follow-up does not choose them again, to open or to answer a
    part, while anything else will do (what follows the opener in its section is still
    quoted). A blind reader preferred such follow-ups 17 to 6, though the repeated
    sentence often held a key fact (follow-ups with every key fact: tuning 7 -> 5 of 12,
    blind 22 -> 19 of 68; those facts are in the answer the reader has just read).
    """
    subjects = subjects or (kind.subject,)
    scored = _score_all(hits, kind, weights, query, vector, passages)
    if said:
        scored = [s for s in scored if s.piece.said not in said] or scored
    if not scored:
        return []
    # The answer may open from any retrieved section of the best hit's page, the one
    # source that matched best, however its sections rank among themselves.
    best_page = hits[0].passage.url
    openers = [
        s
        for s in scored
        if (s.piece.opener or _has_antecedent(s))
        and (s.rank < passages or s.hit.passage.url == best_page)
    ]
    if kind.kind == kinds.DEFINITION and kind.subject:
        # A definition opens with the sentence that says most plainly what the subject
        # is (from any passage retrieved, under any of its names), failing that one
        # that names it: never a body that leaves its subject unsaid.
        strength = {id(s): _definition_strength(s, subjects) for s in scored if s.piece.opener}
        plainest = max(strength.values(), default=0)
        defining = [s for s in scored if plainest and strength.get(id(s)) == plainest]
        openers = defining or _naming(openers, subjects) or openers
    first = max(openers or scored, key=lambda s: s.score)
    if kind.kind in (kinds.HOW_MUCH, kinds.WHEN) and not kinds.states(kind, _text(first)):
        # Nothing quoted gives the date or figure asked for: a sentence saying the
        # sources do not give it answers more truly than one about something else.
        limits = [
            s for s in openers if UNKNOWN.search(_text(s)) and s.score >= LIMITS * first.score
        ]
        if limits:
            first = max(limits, key=lambda s: s.score)
    parts = parts_of(first.hit.passage)
    picked = [first]
    for part in asks:
        answering = _answering(hits, part, query, passages, first, picked, said)
        if answering:
            picked.append(answering)
    answers_parts = len(picked)  # pieces that must be quoted, whatever else is
    # What follows the first piece in its section usually carries on its answer ("Two
    # results stand out. First, ... Second, ..."), as much for a question of several
    # parts, whose answer has a place more for each (see compose).
    following = {s.index: s for s in scored if s.hit is first.hit}
    for i in _carrying_on(first, parts, CONTINUE):
        if not _among(picked, first.hit, i):
            piece = parts.pieces[i]
            picked.append(following.get(i) or _Scored(first.rank, first.hit, i, piece, 0.0, 0.0))
    # The rest support it: scored by what they are about, so a sentence under the
    # heading that names what was asked counts although it does not repeat the names.
    # (Only support: openers that leave their subject unsaid read worse, and a blind
    # reader preferred the answers that open as before 22 to 14; with the openers
    # unchanged, the new answers 22 to 18. Every key fact, tuning 0.664 -> 0.673,
    # blind 0.305 -> 0.325; validation 0.552 -> 0.575.)
    chosen = {id(s) for s in picked}  # by identity: comparing _Scored by value is slow
    rest = sorted(
        (s for s in scored if s.rank < passages and id(s) not in chosen),
        key=lambda s: -(s.support * (1.0 if s.hit is first.hit else FOCUS)),
    )
    for s in rest:
        score = s.support * (1.0 if s.hit is first.hit else FOCUS)
        if score < SUPPORT * first.support:
            break
        picked.append(s)
    units = _units(picked, query.covered_by, max_units, answers_parts)
    if kind.kind == kinds.DEFINITION and units[0].start == first.piece.start:
        term = _term(first, subjects)
        if term:
            units[0] = replace(units[0], term=term)
    for i, unit in enumerate(units):
        # Anywhere in the answer, a glossary entry's body under its term, and a list with
        # no sentence leading into it ("• Look beyond health and care. ...") under the
        # heading it stands under on its page.
        if unit.kind == "list" and not unit.lead:
            units[i] = replace(unit, term=unit.hit.passage.section)
        elif not unit.term and (term := _entry_term(unit)):
            units[i] = replace(unit, term=term)
    return units


_ARTICLE = re.compile(r"^\s*(?:a|an|the)\s+", re.I)


def _entry_term(unit: Unit) -> str:
    """The term a glossary entry's first sentence defines without naming it ("A group
    of providers that bid for and deliver work together." under "Consortium"), so that
    it is shown as "Consortium: A group ...", not as a fragment without its subject (a
    blind reader preferred such answers 14 to 0, 2 the same). Glossaries are the pages
    whose title says so; "" for anything else."""
    passage = unit.hit.passage
    if unit.kind != "sentence" or not passage.heading_path:
        return ""
    if "glossary" not in passage.title.lower():
        return ""
    parts = parts_of(passage)
    if not parts.pieces or unit.start != parts.pieces[0].start:
        return ""
    heading = passage.heading_path[-1]
    words = heading.lower().split()
    if not words or len(words) > 6 or words[0] in _WH:
        return ""
    text = passage.text[unit.start : unit.end]
    if LEANS_BACK.match(text):
        return ""
    # It names its subject itself when it opens with it ("A grant funds ..." under
    # "Grant and contract", "A framework agreement is ..." under "Framework agreement
    # and lots").
    opening = _ARTICLE.sub("", text, count=1).lower()
    name = heading.split(" (")[0]
    names = [n.strip().lower() for n in (name, *name.split(" and ")) if n.strip()]
    if any(opening.startswith(n) for n in names):
        return ""
    return heading


def _carrying_on(first: _Scored, parts: PassageParts, n: int) -> list[int]:
    """The next n pieces after the first in its section, passing over sentences that say
    where the page stands ("This is an example from the wider field, not one of the
    programme's own case studies."): they do not carry the answer on, and are still
    quoted where they answer (a blind reader preferred answers without them 29 to 11)."""
    following = range(first.index + 1, len(parts.pieces))
    return [i for i in following if not parts.pieces[i].aside][: max(n, 0)]


def _naming(openers: list[_Scored], subjects: tuple[str, ...]) -> list[_Scored]:
    """The openers that name the subject under any of its names."""
    return [s for s in openers if any(kinds.mentions(name, _text(s)) for name in subjects)]


def _answering(
    hits, part, query: Query, passages: int, first: _Scored, picked, said: frozenset[str]
) -> _Scored | None:
    """The piece that best answers one further part of the question (kind, weights of
    its own words, vector), from the best passages or any section of the best page,
    preferring the first piece's passage; for a part that asks for a name, a date or a
    figure, a piece that has one."""
    kind, weights, vector, words = part
    best_page = hits[0].passage.url
    echo = _asking(words)
    answering = [
        s
        for s in _score_all(hits, kind, weights, query, vector, passages)
        if (s.piece.opener or _has_antecedent(s))
        and (s.rank < passages or s.hit.passage.url == best_page)
        and not _among(picked, s.hit, s.index)
        and not (echo and echo in s.piece.key)
        and s.piece.said not in said
    ]
    if kind.kind in kinds.EXACT:
        answering = [s for s in answering if kinds.states(kind, _text(s))] or answering
    return max(
        answering, key=lambda s: s.score * (1.0 if s.hit is first.hit else FOCUS), default=None
    )


def _asking(part: str) -> str:
    """The words a part asks with ("who took part" of "who took part?"): a sentence
    that holds them ("... asking how schemes were set up, who took part ...") repeats the
    question rather than answering it. "" for a part that opens otherwise."""
    words = re.findall(r"[a-z’']+", part.lower())[:3]
    return " ".join(words) if len(words) == 3 and words[0] in _WH else ""


_WH = frozenset(("who", "when", "what", "where", "which", "why", "how"))


def _among(picked: list[_Scored], hit: Hit, index: int) -> bool:
    return any(p.hit is hit and p.index == index for p in picked)


def _units(picked: list[_Scored], covered_by, max_units: int, must: int = 1) -> list[Unit]:
    """Expand picked pieces into units, first piece first and the rest in reading
    order, leaving out repeats and pieces from other pages that add nothing asked. The
    first `must` pieces are kept before any other is, as they answer a part of the
    question each."""
    first = picked[0]

    def order(unit: Unit) -> tuple:
        # The rest of the first piece's passage before other passages, wherever it
        # ranked: it carries on the answer (a blind reader preferred answers so ordered
        # 27 to 13; see BENCHMARKS.md).
        return unit.hit is not first.hit, unit.rank, unit.start

    units = _expand(first, parts_of(first.hit.passage))
    taken = {(u.hit.passage.id, u.start) for u in units}
    used_groups = {(first.hit.passage.id, first.piece.group)} if first.piece.group >= 0 else set()
    seen = [first.piece.terms]
    picked_pieces = [first.piece]
    covered = set(covered_by(first.piece.terms))
    support: list[Unit] = []
    for n, s in enumerate(picked[1:], 1):
        if len(units) + len(support) >= max_units:
            break
        pid = s.hit.passage.id
        if (pid, s.piece.start) in taken or (
            s.piece.group >= 0 and (pid, s.piece.group) in used_groups
        ):
            continue
        if any(_similar(s.piece.terms, terms) for terms in seen) and not any(
            s.piece.key == u.key for u in picked_pieces
        ):
            continue
        new_terms = set(covered_by(s.piece.terms)) - covered
        repeat = any(s.piece.key == p.key for p in picked_pieces)  # cited twice, shown once
        if (
            s.hit.passage.url != first.hit.passage.url
            and not new_terms
            and not repeat
            and n >= must
            and not _lists_on(s, taken)
        ):
            continue  # another page's piece must add something the question asks
        quoted = units + [unit for _, unit in support]
        if not repeat and _restates(s, quoted):
            continue
        expanded = _expand(s, parts_of(s.hit.passage))
        if _repeats_a_list(expanded, quoted):
            continue
        for unit in expanded:
            if (pid, unit.start) not in taken:
                support.append((n >= must, unit))
                taken.add((pid, unit.start))
        if s.piece.group >= 0:
            used_groups.add((pid, s.piece.group))
        seen.append(s.piece.terms)
        picked_pieces.append(s.piece)
        covered |= new_terms
    support.sort(key=lambda pair: (pair[0], order(pair[1])))
    kept = [unit for _, unit in support[: max(0, max_units - len(units))]]
    return _announced(units + sorted(kept, key=order))


def _lists_on(s: _Scored, taken: set[tuple[str, int]]) -> bool:
    """A list that goes straight on from a quoted sentence of its section ("The report's
    recommendations were addressed to commissioners." then "In summary, NEF asked them
    to: ..."): what the sentence promises."""
    pieces = parts_of(s.hit.passage).pieces
    return (
        s.piece.group >= 0
        and s.index > 0
        and pieces[s.index - 1].group != s.piece.group
        and (s.hit.passage.id, pieces[s.index - 1].start) in taken
    )


def _announced(units: list[Unit]) -> list[Unit]:
    """Each quoted sentence that announces what follows ("The JSNA has two purposes.")
    with the sentence that gives it, if that is not quoted already: an answer must not
    stop at the announcement. (Such a sentence may take the answer one past its length.)"""
    quoted = {(u.hit.passage.id, u.start) for u in units}
    out = []
    for unit in units:
        out.append(unit)
        if unit.kind != "sentence":
            continue
        pieces = parts_of(unit.hit.passage).pieces
        i = _piece_at(pieces, unit.start)
        if i is None or not pieces[i].announces or i + 1 == len(pieces):
            continue
        after = pieces[i + 1]
        if after.kind == "sentence" and (unit.hit.passage.id, after.start) not in quoted:
            out.append(replace(unit, start=after.start, end=after.end, term=""))
            quoted.add((unit.hit.passage.id, after.start))
    return out


def _piece_at(pieces: tuple[Piece, ...], start: int) -> int | None:
    """The place among a passage's pieces of the one that starts at `start`."""
    return next((i for i, piece in enumerate(pieces) if piece.start == start), None)


def _points_on(sentence: str) -> bool:
    """A sentence that only sends the reader elsewhere: a short one that says "see", or
    one whose main clause does ("For the research on X, including Y and Z, see research
    and reviews.", "Its findings have their own page.")."""
    if len(sentence.split()) <= 16 and re.search(r"\bsee\b", sentence, re.I):
        return True
    return POINTER.match(sentence) is not None


# A sentence saying what the sources do not give ("The sources ... do not record how many
# there were"), and how much of the best opener's score it needs to open instead.
UNKNOWN = re.compile(
    r"\b(?:do|does|did) not (?:record|give|say|show|name|report|list|state|include)\b"
    r"|\bno (?:record|figures?|details|source)\b|\bcannot say\b|\bnot (?:known|recorded|given)\b"
    r"|\bwere not found\b|\bcould not be (?:found|confirmed)\b",
    re.I,
)
LIMITS = 0.5
# "For <what>, see <where>.", "<what> has its own page.", "<what> is covered in
# <where>.", "More about <what> is on the <where> page." and "The page on <what> covers
# this in more detail.": pointers of any length (the last in its first clause, so "...;
# the waste tender is covered on the Kent page" keeps what comes before).
POINTER = re.compile(
    r"\s*(?:(?:For|To)\b[^.;:]*,\s*see\b|[^.;]*\b(?:has|have) (?:its|their) own pages?\b"
    r"|The (?:[\w'’-]+ )?pages? (?:on|about) [^.;:]{1,80}? (?:explains?|describes?|covers?|"
    r"sets? out|lists?|gives?|shows?)\b"
    r"|[^.;:]*\b(?:is|are) (?:covered|described|explained|summarised|discussed) (?:in|on)\b"
    r"|[^.;:]*\b(?:is|are) in the (?:[\w,]+ ){0,4}glossary\b"
    r"|[^.;:]*\b(?:has|have) (?:its|their own )?pages? on this site\b|Pages on this site\b"
    r"|[^.;:]*\b(?:is|are) on the (?:[\w',-]+ ){0,8}pages?\b"
    r"|[^.;:]*\b(?:is|are) set out on (?!pages? \d))"
)


def _score_all(hits, kind, weights, query: Query, vector, passages: int) -> list[_Scored]:
    """Every piece of the hits that says or (in the first `passages` hits, which
    support the opener) is about something asked, or is close to it in meaning."""
    if not hits or not weights:
        return []
    best = hits[0].score or 1.0
    total = sum(weights.values()) or 1.0
    weighted = list(weights.items())
    out = []
    for rank, hit in enumerate(hits):
        parts = parts_of(hit.passage)
        relevance = hit.score / best
        sims = None
        if vector is not None and parts.pieces:
            # As Python floats at once: indexing a NumPy array piece by piece costs more.
            sims = (_vectors(hit.passage, parts).astype(np.float32) @ vector).tolist()
        stated = _stated(hit.passage, parts, kind)
        supports = rank < passages
        for i, piece in enumerate(parts.pieces):
            # (`weights` holds only the question's terms: `holds` serves for covered_by.)
            covered = query.holds(parts.about[i] if supports else parts.says[i])
            about = sum([w for t, w in weighted if t in covered]) / total
            semantic = max(0.0, sims[i]) if sims is not None else 0.0
            if about <= 0 and semantic < 0.3:
                continue
            says = about  # what a piece says is part of what it is about
            if supports and about > 0:
                covered = query.holds(parts.says[i])
                says = sum([w for t, w in weighted if t in covered]) / total
            states = stated[i] if stated is not None else _defines(hit.passage, piece, kind)
            score = relevance * (says + SEMANTIC * semantic)
            score += STATES_KIND * relevance * states
            score += LEAD_POSITION * (i == 0)
            support = score + relevance * (about - says)
            out.append(_Scored(rank, hit, i, piece, score, support))
    return out


def _stated(
    passage: Passage, parts: PassageParts, kind: kinds.QuestionKind
) -> tuple[bool, ...] | None:
    """Whether each piece states the kind of answer asked for, worked out once per
    passage and kind; None for a definition, whose depends on its subject, so it is not
    kept (see `_defines`)."""
    if kind.kind == kinds.DEFINITION:
        return None
    found = parts.states.get(kind.kind)
    if found is None:
        found = parts.states[kind.kind] = tuple(
            kinds.states(kind, passage.text[p.start : p.end]) for p in parts.pieces
        )
    return found


def _defines(passage: Passage, piece: Piece, kind: kinds.QuestionKind) -> bool:
    """Whether a piece says what a definition's subject is."""
    return kinds.states(kind, passage.text[piece.start : piece.end])


def _definition_strength(s: _Scored, subjects: tuple[str, ...]) -> int:
    """How plainly a piece says what the subject is (see `kinds.definition_strength`);
    the first sentence under a heading that is the subject counts as plain as can be.
    A list item or table row may name the subject, never define it."""
    if s.piece.kind != "sentence":
        return min(1, max(kinds.definition_strength(name, _text(s)) for name in subjects))
    if _term(s, subjects) or _introduces(s, subjects):
        return 2
    return max(kinds.definition_strength(name, _text(s)) for name in subjects)


def _introduces(s: _Scored, subjects: tuple[str, ...]) -> bool:
    """Whether the piece opens a page whose title names the subject: a page's first
    sentence says what its subject is ("Kent County Council was one of the programme's
    two commissioner pilots ..." on "The Kent commissioner pilot")."""
    passage = s.hit.passage
    return (
        s.index == 0
        and not passage.heading_path
        and any(kinds.title_names(name, passage.title) for name in subjects)
    )


def _term(s: _Scored, subjects: tuple[str, ...]) -> str:
    """The heading a glossary-style piece defines: it is the first sentence under a
    heading that names one of `subjects`, and does not name it itself; else ""."""
    path = s.hit.passage.heading_path
    if s.index != 0 or not path or s.piece.kind != "sentence":
        return ""
    if any(kinds.names(name, _text(s)) for name in subjects):
        return ""  # it says its subject itself
    return path[-1] if any(kinds.heading_names(name, path[-1]) for name in subjects) else ""


def _text(s: _Scored) -> str:
    return s.hit.passage.text[s.piece.start : s.piece.end]


def _has_antecedent(s: _Scored) -> bool:
    """A leaning piece may open an answer after the sentence it leans on, when that
    sentence may open one ("Councils also put more money ..." may not)."""
    if not s.piece.leans_back:
        return False
    before = _antecedent(s, parts_of(s.hit.passage))
    return before is not None and before.opener


def _antecedent(s: _Scored, parts: PassageParts) -> Piece | None:
    """The sentence a leaning piece leans on: the one before, or, when it opens a
    paragraph, the section's first sentence, which names what the section is about."""
    piece = s.piece
    if s.index == 0:
        return None
    opens_paragraph = s.hit.passage.text[piece.start - 1] == "\n"
    before = parts.pieces[0 if opens_paragraph else s.index - 1]
    if before.kind != "sentence" or before.group >= 0 or before.leans_back:
        return None
    return before


def _restates(s: _Scored, quoted: list[Unit]) -> bool:
    """A piece that says in other words what a quoted unit of another section says."""
    others = [u for u in quoted if u.hit.passage.id != s.hit.passage.id]
    vectors = parts_of(s.hit.passage).vectors if others else None
    if vectors is None:
        return False
    mine = vectors[s.index].astype(np.float32)
    for unit in others:
        parts = parts_of(unit.hit.passage)
        rows = [i for i, p in enumerate(parts.pieces) if unit.start <= p.start < unit.end]
        if parts.vectors is not None and rows:
            if float((parts.vectors[rows].astype(np.float32) @ mine).max()) >= RESTATES:
                return True
    return False


def _repeats_a_list(expanded: list[Unit], quoted: list[Unit]) -> bool:
    """A list whose items are, half of them or more, items of a list already quoted (two
    pages listing the same eight partners, each in its own words)."""
    mine = [t for unit in expanded if unit.kind == "list" for t in _item_terms(unit)]
    if not mine:
        return False
    theirs = [t for unit in quoted if unit.kind == "list" for t in _item_terms(unit)]
    same = sum(any(_similar(a, b) for b in theirs) for a in mine)
    return 2 * same >= len(mine)


def _item_terms(unit: Unit) -> list[frozenset[str]]:
    """The terms of each item a list unit shows."""
    pieces = parts_of(unit.hit.passage).pieces
    return [p.terms for p in pieces if any(a <= p.start < b for a, b in unit.members)]


def _similar(a: frozenset[str], b: frozenset[str]) -> bool:
    """Near-duplicates: most of their terms are shared."""
    if not a or not b or a.isdisjoint(b):  # most pairs share nothing: no sets to make
        return False
    return len(a & b) / len(a | b) >= 0.75


def _expand(s: _Scored, parts: PassageParts) -> list[Unit]:
    """The units that quote a piece so it reads on its own."""
    piece, hit, rank = s.piece, s.hit, s.rank
    if piece.group >= 0:
        group = _group_unit(s, parts.groups[piece.group])
        lead = _lead(group, parts)
        before = _antecedent(replace(s, index=lead[0], piece=lead[1]), parts) if lead else None
        if before is not None:  # "Its first evaluation ... found:" after what "its" is
            return [Unit(rank, hit, "sentence", before.start, before.end, score=s.score), group]
        return [group]
    unit = Unit(rank, hit, "sentence", piece.start, piece.end, score=s.score)
    before = _antecedent(s, parts) if piece.leans_back else None
    if before is not None:
        return [Unit(rank, hit, "sentence", before.start, before.end, score=s.score), unit]
    return [unit]


def _lead(unit: Unit, parts: PassageParts) -> tuple[int, Piece] | None:
    """A quoted list's lead-in, with its place among the pieces, when it leans on the
    sentence before ("Its findings include:")."""
    i = _piece_at(parts.pieces, unit.lead[0]) if unit.lead is not None else None
    if i is None or not parts.pieces[i].leans_back:
        return None
    return i, parts.pieces[i]


def _group_unit(s: _Scored, group: Group) -> Unit:
    """A list with its lead-in, or a table with its headings: the first few members,
    then "and N more"; a table row further down comes alone under its headings."""
    header, members = None, group.members
    if group.kind == "table":
        header, members = members[0], members[1:]
    shown = members[: MAX_ROWS if header else MAX_ITEMS]
    row = (s.piece.start, s.piece.end)
    if header and s.piece.kind == "row" and row not in shown and row != header:
        shown = (row,)
    whole = shown[0] == members[0]  # the quote runs on from the group's start
    lead = group.lead if whole else None
    start = lead[0] if lead else (header[0] if header and whole else shown[0][0])
    return Unit(
        s.rank,
        s.hit,
        group.kind,
        start,
        shown[-1][1],
        lead=lead,
        members=shown,
        header=header,
        more=len(members) - len(shown),
        score=s.score,
    )
