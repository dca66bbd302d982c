"""Compose a short extractive answer, with citations, from the best passages.

Every answer sentence is a verbatim span of a cited passage: nothing is generated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin

from ..index.counts import index_text
from ..index.search import SearchIndex
from ..models import Answer, AnswerSentence, Citation, Hit, Passage
from ..settings import SETTINGS
from ..text import analyze, normalise_space, stem
from .query import Query, prepare

NOT_COVERED = "The guidance does not seem to cover this question."
NOT_NOW = (
    "The guidance describes the programme and its context as they were{when}, so it "
    "cannot say what is current."
)
NOT_COVERED_TERMS = "Nothing in it mentions {terms}."
NEAREST_HINT = "The sections below are the nearest it comes; they may not answer it."
SNIPPET_CHARS = 240
MONTHS = (
    "January February March April May June July August September October November December"
).split()
NEAREST = 3
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’]*")
SIGNPOST = re.compile(r"(See|See also|Read more|For more|More on)\b", re.I)
ANAPHORA = re.compile(r"(It|Its|This|That|These|Those|They|Their|He|She|His|Her|Such)\b")


def _default(name: str):
    return SETTINGS[name].default


@dataclass(frozen=True, slots=True)
class _Sentence:
    """What composing needs to know of one sentence of a passage, worked out once."""

    start: int
    end: int
    terms: frozenset[str]
    quotable: bool  # not a signpost or a lead-in (see _is_signpost)
    leans_back: bool  # opens with "It", "This"... and so reads badly alone
    key: str  # its text, lower case with spaces normalised, to spot repeats


@dataclass(frozen=True, slots=True)
class _Analysed:
    terms: frozenset[str]  # of the passage's index text (title and headings included)
    sentences: tuple[_Sentence, ...]


@dataclass(frozen=True, slots=True)
class _Candidate:
    sentence: _Sentence
    hit_rank: int
    hit: Hit
    score: float


_ANALYSED: dict[tuple, _Analysed] = {}
_ANALYSED_MAX = 50_000


def _analysis(passage: Passage) -> _Analysed:
    """A passage's analysis, cached: the same passages come back for many questions.
    Keyed by what it is computed from, so an updated passage is analysed afresh."""
    key = (passage.id, passage.title, passage.heading_path, passage.text)
    found = _ANALYSED.get(key)
    if found is None:
        if len(_ANALYSED) >= _ANALYSED_MAX:
            _ANALYSED.clear()
        found = _ANALYSED[key] = _analyse(passage)
    return found


def _analyse(passage: Passage) -> _Analysed:
    sentences = []
    for start, end in passage.sentences:
        sentence = passage.text[start:end]
        sentences.append(
            _Sentence(
                start,
                end,
                frozenset(analyze(sentence)),
                not _is_signpost(sentence),
                ANAPHORA.match(sentence) is not None,
                normalise_space(sentence).lower(),
            )
        )
    return _Analysed(frozenset(analyze(index_text(passage))), tuple(sentences))


def answer(
    question: str,
    index: SearchIndex,
    *,
    previous: list[str] | None = None,
    top_k: int = _default("top_k"),
    max_sentences: int = _default("answer_sentences"),
    max_passages: int = _default("answer_passages"),
    min_confidence: float = _default("min_confidence"),
    base_url: str = "",
) -> Answer:
    """Answer `question` from `index`.

    Args:
        question: the user's question, as typed.
        index: the passage index to search.
        previous: the readings of the conversation's earlier questions, oldest first,
            so that a follow-up ("and how long did it run?") is read in context.
        top_k: passages to retrieve; the answer draws on the best `max_passages`.
        max_sentences: most sentences in the answer.
        min_confidence: below this the answer says the guidance does not cover it.
        base_url: prefix for citation links to relative page URLs (for example
            "/site/" when the app serves the snapshot, or the live site's address).
    """
    query, hits = retrieve(question, index, previous, k=max(top_k, NEAREST))
    return compose(
        query,
        hits,
        index,
        top_k=top_k,
        max_sentences=max_sentences,
        max_passages=max_passages,
        min_confidence=min_confidence,
        base_url=base_url,
    )


def compose(
    query: Query,
    hits: list[Hit],
    index: SearchIndex,
    *,
    top_k: int = _default("top_k"),
    max_sentences: int = _default("answer_sentences"),
    max_passages: int = _default("answer_passages"),
    min_confidence: float = _default("min_confidence"),
    base_url: str = "",
) -> Answer:
    """Compose the answer to a question already read and searched (see `answer`)."""
    question = query.question
    weights = _term_weights(query, index)
    confidence = _confidence(hits, query, weights)
    context = {
        "reading": query.reading,
        "follow_up": query.follow_up,
        "corrections": query.corrections,
        "subject": query.reading,
    }
    missing_years = _missing_years(query, hits)
    if query.about_now or missing_years or not hits or confidence < min_confidence:
        unmatched = _unmatched(query, hits[:NEAREST])
        text = NOT_COVERED
        if query.about_now:
            text = NOT_NOW.format(when=_archive_date(index))
        elif unmatched:
            quoted = " or ".join(f"“{w}”" for w in unmatched)
            text += " " + NOT_COVERED_TERMS.format(terms=quoted)
        if hits:
            text += " " + NEAREST_HINT
        nearest = tuple(
            _citation(n, hit, base_url, query, None) for n, hit in enumerate(hits[:NEAREST], 1)
        )
        return Answer(
            question,
            text,
            (),
            (),
            True,
            confidence,
            unmatched_terms=unmatched,
            nearest=nearest,
            **context,
        )

    hits = hits[:top_k]
    chosen = _choose_sentences(hits[:max_passages], weights, max_sentences)
    numbers: dict[str, int] = {}  # passage id -> citation number, in order of first use
    first_used: dict[str, int] = {}  # passage id -> start of its first quoted sentence
    sentences: list[AnswerSentence] = []
    seen_text: dict[str, int] = {}
    for cand in chosen:
        pid = cand.hit.passage.id
        n = numbers.setdefault(pid, len(numbers) + 1)
        sentence = cand.sentence
        first_used.setdefault(pid, sentence.start)
        key = sentence.key
        if key in seen_text:  # the same sentence on two pages: show it once, cite both
            i = seen_text[key]
            prev = sentences[i]
            if n not in prev.citations:
                sentences[i] = AnswerSentence(
                    prev.text, prev.citations + (n,), prev.passage_id, prev.start, prev.end
                )
            continue
        seen_text[key] = len(sentences)
        text = cand.hit.passage.text[sentence.start : sentence.end]
        sentences.append(AnswerSentence(text, (n,), pid, sentence.start, sentence.end))
    hits_by_id = {h.passage.id: h for h in hits}
    citations = tuple(
        _citation(n, hits_by_id[pid], base_url, query, first_used[pid])
        for pid, n in numbers.items()
    )
    text = " ".join(f"{s.text} " + "".join(f"[{n}]" for n in s.citations) for s in sentences)
    return Answer(question, text, tuple(sentences), citations, False, confidence, **context)


def retrieve(
    question: str, index: SearchIndex, previous: list[str] | None = None, k: int = 5
) -> tuple[Query, list[Hit]]:
    """Read the question (follow-ups, spelling, synonyms) and find the best k passages."""
    query = prepare(question, index, previous)
    return query, index.search_terms(query.terms, k)


def _term_weights(query: Query, index: SearchIndex) -> dict[str, float]:
    """IDF weight of each term the user typed; a term the index has never seen weighs
    most. Added synonyms are left out: they help find passages, not judge them."""
    return {term: index.term_weight(term) for term, count in query.terms.items() if count >= 1}


def _confidence(hits: list[Hit], query: Query, weights: dict[str, float]) -> float:
    """How sure we are that the best passage answers: the share of the question's
    weight (rare terms count most, unknown terms most of all) found in that passage.

    Scores themselves are not comparable across questions, but coverage is: a
    passage that lacks the question's rarest words is about something else.
    """
    if not hits or not weights:
        return 0.0
    covered = query.covered_by(_analysis(hits[0].passage).terms)
    coverage = sum(w for t, w in weights.items() if t in covered) / sum(weights.values())
    return round(coverage, 4)


def _missing_years(query: Query, hits: list[Hit]) -> list[str]:
    """Years the question names that none of the best passages mentions: an answer
    about another year would mislead."""
    text = " ".join(index_text(hit.passage) for hit in hits[:NEAREST])
    return [year for year in query.years if year not in text]


def _archive_date(index: SearchIndex) -> str:
    updated = index.content_updated
    if not updated:
        return ""
    year, month = int(updated[:4]), int(updated[5:7])
    return f" (its pages were last updated in {MONTHS[month - 1]} {year})"


def _unmatched(query: Query, hits: list[Hit]) -> tuple[str, ...]:
    """The words of the question that none of the nearest passages contains."""
    present: set[str] = set()
    for hit in hits:
        present |= query.covered_by(_analysis(hit.passage).terms)
    missing = {t for t, n in query.terms.items() if n >= 1 and t not in present}
    words = []
    for word in WORD.findall(query.question):
        if stem(word.lower()) in missing and word.lower() not in words:
            words.append(word.lower())
    return tuple(words)


def _choose_sentences(
    hits: list[Hit], weights: dict[str, float], max_sentences: int
) -> list[_Candidate]:
    """Pick the sentences that best cover the question, then order them for reading."""
    best = hits[0].score
    total = sum(weights.values()) or 1.0
    candidates = []
    for rank, hit in enumerate(hits):
        relevance = hit.score / best
        for position, sentence in enumerate(_analysis(hit.passage).sentences):
            if not sentence.quotable:
                continue
            terms = sentence.terms
            overlap = sum(w for t, w in weights.items() if t in terms) / total
            if overlap <= 0:
                continue
            # Passage relevance and the sentence's own overlap both count; the lead
            # sentence of a section often states its subject, so it gets a nudge, and
            # one that leans on the sentence before ("It was...") reads badly alone.
            score = overlap * relevance + (0.05 if position == 0 else 0.0)
            if position > 0 and sentence.leans_back:
                score *= 0.7
            candidates.append(_Candidate(sentence, rank, hit, score))
    candidates.sort(key=lambda c: -c.score)
    picked: list[_Candidate] = []
    covered: set[str] = set()
    for cand in candidates:
        # After the first, a sentence must be at least half as good, and add a
        # question term or be nearly as good: padding makes an answer harder to trust.
        if picked and cand.score < 0.5 * picked[0].score:
            break  # and so are all after it
        terms = cand.sentence.terms & weights.keys()
        if picked and not (terms - covered) and cand.score < 0.8 * picked[0].score:
            continue
        picked.append(cand)
        covered |= terms
        if len(picked) == max_sentences:
            break
    return sorted(picked, key=lambda c: (c.hit_rank, c.sentence.start))


def _is_signpost(sentence: str) -> bool:
    """Sentences that only point elsewhere ("See finding local tenders."), are too
    short to stand alone, or introduce a list too long to quote ("...as follows:") do
    not answer anything."""
    return (
        len(sentence.split()) < 5
        or SIGNPOST.match(sentence) is not None
        or sentence.rstrip().endswith(":")
    )


def _citation(n: int, hit: Hit, base_url: str, query: Query, start: int | None) -> Citation:
    p: Passage = hit.passage
    snippet = _snippet(p.text, start or 0)
    return Citation(
        n=n,
        title=p.title,
        url=_link(base_url, p.link),
        section=p.section,
        snippet=snippet,
        score=round(hit.score, 4),
        passage_id=p.id,
        highlights=_highlights(snippet, query),
    )


@lru_cache(maxsize=4096)
def _link(base_url: str, link: str) -> str:
    return urljoin(base_url, link) if base_url else link


# Snippets and their words are cached: the same sections are cited again and again.


@lru_cache(maxsize=8192)
def _snippet(text: str, start: int) -> str:
    """About SNIPPET_CHARS of the passage, from the quoted sentence when there is one."""
    # Only the first stretch can show, so only that is tidied.
    text = normalise_space(text[start : start + 2 * SNIPPET_CHARS])
    prefix = "…" if start else ""
    if len(text) <= SNIPPET_CHARS:
        return prefix + text
    cut = text.rfind(" ", 0, SNIPPET_CHARS)
    return prefix + text[: cut if cut > 0 else SNIPPET_CHARS] + "…"


@lru_cache(maxsize=8192)
def _words(snippet: str) -> tuple[tuple[int, int, str], ...]:
    """Each word of a snippet with its offsets and its stem (possessives dropped)."""
    return tuple(
        (m.start(), m.end(), stem(m.group(0).lower().split("'")[0].split("’")[0]))
        for m in WORD.finditer(snippet)
    )


def _highlights(snippet: str, query: Query) -> tuple[tuple[int, int], ...]:
    """Offsets of the snippet's words that match a word of the question."""
    wanted = query.terms
    return tuple((start, end) for start, end, key in _words(snippet) if key in wanted)
