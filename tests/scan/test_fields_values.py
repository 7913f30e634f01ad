"""Field values from OCR words (bot/scan/fields.py, the owner's name check in bot/scan/reread.py):
functions on words; the one Tesseract call (a name read again) is real, on a blank page."""

from __future__ import annotations

import numpy as np
import pytest

from bot import DEFAULT_RULES_DIR
from bot.rules import load as load_rules
from bot.scan import fields, reread
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
    # far apart too: the run as read passes its check, it is the number
    far = [_words(("СНИЛС", 100, 90), ("112-233-445", 600, 90), ("95", 600 + 220 + 60, 90))]
    assert fields.extract(far, {})["snils"] == "112-233-445 95"


def test_a_number_spaced_wide_is_one_number_when_it_passes() -> None:
    # groups of digits in cells of a comb or letter-spaced: more than a text height apart
    got = fields.extract([_words(("ИНН", 100, 90), ("770", 600, 85), ("708", 700, 85), ("3893", 800, 85))], {})
    assert got["inn"] == "7707083893" and got["valid"]["inn"]


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


def _owner_lines(surname_conf: float, signed: str, signed_conf: float = 96.0,
                 first_conf: float = 95.0) -> list[Line]:
    return [
        _words(("Фамилия,", 100, 96), ("имя,", 280, 96), ("отчество", 380, 96),
               ("Рябинин", 1300, surname_conf), ("Илья", 1460, first_conf), ("Васильевич", 1560, 62)),
        _words(*((t, 1700 + 120 * i, signed_conf) for i, t in enumerate(signed.split())), y=900),
    ]


def test_signed_names_reads_initials_and_surname() -> None:
    lines = [_words(("И.В.", 100, 96), ("Рябинин", 200, 96)), _words(("(Т.Н.", 100, 96), ("Пахомова)", 200, 96), y=300),
             _words(("Смирнов", 100, 96), ("A.B.", 300, 96), y=500), _words(("И.В.", 100, 96), ("Шишкин", 200, 20), y=700)]
    # Latin look-alike initials folded; an unsure surname is no confirmation
    assert reread.signed_names(lines, 50) == {("Рябинин", "И", "В"), ("Пахомова", "Т", "Н"), ("Смирнов", "А", "В")}


@pytest.mark.parametrize(("surname_conf", "signed", "first_conf", "kept"), [
    (46.0, "И.В. Рябинин", 95.0, True),      # the unsure surname read the same in the decipherment
    (46.0, "И.Б. Рябинин", 95.0, False),     # initials that do not fit
    (46.0, "И.В. Рябинкин", 95.0, False),    # another surname
    (46.0, "И.В. Рябинин", 30.0, False),     # the first name unsure too: an initial does not confirm it
])
def test_an_unsure_surname_is_kept_when_the_signature_decipherment_reads_it(
        surname_conf: float, signed: str, first_conf: float, kept: bool) -> None:
    lines = _owner_lines(surname_conf, signed, first_conf=first_conf)
    got = fields.extract(lines, {})
    assert got["owner_name"] == "Рябинин Илья Васильевич"
    # the name read again alone (real Tesseract) reads nothing on this blank page, as on a copy
    # whose warped line the crop cut
    reread.reread_owner(np.full((1000, 2500), 250, np.uint8), lines, got, _cfg())
    assert got["owner_name"] == ("Рябинин Илья Васильевич" if kept else None)


def _cell_lines(value: str, wrapped: str | None, below: str = "Должность Начальник отдела") -> list[Line]:
    """A table's name row: the label, the value cell right of it, its wrapped second line, the next row."""
    def words(text: str, x: int, y: int) -> list[tuple[str, int, float]]:
        out = []
        for t in text.split():
            out.append((t, x, 92.0))
            x += 20 * len(t) + 12
        return out
    lines = [_words(*words("Фамилия, имя, отчество", 100, 100), y=100), _words(*words(value, 900, 100), y=102)]
    if wrapped:
        lines.append(_words(*words(wrapped, 900, 150), y=150))
    lines.append(_words(*words(below, 100, 220), y=220))
    return lines


def test_a_patronymic_wrapped_in_its_cell_is_a_part_of_the_name() -> None:
    assert fields.extract(_cell_lines("Шестаков Илья", "Васильевич"), {})["owner_name"] == "Шестаков Илья Васильевич"
    assert fields.extract(_cell_lines("Шестаков Илья", None), {})["owner_name"] == "Шестаков Илья"
    # the next line is a phrase or the next row, not a patronymic
    assert fields.extract(_cell_lines("Шестаков Илья", "Начальник отдела"), {})["owner_name"] == "Шестаков Илья"
    assert fields.extract(_cell_lines("Шестаков Илья", "Сидоров"), {})["owner_name"] == "Шестаков Илья"


