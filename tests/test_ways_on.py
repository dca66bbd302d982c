"""Answers offer a way on: "did you mean" questions for a declined one, each of which
gets an answer when asked."""

from bs4 import BeautifulSoup

MISSPELT = "What did the pilots in Kemt do?"


def test_a_decline_offers_the_question_with_a_close_word_and_it_is_answered(client):
    body = client.post("/api/query", json={"question": MISSPELT}).json
    assert body["no_answer"] and body["unmatched_terms"] == ["kemt"]
    # The closest word the guidance uses most comes first ("kept" is as close, and since
    # the documents were added it gets an answer too, so it may follow).
    assert body["did_you_mean"][0] == "What did the pilots in Kent do?"
    asked = client.post(
        "/api/query",
        json={"question": body["did_you_mean"][0], "conversation_id": body["conversation_id"]},
    ).json
    assert not asked["no_answer"]


def test_several_unknown_words_are_mended_together(client):
    body = client.post("/api/query", json={"question": "How did Kent use sosial valeu?"}).json
    assert body["did_you_mean"] == ["How did Kent use social value?"]


def test_nothing_is_offered_when_nothing_close_is_answered(client):
    body = client.post("/api/query", json={"question": "How do I renew my passport?"}).json
    assert body["no_answer"] and body["did_you_mean"] == []
    answered = client.post("/api/query", json={"question": "What is a JSNA?"}).json
    assert answered["did_you_mean"] == []


def test_the_page_offers_them_as_buttons_that_work_without_script(client):
    html = BeautifulSoup(client.get("/", query_string={"q": MISSPELT}).data, "html.parser")
    reply = html.select_one("li.reply.not-covered")
    form = reply.select_one(".did-you-mean form.ask-choice")
    assert form["method"] == "get" and form["action"] == "/"
    assert form.find("input", attrs={"name": "q"})["value"] == "What did the pilots in Kent do?"
    assert form.find("input", attrs={"name": "c"})["value"]
    assert form.find("button").get_text() == "What did the pilots in Kent do?"
    # The nearest sections open beside the chat too.
    assert all(a.get("data-passage") for a in reply.select(".nearest a"))
