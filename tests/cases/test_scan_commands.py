"""The operator's decision on a scan: scan accept / reject / add, and the review verdict on a case."""

from __future__ import annotations

import email
import json
from email import policy as email_policy
from pathlib import Path

import pytest
from click.testing import Result

from bot.cases import model as m
from bot.cases import service
from bot.cases.policy import load_policy
from bot.cli import main
from bot.rules import Rules
from bot.store import Store
from tests.cases.conftest import INN_A, OGRN_A, at
from tests.cases.test_cli import Bot as CliBot
from tests.cases.test_cli import ok
from tests.digest.seed import application

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "scans" / "sample"


class Bot(CliBot):
    """test_cli's bot, with the `scan` group and a login name for --by."""

    def __call__(self, *args: str, now: str = "2026-04-29T10:00:00") -> Result:
        argv = [*args[:2], "--config", str(self.config), *args[2:]] if args[0] in ("request", "scan") else \
            [args[0], "--config", str(self.config), *args[1:]]
        return self.runner.invoke(main, argv, env={"VIPNET_CERT_BOT_NOW": now, "USER": "operator1"},
                                  catch_exceptions=False)

    def record(self, rules: Rules, registry, case_id: str, verdict: str, key: str, now: str) -> None:
        store = Store(self.state)
        try:
            with store.transaction():
                case = service.get_case(store, case_id)
                service.record_scan(store, load_policy(rules), case, registry.by_inn(case["inn"]), verdict=verdict,
                                    fields={"owner_name": "Иванов Иван Иванович"}, on=at(now).date(),
                                    now=at(now), letter={"letter_key": key, "message_id": f"<{key}@x>"})
        finally:
            store.close()


@pytest.fixture
def bot(config_path: Path, tmp_path: Path) -> Bot:
    return Bot(config_path, tmp_path)


def body_of(row: dict) -> str:
    return email.message_from_string(row["message"], policy=email_policy.default).get_content().replace("\r\n", "\n")


def test_a_review_scan_does_not_move_the_case(bot: Bot, rules: Rules, registry, policy) -> None:
    ok(bot("request", "add", "--inn", INN_A, "--owner", "Иванов Иван Иванович", now="2026-04-28T10:00"))
    bot.record(rules, registry, "2026-0001", "review", "k1", "2026-04-28 11:00")
    data = json.loads(ok(bot("case", "2026-0001", "--json", now="2026-04-28T12:00")))
    assert data["state"] == m.WAITING_FOR_SCAN and data["scan_review"] is True
    assert "на проверке" in data["state_name"]


def test_accept_overrules_a_false_incomplete_and_reaches_the_full_set(bot: Bot, rules: Rules, registry) -> None:
    ok(bot("request", "add", "--inn", INN_A, "--owner", "Иванов Иван Иванович", now="2026-04-28T10:00"))
    bot.record(rules, registry, "2026-0001", "incomplete", "k1", "2026-04-28 11:00")
    out = ok(bot("scan", "accept", "2026-0001", "--reason", "подпись владельца есть, синей ручкой",
                 now="2026-04-28T12:00"))
    assert "Скан принят" in out and "Полный набор" in out
    data = json.loads(ok(bot("case", "2026-0001", "--json", now="2026-04-28T12:30")))
    assert data["state"] == m.FULL_SET_STATE
    decision = [e for e in data["events"] if e["kind"] == m.SCAN_RECEIVED][-1]
    assert decision["source"] == "operator" and decision["by"] == "operator1" and decision["verdict"] == "complete"
    assert decision["reason"] == "подпись владельца есть, синей ручкой" and decision["letter_key"] == "k1"
    letter = bot.outbox()[-1]
    assert letter["to"] == ["mo-a@a.example"]
    text = body_of(letter)
    assert "Скан заявки принят" in text and "Получен полный набор документов" in text


def test_reject_names_the_defects(bot: Bot, rules: Rules, registry) -> None:
    ok(bot("request", "add", "--inn", INN_A, "--owner", "Иванов Иван Иванович", now="2026-04-28T10:00"))
    bot.record(rules, registry, "2026-0001", "review", "k1", "2026-04-28 11:00")
    ok(bot("scan", "reject", "2026-0001", "--defect", "seal_missing", "--reason", "печати нет", "--by", "petrov",
           now="2026-04-28T12:00"))
    data = json.loads(ok(bot("case", "2026-0001", "--json", now="2026-04-28T12:30")))
    assert data["state"] == m.SCAN_DEFECTIVE
    decision = data["events"][-2] if data["events"][-1]["kind"] == m.NOTICE_SENT else data["events"][-1]
    assert decision["defects"] == ["seal_missing"] and decision["by"] == "petrov"
    text = body_of(bot.outbox()[-1])
    assert "не принят" in text and "нет оттиска печати" in text


