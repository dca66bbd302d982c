"""The TF-IDF passage index: build with scikit-learn, search, save and load.

On disk an index is a directory anyone can read (see docs/index-format.md):

    manifest.json    format name and version, settings, counts, library versions
    vocabulary.json  the terms, in column order
    words.json       surface words and counts (for spelling correction)
    synonyms.json    groups of equivalent phrases applied to questions
    sources.json     every source page seen, with its content hash (for updates)
    idf.npy          one inverse document frequency per term
    matrix.npz       the passage-term TF-IDF matrix as CSR arrays
    counts.npz       the raw term counts, as CSR arrays (read by updates only)
    passages.jsonl   one passage a line

No pickle is involved, so an index survives library upgrades and is safe to load.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from importlib.metadata import version
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..models import Hit, Passage
from ..text import analyze
from .counts import surface_words, term_counts

FORMAT = "ccp-assistant-index"
FORMAT_VERSION = 1
# Pivoted length normalisation (Singhal, Buckley and Mitra, 1996): a passage's weights
# are divided by (1 - s) + s * length / mean length. Cosine normalisation over-rewards
# very short passages; this keeps a mild preference for focus without that bias.
# The same slope serves every collection (see benchmarks/retrieval.py).
PIVOT_SLOPE = 0.25
# NumPy reads .npy headers with ast.literal_eval, and CPython before 3.11.8 can fail
# ("AST constructor recursion depth mismatch") when two threads parse at once, as a
# reload thread and a request thread may. Loads therefore take turns.
_LOAD_LOCK = threading.RLock()


class IndexUnusable(ValueError):
    """An index directory that cannot be read; the message says what to do."""


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
    ) -> None:
        self.passages = list(passages)
        self.terms = list(terms)
        self.vocabulary = {t: i for i, t in enumerate(self.terms)}
        self.idf = idf.astype(np.float32)
        # Held by column (CSC) only: a query walks its terms' postings, and one copy
        # of the matrix is what a server can afford at a million passages.
        self._columns = matrix.tocsc()
        self.manifest = manifest
        self.by_id = {p.id: p for p in self.passages}
        # Surface words and their counts, for correcting misspelt questions.
        self.words = dict(words or {})
        # Groups of equivalent phrases (editors' synonyms and acronyms), applied to questions.
        self.synonyms = tuple(tuple(group) for group in synonyms)
        # Every source page seen by the build (indexed or not) with its content hash,
        # so an update can tell which pages changed.
        self.sources = {url: dict(info) for url, info in (sources or {}).items()}
        self.directory: Path | None = None  # where it was loaded from
        self._counts: sp.csr_matrix | None = None
        self._buckets: dict[tuple[str, int], list[str]] | None = None

    # -- building -----------------------------------------------------------------

    @classmethod
    def build(
        cls,
        passages: Iterable[Passage],
        source: str = "",
        synonyms: Sequence[Sequence[str]] = (),
        sources: Mapping[str, Mapping] | None = None,
        previous: SearchIndex | None = None,
    ) -> SearchIndex:
        """Index `passages`. Passages carried over from `previous` (the same objects)
        keep their term counts; only new ones are analysed. Weights are recomputed."""
        passages = list(passages)
        if not passages:
            raise IndexUnusable("no passages to index: the source has no pages with text")
        if previous is not None:
            terms, counts = term_counts(
                passages, previous.passages, previous.terms, previous.counts
            )
        else:
            terms, counts = term_counts(passages)
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
            "weighting": {
                "tf": "sublinear",
                "idf": "smooth",
                "norm": "pivoted-length",
                "pivot_slope": PIVOT_SLOPE,
            },
            "libraries": {n: version(n) for n in ("scikit-learn", "nltk", "numpy", "scipy")},
        }
        manifest["version"] += "-" + manifest["content_hash"][:8]
        words = _words(passages, previous)
        index = cls(passages, terms, transformer.idf_, matrix, manifest, words, synonyms, sources)
        index._counts = counts
        return index

    def term_weight(self, term: str) -> float:
        """The term's idf; a term the index has never seen weighs as much as its rarest."""
        if term in self.vocabulary:
            return float(self.idf[self.vocabulary[term]])
        return float(self.idf.max()) if len(self.idf) else 1.0

    def similar_words(self, word: str) -> list[str]:
        """The index's words that could be `word` misspelt: same first letter, length
        within two (a spelling check compares against these, not every word)."""
        if self._buckets is None:
            buckets: dict[tuple[str, int], list[str]] = {}
            for w in self.words:
                buckets.setdefault((w[0], len(w)), []).append(w)
            self._buckets = buckets
        return [
            w
            for n in range(len(word) - 2, len(word) + 3)
            for w in self._buckets.get((word[:1], n), ())
        ]

    @property
    def content_updated(self) -> str | None:
        """The latest date any indexed page says it was updated (ISO), if pages say so."""
        dates = [
            i["updated"] for i in self.sources.values() if i.get("indexed") and i.get("updated")
        ]
        return max(dates) if dates else None

    @property
    def counts(self) -> sp.csr_matrix:
        """Raw term counts (passages x terms); read from disk only when an update needs them."""
        if self._counts is None:
            if self.directory is None:
                raise IndexUnusable("this index has no term counts to update from")
            self._counts = _load_csr(self.directory / "counts.npz")
        return self._counts

    # -- querying -----------------------------------------------------------------

    def search(self, query: str, k: int = 5) -> list[Hit]:
        """Return the k passages that score highest for the query text."""
        return self.search_terms(Counter(analyze(query)), k)

    def search_terms(self, counts: Mapping[str, float], k: int = 5) -> list[Hit]:
        """Return the k best passages for analysed query terms with their (possibly
        fractional) counts: the dot product of the query's unit-length TF-IDF vector
        with each passage's pivot-normalised one."""
        known = [
            (self.vocabulary[t], n) for t, n in counts.items() if t in self.vocabulary and n > 0
        ]
        if not known:
            return []
        cols = [c for c, _ in known]
        weights = np.array(
            [(1 + math.log(n)) * self.idf[c] if n >= 1 else n * self.idf[c] for c, n in known],
            np.float32,
        )
        weights /= np.sqrt(weights.dot(weights)) or 1.0  # np.linalg.norm, less overhead
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
            pool = np.bincount(position, weights=products).astype(np.float32)
        else:
            scores = np.bincount(rows, weights=products, minlength=columns.shape[0])
            candidates = np.flatnonzero(scores)
            pool = scores[candidates].astype(np.float32)
        k = min(k, len(pool))
        if k == 0:
            return []
        top = np.argpartition(-pool, k - 1)[:k]
        top = top[np.argsort(-pool[top], kind="stable")]
        return [
            Hit(self.passages[candidates[i]], float(pool[i])) for i in top.tolist() if pool[i] > 0
        ]

    @property
    def matrix(self) -> sp.csr_matrix:
        """The passage x term weights by row (built on demand, for saving)."""
        return self._columns.tocsr()

    @property
    def version(self) -> str:
        return self.manifest["version"]

    # -- persistence --------------------------------------------------------------

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "vocabulary.json").write_text(json.dumps(self.terms), "utf-8")
        (directory / "words.json").write_text(json.dumps(self.words), "utf-8")
        (directory / "synonyms.json").write_text(json.dumps(self.synonyms), "utf-8")
        (directory / "sources.json").write_text(json.dumps(self.sources), "utf-8")
        np.save(directory / "idf.npy", self.idf, allow_pickle=False)
        _save_csr(directory / "matrix.npz", self.matrix)
        _save_csr(directory / "counts.npz", self.counts)
        with open(directory / "passages.jsonl", "w", encoding="utf-8") as out:
            for p in self.passages:
                out.write(json.dumps(p.to_json(), ensure_ascii=False) + "\n")
        # The manifest goes last: a directory without one is an unfinished write.
        (directory / "manifest.json").write_text(json.dumps(self.manifest, indent=2), "utf-8")

    @classmethod
    def load(cls, directory: Path) -> SearchIndex:
        with _LOAD_LOCK:
            return cls._load(directory)

    @classmethod
    def _load(cls, directory: Path) -> SearchIndex:
        try:
            manifest = json.loads((directory / "manifest.json").read_text("utf-8"))
        except FileNotFoundError:
            raise IndexUnusable(
                f"no index at {directory}: build one with `python indexer.py build`"
            ) from None
        if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
            raise IndexUnusable(
                f"{directory} holds index format {manifest.get('format_version')!r}, this "
                f"version reads {FORMAT_VERSION}: rebuild with `python indexer.py build`"
            )
        try:
            terms = json.loads((directory / "vocabulary.json").read_text("utf-8"))
            words = json.loads((directory / "words.json").read_text("utf-8"))
            synonyms = json.loads((directory / "synonyms.json").read_text("utf-8"))
            sources = json.loads((directory / "sources.json").read_text("utf-8"))
            idf = np.load(directory / "idf.npy", allow_pickle=False)
            matrix = _load_csr(directory / "matrix.npz")
            with open(directory / "passages.jsonl", encoding="utf-8") as lines:
                passages = [Passage.from_json(json.loads(line)) for line in lines]
        except (OSError, ValueError, KeyError) as exc:
            raise IndexUnusable(f"the index at {directory} is damaged ({exc}): rebuild it") from exc
        if matrix.shape != (len(passages), len(terms)) or len(idf) != len(terms):
            raise IndexUnusable(f"the index at {directory} is inconsistent: rebuild it")
        index = cls(passages, terms, idf, matrix, manifest, words, synonyms, sources)
        index.directory = directory
        return index


def _content_hash(passages: Sequence[Passage]) -> str:
    digest = hashlib.sha256()
    for p in passages:  # sentence spans follow from the text, so they need no hashing
        fields = (p.id, p.url, p.title, "\x1f".join(p.heading_path), p.anchor or "", p.text)
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


def _save_csr(path: Path, matrix: sp.csr_matrix) -> None:
    np.savez(
        path,
        data=matrix.data,
        indices=matrix.indices,
        indptr=matrix.indptr,
        shape=np.array(matrix.shape),
    )


def _load_csr(path: Path) -> sp.csr_matrix:
    with _LOAD_LOCK, np.load(path, allow_pickle=False) as arrays:
        return sp.csr_matrix(
            (arrays["data"], arrays["indices"], arrays["indptr"]), shape=tuple(arrays["shape"])
        )
