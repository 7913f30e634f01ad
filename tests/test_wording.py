"""What people read is Russian: number words, the Russian names of decisions, the command line's errors."""

from __future__ import annotations

import pkgutil
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import bot.pipeline.decisions
from bot.cli import main
from bot.digest.settings import load_digest
from bot.rules import Rules
from bot.russian import days, plural


@pytest.mark.parametrize(("n", "text"), [(0, "0 дней"), (1, "1 день"), (2, "2 дня"), (4, "4 дня"), (5, "5 дней"),
                                         (11, "11 дней"), (12, "12 дней"), (14, "14 дней"), (21, "21 день"),
                                         (22, "22 дня"), (25, "25 дней"), (111, "111 дней"), (-3, "3 дня")])
def test_days_in_whole_words(n: int, text: str) -> None:
    assert days(n) == text


def test_the_days_filter_in_templates(rules: Rules) -> None:
    env = rules.templates
    assert env.from_string("через {{ n|days }}").render(n=3) == "через 3 дня"
    assert env.from_string("{{ n }} {{ n|plural('час', 'часа', 'часов') }}").render(n=6) == "6 часов"
    assert plural(1, "час", "часа", "часов") == "час"


def test_every_decision_has_a_russian_text(rules: Rules) -> None:
    names = load_digest(rules).decision_names
    decisions = {m.name for m in pkgutil.iter_modules(bot.pipeline.decisions.__path__)}
    missing = sorted((decisions | {"processing_failed"}) - set(names))
    assert not missing, f"rules/names.toml [decisions] lacks: {missing}"
    for name, text in names.items():
        assert re.search("[а-я]", text) and not re.search("[A-Za-z]{4,}", text.replace("ViPNet", "")
                                                            .replace("MIME", "").replace("journalctl", "")
                                                            .replace("vipnet-cert-bot", "")), name


def test_the_review_detail_never_shows_the_code_reason(rules: Rules) -> None:
    settings = load_digest(rules)
    hits = [{"decision": "unknown_sender", "reason": "sender 'x@y' is not in the registry"},
            {"decision": "processing_failed", "reason": "failed 3 times: RuntimeError"}]
    texts = settings.decision_texts(hits)
    assert texts == [settings.decision_names["unknown_sender"], settings.decision_names["processing_failed"]]
    assert not any("registry" in t or "failed" in t for t in texts)


@pytest.mark.parametrize("args", [["cases", "--bogus"], ["case", "show"], ["nosuch"], ["case", "a", "b"],
                                  ["cases", "--config", "/nonexistent/config.toml"]])
def test_command_line_errors_are_russian(args: list[str], tmp_path: Path) -> None:
    result = CliRunner().invoke(main, args, env={"VIPNET_CERT_BOT_CONFIG": str(tmp_path / "none.toml")})
    assert result.exit_code != 0
    assert "Ошибка:" in result.output and "Error" not in result.output, result.output
    assert "Usage" not in result.output and "Try" not in result.output, result.output


def test_help_is_russian() -> None:
    result = CliRunner().invoke(main, ["request", "add", "--help"])
    assert result.exit_code == 0
    assert "request add [ПАРАМЕТРЫ]" in result.output and "Использование:" in result.output
    assert "Параметры:" in result.output and "[обязательно]" in result.output
    assert not re.search(r"\b(Usage|Options|TEXT|required)\b", result.output), result.output
