"""Who did it: the operator's identity recorded with what a command changes (--by)."""

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
                        help="Кто выполнил действие (по умолчанию — имя пользователя в системе).")(func)


def who(by: str | None) -> str:
    """The operator: --by as given, else the login user."""
    return (by or "").strip() or login_user()
