"""Passage and question vectors from a static English embedding, for the semantic half
of hybrid search ("money" finds "funding", "doctor" finds "GP").

Why this model: WordLlama's `l2_supercat` (256 dimensions) ships its weights and its
tokenizer inside the `wordllama` wheel, so nothing is ever downloaded, and a text's
vector is the mean of its tokens' vectors: about 30 µs a question and a few
milliseconds per hundred passages on one core, which keeps builds and updates fast at
a million passages. Measured on the blind questions, the development set, Cranfield
and CISI (see BENCHMARKS.md), fusing it with TF-IDF lifted every one of them, while
LSA built from a corpus this small added almost nothing. Transformer sentence models
rank better but cost a thousand times more per passage to embed and need a runtime
we would have to ship.

Why not `wordllama.WordLlama.load`: importing WordLlama's inference module calls
`logging.basicConfig(level=INFO)` on the host application's root logger, and it keeps
a float32 copy of the table. We read the same two files directly with the libraries
WordLlama itself uses (`tokenizers`, `safetensors`), finding the package's folder
without importing it.
"""

from __future__ import annotations

import importlib.util
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..models import Passage

if TYPE_CHECKING:
    import scipy.sparse as sp

MODEL = "wordllama/l2_supercat"
SMALL_BATCH = 64  # up to this many texts, vectors are summed one by one
DIMS = 256
_TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
_WEIGHTS = f"weights/l2_supercat_{DIMS}.safetensors"
# A text as words, each with the spaces before it (and any spaces at its end).
_WORDS = re.compile(r" *[^ ]+| +")
WORDS_KEPT = 200_000  # distinct words whose tokens a build keeps at once


class EmbeddingUnavailable(RuntimeError):
    """The embedding model's files cannot be read; search falls back to TF-IDF alone."""


