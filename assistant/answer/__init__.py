"""Answer stage: read the question, retrieve passages, compose a cited extractive answer."""

from .compose import answer, compose, retrieve

__all__ = ["answer", "compose", "retrieve"]
