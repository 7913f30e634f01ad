"""`make demo`: the embedded default (Maildir + pickup) shows every path of the chain."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main

pytestmark = pytest.mark.ocr


def test_demo_table(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    lines = {line[:52].strip(): line for line in result.output.splitlines()}
    assert "скан принят" in lines["Скан с подписями и печатью (запрос уже есть)"]
    assert "нет подписи владельца" in lines["Нет подписи владельца; тема в cp1251 с «RE:»"]
    assert "обработано, ответ отправлен" in lines["Тема в koi8-r, без вложения"]
    # the reasons in Russian (rules/names.toml, the digest's short names), never the code's names
    assert "возможная подмена отправителя" in lines["Имя узла ViPNet с чужого адреса"]  # a display name proves nothing
    assert "автоматическое письмо" in lines["Автоответ (Auto-Submitted)"]
    assert "неизвестный отправитель" in lines["Неизвестный отправитель"]
    assert "рассылки" in lines["Рассылка (List-Id)"]
    assert not any(code in text for text in lines.values()
                   for code in ("sender_spoof", "auto_submitted", "unknown_sender", "mailing_list"))
    assert "оставлено во входящих" in lines["Другая тема: не заявка"]
    letters = [message_from_bytes(p.read_bytes(), policy=policy.default)
               for p in sorted((tmp_path / "demo" / "outgoing").glob("*.eml"))]
    assert sum(m["Auto-Submitted"] == "auto-replied" for m in letters) == 3  # the replies
    rejected = [m.get_content() for m in letters if "Скан заявки не принят" in m.get_body(("plain",)).get_content()]
    assert rejected and "нет подписи владельца сертификата" in rejected[0]
    assert "в цвете с разрешением 300 dpi" in rejected[0]  # a mark the check could not see: how to rescan
    # the InfoSec head's alert about the unknown sender (and the digest, when the demo runs after its hour)
    assert "[оповещение]" in result.output
    assert "Получен полный набор документов" in result.output
