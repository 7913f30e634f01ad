"""`vipnet-cert-bot run [--once]`: the daemon."""

from __future__ import annotations

import sys

import click

from bot.commands import Context, with_context
from bot.edge.mailbox import MailboxError
from bot.registry import RegistryError
from bot.rules import RulesError
from bot.store import AlreadyRunning


def scan_ready(ctx: Context) -> None:
    """The scan check's tools and rules, checked before the first letter: a missing Tesseract or
    language pack, or a bad rules/form.toml, stops the start (the same message as `doctor`)."""
    from bot.commands.doctor import Failed, check_tesseract
    from bot.scan.config import from_rules

    try:
        check_tesseract()
        from_rules(ctx.rules)
    except Failed as exc:
        raise click.ClickException(f"{exc.detail}" + (f" (подсказка: {exc.hint})" if exc.hint else "")) from exc
    except RulesError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command("run")
@click.option("--once", is_flag=True, help="Обработать ожидающие письма, отправить всё, что пора, и выйти.")
@with_context
def run(ctx: Context, once: bool) -> None:
    """Запустить бота: следить за почтовым ящиком, отвечать, напоминать."""
    from bot.daemon import Daemon

    scan_ready(ctx)
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
