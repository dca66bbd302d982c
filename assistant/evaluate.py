"""Measure the assistant on a development question set.

Each line of the set is a JSON object: `id`, `question`, `page` (the `section/slug` of
the page that answers it, or null when the guidance does not cover it), `heading` (the
id of the answering section), optionally `also` (other pages that answer it just as
well, since some facts appear on several pages) and, for a follow-up, `follow_up_of`
(the id of the question it follows).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from .answer import answer, compose, retrieve
from .index.search import SearchIndex

RANKED = 10  # passages looked at for hit@k and MRR


@dataclass(frozen=True)
class Scores:
    questions: int
    hit_at_1: float  # the answering page is the first page cited
    hit_at_3: float  # ... among the first three distinct pages retrieved
    mrr: float  # mean reciprocal rank of the answering page among distinct pages
    section_hit_at_3: float  # the answering section among the first three passages
    answered_when_covered: float  # share of covered questions not refused
    no_answer_precision: float  # of the refusals, the share that were right
    no_answer_recall: float  # of the uncovered questions, the share refused
    no_answer_accuracy: float  # right answer/refusal decisions over all questions
    follow_ups: float  # follow-ups whose answering page is among the first three

    def to_json(self) -> dict:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


def load_questions(path: Path) -> list[dict]:
    lines = path.read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _page(url: str) -> str:
    return url.split("#")[0].removesuffix(".html")


def evaluate(index: SearchIndex, questions: list[dict], **options) -> Scores:
    """Answer every question as a user would and score the results."""
    by_id = {q["id"]: q for q in questions}
    hit1 = hit3 = rr = sec3 = 0.0
    covered = answered = refusals = right_refusals = uncovered = 0
    follow_total = follow_hits = 0
    for q in questions:
        previous = None
        if q.get("follow_up_of"):
            previous = [by_id[q["follow_up_of"]]["question"]]
        query, hits = retrieve(q["question"], index, previous, RANKED)
        result = compose(query, hits, index, top_k=RANKED, **options)
        pages = list(dict.fromkeys(_page(h.passage.url) for h in hits))
        refused = result.no_answer
        refusals += refused
        if q["page"] is None:
            uncovered += 1
            right_refusals += refused
            continue
        right = {q["page"], *q.get("also", ())}
        ranks = [i for i, page in enumerate(pages) if page in right]
        if previous is not None:
            follow_total += 1
            follow_hits += bool(ranks) and ranks[0] < 3
            continue
        covered += 1
        answered += not refused
        hit1 += bool(ranks) and ranks[0] == 0
        hit3 += bool(ranks) and ranks[0] < 3
        rr += 1 / (ranks[0] + 1) if ranks else 0
        sections = [(_page(h.passage.url), h.passage.anchor) for h in hits[:3]]
        sec3 += (q["page"], q["heading"]) in sections
    n = max(covered, 1)
    total = covered + uncovered
    return Scores(
        questions=len(questions),
        hit_at_1=hit1 / n,
        hit_at_3=hit3 / n,
        mrr=rr / n,
        section_hit_at_3=sec3 / n,
        answered_when_covered=answered / n,
        no_answer_precision=right_refusals / refusals if refusals else 1.0,
        no_answer_recall=right_refusals / uncovered if uncovered else 1.0,
        no_answer_accuracy=(answered + right_refusals) / total if total else 1.0,
        follow_ups=follow_hits / follow_total if follow_total else 1.0,
    )


def changed_answers(old: SearchIndex, new: SearchIndex, questions: list[dict]) -> list[dict]:
    """The questions whose answer text or citations differ between two indexes, so an
    editor can see what an edit changed."""
    by_id = {q["id"]: q for q in questions}
    changes = []
    for q in questions:
        previous = [by_id[q["follow_up_of"]]["question"]] if q.get("follow_up_of") else None
        before = answer(q["question"], old, previous=previous)
        after = answer(q["question"], new, previous=previous)
        cited_before = [c.url for c in before.citations]
        cited_after = [c.url for c in after.citations]
        if before.text != after.text or cited_before != cited_after:
            changes.append(
                {
                    "id": q["id"],
                    "question": q["question"],
                    "before": before.text,
                    "after": after.text,
                    "citations_before": cited_before,
                    "citations_after": cited_after,
                }
            )
    return changes
