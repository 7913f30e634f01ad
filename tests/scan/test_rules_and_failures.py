"""rules/form.toml is checked whole at start; our own failures are never the sender's."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot import DEFAULT_RULES_DIR
from bot.cli import main
from bot.rules import RulesError, load
from bot.scan import check_files
from bot.scan.config import from_rules
from tests.conftest import write_config


def _rules_with(tmp_path: Path, old: str, new: str) -> Path:
    rules_dir = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules_dir)
    form = rules_dir / "form.toml"
    text = form.read_text(encoding="utf-8")
    assert old in text
    form.write_text(text.replace(old, new, 1), encoding="utf-8")
    return rules_dir


@pytest.mark.parametrize(("old", "new", "key"), [
    ("min_ring_coverage = 0.72", "min_ring_coverag = 0.72", "seal.min_ring_coverag"),   # misspelled
    ("min_ring_coverage = 0.72", "min_ring_coverage = \"0.72\"", "seal.min_ring_coverage"),  # wrong type
    ("min_ring_coverage = 0.72", "", "seal.min_ring_coverage"),                           # missing
    ("[review]", "[revue]", "revue"),                                                     # unknown section
    ('seal = "оттиск печати организации"', 'sael = "оттиск"', "unsure_text.sael"),       # misspelled mark
])
def test_a_bad_form_toml_names_the_file_and_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    rules = load(_rules_with(tmp_path, old, new))
    with pytest.raises(RulesError) as err:
        from_rules(rules)
    assert "rules/form.toml" in str(err.value) and key in str(err.value)


def test_doctor_and_run_stop_on_a_bad_form_toml(tmp_path: Path) -> None:
    rules_dir = _rules_with(tmp_path, "hue_min = 95", "hue_mn = 95")
    registry = tmp_path / "orgs.csv"
    registry.write_text("inn,ogrn,name,email,vipnet_node\n2901001236,1022900000012,X,a@a.example,29(X)\n",
                        encoding="utf-8")
    (tmp_path / "maildir").mkdir()
    config = write_config(tmp_path, registry, maildir=tmp_path / "maildir", pickup=tmp_path / "pickup")
    config.write_text(config.read_text(encoding="utf-8").replace(
        "[bot]\n", f'[bot]\nrules_dir = "{rules_dir}"\n', 1), encoding="utf-8")
    runner = CliRunner()
    doctor = runner.invoke(main, ["doctor", "--config", str(config)])
    assert doctor.exit_code == 1 and "seal.hue_mn" in doctor.output
    run = runner.invoke(main, ["run", "--once", "--config", str(config)])
    assert run.exit_code != 0 and "seal.hue_mn" in run.output


def test_run_stops_without_tesseract(tmp_path: Path, monkeypatch) -> None:
    registry = tmp_path / "orgs.csv"
    registry.write_text("inn,ogrn,name,email,vipnet_node\n2901001236,1022900000012,X,a@a.example,29(X)\n",
                        encoding="utf-8")
    (tmp_path / "maildir").mkdir()
    config = write_config(tmp_path, registry, maildir=tmp_path / "maildir", pickup=tmp_path / "pickup")
    monkeypatch.setenv("PATH", str(tmp_path))  # no tesseract on PATH
    run = CliRunner().invoke(main, ["run", "--once", "--config", str(config)])
    assert run.exit_code != 0 and "tesseract не найдена" in run.output


def test_a_tesseract_failure_is_review_not_a_broken_file(rules, sample, monkeypatch, tmp_path: Path) -> None:
    import pytesseract

    folder, _ = sample
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "gone"))
    result = check_files([folder / "complete-colour.jpg"], rules)
    assert result.verdict == "review" and result.doubts == ["internal_error"]
    assert "Tesseract" in (result.reason or "") and not result.defects


def test_a_crash_in_analysis_is_review(rules, sample, monkeypatch) -> None:
    from bot.scan import check as check_mod

    def boom(*_a, **_k):
        raise ValueError("bug")

    folder, _ = sample
    monkeypatch.setattr(check_mod, "_judge_marks", boom)
    result = check_files([folder / "complete-colour.jpg"], rules)
    assert result.verdict == "review" and result.doubts == ["internal_error"]


def test_a_number_failing_its_check_digit_is_not_reported_as_read(rules, sample, monkeypatch) -> None:
    from bot.scan import check as check_mod

    real = check_mod.fields_mod.extract

    def bad_ogrn(lines, labels):
        out = real(lines, labels)
        return {**out, "ogrn": "1022900000013", "valid": {**out["valid"], "ogrn": False}}

    folder, _ = sample
    monkeypatch.setattr(check_mod.fields_mod, "extract", bad_ogrn)
    # the second look would read the page's real ОГРН: here the report of a value that stays invalid
    monkeypatch.setattr(check_mod.reread_mod, "reread", lambda *_a, **_k: None)
    out = check_files([folder / "complete-colour.jpg"], rules).to_json()
    assert out["fields"]["ogrn"] is None and out["fields_unsure"] == {"ogrn": "1022900000013"}
    assert out["verdict"] == "complete"


def test_check_scan_summary_of_a_review(sample, monkeypatch, tmp_path: Path) -> None:
    import pytesseract

    folder, _ = sample
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "gone"))
    out = CliRunner().invoke(main, ["check-scan", str(folder / "complete-colour.jpg")])
    assert out.exit_code == 0, out.output
    assert "решает специалист" in out.output and "Tesseract" in out.output
