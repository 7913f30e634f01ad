"""`registry diff|import nodename.doc`: the organisations' ViPNet nodes from the address book."""

from __future__ import annotations

from pathlib import Path

import click

from bot import logs
from bot import registry as registry_mod
from bot import registry_sync as sync
from bot.cases.policy import load_policy
from bot.commands import Context, with_context
from bot.commands.cases import _now
from bot.commands.files import read_input
from bot.commands.identity import by_option, who
from bot.nodename import Node, NodenameError, node_head, parse
from bot.rules import RulesError

log = logs.get("bot.commands.registry")
MAX_BOOK = 16 << 20
CHANGES_TABLE = "registry_changes"


def _book(path: Path) -> list[Node]:
    data = read_input(path, MAX_BOOK, "адресной книги ViPNet")
    try:
        return parse(data)
    except NodenameError as exc:
        raise click.ClickException(f"{path}: {exc}") from exc


def _diff(ctx: Context, book: Path) -> tuple[sync.Table, sync.Diff]:
    nodes = _book(book)
    try:
        table = sync.read_table(ctx.config.bot.organisations)
        own = node_head(load_policy(ctx.rules).scan_to)
    except (registry_mod.RegistryError, RulesError) as exc:
        raise click.ClickException(str(exc)) from exc
    return table, sync.compute(table, nodes, own_heads=[own] if own else [])


@click.group("registry")
def registry_group() -> None:
    """Реестр организаций и адресная книга ViPNet (nodename.doc)."""


@registry_group.command("diff")
@click.argument("book", metavar="NODENAME.DOC", type=click.Path(dir_okay=False, path_type=Path))
@with_context
def registry_diff(ctx: Context, book: Path) -> None:
    """Сравнить реестр организаций с адресной книгой ViPNet: новые, изменившиеся, исчезнувшие узлы."""
    table, diff = _diff(ctx, book)
    click.echo(sync.render(table, diff))


@registry_group.command("import")
@click.argument("book", metavar="NODENAME.DOC", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--apply", "do_apply", is_flag=True,
              help="Записать изменения в реестр (прежний файл сохраняется рядом как .bak).")
@by_option
@with_context
def registry_import(ctx: Context, book: Path, do_apply: bool, by: str | None) -> None:
    """Обновить узлы ViPNet организаций в реестре по адресной книге (без --apply — только показать)."""
    table, diff = _diff(ctx, book)
    click.echo(sync.render(table, diff))
    if not diff.changed:
        click.echo("Менять в реестре нечего.")
        return
    if not do_apply:
        click.echo("Реестр не изменён; чтобы записать изменения, повторите с --apply.")
        return
    now = _now(ctx)
    operator = who(by)
    try:
        backup = sync.apply(table, diff, now=now)
    except registry_mod.RegistryError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"не удалось записать реестр: {exc.strerror}") from exc
    store = ctx.store()
    try:
        with store.transaction():
            store.table(CHANGES_TABLE).insert({
                "at": now.isoformat(), "by": operator, "book": str(book), "registry": str(table.path),
                "backup": str(backup), "changed": [c.inn for c in diff.changed],
            })
    finally:
        store.close()
    log.info("registry nodes updated", registry=str(table.path), changed=len(diff.changed), by=operator)
    click.echo(f"Реестр {table.path} обновлён (организаций: {len(diff.changed)}); прежний — {backup}.")


COMMANDS = [registry_group]
