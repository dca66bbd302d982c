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
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..models import Passage

MODEL = "wordllama/l2_supercat"
SMALL_BATCH = 64  # up to this many texts, vectors are summed one by one
DIMS = 256
_TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
_WEIGHTS = f"weights/l2_supercat_{DIMS}.safetensors"


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

    def embed(self, texts: list[str]) -> np.ndarray:
        """One unit-length row per text; a text with no tokens gives a zero row.

        The texts' token counts form a sparse matrix whose product with the table sums
        each text's token vectors in one call: a few milliseconds per hundred passages,
        where a Python loop over texts took ten times as long."""
        encoded = self._tokenizer.encode_batch(texts, add_special_tokens=False)
        ids = [enc.ids for enc in encoded]
        if len(ids) <= SMALL_BATCH:  # answering: a few sentences, no float32 table
            return _unit(np.stack([self._sum(i) for i in ids]) if ids else np.zeros((0, DIMS)))
        import scipy.sparse as sp

        lengths = np.fromiter((len(i) for i in ids), np.int64, len(ids))
        columns = np.fromiter((t for i in ids for t in i), np.int64, int(lengths.sum()))
        rows = np.repeat(np.arange(len(ids)), lengths)
        counts = sp.csr_matrix(
            (np.ones(len(columns), np.float32), (rows, columns)),
            shape=(len(ids), self._table32().shape[0]),
        )
        return _unit(np.asarray(counts @ self._table32(), dtype=np.float32))

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
    for start in range(0, len(passages), batch):
        part = passages[start : start + batch]
        whole, about = zip(*(passage_texts(p) for p in part), strict=True)
        summed = model.embed(list(whole)) + model.embed(list(about))
        norms = np.linalg.norm(summed, axis=1, keepdims=True)
        out[start : start + len(part)] = summed / np.where(norms > 0, norms, 1.0)
    return out
