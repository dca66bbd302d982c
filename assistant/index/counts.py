"""Term counts for the index, computed once per passage and carried across updates.

An update copies the count rows of passages it kept and analyses only new ones, then
the TF-IDF weights are recomputed from the counts, so updating costs little more than
reading the changed pages while giving exactly what a full build would.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from ..models import Passage
from ..text import analyze, tokens

# How many times each field's words count. A page title and a section heading say what
# a section is about, so a word there outweighs a passing mention in the body (chosen
# on the development set's tuning part and on Cranfield and CISI, whose titles are a field
# of their own: a title counted twice did best on all three; see BENCHMARKS.md).
FIELD_WEIGHTS = (("title", 2), ("headings", 2), ("text", 1))


def index_text(passage: Passage) -> str:
    """The text a passage is found by, each field repeated by its FIELD_WEIGHTS."""
    fields = {
        "title": passage.title,
        "headings": " ".join(passage.heading_path),
        "text": passage.text,
    }
    return "\n".join(fields[name] for name, times in FIELD_WEIGHTS for _ in range(times))


def term_counts(
    passages: Sequence[Passage],
    old_passages: Sequence[Passage] = (),
    old_terms: Sequence[str] = (),
    old_counts: sp.csr_matrix | None = None,
) -> tuple[list[str], sp.csr_matrix]:
    """Count each passage's index terms: a CSR matrix whose columns are sorted terms.

    Rows of passages that are (the same objects as) `old_passages` are copied from
    `old_counts` instead of being analysed again.
    """
    old_row = {id(p): i for i, p in enumerate(old_passages)} if old_counts is not None else {}
    vocabulary = {t: i for i, t in enumerate(old_terms)}
    indices, data, indptr = [], [], [0]
    for p in passages:
        row = old_row.get(id(p))
        if row is not None:
            start, end = old_counts.indptr[row], old_counts.indptr[row + 1]
            indices.append(old_counts.indices[start:end].astype(np.int64))
            data.append(old_counts.data[start:end])
        else:
            counts = Counter(analyze(index_text(p)))
            columns = [vocabulary.setdefault(t, len(vocabulary)) for t in counts]
            indices.append(np.array(columns, dtype=np.int64))
            data.append(np.fromiter(counts.values(), np.int32, len(counts)))
        indptr.append(indptr[-1] + len(indices[-1]))
    matrix = sp.csr_matrix(
        (np.concatenate(data), np.concatenate(indices), np.array(indptr)),
        shape=(len(passages), len(vocabulary)),
    )
    # Keep only terms still in use, in sorted order: the same as a build from scratch.
    terms = np.array(list(vocabulary), dtype=object)
    used = np.flatnonzero(np.bincount(matrix.indices, minlength=len(terms)))
    order = used[np.argsort(terms[used])]
    matrix = matrix[:, order].tocsr()
    matrix.sort_indices()
    return terms[order].tolist(), matrix


def surface_words(passages: Sequence[Passage]) -> Counter[str]:
    """Lower-case words of the passages' text (no numbers), for spelling correction."""
    return Counter(w for p in passages for w in tokens(p.text) if not w.isdigit())
