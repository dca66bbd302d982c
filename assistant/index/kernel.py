"""The compiled core of search, with numba: add up the query terms' postings and pick the
best passages; for hybrid search, fuse TF-IDF and similarity and pick.

Why compiled: at 100,000 passages a question's terms have about 100,000 postings, and
NumPy needs several passes over them (gather, repeat, multiply, bincount) and over every
passage (flatnonzero, argpartition) before it can select, each a call with its own
overhead; one compiled loop adds each posting into its passage's score, and one pass
over the scores finds the few passages that can be among the best k. Ways that avoid the
work were measured first and dropped (benchmarks/query.py's passages, 500 development
questions): skipping the postings of common terms that cannot change the top k (a
passage's score outside each common term's best eighth bounded by the rest) proved the
top 10 safe for only 122 questions in 500, and the top 200 that hybrid search rescores
for 32, because the synthetic passages, like the corpus, have few rare words; a NumPy
MaxScore was slower than the plain search; sparse_dot_topn's compiled product was
slower still (2.0 ms against NumPy's 1.9 ms at 100,000 passages). Within the kernel,
adding up 64k rows at a time (to keep their scores in cache) and clearing the scores
group by group as they are read were both slower at a million passages (3.2-3.9 ms
against 2.2 ms a question).

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

# Selection uses a heap written here rather than NumPy's sorts as numba compiles them:
# the kernels then compile in a few seconds rather than twenty.


@njit(cache=True, nogil=True)
def _better(key_a, row_a, key_b, row_b):  # pragma: no cover - compiled
    """Ranking order: the higher key, and of equal keys the lower row."""
    return key_a > key_b or (key_a == key_b and row_a < row_b)


@njit(cache=True, nogil=True)
def _sift_down(keys, rows, size, i):  # pragma: no cover - compiled
    # A heap whose root is the worst of those kept.
    while True:
        child = 2 * i + 1
        if child >= size:
            return
        if child + 1 < size and _better(keys[child], rows[child], keys[child + 1], rows[child + 1]):
            child += 1
        if not _better(keys[i], rows[i], keys[child], rows[child]):
            return
        keys[i], keys[child] = keys[child], keys[i]
        rows[i], rows[child] = rows[child], rows[i]
        i = child


@njit(cache=True, nogil=True)
def _best(keys, rows, k):  # pragma: no cover - compiled
    """The best k of (key, row) pairs in ranking order: their keys and rows."""
    size = min(k, len(keys))
    heap_keys = np.empty(size, np.float64)
    heap_rows = np.empty(size, np.int64)
    for i in range(len(keys)):
        key, row = keys[i], rows[i]
        if i < size:
            j = i
            heap_keys[j], heap_rows[j] = key, row
            while j > 0:  # sift up
                parent = (j - 1) // 2
                if not _better(heap_keys[parent], heap_rows[parent], key, row):
                    break
                heap_keys[j], heap_rows[j] = heap_keys[parent], heap_rows[parent]
                heap_keys[parent], heap_rows[parent] = key, row
                j = parent
        elif size > 0 and _better(key, row, heap_keys[0], heap_rows[0]):
            heap_keys[0], heap_rows[0] = key, row
            _sift_down(heap_keys, heap_rows, size, 0)
    out_keys = np.empty(size, np.float64)
    out_rows = np.empty(size, np.int64)
    for i in range(size - 1, -1, -1):  # the worst first, into the last place
        out_keys[i], out_rows[i] = heap_keys[0], heap_rows[0]
        heap_keys[0], heap_rows[0] = heap_keys[i], heap_rows[i]
        _sift_down(heap_keys, heap_rows, i, 0)
    return out_keys, out_rows


@njit(cache=True, nogil=True)
def _kth_best(values, k):  # pragma: no cover - compiled
    """The k-th highest of `values` (1 <= k <= len(values)): quickselect (Hoare's
    partition) on a copy."""
    a = values.copy()
    lo, hi, target = 0, len(a) - 1, k - 1
    while lo < hi:
        pivot = a[(lo + hi) // 2]
        i, j = lo, hi
        while i <= j:
            while a[i] > pivot:
                i += 1
            while a[j] < pivot:
                j -= 1
            if i <= j:
                a[i], a[j] = a[j], a[i]
                i += 1
                j -= 1
        if target <= j:
            hi = j
        elif target >= i:
            lo = i
        else:
            break
    return a[target]


@njit(cache=True, nogil=True)
def _threshold(group_best, size):  # pragma: no cover - compiled
    """A key that at least `size` passages reach: the size-th best of the groups' best
    keys (each group's best is a distinct passage's). 0 when too few groups have one."""
    if len(group_best) < size:
        return 0.0
    return _kth_best(group_best, size)


@njit(cache=True, nogil=True, fastmath=True)
def _best_of_groups(
    acc, seen, dense, span, prior, use_prior, allowed, use_allowed, group, group_best
):  # pragma: no cover - compiled
    """Each group's best key into `group_best`; returns how many passages have a key.
    (fastmath lets the compiler vectorise the maxima; a key is one product, which it
    does not change.)"""
    found = 0
    for g in range(len(group_best)):
        best = 0.0
        if dense:
            for r in range(g * group, min(span, (g + 1) * group)):
                key = acc[r]
                if use_prior:
                    key *= prior[r]
                if use_allowed:
                    key *= allowed[r]
                found += key > 0.0
                best = max(best, key)
        else:
            for i in range(g * group, min(span, (g + 1) * group)):
                r = seen[i]
                key = acc[r]
                if use_prior:
                    key *= prior[r]
                if use_allowed:
                    key *= allowed[r]
                found += key > 0.0
                best = max(best, key)
        group_best[g] = best
    return found


@njit(cache=True, nogil=True)
def top_k(
    indptr,
    indices,
    data,
    cols,
    weights,
    k,
    prior,
    use_prior,
    allowed,
    use_allowed,
    acc,
    seen,
    got,
    picked,
    by_row,
):  # pragma: no cover - compiled
    """The k passages with the best scores for terms `cols` weighted `weights`.

    A score is the sum of a passage's postings times its term's weight; a passage is
    ranked by its score times `prior[row]` when `use_prior`. Only rows that `allowed`
    marks count when `use_allowed`. `acc` (float64, zeros), `seen` and `picked`
    (int32) and `got` (float64) are scratch of one entry per passage; `acc` is left
    as zeros. Returns the rows and their scores (without the prior), best first (of
    equal keys, the lower row first) or, `by_row`, by row; and how many passages share
    a term with the query (and are allowed).

    Adding up: with many postings (a fifth of the passages or more), they are added
    without noting which passages they reach, and every passage is read after (no
    branch per posting to mispredict: 1-2 ns a posting); with few, each passage is
    noted the first time it is reached (branch-free) and only those are read.

    Selecting: the passages reached are split into about 16k groups; the k-th best of
    the groups' best keys is a key that k passages reach, so only passages that reach
    it can be among the k best. They are few, and only they go through a heap of the
    best k. (A heap over every passage reached was slower for the k = 200 that hybrid
    search rescores: 400 against 220 us at 100,000 passages.)
    """
    n = len(acc)
    postings = 0
    for t in range(len(cols)):
        postings += indptr[cols[t] + 1] - indptr[cols[t]]
    dense = postings * 5 >= n
    touched = 0
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
                seen[touched] = r
                touched += v == 0.0
                acc[r] = v + np.float64(data[j] * w)
    # Groups of the passages reached (rows when dense, places in `seen` when sparse):
    # the size-th best of the groups' best keys is a key that `size` passages reach, so
    # only passages that reach it can be among the best; they are in few groups.
    span = n if dense else touched
    size = max(k, 1)
    group = max(16, span // (16 * size))
    group_best = np.empty((span + group - 1) // group, np.float64)
    found = _best_of_groups(
        acc, seen, dense, span, prior, use_prior, allowed, use_allowed, group, group_best
    )
    threshold = _threshold(group_best, size)
    # The passages that reach it.
    chosen = 0
    for g in range(len(group_best)):
        if group_best[g] > 0.0 and group_best[g] >= threshold:
            for i in range(g * group, min(span, (g + 1) * group)):
                r = i if dense else seen[i]
                key = acc[r] * prior[r] if use_prior else acc[r]
                if key > 0.0 and key >= threshold and (not use_allowed or allowed[r]):
                    picked[chosen] = r
                    got[chosen] = key
                    chosen += 1
    if by_row and dense:
        # Picked by row: keep the best k in that order, without sorting them by key
        # (of passages tied with the k-th, the first, which have the lower rows).
        keys = got[:chosen]
        cut = _kth_best(keys, k) if chosen > k else 0.0
        ties = k
        for i in range(chosen):
            ties -= keys[i] > cut
        out_rows = np.empty(min(k, chosen), np.int64)
        kept = 0
        for i in range(chosen):
            if keys[i] > cut or (keys[i] == cut and ties > 0):
                ties -= keys[i] == cut
                out_rows[kept] = picked[i]
                kept += 1
    else:
        out_rows = _best(got[:chosen], picked[:chosen], k)[1]
        if by_row:  # equal keys: by row
            out_rows = _best(np.zeros(len(out_rows)), out_rows, len(out_rows))[1]
    out_scores = np.empty(len(out_rows), np.float64)
    for i in range(len(out_rows)):
        out_scores[i] = acc[out_rows[i]]
    if dense:
        acc[:] = 0.0
    else:
        for i in range(touched):
            acc[seen[i]] = 0.0
    return out_rows, out_scores, found


@njit(cache=True, nogil=True)
def scores_into(indptr, indices, data, cols, weights, out):  # pragma: no cover - compiled
    """Add every passage's score for the terms into `out` (float64, one per passage)."""
    for t in range(len(cols)):
        c = cols[t]
        w = weights[t]
        for j in range(indptr[c], indptr[c + 1]):
            out[indices[j]] += np.float64(data[j] * w)


