"""The third generator's committed sample (fixtures/scans/office_sample/, made by
`fixtures/scans/officegen.py --sample`: LibreOffice forms, drawn marks, augraphy devices).

Safety only, not accuracy (the benchmark measures that): the check never calls an incomplete
application complete, never crashes, and answers with a known verdict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.scan import check_files
from bot.scan.model import VERDICT_NAMES

pytestmark = pytest.mark.ocr

OFFICE_SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "scans" / "office_sample"
TRUTH = json.loads((OFFICE_SAMPLE / "truth.json").read_text(encoding="utf-8"))


def test_office_sample_is_small_and_mixed() -> None:
    assert len(TRUTH) >= 6
    assert {t["verdict"] for t in TRUTH.values()} == {"complete", "incomplete"}
    for name in TRUTH:
        assert (OFFICE_SAMPLE / name).stat().st_size < 300 * 1024, name


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_office_sample_is_safe(rules, name: str) -> None:
    t = TRUTH[name]
    result = check_files([OFFICE_SAMPLE / name], rules)
    assert result.verdict in VERDICT_NAMES, result.to_json()
    if t["verdict"] != "complete":
        assert result.verdict != "complete", result.to_json()
