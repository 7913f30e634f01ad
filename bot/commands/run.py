"""`vipnet-cert-bot run [--once]`: the daemon."""

from __future__ import annotations

import sys

import click

from bot.commands import Context, with_context
from bot.edge.mailbox import MailboxError
from bot.registry import RegistryError
from bot.store import AlreadyRunning


@click.command("run")
@click.option("--once", is_flag=True, help="Обработать ожидающие письма, отправить всё, что пора, и выйти.")
@with_context
def run(ctx: Context, once: bool) -> None:
    """Запустить бота: следить за почтовым ящиком, отвечать, напоминать."""
    from bot.daemon import Daemon

    try:
        daemon = Daemon(ctx.config, ctx.rules, ctx.clock)
        if once:
            results = daemon.run_once()
            click.echo(f"Обработано писем: {len(results)}.", err=True)
        else:
            daemon.run_forever()
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from exc
    except AlreadyRunning as exc:
        raise click.ClickException(f"бот уже запущен с этой папкой состояния ({exc})") from exc
    # StoreError (a lost or corrupt store): bot/cli.py prints its Russian message and exits 65.
    except MailboxError as exc:
        click.echo(f"Ошибка: почтовый ящик недоступен: {exc}", err=True)
        sys.exit(75)  # EX_TEMPFAIL: systemd restarts, cron retries


COMMANDS = [run]
