"""The command line: `vipnet-cert-bot COMMAND`. Help and messages in Russian.

Each module in bot/commands/ defines its commands and lists them in COMMANDS;
they are gathered here, so adding a command touches only its own module.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types
import click.utils

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

# click's own messages (errors, usage, help headings), in Russian: «Ошибка: …», not «Error: …».
# click looks each one up through gettext at the moment it prints it; placeholders stay as they are.
CLICK_RU = {
    "Error: {message}": "Ошибка: {message}",
    "Usage:": "Использование:",
    "Options": "Параметры",
    "Commands": "Команды",
    "Positional arguments": "Аргументы",
    "Try '{command} {option}' for help.": "Справка: {command} {option}",
    "No such option: {name}": "Нет такого параметра: {name}",
    "No such option {name!r}.": "Нет такого параметра: {name}.",
    "No such command {name!r}.": "Нет такой команды: {name}.",
    "Missing command.": "Не указана команда.",
    "Missing argument": "Не указан аргумент",
    "Missing option": "Не указан параметр",
    "Missing parameter": "Не указано значение",
    "Missing parameter: {param_name}": "Не указано значение: {param_name}",
    "Missing {param_type}": "Не указан {param_type}",
    "Invalid value for {param_hint}: {message}": "Неверное значение {param_hint}: {message}",
    "Invalid value: {message}": "Неверное значение: {message}",
    "Option {name!r} does not take a value.": "Параметр {name} не принимает значения.",
    "Argument {name!r} takes {nargs} values.": "Аргумент {name} принимает значений: {nargs}.",
    "Choose from:\n\t{choices}": "Допустимые значения:\n\t{choices}",
    "{value!r} is not a valid {number_type}.": "{value!r} — не {number_type}.",
    "{value} is not in the range {range}.": "{value} — вне диапазона {range}.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} не существует.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} — папка, а не файл.",
    "{name} {filename!r} is a file.": "{name} {filename!r} — файл, а не папка.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} недоступен для чтения.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} недоступен для записи.",
    "Could not open file {filename!r}: {message}": "Не удалось открыть файл {filename!r}: {message}",
    "file": "Файл",
    "directory": "Папка",
    "path": "Путь",
    "Aborted!": "Прервано.",
    "unknown error": "неизвестная ошибка",
    "default: {default}": "по умолчанию: {default}",
    "required": "обязательно",
    "Show the version and exit.": "Показать версию и выйти.",
    "Show this message and exit.": "Показать эту справку и выйти.",
}
CLICK_RU_PLURAL = {
    "Got unexpected extra argument ({args})": "Лишние аргументы: {args}",
    "Option {name!r} requires an argument.": "Параметру {name} нужно значение.",
    "Option {name!r} requires {nargs} arguments.": "Параметру {name} нужно значений: {nargs}.",
    "Did you mean {possibility}?": "Может быть, {possibility}?",
    "Takes {nargs} values but 1 was given.": "Нужно значений: {nargs}, а дано: 1.",
}


def _ru(message: str) -> str:
    return CLICK_RU.get(message, message)


def _ru_plural(singular: str, plural: str, n: int) -> str:
    if singular in CLICK_RU_PLURAL:
        return CLICK_RU_PLURAL[singular]
    return singular if n == 1 else plural


_CLICK_MODULES: tuple[ModuleType, ...] = (click.core, click.decorators, click.exceptions, click.formatting,
                                          click.parser, click.termui, click.types, click.utils)
for _module in _CLICK_MODULES:
    if hasattr(_module, "_"):
        _module._ = _ru  # type: ignore[attr-defined]
    if hasattr(_module, "ngettext"):
        _module.ngettext = _ru_plural  # type: ignore[attr-defined]


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


def _russian_metavars(command: click.Command) -> None:
    """The usage line in Russian: «[ПАРАМЕТРЫ]», «КОМАНДА [АРГУМЕНТЫ]...» (click's defaults are English)."""
    command.options_metavar = "[ПАРАМЕТРЫ]"
    if isinstance(command, click.Group):
        command.subcommand_metavar = "КОМАНДА [АРГУМЕНТЫ]..."
        for sub in command.commands.values():
            _russian_metavars(sub)


_russian_metavars(main)
click.STRING.name = "текст"
click.INT.name = "число"
