"""Configuration: the documented keys, secrets from files only, clear errors in Russian."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load, parse

BASE = {"bot": {"address": "bot@x", "infosec_head": "ib@x", "state_dir": "state", "organisations": "orgs.csv"}}


def test_full_config(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("s3cret\n")
    cfg = parse({**BASE,
                 "imap": {"host": "mail", "user": "ib", "password_file": "pw"},
                 "smtp": {"host": "mail", "port": 25, "security": "none"}}, base=tmp_path)
    assert cfg.imap and cfg.imap.port == 993 and cfg.imap.security == "ssl" and cfg.imap.folder == "INBOX"
    assert cfg.imap.verify_tls is True
    assert cfg.imap.password.read() == "s3cret"
    assert "s3cret" not in repr(cfg)
    assert cfg.bot.state_dir == tmp_path / "state"


def test_password_in_toml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="password_file"):
        parse({**BASE, "imap": {"host": "h", "user": "u", "password": "x"}, "pickup": {"dir": "o"}}, base=tmp_path)


def test_systemd_credential_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "imap-password").write_text("from-credential")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    cfg = parse({**BASE, "imap": {"host": "h", "user": "u"}, "pickup": {"dir": "o"}}, base=tmp_path)
    assert cfg.imap and cfg.imap.password.read() == "from-credential"


@pytest.mark.parametrize("raw,message", [
    ({}, r"\[bot\]"),
    ({"bot": {"address": "a"}}, "infosec_head"),
    ({**BASE}, r"\[imap\]"),
    ({**BASE, "imap": {"host": "h", "user": "u", "security": "tls"}, "pickup": {"dir": "o"}}, "security"),
    ({**BASE, "imap": {"host": "h", "user": "u", "port": "x"}, "pickup": {"dir": "o"}}, "port"),
    ({**BASE, "maildir": {"path": "m"}}, r"\[smtp\]"),
])
def test_errors_name_the_key(tmp_path: Path, raw: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse(raw, base=tmp_path)


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="не найден"):
        load(tmp_path / "nope.toml")
    (tmp_path / "bad.toml").write_text("[bot\n")
    with pytest.raises(ConfigError, match="TOML"):
        load(tmp_path / "bad.toml")
