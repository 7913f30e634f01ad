"""The world of a renewal replayed through the real mail path: one registered organisation
(from a generated scan's ground truth), a Dovecot account and the SMTP test server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import write_config
from tests.support.dovecot import Dovecot
from tests.support.smtp import SmtpServer


def one_organisation_world(tmp_path: Path, dovecot: Dovecot, smtp_server: SmtpServer, truth: dict[str, Any],
                           email: str) -> tuple[Path, str]:
    """Writes the registry and the config; returns (config path, the Dovecot user)."""
    registry = tmp_path / "organisations.csv"
    registry.write_text("inn,ogrn,name,email,vipnet_node\n"
                        f'{truth["inn"]},{truth["ogrn"]},"ГБУЗ АО «АГКП № 1»",{email},29(АГКП1) Секретарь\n',
                        encoding="utf-8")
    user, password = dovecot.add_user()
    config_path = write_config(
        tmp_path, registry,
        imap={"host": "127.0.0.1", "port": dovecot.port, "security": "none", "user": user, "password": password},
        smtp={"host": "127.0.0.1", "port": smtp_server.port, "security": "none"},
    )
    return config_path, user
