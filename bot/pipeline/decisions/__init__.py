"""Decisions: each module answers one question about a letter.

A decision module has NAME, DESCRIPTION and `check(letter, ctx) -> str | None`,
returning the reason when it hits and None when it does not. It never writes.
The order and what a hit does live in rules/pipeline.toml.
"""
