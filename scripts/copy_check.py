"""List runs of words that a page's text shares with a reference text (a source or brief).

Content is written in our own words: names, titles and figures may match a source, but a
long shared run usually means a copied sentence. Reads the rendered pages in corpus/, or
the files given: HTML pages (their article text) or plain-text sources such as the
documents' sources in site/documents/.

    python scripts/copy_check.py REFERENCE.md [--min-words 8] [--report-over 11]
    python scripts/copy_check.py REFERENCE.md site/documents/*.md
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
WORD = re.compile(r"[a-z0-9£%']+")


def words(text: str) -> list[str]:
    return WORD.findall(re.sub(r"https?://\S+", " ", text.lower()))


def shared_runs(page: list[str], reference: set[tuple[str, ...]], n: int) -> list[str]:
    runs, i = [], 0
    while i <= len(page) - n:
        if tuple(page[i : i + n]) in reference:
            j = i + n
            while j < len(page) and tuple(page[j - n + 1 : j + 1]) in reference:
                j += 1
            runs.append(" ".join(page[i:j]))
            i = j
        else:
            i += 1
    return runs


def text_of(path: Path) -> str:
    return article_text(path) if path.suffix == ".html" else path.read_text("utf-8")


def article_text(path: Path) -> str:
    article = BeautifulSoup(path.read_bytes(), "html.parser").find("article")
    if article is None:
        return ""
    for sources in article.select("section.sources"):
        sources.decompose()
    return article.get_text(" ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", type=Path)
    parser.add_argument("files", type=Path, nargs="*", help="check these instead of corpus/")
    parser.add_argument("--min-words", type=int, default=8, help="shortest run to find")
    parser.add_argument("--report-over", type=int, default=11, help="report runs longer than")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    args = parser.parse_intermixed_args(argv)
    ref = words(args.reference.read_text("utf-8"))
    n = args.min_words
    grams = {tuple(ref[i : i + n]) for i in range(len(ref) - n + 1)}
    found = 0
    paths = args.files or [p for p in sorted(args.corpus.rglob("*.html")) if p.name != "index.html"]
    for path in paths:
        long_runs = [
            r
            for r in shared_runs(words(text_of(path)), grams, n)
            if len(r.split()) > args.report_over
        ]
        if long_runs:
            print(path.relative_to(args.corpus) if path.is_relative_to(args.corpus) else path)
            for run in long_runs:
                print(f"    ({len(run.split())} words) {run}")
            found += len(long_runs)
    print(f"{found} shared runs over {args.report_over} words", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
