"""Main-text extraction quality on real pages, next to trafilatura and readability-lxml.

    python benchmarks/extraction.py [--data ../shared/benchmarks/article-extraction]
    python benchmarks/extraction.py --pages DIR --dump OUT   # extract DIR/*.html(.gz)

Metric (the benchmark's own): tokens are Unicode \\w+ matches, shingles are token
4-grams counted as a multiset; per page true/false positives and false negatives;
precision is averaged over pages with a non-empty prediction, recall over all pages,
F1 is the harmonic mean of the two averages. Also counts pages where text from a
comment section leaked into the output. Ends with one line of JSON.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, Python puts benchmarks/ first on the path, where http.py would
# shadow the standard library's http package: look from the project root instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse
import gzip
import json
import re
import time
from collections import Counter

from assistant.ingest.extract import extract
from assistant.models import RawPage

DATA = Path(__file__).resolve().parent.parent.parent / "shared/benchmarks/article-extraction"
TOKEN = re.compile(r"\w+")
COMMENT = re.compile(r"comment|disqus|respond", re.I)


def ours(html: bytes) -> str:
    doc = extract(RawPage(url="page.html", content=html))
    lines, last_heading = [], None
    for section in doc.sections:
        heading = section.heading_path[-1] if section.heading_path else None
        if heading and heading != last_heading:
            lines.append(heading)
        last_heading = heading
        lines.extend(section.blocks)
    return "\n".join(lines)


def trafilatura_text(html: bytes) -> str:
    import trafilatura

    return trafilatura.extract(html, favor_precision=True, include_comments=False) or ""


def readability_text(html: bytes) -> str:
    import lxml.html
    from readability import Document

    summary = Document(html.decode("utf-8", errors="replace")).summary(html_partial=True)
    return lxml.html.fromstring(summary).text_content() if summary.strip() else ""


SYSTEMS = {"ours": ours, "trafilatura": trafilatura_text, "readability": readability_text}


def shingles(text: str) -> Counter:
    tokens = TOKEN.findall(text.lower())
    return Counter(tuple(tokens[i : i + 4]) for i in range(max(len(tokens) - 3, 0)))


def score(predicted: str, truth: str) -> tuple[float | None, float]:
    p, t = shingles(predicted), shingles(truth)
    tp = sum((p & t).values())
    precision = tp / sum(p.values()) if p else None
    recall = tp / sum(t.values()) if t else 1.0
    return precision, recall


def comment_text(html: bytes) -> str:
    """Text inside comment sections of the page, to detect leaks."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    found = soup.find_all(
        lambda el: any(
            COMMENT.search(v) for v in (el.get("id") or "", " ".join(el.get("class") or []))
        )
    )
    return "\n".join(el.get_text(" ") for el in found)


def leaked(predicted: str, truth: str, comments: str) -> bool:
    """True when several shingles of the output come from comments, not the article."""
    if not comments:
        return False
    stray = (shingles(predicted) & shingles(comments)) - shingles(truth)
    return sum(stray.values()) >= 5


def run_benchmark(data: Path) -> dict:
    truth = json.loads((data / "ground-truth.json").read_text("utf-8"))
    pages = {pid: gzip.decompress((data / "html" / f"{pid}.html.gz").read_bytes()) for pid in truth}
    figures = {}
    for name, system in SYSTEMS.items():
        precisions, recalls, leaks = [], [], 0
        started = time.perf_counter()
        outputs = {pid: system(html) for pid, html in pages.items()}
        seconds = time.perf_counter() - started
        for pid, html in pages.items():
            body = truth[pid]["articleBody"]
            precision, recall = score(outputs[pid], body)
            recalls.append(recall)
            if precision is not None:
                precisions.append(precision)
            leaks += leaked(outputs[pid], body, comment_text(html))
        p = sum(precisions) / len(precisions)
        r = sum(recalls) / len(recalls)
        figures[name] = {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4),
            "comment_leak_pages": leaks,
            "seconds": round(seconds, 2),
            "pages": len(pages),
        }
        print(
            f"{name:12} precision {p:.4f}  recall {r:.4f}  F1 {figures[name]['f1']:.4f}  "
            f"comment leaks {leaks}  {seconds:.1f}s for {len(pages)} pages"
        )
    return figures


def dump(pages: Path, out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for path in sorted(pages.iterdir()):
        if path.name.endswith(".html.gz"):
            html, stem = gzip.decompress(path.read_bytes()), path.name[: -len(".html.gz")]
        elif path.suffix == ".html":
            html, stem = path.read_bytes(), path.stem
        else:
            continue
        (out / f"{stem}.txt").write_text(ours(html), "utf-8")
        count += 1
    print(f"extracted {count} pages into {out}")
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="benchmark folder")
    parser.add_argument("--pages", type=Path, help="extract every .html/.html.gz in DIR")
    parser.add_argument("--dump", type=Path, help="with --pages: where to write the .txt files")
    args = parser.parse_args(argv)
    if args.pages:
        if not args.dump:
            parser.error("--pages needs --dump OUT")
        count = dump(args.pages, args.dump)
        print(json.dumps({"benchmark": "extraction-dump", "pages": count}))
        return 0
    figures = run_benchmark(args.data)
    print(json.dumps({"benchmark": "extraction", "systems": figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
