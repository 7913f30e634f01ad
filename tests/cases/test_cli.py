from __future__ import annotations

import email
import json
from datetime import UTC, datetime
from email import policy as email_policy
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cases import service
from bot.cases.policy import load_policy
from bot.cli import main
from bot.rules import Rules
from bot.store import Store
from tests.cases import gostfiles as g
from tests.cases.conftest import INN_A, INN_B, INN_UNKNOWN, OGRN_A, at


class Bot:
    def __init__(self, config: Path, tmp_path: Path) -> None:
        self.config = config
        self.state = tmp_path / "state"
        self.runner = CliRunner()

    def __call__(self, *args: str, now: str = "2026-04-29T10:00:00") -> Result:
        return self.runner.invoke(main, [*args[:2], "--config", str(self.config), *args[2:]]
                                  if args[0] in ("request", "cert", "paper") else
                                  [args[0], "--config", str(self.config), *args[1:]],
                                  env={"VIPNET_CERT_BOT_NOW": now}, catch_exceptions=False)

    def snapshot(self) -> bytes | None:
        path = self.state / "store.json"
        return path.read_bytes() if path.exists() else None

    def scan(self, rules: Rules, registry, case_id: str, now: str) -> None:
        store = Store(self.state)
        try:
            with store.transaction():
                case = service.get_case(store, case_id)
                service.record_scan(store, load_policy(rules), case, registry.by_inn(case["inn"]),
                                    verdict="complete", fields={}, on=at(now).date(), now=at(now), letter={})
        finally:
            store.close()

    def outbox(self) -> list[dict]:
        store = Store(self.state)
        try:
            return store.outbox.all()
        finally:
            store.close()


@pytest.fixture
def bot(config_path: Path, tmp_path: Path) -> Bot:
    return Bot(config_path, tmp_path)


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def test_a_whole_renewal_from_the_command_line(bot: Bot, rules: Rules, registry, tmp_path: Path) -> None:
    out = ok(bot("request", "add", "--inn", INN_A, "--owner", "Иванов Иван Иванович", "--node", "0x1A0E000B",
                 now="2026-04-28T10:00"))
    assert "2026-0001" in out
    req = tmp_path / "smirnova.req"
    req.write_bytes(g.pem(g.request_der(g.subject_attrs(cn="Смирнова Ольга Петровна", inn="00" + INN_A,
                                                         ogrn=OGRN_A)), "CERTIFICATE REQUEST"))
    out = ok(bot("request", "import", str(req), now="2026-04-28T10:05"))
    assert "2026-0002" in out
    bot.scan(rules, registry, "2026-0001", "2026-04-29 11:00")
    rows = json.loads(ok(bot("cases", "--json", now="2026-04-29T12:00")))
    assert [(r["id"], r["state"], r["next_deadline"], r["days_left"]) for r in rows] == [
        ("2026-0001", "full_set", "2026-05-04", 5), ("2026-0002", "waiting_for_scan", None, None)]
    table = ok(bot("cases", now="2026-04-29T12:00"))
    assert "ГБУЗ АО «Первая больница»" in table and "04.05.2026" in table

    out = ok(bot("cert", "issued", "2026-0001", "--serial", "7F01", "--not-after", "2027-04-30",
                 now="2026-04-30T15:00"))
    assert "07.05.2026" in out and "01.06.2026" in out   # 30.05 is Saturday -> 01.06
    notice = bot.outbox()[-1]
    assert notice["kind"] == "notice" and notice["to"] == ["mo-a@a.example"]
    body = email.message_from_string(notice["message"], policy=email_policy.default).get_content()
    body = body.replace("\r\n", "\n")
    for words in ("«Выбрать»", "«Инструменты» – «Настройка параметров безопасности»", "в 2 экземплярах",
                  "не позднее 07.05.2026", "не позднее 01.06.2026", "до 30.04.2027", "ЗАБЛОКИРОВАН"):
        assert words in body, words

    ok(bot("paper", "original", "2026-0001", "--date", "06.05.2026", now="2026-05-06T10:00"))
    rows = json.loads(ok(bot("cases", "--state", "overdue", "--json", now="2026-06-02T10:00")))
    assert [r["id"] for r in rows] == ["2026-0001"] and rows[0]["overdue"] == ["certificate"]
    ok(bot("suspend", "2026-0001", now="2026-06-02T11:00"))
    out = ok(bot("paper", "certificate", "2026-0001", now="2026-06-03T10:00"))
    assert "vipnet-cert-bot resume 2026-0001" in out
    out = ok(bot("resume", "2026-0001", now="2026-06-03T11:00"))
    assert "закрыто" in out
    data = json.loads(ok(bot("case", "2026-0001", "--json", now="2026-06-03T12:00")))
    assert data["state"] == "closed"
    # each paper document, the suspension and the resumption are now told to the organisation, and
    # the InfoSec head is advised to resume once the overdue document is in (issue 12)
    assert [(e["kind"], e.get("key")) for e in data["events"]] == [
        ("request_received", None), ("scan_received", None), ("full_set", None), ("certificate_made", None),
        ("notice_sent", "made:7F01"), ("original_received", None), ("notice_sent", "received:original"),
        ("suspended", None), ("notice_sent", "suspended:1"), ("certificate_received", None),
        ("notice_sent", "received:certificate"), ("alert_sent", "resume:1"), ("resumed", None),
        ("closed", None), ("notice_sent", "resumed:1")]
    assert all(e.get("by") for e in data["events"] if e["kind"] in (
        "request_received", "certificate_made", "original_received", "suspended", "certificate_received",
        "resumed"))
    text = ok(bot("case", "2026-0001", now="2026-06-03T12:00"))
    assert "сертификат приостановлен" in text and "03.06.2026" in text
    # the view at an earlier simulated date tells that day's truth
    early = json.loads(ok(bot("cases", "--json", now="2026-05-05T10:00")))
    assert (early[0]["state"], early[0]["next_deadline"], early[0]["days_left"]) == (
        "certificate_made", "2026-05-07", 2)
    data = json.loads(ok(bot("case", "2026-0001", "--json", now="2026-04-29T12:00")))
    assert [e["kind"] for e in data["events"]] == ["request_received", "scan_received", "full_set"]


