"""Compose a short extractive answer, with citations, from the best passages.

Every answer sentence is a verbatim span of a cited passage: nothing is generated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urljoin

from .index import SearchIndex, index_text
from .models import Answer, AnswerSentence, Citation, Hit, Passage
from .settings import SETTINGS
from .text import analyze, normalise_space

NOT_COVERED = (
    "The guidance does not seem to cover this question. Try rephrasing it, or browse "
    "the guidance and case studies directly."
)
SNIPPET_CHARS = 240


def _default(name: str):
    return SETTINGS[name].default


@dataclass(frozen=True)
class _Candidate:
    text: str
    hit_rank: int
    hit: Hit
    start: int
    end: int
    score: float


def answer(
    question: str,
    index: SearchIndex,
    *,
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
        top_k: passages to retrieve; the answer draws on the best `max_passages`.
        max_sentences: most sentences in the answer.
        min_confidence: below this the answer says the guidance does not cover it.
        base_url: prefix for citation links to relative page URLs (for example
            "/site/" when the app serves the snapshot, or the live site's address).
    """
    hits = index.search(question, k=top_k)
    weights = _term_weights(question, index)
    confidence = _confidence(hits, weights, index)
    if not hits or confidence < min_confidence:
        return Answer(question, NOT_COVERED, (), (), True, confidence)

    chosen = _choose_sentences(hits[:max_passages], weights, max_sentences)
    numbers: dict[str, int] = {}  # passage id -> citation number, in order of first use
    sentences = []
    seen_text: dict[str, int] = {}
    for cand in chosen:
        n = numbers.setdefault(cand.hit.passage.id, len(numbers) + 1)
        key = normalise_space(cand.text).lower()
        if key in seen_text:  # the same sentence on two pages: show it once, cite both
            i = seen_text[key]
            prev = sentences[i]
            if n not in prev.citations:
                sentences[i] = AnswerSentence(
                    prev.text, prev.citations + (n,), prev.passage_id, prev.start, prev.end
                )
            continue
        seen_text[key] = len(sentences)
        sentences.append(AnswerSentence(cand.text, (n,), cand.hit.passage.id, cand.start, cand.end))
    hits_by_id = {h.passage.id: h for h in hits}
    citations = tuple(_citation(n, hits_by_id[pid], base_url) for pid, n in numbers.items())
    text = " ".join(f"{s.text} " + "".join(f"[{n}]" for n in s.citations) for s in sentences)
    return Answer(question, text, tuple(sentences), citations, False, confidence)


def _term_weights(question: str, index: SearchIndex) -> dict[str, float]:
    """IDF weight of each query term; a term the index has never seen weighs most."""
    unseen = math.log(len(index.passages) + 1) + 1
    return {
        term: float(index.idf[index.vocabulary[term]]) if term in index.vocabulary else unseen
        for term in set(analyze(question))
    }


def _confidence(hits: list[Hit], weights: dict[str, float], index: SearchIndex) -> float:
    """How sure we are that the best passage answers: the share of the question's
    weight (rare terms count most, unknown terms most of all) found in that passage.

    Scores themselves are not comparable across questions, but coverage is: a
    passage that lacks the question's rarest words is about something else.
    """
    if not hits or not weights:
        return 0.0
    present = set(analyze(index_text(hits[0].passage)))
    coverage = sum(w for t, w in weights.items() if t in present) / sum(weights.values())
    return round(coverage, 4)


def _choose_sentences(
    hits: list[Hit], weights: dict[str, float], max_sentences: int
) -> list[_Candidate]:
    """Pick the sentences that best cover the question, then order them for reading."""
    best = hits[0].score
    total = sum(weights.values()) or 1.0
    candidates = []
    for rank, hit in enumerate(hits):
        text = hit.passage.text
        for position, (start, end) in enumerate(hit.passage.sentences):
            terms = set(analyze(text[start:end]))
            overlap = sum(w for t, w in weights.items() if t in terms) / total
            # Passage relevance and the sentence's own overlap both count; the lead
            # sentence of a section often states its subject, so it gets a nudge.
            score = overlap * (hit.score / best) + (0.05 if position == 0 else 0.0)
            if overlap > 0:
                candidates.append(_Candidate(text[start:end], rank, hit, start, end, score))
    candidates.sort(key=lambda c: -c.score)
    picked: list[_Candidate] = []
    covered: set[str] = set()
    for cand in candidates:
        terms = set(analyze(cand.text)) & weights.keys()
        # After the first, a sentence must add a question term or be nearly as good.
        if picked and not (terms - covered) and cand.score < 0.8 * picked[0].score:
            continue
        picked.append(cand)
        covered |= terms
        if len(picked) == max_sentences:
            break
    return sorted(picked, key=lambda c: (c.hit_rank, c.start))


def _citation(n: int, hit: Hit, base_url: str) -> Citation:
    p: Passage = hit.passage
    return Citation(
        n=n,
        title=p.title,
        url=urljoin(base_url, p.link) if base_url else p.link,
        section=p.section,
        snippet=_snippet(p.text),
        score=round(hit.score, 4),
        passage_id=p.id,
    )


def _snippet(text: str) -> str:
    text = normalise_space(text)
    if len(text) <= SNIPPET_CHARS:
        return text
    cut = text.rfind(" ", 0, SNIPPET_CHARS)
    return text[: cut if cut > 0 else SNIPPET_CHARS] + "…"
