import pytest

from assistant import answer
from assistant.answer.compose import PAGE_SECTIONS, _rest_of_page, central
from assistant.answer.fragments import without_fragment
from assistant.index import SearchIndex
from assistant.models import Passage
from assistant.text import stem


def test_answer_is_verbatim_sentences_with_citations(corpus_index):
    result = answer("Who chaired the programme's advisory group?", corpus_index)
    assert not result.no_answer
    assert "Bichard" in result.text
    assert 0 < result.confidence <= 1
    assert result.citations and result.sentences
    for sentence in result.sentences:
        passage = corpus_index.by_id[sentence.passage_id]
        assert passage.text[sentence.start : sentence.end] == sentence.text
        assert f"{sentence.text} [" in result.text
        # The first citation is the passage the sentence was taken from.
        assert result.citations[sentence.citations[0] - 1].passage_id == sentence.passage_id
    numbers = [c.n for c in result.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    # Every citation is used by a sentence, and every marker has a citation.
    used = {n for s in result.sentences for n in s.citations}
    assert used == set(numbers)


def test_citations_deep_link_to_the_section(corpus_index):
    result = answer(
        "How much was Kent's community mental health service worth?",
        corpus_index,
        base_url="/site/",
    )
    assert "£4m" in result.text
    for c in result.citations:
        assert c.url.startswith("/site/") and "#" in c.url
        assert c.title and c.section and c.snippet
        passage = corpus_index.by_id[c.passage_id]
        assert without_fragment(c.url) == "/site/" + passage.link


def test_the_programmes_own_subject_is_answered_from_its_definition(corpus_index):
    # Every page is about cultural commissioning, so its words weigh little: the
    # editors' synonyms must not pull in a different idea (procurement, which the
    # guidance says is only one part of commissioning).
    result = answer("What is cultural commissioning?", corpus_index)
    assert not result.no_answer
    assert without_fragment(result.citations[0].url).endswith("#cultural-commissioning")
    assert "procurement" not in result.text.lower()


@pytest.mark.parametrize(
    "question",
    [
        "How do I renew my passport?",
        "What will the weather be like in Leeds tomorrow?",
        "Who won the football last night?",
        "What is the capital of France?",
    ],
)
def test_out_of_scope_questions_get_an_honest_no_answer(corpus_index, question):
    result = answer(question, corpus_index, base_url="/site/")
    assert result.no_answer
    # says plainly it cannot answer, or that the question is for someone else
    assert result.text.startswith(("The guidance", "The assistant"))
    assert result.citations == () and result.sentences == ()
    assert 0 <= result.confidence < 0.5
    # Nearest sections are offered as links, never as an answer.
    assert len(result.nearest) <= 3
    assert all(c.url.startswith("/site/") for c in result.nearest)


def test_not_covered_names_the_words_that_matched_nothing(corpus_index):
    result = answer("How do I renew my passport?", corpus_index)
    assert "passport" in result.unmatched_terms
    assert "“passport”" in result.text


def test_a_decline_names_only_words_the_guidance_never_uses(corpus_index):
    # "heard" and "back" are in the guidance, only not in the nearest sections:
    # "Nothing in it mentions" them would be untrue. (Asked with "how do I find the right
    # commissioner to talk to?" first, the question is answered: that part is covered.)
    question = "I emailed the general inbox and heard nothing back - what now?"
    result = answer(question, corpus_index)
    assert result.no_answer and result.unmatched_terms == ("emailed", "inbox")
    assert all(stem(w) not in corpus_index.vocabulary for w in result.unmatched_terms)


def test_a_question_of_only_stop_words_is_not_answered(corpus_index):
    result = answer("what is it and how?", corpus_index)
    assert result.no_answer and result.confidence == 0


def test_answer_is_short(corpus_index):
    result = answer("What did the Gloucestershire pilot do?", corpus_index, max_sentences=2)
    assert 1 <= len(result.sentences) <= 2


def test_questions_about_the_present_are_not_answered_from_an_archive(corpus_index):
    result = answer("How do I apply for an Arts Council grant this year?", corpus_index)
    assert result.no_answer and "cannot say what is current" in result.text
    assert "last updated in December 2017" in result.text  # from the pages' own metadata
    assert result.nearest  # still points somewhere useful


def test_a_year_no_passage_mentions_is_not_answered(corpus_index):
    assert answer(
        "How much did Arts Council England give to Artlift in 2019?", corpus_index
    ).no_answer
    answered = answer("What happened to the programme in 2014?", corpus_index)
    assert not answered.no_answer and "2014" in answered.text


def test_a_sentence_on_two_pages_is_shown_once_citing_both(tmp_path):
    from assistant import load_current
    from assistant.build import build

    shared = "The zebra fund paid for striped murals in every library branch."
    for name, extra in (("a", "Aardvarks liked it."), ("b", "Badgers were unsure.")):
        (tmp_path / f"{name}.html").write_text(
            f"<html><body><article><h1>Page {name}</h1><h2 id='z'>Zebra fund</h2>"
            f"<p>{shared} {extra}</p></article></body></html>"
        )
    build(tmp_path, tmp_path / "index", progress=False)
    result = answer("What did the zebra fund pay for?", load_current(tmp_path / "index"))
    assert result.text.count(shared) == 1
    sentence = next(s for s in result.sentences if s.text == shared)
    assert sentence.citations == (1, 2)
    assert {without_fragment(c.url) for c in result.citations} == {"a.html#z", "b.html#z"}


def test_a_decline_names_words_only_when_they_are_much_of_the_question(corpus_index):
    # "genuinely", "loads" and "lovely" are nowhere in the guidance, but in a long
    # question they are its wording, not why it is not answered; "passport" is.
    chatty = (
        "How do I prove our youth theatre makes a difference? The council keeps going on "
        "about 'outcomes' and 'evidence' and I genuinely don't know what they want from "
        "us - we've got loads of lovely feedback but that's about it"
    )
    assert not central(("genuinely", "loads", "lovely"), chatty)
    assert central(("passport",), "How do I renew my passport?")
    # Named as typed; a name is named however long the question.
    result = answer("What is a PQQ?", corpus_index)
    assert result.no_answer and "Nothing in it mentions “PQQ”." in result.text
    result = answer(
        "Honestly, our small board has been going back and forth about it for weeks and "
        "nobody knows: what did the programme ever do about Quidditch?",
        corpus_index,
    )
    assert result.no_answer and "Nothing in it mentions “Quidditch”." in result.text


def test_a_long_documents_sections_offered_to_a_part_are_the_nearest_ones():
    """A question of several parts may draw on the best page's other sections; of a
    long document's, only the nearest PAGE_SECTIONS are offered."""

    def section(i: int) -> Passage:
        text = f"Section {i} of the report is about topic{i} and nothing else."
        return Passage(
            f"doc-{i:03d}",
            "reports/long.pdf",
            "A long report",
            (f"Part {i}",),
            None,
            text,
            ((0, len(text)),),
            page=i + 1,
        )

    index = SearchIndex.build([section(i) for i in range(120)], with_vectors=False)
    hits = index.search("topic60", k=5)
    assert hits[0].passage.id == "doc-060"
    offered = _rest_of_page(index, hits)
    rows = sorted(h.row for h in offered)
    assert len(offered) <= PAGE_SECTIONS and 59 in rows and 61 in rows
    assert max(rows) - min(rows) <= PAGE_SECTIONS + len(hits)
