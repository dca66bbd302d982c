"""Text from PDF and Word documents: each PDF library tried, and our reader.

    python benchmarks/documents.py [DIR ...]   # default: tests/fixtures/documents
    python tests/fixtures/documents/make.py --out /tmp/long --repeat 12  # longer ones

Extracts every .pdf (and .docx) in the folders with every library that imports:
pypdf, pdfminer.six, pypdfium2, pdfplumber and PyMuPDF, each by its own plain-text
call, and `ours` (assistant.ingest.documents: reading order, running headers and
footers dropped, hyphens joined). Where `NAME.txt` sits beside `NAME.pdf`, scores
the output against it: word F1 (words as a multiset, order ignored) and order F1 (word
4-gram shingles, which a reading order that mixes two columns or keeps a running
header loses). Prints each library's figures and pages per second, and ends with one
line of JSON.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, Python puts benchmarks/ first on the path, where http.py would
# shadow the standard library's http package: look from the project root instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import json
import logging
import re
import time
from collections import Counter
from collections.abc import Callable

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "tests" / "fixtures" / "documents"
WORD = re.compile(r"\w+")


def pypdf_text(path: Path) -> tuple[str, int]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    return "\n".join(page.extract_text() or "" for page in reader.pages), len(reader.pages)


def pdfminer_text(path: Path) -> tuple[str, int]:
    from pdfminer.high_level import extract_text
    from pdfminer.pdfpage import PDFPage

    with open(path, "rb") as f:
        pages = sum(1 for _ in PDFPage.get_pages(f))
    return extract_text(path), pages


def pypdfium2_text(path: Path) -> tuple[str, int]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    try:
        texts = [page.get_textpage().get_text_bounded() for page in pdf]
        return "\n".join(texts), len(pdf)
    finally:
        pdf.close()


def pdfplumber_text(path: Path) -> tuple[str, int]:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages), len(pdf.pages)


def pymupdf_text(path: Path) -> tuple[str, int]:
    import pymupdf

    with pymupdf.open(path) as doc:
        return "\n".join(page.get_text() for page in doc), doc.page_count


def ours(path: Path) -> tuple[str, int]:
    from assistant.ingest.documents import document_text

    return document_text(path)


LIBRARIES: dict[str, Callable[[Path], tuple[str, int]]] = {
    "pypdf": pypdf_text,
    "pdfminer.six": pdfminer_text,
    "pypdfium2": pypdfium2_text,
    "pdfplumber": pdfplumber_text,
    "pymupdf": pymupdf_text,
    "ours": ours,
}
PACKAGES = {"ours": None, "pdfminer.six": "pdfminer.six"}


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def f1(predicted: Counter, truth: Counter) -> float:
    overlap = sum((predicted & truth).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(predicted.values()), overlap / sum(truth.values())
    return 2 * precision * recall / (precision + recall)


def scores(text: str, truth: str) -> tuple[float, float]:
    """Word F1 and word-4-gram F1 of `text` against `truth`."""
    got, want = words(text), words(truth)

    def grams(w: list[str]) -> Counter:
        return Counter(tuple(w[i : i + 4]) for i in range(max(len(w) - 3, 0)))

    return f1(Counter(got), Counter(want)), f1(grams(got), grams(want))


def version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed(PACKAGES.get(name, name) or "ccp-assistant")
    except PackageNotFoundError:
        return "?"


def run(folders: list[Path], repeat: int) -> dict:
    documents = sorted(p for folder in folders for p in folder.glob("*.pdf"))
    figures: dict[str, dict] = {}
    for name, read in LIBRARIES.items():
        try:
            read(documents[0])
        except ImportError:
            print(f"{name}: not installed, skipped")
            continue
        per_doc, pages, seconds = {}, 0, 0.0
        for path in documents:
            started = time.perf_counter()
            try:
                for _ in range(repeat):
                    text, n = read(path)
            except Exception as exc:  # a library that fails on a document scores 0 there
                per_doc[path.name] = {"error": f"{type(exc).__name__}: {exc}"[:120]}
                continue
            seconds += time.perf_counter() - started
            pages += n * repeat
            truth = path.with_suffix(".txt")
            if truth.exists():
                word, order = scores(text, truth.read_text("utf-8"))
                per_doc[path.name] = {"word_f1": round(word, 4), "order_f1": round(order, 4)}
            else:
                per_doc[path.name] = {"pages": n}
        scored = [d for d in per_doc.values() if "word_f1" in d]
        figures[name] = {
            "version": version(name),
            "word_f1": round(sum(d["word_f1"] for d in scored) / max(len(scored), 1), 4),
            "order_f1": round(sum(d["order_f1"] for d in scored) / max(len(scored), 1), 4),
            "pages_per_second": round(pages / seconds, 1) if seconds else None,
            "failed": sum("error" in d for d in per_doc.values()),
            "documents": per_doc,
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, default=[DEFAULT])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each document")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # libraries' complaints about odd PDFs
    figures = run(args.folders, args.repeat)
    names = sorted({d for f in figures.values() for d in f["documents"]})
    print(f"{'library':14}{'word F1':>9}{'order F1':>10}{'pages/s':>9}{'failed':>8}")
    for name, f in figures.items():
        print(
            f"{name:14}{f['word_f1']:>9.4f}{f['order_f1']:>10.4f}"
            f"{f['pages_per_second'] or 0:>9.1f}{f['failed']:>8}"
        )
    print("\nper document (word F1 / order F1):")
    for doc in names:
        cells = []
        for f in figures.values():
            d = f["documents"].get(doc, {})
            cells.append(
                "error"
                if "error" in d
                else f"{d['word_f1']:.3f}/{d['order_f1']:.3f}"
                if "word_f1" in d
                else "-"
            )
        print(f"  {doc:32}" + "".join(f"{c:>14}" for c in cells))
    print(
        json.dumps(
            {n: {k: v for k, v in f.items() if k != "documents"} for n, f in figures.items()}
        )
    )


if __name__ == "__main__":
    main()
