"""rules/digest.toml and rules/retention.toml, validated (Russian messages, as every rules error)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from bot.rules import Rules, RulesError, read_int, read_str, read_time

DIGEST_FILE = "digest.toml"
RETENTION_FILE = "retention.toml"
# Why a letter waits for a person (the digest and the alerts): code -> short Russian name.
REVIEW_REASON_NAMES = {
    "unknown_sender": "неизвестный отправитель",
    "sender_spoof": "возможная подмена отправителя",
    "near_subject": "тема похожа на заявку, но не совпадает",
    "processing_failed": "ошибка обработки",
    "malformed": "повреждённое письмо",
    "reply_cap": "слишком много писем подряд",
    "ambiguous": "неоднозначное сопоставление с делом",
    "inn_mismatch": "ИНН на скане не совпадает с организацией",
    "unreadable": "скан не читается",
    "scan_review": "проверка скана не уверена: решает специалист",
    "internal_error": "внутренняя ошибка проверки скана",
    "other": "требует проверки",
}
# The reasons an alert may be configured for (rules/digest.toml): all but the two the digest
# only derives for its own rows.
REVIEW_REASONS = tuple(code for code in REVIEW_REASON_NAMES if code not in ("unreadable", "other"))


def _int(sec: dict[str, Any], key: str, default: int, where: str, file: str = DIGEST_FILE) -> int:
    return read_int(sec, key, default, where, file)


def _str(sec: dict[str, Any], key: str, default: str, where: str) -> str:
    return read_str(sec, key, default, where, DIGEST_FILE)


@dataclass(frozen=True)
class DigestSettings:
    send_at: time = time(8, 30)
    subject: str = "Сводка бота заявок ViPNet"
    expiring_days: int = 30
    paper_soon_days: int = 3
    first_lookback_hours: int = 24
    picture_max_side: int = 520
    max_pictures: int = 10
    # outage alerts
    imap_after_minutes: int = 30
    smtp_after_minutes: int = 30
    outage_min_interval_hours: int = 6
    recovery_notice: bool = True
    subject_down: str = "Бот заявок ViPNet: нет связи с почтовым сервером"
    subject_up: str = "Бот заявок ViPNet: связь с почтовым сервером восстановлена"
    # review alerts
    review_reasons: tuple[str, ...] = ("unknown_sender", "sender_spoof", "processing_failed", "ambiguous", "inn_mismatch")
    per_sender_per_day: int = 1
    daily_cap: int = 10
    review_subject: str = "Бот заявок ViPNet: письмо требует внимания"
    review_subject_cap: str = "Бот заявок ViPNet: оповещения на сегодня приостановлены"
    # rules/names.toml [decisions]: a decision's NAME -> what it means, in Russian, for people
    decision_names: Mapping[str, str] = field(default_factory=dict)

    def decision_texts(self, hits: Iterable[Mapping[str, Any]]) -> list[str]:
        """The Russian texts of the decisions a letter hit (never the code's English reason strings)."""
        texts = [self.decision_names.get(str(h.get("decision")), "") for h in hits]
        return list(dict.fromkeys(t for t in texts if t))

    def outage_after_minutes(self, service: str) -> int:
        return self.imap_after_minutes if service == "imap" else self.smtp_after_minutes


@dataclass(frozen=True)
class RetentionSettings:
    attachments_days: int = 180
    pictures_days: int = 30
    every_minutes: int = 60


def load_digest(rules: Rules) -> DigestSettings:
    raw = rules.sections.get("digest", {})
    dg = raw.get("digest", {})
    alerts = raw.get("alerts", {})
    out = alerts.get("outage", {})
    rev = alerts.get("review", {})
    send_time = read_time(dg, "send_at", "08:30", "digest", DIGEST_FILE)
    reasons = rev.get("reasons", list(DigestSettings.review_reasons))
    if not isinstance(reasons, list) or any(r not in REVIEW_REASONS for r in reasons):
        raise RulesError(f"{DIGEST_FILE}: alerts.review.reasons — список из: {', '.join(REVIEW_REASONS)}")
    return DigestSettings(
        send_at=send_time,
        subject=_str(dg, "subject", DigestSettings.subject, "digest"),
        expiring_days=_int(dg, "expiring_days", 30, "digest"),
        paper_soon_days=_int(dg, "paper_soon_days", 3, "digest"),
        first_lookback_hours=_int(dg, "first_lookback_hours", 24, "digest"),
        picture_max_side=_int(dg, "picture_max_side", 520, "digest"),
        max_pictures=_int(dg, "max_pictures", 10, "digest"),
        imap_after_minutes=_int(out, "imap_after_minutes", 30, "alerts.outage"),
        smtp_after_minutes=_int(out, "smtp_after_minutes", 30, "alerts.outage"),
        outage_min_interval_hours=_int(out, "min_interval_hours", 6, "alerts.outage"),
        recovery_notice=bool(out.get("recovery_notice", True)),
        subject_down=_str(out, "subject_down", DigestSettings.subject_down, "alerts.outage"),
        subject_up=_str(out, "subject_up", DigestSettings.subject_up, "alerts.outage"),
        review_reasons=tuple(reasons),
        per_sender_per_day=max(1, _int(rev, "per_sender_per_day", 1, "alerts.review")),
        daily_cap=_int(rev, "daily_cap", 10, "alerts.review"),
        review_subject=_str(rev, "subject", DigestSettings.review_subject, "alerts.review"),
        review_subject_cap=_str(rev, "subject_cap", DigestSettings.review_subject_cap, "alerts.review"),
        decision_names=_names(rules),
    )


def _names(rules: Rules) -> dict[str, str]:
    table = rules.sections.get("names", {}).get("decisions", {})
    if not isinstance(table, dict) or not all(isinstance(v, str) and v.strip() for v in table.values()):
        raise RulesError("names.toml: [decisions] — по каждому решению нужна непустая строка")
    return dict(table)


def load_retention(rules: Rules) -> RetentionSettings:
    raw = rules.sections.get("retention", {})
    return RetentionSettings(
        attachments_days=_int(raw.get("attachments", {}), "days", 180, "attachments", RETENTION_FILE),
        pictures_days=_int(raw.get("pictures", {}), "days", 30, "pictures", RETENTION_FILE),
        every_minutes=_int(raw.get("schedule", {}), "every_minutes", 60, "schedule", RETENTION_FILE),
    )
