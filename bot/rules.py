"""Policy as data: everything under rules/ is loaded and validated here, at start-up.

Each rules/*.toml file becomes a section (by its stem); reply texts are Jinja2
templates under rules/templates/. A bad file is reported when the bot starts,
not when the first letter needs it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any

import jinja2

from bot import russian


class RulesError(Exception):
    """A rules file is missing or invalid; the message names the file and the key."""


@dataclass(frozen=True)
class Rules:
    dir: Path
    sections: dict[str, dict[str, Any]]
    templates: jinja2.Environment

    def section(self, name: str) -> dict[str, Any]:
        try:
            return self.sections[name]
        except KeyError as exc:
            raise RulesError(f"нет файла правил {self.dir / (name + '.toml')}") from exc

    def value(self, name: str, dotted: str) -> Any:
        """rules.value("mail", "folders.review") -> the value, or RulesError naming the key."""
        node: Any = self.section(name)
        for key in dotted.split("."):
            if not isinstance(node, dict) or key not in node:
                raise RulesError(f"{self.dir / (name + '.toml')}: нет ключа {dotted}")
            node = node[key]
        return node

    def render(self, template: str, **context: Any) -> str:
        try:
            return self.templates.get_template(template).render(**context)
        except jinja2.TemplateNotFound as exc:
            raise RulesError(f"нет шаблона {self.dir / 'templates' / template}") from exc


def load(rules_dir: Path) -> Rules:
    if not rules_dir.is_dir():
        raise RulesError(f"папка правил не найдена: {rules_dir}")
    sections: dict[str, dict[str, Any]] = {}
    for path in sorted(rules_dir.glob("*.toml")):
        try:
            sections[path.stem] = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise RulesError(f"ошибка синтаксиса в {path}: {exc}") from exc
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(rules_dir / "templates"),
        undefined=jinja2.StrictUndefined,  # a typo in a template fails loudly, not silently empty
        autoescape=jinja2.select_autoescape(["html.j2"], default_for_string=False, default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # rules/letters.toml (the signature block) is read by every letter's template
    env.globals["letters"] = sections.get("letters", {})
    # rules/policy.toml [procedure]: where organisations send the scan (named in every reply)
    env.globals["procedure"] = sections.get("policy", {}).get("procedure", {})
    env.filters["days"] = russian.days            # {{ 3|days }} -> «3 дня»
    env.filters["plural"] = russian.plural        # {{ n|plural("сертификат", "сертификата", "сертификатов") }}
    return Rules(dir=rules_dir, sections=sections, templates=env)


def duty_name(rules: Rules, name: str) -> str:
    """A scheduled duty's name for people (rules/names.toml [duties]); the code name when none."""
    return str(rules.sections.get("names", {}).get("duties", {}).get(name, name))


# Typed readers for rules sections: a wrong value stops the start with a message that
# names the file and the key (in Russian, like every rules error).

def read_int(sec: dict[str, Any], key: str, default: int, where: str, file: str) -> int:
    value = sec.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise RulesError(f"{file}: {where}.{key} — нужно целое число ≥ 0")
    return value


def read_int_list(sec: dict[str, Any], key: str, default: list[int], where: str, file: str) -> tuple[int, ...]:
    """A list of whole numbers ≥ 0, largest first, without repeats."""
    value = sec.get(key, default)
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                                              for v in value):
        raise RulesError(f"{file}: {where}.{key} — нужен список целых чисел ≥ 0")
    return tuple(sorted(set(value), reverse=True))


def read_str(sec: dict[str, Any], key: str, default: str, where: str, file: str) -> str:
    value = sec.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise RulesError(f"{file}: {where}.{key} — нужна непустая строка")
    return value


def read_time(sec: dict[str, Any], key: str, default: str, where: str, file: str) -> time:
    value = sec.get(key, default)
    if isinstance(value, time):  # TOML local times arrive parsed
        return value
    try:
        return time.fromisoformat(str(value))
    except ValueError as exc:
        raise RulesError(f"{file}: {where}.{key} — нужно время ЧЧ:ММ") from exc
