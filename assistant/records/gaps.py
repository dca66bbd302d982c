"""The unanswered-questions report: what users asked that the guidance did not answer
well, grouped so editors can see which gaps matter most."""

from __future__ import annotations

import csv
import html
import io
from collections import Counter
from dataclasses import dataclass, field

from ..index.search import SearchIndex
from ..text import analyze, stem, tokens

# Answered, but below this confidence (a calibrated probability that the answer holds
# what was asked; see assistant/answer/confidence.py) an editor should look.
LOW_CONFIDENCE = 0.35
# A cell starting with one of these is read as a formula by spreadsheets (OWASP, "CSV
# Injection"), and the report quotes what users typed.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Gap:
    terms: tuple[str, ...]  # the words that define the group, as users typed them
    questions: list[str] = field(default_factory=list)
    not_covered: int = 0
    low_confidence: int = 0
    thumbs_down: int = 0
    nearest: dict[str, str] = field(default_factory=dict)  # url -> "title: section"

    @property
    def count(self) -> int:
        return len(self.questions)


def find_gaps(rows: list[dict], index: SearchIndex | None = None) -> list[Gap]:
    """Group not-covered, low-confidence and thumbs-down answers by their rarest word
    (by the index's idf; words the index lacks count as rarest), most asked first."""
    gaps: dict[tuple[str, ...], Gap] = {}
    weak_rows = [
        r for r in rows if r["no_answer"] or r["confidence"] < LOW_CONFIDENCE or r.get("down", 0)
    ]
    analysed = [set(analyze(r["question"])) for r in weak_rows]
    asked = Counter(t for terms in analysed for t in terms)  # ties go to the commoner gap
    for row, terms in zip(weak_rows, analysed, strict=True):
        terms = sorted(
            terms, key=lambda t: (-(index.term_weight(t) if index else 1.0), -asked[t], t)
        )
        key = tuple(terms[:1]) or ("(no words)",)
        surface = _surface(row["question"], key)
        gap = gaps.setdefault(key, Gap(surface))
        gap.questions.append(row["question"])
        gap.not_covered += bool(row["no_answer"])
        gap.low_confidence += not row["no_answer"] and row["confidence"] < LOW_CONFIDENCE
        gap.thumbs_down += bool(row.get("down", 0))
        for s in row["sections"][:3]:
            gap.nearest.setdefault(s["url"], f"{s['title']}: {s['section']}")
    return sorted(gaps.values(), key=lambda g: (-g.count, g.terms))


def _surface(question: str, key: tuple[str, ...]) -> tuple[str, ...]:
    words = {stem(w): w for w in tokens(question)}
    return tuple(words.get(t, t) for t in key)


def to_csv(gaps: list[Gap]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "terms",
            "count",
            "not_covered",
            "low_confidence",
            "thumbs_down",
            "example_questions",
            "nearest_sections",
        ]
    )
    for g in gaps:
        writer.writerow(
            [
                _cell(" ".join(g.terms)),
                g.count,
                g.not_covered,
                g.low_confidence,
                g.thumbs_down,
                _cell(" | ".join(dict.fromkeys(g.questions))[:1000]),
                _cell(" | ".join(f"{label} <{url}>" for url, label in list(g.nearest.items())[:3])),
            ]
        )
    return out.getvalue()


def _cell(text: str) -> str:
    """Text a spreadsheet shows and never runs: a leading single quote, as OWASP
    advises, before anything that would start a formula ("=HYPERLINK(...)")."""
    return "'" + text if text.startswith(FORMULA_START) else text


def to_html(gaps: list[Gap]) -> str:
    rows = []
    for g in gaps:
        examples = "".join(
            f"<li>{html.escape(q)}</li>" for q in list(dict.fromkeys(g.questions))[:5]
        )
        nearest = "".join(
            f'<li><a href="{html.escape(url)}">{html.escape(label)}</a></li>'
            for url, label in list(g.nearest.items())[:3]
        )
        rows.append(
            f"<tr><td>{html.escape(' '.join(g.terms))}</td><td>{g.count}</td>"
            f"<td>{g.not_covered}</td><td>{g.low_confidence}</td><td>{g.thumbs_down}</td>"
            f"<td><ul>{examples}</ul></td><td><ul>{nearest}</ul></td></tr>"
        )
    body = "".join(rows) or '<tr><td colspan="7">No unanswered questions recorded.</td></tr>'
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        "<title>Unanswered questions</title></head><body><h1>Unanswered questions</h1>"
        "<p>Questions the guidance did not cover, answered with low confidence, or marked "
        "unhelpful, grouped by their rarest word, most asked first.</p>"
        "<table><thead><tr><th>Words</th><th>Asked</th><th>Not covered</th>"
        "<th>Low confidence</th><th>Thumbs down</th><th>Examples</th>"
        f"<th>Nearest sections</th></tr></thead><tbody>{body}</tbody></table></body></html>"
    )
