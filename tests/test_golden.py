"""Golden letters: every letter the bot can send, for one scripted renewal, kept as text in tests/golden/.

The script below walks one sample renewal on a pinned clock through the real code paths: letters
arrive in a Maildir and go through the daemon's intake (the chain, case matching, the reply, the
review alerts; only the slow OCR scan check is replaced by the verdict the step names), the
operator's commands run through the command line, the duties (reminders, warnings, alerts,
rotation) and the digest are the daemon's own functions. Every letter that lands in the outbox is
written as headers that matter + the plain-text body and compared with tests/golden/<name>.txt.

    OMP_THREAD_LIMIT=1 .venv/bin/pytest -q tests/test_golden.py                  # compare
    UPDATE_GOLDEN=1 OMP_THREAD_LIMIT=1 .venv/bin/pytest -q tests/test_golden.py  # regenerate, then read the diff

Adding a letter = adding a Step to SCRIPT (a name, a moment, an action) and regenerating. The
test fails when a letter has no golden, when a golden has no letter, and when a template in
rules/templates/ is rendered by no step (NOT_SENT lists those no code path sends yet).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email import message_from_string, policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
import pytest
from click.testing import CliRunner

from bot import DEFAULT_RULES_DIR, health, outbox, upkeep
from bot import config as config_mod
from bot import rules as rules_mod
from bot.cases.duties import run_duties
from bot.cases.request_folder import import_folder
from bot.cli import main
from bot.clock import MOSCOW
from bot.daemon import Daemon
from bot.digest.duties import outage_alerts, queue_digest
from bot.letters import Draft
from bot.pipeline.model import ACCEPT, Letter, Outcome
from tests.cases.conftest import INN_A, INN_B, INN_C, OGRN_A, OGRN_B, OGRN_C, REGISTRY_CSV
from tests.digest.seed import application

GOLDEN = Path(__file__).parent / "golden"
UPDATE = bool(os.environ.get("UPDATE_GOLDEN"))
HEADERS = ("From", "To", "Reply-To", "Subject", "Auto-Submitted", "In-Reply-To")
BOT = "29(АрхТФОМС) УЦ <uc-bot@tfoms.example>"
HEADS = ["ib-head@tfoms.example", "ib-deputy@tfoms.example"]
MAILBOX = "ib-head@tfoms.example"          # the mailbox the bot reads: the default Reply-To
IVANOV, PETROVA, SIDOROV = "Иванов Иван Иванович", "Петрова Анна Сергеевна", "Сидоров Пётр Ильич"
ORG_A = "29(Первая больница) Секретарь <mo-a@a.example>"
ORG_B = "29(Вторая больница) Канцелярия <mo-b@b.example>"
# Templates that no code path sends yet (name -> why); a template missing here and from every step fails.
NOT_SENT: dict[str, str] = {}


def sidorov_scan(folder: Path) -> Path:
    """A complete application of the third hospital's owner, as the operator scans it (scangen seed 1, the
    organisation and owner of case 2026-0003: `scan add` refuses an application of someone else)."""
    path = folder / "sidorov.jpg"
    path.write_bytes(application(1, "complete", skew=0.5, inn=INN_C, ogrn=OGRN_C, owner_name=SIDOROV))
    return path
PDF = b"%PDF-1.4\n% a golden scan: its verdict is the step's, not read from it\n%%EOF\n"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MOSCOW)


def scan(verdict: str, *, owner: str = "", inn: str = "", ogrn: str = "", defects: tuple[str, ...] = (),
         doubts: tuple[str, ...] = (), reason: str = "") -> dict[str, Any]:
    """A scan check result as the check_scan handler stores it (the OCR itself is tested in tests/scan/)."""
    form = verdict in ("complete", "incomplete")
    return {"verdict": verdict, "form": form, "signatures": {"manager": form, "owner": form},
            "seal": form, "defects": list(defects), "doubts": list(doubts), "reason": reason or None,
            "fields": {"inn": inn or None, "ogrn": ogrn or None, "snils": None, "owner_name": owner or None,
                       "organisation": None, "position": None, "vipnet_node": None}}


class Clock:
    def __init__(self) -> None:
        self.moment = at("2026-04-27 09:00")

    def now(self) -> datetime:
        return self.moment


@dataclass
class World:
    """The bot as the daemon runs it, in a temp folder, on a pinned clock."""

    root: Path
    rules: rules_mod.Rules
    clock: Clock = field(default_factory=Clock)
    scans: dict[str, dict[str, Any] | Exception] = field(default_factory=dict)   # Message-ID -> verdict
    sent: int = 0
    step: str = ""
    per_step: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        (self.root / "maildir").mkdir(parents=True)
        (self.root / "organisations.csv").write_text(REGISTRY_CSV, encoding="utf-8")
        heads = ", ".join(f'"{h}"' for h in HEADS)
        self.config_path = self.root / "config.toml"
        self.config_path.write_text(
            f'[bot]\naddress = "{BOT}"\ninfosec_head = [{heads}]\nstate_dir = "state"\n'
            f'organisations = "organisations.csv"\nrules_dir = "{DEFAULT_RULES_DIR}"\n'
            f'[imap]\nhost = "127.0.0.1"\nuser = "{MAILBOX}"\n'
            f'[maildir]\npath = "maildir"\n[pickup]\ndir = "outgoing"\n', encoding="utf-8")
        self.config = config_mod.load(self.config_path)
        self.daemon = Daemon(self.config, self.rules, self.clock)  # type: ignore[arg-type]
        real = self.daemon.intake.chain
        checker = SimpleNamespace(NAME="golden_scan", run=self._scan)
        # the real save_attachments, then the verdict the step names in place of the OCR check
        self.daemon.intake.chain = replace(real, prepare=(real.prepare[0], checker))
        assert self.daemon.mailbox is not None
        self.daemon.mailbox.connect()
        self.store = self.daemon.store
        self.n = 0

    @property
    def now(self) -> datetime:
        return self.clock.moment

    # -- what happens --------------------------------------------------------------------
    def _scan(self, letter: Letter, outcome: Outcome, ctx: Any) -> Outcome:
        if outcome.action != ACCEPT or not any(s.accepted for s in outcome.saved):
            return outcome
        result = self.scans[letter.message_id]
        if isinstance(result, Exception):
            raise result
        return outcome.with_(scan=result)

    def mail(self, sender: str, result: dict[str, Any] | Exception | None = None, *, rounds: int = 1,
             subject: str = "Заявка на сертификат ViPNet", headers: dict[str, str] | None = None,
             files: list[tuple[str, bytes]] | None = None) -> None:
        """A letter arrives; the intake handles it (`rounds` times, for a letter that keeps failing)."""
        self.n += 1
        # named by the step (and its count of letters): stable when steps are added
        self.per_step[self.step] = self.per_step.get(self.step, 0) + 1
        message_id = f"<{self.step}.{self.per_step[self.step]}@mo.example>"
        if files is None:
            files = [("Заявка.pdf", PDF)] if result is not None else []
        if result is not None:
            self.scans[message_id] = result
        draft = Draft(sender=sender, to=MAILBOX, subject=subject, attachments=files, message_id=message_id,
                      date=self.now, extra_headers=headers or {})
        (self.root / "maildir" / "new" / f"{1700000000 + self.n}.golden{self.n}.localhost").write_bytes(
            draft.build())
        for _ in range(rounds):
            self.daemon.intake.process_pending()

    def mail_capped(self, sender: str) -> None:
        """A letter for review when today's review alerts are used up (rules/digest.toml daily_cap = 3)."""
        sections = dict(self.rules.sections)
        digest = dict(sections["digest"])
        digest["alerts"] = {**digest["alerts"], "review": {**digest["alerts"]["review"], "daily_cap": 3}}
        sections["digest"] = digest
        self.daemon.intake.rules = replace(self.rules, sections=sections)
        try:
            self.mail(sender, scan("complete"))
        finally:
            self.daemon.intake.rules = self.rules

    def cli(self, *args: str) -> None:
        env = {"VIPNET_CERT_BOT_CONFIG": str(self.config_path), "VIPNET_CERT_BOT_NOW": self.now.isoformat()}
        result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output

    def duties(self, until: str | None = None, *, step: timedelta = timedelta(hours=1)) -> None:
        """The case duties, every hour from now to `until` (or just now)."""
        end = at(until) if until else self.now
        while True:
            run_duties(self.store, self.rules, self.daemon.registry, bot_address=self.config.bot.address,
                       infosec_head=self.config.bot.infosec_head, now=self.now, reply_to=self.config.bot.reply_to)
            if self.now + step > end:
                break
            self.clock.moment += step

    def digest(self) -> None:
        queue_digest(self.store, self.rules, self.daemon.registry, bot_address=self.config.bot.address,
                     infosec_head=self.config.bot.infosec_head, now=self.now, force=True)

    def outage(self, service: str, *, down_since: str | None = None, error: str = "") -> None:
        if down_since:
            health.record(self.store, service, ok=True, now=at(down_since) - timedelta(minutes=5))
            health.record(self.store, service, ok=False, now=at(down_since), error=error)
        else:
            health.record(self.store, service, ok=True, now=self.now)
        outage_alerts(self.store, self.rules, bot_address=self.config.bot.address,
                      infosec_head=self.config.bot.infosec_head, now=self.now)

    def request_file(self, name: str, data: bytes) -> None:
        folder = self.root / "requests"
        folder.mkdir(exist_ok=True)
        (folder / name).write_bytes(data)
        import_folder(self.store, self.rules, self.daemon.registry, folder, bot_address=self.config.bot.address,
                      infosec_head=self.config.bot.infosec_head, now=self.now,
                      reply_to=self.config.bot.reply_to)

    def duty_failure(self, name: str, error: str) -> None:
        """A scheduled duty raised: counted, and the first failure of a streak alerted."""
        upkeep.duty_failed(self.store, self.rules, name, error, bot_address=self.config.bot.address,
                           infosec_head=self.config.bot.infosec_head, now=self.now)

    def refused(self, to: str, error: str) -> None:
        """The organisation's server refused a reply for good (SMTP 5xx): the InfoSec head is alerted."""
        msg = outbox.make_message(sender=BOT, to=to, subject="Re: Заявка на сертификат ViPNet", body="…",
                                  kind="reply", now=self.now)
        with self.store.transaction():
            letter_id = outbox.queue(self.store, msg, kind="reply", ref="golden", now=self.now)
        outbox.mark_sending(self.store, letter_id, self.now)
        outbox.mark_failed(self.store, letter_id, error, self.now, base=15, cap=900, permanent=True)
        self.sent = letter_id  # the refused letter itself is not a golden: the alert about it is
        upkeep.outbox_attention(self.store, self.rules, bot_address=self.config.bot.address,
                                infosec_head=self.config.bot.infosec_head, now=self.now)

    def new_letters(self) -> list[dict[str, Any]]:
        rows = sorted(self.store.outbox.all(), key=lambda r: r.doc_id)
        fresh = [r for r in rows if r.doc_id > self.sent]
        if rows:
            self.sent = max(self.sent, rows[-1].doc_id)
        return fresh


