"""Answers kept to serve again (web/answers.py): the same answer as worked out afresh,
only for the same question, conversation, options and index version, and bounded."""

from web import create_app
from web.answers import AnswerCache

KENT = "What was the Kent pilot?"
OTHER = "What was the Cultural Commissioning Programme?"
FOLLOW_UP = "What did it find?"
PER_RESPONSE = ("took_ms", "answer_id", "conversation_id")


def same(a: dict, b: dict) -> bool:
    return {k: v for k, v in a.items() if k not in PER_RESPONSE} == {
        k: v for k, v in b.items() if k not in PER_RESPONSE
    }


def test_a_kept_answer_is_the_answer_worked_out_afresh(corpus_index_root):
    kept = create_app({"INDEX_DIR": str(corpus_index_root)}).test_client()
    fresh = create_app({"INDEX_DIR": str(corpus_index_root), "ANSWER_CACHE": 0}).test_client()
    cache = kept.application.extensions["ccp_answers"]
    for question in (KENT, OTHER, "How do I renew my passport?", "Wht did the JSMA say?"):
        first = kept.post("/api/query", json={"question": question}).json
        again = kept.post("/api/query", json={"question": question}).json
        afresh = fresh.post("/api/query", json={"question": question}).json
        assert same(first, again) and same(again, afresh), question
        # Each response is still its own, and recorded.
        assert again["answer_id"] != first["answer_id"]
    assert cache.hits == 4 and cache.misses == 4
    assert len(fresh.application.extensions["ccp_answers"]) == 0


def test_only_the_same_conversation_and_options_share_an_answer(client):
    cache = client.application.extensions["ccp_answers"]
    kent = client.post("/api/query", json={"question": KENT}).json["conversation_id"]
    other = client.post("/api/query", json={"question": OTHER}).json["conversation_id"]
    after_kent = client.post("/api/query", json={"question": FOLLOW_UP, "conversation_id": kent})
    after_other = client.post("/api/query", json={"question": FOLLOW_UP, "conversation_id": other})
    assert after_kent.json["reading"] != after_other.json["reading"]
    again = client.post("/api/query", json={"question": FOLLOW_UP, "conversation_id": kent}).json
    assert same(again, after_kent.json)
    assert cache.hits == 1
    client.post("/api/query", json={"question": KENT, "top_k": 2})
    client.post("/api/query", json={"question": KENT, "filters": {"type": ["case-study"]}})
    assert cache.hits == 1 and cache.misses == 6


def test_kept_answers_are_bounded_and_a_new_index_version_empties_them():
    cache = AnswerCache(2)
    made = []

    def make(text):
        return lambda: made.append(text) or text

    for key in "abc":
        cache.get("v1", key, make(key))
    assert len(cache) == 2 and made == ["a", "b", "c"]
    assert cache.get("v1", "c", make("c again")) == "c"  # kept
    assert cache.get("v1", "a", make("a again")) == "a again"  # the oldest went
    cache.get("v2", "c", make("c on v2"))
    assert len(cache) == 1  # nothing from v1 is served once v2 answers
    assert cache.get("v2", "c", make("c once more")) == "c on v2"
    off = AnswerCache(0)
    assert off.get("v1", "a", make("a")) == "a" and off.get("v1", "a", make("b")) == "b"
    assert len(off) == 0
