"""Text analysis shared by indexing and querying, so both sides always agree.

Uses only what NLTK ships in code (the Snowball stemmer, Punkt with parameters set
here): its downloadable data is unavailable on many machines.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache

from .stopwords import ENGLISH_STOP_WORDS


def _import_nltk_lean() -> None:
    """Import NLTK without the optional scikit-learn and scipy.stats features its package
    loads at once and we never use: that saves about 75 MB in every server process.
    NLTK skips a feature whose import fails; the hidden modules import normally after."""
    hidden = [name for name in ("sklearn", "scipy.stats") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` fail
    try:
        import nltk  # noqa: F401
    finally:
        for name in hidden:
            del sys.modules[name]


_import_nltk_lean()

from nltk.stem.snowball import SnowballStemmer  # noqa: E402
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer  # noqa: E402

# Abbreviations that end in a full stop without ending a sentence (lower case, no
# final stop, as Punkt expects). Months and titles are the ones guidance text uses.
ABBREVIATIONS = frozenset(
    """e.g i.e etc cf vs approx dept no nos fig p pp vol ed eds est
    jan feb mar apr jun jul aug sep sept oct nov dec
    mr mrs ms dr prof cllr rev st sr jr hon rt
    co ltd inc plc govt assoc univ""".split()
)
# scikit-learn's list, less the words that carry meaning in questions about dates,
# phases and services ("phase two", "the first pilot", "full report").
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) - frozenset(
    """one two three four five six eight nine ten eleven twelve fifteen twenty forty
    fifty sixty hundred first last full part system bill fire find found interest
    amount show describe detail name well top bottom front back move side give call
    made""".split()
) | frozenset(
    # Words that frame a question rather than say what it is about.
    """did does doing tell think explain know want mean means meant just really actually
    exactly definitely say said says happen happened happens thing things kind sort""".split()
)
# A word as typed, with its case and any apostrophe ("NCVO's"), for quoting it back.
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’]*")
# A word, with any possessive ("ncvo's"); findall gives only the word before it.
TOKEN_RE = re.compile(r"([a-z0-9]+)(?:['’][a-z]+)?")

_stemmer = SnowballStemmer("english")
_params = PunktParameters()
_params.abbrev_types = set(ABBREVIATIONS)
_sentences = PunktSentenceTokenizer(_params)


# Names how text becomes terms; an index built with another analysis is rebuilt.
ANALYSIS = "snowball-english/irregular-verbs-1"
# Irregular past forms the Snowball stemmer leaves alone, so that "who ran it" finds
# "runs the programme" and "who paid" finds "pays for".
IRREGULAR = {
    "ran": "run", "led": "lead", "paid": "pay", "began": "begin", "begun": "begin",
    "wrote": "write", "written": "write", "brought": "bring", "bought": "buy",
    "sold": "sell", "taught": "teach", "sought": "seek", "won": "win", "gave": "give",
    "given": "give", "took": "take", "taken": "take", "went": "go", "gone": "go",
    "held": "hold", "kept": "keep", "met": "meet", "spent": "spend", "sent": "send",
    "built": "build", "chose": "choose", "chosen": "choose", "grew": "grow",
    "grown": "grow", "knew": "know", "known": "know", "told": "tell", "felt": "feel",
    "fell": "fall", "fallen": "fall", "rose": "rise", "risen": "rise", "shown": "show",
    "drew": "draw", "drawn": "draw", "got": "get", "became": "become", "came": "come",
    "ate": "eat", "spoke": "speak", "spoken": "speak", "understood": "understand",
}  # fmt: skip


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _stemmer.stem(IRREGULAR.get(word, word))


def tokens(text: str) -> list[str]:
    """Lower-case word tokens, possessives dropped ("NCVO's" -> "ncvo")."""
    return TOKEN_RE.findall(text.lower())


def analyze(text: str) -> list[str]:
    """Turn text into index terms: tokens without stop words, Snowball-stemmed."""
    return [stem(t) for t in tokens(text) if t not in STOP_WORDS]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences in `text`."""
    return list(_sentences.span_tokenize(text))


def normalise_space(text: str) -> str:
    """Runs of whitespace as one space, none at the ends. (str.split and the regex
    `\\s` agree on what whitespace is; splitting is several times faster.)"""
    return " ".join(text.split())


@lru_cache(maxsize=4096)
def whole_phrase(phrase: str) -> re.Pattern:
    """`phrase` where it stands whole, not inside a longer word ("Kent", not "Kentish"):
    how a page's link text is found in a passage and again in a quoted piece."""
    return re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)")


_STRAIGHT = str.maketrans("‘’“”–—", "''\"\"--")


def fold(text: str) -> str:
    """Lower case, straight quotes and dashes, single spaces: for comparing wordings."""
    if not text.isascii():  # ASCII text has none to straighten: translate costs µs
        text = text.translate(_STRAIGHT)
    return normalise_space(text.lower())
