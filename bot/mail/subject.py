"""The subject rule: is this letter «Заявка на сертификат ViPNet», however it was written?"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

_QUOTES = "\"'«»„“”‘’`"


@dataclass(frozen=True)
class SubjectRule:
    expected: str
    prefixes: tuple[str, ...]
    lookalikes: dict[str, str]

    @classmethod
    def from_rules(cls, section: dict[str, Any]) -> SubjectRule:
        sub = section["subject"]
        rule = cls(
            expected=str(sub["expected"]),
            prefixes=tuple(sorted((str(p).casefold() for p in sub["prefixes"]), key=len, reverse=True)),
            lookalikes={str(k).casefold(): str(v) for k, v in sub.get("lookalikes", {}).items()},
        )
        if not rule.fold(rule.expected):
            raise ValueError("subject.expected is empty")
        return rule

    def fold_letters(self, text: str) -> str:
        """Case, quotes, spaces and look-alike letters folded away."""
        text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
        text = "".join(" " if ch in _QUOTES else ch for ch in text)
        text = "".join(self.lookalikes.get(ch, ch) for ch in text)
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
