"""Compose a short extractive answer, with citations, from the best passages.

Every answer sentence is a verbatim span of a cited passage: nothing is generated.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection
from dataclasses import replace
from functools import lru_cache
from urllib.parse import urljoin

from ..facets import Filters
from ..index.counts import index_text
from ..index.search import SearchIndex
from ..models import Answer, AnswerSentence, Citation, Hit, Link, Passage, Referral
from ..settings import default
from ..text import STOP_WORDS, WORD, analyze, normalise_space, stem, tokens
from . import kinds
from .confidence import Evidence, probability
from .fragments import with_fragment
from .query import (
    NAME_INSIDE,
    Query,
    everyday,
    expand_synonyms,
    prepare,
)
from .referrals import referral_for
from .select import UNKNOWN, Unit, choose, parts_of
from .subject import answer_subject, question_subject
from .units import cells

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
# Below this confidence an answer's exact name, date or figure is not marked: of the
# development questions' marks, 62% held a key fact at 0.6 and above, 29% below.
EXACT_CONFIDENCE = 0.6
# Below this cosine similarity between the question and the best passage, the passage
# is about something else whatever words they share ("How do I renew my passport?"
# finds a passage on renewing contracts). Questions the guidance answers scored 0.28 or
# more in nineteen of twenty cases on the tuning parts; unrelated ones 0.22 or less.
MIN_RELATEDNESS = 0.25
# ...unless the best passage holds most of the question's words, weighted by rarity: a
# long passage's vector can sit far from a question it answers word for word ("What did
# participants call shouting into the ether?", from a report's summary). (0.9 before
# 2026-12-04 late; 0.6 answered two more development questions and one more on each of
# validation, blind-holdout and blind-holdout-3, and declined no out-of-scope one less;
# 0.75 answered one more.)
WORDS_SUFFICE = 0.6
# And the converse: at this cosine similarity or more the best passage is plainly about
# what was asked, so it is answered however few of the question's words it holds ("How
# should we be using the JSNA to make the case for cultural services?"). (Development
# parts: blind answered when covered 0.914 -> 0.940, one out-of-scope question of 96 no
# longer declined; 0.5 answered a follow-up fewer, 0.4 the same. Held-out parts: four more
# answered, no out-of-scope question fewer declined.) See `_plainly_about`.
CLOSE_IN_MEANING = 0.45
CONTEXT = 0.2  # a follow-up's context words count this much in choosing its sentences


def answer(
    question: str,
    index: SearchIndex,
    *,
    previous: list[str] | None = None,
    said: Collection[str] = (),
    top_k: int = default("top_k"),
    filters: Filters | None = None,
    **options,
) -> Answer:
    """Answer `question` from `index`.

    Args:
        question: the user's question, as typed.
        index: the passage index to search.
        previous: the subjects of the conversation's earlier answers, oldest first, so
            that a follow-up ("and how long did it run?") is read in context.
        said: what the conversation's last answer quoted (its `said`), which a
            follow-up does not choose again while anything else will do.
        top_k: passages to retrieve; the answer draws on the best `max_passages`.
        filters: the kinds of page the answer may quote (None: any).
        options: the rest of `compose`'s settings.
    """
    query, hits = retrieve(question, index, previous, k=max(top_k, NEAREST), filters=filters)
    return compose(query, hits, index, top_k=top_k, filters=filters, said=said, **options)


def compose(
    query: Query,
    hits: list[Hit],
    index: SearchIndex,
    *,
    top_k: int = default("top_k"),
    max_sentences: int = default("answer_sentences"),
    max_passages: int = default("answer_passages"),
    min_coverage: float = default("min_coverage"),
    min_confidence: float = default("min_confidence"),
    base_url: str = "",
    filters: Filters | None = None,
    said: Collection[str] = (),
) -> Answer:
    """Compose the answer to a question already read and searched (see `answer`).

    Args:
        max_sentences: most pieces in the answer; a question of several parts ("... and
            who was involved?") gets one more for each part after the first, whose
            answer would otherwise crowd out the rest of the first part's (a blind
            reader preferred such answers 39 to 19; every key fact rose on every
            held-out blind round, by 0.019 to 0.045).
        max_passages: most passages the answer quotes from.
        min_coverage: below this share of the question found in the best passage, the
            answer says the guidance does not cover it.
        min_confidence: below this confidence (see answer/confidence.py), likewise.
        base_url: prefix for citation links to relative page URLs (for example
            "/site/" when the app serves the snapshot, or the live site's address).
    """
    weights = _term_weights(query, index)
    kind = kinds.question_kind(query.question)
    coverage = _coverage(hits, query, weights)
    if kind.subject and hits:
        # A definition's subject is what it asks about; the rest frames the question.
        subject = {t: w for t, w in weights.items() if t in set(analyze(kind.subject))}
        coverage = max(coverage, _coverage(hits, query, subject))
    related = (index.similarity(hits[0], query.vector) if hits else None) or 0.0
    asked = kinds.parts(query.question)  # what it asks, once: its further parts and subject
    asking = " ".join(asked)
    if hits and not query.follow_up and asking != query.question.strip():
        # A question that sets a scene first ("We've only ever done feedback forms ...
        # What wellbeing scales do commissioners expect?") is about what it asks.
        own = set(analyze(asking))
        asked_weights = {t: w for t, w in weights.items() if t in own}
        coverage = max(coverage, _coverage(hits, query, asked_weights))
        related = max(related, index.similarity(hits[0], index.embed_query(asking)) or 0.0)
    typed = [t for t, n in query.terms.items() if n >= 1]
    unfamiliar = sum(t not in index.vocabulary for t in typed) / max(len(typed), 1)
    evidence = Evidence(
        coverage, related, 0.0, 0.0, float(query.follow_up), math.log1p(len(typed)), unfamiliar, 0.0
    )
    referral = referral_for(query.question, index.referrals)
    current = query.about_now or bool(_later_years(query, index))
    if (
        referral
        or current
        or _missing_years(query, hits)
        or not hits
        or (coverage < min_coverage and not _plainly_about(related, query, index))
        or (index.has_vectors and related < MIN_RELATEDNESS and coverage < WORDS_SUFFICE)
    ):
        return _decline(query, hits, index, evidence, referral, current, base_url)

    hits = hits[:top_k]
    subjects: tuple[str, ...] = (kind.subject,)
    if kind.subject:  # a definition's subject, and its other names (none without one)
        equivalents = expand_synonyms(kind.subject, index.synonyms)
        subjects += tuple(kinds.acronyms(kind.subject, equivalents))
    if kind.kind == kinds.DEFINITION and kind.subject:
        hits = hits + [h for h in _entries(index, subjects, hits) if _admits(filters, h)]
    if len(asked) > 1 and hits:
        hits = hits + [h for h in _rest_of_page(index, hits) if _admits(filters, h)]
    units = choose(
        hits,
        kind,
        _focused(weights, query.own_terms) if query.follow_up else weights,
        query,
        query.own_vector,
        max_sentences + len(asked) - 1,
        max_passages,
        subjects,
        _further_parts(asked[1:], weights, index),
        frozenset(said) if query.follow_up else frozenset(),
    )
    if units:
        first = units[0]
        states = kinds.states(kind, first.hit.passage.text[first.start : first.end])
        evidence = replace(
            evidence,
            states_kind=float(states),
            from_best=float(first.rank == 0),
            first_score=first.score,
        )
    confidence = round(probability(evidence), 4)
    if not units or confidence < min_confidence or _gives_nothing_asked(query, kind, units):
        return _decline(query, hits, index, evidence, None, False, base_url)
    numbers: dict[str, int] = {}  # passage id -> citation number, in order of first use
    first_used: dict[str, tuple[int, int]] = {}  # passage id -> its first quoted piece
    sentences: list[AnswerSentence] = []
    keys: list[str] = []  # each sentence's _same_key, worked out once
    for unit in units:
        pid = unit.hit.passage.id
        n = numbers.setdefault(pid, len(numbers) + 1)
        first_used.setdefault(pid, (unit.start, unit.end))
        sentence = _sentence(unit, n, base_url)
        key = _same_key(sentence.text)
        same = keys.index(key) if key in keys else None
        if same is None:
            sentences.append(sentence)
            keys.append(key)
        elif n not in sentences[same].citations:  # on two pages: show it once, cite both
            sentences[same] = replace(sentences[same], citations=sentences[same].citations + (n,))
    hits_by_id = {h.passage.id: h for h in hits}
    citations = tuple(
        _citation(n, hits_by_id[pid], base_url, query, first_used[pid])
        for pid, n in numbers.items()
    )
    text = " ".join(_plain(s) + " " + "".join(f"[{n}]" for n in s.citations) for s in sentences)
    span = None
    if sentences[0].kind == "sentence" and confidence >= EXACT_CONFIDENCE:
        found = kinds.answer_span(kind, sentences[0].text, query.reading)
        if found:
            span = (0, *found)
    return Answer(
        query.question,
        text,
        tuple(sentences),
        citations,
        False,
        confidence,
        reading=query.reading,
        follow_up=query.follow_up,
        corrections=query.corrections,
        kind=kind.kind,
        answer_span=span,
        subject=answer_subject(query, kind, units, index, asked[0]),
        evidence=evidence,
    )


def _decline(
    query: Query,
    hits: list[Hit],
    index: SearchIndex,
    evidence: Evidence,
    referral: Referral | None,
    current: bool,
    base_url: str,
) -> Answer:
    """A "not covered" answer that says why (`current`: it asks about after the
    guidance was written), and offers the nearest sections."""
    unmatched = () if referral else _unmatched(query, index)
    # A name or acronym may be what was asked about; other words only when they are
    # much of the question.
    names = {m.group(0).strip().lower() for m in NAME_INSIDE.finditer(query.question)}
    named = (
        unmatched
        if central(unmatched, query.question)
        else tuple(w for w in unmatched if w in names)
    )
    text = NOT_COVERED
    if current:
        text = NOT_NOW.format(when=_archive_date(index))
    elif referral:
        text = referral.reason
    elif named:
        typed = {w.lower(): w for w in reversed(WORD.findall(query.question))}
        quoted = " or ".join(f"“{typed.get(w, w)}”" for w in named)
        text += " " + NOT_COVERED_TERMS.format(terms=quoted)
    if hits and not (referral and text == referral.reason):
        text += " " + NEAREST_HINT
    nearest = tuple(
        _citation(n, hit, base_url, query, None) for n, hit in enumerate(hits[:NEAREST], 1)
    )
    return Answer(
        query.question,
        text,
        (),
        (),
        True,
        round(probability(evidence), 4) if hits else 0.0,
        reading=query.reading,
        follow_up=query.follow_up,
        corrections=query.corrections,
        unmatched_terms=unmatched,
        nearest=nearest,
        referral=referral,
        subject=query.context or question_subject(kinds.parts(query.question)[0]),
        evidence=evidence,
    )


def _gives_nothing_asked(query: Query, kind: kinds.QuestionKind, units: list[Unit]) -> bool:
    """A follow-up asking for a figure or a date ("roughly how much were they paid?")
    whose quoted sentences give none, nor say the sources do not: the guidance has no
    answer for it, whatever it says about the subject. (Standalone questions keep their
    answer: there the same rule declined covered questions too.)"""
    if not query.follow_up or kind.kind not in (kinds.HOW_MUCH, kinds.WHEN):
        return False
    texts = [u.hit.passage.text[u.start : u.end] for u in units]
    return not any(kinds.states(kind, t) or UNKNOWN.search(t) for t in texts)


def _same_key(text: str) -> str:
    """What two answer pieces with the same words share, whatever their spacing or case."""
    return normalise_space(text).lower()


def _sentence(unit: Unit, n: int, base_url: str) -> AnswerSentence:
    passage = unit.hit.passage
    text = passage.text
    quoted = text[unit.start : unit.end]
    pid = passage.id
    lead = text[unit.lead[0] : unit.lead[1]] if unit.lead else ""
    members = tuple(text[a:b] for a, b in unit.members)
    shown = [(unit.start, unit.end)]
    if unit.kind in ("list", "table"):  # what is shown of it
        shown = [span for span in (unit.lead, unit.header, *unit.members) if span]
    links = _links(passage, shown, base_url)
    if unit.kind == "list":
        return AnswerSentence(
            quoted,
            (n,),
            pid,
            unit.start,
            unit.end,
            "list",
            lead,
            members,
            more=unit.more,
            term=unit.term,
            links=links,
        )
    if unit.kind == "table":
        header = cells(text[unit.header[0] : unit.header[1]]) if unit.header else ()
        return AnswerSentence(
            quoted,
            (n,),
            pid,
            unit.start,
            unit.end,
            "table",
            lead,
            header=header,
            rows=tuple(cells(m) for m in members),
            more=unit.more,
            links=links,
        )
    return AnswerSentence(quoted, (n,), pid, unit.start, unit.end, term=unit.term, links=links)


def _links(passage: Passage, spans: list[tuple[int, int]], base_url: str) -> tuple[Link, ...]:
    """The page's own links inside the quoted spans, each text once: "See the Kent
    pilot." goes to the Kent pilot's page, as it does on the site."""
    found: dict[str, str] = {}
    for start, end, url in passage.links:
        if any(a <= start and end <= b for a, b in spans):
            found.setdefault(passage.text[start:end], _link(base_url, url))
    return tuple(Link(label, url) for label, url in found.items())


def _plain(s: AnswerSentence) -> str:
    """An answer piece as plain text: a list or table on lines of its own."""
    if s.kind == "list":
        items = "\n".join(f"• {item}" for item in s.items)
        more = f"\n(and {s.more} more)" if s.more else ""
        return f"{s.lead or (s.term and s.term + ':')}\n{items}{more}".strip()
    if s.kind == "table":
        rows = "\n".join(" | ".join(r) for r in (s.header, *s.rows) if r)
        more = f"\n(and {s.more} more rows)" if s.more else ""
        return f"{s.lead}\n{rows}{more}".strip()
    return f"{s.term}: {s.text}" if s.term else s.text


def retrieve(
    question: str,
    index: SearchIndex,
    previous: list[str] | None = None,
    k: int = 5,
    filters: Filters | None = None,
) -> tuple[Query, list[Hit]]:
    """Read the question (follow-ups, spelling, synonyms) and find the best k passages
    (of those the filters admit)."""
    query = prepare(question, index, previous)
    allowed = filters.rows(index) if filters else None
    return query, index.search_terms(query.terms, k, query.vector, allowed)


def _admits(filters: Filters | None, hit: Hit) -> bool:
    return not filters or filters.admits(hit.passage)


def _term_weights(query: Query, index: SearchIndex) -> dict[str, float]:
    """IDF weight of each term the user typed. A term the index has never seen weighs
    most when it is a name, acronym or jargon (likely the question's subject), least
    when it is everyday English ("honestly", "board"): people wrap questions in words
    the guidance has no reason to use. Added synonyms are left out: they help find
    passages, not judge them."""
    weights = {t: index.term_weight(t) for t, count in query.terms.items() if count >= 1}
    unknown = {t for t in weights if t not in index.vocabulary}
    if unknown and len(index.idf):
        lowest = index.idf_min
        for word in tokens(query.reading):
            term = stem(word)
            if term in unknown and everyday(word):
                weights[term] = lowest
    return weights


def _further_parts(further: list[str], weights: dict[str, float], index: SearchIndex) -> tuple:
    """The question's parts after the first ("... and when did it come out?"), each with
    its kind, the weights of its own words, its vector and its words, for choosing what
    answers it."""
    return tuple(
        (
            kinds.question_kind(part),
            _focused(weights, set(analyze(part))),
            index.embed_query(part),
            part,
        )
        for part in further
    )


def _focused(weights: dict[str, float], own: set[str] | frozenset[str]) -> dict[str, float]:
    """The weights for choosing sentences by some of the question's words (a follow-up's
    own, one part's): the other words, context there, count CONTEXT as much."""
    return {t: w * (1 if t in own else CONTEXT) for t, w in weights.items()}


def _entries(index: SearchIndex, subjects: tuple[str, ...], hits: list[Hit]) -> list[Hit]:
    """Sections headed by the subject's own name (a glossary entry, "The JSNA"), or
    opening a page titled by it ("The Kent commissioner pilot"), that the search did not
    return: the plainest definition is often there, in a short passage that ranks below
    longer ones about the subject. Found among the best matches for the
    subject's words alone (its heading holds them all), scored as the last hit."""
    seen = {h.passage.id for h in hits}
    floor = hits[-1].score if hits else 0.0
    found: list[Hit] = []
    for name in subjects:
        for hit in index.search_terms(Counter(analyze(name)), ENTRY_SEARCH):
            path = hit.passage.heading_path
            # (A title naming a one-word subject give or take a word of its own, "The
            # commissioning cycle" for "commissioning", is about something else.)
            named = (
                kinds.heading_names(name, path[-1])
                if path
                else len(name.split()) > 1 and kinds.title_names(name, hit.passage.title)
            )
            if hit.passage.id not in seen and named:
                seen.add(hit.passage.id)
                found.append(Hit(hit.passage, floor, hit.row))
    return found[:ENTRIES]


def _rest_of_page(index: SearchIndex, hits: list[Hit]) -> list[Hit]:
    """The best page's sections that the search did not return, scored as the last hit:
    a question of several parts ("what was it and who took part?") often asks about
    one thing, whose page answers each part in a section of its own (a blind reader
    preferred the answers that could draw on them 30 to 18; see BENCHMARKS.md)."""
    seen = {h.passage.id for h in hits}
    floor = hits[-1].score
    rows = index.page_rows(hits[0].passage.url)
    if len(rows) > PAGE_SECTIONS:  # a long document: the sections nearest the best one
        best = hits[0].row if hits[0].row >= 0 else rows[0]
        rows = sorted(sorted(rows, key=lambda r: abs(r - best))[:PAGE_SECTIONS])
    return [Hit(index.passages[r], floor, r) for r in rows if index.passages[r].id not in seen]


PAGE_SECTIONS = 40  # of a long document's sections, at most this many are offered
ENTRIES = 3  # sections headed by a subject's name, at most, added to a definition's hits
ENTRY_SEARCH = 50  # of the best matches for the subject's words, looked through for them


def _coverage(hits: list[Hit], query: Query, weights: dict[str, float]) -> float:
    """How much of the question the best passage covers: the share of the question's
    weight (rare terms count most, unknown names most of all) found in that passage.

    Scores themselves are not comparable across questions, but coverage is: a
    passage that lacks the question's rarest words is about something else.
    """
    if not hits or not weights:
        return 0.0
    covered = query.covered_by(parts_of(hits[0].passage).terms)
    coverage = sum(w for t, w in weights.items() if t in covered) / sum(weights.values())
    return round(coverage, 4)


def _missing_years(query: Query, hits: list[Hit]) -> list[str]:
    """Years the question names that none of the best passages mentions: an answer
    about another year would mislead."""
    asked = [year for year in query.years if year not in query.bounds]
    if not asked:
        return []  # most questions name none: no need to gather the passages' text
    text = " ".join(index_text(hit.passage) for hit in hits[:NEAREST])
    return [year for year in asked if year not in text]


def _later_years(query: Query, index: SearchIndex) -> list[str]:
    """Years the question names that come after the guidance was last updated, or from
    which it asks what came after ("since 2017" of guidance last updated in 2017): it
    cannot know what happened then."""
    updated = index.content_updated
    if not updated:
        return []
    last = int(updated[:4])
    return [
        year
        for year in query.years
        if int(year[:4]) > last or (year in query.onwards and int(year[:4]) >= last)
    ]


def _archive_date(index: SearchIndex) -> str:
    updated = index.content_updated
    if not updated:
        return ""
    year, month = int(updated[:4]), int(updated[5:7])
    return f" (its pages were last updated in {MONTHS[month - 1]} {year})"


def _plainly_about(related: float, query: Query, index: SearchIndex) -> bool:
    """Whether the best passage is plainly about the question in meaning, though it
    holds few of its words; not when the question names something the guidance never
    does ("the pilots in Kemt", "PQQ"): a name it lacks may be what was asked about, and
    a decline offers the closest question it can answer."""
    return related >= CLOSE_IN_MEANING and all(everyday(w) for w in _unmatched(query, index))


def central(words: tuple[str, ...], question: str) -> bool:
    """Whether words are enough of the question to be the reason it is not answered:
    "passport" in "How do I renew my passport?" is; "genuinely" and "lovely" in a
    forty-word question that never reaches its subject are only its wording."""
    content = {w for w in tokens(question) if w not in STOP_WORDS}
    return len(words) >= CENTRAL * max(len(content), 1)


CENTRAL = 0.25  # the share of a question's content words that is central


def _unmatched(query: Query, index: SearchIndex) -> tuple[str, ...]:
    """The words of the question that the guidance never uses, nor any equivalent the
    synonyms give: what a decline may truly say "nothing in it mentions" (not "back" or
    "heard", which are somewhere in it, only not in the nearest sections)."""
    present = query.covered_by({t for t in query.terms if t in index.vocabulary})
    missing = {t for t, n in query.terms.items() if n >= 1 and t not in present}
    words = []
    for word in WORD.findall(query.question):
        if stem(word.lower()) in missing and word.lower() not in words:
            words.append(word.lower())
    return tuple(words)


def _citation(
    n: int, hit: Hit, base_url: str, query: Query, quote: tuple[int, int] | None
) -> Citation:
    """A citation of `hit`; its link lands on the first piece quoted from it, if any."""
    p: Passage = hit.passage
    snippet = _snippet(p.text, quote[0] if quote else 0)
    return Citation(
        n=n,
        title=p.title,
        url=link_to(p, base_url, quote),
        section=p.section,
        snippet=snippet,
        score=round(hit.score, 4),
        passage_id=p.id,
        highlights=_highlights(snippet, query),
        page=p.page,
        quote=quote,
        type=p.page_type,
    )


def link_to(passage: Passage, base_url: str, quote: tuple[int, int] | None = None) -> str:
    """The link to a passage's section, landing on the quoted piece when there is one."""
    url = _link(base_url, passage.link)
    return with_fragment(url, passage.text[quote[0] : quote[1]]) if quote else url


@lru_cache(maxsize=4096)
def _link(base_url: str, link: str) -> str:
    return urljoin(base_url, link) if base_url else link


# Snippets and their words are cached: the same sections are cited again and again.


# Snippets and their words kept for the quotes cited most: the 841 eval questions cite
# 721 distinct ones; a snippet's words take about 5 KB, so 2,048 of them about 10 MB.
SNIPPETS_KEPT = 2048


@lru_cache(maxsize=SNIPPETS_KEPT)
def _snippet(text: str, start: int) -> str:
    """About SNIPPET_CHARS of the passage, from the quoted sentence when there is one."""
    # Only the first stretch can show, so only that is tidied.
    text = normalise_space(text[start : start + 2 * SNIPPET_CHARS])
    prefix = "…" if start else ""
    if len(text) <= SNIPPET_CHARS:
        return prefix + text
    cut = text.rfind(" ", 0, SNIPPET_CHARS)
    return prefix + text[: cut if cut > 0 else SNIPPET_CHARS] + "…"


@lru_cache(maxsize=SNIPPETS_KEPT)
def _words(snippet: str) -> tuple[tuple[int, int, str], ...]:
    """Each word of a snippet with its offsets and its stem (possessives dropped)."""
    return tuple(
        (m.start(), m.end(), stem(m.group(0).lower().split("'")[0].split("’")[0]))
        for m in WORD.finditer(snippet)
    )


def _highlights(snippet: str, query: Query) -> tuple[tuple[int, int], ...]:
    """Offsets of the snippet's words that match a word of the question."""
    wanted = query.terms
    return tuple([(start, end) for start, end, key in _words(snippet) if key in wanted])