def test_cert_import_matches_by_subject(bot: Bot, rules: Rules, registry, tmp_path: Path) -> None:
    ok(bot("request", "add", "--inn", INN_A, "--owner", "Иванов Иван Иванович", now="2026-04-28T10:00"))
    bot.scan(rules, registry, "2026-0001", "2026-04-28 11:00")
    cer = tmp_path / "new.cer"
    cer.write_bytes(g.certificate_der(g.subject_attrs(cn="Иванов Иван Иванович", inn_le=INN_A, ogrn=OGRN_A),
                                      serial=0xABCDEF, not_before=datetime(2026, 4, 29, 8, tzinfo=UTC),
                                      not_after=datetime(2027, 4, 29, 8, tzinfo=UTC)))
    out = ok(bot("cert", "import", str(cer), now="2026-04-29T12:00"))
    assert "ABCDEF" in out
    data = json.loads(ok(bot("case", "2026-0001", "--json", now="2026-04-29T12:00")))
    assert data["serial"] == "ABCDEF" and data["not_after"] == "2027-04-29"
    assert data["made_on"] == "2026-04-29"


def _bad_files(tmp_path: Path) -> dict[str, Path]:
    files = {
        "corrupt": b"\x30\x82\x01\x00garbage",
        "empty": b"",
        "unknown_inn": g.request_der(g.subject_attrs(cn="Иванов Иван", inn_le=INN_UNKNOWN)),
        "no_inn": g.request_der(g.subject_attrs(cn="Иванов Иван")),
        "good": g.request_der(g.subject_attrs(cn="Иванов Иван", inn_le=INN_A)),
        "cert_corrupt": b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        "cert_unknown": g.certificate_der(g.subject_attrs(cn="Иванов Иван", inn_le=INN_UNKNOWN), serial=1,
                                          not_before=datetime(2026, 1, 1, tzinfo=UTC),
                                          not_after=datetime(2027, 1, 1, tzinfo=UTC)),
        "cert_open": g.certificate_der(g.subject_attrs(cn="Петров Пётр Петрович", inn_le=INN_A), serial=2,
                                         not_before=datetime(2026, 1, 1, tzinfo=UTC),
                                         not_after=datetime(2027, 1, 1, tzinfo=UTC)),
    }
    out = {}
    for key, data in files.items():
        out[key] = tmp_path / f"{key}.bin"
        out[key].write_bytes(data)
    return out


