"""`make demo`: the bot's main job on an embedded default, no servers needed.

Builds a small mailbox as a local Maildir (valid letters with real scans, subject
variants in different encodings, an auto-reply, an unknown sender, a mailing list,
an unrelated letter), a registry of three organisations and a config that points
the bot at the Maildir and at a pickup folder for its replies; then runs the very
pipeline the daemon runs (`run --once`) and shows what it did with each letter.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from bot import DEFAULT_RULES_DIR
from bot.letters import Draft

PROJECT_DIR = DEFAULT_RULES_DIR.parent
SCAN_SAMPLES = PROJECT_DIR / "fixtures" / "scans"
BOT_ADDRESS = "29(АрхТФОМС) УЦ бот <uc-bot@tfoms29.example>"
INFOSEC_HEAD = "29(АрхТФОМС) ИБ Нач. отдела <ib-head@tfoms29.example>"


@dataclass(frozen=True)
class DemoOrg:
    inn: str
    ogrn: str
    name: str
    email: str
    node: str


def _samples() -> dict[str, tuple[Path, dict[str, Any]]]:
    """One committed sample scan per kind: a complete application and a defective one."""
    picked: dict[str, tuple[Path, dict[str, Any]]] = {}
    for truth_file in sorted(SCAN_SAMPLES.rglob("truth.json")):
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
        for name, t in sorted(truth.items()):
            path = truth_file.parent / name
            if not path.exists() or t.get("pages", 1) != 1 or not t.get("inn"):
                continue
            if t["verdict"] == "complete" and t.get("mode") == "color":
                picked.setdefault("complete", (path, t))
            elif t["verdict"] == "incomplete" and t.get("owner") is False:
                picked.setdefault("incomplete", (path, t))
    return picked


def build(root: Path) -> Path:
    """Make the demo's world under root; returns the config path."""
    if root.exists():
        shutil.rmtree(root)
    maildir = root / "mailbox"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    samples = _samples()
    complete = samples.get("complete")
    incomplete = samples.get("incomplete")

    orgs = [
        DemoOrg(complete[1]["inn"] if complete else "2901052450", complete[1].get("ogrn") or "1022900509521"
                if complete else "1022900509521",
                "ГБУЗ АО «Архангельская городская клиническая поликлиника № 1»", "secretary@agkp1.example",
                "29(АГКП1) Секретарь"),
        DemoOrg(incomplete[1]["inn"] if incomplete else "2921003130",
                (incomplete[1].get("ogrn") or "1022901440001") if incomplete else "1022901440001",
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
    drafts: list[tuple[str, Draft]] = []
    if complete:
        drafts.append(("Полный комплект: скан с подписями и печатью", Draft(
            sender=f"{a.node} <{a.email}>", attachments=[("Заявка АГКП1.png" if complete[0].suffix == ".png"
                                                           else f"Заявка АГКП1{complete[0].suffix}",
                                                           complete[0].read_bytes())])))
    if incomplete:
        drafts.append(("Нет подписи владельца; тема в cp1251 с «RE:»", Draft(
            sender=f"{b.node} <{b.email}>", subject="RE: заявка на сертификат VIPNET", subject_encoding="cp1251",
            filename_encoding="cp1251",
            attachments=[(f"скан заявки{incomplete[0].suffix}", incomplete[0].read_bytes())])))
    drafts += [
        ("Узнан по имени узла ViPNet, тема в koi8-r, без вложения", Draft(
            sender=f"{c.node} <relay@vipnet-gate.example>", subject="Заявка на сертификат ViPNet",
            subject_encoding="koi8-r")),
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
