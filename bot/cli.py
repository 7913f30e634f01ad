"""The command line: `vipnet-cert-bot COMMAND`. Help and messages in Russian.

Each module in bot/commands/ defines its commands and lists them in COMMANDS;
they are gathered here, so adding a command touches only its own module.
"""

from __future__ import annotations

import importlib
import pkgutil

import click

import bot.commands
from bot import __version__

_click_help_option = click.Command.get_help_option


def _help_option_in_russian(self: click.Command, ctx: click.Context) -> click.Option | None:
    # click has no setting for the --help text of every command; the help is in Russian.
    option = _click_help_option(self, ctx)
    if option is not None:
        option.help = "Показать эту справку и выйти."
    return option


click.Command.get_help_option = _help_option_in_russian  # type: ignore[method-assign]

EX_DATAERR = 65  # a lost or corrupt store: a clear message, no traceback, a non-zero exit


class _Main(click.Group):
    """Every command: a store that cannot be used ends in its Russian message, not a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        from bot.store import AlreadyRunning, StoreError

        try:
            return super().invoke(ctx)
        except AlreadyRunning:
            raise
        except StoreError as exc:
            click.echo(f"Ошибка: {exc}", err=True)
            ctx.exit(EX_DATAERR)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vipnet-cert-bot", help="Показать версию и выйти.")
def main() -> None:
    """Почтовый бот УЦ ТФОМС АО: заявки на сертификат ViPNet, проверка сканов, сроки."""


for info in sorted(pkgutil.iter_modules(bot.commands.__path__), key=lambda m: m.name):
    module = importlib.import_module(f"bot.commands.{info.name}")
    for command in getattr(module, "COMMANDS", []):
        main.add_command(command)
