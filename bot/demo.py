"""`make demo`: the bot's main job on an embedded default, no servers needed.

Builds a small mailbox as a local Maildir (valid letters with real scans, subject
variants in different encodings, an auto-reply, an unknown sender, a mailing list,
an unrelated letter), a registry of three organisations and a config that points
the bot at the Maildir and at a pickup folder for its replies; then runs the very
pipeline the daemon runs (`run --once`) and shows what it did with each letter.
"""

from __future__ import annotations

import importlib.util
import json
import random
import shutil
import sys
import textwrap
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from types import ModuleType
from typing import Any

from bot import DEFAULT_RULES_DIR
from bot.letters import Draft

PROJECT_DIR = DEFAULT_RULES_DIR.parent
SCANGEN = PROJECT_DIR / "fixtures" / "scans" / "scangen.py"
BOT_ADDRESS = "29(АрхТФОМС) УЦ бот <uc-bot@tfoms29.example>"
INFOSEC_HEAD = "29(АрхТФОМС) ИБ Нач. отдела <ib-head@tfoms29.example>"


@dataclass(frozen=True)
class DemoOrg:
    inn: str
    ogrn: str
    name: str
    email: str
    node: str


def scan_generator() -> ModuleType:
    """The deterministic scan generator of fixtures/scans/ (the same one the tests and benchmark use)."""
    spec = importlib.util.spec_from_file_location("scangen", SCANGEN)
    if spec is None or spec.loader is None or not SCANGEN.exists():
        raise FileNotFoundError(f"scan generator not found: {SCANGEN}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["scangen"] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def generated_scan(verdict: str, *, owner_signed: bool = True, seed: int = 7) -> tuple[bytes, str, dict[str, Any]]:
    """A clean single-page colour 300-dpi application from the generator: (bytes, ext, truth).

    "complete" has both signatures and the seal; "incomplete" lacks the owner's signature
    when owner_signed is False. Drawn directly (not by searching seeds): fast and stable.
    """
    gen = scan_generator()
    rng = random.Random(seed)
    sign_owner = verdict == "complete" or owner_signed
    truth = gen.Truth(verdict=verdict, form=True, manager=True, owner=sign_owner, seal=True, dpi=300,
                      mode="color", rotation=0, fmt="jpeg")
    page = gen.draw_form(rng, truth, True, sign_owner, True, False, False)
    scanned = gen.scan(page, rng, 300, "color", 0.6, 0, 0, 0)
    return gen.encode([scanned], "jpeg", 300, rng), "jpg", dict(truth.__dict__)


def build(root: Path) -> Path:
    """Make the demo's world under root; returns the config path."""
    if root.exists():
        shutil.rmtree(root)
    maildir = root / "mailbox"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    complete = generated_scan("complete")
    incomplete = generated_scan("incomplete", owner_signed=False, seed=11)

    orgs = [
        DemoOrg(complete[2]["inn"], complete[2]["ogrn"],
                "ГБУЗ АО «Архангельская городская клиническая поликлиника № 1»", "secretary@agkp1.example",
                "29(АГКП1) Секретарь"),
        DemoOrg(incomplete[2]["inn"], incomplete[2]["ogrn"],
                "ГБУЗ АО «Котласская центральная городская больница»", "kanc@kotlas-crb.example",
                "29(КЦГБ) Канцелярия"),
        DemoOrg("7704103750", "1027739362474", "АО «Страховая компания «СОГАЗ-Мед» (Архангельский филиал)",
                "ib@sogaz-med.example", "29(СОГАЗ-Мед) ИБ"),
    ]
    registry = root / "organisations.csv"
    registry.write_text("inn,ogrn,name,email,vipnet_node\n" + "".join(
        f'{o.inn},{o.ogrn},"{o.name}",{o.email},{o.node}\n' for o in orgs), encoding="utf-8")
    (root / "config.toml").write_text(textwrap.dedent(f"""\
        # The embedded default: a local Maildir instead of IMAP, a pickup folder instead of SMTP.
        [bot]
        address = "{BOT_ADDRESS}"
        infosec_head = "{INFOSEC_HEAD}"
        state_dir = "state"
        organisations = "organisations.csv"

        [maildir]
        path = "mailbox"

        [pickup]
        dir = "outgoing"
        """), encoding="utf-8")

    now = datetime.now().astimezone()
    a, b, c = orgs
    drafts: list[tuple[str, Draft]] = [
        ("Скан с подписями и печатью (запрос уже есть)", Draft(
            sender=f"{a.node} <{a.email}>", attachments=[(f"Заявка АГКП1.{complete[1]}", complete[0])])),
        ("Нет подписи владельца; тема в cp1251 с «RE:»", Draft(
            sender=f"{b.node} <{b.email}>", subject="RE: заявка на сертификат VIPNET", subject_encoding="cp1251",
            filename_encoding="cp1251", attachments=[(f"скан заявки.{incomplete[1]}", incomplete[0])])),
        ("Тема в koi8-r, без вложения", Draft(
            sender=f"{c.node} <{c.email}>", subject="Заявка на сертификат ViPNet", subject_encoding="koi8-r")),
        ("Имя узла ViPNet с чужого адреса", Draft(
            sender=f"{c.node} <relay@vipnet-gate.example>", subject="Заявка на сертификат ViPNet")),
        ("Автоответ (Auto-Submitted)", Draft(
            sender=f"{a.node} <{a.email}>", subject="Автоответ: Re: Заявка на сертификат ViPNet",
            extra_headers={"Auto-Submitted": "auto-replied"})),
        ("Неизвестный отправитель", Draft(sender="Иванов И.И. <ivanov@mail.example>")),
        ("Рассылка (List-Id)", Draft(sender=f"{a.node} <{a.email}>",
                                      extra_headers={"List-Id": "<news.tfoms29.example>", "Precedence": "list"})),
        ("Другая тема: не заявка", Draft(sender=f"{a.node} <{a.email}>", subject="Реестр счетов за октябрь")),
    ]
    for i, (label, draft) in enumerate(drafts):
        draft.date = now - timedelta(minutes=len(drafts) - i)
        draft.message_id = f"<demo-{i}@vipnet-cert-bot.demo>"
        draft.extra_headers = {**draft.extra_headers, "X-Demo-Label": label}
        (maildir / "new" / f"{1700000000 + i}.demo{i}.localhost").write_bytes(draft.build())
    (root / "demo.json").write_text(json.dumps(
        {"request": {"inn": a.inn, "owner": complete[2]["owner_name"]}}, ensure_ascii=False), encoding="utf-8")
    return root / "config.toml"


def first_lines(eml: bytes, marker: str = "Скан") -> str:
    msg = message_from_bytes(eml, policy=policy.default)
    body = msg.get_body(("plain",))
    text = body.get_content() if body is not None else ""  # type: ignore[union-attr]
    for line in text.splitlines():
        if line.startswith(marker):
            return line.strip()
    return ""


def labels(maildir: Path) -> dict[str, str]:
    out = {}
    for path in maildir.rglob("*.localhost*"):
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        out[str(msg["Message-ID"])] = str(msg["X-Demo-Label"])
    return out
