"""The request folder: electronic requests (PKCS#10 files) dropped by the CA software or the operator.

Each round the daemon imports every file in the folder, exactly as `request import`
does, and moves it to `imported/` or, when it cannot be read or matched, to `failed/`
with an alert to the InfoSec head saying why. A file is moved only after its request
is committed, so a crash imports it again at worst into the same open case (add_request
joins the owner's open case), never loses it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot import logs, outbox
from bot.cases import service
from bot.cases.due import change_letters
from bot.cases.duties import queue_letter
from bot.cases.pkix import PkixError, read_request
from bot.cases.policy import load_policy
from bot.cases.repo import CaseError
from bot.clock import MOSCOW
from bot.registry import Registry
from bot.rules import Rules
from bot.store import Store

log = logs.get("request_folder")

MAX_REQUEST_BYTES = 256 * 1024  # a PKCS#10 request is a few KiB; anything bigger is not one
IMPORTED, FAILED = "imported", "failed"


@dataclass(frozen=True)
class Imported:
    file: str
    case_id: str | None
    error: str | None


def _move(path: Path, sub: str) -> None:
    target_dir = path.parent / sub
    target_dir.mkdir(exist_ok=True, mode=0o700)
    target = target_dir / path.name
    if target.exists():
        target = target_dir / f"{path.stem}.{int(datetime.now().timestamp())}{path.suffix}"
    os.replace(path, target)


def _read(path: Path) -> tuple[str, str, dict[str, str]]:
    if path.stat().st_size > MAX_REQUEST_BYTES:
        raise PkixError("файл слишком большой для запроса на сертификат")
    subject = read_request(path.read_bytes()).subject
    if not subject.inn:
        raise PkixError("в запросе нет ИНН организации")
    if not subject.owner:
        raise PkixError("в запросе нет ФИО владельца (CN)")
    details = {k: v for k, v in subject.as_dict().items() if k != "snils" and v}
    details["file"] = path.name
    return subject.inn, subject.owner, details


def import_folder(store: Store, rules: Rules, registry: Registry, folder: Path, *, bot_address: str,
                  infosec_head: str, now: datetime, reply_to: str) -> list[Imported]:
    if not folder.is_dir():
        return []
    policy = load_policy(rules)
    on = now.astimezone(MOSCOW).date()
    results = []
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        try:
            inn, owner, details = _read(path)
            with store.transaction():
                rec = service.add_request(store, policy, registry, inn=inn, owner=owner, on=on, now=now,
                                          source="folder", details=details)
                for letter in change_letters(rec.case, rec.before(policy, on), rec.added, now, rules, registry):
                    queue_letter(store, letter, bot_address=bot_address, infosec_head=infosec_head, now=now,
                                 reply_to=reply_to)
            _move(path, IMPORTED)
            results.append(Imported(path.name, rec.case["id"], None))
            log.info("request imported", file=path.name, case=rec.case["id"], created=rec.created)
        except (PkixError, CaseError, OSError) as exc:
            reason = str(exc)
            with store.transaction():
                outbox.queue(store, outbox.make_message(
                    sender=bot_address, to=infosec_head, kind="alert", now=now,
                    subject=f"Запрос на сертификат не загружен: {path.name}",
                    body=(f"Файл запроса «{path.name}» из папки {folder} не удалось загрузить: {reason}.\n\n"
                          f"Файл перемещён в {folder / FAILED}. Проверьте его и загрузите вручную:\n"
                          f"  vipnet-cert-bot request add --inn ИНН --owner \"ФИО\"\n"),
                ), kind="alert", ref=f"request-file:{path.name}", now=now)
            _move(path, FAILED)
            results.append(Imported(path.name, None, reason))
            log.warning("request file failed", file=path.name, error=reason)
    return results
