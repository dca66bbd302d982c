"""The compiled core of TF-IDF search: add up the query terms' postings and pick the best
passages, in one pass each, with numba.

Why compiled: at 100,000 passages a question's terms have about 100,000 postings, and
NumPy needs several passes over them (gather, repeat, multiply, bincount) and one over
every passage (flatnonzero) before it can select; a loop that adds each posting into its
passage's score and then keeps the best k in a small heap makes one. Ways that avoid the
work were measured first and dropped (benchmarks/query.py's passages, 500 development
questions): skipping the postings of common terms that cannot change the top k (a
passage's score outside each common term's best eighth bounded by the rest) proved the
top 10 safe for only 122 questions in 500, and the top 200 that hybrid search rescores
for 32, because the synthetic passages, like the corpus, have few rare words; a NumPy
MaxScore was slower than the plain search; sparse_dot_topn's compiled product was
slower still (2.0 ms against NumPy's 1.9 ms at 100,000 passages).

Same rankings as the NumPy search (search.py's `_lexical` and `_top`, kept as the
fallback and as the tests' reference): each posting's product is rounded to float32 as
NumPy's `data * weights` does, then added in float64 in the same order (the query's
terms in turn, each term's postings by row) as `np.bincount` adds them, so every score
is the same to the bit. Passages that tie are ordered by row (NumPy's argpartition left
their order unspecified).

numba costs memory: importing it maps LLVM (about 110 MB of the process's resident
memory, mostly clean pages of libllvmlite's file). It is an optional dependency (the
`fast` extra); without it, or with CCP_SEARCH_KERNEL=numpy, search runs the NumPy path.
Compiled code is cached in __pycache__ (or numba's user cache when that is not
writable), so a server compiles once per machine, when it loads its first index.
"""

from __future__ import annotations

import os

import numpy as np

# Raises ImportError when numba is missing or turned off; search.py then uses NumPy.
if os.environ.get("CCP_SEARCH_KERNEL", "").lower() == "numpy":
    raise ImportError("CCP_SEARCH_KERNEL=numpy")

from numba import njit  # noqa: E402

_BLOCK = 64


@njit(cache=True, nogil=True)
def _better(key_a, row_a, key_b, row_b):  # pragma: no cover - compiled
    return key_a > key_b or (key_a == key_b and row_a < row_b)


@njit(cache=True, nogil=True)
def _sift_down(keys, rows, size, i):  # pragma: no cover - compiled
    # A heap whose root is the worst of the best k kept so far.
    while True:
        child = 2 * i + 1
        if child >= size:
            return
        if child + 1 < size and _better(keys[child], rows[child], keys[child + 1], rows[child + 1]):
            child += 1
        if _better(keys[i], rows[i], keys[child], rows[child]):
            keys[i], keys[child] = keys[child], keys[i]
            rows[i], rows[child] = rows[child], rows[i]
            i = child
        else:
            return


@njit(cache=True, nogil=True)
def _offer(keys, rows, filled, size, key, r):  # pragma: no cover - compiled
    """Offer a passage to the heap of the best `size`; returns how many it now holds."""
    if filled < size:
        j = filled
        keys[j] = key
        rows[j] = r
        while j > 0:  # sift up
            parent = (j - 1) // 2
            if _better(keys[parent], rows[parent], keys[j], rows[j]):
                keys[parent], keys[j] = keys[j], keys[parent]
                rows[parent], rows[j] = rows[j], rows[parent]
                j = parent
            else:
                break
        return filled + 1
    if size > 0 and _better(key, r, keys[0], rows[0]):
        keys[0] = key
        rows[0] = r
        _sift_down(keys, rows, size, 0)
    return filled


@njit(cache=True, nogil=True)
def top_k(
    indptr, indices, data, cols, weights, k, prior, use_prior, allowed, use_allowed, acc, seen
):  # pragma: no cover - compiled
    """The k passages with the best scores for terms `cols` weighted `weights`.

    A score is the sum of a passage's postings times its term's weight; a passage is
    ranked by its score times `prior[row]` when `use_prior`. Only rows that `allowed`
    marks count when `use_allowed`. `acc` (float64, zeros) and `seen` (int32) are
    scratch of one entry per passage; `acc` is left as zeros. Returns the rows and their
    scores (without the prior), best first, and how many passages share a term with the
    query (and are allowed).

    Two ways, by the number of postings: many (a fifth of the passages or more), add
    them up without noting which passages they reach, then read every passage in
    order (no branch to mispredict per posting; 1-2 ns a posting); few, note each
    passage reached the first time (branch-free) and read only those.
    """
    n = len(acc)
    postings = 0
    for t in range(len(cols)):
        postings += indptr[cols[t] + 1] - indptr[cols[t]]
    dense = postings * 5 >= n
    m = 0
    for t in range(len(cols)):
        c = cols[t]
        w = weights[t]
        if dense:
            for j in range(indptr[c], indptr[c + 1]):
                r = indices[j]
                acc[r] += np.float64(data[j] * w)
        else:
            for j in range(indptr[c], indptr[c + 1]):
                r = indices[j]
                v = acc[r]
                seen[m] = r
                m += v == 0.0
                acc[r] = v + np.float64(data[j] * w)
    size = min(k, postings)
    keys = np.empty(size, np.float64)
    rows = np.empty(size, np.int64)
    filled = 0
    if dense and size > 0:
        # Passages are read in blocks: a block none of whose passages beats the worst
        # kept is passed over after one loop that the compiler vectorises (it only
        # counts); rows come in order, so a passage that ties with the worst kept is
        # not better.
        threshold = -1.0
        for start in range(0, n, _BLOCK):
            stop = min(start + _BLOCK, n)
            better = 0
            for r in range(start, stop):
                v = acc[r]
                if use_allowed:
                    m += (v != 0.0) & allowed[r]
                else:
                    m += v != 0.0
                better += (v * prior[r] if use_prior else v) > threshold
            if better == 0:
                continue
            for r in range(start, stop):
                v = acc[r]
                key = v * prior[r] if use_prior else v
                if key > threshold and v != 0.0 and (not use_allowed or allowed[r]):
                    filled = _offer(keys, rows, filled, size, key, r)
                    if filled == size:
                        threshold = keys[0]
    else:
        found = 0
        for i in range(m):
            r = seen[i]
            if use_allowed and not allowed[r]:
                continue
            found += 1
            v = acc[r]
            filled = _offer(keys, rows, filled, size, v * prior[r] if use_prior else v, r)
    # Take the heap apart, worst first, into best-first order.
    out_rows = np.empty(filled, np.int64)
    out_scores = np.empty(filled, np.float64)
    for i in range(filled - 1, -1, -1):
        out_rows[i] = rows[0]
        out_scores[i] = acc[rows[0]]
        keys[0] = keys[i]
        rows[0] = rows[i]
        _sift_down(keys, rows, i, 0)
    if dense:
        acc[:] = 0.0
    else:
        for i in range(m):
            acc[seen[i]] = 0.0
        m = found
    return out_rows, out_scores, m


@njit(cache=True, nogil=True)
def scores_into(indptr, indices, data, cols, weights, out):  # pragma: no cover - compiled
    """Add every passage's score for the terms into `out` (float64, one per passage)."""
    for t in range(len(cols)):
        c = cols[t]
        w = weights[t]
        for j in range(indptr[c], indptr[c + 1]):
            out[indices[j]] += np.float64(data[j] * w)
