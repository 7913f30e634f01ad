"""Field values from OCR words (bot/scan/fields.py): functions on words, no OCR."""

from __future__ import annotations

import pytest

from bot import DEFAULT_RULES_DIR
from bot.rules import load as load_rules
from bot.scan import fields
from bot.scan.config import ScanConfig, from_rules
from bot.scan.ocr import Line, Word


def _cfg() -> ScanConfig:
    return from_rules(load_rules(DEFAULT_RULES_DIR))


def _words(*parts: tuple[str, int, float], y: int = 100, h: int = 32) -> Line:
    """A line of words, each (text, left x, confidence); 20 px per letter."""
    return Line(tuple(Word(t, c, x, y, x + 20 * len(t), y + h, (0, 1, 1, y)) for t, x, c in parts))


def test_digits_a_text_height_away_are_not_a_part_of_the_number() -> None:
    # a copier's speck beside the ОГРН read as «21°» one text height after it: joined, the run
    # would be 15 digits and no number; apart, the 13 digits pass the check
    lines = [_words(("ОГРН", 100, 90), ("1032945688544", 600, 93), ("21°", 600 + 260 + 40, 37))]
    got = fields.extract(lines, {})
    assert got["ogrn"] == "1032945688544" and got["valid"]["ogrn"]


def test_parts_of_a_number_one_space_apart_stay_one_number() -> None:
    # «112-233-445 95»: the space before the last two digits is a third of a text height
    lines = [_words(("СНИЛС", 100, 90), ("112-233-445", 600, 90), ("95", 600 + 220 + 10, 90))]
    got = fields.extract(lines, {})
    assert got["snils"] == "112-233-445 95" and got["valid"]["snils"]
    # the same parts far apart are two runs, neither a СНИЛС
    far = [_words(("СНИЛС", 100, 90), ("112-233-445", 600, 90), ("95", 600 + 220 + 60, 90))]
    assert fields.extract(far, {})["snils"] is None


def test_line_text_marks_only_wide_gaps() -> None:
    line = _words(("12", 0, 90), ("34", 50, 90), ("56", 200, 90))
    assert fields.line_text(line.words) == "12 34 | 56"
    assert fields.line_text(line.words, gaps=False) == "12 34 56"
    assert fields.line_text(()) == ""


@pytest.mark.parametrize(("text", "want"), [
    ("243-253: -085 40", "243-253-085 40"),    # a copy's specks read as punctuation beside a dash
    ("243-253-085 40", "243-253-085 40"),
    ("243 253 085 40", None),                  # no dashes: not written as a СНИЛС
    ("243-253-085 41", None),                  # fails its check
])
def test_an_unlabelled_snils_with_specks_by_its_dashes(text: str, want: str | None) -> None:
    x, parts = 600, []
    for t in text.split():
        parts.append((t, x, 90.0))
        x += 20 * len(t) + 10
    assert fields.extract([_words(("Г", 100, 0), ("енилс", 140, 0)), _words(*parts, y=200)], {})["snils"] == want
