"""The hybrid passage index: build it (TF-IDF with scikit-learn, passage vectors) and
search it. How an index is written to and read from its directory is in disk.py."""

from __future__ import annotations

import hashlib
import math
import threading
import time
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..models import Hit, Passage, Referral
from ..text import ANALYSIS, analyze
from . import disk, embed
from .counts import FIELD_WEIGHTS, surface_words, term_counts
from .disk import FORMAT, FORMAT_VERSION, IndexUnusable

# Pivoted length normalisation (Singhal, Buckley and Mitra, 1996): a passage's weights
# are divided by (1 - s) + s * length / mean length. Cosine normalisation over-rewards
# very short passages; this keeps a mild preference for focus without that bias.
# The same slope serves every collection (see benchmarks/retrieval.py).
PIVOT_SLOPE = 0.25
# Hybrid search adds this share of a passage's semantic similarity to the rest of its
# TF-IDF score, each min-max scaled over the passages compared. One setting for every
# collection: it lifted the blind questions, the development set, Cranfield and CISI
# alike (0.5 did as well on the corpus and worse on CISI; see BENCHMARKS.md).
SEMANTIC_WEIGHT = 0.3
# Up to this many passages every question is compared with every passage vector (a
# few microseconds a hundred passages), so a passage that shares no word with the
# question can still be found; above it, only TF-IDF's best RESCORED candidates are
# compared, which keeps search as fast as TF-IDF alone at a million passages.
SCAN_LIMIT = 4_000
# A passage from a downloadable document (PDF, Word) scores this share of a web page's.
# The hub's documents restate what its pages say at greater length; for equal relevance
# the page, with a link to its section, is the better citation. A document that alone
# answers is still found. (On the tuning questions 0.9 undid the documents' crowding out
# of the pages, section first 0.564 -> 0.587; 0.8 and 0.7 gained little more.)
DOCUMENT_WEIGHT = 0.9
# Above SCAN_LIMIT, hybrid search rescores TF-IDF's best this many passages. With the
# rescoring forced on Cranfield and CISI (every query), nDCG@10 is flat from 100 to 400
# (Cranfield 0.3913 at 100, 0.3917 at 200, 0.3926 at 400; CISI 0.4228, 0.4220, 0.4229),
# and at 50 first falls; 100 rather than 200 makes hybrid search 25-30% faster at 10,000
# and 100,000 passages (benchmarks/query.py; BENCHMARKS.md).
RESCORED = 100
# The least cosine similarity at which a passage that shares no term with the question
# can be a hit: gibberish and unrelated questions score below 0.15 on the corpus, and
# paraphrases of a section 0.35 and more.
MEANING_ALONE = 0.3
# How terms are weighted; kept in the manifest, and an update reuses term counts only
# from an index weighted the same way.
WEIGHTING = {
    "tf": "sublinear",
    "idf": "smooth",
    "norm": "pivoted-length",
    "pivot_slope": PIVOT_SLOPE,
    "fields": dict(FIELD_WEIGHTS),
    "analysis": ANALYSIS,
}


