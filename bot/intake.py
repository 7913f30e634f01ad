"""Taking letters in, exactly once.

For each message in the watched folder:
  1. a cheap look at its Subject: not ours -> left untouched (remembered for this run);
  2. claim: a ledger row (key, attempts) is committed before any work;
  3. the chain decides; the prepare handlers keep files and check scans;
  4. ONE store transaction commits the commit handlers' writes, the outcome and the
     queued reply (the outbox);
  5. only then the message is moved to its folder, and the row marked filed.
A crash before 4 retries the letter (up to max_attempts, then review); a crash
between 4 and 5 finds the row done and only moves the letter: nothing is answered
twice, nothing is skipped. When UIDVALIDITY changes, the content hash recognises
letters already handled.

Every letter gets a ledger row, whatever fails: an exception while fetching, parsing
or claiming it is recorded on the row (attempts, last_error, failed_stage) and logged;
after max_attempts the letter is parked for review with an alert, like any other
failure. A letter parked for review keeps its raw bytes in state_dir/review/, so that
`letter retry KEY` (row state "retry") sends it through the chain again, from those
bytes, once the registry or the rules are fixed; the new outcome is committed first, then
the message is moved from the review folder to its new one (Mailbox.refile).
"""

from __future__ import annotations

import hashlib
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tinydb import Query

from bot import crashpoint, logs, outbox
from bot.clock import Clock
from bot.edge.mailbox import Mailbox, MailboxError, MessageRef
from bot.mail.parse import parse, subject_of
from bot.mail.subject import SubjectRule
from bot.pipeline.chain import Chain
from bot.pipeline.model import LEAVE, REVIEW, Context, Hit, Letter, Outcome
from bot.registry import Registry
from bot.rules import Rules
from bot.store import Store, StoreError, write_atomic

log = logs.get("intake")

CLAIMED, DONE, FILED, RETRY = "claimed", "done", "filed", "retry"
RAW_DIR = "review"  # raw bytes of letters parked for review, by content hash (for `letter retry`)


