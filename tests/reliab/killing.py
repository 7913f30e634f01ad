"""Kill trials: a real `python -m bot run` process against the real Dovecot and SMTP server,
killed with SIGKILL at a named point (bot/crashpoint.py) or at a random moment; then runs
without a crash until everything is done. Counts what was lost and what was done twice.

Used by tests/reliab/test_kill.py (a few trials in `make test`) and by the soak
(`make bench-kill`, 30 random kills and 30 at each point).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot import crashpoint
from bot.config import load
from bot.letters import Draft
from tests.conftest import EarlyMorningClock, write_imap_config
from tests.mail.test_imap_loop import append, folder_subjects
from tests.support.dovecot import Dovecot
from tests.support.smtp import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
KNOWN = "ГБУЗ АО АГКП1 <mo1@poliklinika1.example>"


@dataclass
class Trial:
    point: str                 # a crash point, or "random"
    nth: int                   # which time the point is reached (random: the delay in ms)
    killed: bool = False
    letters: int = 0
    answered: int = 0
    duplicates: int = 0
    lost: int = 0              # neither received nor shown as unsure
    unsure_shown: int = 0      # outbox rows left `sending` (listed for the InfoSec head)
    runs: int = 0
    leftovers: int = 0         # temp files of the killed run still there after the clean runs
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.duplicates == 0 and self.lost == 0


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != crashpoint.ENV}
    env.update({"OMP_THREAD_LIMIT": "1", "VIPNET_CERT_BOT_NOW": EarlyMorningClock().now().isoformat()}, **extra)
    return env


def run_bot(config_path: Path, *args: str, extra: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "run", "--config", str(config_path), *args], cwd=ROOT,
                          env=_env(extra or {}), capture_output=True, text=True, timeout=timeout)


def _store_rows(state_dir: Path) -> dict[str, dict]:
    data = json.loads((state_dir / "store.json").read_text(encoding="utf-8"))
    return {"messages": data.get("messages", {}), "outbox": data.get("outbox", {})}


def trial(dovecot: Dovecot, smtp: SmtpServer, workdir: Path, registry_csv: Path, point: str, nth: int,
          letters: int = 3) -> Trial:
    """One trial: `letters` letters, one kill, then clean runs until the mailbox and the queue are done."""
    workdir.mkdir(parents=True, exist_ok=True)
    config_path, user = write_imap_config(workdir, registry_csv, dovecot, smtp.port)
    config = load(config_path)
    tag = f"{point}-{nth}-{user}"
    ids = [f"<kill-{tag}-{i}@mo.example>" for i in range(letters)]
    append(dovecot, user, *[Draft(sender=KNOWN, message_id=mid) for mid in ids])
    result = Trial(point=point, nth=nth, letters=letters)
    if point == "random":
        proc = subprocess.Popen([sys.executable, "-m", "bot", "run", "--config", str(config_path)], cwd=ROOT,
                                env=_env({}), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(nth / 1000)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        result.killed = True
    else:
        first = run_bot(config_path, "--once", extra={crashpoint.ENV: f"{point}:{nth}"})
        result.killed = first.returncode == -signal.SIGKILL
        if first.returncode not in (0, -signal.SIGKILL):
            result.notes.append(f"first run rc={first.returncode}: {first.stderr[-500:]}")
    result.runs = 1
    for _ in range(4):  # clean runs until nothing waits
        done = run_bot(config_path, "--once")
        result.runs += 1
        if done.returncode != 0:
            result.notes.append(f"run rc={done.returncode}: {done.stderr[-800:]}")
        rows = _store_rows(config.bot.state_dir)
        waiting = any(o.get("state") == "pending" for o in rows["outbox"].values())
        if not waiting and folder_subjects(dovecot, user, "INBOX") == []:
            break
    time.sleep(0.3)
    received = Counter(str(r.message["In-Reply-To"]) for r in smtp.replies if str(r.message["In-Reply-To"]) in ids)
    rows = _store_rows(config.bot.state_dir)
    unsure = {o.get("ref") for o in rows["outbox"].values() if o.get("state") == "sending"}
    by_id = {m.get("message_id"): m for m in rows["messages"].values()}
    result.answered = sum(1 for i in ids if received[i])
    result.duplicates = sum(c - 1 for c in received.values() if c > 1)
    for mid in ids:
        row = by_id.get(mid)
        if received[mid]:
            continue
        if row is not None and row.get("key") in unsure:
            result.unsure_shown += 1
            continue
        result.lost += 1
        result.notes.append(f"lost {mid}: ledger {row and row.get('state')}")
    result.unsure_shown += sum(1 for o in rows["outbox"].values()
                               if o.get("state") == "sending" and o.get("kind") == "reply"
                               and any(received[i] for i in ids if by_id.get(i, {}).get("key") == o.get("ref")))
    result.leftovers = len(list(config.bot.state_dir.glob(".store.json.*")))
    if folder_subjects(dovecot, user, "INBOX"):
        result.notes.append("letters left in INBOX")
        result.lost += len(folder_subjects(dovecot, user, "INBOX"))
    return result


def random_trials(n: int, seed: int = 11) -> list[tuple[str, int]]:
    rng = random.Random(seed)
    return [("random", rng.randint(300, 4000)) for _ in range(n)]


def point_trials(n: int, seed: int = 12) -> list[tuple[str, int]]:
    """n trials at each crash point, at a random reach of it (store_write is reached far more often)."""
    rng = random.Random(seed)
    reach = {"after_claim": 3, "after_commit": 3, "after_smtp_accept": 3, "store_write": 14}
    return [(p, rng.randint(1, reach[p])) for p in crashpoint.POINTS for _ in range(n)]
