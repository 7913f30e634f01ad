"""One rule for the file type: a file's own magic first; "%PDF-" further in only when none matched."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from bot.filetype import sniff
from bot.scan.config import from_rules
from bot.scan.load import decode_file


def _jpeg_with_pdf_marker() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(out, "JPEG", comment=b"scanned to %PDF-1.4 by a copier")
    data = out.getvalue()
    assert data[:3] == b"\xff\xd8\xff" and b"%PDF-" in data[:1024]
    return data


def test_a_jpeg_holding_pdf_marker_is_a_jpeg(tmp_path: Path, rules) -> None:
    data = _jpeg_with_pdf_marker()
    assert sniff(data) == "jpeg"
    path = tmp_path / "scan.jpg"
    path.write_bytes(data)
    cfg = from_rules(rules)
    loaded = decode_file(path, 0, tmp_path / "work", cfg.limits, cfg.ocr.dpi)
    assert loaded.ok and loaded.kind == "jpeg", loaded


def test_junk_before_a_pdf_header_is_still_a_pdf() -> None:
    assert sniff(b"\r\n\x00junk%PDF-1.7\n%%EOF") == "pdf"
    assert sniff(b"%PDF-1.4\n") == "pdf"
    assert sniff(b"GIF89a%PDF-") == "pdf"  # no accepted format's magic: the PDF reader may take it
