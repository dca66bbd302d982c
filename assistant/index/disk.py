"""One index directory on disk: the files an index is written as, and how they are
read back and checked. (Which directory is current is versions.py's business.)

An index directory is plain files anyone can read (see docs/index-format.md):

    manifest.json    format name and version, settings, counts, library versions, and
                     each other file's size and SHA-256 (see integrity.py)
    vocabulary.json  the terms, in column order
    words.json       surface words and counts (for spelling correction)
    synonyms.json    groups of equivalent phrases applied to questions
    referrals.json   questions to decline and where to send them (see answer/referrals.py)
    sources.json     every source page seen, with its content hash (for updates)
    idf.npy          one inverse document frequency per term
    matrix.npz       the passage-term TF-IDF matrix as CSR arrays
    counts.npz       the raw term counts, as CSR arrays (read by updates only)
    vectors.npy      one float16 unit vector per passage (the semantic half of search)
    passages.jsonl   one passage a line

No pickle is involved, so an index survives library upgrades and is safe to load.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from ..models import Passage, Referral
from . import embed, integrity, stored

if TYPE_CHECKING:
    from .search import SearchIndex

FORMAT = "ccp-assistant-index"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)  # a version 1 index has no vectors: it is searched by TF-IDF alone
MANIFEST = "manifest.json"
VECTORS = "vectors.npy"  # the one file an index can be served without
COUNTS = "counts.npz"
# NumPy reads .npy headers with ast.literal_eval, and CPython before 3.11.8 can fail
# ("AST constructor recursion depth mismatch") when two threads parse at once, as a
# reload thread and a request thread may. Loads therefore take turns.
LOAD_LOCK = threading.RLock()


class IndexUnusable(ValueError):
    """An index directory that cannot be read; the message says what to do."""


@dataclass(frozen=True)
class Stored:
    """What an index directory holds, read and checked, ready to make a SearchIndex."""

    passages: list[Passage]
    terms: list[str]
    idf: np.ndarray
    matrix: sp.csr_matrix
    manifest: dict
    words: dict[str, int]
    synonyms: list[list[str]]
    sources: dict[str, dict]
    vectors: np.ndarray | None
    referrals: list[Referral]
    vector_error: str | None  # why there are no vectors, if there are none


def save(index: SearchIndex, directory: Path) -> None:
    """Write `index` into `directory`, the manifest last."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "vocabulary.json").write_text(json.dumps(index.terms), "utf-8")
    (directory / "words.json").write_text(json.dumps(index.words), "utf-8")
    (directory / "synonyms.json").write_text(json.dumps(index.synonyms), "utf-8")
    (directory / "sources.json").write_text(json.dumps(index.sources), "utf-8")
    referrals = [r.to_json() for r in index.referrals]
    (directory / "referrals.json").write_text(json.dumps(referrals), "utf-8")
    np.save(directory / "idf.npy", index.idf, allow_pickle=False)
    _save_csr(directory / "matrix.npz", index.matrix)
    _save_csr(directory / COUNTS, index.counts)
    if index.vectors is not None:
        np.save(directory / VECTORS, index.vectors, allow_pickle=False)
    with open(directory / "passages.jsonl", "w", encoding="utf-8") as out:
        for p in index.passages:
            out.write(json.dumps(p.to_json(), ensure_ascii=False) + "\n")
    # The manifest goes last, with each file's size and checksum: a directory
    # without one is an unfinished write.
    manifest = {**index.manifest, "files": integrity.record(directory, MANIFEST)}
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2), "utf-8")


def load(directory: Path, checksums: bool = False) -> Stored:
    """Read the index in `directory`, having checked its files' sizes against the
    manifest and, with `checksums`, their SHA-256 too (which reads them all once
    more; see integrity.py for who asks for it)."""
    with LOAD_LOCK:
        return _load(directory, checksums)


def load_counts(directory: Path) -> sp.csr_matrix:
    """The raw term counts, which only an update reads."""
    return _load_csr(directory / COUNTS)


def load_vectors(directory: Path) -> np.ndarray:
    """The passage vectors as stored (float16), read again for an update."""
    return np.load(directory / VECTORS, allow_pickle=False)


