"""`vipnet-cert-bot check-scan FILE... [--json] [--annotate OUT.png]`: the scan check by hand."""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot import DEFAULT_RULES_DIR
from bot import rules as rules_mod
from bot.commands import config_option, load_context

VERDICT_TEXT = {
    "complete": "заявка принята: есть подпись руководителя, подпись владельца сертификата и печать",
    "incomplete": "заявка НЕ принята, не хватает",
    "review": "проверка не уверена, решает специалист",
    "not_a_form": "во вложении не найдена заявка на изготовление сертификата",
    "unreadable": "скан не удалось прочитать",
}
FIELD_TEXT = {
    "organisation": "Организация", "inn": "ИНН", "ogrn": "ОГРН", "snils": "СНИЛС",
    "owner_name": "Владелец", "position": "Должность", "vipnet_node": "Узел ViPNet",
}


def _rules(config_path: Path | None) -> rules_mod.Rules:
    if config_path is not None:
        return load_context(str(config_path)).rules
    try:
        return rules_mod.load(DEFAULT_RULES_DIR)
    except rules_mod.RulesError as exc:
        raise click.ClickException(str(exc)) from exc


def _yes(value: bool | None) -> str:
    return "нет данных" if value is None else ("да" if value else "НЕТ")


@click.command("check-scan")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Напечатать один объект JSON.")
@click.option("--annotate", type=click.Path(path_type=Path, dir_okay=False),
              help="Записать страницу с разметкой (PNG): метки, зоны подписей, печать.")
@config_option
def check_scan(files: tuple[Path, ...], as_json: bool, annotate: Path | None, config_path: Path | None) -> None:
    """Проверить скан заявки: форма, подписи руководителя и владельца сертификата, печать."""
    from bot.scan import annotate as annotate_mod
    from bot.scan import check_files, defect_texts

    rules = _rules(config_path)
    analyses: list | None = [] if annotate else None
    result = check_files(list(files), rules, annotate=analyses)
    if annotate and analyses is not None and not annotate_mod.write(analyses, annotate) and not as_json:
        click.echo(f"Разметку записать не удалось: {annotate}", err=True)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        return
    click.echo(f"Итог: {VERDICT_TEXT[result.verdict]}" + (":" if result.verdict == "incomplete" else "."))
    if result.verdict == "incomplete":
        for text in defect_texts(result.defects, rules):
            click.echo(f"  - {text}")
    if result.verdict in ("unreadable", "review") and result.reason:
        click.echo(f"Причина: {result.reason}")
    if result.form:
        click.echo(f"Подпись руководителя: {_yes(result.manager)}; подпись владельца: {_yes(result.owner)}; "
                   f"печать: {_yes(result.seal)}")
        for key, title in FIELD_TEXT.items():
            value = result.fields.get(key)
            if value:
                mark = ""
                if key in result.valid:
                    mark = " (контрольная сумма верна)" if result.valid[key] else " (контрольная сумма НЕ сходится)"
                click.echo(f"{title}: {value}{mark}")
        for key, seen in result.unsure_fields.items():
            click.echo(f"{FIELD_TEXT.get(key, key)}: прочитано «{seen}», контрольная сумма НЕ сходится — не принято")
    for f in result.files:
        if not f.ok:
            click.echo(f"Файл {f.name}: не прочитан ({f.code})")
    click.echo(f"Страниц: {len(result.pages)}, время: {result.seconds:.1f} с")


COMMANDS = [check_scan]
