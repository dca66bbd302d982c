from assistant.text import analyze, sentence_spans, tokens

from .conftest import run_python


def sentences(text):
    return [text[a:b] for a, b in sentence_spans(text)]


def test_sentences_do_not_break_at_abbreviations():
    text = (
        "Phase two ran from July 2016 to Dec. 2017, e.g. to keep influence. "
        "It was managed by Dr. Harris at NCVO. Kent spent £4m on one service."
    )
    assert sentences(text) == [
        "Phase two ran from July 2016 to Dec. 2017, e.g. to keep influence.",
        "It was managed by Dr. Harris at NCVO.",
        "Kent spent £4m on one service.",
    ]


def test_sentence_spans_are_offsets_into_the_text():
    text = "First one.  Second one (i.e. this). Third."
    for start, end in sentence_spans(text):
        assert text[start:end].strip() == text[start:end]
    assert len(sentence_spans(text)) == 3


def test_analyze_stems_and_drops_stop_words():
    assert analyze("The libraries were commissioning services") == [
        "librari",
        "commiss",
        "servic",
    ]
    # Words that matter for dates and phases are kept.
    assert "two" in analyze("When did phase two run?")


def test_tokens_drop_possessives_and_lowercase():
    assert tokens("NCVO's programme, Kent’s pilot") == ["ncvo", "programme", "kent", "pilot"]


def test_stop_words_are_scikit_learns():
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as sklearn_words

    from assistant.stopwords import ENGLISH_STOP_WORDS

    assert ENGLISH_STOP_WORDS == sklearn_words


def test_serving_loads_nltk_without_scikit_learn():
    """NLTK's package would pull in scikit-learn and scipy.stats (~75 MB a process)."""
    code = (
        "import sys, web; from assistant.text import stem; assert stem('commissioning')"
        " == 'commiss'; print(sorted(m for m in ('sklearn', 'scipy.stats') if m in sys.modules))"
    )
    out = run_python("-c", code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
