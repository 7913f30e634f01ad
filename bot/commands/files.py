"""Reading an operator's input file, size-limited, with Russian errors."""

from __future__ import annotations

from pathlib import Path

import click


def read_input(path: Path, limit: int, what: str) -> bytes:
    """The file's bytes; a click error (Russian) when it is missing, unreadable or over `limit`."""
    try:
        if path.stat().st_size > limit:
            raise click.ClickException(f"{path}: файл слишком большой для {what}")
        return path.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"не удалось прочитать {path}: {exc.strerror}") from exc