@dataclass(frozen=True)
class Step:
    name: str                              # the golden's name (several letters: name-<what>)
    at: str                                # Moscow time
    do: Callable[[World], None]


CASE = "2026-0001"   # Иванов, Первая больница: the renewal the script follows

SCRIPT: list[Step] = [
    # 27.04: scans of every verdict; the electronic request arrives in between
    Step("reply-no-attachment", "2026-04-27 09:40", lambda w: w.mail(ORG_A)),
    Step("reply-file-not-accepted", "2026-04-27 09:45",
         lambda w: w.mail(ORG_A, files=[("Заявка.docx", b"PK\x03\x04 a word document")])),
    Step("reply-not-a-form", "2026-04-27 09:50", lambda w: w.mail(ORG_A, scan("not_a_form"))),
    Step("reply-unreadable", "2026-04-27 10:00",
         lambda w: w.mail(ORG_A, scan("unreadable", reason="текст на скане не распознаётся"))),
    Step("reply-incomplete", "2026-04-27 10:10", lambda w: w.mail(ORG_A, scan(
        "incomplete", owner=IVANOV, inn=INN_A, ogrn=OGRN_A,
        defects=("owner_signature_missing", "seal_missing")))),
    Step("reply-complete-waiting-for-request", "2026-04-27 10:30",
         lambda w: w.mail(ORG_A, scan("complete", owner=IVANOV, inn=INN_A, ogrn=OGRN_A))),
    Step("request-ivanov", "2026-04-27 11:00", lambda w: w.cli("request", "add", "--inn", INN_A, "--owner", IVANOV)),
    Step("reply-complete-again-full-set", "2026-04-27 11:30",
         lambda w: w.mail(ORG_A, scan("complete", owner=IVANOV, inn=INN_A, ogrn=OGRN_A))),
    Step("request-petrova", "2026-04-27 12:00", lambda w: w.cli("request", "add", "--inn", INN_B, "--owner", PETROVA)),
    Step("reply-incomplete-request-received", "2026-04-27 12:30", lambda w: w.mail(ORG_B, scan(
        "incomplete", owner=PETROVA, inn=INN_B, ogrn=OGRN_B, defects=("manager_signature_missing",),
        doubts=("seal_ring_partial",)))),  # a mark in doubt beside the defect: named as not made out
    Step("reply-scan-review", "2026-04-27 12:45", lambda w: w.mail(ORG_B, scan(
        "review", owner=PETROVA, inn=INN_B, ogrn=OGRN_B, reason="подпись владельца видна не полностью"))),
    Step("reply-complete-full-set", "2026-04-27 13:00",
         lambda w: w.mail(ORG_B, scan("complete", owner=PETROVA, inn=INN_B, ogrn=OGRN_B))),
    # 27.04: what the InfoSec head is told at once
    Step("alert-unknown-sender", "2026-04-27 13:30",
         lambda w: w.mail("Иванов И.И. <ivanov@mail.example>", scan("complete"))),
    Step("alert-inn-mismatch", "2026-04-27 13:40",
         lambda w: w.mail(ORG_A, scan("complete", owner=IVANOV, inn=INN_B, ogrn=OGRN_B))),
    Step("alert-processing-failed", "2026-04-27 13:50",
         lambda w: w.mail(ORG_B, RuntimeError("decoder crashed"), rounds=4)),
    Step("alert-outage", "2026-04-27 14:00",
         lambda w: w.outage("smtp", down_since="2026-04-27 13:20", error="Connection refused")),
    Step("alert-recovered", "2026-04-27 14:30", lambda w: w.outage("smtp")),
    Step("alert-duty-failed", "2026-04-27 14:40",
         lambda w: w.duty_failure("digest", "TemplateSyntaxError: unexpected '}' (digest.txt.j2, line 12)")),
    Step("alert-outbox-failed", "2026-04-27 14:50", lambda w: w.refused(
        "old-address@b.example", "SMTP mx.b.example:25: (550, '5.1.1 <old-address@b.example>: mailbox unavailable')")),
    Step("alert-request-file-failed", "2026-04-27 15:00", lambda w: w.request_file("запрос.req", b"not a request")),
    Step("alert-review-cap", "2026-04-27 15:10", lambda w: w.mail_capped("Петров П.П. <petrov@mail.example>")),
    Step("auto-reply-filed", "2026-04-27 15:20", lambda w: w.mail(
        ORG_B, subject="Автоответ: Re: Заявка на сертификат ViPNet", headers={"Auto-Submitted": "auto-replied"})),
    Step("digest", "2026-04-28 08:30", lambda w: w.digest()),
    # Петрова's certificate is made and her papers come at once; Сидоров's organisation has no address
    Step("notice-certificate-made-petrova", "2026-04-28 10:00",
         lambda w: w.cli("cert", "issued", "2026-0002", "--serial", "7F02", "--not-after", "2027-06-30")),
    Step("paper-petrova", "2026-04-28 11:00", lambda w: (w.cli("paper", "original", "2026-0002"),
                                                          w.cli("paper", "certificate", "2026-0002"))),
    Step("request-no-address", "2026-04-28 12:00",
         lambda w: w.cli("request", "add", "--inn", INN_C, "--owner", SIDOROV)),
    # a relay showing the organisation's node name proves nothing (issue 11): parked, the InfoSec head alerted;
    # the operator, having checked the paper, accepts the scan for the case
    Step("alert-sender-spoof", "2026-04-28 12:05", lambda w: w.mail(
        "29(Третья больница) <relay@vipnet-gate.example>", scan("complete", owner=SIDOROV, inn=INN_C, ogrn=OGRN_C))),
    # the operator, having checked the paper that came by post, adds it to the case (the real scan check runs)
    Step("scan-add-no-address", "2026-04-28 12:07", lambda w: w.cli(
        "scan", "add", "2026-0003", str(sidorov_scan(w.root)), "--reason", "оригинал заявки получен почтой")),
    Step("notice-no-address", "2026-04-28 12:10",
         lambda w: w.cli("cert", "issued", "2026-0003", "--serial", "7F03", "--not-after", "2027-06-30",
                         "--date", "2026-04-28")),
    Step("paper-no-address", "2026-04-28 12:20", lambda w: (w.cli("paper", "original", "2026-0003"),
                                                             w.cli("paper", "certificate", "2026-0003"))),
    # Иванов: full set on 27.04, due 29.04; made late, on 30.04
    Step("duties-make", "2026-04-28 13:00", lambda w: w.duties("2026-04-30 10:00")),
    Step("reply-complete-full-set-late", "2026-04-30 11:00",
         lambda w: w.mail(ORG_A, scan("complete", owner=IVANOV, inn=INN_A, ogrn=OGRN_A))),
    Step("notice-certificate-made", "2026-04-30 15:00",
         lambda w: w.cli("cert", "issued", CASE, "--serial", "7F01", "--not-after", "2027-04-30")),
    Step("reply-complete-after-certificate", "2026-04-30 16:00",
         lambda w: w.mail(ORG_A, scan("complete", owner=IVANOV, inn=INN_A, ogrn=OGRN_A))),
    # the paper documents: the original comes on 06.05, the signed certificate is late
    Step("duties-original", "2026-05-01 09:00", lambda w: w.duties("2026-05-06 09:00")),
    Step("paper-original", "2026-05-06 10:00", lambda w: w.cli("paper", "original", CASE)),
    # a new owner's renewal at the second hospital stalls: the request came, the scan never does
    Step("request-stalled", "2026-05-06 10:30",
         lambda w: w.cli("request", "add", "--inn", INN_B, "--owner", "Кузнецова Мария Андреевна")),
    Step("duties-certificate", "2026-05-06 11:00", lambda w: w.duties("2026-06-02 11:00")),
    Step("digest-overdue", "2026-06-02 11:30", lambda w: w.digest()),
    Step("reply-complete-after-deadline", "2026-06-02 11:45",
         lambda w: w.mail(ORG_A, scan("complete", owner=IVANOV, inn=INN_A, ogrn=OGRN_A))),
    Step("suspend", "2026-06-02 12:00", lambda w: w.cli("suspend", CASE)),
    Step("duties-suspended", "2026-06-02 12:30", lambda w: w.duties("2026-06-10 09:00")),
    Step("paper-certificate", "2026-06-10 10:00", lambda w: w.cli("paper", "certificate", CASE)),
    Step("resume", "2026-06-10 11:00", lambda w: w.cli("resume", CASE)),
    Step("duties-after", "2026-06-10 12:00", lambda w: w.duties("2026-06-17 18:00")),
    # a year later: the planned rotation
    Step("duties-rotation", "2027-03-25 09:00", lambda w: w.duties("2027-04-30 09:00", step=timedelta(days=1))),
]


