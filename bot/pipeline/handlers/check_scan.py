"""Run the scan check (bot.scan) over the accepted attachments.

An organisation marked in the registry as having no seal (column `seal` = «нет»; since
2015 joint-stock and limited companies may have none) is not asked for one: the seal's
absence or doubt is waived here, after the check (the check itself stays the same for all).
"""

from __future__ import annotations

from typing import Any

from bot.pipeline.model import Context, Letter, Outcome
from bot.registry import Organisation

NAME = "check_scan"
NO_SEAL = ("нет", "no", "false", "0", "без печати")
SEAL_CODES = ("seal_missing", "seal_ring_partial", "seal_not_visible_bw", "seal_place_not_found")


def seal_required(org: Organisation | None) -> bool:
    """False when the registry's `seal` column says the organisation has no seal."""
    if org is None:
        return True
    return str(org.extra.get("seal", "")).strip().lower() not in NO_SEAL


def waive_seal(scan: dict[str, Any]) -> dict[str, Any]:
    """The check's JSON with the seal not required: its defect and doubt dropped, the verdict redone."""
    if scan.get("verdict") not in ("complete", "incomplete", "review") or not scan.get("form"):
        return {**scan, "seal_required": False}
    defects = [d for d in scan.get("defects") or [] if d not in SEAL_CODES]
    marks = scan.get("marks") or {}
    doubts = [d for d in scan.get("doubts") or []
              if d not in SEAL_CODES and not (d == "ocr_weak" and _only_seal_weak(marks))]
    verdict = "incomplete" if defects else "review" if doubts else "complete"
    return {**scan, "defects": defects, "doubts": doubts, "verdict": verdict, "seal_required": False,
            "reason": scan.get("reason") if verdict == "review" else None}


def _only_seal_weak(marks: dict[str, Any]) -> bool:
    """`ocr_weak` came from the seal alone (the signatures are not doubtful for that reason)."""
    return all((marks.get(k) or {}).get("doubt") != "ocr_weak" for k in ("manager", "owner"))


def run(letter: Letter, outcome: Outcome, ctx: Context) -> Outcome:
    paths = [ctx.state_dir / s.stored_as for s in outcome.saved if s.accepted]
    if not paths:
        return outcome
    from bot.scan import check_files  # heavy imports (OpenCV, PDF) only when a scan is there

    scan = check_files(paths, ctx.rules).to_json()
    if not seal_required(outcome.organisation):
        scan = waive_seal(scan)
    return outcome.with_(scan=scan)
