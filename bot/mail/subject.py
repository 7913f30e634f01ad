"""The subject rule: is this letter «Заявка на сертификат ViPNet», however it was written?

A subject is the application's (MATCH), close to it (NEAR: the key words of
rules/mail.toml [subject.near] are there, e.g. «Заявка на сертификат», «Скан заявки
на сертификат ViPNet»), or unrelated (None). Look-alike letters are folded with the
one table of rules/lookalikes.toml (bot/lookalikes.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot import lookalikes
from bot.rules import RulesError

_QUOTES = "\"'«»„“”‘’`"
MATCH = "match"
NEAR = "near"


@dataclass(frozen=True)
class SubjectRule:
    expected: str
    prefixes: tuple[str, ...]
    # NEAR when every stem of any one group starts a word of the folded subject
    near_groups: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def from_rules(cls, section: dict[str, Any]) -> SubjectRule:
        sub = section["subject"]
        groups = sub.get("near", {}).get("groups", [])
        if not isinstance(groups, list) or not all(
                isinstance(g, list) and g and all(isinstance(w, str) and w.strip() for w in g) for g in groups):
            raise RulesError("mail.toml: subject.near.groups — нужен список списков слов")
        rule = cls(
            expected=str(sub["expected"]),
            prefixes=tuple(sorted((str(p).casefold() for p in sub["prefixes"]), key=len, reverse=True)),
            near_groups=tuple(tuple(lookalikes.fold(w).strip() for w in g) for g in groups),
        )
        if not rule.fold(rule.expected):
            raise ValueError("subject.expected is empty")
        return rule

    def fold_letters(self, text: str) -> str:
        """Case, quotes, spaces and look-alike letters folded away."""
        text = lookalikes.fold(text)
        text = "".join(" " if ch in _QUOTES else ch for ch in text)
        return re.sub(r"[\s_]+", " ", text).strip()

    def fold(self, text: str) -> str:
        """fold_letters, and trailing punctuation dropped too."""
        return self.fold_letters(text).strip(" .!-–—")

    def strip_prefixes(self, folded: str) -> str:
        while True:
            for prefix in self.prefixes:
                # "Пересл.:", "Re[2]:", "RE (3) :" all count
                folded_prefix = self.fold_letters(prefix).rstrip(".")
                match = re.match(
                    rf"{re.escape(folded_prefix)}\.?\s*(?:\[\d+\]|\(\d+\))?\s*:\s*", folded
                )
                if match:
                    folded = folded[match.end():]
                    break
            else:
                return folded.strip()

    def normalise(self, subject: str) -> str:
        return self.strip_prefixes(self.fold(subject))

    def matches(self, subject: str) -> bool:
        return self.normalise(subject) == self.fold(self.expected)

    def classify(self, subject: str) -> str | None:
        """MATCH, NEAR, or None for a subject that has nothing to do with the application."""
        normal = self.normalise(subject)
        if normal == self.fold(self.expected):
            return MATCH
        words = re.findall(r"\w+", normal)
        for group in self.near_groups:
            if all(any(word.startswith(stem) for word in words) for stem in group):
                return NEAR
        return None
