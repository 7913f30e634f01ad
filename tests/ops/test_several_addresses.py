"""Several addresses and ViPNet nodes per organisation: every address gets the letters."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from bot import outbox
from bot import registry as registry_mod
from bot.cases import service
from bot.cases.duties import run_duties
from bot.clock import MOSCOW
from bot.pipeline.handlers import compose_reply
from bot.pipeline.model import ACCEPT, Context, Letter, Outcome
from bot.rules import Rules
from bot.store import Store
from tests.cases.conftest import BOT, HEAD, INN_A, OGRN_A, at

CSV = ("inn,ogrn,name,email,vipnet_node,short_name\n"
       f"{INN_A},{OGRN_A},ГБУЗ АО «Первая больница»,mo-a@a.example; it@a.example,"
       "29(Первая больница) Секретарь; 29(Первая больница) Бухгалтерия,ПБ\n")


def _registry(tmp_path: Path) -> registry_mod.Registry:
    path = tmp_path / "orgs.csv"
    path.write_text(CSV, encoding="utf-8")
    return registry_mod.load(path)


def test_several_nodes_and_addresses_are_read(tmp_path: Path) -> None:
    reg = _registry(tmp_path)
    org = reg.organisations[0]
    assert org.emails == ("mo-a@a.example", "it@a.example")
    assert org.nodes == ("29(Первая больница) Секретарь", "29(Первая больница) Бухгалтерия")
    assert org.vipnet_node == "29(Первая больница) Секретарь"
    assert org.extra == {"short_name": "ПБ"}
    # a letter from the second node is known by its display name
    assert reg.by_node("29(Первая больница) Бухгалтерия") is org
    assert reg.identify("it@a.example") is org


def test_reminders_go_to_every_address(tmp_path: Path, store: Store, rules: Rules, policy) -> None:
    reg = _registry(tmp_path)
    made = date(2026, 4, 28)
    now = at("2026-04-28 09:00")
    with store.transaction():
        rec = service.add_request(store, policy, reg, inn=INN_A, owner="Иванов Иван Иванович", on=made, now=now)
        service.record_scan(store, policy, rec.case, reg.by_inn(INN_A), verdict="complete", fields={},
                            on=made, now=now, letter={})
        service.mark_issued(store, policy, rec.case["id"], serial="7F01", on=made, now=now,
                            not_after=made + timedelta(days=365))
    refs = run_duties(store, rules, reg, bot_address=BOT, infosec_head=HEAD, reply_to="", now=at("2026-05-04 10:00"))
    assert refs == [f"case:{rec.case['id']}:paper:original:1"]
    with store.transaction():
        row = store.outbox.all()[0]
    assert row["to"] == ["mo-a@a.example", "it@a.example"]
    assert "mo-a@a.example, it@a.example" in row["message"]


def test_the_reply_goes_to_the_sender_and_the_other_addresses(tmp_path: Path, store: Store,
                                                              rules: Rules) -> None:
    reg = _registry(tmp_path)
    now = datetime(2026, 4, 28, 10, 0, tzinfo=MOSCOW)
    letter = Letter(key="k", message_id="<1@a.example>", subject="Заявка на сертификат ViPNet",
                    from_header="", from_address="it@a.example", from_name="29(Первая больница) Бухгалтерия",
                    return_path="it@a.example", headers={}, references="", date=now, attachments=(),
                    defects=(), size=1, sha256="0")
    ctx = Context(rules=rules, registry=reg, bot_address=BOT, infosec_head=HEAD, now=now,
                  state_dir=tmp_path, store=store)
    out = compose_reply.run(letter, Outcome(action=ACCEPT, organisation=reg.organisations[0]), ctx)
    assert out.reply is not None
    with store.transaction():
        outbox.queue(store, out.reply, kind="reply", ref=None, now=now)
        assert store.outbox.all()[0]["to"] == ["it@a.example", "mo-a@a.example"]
