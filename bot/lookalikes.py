"""The one look-alike table (rules/lookalikes.toml), in the directions its users need.

fold(text)      words compared loosely: capitals and lower-case Latin letters, and digits
                inside words, to Cyrillic; lower case; ё as е (subject rule, node names,
                owners' names)
cyrillic(text)  the same for text already in lower case, without folding case (scan labels)
TO_DIGITS       str.translate table for number fields: look-alike letters to digits
TO_HEX          str.translate table for hexadecimal ids (0x1A0E000B): Cyrillic and look-alike
                letters to hex letters, other look-alikes to digits

The table describes scripts, not a deployment: it is read once from the project's rules/.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from bot import DEFAULT_RULES_DIR
from bot.rules import RulesError

FILE = "lookalikes.toml"
_WORD = re.compile(r"\w+")
_HEX_CHARS = set("0123456789ABCDEFabcdef")


def _pairs(section: dict[str, Any], key: str, *, single: bool = True) -> dict[str, str]:
    value = section.get(key, {})
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and len(k) == 1 and v and (len(v) == 1 or not single)
            for k, v in value.items()):
        raise RulesError(f"{FILE}: {key} — нужна таблица «символ = символ»")
    return dict(value)


@dataclass(frozen=True)
class Lookalikes:
    upper: dict[str, str]      # Latin capitals -> Cyrillic capitals
    lower: dict[str, str]      # lower-case Latin -> lower-case Cyrillic
    digits: dict[str, str]     # digit inside a word -> lower-case Cyrillic letter
    to_digit: dict[str, str]   # digit -> the characters read in its place

    @classmethod
    def from_toml(cls, data: dict[str, Any]) -> Lookalikes:
        cyr = data.get("to_cyrillic", {})
        return cls(upper=_pairs(cyr, "upper"), lower=_pairs(cyr, "lower"), digits=_pairs(cyr, "digits"),
                   to_digit=_pairs(data, "to_digit", single=False))

    def cyrillic(self, text: str) -> str:
        """Lower-case Latin look-alikes to Cyrillic; digits too, inside words with letters."""
        text = text.translate(self._lower_table)
        return text if self.digits.keys().isdisjoint(text) else _WORD.sub(self._word_digits, text)

    def fold(self, text: str) -> str:
        """A word or phrase as compared: look-alikes to Cyrillic, case folded, ё as е."""
        text = unicodedata.normalize("NFKC", text).translate(self._upper_table).casefold()
        return self.cyrillic(text).replace("ё", "е")

    def _word_digits(self, match: re.Match[str]) -> str:
        word = match.group(0)
        if not any(ch.isalpha() for ch in word):
            return word
        return word.translate(self._digit_table)

    @cached_property  # built once: the scan folds every word read
    def _upper_table(self) -> dict[int, str]:
        return str.maketrans(self.upper)

    @cached_property
    def _lower_table(self) -> dict[int, str]:
        return str.maketrans(self.lower)

    @cached_property
    def _digit_table(self) -> dict[int, str]:
        return str.maketrans(self.digits)

    def digits_table(self) -> dict[int, str]:
        return str.maketrans({ch: digit for digit, chars in self.to_digit.items() for ch in chars})

    def hex_table(self) -> dict[int, str]:
        """Hex ids: a Cyrillic (or Latin) look-alike of A-F is that letter, х/Х is the x of
        «0x», and the remaining look-alikes of digits are digits."""
        table: dict[str, str] = {}
        for latin, cyr in self.upper.items():
            if latin in "ABCDEF":
                table[cyr] = table[cyr.lower()] = latin
            elif latin == "X":
                table[cyr] = table[cyr.lower()] = table[latin] = "x"
        for digit, chars in self.to_digit.items():
            for ch in chars:
                if ch not in _HEX_CHARS and ch not in table:
                    table[ch] = digit
        return str.maketrans(table)


def load(path: Path) -> Lookalikes:
    try:
        return Lookalikes.from_toml(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"не читается таблица похожих символов {path}: {exc}") from exc


TABLE = load(DEFAULT_RULES_DIR / FILE)
fold = TABLE.fold
cyrillic = TABLE.cyrillic
TO_DIGITS = TABLE.digits_table()
TO_HEX = TABLE.hex_table()
