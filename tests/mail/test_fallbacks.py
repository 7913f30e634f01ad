"""A server without MOVE and IDLE, with "." between folder levels: COPY + \\Deleted + UID EXPUNGE,
polling, and «Заявки/Обработано» made as «Заявки.Обработано»."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import load
from bot.daemon import Daemon
from bot.letters import Draft
from tests.conftest import EarlyMorningClock, write_config
from tests.support.daemon import running
from tests.support.dovecot import Dovecot
from tests.support.smtp import SmtpServer

pytestmark = pytest.mark.imap

KNOWN = "ГБУЗ АО АГКП1 <mo1@poliklinika1.example>"


@pytest.fixture(scope="module")
def plain_dovecot() -> Iterator[Dovecot]:
    root = Path(tempfile.mkdtemp(prefix="vcb-dovecot-plain-"))
    root.chmod(0o755)
    server = Dovecot(root, capabilities="IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE NAMESPACE UIDPLUS",
                     separator=".")
    server.start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


def test_without_move_and_idle(tmp_path: Path, registry_csv: Path, plain_dovecot: Dovecot,
                               smtp_server: SmtpServer, rules, monkeypatch: pytest.MonkeyPatch) -> None:
    user, password = plain_dovecot.add_user()
    config = load(write_config(
        tmp_path, registry_csv,
        imap={"host": "127.0.0.1", "port": plain_dovecot.port, "security": "none", "user": user,
              "password": password},
        smtp={"host": "127.0.0.1", "port": smtp_server.port, "security": "none"},
    ))
    with plain_dovecot.client(user) as client:
        caps = client.capabilities()
        assert b"MOVE" not in caps and b"IDLE" not in caps
        client.append("INBOX", Draft(sender=KNOWN, subject="Реестр счетов").build())
        client.select_folder("INBOX")
        # someone else's message marked \\Deleted must survive our expunge (UID EXPUNGE, RFC 4315)
        client.add_flags(client.search(["ALL"]), [b"\\Deleted"])
    # Poll every second instead of IDLE.
    section = dict(rules.section("mail"))
    section["intake"] = {**section["intake"], "idle_check_seconds": 1}
    monkeypatch.setitem(rules.sections, "mail", section)
    with running(Daemon(config, rules, EarlyMorningClock())):
        with plain_dovecot.client(user) as client:
            client.append("INBOX", Draft(sender=KNOWN).build())
        assert len(smtp_server.wait_for(1, timeout=10)) == 1
    with plain_dovecot.client(user) as client:
        assert client.folder_exists("Заявки.Обработано")
        client.select_folder("Заявки.Обработано", readonly=True)
        assert len(client.search(["ALL"])) == 1
        client.select_folder("INBOX", readonly=True)
        assert len(client.search(["ALL"])) == 1  # only the unrelated letter, still flagged, not expunged


@pytest.fixture(scope="module")
def bare_dovecot() -> Iterator[Dovecot]:
    """Neither MOVE nor UIDPLUS: only COPY, STORE and a plain EXPUNGE would be left."""
    root = Path(tempfile.mkdtemp(prefix="vcb-dovecot-bare-"))
    root.chmod(0o755)
    server = Dovecot(root, capabilities="IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE NAMESPACE")
    server.start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


def test_without_move_and_uidplus_nothing_is_expunged(tmp_path: Path, registry_csv: Path, bare_dovecot: Dovecot,
                                                       smtp_server: SmtpServer, rules) -> None:
    from tinydb import Query

    from bot.store import Store
    from tests.conftest import write_imap_config

    path, user = write_imap_config(tmp_path, registry_csv, bare_dovecot, smtp_server.port)
    config = load(path)
    with bare_dovecot.client(user) as client:
        caps = client.capabilities()
        assert b"MOVE" not in caps and b"UIDPLUS" not in caps
        client.append("INBOX", Draft(sender=KNOWN, subject="Чужое письмо, помеченное к удалению").build())
        client.select_folder("INBOX")
        client.add_flags(client.search(["ALL"]), [b"\\Deleted"])  # the InfoSec head's own, not yet expunged
        client.append("INBOX", Draft(sender=KNOWN, message_id="<bare-1@mo.example>").build())
    results = Daemon(config, rules, EarlyMorningClock()).run_once()
    assert [r["decision"] for r in results] == ["accept"]
    assert len(smtp_server.wait_for(1)) == 1
    with bare_dovecot.client(user) as client:
        client.select_folder("Заявки/Обработано", readonly=True)
        assert len(client.search(["ALL"])) == 1                   # the copy is filed
        client.select_folder("INBOX", readonly=True)
        flags = client.get_flags(client.search(["ALL"]))
        assert len(flags) == 2                                    # someone else's survives, ours only flagged
        assert all(b"\\Deleted" in f for f in flags.values())
    store = Store(config.bot.state_dir)
    try:
        (row,) = store.messages.search(Query().state == "filed")
        assert row["filed_how"] == "copied_flagged"
    finally:
        store.close()
    # the flagged original is in the ledger as filed: not taken again, not answered twice
    assert Daemon(config, rules, EarlyMorningClock()).run_once() == []
    import time

    time.sleep(0.3)
    assert len(smtp_server.replies) == 1
