"""Structured logs: readable lines on a terminal, JSON lines elsewhere (journald).

Personal data and secrets never go to the log: keys that can hold them are dropped
by a processor here, whatever the caller passes.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

# Keys whose values must never be logged (secrets and personal data).
REDACTED_KEYS = frozenset({"password", "secret", "snils", "owner_name", "body"})


def _redact(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    for key in REDACTED_KEYS & event.keys():
        event[key] = "[redacted]"
    return event


def configure(level: str = "INFO", *, json: bool | None = None) -> None:
    if json is None:
        json = not sys.stderr.isatty()
    renderer: Any = structlog.processors.JSONRenderer(ensure_ascii=False) if json \
        else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level.upper(), logging.INFO)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def get(name: str) -> Any:
    return structlog.get_logger(name)
