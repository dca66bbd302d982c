"""CCP Assistant: cited answers from the Cultural Commissioning Programme's guidance."""

from .answer import answer
from .index import IndexUnusable, SearchIndex
from .models import Answer, Citation, Hit, Passage
from .store import load_current

__all__ = [
    "Answer",
    "Citation",
    "Hit",
    "IndexUnusable",
    "Passage",
    "SearchIndex",
    "answer",
    "load_current",
]
