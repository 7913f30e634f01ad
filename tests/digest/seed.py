"""A seeded state with something in every digest section (now = Tue 24.11.2026 09:00 MSK)."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot import health, outbox
from bot.cases import service
from bot.cases.policy import load_policy
from bot.clock import MOSCOW
from bot.registry import Registry
from bot.rules import Rules
from bot.store import Store, write_atomic

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=MOSCOW)
ROOT = Path(__file__).resolve().parents[2]
AGKP, KCGB, SOGAZ = "2901052450", "2921003130", "7704103750"


def at(day: str, hm: str = "10:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{hm}:00").replace(tzinfo=MOSCOW)


def scangen_module() -> Any:
    """fixtures/scans/scangen.py, imported by path."""
    spec = importlib.util.spec_from_file_location("scangen", ROOT / "fixtures" / "scans" / "scangen.py")
    assert spec and spec.loader
    scangen = sys.modules.get("scangen") or importlib.util.module_from_spec(spec)
    if "scangen" not in sys.modules:
        sys.modules["scangen"] = scangen  # dataclasses look their module up there
        spec.loader.exec_module(scangen)
    return scangen


# a one-page scan made cleanly: colour JPEG at 200 dpi, upright, no noise or blur
CLEAN_SCAN = {"fmt": "jpeg", "mode": "color", "dpi": 200, "multi": False, "rotation": 0, "skew": 0.0, "noise": 0,
              "blur": 0}


def application(seed: int, kind: str, **force: Any) -> bytes:
    """A generated application scan (fixtures/scans/scangen.py) of `kind` («complete», «no_owner»,
    …), scanned cleanly unless `force` says otherwise; `inn`, `ogrn`, `owner_name` give it an
    organisation and owner."""
    data, _, _ = scangen_module().make_case(seed, force={**CLEAN_SCAN, "kind": kind, **force})
    return bytes(data)


def scan_png() -> bytes:
    """A generated application scan without the owner's signature."""
    return application(12, "no_owner", fmt="png")


def _case(store: Store, rules: Rules, registry: Registry, *, inn: str, owner: str, day: str,
          request: bool = True, scan: bool = True) -> dict[str, Any]:
    policy = load_policy(rules)
    org = registry.by_inn(inn)
    assert org is not None
    on, now = date.fromisoformat(day), at(day)
    case = None
    if request:
        case = service.add_request(store, policy, registry, inn=inn, owner=owner, node="", on=on, now=now).case
    if scan:
        fields = {"inn": inn, "owner_name": owner}
        case = service.record_scan(store, policy, case, org, verdict="complete", fields=fields, on=on, now=now,
                                   letter={"letter_key": f"seed:{owner}"}).case
    assert case is not None
    return case


