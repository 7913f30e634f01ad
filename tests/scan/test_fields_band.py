"""The fields' table read again as a whole when the page's OCR lost its rows (bot/scan/reread.py,
_read_band): real Tesseract on a rendered table."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from bot import DEFAULT_RULES_DIR
from bot.rules import load as load_rules
from bot.scan import fields, ocr, reread
from bot.scan.config import ScanConfig, from_rules
from bot.scan.ocr import Line, Word

pytestmark = pytest.mark.ocr

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
ROWS = (
    ("Полное наименование организации", "ООО «Ромашка»"),
    ("ИНН", "7707083893"),
    ("ОГРН", "1027700132195"),
    ("Фамилия, имя, отчество", "Иванов Пётр Сергеевич"),
    ("Должность", "Директор"),
    ("СНИЛС", "112-233-445 95"),
    ("Идентификатор узла ViPNet", "0x1A2B3C4D"),
)


def _cfg() -> ScanConfig:
    return from_rules(load_rules(DEFAULT_RULES_DIR))


def _table_page() -> np.ndarray:
    """A page with the form's fields table, as LibreOffice prints it (about 300 dpi)."""
    page = Image.new("L", (1800, 1300), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 34)
    top, pitch = 300, 58
    draw.text((100, 150), "Прошу изготовить сертификат ключа проверки электронной подписи.", fill=0, font=font)
    for i, (label, value) in enumerate(ROWS):
        y = top + i * pitch
        draw.text((110, y + 8), label, fill=0, font=font)
        draw.text((910, y + 8), value, fill=0, font=font)
    for i in range(len(ROWS) + 1):
        draw.line((100, top + i * pitch, 1700, top + i * pitch), fill=0, width=2)
    for x in (100, 900, 1700):
        draw.line((x, top, x, top + len(ROWS) * pitch), fill=0, width=2)
    draw.text((100, top + len(ROWS) * pitch + 80), "Достоверность указанных сведений подтверждаю.", fill=0, font=font)
    return np.asarray(page, dtype=np.uint8).copy()


def test_rows_the_page_ocr_lost_are_read_from_the_table_again() -> None:
    grey = _table_page()
    cfg = _cfg()
    read = ocr.lines_of(ocr.ocr_bands([(grey, 0)], cfg.ocr.languages, cfg.ocr.dpi, cfg.limits.ocr_seconds)[0])
    # the page's OCR of a grey phone photo kept the table's first and last rows only
    kept = [ln for ln in read if "наименование" in ln.text or "СНИЛС" in ln.text or "Идентификатор" in ln.text
            or ln.box[3] < 300 or ln.box[1] > 700]
    assert not any("ИНН" in ln.text or "Иванов" in ln.text for ln in kept)
    got = fields.extract(kept, cfg.field_labels)
    got["snils"], got["valid"]["snils"] = None, False  # «СНИЛС 112» as a phone photo's OCR left it
    reread.reread(grey, kept, got, cfg)
    assert got["inn"] == "7707083893" and got["valid"]["inn"]
    assert got["ogrn"] == "1027700132195" and got["valid"]["ogrn"]
    assert got["snils"] == "112-233-445 95" and got["valid"]["snils"]
    assert got["owner_name"] == "Иванов Пётр Сергеевич"


def _line(text: str, y: int, x: int = 100, conf: float = 95.0) -> Line:
    words = []
    for t in text.split():
        words.append(Word(t, conf, x, y, x + 20 * len(t), y + 32, (0, 1, 1, y)))
        x += 20 * len(t) + 12
    return Line(tuple(words))


def test_a_form_without_a_snils_row_is_not_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # docgen's forms have no СНИЛС: its absence alone, with no label and no stray digits, costs nothing
    lines = [_line("ИНН 7707083893", 300), _line("ОГРН 1027700132195", 360),
             _line("Фамилия, имя, отчество Иванов Пётр Сергеевич", 420), _line("Телефон 21-30-19", 480)]
    got = fields.extract(lines, {})
    assert got["snils"] is None
    monkeypatch.setattr(ocr, "ocr_bands", lambda *_a, **_k: pytest.fail("read again"))
    reread.reread(np.full((800, 1800), 250, np.uint8), lines, got, _cfg())
    assert got["inn"] == "7707083893" and got["owner_name"] == "Иванов Пётр Сергеевич"


def test_a_long_run_of_digits_that_is_no_field_sends_the_table_to_be_read_again() -> None:
    # «| 32982839307»: the ОГРН's row read without its label and its first digits
    cfg = _cfg()
    lines = [_line("ИНН 7707083893", 300), _line("32982839307", 360, x=900),
             _line("Фамилия, имя, отчество Иванов Пётр Сергеевич", 420), _line("СНИЛС 112-233-445 95", 480)]
    got = fields.extract(lines, {})
    assert got["ogrn"] is None and reread._rows_lost(lines, got, cfg)
    lines[1] = _line("21-30-19", 360, x=900)  # a phone number is too short to be a field's
    assert not reread._rows_lost(lines, fields.extract(lines, {}), cfg)


