"""A large index keeps its passages' text on disk until an answer needs it
(assistant/index/stored.py); nothing a user or an update sees may change."""

import shutil

import pytest

from assistant import answer, load_current
from assistant.build import build
from assistant.index import stored
from assistant.models import Passage

from .conftest import CORPUS
from .test_updates import edit

QUESTIONS = (
    "What was the Cultural Commissioning Programme?",
    "How did Kent County Council bring arts into its mental health service?",
    "Who led the programme?",
    "What is a consortium?",
    "How much did Arts Council England put into the programme?",
)


@pytest.fixture()
def every_index_large(monkeypatch):
    monkeypatch.setattr(stored, "TEXT_IN_MEMORY", 0)


def test_a_large_index_answers_as_one_held_in_memory(
    corpus_index, corpus_index_root, every_index_large
):
    large = load_current(corpus_index_root)
    assert all(isinstance(p, stored.StoredPassage) for p in large.passages)
    assert not any(isinstance(p, stored.StoredPassage) for p in corpus_index.passages)
    for mine, theirs in zip(large.passages, corpus_index.passages, strict=True):
        assert mine.to_json() == theirs.to_json()
    for question in QUESTIONS:
        assert answer(question, large).to_json() == answer(question, corpus_index).to_json()


def test_a_stored_passage_holds_no_text(corpus_index_root, every_index_large):
    passage = load_current(corpus_index_root).passages[3]
    for name in ("text", "sentences", "links"):
        with pytest.raises(AttributeError):
            getattr(Passage, name).__get__(passage)  # the field's own slot stays empty
    start, end = passage.sentences[0]
    assert passage.text[start:end].strip()  # read from the index's file when asked for


def test_an_update_of_a_large_index_matches_a_full_build(tmp_path, every_index_large):
    site = tmp_path / "site"
    shutil.copytree(CORPUS, site)
    build(site, tmp_path / "a", progress=False)
    edit(site)
    build(site, tmp_path / "a", incremental=True, progress=False)
    build(site, tmp_path / "b", progress=False)
    a, b = load_current(tmp_path / "a"), load_current(tmp_path / "b")
    assert isinstance(a.passages[0], stored.StoredPassage)
    assert a.manifest["content_hash"] == b.manifest["content_hash"]
    assert [p.to_json() for p in a.passages] == [p.to_json() for p in b.passages]
