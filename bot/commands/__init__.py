"""CLI commands, one module per area. Each module lists its click commands in COMMANDS.

Shared helpers for commands live here: the --config option and the loaded context.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from bot import config as config_mod
from bot import logs
from bot import rules as rules_mod
from bot.clock import SystemClock


@dataclass
class Context:
    """What a command needs: the config, the rules and the clock (the store opens on demand)."""

    config: config_mod.Config
    rules: rules_mod.Rules
    clock: SystemClock

    def store(self) -> Any:
        from bot.store import Store

        return Store(self.config.bot.state_dir)


def load_context(config_path: str | None) -> Context:
    path = config_mod.resolve_path(config_path)
    try:
        cfg = config_mod.load(path)
        rules = rules_mod.load(cfg.bot.rules_dir)
    except (config_mod.ConfigError, rules_mod.RulesError) as exc:
        raise click.ClickException(str(exc)) from exc
    logs.configure(cfg.bot.log_level)
    return Context(config=cfg, rules=rules, clock=SystemClock())


def config_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """Adds --config PATH to a command (default $VIPNET_CERT_BOT_CONFIG, then /etc/…)."""
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Файл настроек (по умолчанию $VIPNET_CERT_BOT_CONFIG, затем /etc/vipnet-cert-bot/config.toml).",
    )(func)


def with_context(func: Callable[..., Any]) -> Callable[..., Any]:
    """Adds --config and passes the loaded Context as the first argument."""

    @config_option
    @functools.wraps(func)
    def wrapper(config_path: Path | None, **kwargs: Any) -> Any:
        return func(load_context(str(config_path) if config_path else None), **kwargs)

    return wrapper
