"""The compiled search (assistant/index/kernel.py) ranks exactly as the NumPy search it
replaces: the same passages, in the same order, with the same scores to the bit."""

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from assistant.index import SearchIndex
from assistant.index import search as search_module
from assistant.models import Passage
from assistant.text import analyze

from .conftest import ROOT

pytest.importorskip("numba")

QUESTIONS = Path(__file__).parent / "eval" / "questions.jsonl"


def questions(limit: int) -> list[str]:
    lines = QUESTIONS.read_text().splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()][:limit]


def synthetic(words: dict[str, int], n: int, documents: bool = False) -> list[Passage]:
    """Passages drawn from the corpus's words at their frequencies (benchmarks/query.py's
    way), some repeated so that scores tie, a tenth from documents when asked."""
    rng = np.random.default_rng(3)
    vocab = np.array(list(words))
    p = np.array(list(words.values()), dtype=float)
    p /= p.sum()
    passages = []
    for i in range(n):
        if i % 50 == 49:  # a copy of an earlier passage: the same scores, another row
            text = passages[i - 7].text
        else:
            text = " ".join(vocab[rng.choice(len(vocab), size=rng.integers(5, 60), p=p)])
        passages.append(
            Passage(
                f"s{i}",
                f"s/{i // 10}.pdf" if documents and i % 10 == 0 else f"s/{i // 10}.html",
                f"Page {i // 10}",
                (),
                None,
                text,
                (),
                page=1 if documents and i % 10 == 0 else None,
            )
        )
    return passages


def same_hits(index: SearchIndex, asked: list[str], masks: list) -> int:
    """Compare the two searches over questions, sizes, masks, with and without vectors;
    returns how many searches were compared."""
    assert index._kernel is not None
    compared = 0
    for question in asked:
        terms = Counter(analyze(question))
        vector = index.embed_query(question)
        for k in (1, 5, 10, 40):
            for v in (None, vector):
                for allowed in masks:
                    old = index._search_numpy(terms, k, v, allowed)
                    new = index._search_compiled(terms, k, v, allowed)
                    assert [(h.row, h.score) for h in new] == [(h.row, h.score) for h in old], (
                        question,
                        k,
                        v is not None,
                    )
                    compared += 1
    return compared


def test_the_compiled_search_ranks_the_corpus_as_numpy_does(corpus_index):
    rng = np.random.default_rng(1)
    masks = [None, rng.random(len(corpus_index.passages)) < 0.3]
    assert same_hits(corpus_index, questions(300), masks) == 300 * 4 * 2 * 2
    # search_terms is the compiled search when numba is installed.
    terms = Counter(analyze("Who funded the Kent pilot?"))
    assert corpus_index.search_terms(terms, 5) == corpus_index._search_compiled(
        terms, 5, None, None
    )


@pytest.fixture(scope="module", params=[True, False], ids=["documents", "pages"])
def synthetic_index(corpus_index, request):
    # Above SCAN_LIMIT, so hybrid search rescores TF-IDF's best RESCORED passages; with
    # documents, whose prior weighs scores, and without (scores stay float32 in places).
    index = SearchIndex.build(synthetic(corpus_index.words, 4_500, documents=request.param))
    assert len(index.passages) > search_module.SCAN_LIMIT and index._scan is None
    assert (index._prior is not None) == request.param
    return index


def test_the_compiled_search_ranks_a_larger_collection_as_numpy_does(synthetic_index):
    rng = np.random.default_rng(2)
    n = len(synthetic_index.passages)
    # A mask that leaves a few passages: fewer candidates than asked for.
    sparse = np.zeros(n, bool)
    sparse[rng.choice(n, 5, replace=False)] = True
    masks = [None, rng.random(n) < 0.5, sparse]
    asked = questions(100) + ["the", "commissioning arts council health", "zzzz qqqq", ""]
    assert same_hits(synthetic_index, asked, masks) == len(asked) * 4 * 2 * 3


def test_the_compiled_search_ranks_a_small_collection_of_pages_as_numpy_does(corpus_index):
    # Every passage compared with the question's vector, and no prior.
    index = SearchIndex.build(synthetic(corpus_index.words, 700))
    assert index._scan is not None and index._prior is None
    rng = np.random.default_rng(4)
    asked = questions(100) + ["zzzz qqqq", ""]
    masks = [None, rng.random(700) < 0.5]
    assert same_hits(index, asked, masks) == len(asked) * 4 * 2 * 2


def test_tied_passages_come_in_row_order(synthetic_index):
    # Every 50th passage repeats an earlier one: equal scores, the lower row first.
    copy = synthetic_index.passages[49]
    hits = synthetic_index.search_terms(Counter(analyze(copy.text)), 5)
    tied = [h.row for h in hits if h.score == hits[0].score]
    assert 42 in tied and 49 in tied and tied == sorted(tied)


def test_without_numba_the_numpy_search_serves(corpus_index, monkeypatch):
    terms = Counter(analyze("How do I measure the outcomes of an arts project?"))
    vector = corpus_index.embed_query("How do I measure the outcomes of an arts project?")
    expected = corpus_index.search_terms(terms, 5, vector)
    monkeypatch.setattr(corpus_index, "_kernel", None)
    assert corpus_index.search_terms(terms, 5, vector) == expected


def test_the_numpy_search_can_be_chosen(fixture_index_root):
    # CCP_SEARCH_KERNEL=numpy keeps numba out of the process (its memory, its compile).
    code = (
        "import sys; from pathlib import Path; from assistant.index import load_current; "
        f"index = load_current(Path({str(fixture_index_root)!r})); "
        "print(index._kernel is None, 'numba' in sys.modules)"
    )
    for kernel, expected in (("numpy", "True False"), ("", "False True")):
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**os.environ, "CCP_SEARCH_KERNEL": kernel},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.stdout.split() == expected.split(), done.stderr
