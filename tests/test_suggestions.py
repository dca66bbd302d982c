"""Suggested next questions: made from the headings of the sections beside the cited
ones, and every one of them, over the whole corpus, answered when asked."""

from bs4 import BeautifulSoup

from assistant.answer.suggest import section_question
from web import settings_of
from web.service import answer_options, asker

QUESTION = "Who chaired the programme's advisory group?"


def test_every_section_question_in_the_corpus_is_answered_from_its_section(app, client):
    with app.test_request_context():
        options = answer_options(settings_of(app).top_k)
        index = app.extensions["ccp_index_holder"].get()
        ask, key = asker(index, options)
        questions = {p.id: section_question(p, index, ask, key) for p in index.passages}
    offered = {q for q in questions.values() if q}
    assert len(offered) >= 0.6 * len(index.passages)  # most sections have one
    # Asked in the middle of a conversation about something else, as a person would.
    before = client.post("/api/query", json={"question": "What was the Kent pilot?"}).json
    for question in offered:
        body = client.post(
            "/api/query",
            json={"question": question, "conversation_id": before["conversation_id"]},
        ).json
        assert not body["no_answer"], question
        assert not body["follow_up"], question
        cited = {c["passage_id"] for c in body["citations"]}
        assert cited & {p for p, q in questions.items() if q == question}, question


def test_an_answer_suggests_questions_about_the_sections_beside_it(client):
    body = client.post("/api/query", json={"question": QUESTION}).json
    assert 1 <= len(body["suggestions"]) <= 3
    assert QUESTION not in body["suggestions"]
    page = body["citations"][0]["url"].split("#")[0]
    for question in body["suggestions"]:
        asked = client.post("/api/query", json={"question": question}).json
        assert not asked["no_answer"]
        assert asked["citations"][0]["url"].split("#")[0] == page


def test_a_decline_suggests_from_its_nearest_sections(client):
    body = client.post("/api/query", json={"question": "How do I renew my passport?"}).json
    assert body["no_answer"] and body["suggestions"]
    for question in body["suggestions"]:
        assert not client.post("/api/query", json={"question": question}).json["no_answer"]


def test_the_page_shows_suggestions_as_buttons(client):
    html = BeautifulSoup(client.get("/", query_string={"q": QUESTION}).data, "html.parser")
    buttons = html.select("li.reply .suggestions form.ask-choice button")
    api = client.post("/api/query", json={"question": QUESTION}).json
    assert [b.get_text() for b in buttons] == api["suggestions"]


def test_a_heading_reads_as_part_of_a_sentence():
    from assistant.answer.suggest import _in_sentence

    assert _in_sentence("A new report on arts", "") == "a new report on arts"
    assert _in_sentence("NHS commissioners", "") == "NHS commissioners"  # an acronym stays
    # the first word of a name stays, though the word is written small in the text
    assert _in_sentence("Mission Models Money's part", "its mission was") == (
        "Mission Models Money's part"
    )
    assert _in_sentence("The Reader's work", "the") == "the Reader's work"


def test_a_heading_becomes_a_question_only_when_it_asks():
    from assistant.answer.suggest import phrasings
    from assistant.models import Passage

    def first(heading: str) -> str:
        passage = Passage("p", "a.html", "A page", (heading,), "s", "On funding.", ((0, 11),))
        return phrasings(passage)[0]

    # A heading that asks reads as a question; one that says what it tells, as it is
    # ("What Kent did?" and "How the tender went?" were offered).
    assert (
        first("Who wrote Opportunities for alignment") == "Who wrote Opportunities for alignment?"
    )
    assert first("What is known about the results") == "What is known about the results?"
    assert first("Who delivered the programme: NCVO and NPC") == "Who delivered the programme?"
    assert first("What Kent did before joining the programme") == (
        "What Kent did before joining the programme"
    )
    assert first("How the tender went") == "How the tender went"
    assert first("Funding for organisations") == (
        "What does the guidance say about funding for organisations?"
    )
