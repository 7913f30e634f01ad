"""Parsing letters as ViPNet and Windows mailers send them, without servers."""

from __future__ import annotations

import pytest

from bot.filetype import sniff
from bot.letters import Draft
from bot.mail.parse import is_structurally_broken, parse, safe_filename

PDF = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
TIFF = b"II*\x00" + b"\x00" * 32


@pytest.mark.parametrize("encoding", ["rfc2047", "cp1251", "koi8-r", "utf8-raw"])
def test_subject_in_every_encoding(encoding: str) -> None:
    letter = parse(Draft(sender="a@b.example", subject="Заявка на сертификат ViPNet",
                         subject_encoding=encoding).build(), "k")
    assert letter.subject == "Заявка на сертификат ViPNet"


@pytest.mark.parametrize("how", ["rfc2231", "rfc2047", "cp1251"])
def test_attachment_names_decoded(how: str) -> None:
    draft = Draft(sender="a@b.example", filename_encoding=how,
                  attachments=[("Заявка на сертификат (скан).pdf", PDF)])
    (attachment,) = parse(draft.build(), "k").attachments
    assert attachment.filename == "Заявка на сертификат (скан).pdf"
    assert attachment.kind == "pdf"


def test_types_sniffed_from_bytes_not_names() -> None:
    draft = Draft(sender="a@b.example", attachments=[
        ("scan.pdf", PNG), ("photo.jpg", PDF), ("x.tif", TIFF), ("y.png", JPEG), ("virus.pdf", b"MZ\x90\x00")])
    kinds = [a.kind for a in parse(draft.build(), "k").attachments]
    assert kinds == ["png", "pdf", "tiff", "jpeg", None]
    assert sniff(b"") is None


@pytest.mark.parametrize("name,expected", [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\mo\\скан.pdf", "скан.pdf"),
    ("a\x00b\r\nc.pdf", "a_b_c.pdf"),
    ("...", "вложение-3"),
    ("я" * 300 + ".pdf", "я" * 110 + ".pdf"),
])
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name, 3) == expected


def test_sender_with_vipnet_node_name() -> None:
    letter = parse(Draft(sender="29(АГКП1) Секретарь <mo@agkp.example>").build(), "k")
    assert letter.from_name == "29(АГКП1) Секретарь"
    assert letter.from_address == "mo@agkp.example"


def test_null_return_path_is_empty_string() -> None:
    letter = parse(Draft(sender="a@b.example", extra_headers={"Return-Path": "<>"}).build(), "k")
    assert letter.return_path == ""
    assert parse(Draft(sender="a@b.example").build(), "k").return_path is None


def test_garbage_never_raises() -> None:
    for raw in (b"", b"\x00\xff" * 100, b"Subject: x\r\n\r\n" + b"\xff" * 1000,
                b"Content-Type: multipart/mixed; boundary=a\r\n\r\n--b\r\n"):
        parse(raw, "k")


def test_broken_multipart_is_structurally_broken() -> None:
    raw = (b"Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"nope\"\r\n\r\n"
           b"--wrong\r\nContent-Type: application/pdf\r\n\r\nxx\r\n")
    assert is_structurally_broken(parse(raw, "k"))
    assert not is_structurally_broken(parse(Draft(sender="a@b.example", attachments=[("a.pdf", PDF)]).build(), "k"))
