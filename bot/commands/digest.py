"""`vipnet-cert-bot digest --print | --html OUT.html | --send`: the InfoSec head's digest, now."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from bot.commands import Context, with_context
from bot.registry import Registry, RegistryError


@click.command("digest")
@click.option("--print", "print_", is_flag=True, help="Показать сводку в терминале (текст).")
@click.option("--html", "html_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Записать сводку в HTML-файл (картинки внутри файла) — открыть в браузере.")
@click.option("--send", is_flag=True,
              help="Поставить сводку в очередь сейчас и отправить руководителю ИБ (даже если сегодня уже была).")
@click.option("--no-pictures", is_flag=True, help="Без картинок сканов (быстрее: не запускает проверку сканов).")
@with_context
def digest(ctx: Context, print_: bool, html_out: Path | None, send: bool, no_pictures: bool) -> None:
    """Сводка для руководителя ИБ: письма, дела, сроки, проверка, состояние бота."""
    from bot import registry as registry_mod
    from bot.digest import build, render

    if not (print_ or html_out or send):
        print_ = True
    try:
        registry = registry_mod.load(ctx.config.bot.organisations)
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from exc
    now = ctx.clock.now()
    store = ctx.store()
    try:
        if print_ or html_out:
            result, pictures = build(store, ctx.rules, registry, now=now,
                                     with_pictures=bool(html_out) and not no_pictures)
            if print_:
                click.echo(render.render_text(result, ctx.rules), nl=False)
            if html_out:
                html_out.write_text(render.html_file(result, ctx.rules, pictures), encoding="utf-8")
                html_out.chmod(0o600)  # names and scans: personal data
                click.echo(f"Сводка записана: {html_out} (картинок: {len(pictures)}).", err=True)
        if send:
            _send(ctx, store, registry, now)
    finally:
        store.close()


def _send(ctx: Context, store: Any, registry: Registry, now: datetime) -> None:
    """Queue the digest now (even when today's went already) and deliver what is due."""
    from bot.daemon import make_transport
    from bot.delivery import Delivery
    from bot.digest.duties import queue_digest
    from bot.store import AlreadyRunning, daemon_lock

    outbox_id = queue_digest(store, ctx.rules, registry, bot_address=ctx.config.bot.address,
                             infosec_head=ctx.config.bot.infosec_head, now=now, force=True)
    try:
        with daemon_lock(ctx.config.bot.state_dir):
            delivery = Delivery(store, make_transport(ctx.config, ctx.rules), ctx.rules, ctx.clock)
            sent, failed = delivery.deliver_due()
    except AlreadyRunning:
        # The running bot owns delivery (two senders could send one letter twice): it sends it next round.
        click.echo(f"Сводка поставлена в очередь (№ {outbox_id}); её отправит запущенный бот.", err=True)
        return
    if failed:
        raise click.ClickException(f"сводка в очереди (№ {outbox_id}), но не отправлена: {delivery.last_error}; "
                                   "бот отправит её сам, когда сервер станет доступен")
    click.echo(f"Сводка отправлена руководителю ИБ ({ctx.config.bot.infosec_head}); писем отправлено: {sent}.",
               err=True)


COMMANDS = [digest]