def render(row: dict[str, Any], root: Path) -> str:
    msg: EmailMessage = message_from_string(row["message"], policy=policy.default)  # type: ignore[assignment]
    raw = message_from_string(row["message"], policy=policy.compat32)
    # headers decoded as RFC 2047 says (email's own parser splits a word between two encoded-words)
    lines = [f"{name}: {make_header(decode_header(raw[name]))}" for name in HEADERS if raw[name] is not None]
    body = msg.get_body(("plain",))
    text = body.get_content() if body is not None else ""  # type: ignore[union-attr]
    text = text.replace("\r\n", "\n").replace(str(root), "/var/lib/vipnet-cert-bot")  # the temp folder
    return "\n".join(lines) + "\n\n" + text.rstrip() + "\n"


def _tail(row: dict[str, Any]) -> str:
    ref = str(row.get("ref") or row["kind"])
    tail = ref.split(":", 2)[2] if ref.startswith("case:") else row["kind"]
    return re.sub(r"[^0-9A-Za-z]+", "-", tail).strip("-").lower()


@pytest.fixture(scope="module")
def rendered() -> Iterator[tuple[dict[str, str], set[str]]]:
    """Run the script once: {golden name: text}, and the names of the templates rendered."""
    loaded: set[str] = set()
    original = jinja2.Environment._load_template

    def spy(self: jinja2.Environment, name: str, globals: Any) -> Any:  # noqa: A002 - jinja's own name
        loaded.add(name)
        return original(self, name, globals)

    root = Path(os.environ.get("TMPDIR", "/tmp")) / f"vcb-golden-{os.getpid()}"
    shutil.rmtree(root, ignore_errors=True)
    jinja2.Environment._load_template = spy  # type: ignore[method-assign]
    try:
        rules = rules_mod.load(DEFAULT_RULES_DIR)
        rules.templates.cache = None  # every render loads its templates again: the spy sees each
        world = World(root, rules)
        letters: dict[str, str] = {}
        for step in SCRIPT:
            if world.now < at(step.at):
                world.clock.moment = at(step.at)
            world.step = step.name
            step.do(world)
            fresh = world.new_letters()
            for row in fresh:
                name = step.name if len(fresh) == 1 else f"{step.name}-{_tail(row)}"
                while name in letters:
                    name += "-again"
                letters[name] = render(row, root)
        world.daemon.store.close()
        yield letters, loaded
    finally:
        jinja2.Environment._load_template = original  # type: ignore[method-assign]
        shutil.rmtree(root, ignore_errors=True)