def seed(store: Store, rules: Rules, registry: Registry, *, with_scan_file: bool = True) -> dict[str, str]:
    """Fill the store; returns {name: case id or letter key} for the checks."""
    policy = load_policy(rules)
    ids: dict[str, str] = {}
    with store.transaction():
        ids["due_today"] = _case(store, rules, registry, inn=AGKP, owner="Иванов Иван Иванович", day="2026-11-20")["id"]
        ids["late"] = _case(store, rules, registry, inn=KCGB, owner="Петров Пётр Петрович", day="2026-11-17")["id"]
        ids["new"] = _case(store, rules, registry, inn=SOGAZ, owner="Смирнова Анна Сергеевна", day="2026-11-23")["id"]
        ids["waiting"] = _case(store, rules, registry, inn=AGKP, owner="Кузнецов Олег Андреевич", day="2026-11-19",
                               request=False)["id"]
        made = _case(store, rules, registry, inn=KCGB, owner="Попов Игорь Викторович", day="2026-11-19")
        service.mark_issued(store, policy, made["id"], serial="7C1A0001", not_after=date(2027, 11, 19),
                            on=date(2026, 11, 20), now=at("2026-11-20", "15:00"))
        ids["paper"] = made["id"]
        over = _case(store, rules, registry, inn=SOGAZ, owner="Соколов Дмитрий Николаевич", day="2026-09-28")
        service.mark_issued(store, policy, over["id"], serial="7C1A0002", not_after=date(2027, 10, 1),
                            on=date(2026, 10, 1), now=at("2026-10-01", "15:00"))
        ids["overdue"] = over["id"]
        old = _case(store, rules, registry, inn=AGKP, owner="Морозов Виктор Петрович", day="2025-11-28")
        service.mark_issued(store, policy, old["id"], serial="7C0F00AA", not_after=date(2026, 12, 10),
                            on=date(2025, 12, 1), now=at("2025-12-01", "15:00"))
        for doc in ("original", "certificate"):
            service.mark_paper(store, policy, old["id"], doc, on=date(2025, 12, 5), now=at("2025-12-05"))
        ids["expiring"] = old["id"]

    stored = ""
    if with_scan_file:
        data = scan_png()
        stored = f"attachments/2026-11/{hashlib.sha256(data).hexdigest()[:32]}.png"
        (store.state_dir / stored).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(store.state_dir / stored, data)
    base = {"state": "filed", "folder": "Заявки/Обработано", "notes": [], "attachments": [], "scan": None,
            "case": None, "hits": [], "organisation_inn": None, "sender_name": ""}
    rows = [
        {**base, "key": "k:accepted", "sender": "smo@sogaz.example", "subject": "Заявка на сертификат ViPNet",
         "decision": "accept", "action": "accept", "organisation_inn": SOGAZ, "handled_at": at("2026-11-23", "10:00").isoformat(),
         "scan": {"verdict": "complete", "defects": []}, "case": {"event": "full_set", "id": ids["new"]}},
        {**base, "key": "k:rejected", "sender": "mo2@kotlas-crb.example", "sender_name": "29(КЦГБ) Канцелярия",
         "subject": "RE: Заявка на сертификат ViPNet", "decision": "accept", "action": "accept",
         "organisation_inn": KCGB, "handled_at": at("2026-11-23", "15:00").isoformat(),
         "attachments": [{"filename": "заявка.png", "stored_as": stored, "kind": "png", "size": 1, "sha256": "x",
                          "accepted": True, "reason": None}] if stored else [],
         "scan": {"verdict": "incomplete", "defects": ["owner_signature_missing"]}},
        {**base, "key": "k:unknown", "sender": "stranger@unknown.example", "subject": "Заявка на сертификат ViPNet",
         "decision": "review:unknown_sender", "action": "review", "folder": "Заявки/На проверку",
         "handled_at": at("2026-11-23", "16:00").isoformat(),
         "hits": [{"decision": "unknown_sender", "reason": "sender 'stranger@unknown.example' is not in the registry"}]},
        {**base, "key": "k:ambiguous", "sender": "mo1@poliklinika1.example", "subject": "Заявка на сертификат ViPNet",
         "decision": "review", "action": "review", "folder": "Заявки/На проверку", "organisation_inn": AGKP,
         "handled_at": at("2026-11-23", "17:00").isoformat(), "case": {"event": "ambiguous"},
         "notes": ["Заявка подходит к нескольким делам (2026-0001, 2026-0004)"]},
        {**base, "key": "k:failing", "state": "claimed", "sender": "mo1@poliklinika1.example",
         "subject": "Заявка на сертификат ViPNet", "attempts": 2, "claimed_at": at("2026-11-24", "08:40").isoformat(),
         "last_error": "RuntimeError: boom"},
        {**base, "key": "k:old", "sender": "mo1@poliklinika1.example", "subject": "Заявка на сертификат ViPNet",
         "decision": "accept", "action": "accept", "handled_at": at("2026-11-20", "10:00").isoformat()},
    ]
    with store.transaction():
        for row in rows:
            store.messages.insert(row)
    health.record(store, "imap", ok=True, now=at("2026-11-24", "08:59"))
    health.record(store, "smtp", ok=True, now=at("2026-11-23", "18:00"))
    health.record(store, "smtp", ok=False, now=at("2026-11-24", "08:00"), error="SMTP 10.0.0.5:25: Connection refused")
    msg = outbox.make_message(sender="ib-bot@tfoms.example", to="mo1@poliklinika1.example", subject="Re: Заявка",
                              body="текст", kind="reply", now=at("2026-11-24", "08:00"))
    with store.transaction():
        letter_id = outbox.queue(store, msg, kind="reply", ref="k:x", now=at("2026-11-24", "08:00"))
    outbox.mark_failed(store, letter_id, "SMTP 10.0.0.5:25: Connection refused", at("2026-11-24", "08:00"),
                       base=60, cap=3600)
    ids["rejected"] = "k:rejected"
    return ids
