"""The operator's overrule and the review verdict, through the real mail path.

Dovecot + SMTP on loopback, the real scan check, the operator's commands through the CLI
with VIPNET_CERT_BOT_NOW (like test_renewal_replay.py).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.clock import MOSCOW, FixedClock
from bot.config import load
from bot.daemon import Daemon
from bot.demo import generated_scan
from bot.letters import Draft
from tests.conftest import INFOSEC_HEAD, write_config

pytestmark = [pytest.mark.imap, pytest.mark.ocr]

ORG_EMAIL = "secretary@agkp1.example"


def at(day: str, hhmm: str = "10:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=MOSCOW)


class World:
    def __init__(self, tmp_path: Path, dovecot: Any, smtp_server: Any, rules: Any, truth: dict) -> None:
        registry = tmp_path / "organisations.csv"
        registry.write_text("inn,ogrn,name,email,vipnet_node\n"
                            f'{truth["inn"]},{truth["ogrn"]},"ГБУЗ АО «АГКП № 1»",{ORG_EMAIL},29(АГКП1) Секретарь\n',
                            encoding="utf-8")
        self.user, password = dovecot.add_user()
        self.config_path = write_config(
            tmp_path, registry,
            imap={"host": "127.0.0.1", "port": dovecot.port, "security": "none", "user": self.user,
                  "password": password},
            smtp={"host": "127.0.0.1", "port": smtp_server.port, "security": "none"},
        )
        self.config, self.rules, self.dovecot, self.smtp = load(self.config_path), rules, dovecot, smtp_server
        self.clock = FixedClock(at("2026-04-27", "09:00"))
        self.runner = CliRunner()

    def cli(self, *args: str) -> str:
        result = self.runner.invoke(main, [*args[:2], "--config", str(self.config_path), *args[2:]]
                                    if args[0] in ("request", "scan") else [*args, "--config", str(self.config_path)],
                                    env={"VIPNET_CERT_BOT_NOW": self.clock.now().isoformat(), "USER": "ib-operator"})
        assert result.exit_code == 0, result.output
        return result.output

    def mail(self, scan: bytes, ext: str) -> None:
        with self.dovecot.client(self.user) as client:
            client.append("INBOX", Draft(sender=f"29(АГКП1) Секретарь <{ORG_EMAIL}>",
                                         attachments=[(f"Заявка.{ext}", scan)]).build())

    def round(self) -> list:
        before = len(self.smtp.received)
        Daemon(self.config, self.rules, self.clock).run_once()
        return self.smtp.received[before:]

    def case(self) -> dict:
        (case,) = json.loads(self.cli("cases", "--json"))
        return case


def test_a_false_incomplete_is_overruled_and_reaches_the_full_set(tmp_path: Path, dovecot, smtp_server,
                                                                   rules) -> None:
    """The check says «incomplete» (no owner's signature on the image); the operator, who has the
    signed paper in hand, accepts the scan: the case reaches the full set and the organisation is told."""
    scan, ext, truth = generated_scan("incomplete", owner_signed=False, seed=11)
    w = World(tmp_path, dovecot, smtp_server, rules, truth)
    w.cli("request", "add", "--inn", truth["inn"], "--owner", truth["owner_name"], "--date", "2026-04-27")
    w.mail(scan, ext)
    w.clock.set(at("2026-04-27", "10:00"))
    (reply,) = [r for r in w.round() if r.recipients == [ORG_EMAIL]]
    assert "Скан заявки не принят" in reply.text
    case = w.case()
    assert case["state"] == "scan_defective"

    w.clock.set(at("2026-04-27", "11:30"))
    out = w.cli("scan", "accept", case["id"], "--reason", "подпись владельца есть на бумажном оригинале")
    assert "Скан принят" in out
    case = w.case()
    assert case["state"] == "full_set" and case["certificate_due"] == "2026-04-29"
    (told,) = [r for r in w.round() if r.recipients == [ORG_EMAIL]]
    assert "Скан заявки принят" in told.text and "29.04.2026" in told.text
    timeline = json.loads(w.cli("case", case["id"], "--json"))
    decision = [e for e in timeline["events"] if e["kind"] == "scan_received"][-1]
    assert (decision["source"], decision["by"], decision["verdict"]) == ("operator", "ib-operator", "complete")


def test_our_failure_is_not_the_senders(tmp_path: Path, dovecot, smtp_server, rules, monkeypatch) -> None:
    """Tesseract fails mid-run (here: gone after the start): the organisation hears the scan went
    to a specialist, never that its file is broken; the InfoSec head gets an alert; the case waits."""
    import pytesseract

    scan, ext, truth = generated_scan("complete")
    w = World(tmp_path, dovecot, smtp_server, rules, truth)
    w.cli("request", "add", "--inn", truth["inn"], "--owner", truth["owner_name"], "--date", "2026-04-27")
    w.mail(scan, ext)
    w.clock.set(at("2026-04-27", "10:00"))
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "no-tesseract"))
    sent = w.round()
    (reply,) = [r for r in sent if r.recipients == [ORG_EMAIL]]
    assert "передан на проверку специалисту" in reply.text
    assert "поврежд" not in reply.text and "не принят" not in reply.text
    (alert,) = [r for r in sent if r.recipients == [INFOSEC_HEAD] and "внимания" in str(r.message["Subject"])]
    assert "внутренняя ошибка" in alert.text and "Tesseract" in alert.text and "scan accept" in alert.text
    case = w.case()
    assert case["state"] == "waiting_for_scan" and case["scan_review"] is True
