"""The second look at a number that failed its check digit (bot/scan/reread.py)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from bot import DEFAULT_RULES_DIR
from bot.rules import load as load_rules
from bot.scan import fields, ocr, reread
from bot.scan.config import ScanConfig, from_rules
from bot.scan.ocr import Line, Word


def _cfg() -> ScanConfig:
    return from_rules(load_rules(DEFAULT_RULES_DIR))


def _page(number: str) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A page with «ОГРН» in a table cell and the number in the next cell; the box of the number."""
    grey = np.full((400, 1400), 250, np.uint8)
    cv2.putText(grey, "OGRN", (60, 200), cv2.FONT_HERSHEY_SIMPLEX, 1.3, 20, 3)
    cv2.putText(grey, number, (520, 200), cv2.FONT_HERSHEY_SIMPLEX, 1.3, 20, 3)
    cv2.line(grey, (490, 140), (490, 240), 0, 3)          # the cell's border, close to the digits
    cv2.line(grey, (40, 212), (1360, 212), 0, 2)           # a rule touching the digits' feet
    (w, h), _ = cv2.getTextSize(number, cv2.FONT_HERSHEY_SIMPLEX, 1.3, 3)
    return grey, (520, 200 - h, 520 + w, 200)


def _lines(misread: str, box: tuple[int, int, int, int]) -> list[Line]:
    label = Word("ОГРН", 90.0, 60, box[1], 160, box[3], (0, 1, 1, 1))
    value = Word(misread, 60.0, *box, (0, 1, 2, 1))
    return [Line((label,)), Line((value,))]


def test_a_misread_number_is_read_again_and_taken_when_valid() -> None:
    grey, box = _page("1027700132195")
    lines = _lines("1027700152195", box)                   # 3 read as 5: fails its check digit
    got = fields.extract(lines, {})
    assert got["ogrn"] == "1027700152195" and not got["valid"]["ogrn"]
    reread.reread(grey, lines, got, _cfg())
    assert got["ogrn"] == "1027700132195" and got["valid"]["ogrn"]


def test_a_number_that_stays_invalid_stays_a_doubt() -> None:
    grey, box = _page("1027700132196")                      # printed wrong: no read can pass
    lines = _lines("1027700132196", box)
    got = fields.extract(lines, {})
    reread.reread(grey, lines, got, _cfg())
    assert got["ogrn"] == "1027700132196" and not got["valid"]["ogrn"]


@pytest.mark.parametrize(("conf", "trusted"), [(60.0, False), (95.0, True)])
def test_a_valid_number_read_unsure_is_read_again(conf: float, trusted: bool) -> None:
    """Two digits misread can leave a number valid (officegen 670005, a phone photo: «5142904994293»
    read «5147904994793» at 60 %). Read unsure, it is read again alone; the other valid value there
    makes it a doubt, never a value reported as read. Read sure, it is not read again."""
    grey, box = _page("5142904994293")
    label = Word("ОГРН", 90.0, 60, box[1], 160, box[3], (0, 1, 1, 1))
    lines = [Line((label,)), Line((Word("5147904994793", conf, *box, (0, 1, 2, 1)),))]
    got = fields.extract(lines, {})
    assert got["ogrn"] == "5147904994793" and got["valid"]["ogrn"]
    reread.reread(grey, lines, got, _cfg())
    assert got["valid"]["ogrn"] is trusted


def test_a_failed_reread_is_an_ocr_error(monkeypatch: pytest.MonkeyPatch) -> None:
    grey, box = _page("1027700132195")
    lines = _lines("1027700152195", box)
    got = fields.extract(lines, {})

    def broken(*_args: object, **_kw: object) -> list[Word]:
        raise RuntimeError("Tesseract timed out")

    monkeypatch.setattr(ocr, "_run", broken)
    with pytest.raises(ocr.OcrError):
        reread.reread(grey, lines, got, _cfg())


def _line(text: str, y: int, x: int = 100) -> Line:
    words = []
    for t in text.split():
        words.append(Word(t, 95.0, x, y, x + 20 * len(t), y + 40, (0, 1, 1, y)))
        x += 20 * len(t) + 15
    return Line(tuple(words))


def test_a_value_cell_read_a_pixel_higher_than_its_label_is_the_value() -> None:
    lines = [_line("7707083893", 99, x=900), _line("ИНН", 100), _line("ОГРН", 160)]
    assert fields.extract(lines, {})["inn"] == "7707083893"


def test_a_number_with_a_digit_glued_on_is_cut_only_for_a_rule() -> None:
    assert fields.extract([_line("ИНН 17707083893", 100)], {})["inn"] == "7707083893"
    # any other digit may be the number's own misread one: a cut passing mod 11 is no proof
    assert fields.extract([_line("ИНН 27707083893", 100)], {})["inn"] is None


def test_an_unlabelled_snils_is_taken_by_its_written_form() -> None:
    got = fields.extract([_line("112-233-445 95", 100), _line("имя, отчество Иванов Иван Иванович", 160)], {})
    assert got["snils"] == "112-233-445 95" and got["valid"]["snils"]
    assert got["owner_name"] == "Иванов Иван Иванович"


def test_a_label_word_read_in_two_pieces_is_still_the_label() -> None:
    lines = [_line("Фамил ия, имя, отчество Смирнова Вера Фёдоровна", 100)]
    assert fields.extract(lines, {})["owner_name"] == "Смирнова Вера Фёдоровна"


def _name_line(conf: float) -> list[Line]:
    words = [Word(t, c, x, 100, x + 150, 140, (0, 1, 1, 1)) for t, c, x in
             (("Фамилия,", 96, 100), ("имя,", 96, 260), ("отчество:", 96, 420),
              ("Воронцова", 96, 600), ("Ольга", 96, 760), ("Аркабьевна", conf, 920))]
    return [Line(tuple(words))]


@pytest.mark.parametrize(("read_conf", "want"), [(90.0, "Воронцова Ольга Аркадьевна"), (20.0, None)])
def test_an_unsure_word_of_the_owners_name_is_read_again(monkeypatch: pytest.MonkeyPatch, read_conf: float,
                                                         want: str | None) -> None:
    lines = _name_line(0.0)                                 # a misread letter: Tesseract's confidence 0
    got = fields.extract(lines, {})
    assert got["owner_name"] == "Воронцова Ольга Аркабьевна"

    def again(*_a: object, **_k: object) -> list[list[Word]]:
        return [[Word(t, read_conf, 0, 0, 10, 10, (0, 1, 1, 1)) for t in ("Воронцова", "Ольга", "Аркадьевна")]]

    monkeypatch.setattr(ocr, "ocr_bands", again)
    reread.reread_owner(np.full((300, 1500), 250, np.uint8), lines, got, _cfg())
    assert got["owner_name"] == want


def test_a_sure_owners_name_is_not_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _name_line(90.0)
    got = fields.extract(lines, {})
    monkeypatch.setattr(ocr, "ocr_bands", lambda *_a, **_k: pytest.fail("read again"))
    reread.reread_owner(np.full((300, 1500), 250, np.uint8), lines, got, _cfg())
    assert got["owner_name"] == "Воронцова Ольга Аркабьевна"
