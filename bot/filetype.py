"""The one file-type sniffer: what a file is, from its bytes (never its name or declared type).

Standard library only: the scan decoder's sandboxed child (bot/scan/_decode.py, run with
`python -I`) loads this file by path, so the mail parser and the decoder share one rule.
"""

from __future__ import annotations

# Magic numbers of the scan formats we accept. Four signatures do not justify libmagic.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "pdf"),   # PDFium opens a header without its dash too
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
# PDF readers accept junk before the header within the first KiB.
PDF_HEADER_WINDOW = 1024


def sniff(data: bytes) -> str | None:
    """pdf, jpeg, png, tiff, or None. A file's own magic first; "%PDF-" further in only when no
    other format's magic opens the file (a JPEG may hold "%PDF-" in its first KiB)."""
    for magic, kind in SIGNATURES:
        if data.startswith(magic):
            return kind
    if b"%PDF-" in data[:PDF_HEADER_WINDOW]:
        return "pdf"
    return None