def test_a_labels_colon_is_kept_out_of_the_numbers_crop() -> None:
    # «ОГРН: 1027700132195» on one line: a crop reaching into the colon can read it as a digit
    # (a copier's «: 1222911349176» read «21222911349176»), and 14 digits are no ОГРН. This clean
    # render does not misread the colon; the test holds the crop's reach and that the read within
    # it still takes the number.
    page = Image.new("L", (1400, 300), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 34)
    draw.text((100, 120), "ОГРН:", fill=0, font=font)
    label = draw.textbbox((100, 120), "ОГРН:", font=font)
    x = label[2] + 12  # one space after the colon
    draw.text((x, 120), "1027700132195", fill=0, font=font)
    number = draw.textbbox((x, 120), "1027700132195", font=font)
    grey = np.asarray(page, dtype=np.uint8).copy()
    lines = [Line((Word("ОГРН:", 95.0, *label, (0, 1, 1, 1)),
                   Word("1027700152195", 60.0, *number, (0, 1, 1, 1))))]  # 3 read as 5 by the page's OCR
    assert reread.number_span(lines, number)[0] == label[2] + 1
    got = fields.extract(lines, {})
    assert not got["valid"]["ogrn"]
    reread.reread(grey, lines, got, _cfg())
    assert got["ogrn"] == "1027700132195" and got["valid"]["ogrn"]


def test_a_rule_or_a_digit_beside_a_number_does_not_stop_its_crop() -> None:
    # «| 32982839307»: the «|» may be the number's lost «11», and «7 ОГРН» a digit of it
    row = (Word("ОГРН", 95.0, 100, 100, 200, 130, (0, 1, 1, 1)), Word("|", 40.0, 880, 98, 884, 132, (0, 1, 1, 1)),
           Word("7", 40.0, 900, 100, 915, 130, (0, 1, 1, 1)), Word("32982839307", 80.0, 930, 100, 1200, 130, (0, 1, 1, 1)),
           Word("ИНН:", 80.0, 1400, 100, 1480, 130, (0, 1, 1, 1)))
    assert reread.number_span([Line(row)], (930, 100, 1200, 130)) == (201, 1400)


def test_a_misread_copy_of_a_read_number_is_no_lost_row() -> None:
    # the seal's ring repeats the ИНН, misread by a digit: not a field's row the page's OCR lost
    cfg = _cfg()
    lines = [_line("ИНН 7707083893", 300), _line("ОГРН 1027700132195", 360),
             _line("Фамилия, имя, отчество Иванов Пётр Сергеевич", 420), _line("7707088893", 900, x=1200)]
    got = fields.extract(lines, {})
    assert got["snils"] is None and not reread._rows_lost(lines, got, cfg)
    # the owner's name alone missing, its label read: reread_owner reads that row, not the band
    lines[2] = _line("Фамилия, имя, отчество", 420)
    assert not reread._rows_lost(lines[:2] + [lines[2]] + [_line("СНИЛС 112-233-445 95", 480)],
                                 fields.extract(lines[:3] + [_line("СНИЛС 112-233-445 95", 480)], {}), cfg)


def test_a_valid_number_that_two_slips_could_make_is_read_again() -> None:
    # a fax page's rus read of «1122977732734» as «1122977752754»: two 3-as-5 slips at an odd and
    # an even place cancel in the ОГРН's check; the number read alone (eng) disagrees: a doubt
    cfg = _cfg()
    assert reread._doubtful("ogrn", "1122977752754", cfg) and not reread._doubtful("ogrn", "1027700132195", cfg)
    assert not reread._doubtful("snils", "55511155500", cfg)
    page = Image.new("L", (1400, 300), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 34)
    draw.text((100, 120), "ОГРН", fill=0, font=font)
    label = draw.textbbox((100, 120), "ОГРН", font=font)
    draw.text((500, 120), "1122977732734", fill=0, font=font)
    number = draw.textbbox((500, 120), "1122977732734", font=font)
    lines = [Line((Word("ОГРН", 95.0, *label, (0, 1, 1, 1)), Word("1122977752754", 91.0, *number, (0, 1, 1, 1))))]
    got = fields.extract(lines, {})
    assert got["ogrn"] == "1122977752754" and got["valid"]["ogrn"]
    reread.reread(np.asarray(page, dtype=np.uint8).copy(), lines, got, cfg)
    assert not got["valid"]["ogrn"]
