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
