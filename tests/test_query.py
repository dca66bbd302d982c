from assistant import answer
from assistant.answer.query import (
    expand_synonyms,
    is_follow_up,
    names_something,
    prepare,
    read_synonyms,
    shift_subject,
)


def test_synonyms_file_is_read_as_groups(tmp_path):
    path = tmp_path / "synonyms.txt"
    path.write_text("# comment\nCCG, clinical commissioning group  # trailing\n\nlonely\n")
    assert read_synonyms(path) == [("CCG", "clinical commissioning group")]
    assert read_synonyms(tmp_path / "missing.txt") == []


def test_synonym_expansion_adds_the_other_phrases():
    groups = [("CCG", "clinical commissioning group"), ("SROI", "social return on investment")]
    assert expand_synonyms("Who led the CCG?", groups) == [
        (("ccg",), "clinical commissioning group")
    ]
    assert expand_synonyms("What is a clinical commissioning group?", groups) == [
        (("clinic", "commiss", "group"), "CCG")
    ]
    assert expand_synonyms("Nothing related", groups) == []


def test_misspelt_words_are_corrected_from_the_index(corpus_index):
    query = prepare("what did the comissioning pilot in Kent do?", corpus_index)
    assert query.corrections == (("comissioning", "commissioning"),)
    assert "comissioning" not in query.reading
    result = answer("how did the Gloucestershire pilott work", corpus_index)
    assert ("pilott", "pilot") in result.corrections and not result.no_answer


def test_english_words_the_guidance_never_uses_are_left_as_typed(corpus_index):
    # Each was once "corrected" to the guidance's nearest word: could, meant, were,
    # whether, feeds, park.
    for question in (
        "Is a cold email to the council a good idea?",
        "What does MEAT mean in a tender?",
        "We're a small theatre: can't we bid?",
        "Does the weather affect outdoor arts sessions?",
        "Can we charge fees for parking at events?",
    ):
        assert prepare(question, corpus_index).corrections == (), question
    # ... while misspellings of the guidance's words are still put right.
    query = prepare("is there a perscription scheme for evalution?", corpus_index)
    assert query.corrections == (("perscription", "prescription"), ("evalution", "evaluation"))


def test_acronyms_find_their_spelt_out_form(corpus_index):
    query = prepare("What does SROI measure?", corpus_index)
    assert "social return on investment" in query.expanded_with
    result = answer("What does SROI measure?", corpus_index)
    assert not result.no_answer


def test_follow_ups_are_read_with_the_question_before(corpus_index):
    assert is_follow_up("And how long did it run?", corpus_index)
    assert is_follow_up("what about Kent?", corpus_index)
    assert not is_follow_up("Who chaired the advisory group?", corpus_index)
    first = "Who led the Gloucestershire pilot?"
    result = answer("And how long did it run?", corpus_index, previous=[first])
    assert result.follow_up and result.reading.startswith(first)
    assert not result.no_answer
    assert "gloucestershire" in result.citations[0].url.lower() + result.text.lower()
    # Without a previous question it is just a (vague) question.
    assert not answer("And how long did it run?", corpus_index).follow_up


def test_a_question_that_names_its_own_subject_is_not_a_follow_up(corpus_index):
    # Asked after another question, each of these was read as about the earlier answer's
    # subject, for its pronoun, its "why", its "there" or its "that".
    for question in (
        "Why did Suffolk County Council spin out its libraries?",
        "Who wrote Opportunities for alignment and when did it come out?",
        "Is there solid evidence that arts and culture improve health outcomes?",
        "Any examples of CCGs actually paying for arts activity for mental health?",
    ):
        assert not is_follow_up(question, corpus_index), question
    # ... while a question that points back still is, whatever else it names.
    for question in (
        "how many GP practices referred patients to it?",
        "does that mean I'm forced to go out to tender?",
        "Who funded the Manchester one?",
        "how does that compare with what Kent did?",
        "who paid for that?",
        "why?",
    ):
        assert is_follow_up(question, corpus_index), question
    after = answer(
        "Why did Suffolk County Council spin out its libraries?",
        corpus_index,
        previous=["Artlift"],
    )
    assert not after.follow_up and "suffolk" in after.citations[0].url


def test_a_name_typed_in_lower_case_still_names_something(corpus_index):
    # The guidance always capitalises "Kent": typed small it is still a name, and "kent
    # pilot results?" after another question is about Kent, not the answer before.
    assert not is_follow_up("kent pilot results?", corpus_index)
    assert is_follow_up("what about kent?", corpus_index)
    assert is_follow_up("who delivered the sessions?", corpus_index)


def test_a_capital_that_starts_a_sentence_names_nothing(corpus_index):
    # What a follow-up carries depends on whether the question named something.
    assert names_something("What did the pilot in Kent do?", corpus_index)
    assert names_something("We sing with older people. How did Artlift work?", corpus_index)
    assert not names_something("We sing with older people. Are there examples?", corpus_index)


def test_only_a_question_that_names_something_else_shifts_the_subject(corpus_index):
    assert shift_subject("Kent commissioner pilot", "What about Gloucestershire?") == (
        "Gloucestershire commissioner pilot"
    )
    assert shift_subject("The Kent pilot", "and the Gloucestershire one?") == (
        "Gloucestershire pilot"
    )
    # a question with words of its own, or naming no place, keeps the subject as it is
    assert shift_subject("Kent commissioner pilot", "and who paid for it?") is None
    assert shift_subject("Kent commissioner pilot", "and the evaluation?") is None
    assert shift_subject("arts on prescription", "what about Gloucestershire?") is None
    assert shift_subject("We're a small heritage trust", "What about in Suffolk?") is None
    # several names take the old one's place together
    assert shift_subject("The Kent pilot", "what about the one in Suffolk and Devon?") == (
        "Suffolk and Devon pilot"
    )
