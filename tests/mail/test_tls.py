"""TLS to the mailbox: verified by default; a private CA through ca_file; STARTTLS and implicit TLS."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import load
from bot.edge.imap import ImapMailbox
from bot.edge.mailbox import MailboxError
from tests.conftest import write_config
from tests.support.dovecot import Dovecot

pytestmark = pytest.mark.imap


@pytest.fixture(scope="module")
def tls_dovecot() -> Iterator[Dovecot]:
    root = Path(tempfile.mkdtemp(prefix="vcb-dovecot-tls-"))
    root.chmod(0o755)
    server = Dovecot(root, tls=True)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


def config_for(tmp_path: Path, registry_csv: Path, server: Dovecot, security: str, **extra: str):
    port = server.tls_port if security == "ssl" else server.port
    return load(write_config(
        tmp_path, registry_csv,
        imap={"host": "127.0.0.1", "port": port, "security": security, "user": "user1", "password": "secret",
              **extra},
        pickup=tmp_path / "out",
    ))


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_self_signed_certificate_is_refused_by_default(tmp_path, registry_csv, tls_dovecot, security):
    mailbox = ImapMailbox(config_for(tmp_path, registry_csv, tls_dovecot, security).imap, timeout=10)
    with pytest.raises(MailboxError, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        mailbox.connect()


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_private_ca_file_is_trusted(tmp_path, registry_csv, tls_dovecot, security):
    cfg = config_for(tmp_path, registry_csv, tls_dovecot, security, ca_file=str(tls_dovecot.root / "cert.pem"))
    mailbox = ImapMailbox(cfg.imap, timeout=10)
    mailbox.connect()
    try:
        assert mailbox.uidvalidity
        assert mailbox.pending(set()) == []
    finally:
        mailbox.close()