class SearchIndex:
    def __init__(
        self,
        passages: Sequence[Passage],
        terms: Sequence[str],
        idf: np.ndarray,
        matrix: sp.csr_matrix,
        manifest: dict,
        words: Mapping[str, int] | None = None,
        synonyms: Sequence[Sequence[str]] = (),
        sources: Mapping[str, Mapping] | None = None,
        vectors: np.ndarray | None = None,
        referrals: Sequence[Referral] = (),
    ) -> None:
        self.passages = list(passages)
        documents = np.fromiter((p.from_document for p in self.passages), bool, len(self.passages))
        self._prior = np.where(documents, DOCUMENT_WEIGHT, 1.0) if documents.any() else None
        self.terms = list(terms)
        self.vocabulary = {t: i for i, t in enumerate(self.terms)}
        self.idf = idf.astype(np.float32)
        # The least and greatest weights, asked for whenever a question has a word the
        # index has never seen: found once, not over the whole vocabulary each time.
        self.idf_min, self.idf_max = (
            (float(self.idf.min()), float(self.idf.max())) if len(self.idf) else (0.0, 1.0)
        )
        # Held by column (CSC) only: a query walks its terms' postings, and one copy
        # of the matrix is what a server can afford at a million passages.
        self._columns = matrix.tocsc()
        self.manifest = manifest
        self.by_id = {p.id: p for p in self.passages}
        # Surface words and their counts, for correcting misspelt questions.
        self.words = dict(words or {})
        # Groups of equivalent phrases (editors' synonyms and acronyms), applied to questions.
        self.synonyms = tuple(tuple(group) for group in synonyms)
        # Questions to decline with a pointer elsewhere (editors' referrals file).
        self.referrals = tuple(referrals)
        # Every source page seen by the build (indexed or not) with its content hash,
        # so an update can tell which pages changed.
        self.sources = {url: dict(info) for url, info in (sources or {}).items()}
        self._updated: tuple[dict | None, str | None] = (None, None)  # see content_updated
        self._page_rows: dict[str, list[int]] | None = None  # see page_rows
        self.directory: Path | None = None  # where it was loaded from
        # Passage vectors (float16, one row per passage) for hybrid search; None when
        # the index has none, and `vector_error` then says why (health reports it).
        self.has_vectors = vectors is not None
        self.vector_error: str | None = None if vectors is not None else "no passage vectors"
        # The float16 vectors as on disk, for saving and for updates; a large loaded
        # index drops them and reads them again only when an update needs them.
        self._vectors = vectors
        # Small indexes are scanned in full, so keep a float32 copy for one fast product.
        small = vectors is not None and len(vectors) <= SCAN_LIMIT
        self._scan = vectors.astype(np.float32) if small else None
        # Rescoring reads a few hundred rows per question: as int8 they convert to
        # float32 ten times faster than float16 does, and take half the memory.
        self._int8 = None if vectors is None or small else _quantised(vectors)
        self._counts: sp.csr_matrix | None = None
        # The compiled search (kernel.py) when numba is installed, compiled (or read
        # from numba's cache) now, so that no question waits for it; else None: NumPy.
        self._kernel = _kernel(self._columns)
        self._priors = self._prior if self._prior is not None else _NO_PRIOR
        self._local = threading.local()

    # -- building -----------------------------------------------------------------

    @classmethod
    def build(
        cls,
        passages: Iterable[Passage],
        source: str = "",
        synonyms: Sequence[Sequence[str]] = (),
        sources: Mapping[str, Mapping] | None = None,
        previous: SearchIndex | None = None,
        referrals: Sequence[Referral] = (),
        with_vectors: bool = True,
    ) -> SearchIndex:
        """Index `passages`. Passages carried over from `previous` (the same objects)
        keep their term counts and vectors; only new ones are analysed and embedded.
        Weights are recomputed. `with_vectors=False` builds a TF-IDF-only index."""
        passages = list(passages)
        if not passages:
            raise IndexUnusable("no passages to index: the source has no pages with text")
        # An update carries over the counts and vectors of unchanged passages, unless
        # the previous index was weighted or embedded differently.
        if previous is not None and previous.manifest.get("weighting") == WEIGHTING:
            terms, counts = term_counts(
                passages, previous.passages, previous.terms, previous.counts
            )
        else:
            terms, counts = term_counts(passages)
        if with_vectors:
            vectors, vector_error = _vectors(passages, previous)
        else:
            vectors, vector_error = None, "built without passage vectors"
        # Imported here: a server that only loads and searches an index never needs
        # scikit-learn, and importing it costs about 65 MB of memory.
        from sklearn.feature_extraction.text import TfidfTransformer

        transformer = TfidfTransformer(sublinear_tf=True, norm=None, smooth_idf=True)
        matrix = transformer.fit_transform(counts).astype(np.float32)
        lengths = np.asarray(counts.sum(axis=1), dtype=np.float32).ravel()
        pivot = (1 - PIVOT_SLOPE) + PIVOT_SLOPE * lengths / max(lengths.mean(), 1.0)
        matrix = sp.diags(1 / pivot) @ matrix
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "version": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "source": source,
            "pages": len({p.url for p in passages}),
            "passages": len(passages),
            "terms": len(terms),
            "content_hash": _content_hash(passages),
            "weighting": WEIGHTING,
            "vectors": None
            if vectors is None
            else {
                "model": embed.MODEL,
                "dims": embed.DIMS,
                "dtype": "float16",
                "semantic_weight": SEMANTIC_WEIGHT,
            },
            "libraries": {n: version(n) for n in ("scikit-learn", "nltk", "numpy", "scipy")},
        }
        manifest["version"] += "-" + manifest["content_hash"][:8]
        if vector_error:
            manifest["vectors_missing"] = vector_error
        words = _words(passages, previous)
        index = cls(
            passages,
            terms,
            transformer.idf_,
            matrix,
            manifest,
            words,
            synonyms,
            sources,
            vectors,
            referrals,
        )
        index._counts = counts
        if vector_error:
            index.vector_error = vector_error
        return index

    def term_weight(self, term: str) -> float:
        """The term's idf; a term the index has never seen weighs as much as its rarest."""
        column = self.vocabulary.get(term)
        if column is not None:
            return self.idf.item(column)  # a Python float, without a NumPy scalar between
        return self.idf_max

    def page_rows(self, url: str) -> list[int]:
        """The rows of a page's passages, in order; the map (a list of rows a page, some
        40 bytes a passage) is made on first use, as only some answers need it."""
        rows = self._page_rows
        if rows is None:
            rows = {}
            for row, passage in enumerate(self.passages):
                rows.setdefault(passage.url, []).append(row)
            self._page_rows = rows
        return rows.get(url, [])

    @property
    def content_updated(self) -> str | None:
        """The latest date any indexed page says it was updated (ISO), if pages say so.
        Asked for every question: worked out once for the `sources` it was read from."""
        sources, updated = self._updated
        if sources is not self.sources:
            updated = _latest_update(self.sources)
            self._updated = self.sources, updated
        return updated

    @property
    def counts(self) -> sp.csr_matrix:
        """Raw term counts (passages x terms); read from disk only when an update needs them."""
        if self._counts is None:
            if self.directory is None:
                raise IndexUnusable("this index has no term counts to update from")
            self._counts = disk.load_counts(self.directory)
        return self._counts

    # -- querying -----------------------------------------------------------------

    def search(self, query: str, k: int = 5, hybrid: bool = True) -> list[Hit]:
        """Return the k passages that score highest for the query text."""
        vector = self.embed_query(query) if hybrid else None
        return self.search_terms(Counter(analyze(query)), k, vector)

    def similarity(self, hit: Hit, vector: np.ndarray | None) -> float | None:
        """Cosine similarity of a hit's passage and a question's vector, if both exist."""
        if vector is None or not self.has_vectors or hit.row < 0:
            return None
        if self._scan is not None:
            return float(self._scan[hit.row] @ vector)
        return float(self._int8[hit.row].astype(np.float32) @ vector) * INT8_SCALE

    def embed_query(self, text: str) -> np.ndarray | None:
        """The question's vector, or None when this index has no passage vectors."""
        if not self.has_vectors:
            return None
        return embed.embedder().embed_one(text)

    def search_terms(
        self,
        counts: Mapping[str, float],
        k: int = 5,
        vector: np.ndarray | None = None,
        allowed: np.ndarray | None = None,
    ) -> list[Hit]:
        """Return the k best passages for analysed query terms with their (possibly
        fractional) counts and, for hybrid search, the question's vector.

        The TF-IDF score is the dot product of the query's unit-length TF-IDF vector
        with each passage's pivot-normalised one. With a vector, each candidate's score
        is (1 - w) x its TF-IDF score over the best one's + w x its cosine similarity
        min-max scaled over the candidates (w = SEMANTIC_WEIGHT): the two scores live on
        different scales, and scaling both to 0..1 lets one weight serve every collection.
        `allowed`, a boolean mask over the passages, keeps the search to those it marks.
        """
        if self._kernel is None:
            return self._search_numpy(counts, k, vector, allowed)
        return self._search_compiled(counts, k, vector, allowed)

    def _search_compiled(
        self,
        counts: Mapping[str, float],
        k: int,
        vector: np.ndarray | None,
        allowed: np.ndarray | None,
    ) -> list[Hit]:
        """search_terms with the compiled kernel (kernel.py): the same hits, scores and
        order as _search_numpy, which ties aside it reproduces to the bit."""
        cols, weights = self._query_weights(counts)
        hybrid = vector is not None and self.has_vectors and k > 0
        kernel, columns, prior = self._kernel, self._columns, self._priors
        use_prior, use_allowed = self._prior is not None, allowed is not None
        # The kernels are compiled for contiguous boolean masks.
        mask = _NO_MASK if allowed is None else np.ascontiguousarray(allowed, bool)
        if hybrid and self._scan is not None:
            return self._scan_compiled(cols, weights, self._scan @ vector, mask, use_allowed, k)
        if k <= 0:
            return []
        arrays = columns.indptr, columns.indices, columns.data, cols, weights
        best, scratch = RESCORED if hybrid else k, self._scratch()
        # Hybrid's candidates come by row, as the NumPy search has them: BLAS's product
        # of a row and the vector can differ in the last bit with the row's place.
        rows, scores, found = kernel.top_k(
            *arrays, best, prior, use_prior and not hybrid, mask, use_allowed, *scratch, hybrid
        )
        if not hybrid:
            if use_prior:
                scores = scores * self._prior[rows]
            return self._hits(rows, scores)
        if found < k:  # few terms known in a large index: compare with every passage
            dense = (self._int8 @ vector) * INT8_SCALE
            return self._scan_compiled(cols, weights, dense, mask, use_allowed, k)
        dense = self._int8[rows].astype(np.float32) @ (vector * INT8_SCALE)
        return self._hits(
            *kernel.fused_top(rows, scores, dense, k, prior, use_prior, SEMANTIC_WEIGHT)
        )

    def _scan_compiled(
        self,
        cols: np.ndarray,
        weights: np.ndarray,
        dense: np.ndarray,
        mask: np.ndarray,
        use_allowed: bool,
        k: int,
    ) -> list[Hit]:
        """Hybrid search with every passage a candidate (`dense`: each one's similarity),
        by the compiled kernel; as _scan_all in NumPy."""
        lexical = self._all_scores(cols, weights)
        prior, use_prior = self._priors, self._prior is not None
        return self._hits(
            *self._kernel.scan_top(lexical, dense, mask, use_allowed, k, prior, use_prior, *_FUSING)
        )

    def _search_numpy(
        self,
        counts: Mapping[str, float],
        k: int,
        vector: np.ndarray | None,
        allowed: np.ndarray | None,
    ) -> list[Hit]:
        """search_terms in NumPy: the search when numba is not installed, and the
        reference that the compiled search is tested against."""
        candidates, pool = self._lexical(counts)
        if allowed is not None:
            keep = allowed[candidates]
            candidates, pool = candidates[keep], pool[keep]
        if vector is None or not self.has_vectors or k <= 0:
            return self._top(candidates, pool, k)
        if self._scan is not None or len(candidates) < k:
            lexical = np.zeros(len(self.passages), np.float32)
            lexical[candidates] = pool
            return self._scan_all(lexical, vector, allowed, k)
        if len(candidates) > RESCORED:
            best = np.sort(_best(pool, candidates, RESCORED))  # kept by row
            candidates, pool = candidates[best], pool[best]
        dense = self._int8[candidates].astype(np.float32) @ (vector * INT8_SCALE)
        return self._fused(candidates, pool, dense, k)

    def _scan_all(
        self, lexical: np.ndarray, vector: np.ndarray, allowed: np.ndarray | None, k: int
    ) -> list[Hit]:
        """Hybrid search where every passage is a candidate: found by meaning alone if
        need be. `lexical` holds every passage's TF-IDF score."""
        lexical = lexical.astype(np.float32, copy=False)
        if self._scan is not None:
            dense = self._scan @ vector
        else:  # few terms known in a large index: compare with every passage
            dense = (self._int8 @ vector) * INT8_SCALE
        # A passage found by meaning alone must be plainly close in meaning.
        found = (lexical > 0) | (dense >= MEANING_ALONE)
        candidates = np.flatnonzero(found if allowed is None else found & allowed)
        if not len(candidates):
            return []
        lexical, dense = lexical[candidates], dense[candidates].astype(np.float32)
        return self._fused(candidates, lexical, dense, k)

    def _fused(
        self, candidates: np.ndarray, lexical: np.ndarray, dense: np.ndarray, k: int
    ) -> list[Hit]:
        fused = (1 - SEMANTIC_WEIGHT) * _scaled(lexical, 0.0) + SEMANTIC_WEIGHT * _scaled(
            dense, float(dense.min())
        )
        return self._top(candidates, fused, k)

    def _query_weights(self, counts: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """The query's terms (columns) and their weights: its unit-length TF-IDF vector."""
        vocabulary, idf = self.vocabulary, self.idf
        known = [(vocabulary[t], n) for t, n in counts.items() if n > 0 and t in vocabulary]
        cols = np.array([c for c, _ in known], np.int64)
        weights = np.array(
            [(1 + math.log(n)) * idf[c] if n >= 1 else n * idf[c] for c, n in known],
            np.float32,
        )
        weights /= np.sqrt(weights.dot(weights)) or 1.0  # np.linalg.norm, less overhead
        return cols, weights

    def _all_scores(self, cols: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Every passage's TF-IDF score (float64), by the kernel."""
        out = np.zeros(len(self.passages), np.float64)
        columns = self._columns
        self._kernel.scores_into(columns.indptr, columns.indices, columns.data, cols, weights, out)
        return out

    def _scratch(self) -> tuple[np.ndarray, ...]:
        """This thread's scratch arrays for the kernel, 24 bytes a passage (threads
        search at once: the kernel releases the GIL)."""
        try:
            return self._local.scratch
        except AttributeError:
            self._local.scratch = _scratch(len(self.passages))
            return self._local.scratch

    def _hits(self, rows: np.ndarray, scores: np.ndarray) -> list[Hit]:
        passages = self.passages
        return [
            Hit(passages[row], score, row)
            for row, score in zip(rows.tolist(), scores.tolist(), strict=True)
            if score > 0
        ]

    def _lexical(self, counts: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """The passages that share a term with the query and their TF-IDF scores."""
        cols, weights = self._query_weights(counts)
        if not len(cols):
            return np.empty(0, np.int64), np.empty(0, np.float32)
        # Gather the query terms' postings (CSC columns) straight from the arrays and
        # sum them in one call: few NumPy calls matter more here than the arithmetic
        # (each call costs overhead, and may hand the GIL to the server's other threads).
        columns = self._columns
        indptr, indices, data = columns.indptr, columns.indices, columns.data
        spans = [(indptr[c], indptr[c + 1]) for c in cols]
        rows = np.concatenate([indices[a:b] for a, b in spans])
        products = np.concatenate([data[a:b] for a, b in spans])
        products *= np.repeat(weights, [b - a for a, b in spans])
        # Rank only the passages that share a term with the query: found by sorting
        # the postings when they are few, by one pass over all passages when many.
        if len(rows) < columns.shape[0] // 16:
            candidates, position = np.unique(rows, return_inverse=True)
            pool = np.bincount(position, weights=products)
        else:
            scores = np.bincount(rows, weights=products, minlength=columns.shape[0])
            candidates = np.flatnonzero(scores)
            pool = scores[candidates]
        return candidates, pool

    def _top(self, candidates: np.ndarray, pool: np.ndarray, k: int) -> list[Hit]:
        if self._prior is not None:
            pool = pool * self._prior[candidates]
        if min(k, len(pool)) <= 0:
            return []
        top = _best(pool, candidates, k)
        return [
            Hit(self.passages[row], float(pool[i]), row)
            for i, row in zip(top.tolist(), candidates[top].tolist(), strict=True)
            if pool[i] > 0
        ]

    @property
    def vectors(self) -> np.ndarray | None:
        """The passage vectors as stored (float16), or None if the index has none."""
        if self._vectors is None and self.has_vectors and self.directory is not None:
            self._vectors = disk.load_vectors(self.directory)
        return self._vectors

    @property
    def matrix(self) -> sp.csr_matrix:
        """The passage x term weights by row (built on demand, for saving)."""
        return self._columns.tocsr()

    @property
    def version(self) -> str:
        return self.manifest["version"]

    # -- on disk (disk.py) ----------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write this index into `directory` (see disk.py for the files)."""
        disk.save(self, directory)

    @classmethod
    def load(cls, directory: Path, checksums: bool = False) -> SearchIndex:
        """Load the index in `directory`; `checksums` as in disk.load."""
        stored = disk.load(directory, checksums)
        index = cls(
            stored.passages,
            stored.terms,
            stored.idf,
            stored.matrix,
            stored.manifest,
            stored.words,
            stored.synonyms,
            stored.sources,
            stored.vectors,
            stored.referrals,
        )
        index.directory = directory
        built_with = stored.manifest.get("weighting", {}).get("analysis", ANALYSIS)
        if built_with != ANALYSIS:
            # Questions would be read otherwise than the pages were: an index from before
            # irregular past forms keeps "ran" apart from "run", which questions now join.
            warnings.warn(
                f"index built with text analysis {built_with!r}, questions are read with "
                f"{ANALYSIS!r}: rebuild it (python indexer.py build)",
                stacklevel=2,
            )
        if stored.vector_error:
            index.vector_error = stored.vector_error
        if index._int8 is not None:
            index._vectors = None  # served from the int8 copy; reloaded for updates
        return index


def _latest_update(sources: Mapping[str, Mapping]) -> str | None:
    dates = [i["updated"] for i in sources.values() if i.get("indexed") and i.get("updated")]
    return max(dates) if dates else None


def _content_hash(passages: Sequence[Passage]) -> str:
    digest = hashlib.sha256()
    for p in passages:  # sentence spans follow from the text, so they need no hashing
        fields = (p.id, p.url, p.title, "\x1f".join(p.heading_path), p.anchor or "", p.text)
        if p.page is not None:  # hashed only where there is one: web pages hash as before
            fields += (str(p.page),)
        if p.page_type or p.topics:  # a page's type or topics changing changes the index
            fields += (p.page_type, "\x1f".join(p.topics))
        if p.links:  # so do its links, which answers show
            fields += ("\x1f".join(f"{a} {b} {url}" for a, b, url in p.links),)
        digest.update("\x1e".join(fields).encode("utf-8") + b"\x1d")
    return digest.hexdigest()


def _words(passages: Sequence[Passage], previous: SearchIndex | None) -> Counter[str]:
    """Surface word counts; an update adjusts the previous counts by what changed."""
    if previous is None:
        return surface_words(passages)
    kept = {id(p) for p in passages}
    words = Counter(previous.words)
    words.subtract(surface_words([p for p in previous.passages if id(p) not in kept]))
    old = {id(p) for p in previous.passages}
    words.update(surface_words([p for p in passages if id(p) not in old]))
    return +words  # drops words no longer present


def _best(scores: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k best scores, best first; of tied scores, the lower row's first
    (as kernel.top_k orders them; argpartition alone would leave the choice open)."""
    n = len(scores)
    if k < n:
        threshold = np.partition(scores, n - k)[n - k]
        above = np.flatnonzero(scores > threshold)
        tied = np.flatnonzero(scores == threshold)
        if len(tied) > k - len(above):
            tied = tied[np.argsort(rows[tied], kind="stable")[: k - len(above)]]
        top = np.concatenate([above, tied])
    else:
        top = np.arange(n)
    return top[np.lexsort((rows[top], -scores[top]))]


def _scratch(n: int) -> tuple[np.ndarray, ...]:
    """kernel.top_k's scratch: 24 bytes a passage."""
    return (
        np.zeros(n, np.float64),
        np.empty(n, np.int32),
        np.empty(n, np.float64),
        np.empty(n, np.int32),
    )


_NO_MASK = np.zeros(1, bool)
_FUSING = SEMANTIC_WEIGHT, MEANING_ALONE
_NO_PRIOR = np.ones(1, np.float64)


def _kernel(columns: sp.csc_matrix):
    """kernel.py, compiled (or read from numba's cache) for `columns`' array types; None
    without numba, or if numba cannot compile or cache here (NumPy search then)."""
    try:
        types = (columns.indptr.dtype.str, columns.indices.dtype.str, columns.data.dtype.str)
        return _compiled(*types)
    except ImportError:  # numba is not installed (or CCP_SEARCH_KERNEL=numpy)
        return None
    except Exception as exc:  # e.g. no writable cache directory: slower, still right
        warnings.warn(f"compiled search unavailable, searching with NumPy: {exc}", stacklevel=3)
        return None


@lru_cache(maxsize=8)
def _compiled(indptr: str, indices: str, data: str):
    """kernel.py with every kernel compiled for these postings' types, once a process:
    called on a two-passage matrix of the same types, since numba compiles by type and
    a call on the index's own arrays would allocate scratch for every passage."""
    from . import kernel

    cols, weights = np.zeros(1, np.int64), np.ones(1, np.float32)
    tiny = np.array([0, 1], indptr), np.array([0], indices), np.ones(1, data)
    scratch = _scratch(2)
    kernel.top_k(*tiny, cols, weights, 1, _NO_PRIOR, False, _NO_MASK, False, *scratch, False)
    kernel.scores_into(*tiny, cols, weights, scratch[0])
    lexical, dense, rows = np.ones(2), np.ones(2, np.float32), np.arange(2)
    kernel.scan_top(lexical, dense, _NO_MASK, False, 1, _NO_PRIOR, False, *_FUSING)
    kernel.fused_top(rows, lexical, dense, 1, _NO_PRIOR, False, SEMANTIC_WEIGHT)
    return kernel


# Unit vectors' components lie in [-1, 1]; scaled by 127 they fit int8 within half a
# step (about 0.4% of a component), far below the differences that rank passages.
INT8_SCALE = 1 / 127


def _quantised(vectors: np.ndarray) -> np.ndarray:
    out = np.empty(vectors.shape, np.int8)
    for start in range(0, len(vectors), 65_536):  # bounded temporary float32 memory
        part = vectors[start : start + 65_536].astype(np.float32)
        out[start : start + len(part)] = np.rint(part * 127).astype(np.int8)
    return out


def _scaled(scores: np.ndarray, low: float) -> np.ndarray:
    """Scores mapped to 0..1: `low` to 0, the best to 1."""
    span = float(scores.max()) - low
    return (scores - low) / span if span > 0 else np.zeros_like(scores)


def _vectors(
    passages: Sequence[Passage], previous: SearchIndex | None
) -> tuple[np.ndarray | None, str | None]:
    """Passage vectors, reusing the rows of passages carried over from `previous`."""
    try:
        model = embed.embedder()
    except embed.EmbeddingUnavailable as exc:
        return None, str(exc)
    old_rows = {}
    if previous is not None and previous.vectors is not None:
        if (previous.manifest.get("vectors") or {}).get("model") == embed.MODEL:
            old_rows = {id(p): i for i, p in enumerate(previous.passages)}
    new = [i for i, p in enumerate(passages) if id(p) not in old_rows]
    vectors = np.zeros((len(passages), embed.DIMS), np.float16)
    if len(new) < len(passages):
        kept = [i for i, p in enumerate(passages) if id(p) in old_rows]
        vectors[kept] = previous.vectors[[old_rows[id(passages[i])] for i in kept]]
    if new:
        vectors[new] = embed.passage_vectors([passages[i] for i in new], model)
    return vectors, None
