"""Measure the assistant on question sets, part by part.

Each line of a set is a JSON object: `id`, `question`, `part` (which part of the
measurement it belongs to, see below), `page` (the `section/slug` of the page that
answers it, or null when the guidance does not cover it), `heading` (the id of the
answering section), optionally `also` (other pages that answer it just as well),
`facts` (the key facts an answer must hold: a list of facts, each a list of
acceptable wordings copied from the answering section) and, for a follow-up,
`follow_up_of` (the id of the question it follows, answered first as in a chat).

The parts keep the figures honest:

- `tuning`: development questions that ranking and answering decisions may look at;
- `validation`: development questions no decision looks at (drawn at random, once);
- `blind`, `blind-holdout`, `blind-holdout-2`: questions written by people who never
  saw the pages, from a persona and the list of topics; decisions may look at `blind`,
  never at the held-out parts, which are reported only in aggregate
  (`blind-holdout-2` was written later, and first measured on 2026-12-04);
- `blind-conversations`: held out too, written the same way as short conversations, so
  that follow-ups are measured on more than a dozen questions;
- `blind-holdout-3`: a sixth round written the same way as `blind-holdout-2`, first
  measured late on 2026-12-04, after every decision so far;
- `first` and `first-holdout`: an eighth round, a newcomer's first questions (short and
  general, many about the programme itself), split at random once: decisions may look
  at `first`, never at `first-holdout`;
- `blind-oos` and `blind-oos-holdout`: a round of questions the guidance does not
  answer (personal data, other funders, legal advice, the present, practical details,
  near misses), written blind and split by id, odd and even: decisions may look at
  `blind-oos`, never at `blind-oos-holdout`.

Besides each question on its own, every standalone question with key facts is also
asked after another question of its part, about another page, in the same conversation
(`facts_after_another`): people change the subject in a chat, and a question that stands
alone must not be read as a follow-up of the answer before it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from .answer import compose, retrieve
from .index.search import SearchIndex
from .models import Answer, Hit
from .text import fold

RANKED = 10  # passages looked at for hit@k and MRR
PARTS = (
    "tuning",
    "validation",
    "blind",
    "blind-holdout",
    "blind-holdout-2",
    "blind-conversations",
    "blind-holdout-3",
    "first",
    "first-holdout",
    "blind-holdout-4",
    "blind-holdout-5",
    "blind-oos",
    "blind-oos-holdout",
)


@dataclass(frozen=True)
class Scores:
    """A part's figures; a share of no questions (none answerable, no follow-ups) is None."""

    questions: int
    answerable: int  # standalone questions the guidance covers
    section_hit_at_1: float | None  # the answering section is the first passage retrieved
    section_hit_at_3: float | None  # ... among the first three
    section_mrr: float | None  # mean reciprocal rank of the answering section
    facts_in_answer: float | None  # every key fact is in the answer's own text
    first_sentence_fact: float | None  # the answer's first sentence holds a key fact
    answered_when_covered: float | None  # covered questions not declined
    out_of_scope: int  # questions the guidance does not cover
    declined_out_of_scope: float | None  # of those, the share declined
    follow_ups: int
    follow_ups_found: float | None  # follow-ups whose answering section is among the first three
    follow_ups_answered: float | None  # follow-ups answered with every key fact
    # every key fact when asked after another question of the part, on another page, in
    # the same conversation: a change of subject, which is not a follow-up
    facts_after_another: float | None

    def to_json(self) -> dict:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Outcome:
    """How the assistant did on one question."""

    question: dict
    result: Answer
    rank: int | None  # of the answering section among the passages retrieved (0 = first)
    facts: bool  # every key fact in the answer text
    first_fact: bool  # the first sentence holds a key fact
    facts_after: bool | None = None  # every key fact when asked after another question


def load_questions(*paths: Path) -> list[dict]:
    """Read question sets; a line without a `part` belongs to `tuning`."""
    questions = []
    for path in paths:
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                questions.append({"part": "tuning", **json.loads(line)})
    return questions


def _page(url: str) -> str:
    return url.split("#")[0].removesuffix(".html")


def holds(text: str, fact: list[str]) -> bool:
    """True when `text` contains one of the fact's wordings ("arts-on-prescription"
    holds "arts on prescription": a hyphen joins the same words)."""
    text = _unhyphenated(text)
    return any(_unhyphenated(wording) in text for wording in fact)


def holds_every(text: str, facts: list[list[str]]) -> bool:
    """True when `text` holds every key fact (and there are some)."""
    return bool(facts) and all(holds(text, f) for f in facts)


def answer_text(result: Answer) -> str:
    """What an answer says, as key facts are looked for in it: nothing for a decline."""
    return "" if result.no_answer else result.text


def _unhyphenated(text: str) -> str:
    return re.sub(r"(?<=\w)-(?=\w)", " ", fold(text))


