"""Development documents of the third generator (fixtures/scans/office_regress/, officegen seed
810003: LibreOffice form, drawn marks, augraphy phone photo) that once got a confident wrong
verdict, kept so that it stays away. Real Tesseract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.scan import check_files

pytestmark = pytest.mark.ocr

REGRESS = Path(__file__).resolve().parents[2] / "fixtures" / "scans" / "office_regress"


def test_a_stand_in_label_on_an_empty_place_is_a_doubt_not_a_missing_signature(rules) -> None:
    """A complete application whose manager's label (in its table cell, under the seal) was not
    read: a stand-in was placed on the column's «Подпись» header, in the row above, and its empty
    zone was taken for «not signed». A row placed by a stand-in is not seen: its empty zone is a
    doubt (the organisation is not told its signature is missing)."""
    name = "office-810003-complete-cells-phone.jpg"
    truth = json.loads((REGRESS / "truth.json").read_text(encoding="utf-8"))[name]
    assert truth["verdict"] == "complete" and truth["manager"] is True
    result = check_files([REGRESS / name], rules)
    assert "manager_signature_missing" not in result.defects, result.to_json()
    assert result.verdict in ("complete", "review"), result.to_json()