# Hybrid search's last steps, as search.py's _scan_all, _fused, _scaled and _top do them
# in NumPy, with NumPy's types: float32 arithmetic where NumPy keeps float32 (a Python
# float meeting a float32 array becomes float32), float64 where it widens. The tests
# check that the hits and their scores are the same to the bit.


@njit(cache=True, nogil=True)
def _fuse_top(
    rows, lexical, dense, k, prior, use_prior, semantic_weight, wide
):  # pragma: no cover - compiled
    """The best k of candidates `rows` (ascending) by (1 - w) x TF-IDF scaled to its
    best + w x similarity min-max scaled, times the prior; returns rows and scores
    (float64), best first, of equal scores the lower row first, only scores above 0."""
    c = len(rows)
    top_lexical = lexical.max()
    low, high = dense.min(), dense.max()
    lexical_span = np.float64(top_lexical) - 0.0
    dense_span = np.float64(high) - np.float64(low)
    pool = np.empty(c, np.float64)
    kept = np.float64(1 - semantic_weight)
    w = np.float32(semantic_weight)
    for i in range(c):
        if dense_span > 0:
            b = (dense[i] - low) / np.float32(dense_span)
        else:
            b = np.float32(0.0)
        if wide:
            a = lexical[i] / lexical_span if lexical_span > 0 else 0.0
            fused = kept * np.float64(a) + np.float64(w * b)
        else:
            a32 = lexical[i] / np.float32(lexical_span) if lexical_span > 0 else np.float32(0.0)
            fused = np.float64(np.float32(kept) * np.float32(a32) + w * b)
        pool[i] = fused * prior[rows[i]] if use_prior else fused
    scores, best = _best(pool, rows, k)
    count = 0
    while count < len(scores) and scores[count] > 0:
        count += 1
    return best[:count], scores[:count]


