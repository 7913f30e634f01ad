"""`export`: the register of applications, certificates and paper documents for inspections."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import click

from bot import export as export_mod
from bot import logs
from bot.cases.repo import all_cases
from bot.commands import Context, with_context
from bot.commands.cases import _now, _policy, parse_date
from bot.commands.identity import by_option, who

log = logs.get("bot.commands.export")
FORMATS = ("xlsx", "csv")


def _write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Write through a temp file in the same folder, then rename: no half-written register."""
    fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@click.command("export")
@click.option("--from", "date_from", default=None,
              help="Начало периода (ГГГГ-ММ-ДД или ДД.ММ.ГГГГ), по умолчанию 1 января текущего года.")
@click.option("--to", "date_to", default=None, help="Конец периода, по умолчанию сегодня.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="xlsx (по умолчанию) или csv; без него — по расширению файла --output.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Куда записать (по умолчанию реестр_С_ПО.xlsx в текущей папке).")
@click.option("--force", is_flag=True, help="Перезаписать существующий файл.")
@by_option
@with_context
def export_cmd(ctx: Context, date_from: str | None, date_to: str | None, fmt: str | None,
               output: Path | None, force: bool, by: str | None) -> None:
    """Реестр для проверок: заявки, сертификаты, бумажные документы, сроки и просрочки.

    В реестр попадают дела, по которым за период было событие или которые были открыты
    в этот период. Состояние и отметки о просрочке — на конец периода (или на сегодня,
    если он ещё не наступил).
    """
    now = _now(ctx)
    today = now.date()
    policy = _policy(ctx)
    start = parse_date(date_from, "--from", today) if date_from else today.replace(month=1, day=1)
    end = parse_date(date_to, "--to", today, future_ok=True) if date_to else today
    if start > end:
        raise click.ClickException(f"начало периода ({start:%d.%m.%Y}) позже конца ({end:%d.%m.%Y})")
    if fmt is None:
        fmt = "csv" if output is not None and output.suffix.lower() == ".csv" else "xlsx"
    if output is None:
        output = Path(f"реестр_{start.isoformat()}_{end.isoformat()}.{fmt}")
    if output.exists() and not force:
        raise click.ClickException(f"файл {output} уже есть; укажите другой --output или --force")
    if not output.parent.is_dir():
        raise click.ClickException(f"папки {output.parent} нет")
    store = ctx.store()
    try:
        with store.transaction():
            cases = all_cases(store)
    finally:
        store.close()
    register = export_mod.build(cases, policy, date_from=start, date_to=end, today=today)
    operator = who(by)
    try:
        if fmt == "csv":
            data = export_mod.to_csv(register)
            _write_atomically(output, lambda p: p.write_bytes(data))
        else:
            _write_atomically(output, lambda p: export_mod.to_xlsx(register, p, made_at=now, by=operator))
    except OSError as exc:
        raise click.ClickException(f"не удалось записать {output}: {exc.strerror}") from exc
    log.info("register exported", path=str(output), format=fmt, rows=len(register.rows), by=operator,
             date_from=start.isoformat(), date_to=end.isoformat())
    click.echo(f"Реестр за {start:%d.%m.%Y}–{end:%d.%m.%Y} (дел: {len(register.rows)}, состояние на "
               f"{register.as_of:%d.%m.%Y}) записан в {output}.")


COMMANDS = [export_cmd]
