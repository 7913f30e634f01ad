"""Who did it: the operator's identity recorded with what a command changes (--by).

One place for every command: the option, the login user as its default, and the refusal
of an empty name (a record must say who)."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from typing import Any

import click


def login_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name (a container without a passwd entry)
        return "неизвестен"


def by_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """Adds --by NAME (default: the login user)."""
    return click.option("--by", "by", default=None, metavar="КТО",
                        help="Кто выполнил действие (записывается; по умолчанию — имя пользователя в системе).")(func)


def who(by: str | None) -> str:
    """The operator: --by as given (never empty), else the login user."""
    if by is None:
        return login_user()
    if not by.strip():
        raise click.ClickException("пустое значение --by: укажите, кто выполнил действие")
    return by.strip()