class Embedder:
    """Turns texts into unit-length float32 vectors: the mean of their tokens' vectors."""

    def __init__(self, folder: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        try:
            self._tokenizer = Tokenizer.from_file(str(folder / _TOKENIZER))
            self._table = load_file(str(folder / _WEIGHTS))["embedding.weight"]  # float16
        except Exception as exc:  # the libraries raise their own exception types
            raise EmbeddingUnavailable(f"cannot read {MODEL} from {folder}: {exc}") from exc
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self._float32: np.ndarray | None = None
        self._by_word = _words_apart(self._tokenizer)

    def embed(self, texts: list[str], words: dict | None = None) -> np.ndarray:
        """One unit-length row per text; a text with no tokens gives a zero row.

        The texts' token counts form a sparse matrix whose product with the table sums
        each text's token vectors in one call: a few milliseconds per hundred passages,
        where a Python loop over texts took ten times as long. `words`, kept by the
        caller across batches, holds the tokens of the words seen so far (see _counts)."""
        if len(texts) <= SMALL_BATCH:  # answering: a few sentences, no float32 table
            encoded = self._tokenizer.encode_batch(texts, add_special_tokens=False)
            ids = [enc.ids for enc in encoded]
            return _unit(np.stack([self._sum(i) for i in ids]) if ids else np.zeros((0, DIMS)))
        counts = self._counts(texts, {} if words is None else words)
        return _unit(np.asarray(counts @ self._table32(), dtype=np.float32))

    def _counts(self, texts: list[str], known: dict) -> sp.csr_matrix:
        """Each text's token counts, a row per text: the counts of tokenising it whole,
        found by tokenising each distinct word once (a site's words repeat: at 100,000
        passages building the vectors took 10.8 s, 8.2 s of it tokenising, and now
        takes 4.5-5 s). That holds because no token of the vocabulary joins a character to
        a space after it (checked on loading), so BPE never merges across the start of
        a word and the spaces before it. A text with a trailing space or a special
        token's text is tokenised whole. `known` maps words (a whole text: a 1-tuple)
        to their tokens, kept by the caller across batches."""
        if len(known) > WORDS_KEPT:
            known.clear()
        pieces: list[list] = []
        for text in texts:
            if not self._by_word or text.endswith(" ") or "<" in text and _SPECIAL.search(text):
                pieces.append([(text,)])
                continue
            # The tokenizer puts a space before a text, so each word after the first
            # leaves one of its spaces for the tokenizer to put back.
            if "  " in text or text.startswith(" "):
                words = _WORDS.findall(text)
                pieces.append(words[:1] + [w[1:] for w in words[1:]])
            else:  # single spaces, the usual case: splitting on them does just that
                pieces.append(text.split(" "))
        new = list({w for p in pieces for w in p if w not in known})
        plain = [w[0] if isinstance(w, tuple) else w for w in new]
        encoded = self._tokenizer.encode_batch(plain, add_special_tokens=False)
        for word, enc in zip(new, encoded, strict=True):
            known[word] = enc.ids
        used: dict = {}  # the batch's words, numbered
        texts_words = _counted(
            [[used.setdefault(w, len(used)) for w in p] for p in pieces], len(used)
        )
        words_tokens = _counted([known[w] for w in used], self._table.shape[0])
        counts = texts_words @ words_tokens
        counts.sort_indices()  # as a matrix built from the tokens has them: the same sums
        return counts

    def embed_one(self, text: str) -> np.ndarray:
        """A question's vector (what `embed` gives for one text, without batching)."""
        return _unit_vector(self._sum(self._tokenizer.encode(text, add_special_tokens=False).ids))

    def _sum(self, ids: list[int]) -> np.ndarray:
        """The sum of the tokens' vectors (zeros for no tokens), in float32: cast while
        summing, the same additions in the same order as summing a float32 copy."""
        if not ids:
            return np.zeros(self._table.shape[1], np.float32)
        return np.add.reduce(self._table[ids], axis=0, dtype=np.float32)

    def _table32(self) -> np.ndarray:
        # Building needs the table as float32 for the product; serving never does.
        if self._float32 is None:
            self._float32 = self._table.astype(np.float32)
        return self._float32

    def is_common_word(self, word: str) -> bool:
        """True for a word the model's vocabulary holds whole: everyday English
        ("board", "honestly"), unlike names, acronyms and jargon ("HCPC", "Torquay")."""
        return len(self._tokenizer.encode(word, add_special_tokens=False).ids) == 1


_SPECIAL = re.compile(r"<(?:s|/s|unk)>")
_JOINS_SPACE = re.compile("[^\u2581]\u2581")  # a character, then a space after it


def _counted(rows: list[list[int]], width: int) -> sp.csr_matrix:
    """A matrix of counts, one row for each list of column numbers."""
    import scipy.sparse as sp

    lengths = np.fromiter(map(len, rows), np.int64, len(rows))
    columns = np.fromiter((c for row in rows for c in row), np.int64, int(lengths.sum()))
    data = np.ones(len(columns), np.float32)
    at = np.repeat(np.arange(len(rows)), lengths)
    return sp.csr_matrix((data, (at, columns)), shape=(len(rows), width))


def _words_apart(tokenizer) -> bool:
    """Whether no token joins a character to the space after it, as SentencePiece's
    vocabularies split on spaces (the tokenizer writes a space as "\u2581")."""
    return not any(_JOINS_SPACE.search(t) for t in tokenizer.get_vocab())


def _unit(rows: np.ndarray) -> np.ndarray:
    """Rows (or one vector) scaled to unit length; zero rows stay zero."""
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return (rows / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def _unit_vector(vector: np.ndarray) -> np.ndarray:
    """One float32 vector scaled to unit length, as `_unit` scales it (the same float32
    sum of squares and division) in a third of the NumPy calls: once per question."""
    norm = np.sqrt(np.add.reduce(vector * vector))
    return vector / norm if norm > 0 else vector.copy()


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _load() -> Embedder:
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingUnavailable("the wordllama package is not installed")
    return Embedder(Path(next(iter(spec.submodule_search_locations))))


def embedder() -> Embedder:
    """The process's one embedder, loaded on first use (about 0.2 s, 20 MB)."""
    with _lock:
        return _load()


def passage_texts(passage: Passage) -> tuple[str, str]:
    """What a passage's vector is made of: its whole text with its title and headings,
    and its title, headings and lead sentence, which say what the section is about."""
    headings = ". ".join(passage.heading_path)
    lead = ""
    if passage.sentences:
        start, end = passage.sentences[0]
        lead = passage.text[start:end]
    return (
        f"{passage.title}. {headings}\n{passage.text}",
        f"{passage.title}. {headings}. {lead}",
    )


def passage_vectors(passages: list[Passage], model: Embedder, batch: int = 256) -> np.ndarray:
    """Float16 unit vectors, one row per passage: the normalised sum of the vectors of
    its two texts (see passage_texts), so title, headings and lead count twice."""
    out = np.zeros((len(passages), DIMS), np.float16)
    words: dict = {}  # the tokens of each word seen, for every batch
    for start in range(0, len(passages), batch):
        part = passages[start : start + batch]
        whole, about = zip(*(passage_texts(p) for p in part), strict=True)
        summed = model.embed(list(whole), words) + model.embed(list(about), words)
        norms = np.linalg.norm(summed, axis=1, keepdims=True)
        out[start : start + len(part)] = summed / np.where(norms > 0, norms, 1.0)
    return out
