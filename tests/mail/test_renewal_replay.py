"""A whole renewal replayed on a moving clock, through the real mail path.

Dovecot + SMTP on loopback, the real scan check, the operator's commands through the
CLI with VIPNET_CERT_BOT_NOW. Around the May holidays of 2026 (1-3 May, 9-11 May days off).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot import DEFAULT_RULES_DIR
from bot.cli import main
from bot.clock import MOSCOW, FixedClock
from bot.config import load
from bot.daemon import Daemon
from bot.demo import generated_scan
from bot.letters import Draft
from tests.conftest import INFOSEC_HEAD
from tests.support.replay import one_organisation_world

pytestmark = [pytest.mark.imap, pytest.mark.ocr]

ORG_EMAIL = "secretary@agkp1.example"


def complete_scan() -> tuple[bytes, str, dict]:
    """A clean, complete application page from the fixture generator, and its truth."""
    return generated_scan("complete")


def is_working_day(day: date) -> bool:
    from bot.cases.calendar import WorkCalendar
    from bot.rules import load as load_rules

    return WorkCalendar.from_section(load_rules(DEFAULT_RULES_DIR).section("calendar")).is_working_day(day)


def at(day: str, hhmm: str = "10:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=MOSCOW)


def test_whole_renewal_on_a_moving_clock(tmp_path: Path, dovecot, smtp_server, rules) -> None:
    scan, ext, truth = complete_scan()
    config_path, user = one_organisation_world(tmp_path, dovecot, smtp_server, truth, ORG_EMAIL)
    config = load(config_path)
    clock = FixedClock(at("2026-04-27", "09:00"))
    runner = CliRunner()
    letters_by_day: dict[str, list] = {}

    def cli(*args: str) -> str:
        result = runner.invoke(main, [*args, "--config", str(config_path)],
                               env={"VIPNET_CERT_BOT_NOW": clock.now().isoformat()})
        assert result.exit_code == 0, result.output
        return result.output

    def bot_round() -> list:
        """One daemon round; returns what it sent to the organisation (the SMTP exchange is
        synchronous, so everything it sent has arrived when run_once returns)."""
        before = len(smtp_server.received)
        Daemon(config, rules, clock).run_once()
        new = smtp_server.received[before:]
        letters_by_day.setdefault(clock.now().date().isoformat(), []).extend(new)
        return [r for r in new if r.recipients == [ORG_EMAIL]]

    def state() -> dict:
        (case,) = json.loads(cli("cases", "--json"))
        return case

    # Monday 27 April: the operator records the electronic request; the scan arrives by mail.
    cli("request", "add", "--inn", truth["inn"], "--owner", truth["owner_name"], "--date", "2026-04-27")
    assert state()["state"] == "waiting_for_scan"
    with dovecot.client(user) as client:
        client.append("INBOX", Draft(sender=f"29(АГКП1) Секретарь <{ORG_EMAIL}>",
                                     attachments=[(f"Заявка.{ext}", scan)]).build())
    clock.set(at("2026-04-27", "10:00"))
    (reply,) = bot_round()
    assert "Скан заявки принят" in reply.text
    case = state()
    assert case["state"] == "full_set"
    assert case["certificate_due"] == "2026-04-29"  # two working days
    assert "29.04.2026" in reply.text
    case_id = case["id"]

    # Tuesday 28 April: the certificate is made; the organisation is told at once.
    clock.set(at("2026-04-28", "11:00"))
    cli("cert", "issued", case_id, "--serial", "01D7A3", "--not-after", "2027-04-28")
    (notice,) = bot_round()
    assert notice.recipients == [ORG_EMAIL]
    assert "Выбрать" in notice.text and "05.05.2026" in notice.text and "28.05.2026" in notice.text
    assert notice.message["Auto-Submitted"] == "auto-generated"

    # Every day at 10:00 until the end of June: reminders, warnings, alerts as they fall due.
    day = date(2026, 4, 29)
    while day <= date(2026, 6, 30):
        clock.set(at(day.isoformat()))
        bot_round()
        if day == date(2026, 5, 5):
            clock.set(at("2026-05-05", "15:00"))
            out = cli("paper", "original", case_id)  # in time
            assert "получен" in out
            assert state()["state"] == "certificate_made"
        if day == date(2026, 5, 29):
            case = state()
            assert case["state"] == "overdue" and case["overdue"] == ["certificate"]
            clock.set(at("2026-05-29", "16:00"))
            cli("suspend", case_id)
            assert state()["state"] == "suspended"
            (told,) = bot_round()  # the organisation is told of the suspension at once (issue 12)
            assert "приостановлено" in told.text
        if day == date(2026, 6, 2):
            clock.set(at("2026-06-02", "12:00"))
            out = cli("paper", "certificate", case_id)
            assert "возобнов" in out.lower()
            cli("resume", case_id)
            assert state()["state"] == "closed"
        day += timedelta(days=1)

    # No letter on a day off; each kind of letter once.
    for sent_on, letters in letters_by_day.items():
        if letters:
            assert is_working_day(date.fromisoformat(sent_on)), sent_on
    assert not any(letters_by_day.get(d) for d in ("2026-05-01", "2026-05-02", "2026-05-03",
                                                    "2026-05-09", "2026-05-10", "2026-05-11"))
    subjects = [(d, r.recipients[0], str(r.message["Subject"])) for d, rs in sorted(letters_by_day.items())
                for r in rs]
    to_org = [s for s in subjects if s[1] == ORG_EMAIL]
    to_head = [s for s in subjects if s[1] == INFOSEC_HEAD]
    assert len(to_org) == len(set(to_org))
    reminder_days = [d for d, _, s in to_org if s.startswith("Напоминание")]
    # the original: 3 days before falls on Saturday 2 May -> Monday 4 May (the 1-day one); then on the day
    assert "2026-05-04" in reminder_days and "2026-05-05" in reminder_days
    # the signed certificate (due Thursday 28 May): 25, 27 and 28 May
    assert {"2026-05-25", "2026-05-27", "2026-05-28"} <= set(reminder_days)
    warnings = [d for d, _, s in to_org if s.startswith("ВНИМАНИЕ")]
    assert warnings == ["2026-05-29"]
    assert any("ЗАБЛОКИРОВАН" in r.text.upper() for r in letters_by_day["2026-05-29"] if r.recipients == [ORG_EMAIL])
    actions = [d for d, _, s in to_head if s.startswith("Действие: приостановить")]
    assert actions == ["2026-05-29"]
    # the overdue certificate arrived on 02.06 with nothing else outstanding: resume advised (issue 12)
    assert [d for d, _, s in to_head if s.startswith("Действие: возобновить")] == ["2026-06-03"]
    timeline = json.loads(cli("case", case_id, "--json"))
    kinds = [e["kind"] for e in timeline["events"]]
    for kind in ("request_received", "scan_received", "full_set", "certificate_made", "original_received",
                 "warning_sent", "suspension_recommended", "suspended", "certificate_received", "resumed", "closed"):
        assert kind in kinds
