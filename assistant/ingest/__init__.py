"""Ingest stage: fetch pages, extract their main text, chunk it into passages."""
