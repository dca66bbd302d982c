"""Build and inspect the CCP Assistant's index.

python indexer.py build [--source corpus/] [--index index/]
python indexer.py stats [--index index/]
python indexer.py ask "How did the Kent pilot work?" [--index index/]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from assistant import IndexUnusable, SearchIndex, answer, load_current
from assistant.build import BuildRefused, build
from assistant.evaluate import changed_answers, evaluate, load_questions
from assistant.index.versions import BuildLocked, rollback
from assistant.ingest.documents import Limits
from assistant.ingest.fetch import CrawlConfig
from assistant.records.gaps import find_gaps, to_csv, to_html
from assistant.records.logbook import Logbook
from assistant.settings import DECLARED, Settings

DEFAULT_SOURCE = Path("corpus")
DEFAULT_QUESTIONS = [Path("tests/eval/questions.jsonl"), Path("tests/eval/blind.jsonl")]


def source_of(args: argparse.Namespace) -> Path | CrawlConfig:
    """A folder to read, or a site to crawl (--url, or --sources FILE)."""
    if args.sources:
        config = CrawlConfig.from_file(args.sources)
    elif args.url:
        config = CrawlConfig(start_urls=args.url)
    else:
        return args.source
    if args.max_pages:
        config.max_pages = args.max_pages
    return config


def cmd_build(args: argparse.Namespace, incremental: bool = False) -> int:
    report = build(
        source_of(args),
        args.index,
        incremental=incremental,
        force=args.force,
        max_words=DECLARED["max_passage_words"].check(
            args.max_passage_words, "--max-passage-words"
        ),
        keep=DECLARED["keep_versions"].check(args.keep_versions, "--keep-versions"),
        limits=Limits(**_limits(args)),
    )
    print(report.summary())
    if args.json:
        args.json.write_text(json.dumps(report.to_json(), indent=2), "utf-8")
    if getattr(args, "diff", False) and report.previous_version:
        old = SearchIndex.load(args.index / "versions" / report.previous_version)
        changes = changed_answers(
            old, load_current(args.index), load_questions(*_question_files(args))
        )
        print(f"\n{len(changes)} of the saved questions get a different answer:")
        for change in changes:
            print(
                f"- {change['question']}\n    before: {change['before'][:160]}"
                f"\n    after:  {change['after'][:160]}"
            )
    return 0


def _limits(args: argparse.Namespace) -> dict:
    """The document limits given, each checked against its range."""
    given = {"pages": args.max_document_pages, "bytes": args.max_document_bytes}
    return {
        k: DECLARED[f"max_document_{k}"].check(v, f"--max-document-{k}") for k, v in given.items()
    }


def cmd_update(args: argparse.Namespace) -> int:
    return cmd_build(args, incremental=True)


def cmd_rollback(args: argparse.Namespace) -> int:
    version = rollback(args.index)
    print(f"version {version} is current again")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    index = load_current(args.index)
    m = index.manifest
    print(f"index version: {m['version']} (format {m['format_version']})")
    print(f"built:         {m['created_at']} from {m.get('source') or 'unknown source'}")
    print(f"pages:         {m['pages']}")
    print(f"passages:      {m['passages']}")
    print(f"vocabulary:    {m['terms']} terms")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    index = load_current(args.index)
    result = answer(args.question, index, top_k=args.top_k)
    print(result.text)
    if result.citations:
        print("\nSources:")
        for c in result.citations:
            print(f"  [{c.n}] {c.title} - {c.section}\n      {c.url}")
    print(f"\nconfidence {result.confidence:.2f}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    index = load_current(args.index)
    paths = _question_files(args)
    parts = evaluate(index, load_questions(*paths))
    figures = {part: scores.to_json() for part, scores in parts.items()}
    if args.json:
        print(json.dumps(figures))
        return 0
    print(f"questions from {', '.join(str(p) for p in paths)}")
    names = list(next(iter(figures.values())))
    width = max(15, *(len(part) + 2 for part in figures))
    print(f"  {'':24}" + "".join(f"{part:>{width}}" for part in figures))
    for name in names:
        cells = (_figure(scores[name]) for scores in figures.values())
        print(f"  {name.replace('_', ' '):24}" + "".join(f"{c:>{width}}" for c in cells))
    return 0


def _question_files(args: argparse.Namespace) -> list[Path]:
    return args.questions or [p for p in DEFAULT_QUESTIONS if p.is_file()]


def _names(paths: list[Path]) -> str:
    return " ".join(str(p) for p in paths)


def _figure(value: float | int | None) -> str:
    if value is None:
        return "-"  # nothing to measure in this part
    return str(value) if isinstance(value, int) else f"{value:.3f}"


def cmd_report(args: argparse.Namespace) -> int:
    # A postgresql:// URL (the app's CCP_DB_URL) holds every machine's questions.
    shared = args.db.startswith(("postgresql://", "postgres://"))
    if not shared and not Path(args.db).is_file():
        raise FileNotFoundError(
            f"no recorded questions at {args.db} (set --db to the app's CCP_DB_PATH or CCP_DB_URL)"
        )
    try:
        index = load_current(args.index)
    except IndexUnusable:
        index = None  # the report still works; words are then grouped without idf
    gaps = find_gaps(Logbook(args.db if shared else Path(args.db)).answers(), index)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "unanswered.csv").write_text(to_csv(gaps), "utf-8")
    (args.out / "unanswered.html").write_text(to_html(gaps), "utf-8")
    print(
        f"{len(gaps)} groups of unanswered questions written to "
        f"{args.out / 'unanswered.csv'} and {args.out / 'unanswered.html'}"
    )
    for gap in gaps[:10]:
        print(f"  {gap.count:4}  {' '.join(gap.terms)}: {gap.questions[0]}")
    return 0


def parser(settings: Settings | None = None) -> argparse.ArgumentParser:
    """The command line, its defaults the settings in force (CCP_* variables, as the
    server reads them): an index built with CCP_MAX_PASSAGE_WORDS=400 is built as the
    server's admin reindex would build it, into the CCP_INDEX_DIR it serves."""
    settings = settings or Settings()
    index = Path(settings.index_dir)
    root = argparse.ArgumentParser(prog="indexer.py", description=__doc__.splitlines()[0])
    root.add_argument("-v", "--verbose", action="store_true", help="log each step")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, func, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.add_argument(
            "--index",
            type=Path,
            default=index,
            help=f"index directory (default {index}/, CCP_INDEX_DIR)",
        )
        sub.set_defaults(func=func)
        return sub

    for name, func, help in (
        ("build", cmd_build, "build the index from a folder of HTML pages, PDFs and .docx"),
        ("update", cmd_update, "re-index only the pages that changed since the last build"),
    ):
        b = command(name, func, help)
        b.add_argument(
            "--source",
            type=Path,
            default=DEFAULT_SOURCE,
            help=f"folder of HTML pages, PDFs and Word .docx files (default {DEFAULT_SOURCE}/)",
        )
        b.add_argument(
            "--url",
            action="append",
            metavar="URL",
            help="crawl the site from this start URL instead of reading a folder (repeatable)",
        )
        b.add_argument(
            "--sources",
            type=Path,
            metavar="FILE",
            help="crawl as a sources file says (TOML: start_urls, sitemaps, allowed_hosts, "
            "allowed_prefixes, max_pages, ...), e.g. corpus/sources.toml",
        )
        b.add_argument("--max-pages", type=int, help="stop a crawl after this many pages")
        b.add_argument(
            "--max-passage-words",
            type=int,
            default=settings.max_passage_words,
            help=DECLARED["max_passage_words"].help,
        )
        for name in ("keep_versions", "max_document_pages", "max_document_bytes"):
            b.add_argument(
                "--" + name.replace("_", "-"),
                type=int,
                default=getattr(settings, name),
                help=DECLARED[name].help,
            )
        b.add_argument(
            "--force",
            action="store_true",
            help="build even if it would remove more than 20%% of the pages",
        )
        b.add_argument(
            "--json", type=Path, metavar="FILE", help="also write the change report to FILE as JSON"
        )
        b.add_argument(
            "--diff",
            action="store_true",
            help="list the saved questions whose answers the change altered",
        )
        b.add_argument(
            "--questions",
            type=Path,
            nargs="+",
            help=f"saved questions for --diff (default {_names(DEFAULT_QUESTIONS)})",
        )
    command("rollback", cmd_rollback, "make the previous index version current again")
    command("stats", cmd_stats, "print pages, passages, vocabulary size and version")
    a = command("ask", cmd_ask, "answer a question from the terminal, with sources")
    a.add_argument("question")
    a.add_argument("--top-k", type=int, default=settings.top_k, help=DECLARED["top_k"].help)
    e = command("eval", cmd_eval, "score the assistant on the question sets, part by part")
    e.add_argument(
        "--questions",
        type=Path,
        nargs="+",
        help=f"question sets, JSON lines (default {_names(DEFAULT_QUESTIONS)})",
    )
    e.add_argument("--json", action="store_true", help="print the figures as JSON")
    r = command("report", cmd_report, "write the unanswered-questions report (CSV and HTML)")
    r.add_argument(
        "--db",
        default=settings.db_url or settings.db_path,
        help="the app's question log: a SQLite file, or a postgresql://... URL "
        f"(default CCP_DB_URL, else CCP_DB_PATH: {settings.db_url or settings.db_path})",
    )
    r.add_argument(
        "--out",
        type=Path,
        default=Path("reports"),
        help="folder for unanswered.csv and unanswered.html (default reports/)",
    )
    return root


def main(argv: list[str] | None = None) -> int:
    try:
        settings = Settings.read()
    except ValueError as exc:  # a bad CCP_* variable, named with what is allowed
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args = parser(settings).parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.func(args)
    except (IndexUnusable, BuildRefused, BuildLocked, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
