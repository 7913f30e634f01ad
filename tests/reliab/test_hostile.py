"""Hostile input from public test suites (tests/reliab/hostile/README.md): each file ends in its
named outcome, never a crash or a silent drop.

  - PDFs from PDFium's own test resources: the scan check's decoder (a limited child process)
    says `ok` with its pages, or names why not (corrupt_file, encrypted_pdf);
  - mails from mail-parser's test corpus, with the procedure's Subject and a known sender put
    in front (the structure, encodings and defects are theirs), through the whole mail loop
    (a real Maildir, the chain, the store, the pickup folder): each gets its decision.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import load
from bot.daemon import Daemon
from bot.scan.config import from_rules
from bot.scan.load import decode_file
from bot.store import Store
from tests.conftest import EarlyMorningClock, write_config

HOSTILE = Path(__file__).with_name("hostile")

PDF_OUTCOMES = {  # file: (outcome, pages)
    "bad_dict_keys.pdf": ("ok", 1),
    "bad_page_type.pdf": ("corrupt_file", 0),
    "bookmarks_circular.pdf": ("ok", 2),
    "bug_113.pdf": ("ok", 1),
    "bug_1324189.pdf": ("corrupt_file", 0),
    "bug_1327884.pdf": ("ok", 1),
    "bug_216.pdf": ("corrupt_file", 0),
    "bug_298.pdf": ("corrupt_file", 0),
    "bug_325_a.pdf": ("corrupt_file", 0),
    "bug_325_b.pdf": ("corrupt_file", 0),
    "bug_344.pdf": ("corrupt_file", 0),
    "bug_355.pdf": ("corrupt_file", 0),
    "bug_360.pdf": ("corrupt_file", 0),
    "bug_451830.pdf": ("corrupt_file", 0),
    "bug_454695.pdf": ("corrupt_file", 0),
    "bug_544880.pdf": ("corrupt_file", 0),
    "bug_xrefv4_loop.pdf": ("ok", 1),
    "circular_viewer_ref.pdf": ("corrupt_file", 0),
    "empty_xref.pdf": ("ok", 1),
    "encrypted_hello_world_r2.pdf": ("encrypted_pdf", 0),
    "encrypted_hello_world_r6.pdf": ("encrypted_pdf", 0),
    "hello_world.pdf": ("ok", 1),
    "hello_world_compressed_stream.pdf": ("ok", 1),
    "page_tree_empty_node.pdf": ("ok", 2),
    "parser_rebuildxref_error_notrailer.pdf": ("corrupt_file", 0),
    "trailer_as_hexstring.pdf": ("corrupt_file", 0),
    "trailer_unterminated.pdf": ("corrupt_file", 0),
    "zero_length_stream.pdf": ("corrupt_file", 0),
}

MAIL_OUTCOMES = {  # file: the ledger's decision
    "mail_malformed_2.eml": "file:delivery_report",  # a multipart/report bounce (also Return-Path: <>)
    "mail_malformed_3.eml": "review:malformed",      # broken multipart boundaries
    "mail_test_12.eml": "accept",
    "mail_test_14.eml": "accept",
    "mail_test_16.eml": "file:mailing_list",         # GTUBE, Precedence: junk
    "mail_test_17.eml": "review:malformed",          # no closing boundary
    "mail_test_18.eml": "accept",
    "mail_test_19.eml": "accept",
    "mail_test_3.eml": "accept",
    "mail_test_8.eml": "accept",
    "mail_test_9.eml": "accept",
}
SUBJECT = "=?utf-8?b?0JfQsNGP0LLQutCwINC90LAg0YHQtdGA0YLQuNGE0LjQutCw0YIgVmlQTmV0?="
KNOWN = "ГБУЗ АО АГКП1 <mo1@poliklinika1.example>"


def test_every_vendored_file_has_an_expected_outcome() -> None:
    assert sorted(p.name for p in (HOSTILE / "pdfium").glob("*.pdf")) == sorted(PDF_OUTCOMES)
    assert sorted(p.name for p in (HOSTILE / "mail-parser").glob("*.eml")) == sorted(MAIL_OUTCOMES)
    for folder in ("pdfium", "mail-parser"):
        assert any((HOSTILE / folder).glob("LICENSE*")), folder


@pytest.mark.parametrize("name", sorted(PDF_OUTCOMES))
def test_hostile_pdf_gets_its_named_outcome(name: str, tmp_path: Path, rules) -> None:
    cfg = from_rules(rules)
    loaded = decode_file(HOSTILE / "pdfium" / name, 0, tmp_path, cfg.limits, cfg.ocr.dpi)
    outcome = "ok" if loaded.ok else loaded.code
    assert (outcome, len(loaded.pages)) == PDF_OUTCOMES[name], loaded


def _as_application(raw: bytes) -> bytes:
    """Their message, with our Subject and a known sender in place of theirs (first occurrence only)."""
    head, sep, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    lines = re.sub(rb"\n[ \t]+", b" ", b"\n" + head).split(b"\n")[1:]
    lines = [ln for ln in lines if not ln.lower().startswith((b"subject:", b"from:"))]
    lines = [b"Subject: " + SUBJECT.encode(), b"From: " + KNOWN.encode()] + lines
    return b"\n".join(lines) + b"\n\n" + body


def test_hostile_mails_get_their_named_outcomes(tmp_path: Path, registry_csv: Path, rules) -> None:
    maildir = tmp_path / "maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for path in sorted((HOSTILE / "mail-parser").glob("*.eml")):
        (maildir / "new" / f"{path.stem}.eml").write_bytes(_as_application(path.read_bytes()))
    config = load(write_config(tmp_path, registry_csv, maildir=maildir, pickup=tmp_path / "out"))
    Daemon(config, rules, EarlyMorningClock()).run_once()
    store = Store(config.bot.state_dir)
    try:
        got = {row["key"].rsplit(":", 1)[-1].removesuffix(".eml") + ".eml": row.get("decision")
               for row in store.messages.all()}
        states = {row["state"] for row in store.messages.all()}
    finally:
        store.close()
    assert got == MAIL_OUTCOMES
    assert states == {"filed"}                       # every one handled and filed, none left behind
    assert not list((maildir / "new").iterdir()) and not [p for p in (maildir / "cur").iterdir() if p.is_file()]
