"""Each verdict on the committed sample (real Tesseract), the --json schema and the summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.scan import ScanResult, check_files, defect_texts
from bot.scan.config import unsure_texts

pytestmark = pytest.mark.ocr

FIELDS = {"inn", "ogrn", "snils", "owner_name", "organisation", "position", "vipnet_node"}


@pytest.mark.parametrize(
    "name",
    ["complete-colour.jpg", "no-owner-grey.jpg", "no-manager-seal-over-line.jpg", "no-seal-upside-down.jpg",
     "letter-only.jpg", "letter-and-form.pdf"],
)
def test_sample_verdicts(rules, sample, name: str) -> None:
    folder, truth = sample
    t = truth[name]
    result = check_files([folder / name], rules)
    assert result.verdict == t["verdict"], result.to_json()
    if t["form"]:
        assert result.form
        assert (result.manager, result.owner, result.seal) == (t["manager"], t["owner"], t["seal"])
        expected = [code for code, ok in (("manager_signature_missing", t["manager"]),
                                          ("owner_signature_missing", t["owner"]), ("seal_missing", t["seal"]))
                    if not ok]
        assert result.defects == expected
        assert result.fields["inn"] == t["inn"]
        assert result.fields["ogrn"] == t["ogrn"]
    else:
        assert not result.form and result.manager is None and result.seal is None


def test_defects_have_russian_texts(rules) -> None:
    r = ScanResult(verdict="incomplete", form=True, defects=["owner_signature_missing", "seal_missing"])
    assert defect_texts(r.defects, rules) == ["нет подписи владельца сертификата", "нет оттиска печати организации"]
    table = rules.value("form", "defect_text")
    for code in ("manager_signature_missing", "form_missing", "encrypted_pdf", "corrupt_file", "unsupported_type",
                 "too_many_pages", "too_large", "empty_file", "no_pages", "no_text", "timeout"):
        assert table[code]


def test_marks_in_doubt_have_russian_names(rules) -> None:
    """An «incomplete» reply names the marks in doubt beside the defects, in the order of the form."""
    doubts = ["seal_ring_partial", "ocr_weak", "owner_signature_unsure", "owner_zone_not_found"]
    assert unsure_texts(doubts, rules) == ["подпись владельца сертификата", "оттиск печати организации"]
    assert unsure_texts(["internal_error"], rules) == []


def test_cli_json_schema(sample) -> None:
    folder, truth = sample
    res = CliRunner().invoke(main, ["check-scan", "--json", str(folder / "no-owner-grey.jpg")])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)  # exactly one JSON object
    assert out["verdict"] == "incomplete"
    assert out["form"] is True
    assert set(out["signatures"]) == {"manager", "owner"}
    assert out["signatures"] == {"manager": True, "owner": False}
    assert out["seal"] is True
    assert set(out["fields"]) >= FIELDS
    assert out["fields"]["inn"] == truth["no-owner-grey.jpg"]["inn"]
    assert out["defects"] == ["owner_signature_missing"]
    assert isinstance(out["seconds"], float)
    page = out["pages"][0]
    assert {"index", "form", "seconds"} <= set(page) and page["index"] == 0 and page["form"] is True


def test_cli_summary_and_annotate(sample, tmp_path: Path) -> None:
    folder, _ = sample
    png = tmp_path / "out.png"
    res = CliRunner().invoke(main, ["check-scan", str(folder / "no-owner-grey.jpg"), "--annotate", str(png)])
    assert res.exit_code == 0, res.output
    assert "НЕ принята" in res.output and "нет подписи владельца сертификата" in res.output
    assert png.stat().st_size > 10_000


def test_cli_unreadable_json(tmp_path: Path) -> None:
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"not a pdf at all")
    res = CliRunner().invoke(main, ["check-scan", "--json", str(bad)])
    assert res.exit_code == 0
    out = json.loads(res.output)
    assert out["verdict"] == "unreadable" and out["reason"] and out["signatures"] == {"manager": None, "owner": None}


def test_text_on_one_page_and_none_on_another_is_a_persons_call(rules, sample, tmp_path: Path) -> None:
    """A letter that reads (not a form) sent with a page of specks that gives no text: the form may
    be the page OCR could not read, so the file is neither «unreadable» nor «not a form» for sure."""
    import cv2
    import numpy as np

    folder, _ = sample
    rng = np.random.default_rng(3)
    page = np.full((3508, 2480), 240, np.uint8)
    for x, y, r in zip(rng.integers(0, 2480, 6000), rng.integers(0, 3508, 6000), rng.integers(3, 12, 6000), strict=True):
        cv2.circle(page, (int(x), int(y)), int(r), 70, -1)   # a copier's blotches, no letters
    noise = tmp_path / "page.png"
    cv2.imwrite(str(noise), page)
    result = check_files([folder / "letter-only.jpg", noise], rules)
    assert result.verdict == "review" and result.doubts == ["ocr_weak"], result.to_json()
