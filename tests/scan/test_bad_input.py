"""Hostile and broken files end as `unreadable` with a reason, quickly, never as an exception."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.scan import check_files
from tests.scan.hostile import bomb_png, encrypted_pdf, many_pages_pdf, text_pdf

pytestmark = pytest.mark.ocr


def check(tmp_path: Path, name: str, data: bytes, rules) -> tuple[dict, float]:
    path = tmp_path / name
    path.write_bytes(data)
    t0 = time.monotonic()
    result = check_files([path], rules)
    return result.to_json(), time.monotonic() - t0


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("empty.pdf", b"", "empty_file"),
        ("corrupt.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF", "corrupt_file"),
        ("truncated.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "corrupt_file"),
        ("lying.pdf", b"PK\x03\x04" + b"\x00" * 200, "unsupported_type"),       # a ZIP named .pdf
        ("lying.jpg", b"<html><body>scan</body></html>", "unsupported_type"),   # HTML named .jpg
        ("lying.tiff", b"MZ\x90\x00" + b"\x00" * 100, "unsupported_type"),      # an EXE named .tiff
        ("encrypted.pdf", encrypted_pdf(), "encrypted_pdf"),
        ("bomb.png", bomb_png(20000, 20000), "too_large"),       # over twice Pillow's limit: an error
        ("bomb-warn.png", bomb_png(9000, 9000), "too_large"),     # over the limit: the warning is an error
        ("many.pdf", many_pages_pdf(101), "too_many_pages"),
    ],
)
def test_bad_file_is_unreadable_with_reason(tmp_path: Path, rules, name: str, data: bytes, code: str) -> None:
    out, seconds = check(tmp_path, name, data, rules)
    assert out["verdict"] == "unreadable"
    assert out["defects"] == [code]
    assert out["reason"]
    assert out["signatures"] == {"manager": None, "owner": None}
    assert out["seal"] is None
    assert seconds < 20


def test_missing_file_and_no_files(tmp_path: Path, rules) -> None:
    assert check_files([tmp_path / "nope.pdf"], rules).verdict == "unreadable"
    assert check_files([], rules).verdict == "unreadable"


def test_bad_file_beside_a_good_form_does_not_hide_it(tmp_path: Path, rules, sample) -> None:
    folder, truth = sample
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.4 garbage")
    result = check_files([junk, folder / "no-owner-grey.jpg"], rules)
    assert result.verdict == "incomplete"
    assert result.files[0].code == "corrupt_file"
    assert "owner_signature_missing" in result.defects


def test_memory_limit_stops_a_huge_render(tmp_path: Path, rules) -> None:
    """A PDF page of 200 x 200 inches is rendered at most max_render_pixels big, within limits."""
    import io

    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    pdf.new_page(14400, 14400)
    buf = io.BytesIO()
    pdf.save(buf)
    out, seconds = check(tmp_path, "huge.pdf", buf.getvalue(), rules)
    assert out["verdict"] in ("not_a_form", "unreadable")
    assert seconds < 60


def test_pdf_text_layer_is_read_without_ocr(tmp_path: Path, rules) -> None:
    """A PDF with a text layer: its words come through the sandboxed pdfplumber, no Tesseract run."""
    from bot.scan.config import from_rules
    from bot.scan.load import decode_file

    path = tmp_path / "letter.pdf"
    path.write_bytes(text_pdf(["Hello world this is a covering letter"] * 10))
    loaded = decode_file(path, 0, tmp_path / "work", from_rules(rules).limits, 300)
    assert loaded.ok and loaded.pages[0].text_words[0][0] == "Hello"
    out, seconds = check(tmp_path, "letter2.pdf", path.read_bytes(), rules)
    assert out["verdict"] == "not_a_form"
    assert out["pages"][0]["seconds"] < 1.0


def test_a_one_bit_scan_kept_in_a_pdf_is_black_and_white(tmp_path: Path, rules) -> None:
    """A 1-bit scan saved in a PDF as 24-bit pixels (docgen's black-and-white device does so): the
    page's render smooths its edges into greys, but its image has two levels, so the page is
    black-and-white (a stamp that 1-bit scanning erased is then «not visible», not «missing»)."""
    from PIL import Image, ImageDraw

    from bot.scan.config import from_rules
    from bot.scan.load import decode_file
    from bot.scan.page import prepare

    page = Image.new("1", (1240, 1754), 1)
    draw = ImageDraw.Draw(page)
    for y in range(200, 1500, 60):  # slanted strokes: every edge is smoothed by the render
        draw.line((150, y, 1100, y + 25), fill=0, width=3)
    path = tmp_path / "bw.pdf"
    page.convert("RGB").save(path, "PDF", resolution=150.0)
    loaded = decode_file(path, 0, tmp_path / "work", from_rules(rules).limits, 300)
    ref = loaded.pages[0]
    raw = ref.load()
    assert sum(ref.scan_histogram[41:215]) == 0 and sum(ref.scan_histogram) == 1240 * 1754
    assert not prepare(raw, ref.dpi, 300, 0, 0.0).bw  # the render alone: greys at the edges
    assert prepare(raw, ref.dpi, 300, 0, 0.0, scan_histogram=ref.scan_histogram).bw
