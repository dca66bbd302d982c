"""Read IR test collections: Cranfield and CISI (SMART format) and BEIR's layout.

Each reader returns (docs, queries, qrels): docs {id: (title, text)}, queries
{id: text}, qrels {query id: {doc id: graded gain > 0}}.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

Collection = tuple[dict[str, tuple[str, str]], dict[str, str], dict[str, dict[str, int]]]


def smart_records(path: Path) -> list[dict[str, str]]:
    """Split a SMART file into records: {'I': id, 'T': ..., 'W': ...}."""
    text = path.read_text("utf-8", errors="replace").replace("\r\n", "\n")
    records = []
    for chunk in re.split(r"^\.I\s+", text, flags=re.M)[1:]:
        first, _, rest = chunk.partition("\n")
        fields = {"I": first.strip()}
        for m in re.finditer(r"^\.([A-Z])\s*\n(.*?)(?=^\.[A-Z]\s*\n|\Z)", rest, re.M | re.S):
            fields[m.group(1)] = fields.get(m.group(1), "") + m.group(2).strip() + " "
        records.append({k: v.strip() for k, v in fields.items()})
    return records


def cranfield(root: Path) -> Collection:
    docs = {r["I"]: (r.get("T", ""), r.get("W", "")) for r in smart_records(root / "cran.all.1400")}
    # Relevance judgements number queries by position in cran.qry, not by their .I.
    queries = {str(n): r.get("W", "") for n, r in enumerate(smart_records(root / "cran.qry"), 1)}
    qrels: dict[str, dict[str, int]] = {}
    for line in (root / "cranqrel").read_text().split("\n"):
        parts = line.split()
        if len(parts) >= 3:
            q, d, code = parts[0], parts[1], int(parts[2])
            gain = 5 - code if 1 <= code <= 4 else 0
            if gain > 0:
                qrels.setdefault(q, {})[d] = gain
    return docs, queries, qrels


def cisi(root: Path) -> Collection:
    docs = {r["I"]: (r.get("T", ""), r.get("W", "")) for r in smart_records(root / "CISI.ALL")}
    queries = {r["I"]: r.get("W", "") for r in smart_records(root / "CISI.QRY")}
    qrels: dict[str, dict[str, int]] = {}
    for line in (root / "CISI.REL").read_text().split("\n"):
        parts = line.split()
        if len(parts) >= 2:
            qrels.setdefault(parts[0], {})[parts[1]] = 1
    return docs, queries, {q: r for q, r in qrels.items() if q in queries}


def beir(root: Path) -> Collection:
    docs, queries, qrels = {}, {}, {}
    with open(root / "corpus.jsonl", encoding="utf-8") as lines:
        for line in lines:
            d = json.loads(line)
            docs[str(d["_id"])] = (d.get("title", ""), d.get("text", ""))
    with open(root / "queries.jsonl", encoding="utf-8") as lines:
        for line in lines:
            q = json.loads(line)
            queries[str(q["_id"])] = q["text"]
    with open(root / "qrels" / "test.tsv", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if int(row["score"]) > 0:
                qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
    return docs, {q: t for q, t in queries.items() if q in qrels}, qrels


def load(path: Path) -> Collection:
    if (path / "corpus.jsonl").exists():
        return beir(path)
    if (path / "cran.all.1400").exists():
        return cranfield(path)
    if (path / "CISI.ALL").exists():
        return cisi(path)
    raise SystemExit(f"{path}: not Cranfield, CISI or a BEIR-layout collection")
