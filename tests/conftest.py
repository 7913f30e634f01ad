"""Shared fixtures: real Dovecot and SMTP servers on loopback, a bot config, an organisations registry."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from bot import DEFAULT_RULES_DIR
from bot import config as config_mod
from bot import rules as rules_mod
from bot.clock import MOSCOW
from bot.store import Store
from tests.support.dovecot import Dovecot
from tests.support.smtp import SmtpServer

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

BOT_ADDRESS = "ib-bot@tfoms.example"
INFOSEC_HEAD = "ib-head@tfoms.example"

REGISTRY_CSV = """inn,ogrn,name,email,vipnet_node,short_name
2901052450,1022900509521,ГБУЗ АО «Архангельская городская клиническая поликлиника № 1»,mo1@poliklinika1.example,29(АГКП1) Секретарь,АГКП1
2921003130,1022901440001,ГБУЗ АО «Котласская центральная городская больница»,mo2@kotlas-crb.example;secretary@kotlas-crb.example,29(КЦГБ) Канцелярия,КЦГБ
7704103750,1027739362474,АО «Страховая компания «СОГАЗ-Мед» (Архангельский филиал),smo@sogaz.example,29(СОГАЗ-Мед) ИБ,СОГАЗ-Мед
"""


class EarlyMorningClock:
    """Today, at 07:00 Moscow time: before working hours and the digest's time, so the bot
    sends only replies. The mail-loop tests run in real time; pinning the time of day keeps
    them from depending on when the suite happens to run."""

    def now(self) -> datetime:
        return datetime.now(MOSCOW).replace(hour=7, minute=0, second=0, microsecond=0)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    # Not under pytest's tmp dir: that is 0700 root, and Dovecot's own users must reach it.
    root = Path(tempfile.mkdtemp(prefix="vcb-dovecot-"))
    root.chmod(0o755)
    server = Dovecot(root)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer(infosec_head=INFOSEC_HEAD)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def registry_csv(tmp_path: Path) -> Path:
    path = tmp_path / "organisations.csv"
    path.write_text(REGISTRY_CSV, encoding="utf-8")
    return path


def write_config(tmp_path: Path, registry_csv: Path, *, imap: dict | None = None, smtp: dict | None = None,
                 maildir: Path | None = None, pickup: Path | None = None) -> Path:
    lines = ["[bot]", f'address = "{BOT_ADDRESS}"', f'infosec_head = "{INFOSEC_HEAD}"',
             f'state_dir = "{tmp_path / "state"}"', f'organisations = "{registry_csv}"', ""]
    if imap:
        password_file = tmp_path / "imap-password"
        password_file.write_text(imap.pop("password") + "\n")
        lines += ["[imap]"] + [f'{k} = {v!r}' if isinstance(v, int) else f'{k} = "{v}"' for k, v in imap.items()]
        lines += [f'password_file = "{password_file}"', ""]
    if smtp:
        lines += ["[smtp]"] + [f'{k} = {v!r}' if isinstance(v, int) else f'{k} = "{v}"' for k, v in smtp.items()]
        lines.append("")
    if maildir:
        lines += ["[maildir]", f'path = "{maildir}"', ""]
    if pickup:
        lines += ["[pickup]", f'dir = "{pickup}"', ""]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_imap_config(tmp_path: Path, registry_csv: Path, dovecot: Dovecot, smtp_port: int) -> tuple[Path, str]:
    """A fresh mailbox user on this Dovecot and a config for it and the SMTP server: (config path, user)."""
    user, password = dovecot.add_user()
    path = write_config(
        tmp_path, registry_csv,
        imap={"host": "127.0.0.1", "port": dovecot.port, "security": "none", "user": user, "password": password},
        smtp={"host": "127.0.0.1", "port": smtp_port, "security": "none"},
    )
    return path, user


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """An empty store in tmp_path/state (the state dir write_config points at)."""
    s = Store(tmp_path / "state")
    yield s
    s.close()


@pytest.fixture
def rules() -> rules_mod.Rules:
    return rules_mod.load(DEFAULT_RULES_DIR)


@pytest.fixture
def imap_setup(tmp_path: Path, dovecot: Dovecot, smtp_server: SmtpServer, registry_csv: Path):
    """A fresh mailbox user on the test Dovecot and a config pointing the bot at it and at the SMTP server."""
    user, password = dovecot.add_user()
    path = write_config(
        tmp_path, registry_csv,
        imap={"host": "127.0.0.1", "port": dovecot.port, "security": "none", "user": user, "password": password},
        smtp={"host": "127.0.0.1", "port": smtp_server.port, "security": "none"},
    )
    return config_mod.load(path), user
