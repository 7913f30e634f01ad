"""SIGTERM mid-way: the bot (a real `python -m bot run` process against Dovecot + SMTP) exits 0 promptly,
and nothing is lost or duplicated: a second run answers the rest, each letter exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from tinydb import Query

from bot.letters import Draft
from bot.store import Store
from tests.digest.seed import scangen_module
from tests.mail.test_imap_loop import append, folder_subjects

pytestmark = [pytest.mark.imap, pytest.mark.ocr]
ROOT = Path(__file__).resolve().parents[2]
KNOWN = "ГБУЗ АО АГКП1 <mo1@poliklinika1.example>"
LETTERS = 4
ARTIFACTS = ROOT / "test-artifacts"


def bot(config: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    return subprocess.Popen([sys.executable, "-m", "bot", "run", "--config", str(config), *args], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _filed(state_dir: Path) -> int:
    """Letters filed so far, read from the store file (the bot's process writes it)."""
    path = state_dir / "store.json"
    if not path.exists():
        return 0
    try:
        rows = json.loads(path.read_text(encoding="utf-8")).get("messages", {}).values()
    except ValueError:
        return 0
    return sum(1 for r in rows if r.get("state") == "filed")


def test_sigterm_mid_way_loses_and_duplicates_nothing(imap_setup, dovecot, smtp_server) -> None:
    config, user = imap_setup
    # a covering letter instead of the application: OCR takes a second or two, then a reply goes out
    scan, _, _ = scangen_module().make_case(5, force={"kind": "letter", "fmt": "png", "dpi": 150, "multi": False,
                                                      "rotation": 0})
    ids = [f"<sigterm-{i}@mo.example>" for i in range(LETTERS)]
    append(dovecot, user, *[Draft(sender=KNOWN, message_id=mid, attachments=[("заявка.png", scan)])
                            for mid in ids])
    proc = bot(config.source)
    try:
        deadline = time.monotonic() + 60
        while _filed(config.bot.state_dir) < 1 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert proc.poll() is None and _filed(config.bot.state_dir) >= 1, proc.communicate(timeout=30)[0][-3000:]
        stopped_at = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
        took = time.monotonic() - stopped_at
    finally:
        if proc.poll() is None:
            proc.kill()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "sigterm-run.log").write_text(out, encoding="utf-8")
    assert proc.returncode == 0, out[-3000:]
    assert "stop requested" in out and "bot stopped" in out
    assert took < 30, f"stopped after {took:.1f}s"
    first = len(smtp_server.received)

    # the rest, by a second run
    rest = bot(config.source, "--once")
    out2, _ = rest.communicate(timeout=120)
    assert rest.returncode == 0, out2[-3000:]
    replies = Counter(r.message["In-Reply-To"] for r in smtp_server.wait_for(LETTERS, timeout=10))
    assert replies == Counter(ids), (first, replies)  # each letter answered exactly once
    store = Store(config.bot.state_dir)
    try:
        rows = store.messages.all()
        assert len(rows) == LETTERS and all(r["state"] == "filed" for r in rows)
        assert store.outbox.count(Query().state == "pending") == 0
    finally:
        store.close()
    assert folder_subjects(dovecot, user, "INBOX") == []
    assert len(folder_subjects(dovecot, user, "Заявки/Обработано")) == LETTERS
