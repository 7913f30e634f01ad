"""An organisation without a seal (registry column `seal` = «нет») is not asked for one."""

from __future__ import annotations

from bot.pipeline.handlers.check_scan import seal_required, waive_seal
from bot.registry import Organisation


def _org(**extra: str) -> Organisation:
    return Organisation("2901001236", "1022900000012", "АО «Страховая»", ("a@a.example",), "29(X)", extra)


def test_the_registry_column_says_who_has_no_seal() -> None:
    assert seal_required(_org()) and seal_required(_org(seal="да")) and seal_required(None)
    assert not seal_required(_org(seal="нет")) and not seal_required(_org(seal=" НЕТ "))


def test_a_missing_or_doubtful_seal_is_waived_and_the_verdict_redone() -> None:
    base = {"form": True, "marks": {"manager": {"doubt": None}, "owner": {"doubt": None}}}
    assert waive_seal({**base, "verdict": "incomplete", "defects": ["seal_missing"], "doubts": []})["verdict"] \
        == "complete"
    out = waive_seal({**base, "verdict": "incomplete", "defects": ["seal_missing", "owner_signature_missing"],
                      "doubts": []})
    assert out["verdict"] == "incomplete" and out["defects"] == ["owner_signature_missing"]
    assert waive_seal({**base, "verdict": "review", "defects": [], "doubts": ["seal_ring_partial"],
                       "reason": "x"})["verdict"] == "complete"
    still = waive_seal({**base, "verdict": "review", "defects": [], "doubts": ["seal_ring_partial",
                                                                            "owner_zone_not_found"], "reason": "x"})
    assert still["verdict"] == "review" and still["seal_required"] is False
    assert waive_seal({"verdict": "unreadable", "form": False})["verdict"] == "unreadable"
