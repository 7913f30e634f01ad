from __future__ import annotations

from bot.pipeline.model import Context, Letter

NAME = "delivery_report"
DESCRIPTION = "A delivery status notification (a bounce: multipart/report, message/delivery-status), whoever sent it."

_STATUS_PARTS = ("message/delivery-status", "message/global-delivery-status")


def check(letter: Letter, ctx: Context) -> str | None:
    found = next((t for t in letter.part_types if t in _STATUS_PARTS), None)
    if found:
        return f"delivery status notification ({found})"
    content_type = letter.headers.get("content-type", "").lower().replace(" ", "")
    if letter.content_type == "multipart/report" and "report-type=delivery-status" in content_type.replace('"', ""):
        return "delivery status notification (multipart/report)"
    return None