BAD = [
    (("request", "add", "--inn", INN_UNKNOWN, "--owner", "Иванов И. И."), "нет в реестре"),
    (("request", "add", "--inn", "12345", "--owner", "Иванов И. И."), "неверный ИНН"),
    (("request", "add", "--inn", INN_A, "--owner", "  "), "ФИО"),
    (("request", "add", "--inn", INN_A, "--owner", "Иванов И. И.", "--date", "31.02.2026"), "неверная дата"),
    (("request", "add", "--inn", INN_A, "--owner", "Иванов И. И.", "--date", "2030-01-01"), "ещё не наступила"),
    (("request", "add", "--inn", INN_A, "--owner", "Иванов И. И.", "--case", "2099-0001"), "не найдено"),
    (("request", "import", "{corrupt}"), "повреждён"),
    (("request", "import", "{empty}"), "пустой"),
    (("request", "import", "{good}", "{corrupt}"), "повреждён"),
    (("request", "import", "{good}", "{unknown_inn}"), "нет в реестре"),
    (("request", "import", "{no_inn}"), "нет ИНН"),
    (("request", "import", "/nonexistent.req"), "не удалось прочитать"),
    (("cert", "issued", "2099-0001", "--serial", "1", "--not-after", "2027-01-01"), "не найдено"),
    (("cert", "issued", "{case}", "--serial", "1", "--not-after", "2027-13-01"), "неверная дата"),
    (("cert", "issued", "{case}", "--serial", "1", "--not-after", "2027-01-01", "--date", "вчера"), "неверная дата"),
    (("cert", "issued", "{case}", "--serial", "1", "--not-after", "2027-01-01"), "нет полного набора"),
    (("cert", "import", "{cert_corrupt}"), "повреждён"),
    (("cert", "import", "{corrupt}"), "повреждён"),
    (("cert", "import", "{cert_unknown}"), "нет в реестре"),
    (("cert", "import", "{cert_open}"), "открыто дело"),   # the owner's case waits for a scan, not for this
    (("cert", "import", "/nonexistent.cer"), "не найдены"),
    (("paper", "original", "2099-0001"), "не найдено"),
    (("paper", "original", "{case}", "--date", "2026/04/01"), "неверная дата"),
    (("paper", "certificate", "2099-0001"), "не найдено"),
    (("paper", "certificate", "{case}"), "ещё не изготовлен"),
    (("suspend", "2099-0001"), "не найдено"),
    (("suspend", "{case}"), "ещё не изготовлен"),
    (("resume", "2099-0001"), "не найдено"),
    (("resume", "{case}"), "не приостановлен"),
    (("case", "2099-0001"), "не найдено"),
    (("paper", "sent", "{case}"), "ещё не изготовлен"),
    (("paper", "sent", "{case}", "--date", "1.1"), "неверная дата"),
    (("case", "close", "{case}", "--reason", " "), "причина"),
    (("case", "cancel", "2099-0001", "--reason", "дубль"), "не найдено"),
    (("case", "extend", "{case}", "--reason", "почта"), "укажите один документ"),
    (("case", "extend", "{case}", "--original", "2026-13-01", "--reason", "почта"), "неверная дата"),
    (("case", "extend", "{case}", "--original", "2026-06-01", "--reason", "почта"), "ещё не изготовлен"),
    (("case", "merge", "{case}", "{case}"), "с самим собой"),
    (("case", "merge", "{case}", "2099-0001"), "не найдено"),
    (("request", "add", "--inn", INN_A, "--owner", "Иванов И. И.", "--replaces", "NOPE"), "не найдены"),
    (("request", "add", "--inn", INN_A, "--owner", "Иванов И. И.", "--replaces", "{case}"), "не изготовлен"),
    (("request", "add", "--inn", INN_A, "--owner", "Иванов И. И.", "--by", " "), "--by"),
    (("suspend", "{case}", "--date", "2030-01-01"), "ещё не наступила"),
    (("resume", "{case}", "--date", "31.31.2026"), "неверная дата"),
    (("cert", "issued", "{case}", "--serial", "1", "--not-after", "2027-01-01", "--reissue"), "ещё не изготовлен"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a[:3]) + f"-{i}" for i, (a, _) in enumerate(BAD)])
def test_bad_input_is_refused_and_changes_nothing(bot: Bot, tmp_path: Path, args: tuple[str, ...],
                                                  message: str) -> None:
    ok(bot("request", "add", "--inn", INN_A, "--owner", "Петров Пётр Петрович", now="2026-04-28T10:00"))
    files = _bad_files(tmp_path)
    argv = [a.format(case="2026-0001", **{k: str(v) for k, v in files.items()}) for a in args]
    before = bot.snapshot()
    result = bot(*argv)
    assert result.exit_code != 0
    assert message in result.output, result.output
    assert "Traceback" not in result.output
    assert bot.snapshot() == before


def test_bad_state_filter(bot: Bot) -> None:
    result = bot("cases", "--state", "nonsense")
    assert result.exit_code == 2