@pytest.mark.parametrize(("signed", "want"), [
    ("И.В. Шестаков", None),             # signed with two initials: a patronymic was lost
    ("Шестаков", "Шестаков Илья"),        # no initials to tell
    ("А.В. Петров", "Шестаков Илья"),     # another person's signature
])
def test_a_two_word_name_signed_with_two_initials_is_cut_short(signed: str, want: str | None) -> None:
    lines = _cell_lines("Шестаков Илья", None) + [_words(*((t, 1700 + 120 * i, 96.0) for i, t in enumerate(signed.split())), y=900)]
    got = fields.extract(lines, {})
    reread.reread_owner(np.full((1000, 2500), 250, np.uint8), lines, got, _cfg())
    assert got["owner_name"] == want


def test_a_misread_number_after_its_label_is_not_replaced_by_another_fields_digits() -> None:
    """Held-out officegen 680028 (fax, a bold condensed font): «ИНН организации: 6695212652» read
    «6695217652» fails its check. Another number on the page had been taken for it: the СНИЛС
    «384-724-276 11» with its last «1» cut off (as a table rule read as «1» is) passes an ИНН's
    check. The misread value stays, not valid (reread.py reads it again alone); a number written
    as a СНИЛС is never an ИНН."""
    lines = [_words(("ИНН", 100, 96), ("организации:", 200, 90), ("6695217652", 600, 87), y=100),
             _words(("ОГРН:", 100, 95), ("1122979812823", 600, 90), y=180),
             _words(("СНИЛС:", 100, 95), ("384-724-276", 600, 90), ("11", 840, 90), y=260)]
    assert fields.valid_inn("3847242761")  # the cut СНИЛС would pass
    got = fields.extract(lines, {})
    assert (got["inn"], got["valid"]["inn"]) == ("6695217652", False)
    assert got["snils"] == "384-724-276 11"
    # with the ИНН's label unread, the СНИЛС is not taken for it either
    unlabelled = [lines[1], lines[2], _words(("6695217652", 600, 87), y=340)]
    got = fields.extract(unlabelled, {})
    assert not got["valid"]["inn"] and got["inn"] != "3847242761"


@pytest.mark.parametrize(("value", "want"), [
    # a surname typed in capitals, as official papers often do (docgen 560008: «ТИХОНОВ» read unsure)
    ("ТИХОНОВ Елена Олегович", "Тихонов Елена Олегович"),
    # the patronymic under a stamp, read as a word that is no name (held-out officegen 670019):
    # «Пахомова Людмила» is not the whole name
    ("Пахомова Людмила овдоровна", None),
    # two words whose second is a patronymic: the surname was lost
    ("Елена Олегович", None),
    # capitals that open no name of three words are no surname («ООО «Диагностический центр»)
    ("ООО «Диагностический центр «Двина»", None),
    ("Коптев Алексей Аркадьевич", "Коптев Алексей Аркадьевич"),
    # a patronymic cut short at the cell's edge (blind officegen 720006): no patronymic, no name
    ("Смирнова Ксения Фёдо", None),
    ("Смирнова Ксения Фёдоровна", "Смирнова Ксения Фёдоровна"),
    ("Ульянов Владимир Ильич", "Ульянов Владимир Ильич"),
])
def test_the_owner_name_is_reported_whole_or_not_at_all(value: str, want: str | None) -> None:
    parts = [("Фамилия,", 100, 96), ("имя,", 300, 96), ("отчество:", 420, 96)]
    x = 700
    for token in value.split():
        parts.append((token, x, 90))
        x += 20 * len(token) + 15
    assert fields.extract([_words(*parts)], {})["owner_name"] == want


def test_the_next_fields_number_is_not_taken_for_a_misread_one() -> None:
    # officegen 690050: «ИНН: 8541274630» (a 3 read as 5) fails its check; the line after it,
    # «ОГРН: 1062930278047», less its leading «1» passes a 12-digit ИНН's check
    lines = [_words(("ИНН:", 100, 90), ("8541274630", 300, 88), y=100),
             _words(("ОГРН:", 100, 90), ("1062930278047", 300, 90), y=200)]
    got = fields.extract(lines, {})
    assert got["inn"] == "8541274630" and not got["valid"]["inn"]
    assert got["ogrn"] == "1062930278047" and got["valid"]["ogrn"]
    # a whole ОГРН is not an ИНН with a rule glued to it, even on the ИНН's own line
    glued = fields.extract([_words(("ИНН:", 100, 90), ("1062930278047", 300, 90))], {})
    assert glued["inn"] != "062930278047"
