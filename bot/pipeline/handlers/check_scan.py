"""Run the scan check (bot.scan) over the accepted attachments."""

from __future__ import annotations

from bot.pipeline.model import Context, Letter, Outcome

NAME = "check_scan"


def run(letter: Letter, outcome: Outcome, ctx: Context) -> Outcome:
    paths = [ctx.state_dir / s.stored_as for s in outcome.saved if s.accepted]
    if not paths:
        return outcome
    from bot.scan import check_files  # heavy imports (OpenCV, PDF) only when a scan is there

    result = check_files(paths, ctx.rules)
    return outcome.with_(scan=result.to_json())
