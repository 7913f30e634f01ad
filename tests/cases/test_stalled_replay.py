"""Issue 12 replayed on a moving clock through the real mail path (Dovecot + SMTP on loopback,
the real scan check, the operator's commands through the CLI with VIPNET_CERT_BOT_NOW).

An organisation's certificate expires on 20.11.2026. It opens its renewal on 05.10, its scan
is rejected, and it goes quiet: it is reminded about the rejected scan, the rotation reminders
about the expiring certificate go on, and every digest shows the stalled renewal (then the
expired certificate). On 24.11 the corrected scan comes and the original is handed in before
the certificate is made; the paper certificate is late, the certificate is suspended and
resumed — the organisation hears of both.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot import registry as registry_mod
from bot.cases import service
from bot.cases.policy import load_policy
from bot.cli import main
from bot.clock import MOSCOW, FixedClock
from bot.config import load
from bot.daemon import Daemon
from bot.demo import generated_scan
from bot.letters import Draft
from bot.store import Store
from tests.conftest import INFOSEC_HEAD
from tests.support.replay import one_organisation_world

pytestmark = [pytest.mark.imap, pytest.mark.ocr]

ORG_EMAIL = "secretary@agkp1.example"


def at(day: str, hhmm: str = "10:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=MOSCOW)


def test_stalled_renewal_suspension_and_early_original(tmp_path: Path, dovecot, smtp_server, rules) -> None:
    good, ext, truth = generated_scan("complete")
    bad, bad_ext, _ = generated_scan("incomplete", owner_signed=False, seed=7)
    config_path, user = one_organisation_world(tmp_path, dovecot, smtp_server, truth, ORG_EMAIL)
    registry_path = tmp_path / "organisations.csv"
    config = load(config_path)
    policy = load_policy(rules)
    clock = FixedClock(at("2026-10-01", "09:00"))
    runner = CliRunner()
    sent: dict[str, list] = {}

    def cli(*args: str) -> str:
        result = runner.invoke(main, [*args, "--config", str(config_path), "--by", "prishva"]
                               if args[0] not in ("cases",) else [*args, "--config", str(config_path)],
                               env={"VIPNET_CERT_BOT_NOW": clock.now().isoformat()})
        assert result.exit_code == 0, result.output
        return result.output

    def bot_round() -> list:
        before = len(smtp_server.received)
        Daemon(config, rules, clock).run_once()
        new = smtp_server.received[before:]
        sent.setdefault(clock.now().date().isoformat(), []).extend(new)
        return new

    def mail(scan: bytes, extension: str) -> None:
        with dovecot.client(user) as client:
            client.append("INBOX", Draft(sender=f"29(АГКП1) Секретарь <{ORG_EMAIL}>",
                                         attachments=[(f"Заявка.{extension}", scan)]).build())

    def case(case_id: str) -> dict:
        runner_out = runner.invoke(main, ["case", case_id, "--json", "--config", str(config_path)],
                                   env={"VIPNET_CERT_BOT_NOW": clock.now().isoformat()})
        assert runner_out.exit_code == 0, runner_out.output
        return json.loads(runner_out.output)

    # The certificate in use was issued before the bot (registered by the import).
    store = Store(config.bot.state_dir)
    try:
        with store.transaction():
            old = service.register_existing_certificate(
                store, policy, registry_mod.load(registry_path), inn=truth["inn"], owner=truth["owner_name"],
                serial="0A11", not_after=date(2026, 11, 20), on=date(2025, 11, 20), now=clock.now(), by="import")
    finally:
        store.close()
    old_id = old.case["id"]

    # Monday 5 October: the request is recorded; the scan comes by mail and is rejected.
    clock.set(at("2026-10-05", "09:30"))
    out = cli("request", "add", "--inn", truth["inn"], "--owner", truth["owner_name"])
    new_id = out.split("дело ")[1].split(":")[0]
    mail(bad, bad_ext)
    clock.set(at("2026-10-05", "10:00"))
    first = bot_round()
    replies = [r for r in first if r.recipients == [ORG_EMAIL]]
    assert replies, [(r.recipients, str(r.message["Subject"]), r.text[:600]) for r in first]
    assert len(replies) == 1 and "не принят" in replies[0].text.lower()
    assert case(new_id)["state"] == "scan_defective"

    # Then nothing from the organisation until 24 November: the bot every day at 10:00.
    day = date(2026, 10, 6)
    while day <= date(2026, 11, 23):
        clock.set(at(day.isoformat()))
        bot_round()
        day += timedelta(days=1)

    def to_org(first: str, last: str) -> list[tuple[str, str, str]]:
        return [(d, str(r.message["Subject"]), r.text) for d, rs in sorted(sent.items()) if first <= d <= last
                for r in rs if r.recipients == [ORG_EMAIL]]

    quiet = to_org("2026-10-06", "2026-11-23")
    stalled = [(d, text) for d, subject, text in quiet if subject.startswith("Напоминание: заявка")]
    # 2, 5 and 10 working days after the rejected scan
    assert [d for d, _ in stalled] == ["2026-10-07", "2026-10-12", "2026-10-19"]
    text = stalled[0][1]
    assert text.startswith("Уважаемые коллеги!") and "05.10.2026" in text and "не принят" in text
    assert "0A11" in text and "20.11.2026" in text          # the certificate it renews expires
    assert "Удостоверяющий центр ТФОМС АО" in text           # the signature block
    rotation = [d for d, subject, _ in quiet if subject.startswith("Плановая смена")]
    # 30, 14 and 7 days before 20.11 (21.10, 06.11, 13.11): the stalled renewal does not silence them
    assert rotation == ["2026-10-21", "2026-11-06", "2026-11-13"]
    digests = {d: [r for r in rs if r.recipients == [INFOSEC_HEAD] and "Сводка" in str(r.message["Subject"])]
               for d, rs in sent.items() if "2026-10-06" <= d <= "2026-11-23"}
    for d, found in sorted(digests.items()):
        if not found:
            continue
        (digest,) = found
        assert "Заявки без движения" in digest.text and new_id in digest.text, d
        assert "сроков и вопросов на сегодня нет" not in digest.text, d
        if d > "2026-11-20":
            assert "Сертификаты истекли" in digest.text and "0A11" in digest.text, d
    working = [d for d in digests if policy.calendar.is_working_day(date.fromisoformat(d))]
    assert all(digests[d] for d in working) and len(working) > 30

    # 24 November: the corrected scan by mail, the original by post (before the certificate).
    mail(good, ext)
    clock.set(at("2026-11-24", "10:00"))
    (reply,) = [r for r in bot_round() if r.recipients == [ORG_EMAIL]]
    assert "принят" in reply.text
    clock.set(at("2026-11-24", "14:00"))
    out = cli("paper", "original", new_id)
    assert "до изготовления сертификата" in out
    (receipt,) = [r for r in bot_round() if r.recipients == [ORG_EMAIL]]
    assert "оригинал заявки" in receipt.text and "не изготовлен" in receipt.text

    # 25 November: the certificate is made; the notice does not ask for the original.
    clock.set(at("2026-11-25", "11:00"))
    out = cli("cert", "issued", new_id, "--serial", "0B22", "--not-after", "2027-11-25")
    assert "Оригинал заявки получен 24.11.2026" in out
    (notice,) = [r for r in bot_round() if r.recipients == [ORG_EMAIL]]
    assert "получен 24.11.2026" in notice.text and "25.12.2026" in notice.text

    # Every day until the middle of January: the paper certificate is late (due 25.12).
    day = date(2026, 11, 26)
    while day <= date(2027, 1, 15):
        clock.set(at(day.isoformat()))
        bot_round()
        if day == date(2026, 12, 28):
            assert case(new_id)["state"] == "overdue"
            clock.set(at("2026-12-28", "12:00"))
            cli("suspend", new_id)
            (letter,) = [r for r in bot_round() if r.recipients == [ORG_EMAIL]]
            assert str(letter.message["Subject"]).startswith("Действие сертификата ViPNet приостановлено")
            assert "ЗАБЛОКИРОВАН" in letter.text and "подписанный экземпляр сертификата" in letter.text
        if day == date(2027, 1, 13):
            clock.set(at("2027-01-13", "11:00"))
            out = cli("paper", "certificate", new_id)
            assert f"vipnet-cert-bot resume {new_id}" in out
            new = bot_round()
            assert any(r.recipients == [INFOSEC_HEAD] and "возобновить" in str(r.message["Subject"]) for r in new)
            clock.set(at("2027-01-13", "12:00"))
            cli("resume", new_id)
            (letter,) = [r for r in bot_round() if r.recipients == [ORG_EMAIL]]
            assert str(letter.message["Subject"]).startswith("Действие сертификата ViPNet возобновлено")
            assert "Все документы по сертификату получены" in letter.text
            assert case(new_id)["state"] == "closed"
        day += timedelta(days=1)

    later = to_org("2026-11-26", "2027-01-15")
    subjects = [(d, s) for d, s, _ in later]
    assert not [s for _, s in subjects if "оригинал" in s.lower()]
    reminders = [d for d, s in subjects if s.startswith("Напоминание: документы")]
    assert reminders == ["2026-12-22", "2026-12-24", "2026-12-25"]  # 3 and 1 working days before, on the day
    assert [d for d, s in subjects if s.startswith("ВНИМАНИЕ")] == ["2026-12-28"]
    blocked = [d for d, s in subjects if s.startswith("Напоминание: действие сертификата")]
    assert blocked and all(policy.calendar.is_working_day(date.fromisoformat(d)) for d in blocked)
    for d, letters in sent.items():
        if letters and d != "2026-10-01":
            assert policy.calendar.is_working_day(date.fromisoformat(d)), d
    timeline = case(new_id)["events"]
    assert [e["kind"] for e in timeline if e.get("by") == "prishva"] == [
        "request_received", "original_received", "certificate_made", "suspended", "certificate_received",
        "resumed"]
    assert case(old_id)["state"] == "closed"