def run(index: SearchIndex, questions: list[dict], **options) -> list[Outcome]:
    """Answer every question as a user would; a follow-up comes after the answer to the
    question it follows, in the same conversation."""
    by_id = {q["id"]: q for q in questions}
    answered: dict[str, tuple[Answer, list[Hit]]] = {}

    def ask(q: dict) -> tuple[Answer, list[Hit]]:
        if q["id"] not in answered:
            previous, said = None, ()
            if q.get("follow_up_of"):
                before = ask(by_id[q["follow_up_of"]])[0]
                previous, said = [before.subject], before.said
            query, hits = retrieve(q["question"], index, previous, RANKED)
            answered[q["id"]] = compose(query, hits, index, said=said, **options), hits
        return answered[q["id"]]

    others = _others(questions)

    def after_another(q: dict) -> Answer:
        before = ask(others[q["id"]])[0]
        query, hits = retrieve(q["question"], index, [before.subject], RANKED)
        return compose(query, hits, index, said=before.said, **options)

    outcomes = []
    for q in questions:
        result, hits = ask(q)
        rank = None
        if q.get("page"):
            also = set(q.get("also", ()))
            for i, hit in enumerate(hits):
                page, anchor = _page(hit.passage.url), hit.passage.anchor
                if (page, anchor) == (q["page"], q.get("heading")) or page in also:
                    rank = i
                    break
        facts = q.get("facts") or []
        first = "" if result.no_answer or not result.sentences else result.sentences[0].text
        switched = None
        if facts and q.get("page") and q["id"] in others:
            switched = holds_every(answer_text(after_another(q)), facts)
        outcomes.append(
            Outcome(
                q,
                result,
                rank,
                holds_every(answer_text(result), facts),
                bool(facts) and any(holds(first, f) for f in facts),
                switched,
            )
        )
    return outcomes


def score(outcomes: Iterable[Outcome]) -> Scores:
    outcomes = list(outcomes)
    covered = [o for o in outcomes if o.question.get("page") and not o.question.get("follow_up_of")]
    with_facts = [o for o in covered if o.question.get("facts")]
    uncovered = [o for o in outcomes if not o.question.get("page")]
    follow = [o for o in outcomes if o.question.get("page") and o.question.get("follow_up_of")]

    def share(items: list, test) -> float | None:
        # None when there is nothing to measure (a part of out-of-scope questions only
        # has no answerable ones): 1.0 would claim a perfect score.
        return sum(1 for o in items if test(o)) / len(items) if items else None

    return Scores(
        questions=len(outcomes),
        answerable=len(covered),
        section_hit_at_1=share(covered, lambda o: o.rank == 0),
        section_hit_at_3=share(covered, lambda o: o.rank is not None and o.rank < 3),
        section_mrr=(
            sum(1 / (o.rank + 1) for o in covered if o.rank is not None) / len(covered)
            if covered
            else None
        ),
        facts_in_answer=share(with_facts, lambda o: o.facts),
        first_sentence_fact=share(with_facts, lambda o: o.first_fact),
        answered_when_covered=share(covered, lambda o: not o.result.no_answer),
        out_of_scope=len(uncovered),
        declined_out_of_scope=share(uncovered, lambda o: o.result.no_answer),
        follow_ups=len(follow),
        follow_ups_found=share(follow, lambda o: o.rank is not None and o.rank < 3),
        follow_ups_answered=share(
            [o for o in follow if o.question.get("facts")], lambda o: o.facts
        ),
        facts_after_another=share(
            [o for o in with_facts if o.facts_after is not None], lambda o: o.facts_after
        ),
    )


def evaluate(index: SearchIndex, questions: list[dict], **options) -> dict[str, Scores]:
    """Scores for each part of the question sets, in the order of PARTS."""
    outcomes = run(index, questions, **options)
    parts = sorted({o.question["part"] for o in outcomes}, key=_part_order)
    return {p: score(o for o in outcomes if o.question["part"] == p) for p in parts}


def _part_order(part: str) -> tuple[int, str]:
    return (PARTS.index(part) if part in PARTS else len(PARTS), part)


def changed_answers(old: SearchIndex, new: SearchIndex, questions: list[dict]) -> list[dict]:
    """The questions whose answer text or citations differ between two indexes, so an
    editor can see what an edit changed."""
    before_all = {o.question["id"]: o.result for o in run(old, questions)}
    changes = []
    for o in run(new, questions):
        q, after = o.question, o.result
        before = before_all[q["id"]]
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


def _others(questions: list[dict]) -> dict[str, dict]:
    """For each question that stands alone, the one asked before it when measuring a
    change of subject: the nearest earlier question of its part that stands alone and is
    answered on another page (failing that, the first later one); the same every run."""
    by_part: dict[str, list[dict]] = {}
    for q in questions:
        if not q.get("follow_up_of"):
            by_part.setdefault(q["part"], []).append(q)
    others = {}
    for alone in by_part.values():
        for i, q in enumerate(alone):
            earlier = [o for o in reversed(alone[:i]) if o.get("page") != q.get("page")]
            later = [o for o in alone[i + 1 :] if o.get("page") != q.get("page")]
            if earlier or later:
                others[q["id"]] = (earlier or later)[0]
    return others
