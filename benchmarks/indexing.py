"""Full build versus incremental update on a synthetic site of many pages.

    python benchmarks/indexing.py [--pages 5000] [--workdir DIR]

The site is generated from corpus/: each page is a copy of a corpus page under a new
URL with its paragraphs rotated and a numbered line added, so every page is distinct.
The indexer CLI builds it from scratch, then one page is edited and `update` runs.
Prints both times, their ratio, pages per second and each run's peak memory, then one
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
import os
import re
import shutil
import subprocess
import tempfile
import time

ROOT = Path(__file__).resolve().parent.parent
PARAGRAPH = re.compile(rb"<p>.*?</p>", re.S)


def make_site(target: Path, pages: int) -> None:
    """Write `pages` distinct HTML pages made from the corpus's content pages."""
    templates = [
        p.read_bytes()
        for p in sorted((ROOT / "corpus").rglob("*.html"))
        if b'content="noindex' not in p.read_bytes()
    ]
    for n in range(pages):
        html = templates[n % len(templates)]
        paragraphs = PARAGRAPH.findall(html)
        if paragraphs:
            shift = n % len(paragraphs)
            rotated = paragraphs[shift:] + paragraphs[:shift]
            pieces = PARAGRAPH.split(html)
            html = b"".join(
                p + (rotated[i] if i < len(rotated) else b"") for i, p in enumerate(pieces)
            )
        html = html.replace(b"</article>", f"<p>Synthetic copy {n}.</p></article>".encode())
        path = target / f"s{n // 500:02d}" / f"page-{n:05d}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(html)


def run(*args: str) -> tuple[float, int, str]:
    """Run the indexer CLI; return wall seconds, peak RSS in MB and its output."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "indexer.py"), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    out = proc.stdout.read().decode() + proc.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"indexer failed: {out}")
    return seconds, usage.ru_maxrss // 1024, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="ccp-indexing-"))
    site, index = work / "site", work / "index"
    shutil.rmtree(work, ignore_errors=True)
    make_site(site, args.pages)

    build_s, build_mb, _ = run("build", "--source", str(site), "--index", str(index))
    edited = site / "s00" / "page-00007.html"
    edited.write_bytes(edited.read_bytes().replace(b"</article>", b"<p>An edit.</p></article>"))
    update_s, update_mb, out = run("update", "--source", str(site), "--index", str(index))
    assert "1 changed" in out, out
    ratio = update_s / build_s
    print(f"synthetic site: {args.pages} pages in {site}")
    print(f"full build:  {build_s:7.2f} s  {args.pages / build_s:7.1f} pages/s  peak {build_mb} MB")
    print(f"update (1 edited page): {update_s:.2f} s  peak {update_mb} MB")
    print(f"update / build: {ratio:.3f} (target <= 0.10)")
    print(
        json.dumps(
            {
                "benchmark": "indexing",
                "pages": args.pages,
                "build_seconds": round(build_s, 3),
                "update_seconds": round(update_s, 3),
                "update_to_build_ratio": round(ratio, 4),
                "build_pages_per_second": round(args.pages / build_s, 1),
                "build_peak_mb": build_mb,
                "update_peak_mb": update_mb,
            }
        )
    )
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
