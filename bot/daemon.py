"""The bot's main loop: take letters in, send what is due, run the duties, wait.

`run --once` does one round and exits; `run` loops until SIGTERM/SIGINT, waiting
on IMAP IDLE (or polling) between rounds, and reconnects with capped backoff
after any mailbox error. Under systemd it reports READY once the mailbox is open
and pings the watchdog from every round.
"""

from __future__ import annotations

import signal
import threading
from dataclasses import dataclass, field
from typing import Any

import sdnotify

from bot import health, logs
from bot import registry as registry_mod
from bot.cases import duties as case_duties
from bot.cases.request_folder import import_folder
from bot.clock import Clock
from bot.config import Config
from bot.delivery import Delivery
from bot.digest import duties as digest_duties
from bot.edge.imap import ImapMailbox
from bot.edge.mailbox import Mailbox, MailboxError
from bot.edge.maildir import MaildirMailbox
from bot.edge.transport import PickupTransport, SmtpTransport, Transport
from bot.intake import Intake
from bot.pipeline import chain as chain_mod
from bot.rules import Rules
from bot.store import Store, daemon_lock

log = logs.get("daemon")


def make_mailbox(config: Config, rules: Rules) -> Mailbox:
    if config.maildir is not None:
        return MaildirMailbox(config.maildir)
    assert config.imap is not None
    timeout = float(rules.value("mail", "intake.socket_timeout_seconds"))
    return ImapMailbox(config.imap, timeout=timeout)


def make_transport(config: Config, rules: Rules) -> Transport:
    if config.pickup_dir is not None:
        return PickupTransport(config.pickup_dir)
    assert config.smtp is not None
    return SmtpTransport(config.smtp, timeout=float(rules.value("mail", "outbox.send_timeout_seconds")))


@dataclass
class Daemon:
    config: Config
    rules: Rules
    clock: Clock
    stop: threading.Event = field(default_factory=threading.Event)
    mailbox: Mailbox | None = None
    notifier: sdnotify.SystemdNotifier = field(default_factory=sdnotify.SystemdNotifier)

    def __post_init__(self) -> None:
        self.registry = registry_mod.load(self.config.bot.organisations)
        self.chain = chain_mod.load(self.rules)
        self.store = Store(self.config.bot.state_dir)
        self.mailbox = self.mailbox or make_mailbox(self.config, self.rules)
        self.intake = Intake(
            mailbox=self.mailbox, store=self.store, rules=self.rules, registry=self.registry,
            chain=self.chain, clock=self.clock, bot_address=self.config.bot.address,
            infosec_head=self.config.bot.infosec_head, reply_to=self.config.bot.reply_to,
        )
        self.delivery = Delivery(self.store, make_transport(self.config, self.rules), self.rules, self.clock)
        self.connected = False
        self.results: list[dict[str, Any]] = []

    # -- one round ----------------------------------------------------------
    def round(self) -> None:
        if not self.connected:
            assert self.mailbox is not None
            self.mailbox.connect()
            self.connected = True
            health.record(self.store, "imap", ok=True, now=self.clock.now())
            log.info("mailbox open", mailbox=type(self.mailbox).__name__)
            self.notifier.notify("READY=1\nSTATUS=mailbox open")
        self.results.extend(self.intake.process_pending(should_stop=self.stop.is_set, progress=self.ping))
        health.record(self.store, "imap", ok=True, now=self.clock.now())
        self.run_duties()
        self.deliver()
        self.notifier.notify("WATCHDOG=1")

    def ping(self) -> None:
        """Between letters: the watchdog knows the loop is alive during a long round."""
        self.notifier.notify("WATCHDOG=1")

    def deliver(self) -> None:
        sent, failed = self.delivery.deliver_due()
        if failed:
            health.record(self.store, "smtp", ok=False, now=self.clock.now(),
                          error=self.delivery.last_error)
        elif sent:
            health.record(self.store, "smtp", ok=True, now=self.clock.now())

    def run_duties(self) -> None:
        """The scheduled duties: request files, case reminders and escalation, digest, alerts, retention."""
        now = self.clock.now()
        who = {"bot_address": self.config.bot.address, "infosec_head": self.config.bot.infosec_head, "now": now}
        if self.config.bot.requests_dir is not None:
            import_folder(self.store, self.rules, self.registry, self.config.bot.requests_dir, **who)
        for item in case_duties.run_duties(self.store, self.rules, self.registry, **who,
                                           reply_to=self.config.bot.reply_to):
            log.info("duty done", item=item)
        for item in digest_duties.run(self.store, self.rules, self.registry, **who):
            log.info("duty done", item=item)

    def run_once(self) -> list[dict[str, Any]]:
        with daemon_lock(self.config.bot.state_dir):
            try:
                self.round()
            finally:
                self.shutdown()
        return self.results

    def run_forever(self) -> None:
        intake_rules = self.rules.section("mail")["intake"]
        backoff = [float(s) for s in intake_rules["reconnect_backoff_seconds"]]
        wait_seconds = float(intake_rules["idle_check_seconds"])
        failures = 0
        self._install_signals()
        with daemon_lock(self.config.bot.state_dir):
            log.info("bot started", state_dir=str(self.config.bot.state_dir))
            while not self.stop.is_set():
                try:
                    self.round()
                    failures = 0
                    assert self.mailbox is not None
                    self.mailbox.wait(wait_seconds, self.stop)
                except MailboxError as exc:
                    self.connected = False
                    if self.mailbox is not None:
                        self.mailbox.close()
                    delay = backoff[min(failures, len(backoff) - 1)]
                    failures += 1
                    log.warning("mailbox unavailable", error=str(exc), retry_in=delay, failures=failures)
                    health.record(self.store, "imap", ok=False, now=self.clock.now(), error=str(exc))
                    self.notifier.notify(f"STATUS=mailbox unavailable, retry in {delay:.0f}s\nWATCHDOG=1")
                    # The duties (an outage alert among them) and the letters already queued go on
                    # while the mailbox is away.
                    try:
                        self.run_duties()
                    except Exception as duty_exc:  # noqa: BLE001 - never let a duty stop the loop
                        log.error("duties failed", error=f"{type(duty_exc).__name__}: {duty_exc}")
                    self.deliver()
                    self.stop.wait(delay)
                except Exception as exc:  # a letter failed: it stays claimed and is retried next round
                    log.error("round failed", error=f"{type(exc).__name__}: {exc}")
                    self.stop.wait(backoff[0])
            self.notifier.notify("STOPPING=1")
            self.shutdown()
            log.info("bot stopped")

    def _install_signals(self) -> None:
        def on_signal(signum: int, _frame: Any) -> None:
            log.info("stop requested", signal=signal.Signals(signum).name)
            self.stop.set()

        if threading.current_thread() is threading.main_thread():  # tests run the loop in a thread
            signal.signal(signal.SIGTERM, on_signal)
            signal.signal(signal.SIGINT, on_signal)

    def shutdown(self) -> None:
        if self.mailbox is not None:
            self.mailbox.close()
        self.connected = False
        self.store.close()
