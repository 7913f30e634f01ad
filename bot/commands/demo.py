"""`vipnet-cert-bot demo`: the main job on an embedded default (a Maildir and a pickup folder)."""

from __future__ import annotations

from pathlib import Path

import click

from bot import logs
from bot.digest.compose import ACTION_NAMES, OUTBOX_KIND_NAMES, REVIEW_REASON_NAMES
from bot.digest.settings import load_digest
from bot.rules import Rules
from bot.scan.config import defect_texts
from bot.scan.model import VERDICT_NAMES


@click.command("demo")
@click.option("--dir", "root", type=click.Path(file_okay=False, path_type=Path), default=Path("demo-out"),
              show_default=True, help="Куда сложить демонстрационный почтовый ящик, настройки и ответы.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Не используется: демонстрация создаёт свои настройки в --dir.")
def demo(root: Path, config_path: Path | None) -> None:
    """Показать работу бота на встроенном примере: письма, решения, ответы."""
    from email import message_from_bytes, policy

    from bot import config as config_mod
    from bot import demo as demo_mod
    from bot import rules as rules_mod
    from bot.clock import SystemClock
    from bot.daemon import Daemon

    logs.configure("WARNING")
    root = root.resolve()
    click.echo(f"Готовлю пример в {root} …")
    config_file = demo_mod.build(root)
    cfg = config_mod.load(config_file)
    rules = rules_mod.load(cfg.bot.rules_dir)
    labels = demo_mod.labels(cfg.maildir) if cfg.maildir else {}
    _record_request(cfg, rules, root)
    click.echo("Запускаю бота один раз (vipnet-cert-bot run --once): распознавание сканов занимает "
               "несколько секунд на страницу …\n")
    results = Daemon(cfg, rules, SystemClock()).run_once()

    import json

    from bot.store import Store

    store = Store(cfg.bot.state_dir)
    rows = {r["key"]: r for r in store.messages.all()}
    sent = {r["ref"]: r for r in store.outbox.all()}
    store.close()
    by_message_id = {}
    for row in rows.values():
        by_message_id[row["message_id"]] = row

    header = f"{'Письмо':<52} {'Решение':<60} {'Ответ'}"
    click.echo(header)
    click.echo("-" * 140)
    shown = set()
    for message_id, label in sorted(labels.items()):
        row = by_message_id.get(message_id)
        if row is None:
            decision, reply = "оставлено во входящих", "—"
        else:
            shown.add(row["key"])
            decision = _decision_ru(row, rules)
            out = sent.get(row["key"])
            reply = out["subject"] if out else "—"
            scan = row.get("scan")
            if out and scan:
                reply += " — " + _verdict_ru(scan, rules)
        click.echo(f"{label[:51]:<52} {decision[:59]:<60} {reply[:100]}")
    click.echo("")
    click.echo(f"Обработано писем: {len(results)}; все исходящие письма лежат в {cfg.pickup_dir} (.eml).")
    to_head = [r for r in sent.values() if r["kind"] != "reply"]
    if to_head:
        click.echo("Начальнику отдела ИБ:")
        for row in sorted(to_head, key=lambda r: r.doc_id):
            click.echo(f"  [{OUTBOX_KIND_NAMES.get(row['kind'], row['kind'])}] {row['subject']}")
    replies = [r for r in sent.values() if r["kind"] == "reply"]
    if replies:
        first = min(replies, key=lambda r: r.doc_id)
        msg = message_from_bytes(first["message"].encode(), policy=policy.default)
        body = msg.get_body(("plain",))
        click.echo("\nПример ответа организации:\n")
        click.echo(f"Кому: {msg['To']}\nТема: {msg['Subject']}\nAuto-Submitted: {msg['Auto-Submitted']}\n")
        click.echo(body.get_content() if body is not None else "")  # type: ignore[union-attr]
    scans = [r["scan"] for r in rows.values() if r.get("scan")]
    if scans:
        click.echo("Заключения проверки сканов (check-scan --json):")
        for scan in scans:
            click.echo("  " + json.dumps({k: scan.get(k) for k in ("verdict", "signatures", "seal", "defects")},
                                         ensure_ascii=False))


def _record_request(cfg, rules, root: Path) -> None:  # noqa: ANN001
    """As the operator would: `request add` for the first organisation, so its scan completes the set."""
    import json

    from bot import registry as registry_mod
    from bot.cases import service
    from bot.cases.policy import load_policy
    from bot.clock import SystemClock
    from bot.store import Store

    request = json.loads((root / "demo.json").read_text(encoding="utf-8"))["request"]
    now = SystemClock().now()
    store = Store(cfg.bot.state_dir)
    try:
        with store.transaction():
            rec = service.add_request(store, load_policy(rules), registry_mod.load(cfg.bot.organisations),
                                      inn=request["inn"], owner=request["owner"], on=now.date(), now=now)
    finally:
        store.close()
    click.echo(f"Оператор записал электронный запрос (vipnet-cert-bot request add): дело {rec.case['id']}, "
               f"ИНН {request['inn']}.\n")


def _verdict_ru(scan: dict, rules: Rules) -> str:
    text = VERDICT_NAMES.get(scan.get("verdict", ""), scan.get("verdict", ""))
    defects = defect_texts(scan.get("defects") or [], rules)
    return text + (": " + "; ".join(defects) if defects else "")


def _decision_ru(row: dict, rules: Rules) -> str:
    action = row.get("action", "")
    first = (row.get("hits") or [{}])[0].get("decision", "")
    text = ACTION_NAMES.get(action, action)
    if not first:
        return text
    why = REVIEW_REASON_NAMES.get(first) or load_digest(rules).decision_names.get(first, first)
    return f"{text}: {why}"


COMMANDS = [demo]