@njit(cache=True, nogil=True)
def fused_top(
    rows, lexical, dense, k, prior, use_prior, semantic_weight
):  # pragma: no cover - compiled
    """Hybrid search over TF-IDF's best candidates (`rows` ascending, their float64
    TF-IDF scores and float32 similarities): rows and scores of the best k."""
    return _fuse_top(rows, lexical, dense, k, prior, use_prior, semantic_weight, True)


@njit(cache=True, nogil=True)
def scan_top(
    lexical, dense, allowed, use_allowed, k, prior, use_prior, semantic_weight, meaning_alone
):  # pragma: no cover - compiled
    """Hybrid search where every passage is a candidate (`lexical`: every passage's
    float64 TF-IDF score; `dense`: its float32 similarity): a passage that shares no
    term with the query must reach `meaning_alone`. Rows and scores of the best k."""
    n = len(lexical)
    alone = np.float32(meaning_alone)
    count = 0
    for r in range(n):
        if (np.float32(lexical[r]) > 0 or dense[r] >= alone) and (not use_allowed or allowed[r]):
            count += 1
    rows = np.empty(count, np.int64)
    lexical32 = np.empty(count, np.float32)
    similar = np.empty(count, np.float32)
    count = 0
    for r in range(n):
        if (np.float32(lexical[r]) > 0 or dense[r] >= alone) and (not use_allowed or allowed[r]):
            rows[count] = r
            lexical32[count] = np.float32(lexical[r])
            similar[count] = dense[r]
            count += 1
    if count == 0:
        return rows, np.empty(0, np.float64)
    return _fuse_top(rows, lexical32, similar, k, prior, use_prior, semantic_weight, False)