def _load(directory: Path, checksums: bool) -> Stored:
    try:
        manifest = json.loads((directory / MANIFEST).read_text("utf-8"))
    except FileNotFoundError:
        raise IndexUnusable(
            f"no index at {directory}: build one with `python indexer.py build`"
        ) from None
    except (OSError, ValueError) as exc:
        raise _damaged(directory, f"{MANIFEST} unreadable: {exc}") from exc
    if manifest.get("format") != FORMAT or manifest.get("format_version") not in (
        READABLE_VERSIONS
    ):
        raise IndexUnusable(
            f"{directory} holds index format {manifest.get('format_version')!r}, this "
            f"version reads {FORMAT_VERSION}: rebuild with `python indexer.py build`"
        )
    # The vector file is checked apart: its damage costs hybrid search, not the index.
    files = {n: f for n, f in manifest.get("files", {}).items() if n != VECTORS}
    problem = integrity.fault(directory, files, checksums)
    if problem:
        raise _damaged(directory, problem)
    try:
        terms = json.loads((directory / "vocabulary.json").read_text("utf-8"))
        words = json.loads((directory / "words.json").read_text("utf-8"))
        synonyms = json.loads((directory / "synonyms.json").read_text("utf-8"))
        sources = json.loads((directory / "sources.json").read_text("utf-8"))
        referrals = [
            Referral.from_json(r)
            for r in _optional_json(directory / "referrals.json", manifest, [])
        ]
        idf = np.load(directory / "idf.npy", allow_pickle=False)
        matrix = _load_csr(directory / "matrix.npz")
        passages = stored.read(directory / "passages.jsonl", manifest.get("passages"))
    except (OSError, ValueError, KeyError) as exc:
        raise _damaged(directory, str(exc)) from exc
    if matrix.shape != (len(passages), len(terms)) or len(idf) != len(terms):
        raise IndexUnusable(f"the index at {directory} is inconsistent: rebuild it")
    vectors, vector_error = _load_vectors(directory, manifest, len(passages), checksums)
    return Stored(
        passages,
        terms,
        idf,
        matrix,
        manifest,
        words,
        synonyms,
        sources,
        vectors,
        referrals,
        vector_error,
    )


def _damaged(directory: Path, why: str) -> IndexUnusable:
    return IndexUnusable(f"the index at {directory} is damaged ({why}): rebuild it")


def _optional_json(path: Path, manifest: dict, default):
    """A file that version 1 indexes lack; required from version 2 on."""
    if manifest.get("format_version", 1) < 2 and not path.exists():
        return default
    return json.loads(path.read_text("utf-8"))


def _load_vectors(
    directory: Path, manifest: dict, passages: int, checksums: bool
) -> tuple[np.ndarray | None, str | None]:
    """The passage vectors, or None with the reason search is by TF-IDF alone. A damaged
    or missing vector file costs the semantic half of search, never the index."""
    described = manifest.get("vectors")
    if not described:
        why = manifest.get("vectors_missing", "this index has no passage vectors")
        return None, f"{why}: searching by TF-IDF alone; rebuild the index for hybrid search"
    files = {n: f for n, f in manifest.get("files", {}).items() if n == VECTORS}
    problem = integrity.fault(directory, files, checksums)
    if problem:
        return None, f"passage vectors damaged ({problem}): searching by TF-IDF alone"
    try:
        vectors = np.load(directory / VECTORS, allow_pickle=False)
    except (OSError, ValueError) as exc:
        return None, f"passage vectors unreadable ({exc}): searching by TF-IDF alone"
    if vectors.shape != (passages, described.get("dims")) or vectors.dtype != np.float16:
        return None, (
            f"passage vectors do not fit the index ({vectors.shape} {vectors.dtype}): "
            "searching by TF-IDF alone; rebuild the index"
        )
    if described.get("model") != embed.MODEL:
        return None, f"passage vectors are from {described.get('model')}, not {embed.MODEL}"
    try:
        embed.embedder()
    except embed.EmbeddingUnavailable as exc:
        return None, f"{exc}: searching by TF-IDF alone"
    return vectors, None


def _save_csr(path: Path, matrix: sp.csr_matrix) -> None:
    np.savez(
        path,
        data=matrix.data,
        indices=matrix.indices,
        indptr=matrix.indptr,
        shape=np.array(matrix.shape),
    )


def _load_csr(path: Path) -> sp.csr_matrix:
    with LOAD_LOCK, np.load(path, allow_pickle=False) as arrays:
        return sp.csr_matrix(
            (arrays["data"], arrays["indices"], arrays["indptr"]), shape=tuple(arrays["shape"])
        )
