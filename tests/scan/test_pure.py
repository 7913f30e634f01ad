"""Pure functions: check digits, field extraction, seal and signature decisions on drawn arrays."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from bot.ids import valid_inn, valid_ogrn, valid_snils
from bot.scan import fields
from bot.scan.config import ScanConfig
from bot.scan.ocr import Line, Word
from bot.scan.page import Prepared
from bot.scan.seal import find_seals


def test_check_digits() -> None:
    assert valid_inn("7707083893")
    assert not valid_inn("7707083894")
    assert valid_inn("500100732259")
    assert valid_ogrn("1027700132195")
    assert not valid_ogrn("1027700132196")
    assert valid_snils("11223344595")
    assert not valid_snils("11223344596")


def _line(text: str, y: int) -> Line:
    words, x = [], 100
    for i, t in enumerate(text.split()):
        words.append(Word(t, 95.0, x, y, x + 20 * len(t), y + 40, (0, 1, 1, y)))
        x += 20 * len(t) + 15
        _ = i
    return Line(tuple(words))


def test_extract_fields_with_ocr_slips() -> None:
    lines = [
        _line("ИНН: 77О7083893 ОГРН: 1027700132195", 100),   # a Cyrillic О inside the ИНН
        _line("Фамилия, имя, отчество: Иванов Иван Иванович", 160),
        _line("СНИЛС: 112-233-445 95", 220),
        _line("Идентификатор узла ViPNet: Ох1А0Е000В", 280),  # Cyrillic look-alikes in the hex id
    ]
    got = fields.extract(lines, {})
    assert got["inn"] == "7707083893" and got["ogrn"] == "1027700132195"
    assert got["snils"] == "112-233-445 95"
    assert got["owner_name"] == "Иванов Иван Иванович"
    assert got["vipnet_node"] == "0x1A0E000B"
    assert got["valid"] == {"inn": True, "ogrn": True, "snils": True}


def _page(draw) -> Prepared:
    grey = np.full((3508, 2480), 245, np.uint8)
    draw(grey)
    return Prepared(grey=grey, colour=None, dpi=300.0, bw=False, rotation=0, skew=0.0)


@pytest.mark.parametrize("with_text", [False, True])
def test_round_seal_is_found_and_rectangle_is_not(with_text: bool) -> None:
    cfg = ScanConfig().seal

    def seal(g: np.ndarray) -> None:
        cv2.circle(g, (1200, 2000), 235, 90, 7)
        cv2.circle(g, (1200, 2000), 205, 90, 3)
        for a in range(0, 360, 9):  # ring "text": short radial strokes
            r0, r1 = 150, 190
            t = np.deg2rad(a)
            cv2.line(g, (int(1200 + r0 * np.cos(t)), int(2000 + r0 * np.sin(t))),
                     (int(1200 + r1 * np.cos(t)), int(2000 + r1 * np.sin(t))), 90, 4)
        if with_text:
            for y in range(1700, 2300, 60):
                cv2.putText(g, "TEXT LINE UNDER THE SEAL", (700, y), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 20, 4)

    def stamp(g: np.ndarray) -> None:
        cv2.rectangle(g, (900, 1800), (1600, 2100), 90, 7)
        cv2.putText(g, "VHODYASHCHIY N 123", (950, 1950), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 90, 4)

    assert any(s.accepted for s in find_seals(_page(seal), cfg))
    assert not any(s.accepted for s in find_seals(_page(stamp), cfg))