@dataclass
class Intake:
    mailbox: Mailbox
    store: Store
    rules: Rules
    registry: Registry
    chain: Chain
    clock: Clock
    bot_address: str
    infosec_head: str
    reply_to: str = ""
    left: set[str] = field(default_factory=set)  # keys looked at and left alone in this run

    def context(self, now: datetime) -> Context:
        return Context(rules=self.rules, registry=self.registry, bot_address=self.bot_address,
                       infosec_head=self.infosec_head, now=now, state_dir=self.store.state_dir,
                       store=self.store, reply_to=self.reply_to)

    def known_keys(self) -> set[str]:
        filed = {row["key"] for row in self.store.messages.search(Query().state.one_of([FILED, RETRY]))}
        return filed | self.left

    def process_pending(self, should_stop: Callable[[], bool] = lambda: False,
                        progress: Callable[[], None] = lambda: None) -> list[dict[str, Any]]:
        """Handle every waiting letter; returns the ledger rows it wrote (for the demo and tests).

        Between letters it reports progress (the watchdog) and stops early when asked
        (SIGTERM): the letters not reached stay in the mailbox for the next start.
        """
        results = []
        subject_rule = SubjectRule.from_rules(self.rules.section("mail"))
        intake_rules = self.rules.section("mail")["intake"]
        max_age = timedelta(days=int(intake_rules["ignore_older_than_days"]))
        for ref in self.mailbox.pending(self.known_keys()):
            if should_stop():
                log.info("stopping between letters")
                break
            progress()
            subject = subject_of(ref.subject_header)
            if subject_rule.classify(subject) is None:  # a near miss goes on: the chain looks closer
                self.left.add(ref.key)
                log.debug("letter left", key=ref.key, decision="leave:not_application_subject")
                continue
            now = self.clock.now()
            row = self.store.messages.get(Query().key == ref.key)
            if row is None and ref.arrived and now - ref.arrived > max_age:
                self.left.add(ref.key)
                log.info("letter left", key=ref.key, decision="leave:stale",
                         reason=f"arrived {ref.arrived.date()}, older than {max_age.days} days")
                continue
            try:
                results.append(self.process(ref))
            except (MailboxError, StoreError):
                raise  # the connection is gone (the daemon reconnects) or the store is unusable (it stops)
            except Exception:  # noqa: BLE001 - logged and counted on the ledger row in process(); retried
                continue
        return results

    def retries_waiting(self) -> bool:
        return bool(self.store.messages.count(Query().state == RETRY))

    def process_retries(self) -> list[dict[str, Any]]:
        """Letters the operator sent back through the chain (`letter retry`), from their saved bytes."""
        results = []
        for row in self.store.messages.search(Query().state == RETRY):
            ref = MessageRef(key=row["key"], uid=row.get("uid") or "", subject_header=b"",
                             arrived=datetime.fromisoformat(row["arrived"]) if row.get("arrived") else None)
            try:
                results.append(self._retry(ref, row))
            except (MailboxError, StoreError):
                raise
            except Exception as exc:  # noqa: BLE001 - stays "retry" with the error; shown by `letters`
                with self.store.transaction():
                    self.store.messages.update({"last_error": f"{type(exc).__name__}: {exc}"[:1000]},
                                               Query().key == ref.key)
                log.error("letter retry failed", key=ref.key, error=f"{type(exc).__name__}: {exc}")
        return results

    def _retry(self, ref: MessageRef, row: dict[str, Any]) -> dict[str, Any]:
        """The chain again from the kept bytes; committed (still "retry", marked committed), then the
        message is moved to its new folder and the row filed. A crash in between resumes at the move."""
        if not row.get("retry_committed"):
            raw = (self.store.state_dir / str(row["raw"])).read_bytes()
            letter = parse(raw, ref.key)
            now = self.clock.now()
            ctx = self.context(now)
            outcome = self.chain.decide(letter, ctx)
            if outcome.action != LEAVE:
                outcome = self.chain.run_prepare(letter, outcome, ctx)
            with self.store.transaction():
                if outcome.action != LEAVE:
                    outcome = self.chain.run_commit(letter, outcome, ctx)
                self._record(ref, letter, outcome, now, raw=raw)
                # The message still lies where it was filed before (mailbox_folder) until it is moved.
                self.store.messages.update({"state": RETRY, "retry_committed": True, "retried_at": now.isoformat(),
                                            "mailbox_folder": row.get("folder")}, Query().key == ref.key)
            crashpoint.reach("after_commit")
            row = self.store.messages.get(Query().key == ref.key) or row
        where = str(row.get("mailbox_folder") or row.get("folder"))
        if row.get("folder") != where and self.mailbox.refile(where, str(row["folder"]), str(row.get("sha256")),
                                                              str(row.get("message_id") or "")):
            where = str(row["folder"])
        with self.store.transaction():
            self.store.messages.update({"state": FILED, "retry_committed": False, "mailbox_folder": where},
                                       Query().key == ref.key)
        log.info("letter retried", key=ref.key, decision=row.get("decision"), folder=where,
                 reply=bool(row.get("reply_outbox_id")), by=row.get("retry_by"))
        return {"key": ref.key, "decision": row.get("decision"), "subject": row.get("subject"),
                "sender": row.get("sender"), "reply": row.get("reply_subject"),
                "verdict": (row.get("scan") or {}).get("verdict"), "folder": where}

    # -- one letter ---------------------------------------------------------
    def process(self, ref: MessageRef) -> dict[str, Any]:
        row = self.store.messages.get(Query().key == ref.key)
        if row and row["state"] == DONE:
            # Crashed after the commit, before the move: move only.
            return self._file(ref, row, resumed=True)

        raw: bytes | None = None
        stage = "fetch"
        try:
            raw = self.mailbox.fetch(ref)
            stage = "parse"
            letter = parse(raw, ref.key)
        except (MailboxError, StoreError):
            raise
        except Exception as exc:  # noqa: BLE001 - counted on the ledger row, then parked for review
            return self._early_failure(ref, row, raw, stage, exc)
        twin = self._already_handled(letter)
        if twin is not None:
            with self.store.transaction():
                row = self._upsert(ref, letter, {
                    "state": DONE, "decision": twin["decision"], "folder": twin["folder"],
                    "twin_of": twin["key"], "outcome": twin.get("outcome"),
                })
            log.info("letter already handled under another UIDVALIDITY", key=ref.key, twin=twin["key"])
            return self._file(ref, row, resumed=True)

        try:
            attempts = self._claim(ref, letter)
        except StoreError:
            raise
        except Exception as exc:  # noqa: BLE001 - counted on the ledger row, then parked for review
            return self._early_failure(ref, row, raw, "claim", exc)
        crashpoint.reach("after_claim")
        max_attempts = int(self.rules.value("mail", "intake.max_attempts"))
        now = self.clock.now()
        ctx = self.context(now)
        try:
            if attempts > max_attempts:
                outcome = self._give_up(letter)
                with self.store.transaction():
                    outcome = self.chain.run_commit(letter, outcome, ctx)  # review handlers: alert
                    row = self._record(ref, letter, outcome, now, raw=raw)
            else:
                outcome = self.chain.decide(letter, ctx)
                if outcome.action == LEAVE:
                    with self.store.transaction():
                        self.store.messages.remove(Query().key == ref.key)
                    self.left.add(ref.key)
                    return {"key": ref.key, "decision": outcome.decision, "subject": letter.subject,
                            "sender": letter.from_header, "reply": None}
                outcome = self.chain.run_prepare(letter, outcome, ctx)
                with self.store.transaction():
                    outcome = self.chain.run_commit(letter, outcome, ctx)
                    row = self._record(ref, letter, outcome, now, raw=raw)
        except StoreError:
            raise
        except Exception as exc:  # any failure: the claim stays, the letter is retried, then reviewed
            with self.store.transaction():
                self.store.messages.update(
                    {"last_error": f"{type(exc).__name__}: {exc}"[:1000]}, Query().key == ref.key)
            log.error("letter failed", key=ref.key, message_id=letter.message_id, attempt=attempts,
                      error=f"{type(exc).__name__}: {exc}", trace=traceback.format_exc(limit=5))
            raise
        crashpoint.reach("after_commit")
        return self._file(ref, row, resumed=False)

    def _early_failure(self, ref: MessageRef, row: dict[str, Any] | None, raw: bytes | None, stage: str,
                       exc: Exception) -> dict[str, Any]:
        """Fetching, parsing or claiming failed: count it on the ledger row; after max_attempts, park it."""
        error = f"{type(exc).__name__}: {exc}"[:1000]
        attempts = int((row or {}).get("attempts", 0)) + 1
        max_attempts = int(self.rules.value("mail", "intake.max_attempts"))
        now = self.clock.now()
        log.error("letter failed", key=ref.key, uid=ref.uid, stage=stage, attempt=attempts, error=error,
                  trace=traceback.format_exc(limit=5))
        with self.store.transaction():
            self.store.messages.upsert({
                "subject": self._stub_letter(ref, raw, stage).subject,
                "key": ref.key, "uid": ref.uid, "state": CLAIMED, "attempts": attempts, "last_error": error,
                "failed_stage": stage, "claimed_at": now.isoformat(),
                "sha256": (row or {}).get("sha256") or self._stub_hash(ref, raw),
                "arrived": ref.arrived.isoformat() if ref.arrived else None,
            }, Query().key == ref.key)
        if attempts <= max_attempts:
            raise exc
        letter = self._stub_letter(ref, raw, stage)
        ctx = self.context(now)
        with self.store.transaction():
            outcome = self.chain.run_commit(letter, self._give_up(letter), ctx)  # review handlers: alert
            row = self._record(ref, letter, outcome, now, raw=raw)
        crashpoint.reach("after_commit")
        return self._file(ref, row, resumed=False)

    @staticmethod
    def _stub_hash(ref: MessageRef, raw: bytes | None) -> str:
        # Never "": a hash of nothing would make every unfetched letter the twin of the others.
        return hashlib.sha256(raw).hexdigest() if raw is not None else f"unfetched:{ref.key}"

    def _stub_letter(self, ref: MessageRef, raw: bytes | None, stage: str) -> Letter:
        """What can be said of a letter that could not be fetched or parsed: its key, subject and hash."""
        try:
            subject = subject_of(ref.subject_header)
        except Exception:  # noqa: BLE001 - the subject is only shown to the InfoSec head
            subject = ""
        return Letter(key=ref.key, message_id="", subject=subject, from_header="", from_address="", from_name="",
                      return_path=None, headers={}, references="", date=ref.arrived, attachments=(),
                      defects=(f"{stage}_failed",), size=len(raw or b""), sha256=self._stub_hash(ref, raw))

    def _already_handled(self, letter: Letter) -> dict[str, Any] | None:
        q = Query()
        rows = self.store.messages.search((q.sha256 == letter.sha256) & q.state.one_of([DONE, FILED]))
        return rows[0] if rows else None

    def _upsert(self, ref: MessageRef, letter: Letter, fields: dict[str, Any]) -> dict[str, Any]:
        base = {
            "key": ref.key, "uid": ref.uid, "message_id": letter.message_id, "sha256": letter.sha256,
            "subject": letter.subject, "sender": letter.from_address, "sender_name": letter.from_name,
            "arrived": ref.arrived.isoformat() if ref.arrived else None,
        }
        base.update(fields)
        self.store.messages.upsert(base, Query().key == ref.key)
        return self.store.messages.get(Query().key == ref.key)  # type: ignore[return-value]

    def _claim(self, ref: MessageRef, letter: Letter) -> int:
        with self.store.transaction():
            row = self.store.messages.get(Query().key == ref.key)
            attempts = (row.get("attempts", 0) if row else 0) + 1
            self._upsert(ref, letter, {"state": CLAIMED, "attempts": attempts,
                                       "claimed_at": self.clock.now().isoformat()})
        return attempts

    def _give_up(self, letter: Letter) -> Outcome:
        row = self.store.messages.get(Query().key == letter.key) or {}
        reason = f"failed {row.get('attempts', 0) - 1} times: {row.get('last_error') or 'crashed'}"
        return Outcome(action=REVIEW, hits=(Hit("processing_failed", reason),))

    def _keep_raw(self, letter: Letter, raw: bytes) -> str:
        """The raw bytes of a letter parked for review, for `letter retry`; the path relative to the state dir."""
        name = f"{RAW_DIR}/{letter.sha256 if len(letter.sha256) == 64 else hashlib.sha256(raw).hexdigest()}.eml"
        path = self.store.state_dir / name
        if not path.exists():
            path.parent.mkdir(exist_ok=True, mode=0o700)
            write_atomic(path, raw)
        return name

    def _record(self, ref: MessageRef, letter: Letter, outcome: Outcome, now: datetime, *,
                raw: bytes | None = None) -> dict[str, Any]:
        """Inside the transaction: the outcome, and the reply queued in the outbox."""
        folders = self.rules.section("mail")["folders"]
        folder = folders["review"] if outcome.action == REVIEW else folders["processed"]
        kept = self._keep_raw(letter, raw) if outcome.action == REVIEW and raw is not None else None
        reply_id = None
        if outcome.reply is not None:
            reply_id = outbox.queue(self.store, outcome.reply, kind="reply", ref=ref.key, now=now)
        return self._upsert(ref, letter, {
            "state": DONE,
            "decision": outcome.decision,
            "action": outcome.action,
            "folder": folder,
            "handled_at": now.isoformat(),
            "hits": [{"decision": h.decision, "reason": h.reason} for h in outcome.hits],
            "organisation_inn": outcome.organisation.inn if outcome.organisation else None,
            "attachments": [s.as_dict() for s in outcome.saved],
            "scan": outcome.scan,
            "case": outcome.case,
            "notes": list(outcome.notes),
            "reply_outbox_id": reply_id,
            "reply_subject": str(outcome.reply["Subject"]) if outcome.reply is not None else None,
            "defects": list(letter.defects),
            **({"raw": kept} if kept else {}),
        })

    def _file(self, ref: MessageRef, row: dict[str, Any], *, resumed: bool) -> dict[str, Any]:
        try:
            how = self.mailbox.file(ref, row["folder"])
        except MailboxError:
            log.warning("letter not moved yet", key=ref.key, folder=row["folder"])
            raise
        with self.store.transaction():
            self.store.messages.update({"state": FILED, "filed_at": self.clock.now().isoformat(),
                                        **({"filed_how": how} if how else {})}, Query().key == ref.key)
        log.info(
            "letter handled", key=ref.key, uid=ref.uid, message_id=row.get("message_id"),
            sender=row.get("sender"), decision=row.get("decision"), folder=row.get("folder"),
            case=(row.get("case") or {}).get("id"), outbox_id=row.get("reply_outbox_id"),
            reply=bool(row.get("reply_outbox_id")), resumed=resumed,
            verdict=(row.get("scan") or {}).get("verdict"),
            hits=[h["reason"] for h in row.get("hits") or []] or None,
        )
        return {"key": ref.key, "decision": row.get("decision"), "subject": row.get("subject"),
                "sender": row.get("sender"), "reply": row.get("reply_subject"),
                "verdict": (row.get("scan") or {}).get("verdict"), "folder": row.get("folder")}