def test_cases_on_an_empty_store(bot: Bot) -> None:
    assert "Дел нет" in ok(bot("cases"))
    assert json.loads(ok(bot("cases", "--json"))) == []


def test_paper_twice_is_refused(bot: Bot, rules: Rules, registry) -> None:
    ok(bot("request", "add", "--inn", INN_A, "--owner", "Иванов Иван Иванович", now="2026-04-28T10:00"))
    bot.scan(rules, registry, "2026-0001", "2026-04-28 11:00")
    ok(bot("cert", "issued", "2026-0001", "--serial", "1", "--not-after", "2027-04-29", now="2026-04-29T10:00"))
    ok(bot("paper", "original", "2026-0001", now="2026-04-30T10:00"))
    before = bot.snapshot()
    result = bot("paper", "original", "2026-0001", now="2026-04-30T11:00")
    assert result.exit_code != 0 and "уже отмечен" in result.output
    result = bot("cert", "issued", "2026-0001", "--serial", "2", "--not-after", "2027-04-29", now="2026-04-30T11:00")
    assert result.exit_code != 0 and "уже отмечен" in result.output
    assert bot.snapshot() == before


def test_operator_commands_of_issue_12(bot: Bot, rules: Rules, registry) -> None:
    ok(bot("request", "add", "--inn", INN_A, "--owner", "Иванов Иван Иванович", "--by", "prishva",
           now="2026-04-28T10:00"))
    out = ok(bot("paper", "original", "2026-0001", "--by", "prishva", now="2026-04-28T11:00"))
    assert "до изготовления сертификата" in out and "Организации отправлено письмо" in out
    bot.scan(rules, registry, "2026-0001", "2026-04-28 12:00")
    ok(bot("cert", "issued", "2026-0001", "--serial", "7F01", "--not-after", "2027-04-29", now="2026-04-29T10:00"))
    result = bot("cert", "issued", "2026-0001", "--serial", "7F02", "--not-after", "2027-04-29",
                 now="2026-04-29T11:00")
    assert result.exit_code != 0 and "--reissue" in result.output
    out = ok(bot("cert", "issued", "2026-0001", "--serial", "7F02", "--not-after", "2027-04-30", "--reissue",
                 now="2026-04-29T11:00"))
    assert "повторно" in out and "7F02" in out
    assert bot.outbox()[-1]["ref"] == "case:2026-0001:made:7F02"
    out = ok(bot("paper", "sent", "2026-0001", "--date", "30.04.2026", now="2026-04-30T10:00"))
    assert "30.04.2026" in out
    out = ok(bot("case", "extend", "2026-0001", "--certificate", "2026-06-15", "--reason", "почта задержала",
                 now="2026-05-20T10:00"))
    assert "15.06.2026" in out
    ok(bot("suspend", "2026-0001", "--date", "2026-06-16", now="2026-06-17T10:00"))
    out = ok(bot("resume", "2026-0001", "--date", "17.06.2026", now="2026-06-17T11:00"))
    assert "возобновлено 17.06.2026" in out and "Организации отправлено письмо" in out
    ok(bot("request", "add", "--inn", INN_A, "--owner", "Смирнова Ольга Петровна", "--replaces", "7F02",
           now="2026-06-17T12:00"))
    out = ok(bot("case", "2026-0002", now="2026-06-17T12:30"))
    assert "Заменяет сертификат 7F02 (дело 2026-0001)" in out
    ok(bot("request", "add", "--inn", INN_A, "--owner", "Смирнова Ольга Петровна", "--case", "2026-0002",
           now="2026-06-17T12:40"))
    ok(bot("request", "add", "--inn", INN_B, "--owner", "Петров Пётр Петрович", now="2026-06-17T13:00"))
    out = ok(bot("case", "cancel", "2026-0003", "--reason", "открыто по ошибке", now="2026-06-17T13:10"))
    assert "отменено" in out
    data = json.loads(ok(bot("case", "2026-0003", "--json", now="2026-06-17T13:20")))
    assert data["state"] == "cancelled" and data["events"][-1]["reason"] == "открыто по ошибке"
    kinds = [e["kind"] for e in json.loads(ok(bot("case", "2026-0001", "--json", now="2026-06-17T13:30")))["events"]]
    for kind in ("certificate_reissued", "paper_sent", "deadline_extended", "suspended", "resumed"):
        assert kind in kinds
    assert "close" in ok(bot("case", "--help")) and "merge" in ok(bot("case", "--help"))
