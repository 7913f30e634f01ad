"""Issue 10's probes: one realistic change at a time to a clean, complete application.

Each must come out `complete` — not `incomplete`, and not `review` either. The cases come from
fixtures/scans/scangen.py's style variants with seeds that were not used while fixing the check
(development used 123000+ and 124000+).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.scan import check_files

CLEAN = {"kind": "complete", "mode": "color", "multi": False, "rotation": 0, "noise": 0, "blur": 0,
         "stamp": False, "dpi": 300, "fmt": "png", "skew": 0.3}
PROBES = {
    "blue pen lighter than the stamp": {"pen": "blue_light"},
    "blue pen darker than the stamp": {"pen": "blue_dark"},
    "rows «Подпись руководителя …»": {"row_labels": "signature_of"},
    "owner's full title on its own row": {"row_labels": "long"},
    "labels not at the row's start («1. Руководитель»)": {"row_labels": "numbered"},
    "stamp pressed unevenly (30-60 % of the ring faded)": {"faded_arc": True},
    "half-size signatures": {"half_sig": True},
}
SEEDS = (126001, 126002)


def _cases() -> list:
    return [pytest.param(probe, seed) for probe in PROBES for seed in SEEDS]


@pytest.mark.parametrize(("probe", "seed"), _cases())
def test_probe_is_complete_without_review(rules, tmp_path: Path, probe: str, seed: int) -> None:
    import scangen

    data, ext, truth = scangen.make_case(seed, {**CLEAN, **PROBES[probe]})
    assert truth.verdict == "complete"
    path = tmp_path / f"probe.{ext}"
    path.write_bytes(data)
    result = check_files([path], rules)
    assert result.verdict == "complete", (probe, result.verdict, result.defects, result.doubts,
                                          {k: m.to_json() for k, m in result.marks.items()})
