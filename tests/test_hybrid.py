"""Hybrid retrieval: the semantic half of search, its vectors in the index, and what
happens when they are missing."""

import json
import shutil

import numpy as np
import pytest

import assistant.index.search as search
from assistant import SearchIndex, answer, load_current
from assistant.build import build
from assistant.index import embed
from assistant.index.versions import current_dir
from web import create_app

from .conftest import FIXTURE_SITE, LiveServer


def test_the_model_ships_in_its_wheel_and_knows_everyday_paraphrase():
    model = embed.embedder()  # reads the wordllama package's own files; never downloads
    vectors = model.embed(["money", "funding", "doctor", "GP", "older people", "the elderly"])
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > 0.4 and similarity[2, 3] > 0.2 and similarity[4, 5] > 0.6
    assert similarity[0, 2] < 0.2  # money is not a doctor


def test_a_build_tokenises_word_by_word_with_the_tokens_of_whole_texts(corpus_index):
    # A build tokenises each distinct word once, not each text whole; the token counts
    # must be those of the whole texts, spaces, line breaks and special tokens included.
    model = embed.embedder()
    texts = [text for p in corpus_index.passages[:200] for text in embed.passage_texts(p)]
    texts += ["two  spaces", "  leading", "a\nline break", "tab\there", "trailing ", "", " "]
    texts += ["<s> special", "x </s> y <unk>", "café — naïve", "x \u2581y", "end  \u2581\u2581"]
    counts = model._counts(texts, {}).toarray()
    for row, encoding in zip(
        counts, model._tokenizer.encode_batch(texts, add_special_tokens=False), strict=True
    ):
        assert np.array_equal(row, np.bincount(encoding.ids, minlength=len(row)))
    # ... so a passage's vector is the one embedding its texts one at a time gives.
    whole = model.embed(texts[:100])
    single = np.stack([model.embed([t])[0] for t in texts[:100]])
    assert np.allclose(whole, single, atol=1e-6)


def test_a_question_in_words_the_guidance_never_uses_is_found_by_meaning(corpus_index):
    # No word of the question is in the index: TF-IDF alone finds nothing.
    assert corpus_index.search("bookworms", 3, hybrid=False) == []
    hits = corpus_index.search("bookworms", 3)
    assert hits and hits[0].passage.url == "case-studies/reading-well-books-on-prescription.html"
    # Gibberish is close in meaning to nothing, so it finds nothing.
    assert corpus_index.search("zzzz qqqq", 3) == []


def test_a_section_named_by_the_question_is_found(corpus_index):
    # The page's title is what the question asks about (it ranked 11th before titles
    # and headings counted twice and meaning was added).
    hits = corpus_index.search("What do commissioners look for when choosing a provider?", 5)
    assert "opportunities/what-commissioners-look-for.html" in [h.passage.url for h in hits]


def test_vectors_survive_the_round_trip(fixture_index, tmp_path):
    fixture_index.save(tmp_path / "copy")
    again = SearchIndex.load(tmp_path / "copy")
    assert again.vector_error is None
    assert again.vectors.dtype == np.float16
    assert np.array_equal(again.vectors, fixture_index.vectors)
    question = "How are outcomes checked at review?"
    assert [h.passage.id for h in again.search(question)] == [
        h.passage.id for h in fixture_index.search(question)
    ]


def test_an_update_embeds_only_the_passages_that_changed(tmp_path, monkeypatch):
    site = tmp_path / "site"
    shutil.copytree(FIXTURE_SITE, site)
    build(site, tmp_path / "index", progress=False)
    before = load_current(tmp_path / "index")
    embedded = []
    real = embed.passage_vectors

    def counting(passages, model, batch=256):
        embedded.extend(p.id for p in passages)
        return real(passages, model, batch)

    monkeypatch.setattr(embed, "passage_vectors", counting)
    page = next(site.rglob("*.html"))
    page.write_text(page.read_text().replace("</p>", " A new closing remark.</p>", 1))
    build(site, tmp_path / "index", incremental=True, progress=False)
    after = load_current(tmp_path / "index")
    changed = [p.id for p in after.passages if p.url == page.relative_to(site).as_posix()]
    assert embedded and set(embedded) <= set(changed)
    kept = {p.id: i for i, p in enumerate(before.passages)}
    for i, p in enumerate(after.passages):
        if p.id not in changed:
            assert np.array_equal(after.vectors[i], before.vectors[kept[p.id]])


def test_a_missing_or_damaged_vector_file_falls_back_to_tfidf(corpus_index_root, tmp_path):
    root = tmp_path / "index"
    shutil.copytree(corpus_index_root, root)
    vectors = current_dir(root) / "vectors.npy"
    vectors.write_bytes(vectors.read_bytes()[:1000])  # truncated
    index = load_current(root)
    assert index.vectors is None and "TF-IDF alone" in index.vector_error
    result = answer("Who chaired the advisory group?", index)
    assert not result.no_answer and "Bichard" in result.text

    vectors.unlink()
    app = create_app({"INDEX_DIR": str(root), "DB_PATH": ""})
    with LiveServer(app) as server:
        import urllib.request

        with urllib.request.urlopen(server.url + "/api/health") as response:
            health = json.load(response)
        assert health["status"] == "degraded"
        assert any("TF-IDF alone" in fault for fault in health["faults"])
        body = json.dumps({"question": "Who chaired the advisory group?"}).encode()
        request = urllib.request.Request(
            server.url + "/api/query", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request) as response:
            assert "Bichard" in json.load(response)["answer"]


def test_without_the_model_a_build_still_indexes_by_tfidf(tmp_path, monkeypatch):
    def unavailable():
        raise embed.EmbeddingUnavailable("the wordllama package is not installed")

    monkeypatch.setattr(embed, "embedder", unavailable)
    build(FIXTURE_SITE, tmp_path / "index", progress=False)
    index = load_current(tmp_path / "index")
    assert index.vectors is None and "not installed" in index.vector_error
    assert index.search("How are outcomes checked at review?")[0].passage.anchor == "review"


@pytest.mark.parametrize("large", [False, True])
def test_large_indexes_rescore_tfidf_candidates_small_ones_scan(fixture_index, large):
    size = search.SCAN_LIMIT + 1 if large else len(fixture_index.passages)
    passages = (fixture_index.passages * (size // len(fixture_index.passages) + 1))[:size]
    scanned = search.SearchIndex(
        passages,
        fixture_index.terms,
        fixture_index.idf,
        fixture_index.matrix[[i % len(fixture_index.passages) for i in range(size)]],
        fixture_index.manifest,
        vectors=fixture_index.vectors[[i % len(fixture_index.passages) for i in range(size)]],
    )
    assert (scanned._scan is not None) == (size <= search.SCAN_LIMIT)
    hits = scanned.search("How are outcomes checked at review?", 3)
    assert hits and hits[0].passage.anchor == "review"


def test_a_page_outranks_a_document_that_says_the_same():
    from assistant.models import Passage

    def passage(pid, url, text):
        return Passage(pid, url, "Title", ("Heading",), None, text, ((0, len(text)),))

    same = "Social prescribing links people to non-clinical support in the community."
    index = SearchIndex.build(
        [
            passage("doc", "reports/summary.pdf", same),
            passage("page", "guidance/prescribing.html", same),
            passage("other", "reports/other.pdf", "Only the report says the word zeppelin."),
        ],
        with_vectors=False,
    )
    assert [h.passage.id for h in index.search("social prescribing", 2)] == ["page", "doc"]
    assert index.search("zeppelin", 1)[0].passage.id == "other"  # alone, still found