def test_an_accepted_scan_cannot_be_rejected(bot: Bot, rules: Rules, registry) -> None:
    """Its set may be full already: a «не принят» letter now would tell the organisation something untrue."""
    ok(bot("request", "add", "--inn", INN_A, "--owner", "Иванов Иван Иванович", now="2026-04-28T10:00"))
    bot.record(rules, registry, "2026-0001", "complete", "k1", "2026-04-28 11:00")
    before, letters = bot.snapshot(), len(bot.outbox())
    result = bot("scan", "reject", "2026-0001", "--defect", "seal_missing", "--reason", "x", now="2026-04-28T12:00")
    assert result.exit_code != 0 and "отклонить его нельзя" in result.output and "case cancel" in result.output
    assert bot.snapshot() == before and len(bot.outbox()) == letters


@pytest.mark.parametrize(("args", "error"), [
    (("scan", "accept", "2026-0009", "--reason", "x"), "2026-0009"),
    (("scan", "accept", "2026-0001", "--reason", "  "), "причина"),
    (("scan", "accept", "2026-0001", "--letter", "nope", "--reason", "x"), "нет скана из письма nope"),
    (("scan", "reject", "2026-0001", "--defect", "no_such", "--reason", "x"), "неизвестный недостаток"),
    (("scan", "add", "2026-0001", "/nonexistent/scan.pdf"), "не найден"),
])
def test_bad_input_changes_nothing(bot: Bot, rules: Rules, registry, args: tuple[str, ...], error: str) -> None:
    ok(bot("request", "add", "--inn", INN_A, "--owner", "Иванов Иван Иванович", now="2026-04-28T10:00"))
    bot.record(rules, registry, "2026-0001", "incomplete", "k1", "2026-04-28 11:00")
    before, letters = bot.snapshot(), len(bot.outbox())
    result = bot(*args, now="2026-04-28T12:00")
    assert result.exit_code != 0 and error in result.output, result.output
    assert bot.snapshot() == before and len(bot.outbox()) == letters


def test_accept_needs_a_scan_on_the_case(bot: Bot) -> None:
    ok(bot("request", "add", "--inn", INN_A, "--owner", "Иванов Иван Иванович", now="2026-04-28T10:00"))
    result = bot("scan", "accept", "2026-0001", "--reason", "x", now="2026-04-28T12:00")
    assert result.exit_code != 0 and "scan add" in result.output


def test_add_runs_the_check_and_records_it(bot: Bot, tmp_path: Path) -> None:
    """An application that came by courier, scanned by the operator: checked like mail, recorded."""
    ok(bot("request", "add", "--inn", INN_A, "--owner", "Иванов Иван Иванович", now="2026-04-28T10:00"))
    (tmp_path / "courier.jpg").write_bytes(
        application(1, "complete", skew=0.5, inn=INN_A, ogrn=OGRN_A, owner_name="Иванов Иван Иванович"))
    out = ok(bot("scan", "add", "2026-0001", str(tmp_path / "courier.jpg"), "--date", "2026-04-28",
                 now="2026-04-28T12:00"))
    assert "Скан принят" in out
    data = json.loads(ok(bot("case", "2026-0001", "--json", now="2026-04-28T12:30")))
    assert data["state"] == m.FULL_SET_STATE
    added = [e for e in data["events"] if e["kind"] == m.SCAN_RECEIVED][-1]
    assert added["origin"] == "added" and added["source"] == "operator" and added["verdict"] == "complete"


def test_add_refuses_another_owners_application(bot: Bot) -> None:
    """The sample application is «Няндомская ЦРБ»'s, for Тарасов: it is not added to a case of another
    organisation and owner unless the operator says so, and then the case records why."""
    ok(bot("request", "add", "--inn", INN_A, "--owner", "Иванов Иван Иванович", now="2026-04-28T10:00"))
    result = bot("scan", "add", "2026-0001", str(SAMPLE / "complete-colour.jpg"), now="2026-04-28T12:00")
    assert result.exit_code != 0 and "ИНН в заявке 2915021105" in result.output and "--other-owner" in result.output
    data = json.loads(ok(bot("case", "2026-0001", "--json", now="2026-04-28T12:30")))
    assert not [e for e in data["events"] if e["kind"] == m.SCAN_RECEIVED]
    ok(bot("scan", "add", "2026-0001", str(SAMPLE / "complete-colour.jpg"), "--other-owner", now="2026-04-28T12:40"))
    data = json.loads(ok(bot("case", "2026-0001", "--json", now="2026-04-28T12:50")))
    added = [e for e in data["events"] if e["kind"] == m.SCAN_RECEIVED][-1]
    assert "вопреки расхождению" in added["reason"]
