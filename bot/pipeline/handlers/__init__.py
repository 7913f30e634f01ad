"""Handlers: each module does one thing to an accepted letter's outcome.

A handler module has NAME and `run(letter, outcome, ctx) -> Outcome`. The
`prepare` handlers run before the store transaction (slow work, files only);
the `commit` handlers run inside it, with what they write committed together
with the letter's record and its reply. Lists and order: rules/pipeline.toml.
"""