def test_every_letter_matches_its_golden(rendered: tuple[dict[str, str], set[str]]) -> None:
    letters, _ = rendered
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        for stale in GOLDEN.glob("*.txt"):
            if stale.stem not in letters:
                stale.unlink()
        for name, text in letters.items():
            (GOLDEN / f"{name}.txt").write_text(text, encoding="utf-8")
    missing = sorted(n for n in letters if not (GOLDEN / f"{n}.txt").exists())
    assert not missing, f"letters without a golden (UPDATE_GOLDEN=1 to write them, then read them): {missing}"
    stale = sorted(p.stem for p in GOLDEN.glob("*.txt") if p.stem not in letters)
    assert not stale, f"goldens no step sends any more: {stale}"
    changed = [n for n, text in letters.items() if (GOLDEN / f"{n}.txt").read_text(encoding="utf-8") != text]
    for name in changed:
        assert letters[name] == (GOLDEN / f"{name}.txt").read_text(encoding="utf-8"), name


def test_every_template_has_a_golden_letter(rendered: tuple[dict[str, str], set[str]]) -> None:
    _, loaded = rendered
    templates = {p.name for p in (DEFAULT_RULES_DIR / "templates").glob("*.j2") if not p.name.startswith("_")}
    uncovered = sorted(templates - loaded - set(NOT_SENT))
    assert not uncovered, f"templates no step of SCRIPT renders: add a step for each: {uncovered}"
    assert not set(NOT_SENT) & loaded, "a template of NOT_SENT is sent now: drop it from NOT_SENT"
