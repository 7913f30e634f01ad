"""The bot's main loop: take letters in, send what is due, run the duties, wait.

`run --once` does one round and exits; `run` loops until SIGTERM/SIGINT, waiting
on IMAP IDLE (or polling) between rounds, and reconnects with capped backoff
after any mailbox error. Under systemd it reports READY once the mailbox is open
and pings the watchdog from every round.

Each duty fails alone (logged, counted, alerted once: bot/upkeep.py); delivery and
the watchdog ping run every round whatever the duties did; after a failed round the
wait grows (rules/mail.toml [duties] round_backoff_seconds). A lost or corrupt store
(StoreError) stops the daemon with a non-zero exit instead of looping.
"""

from __future__ import annotations

import signal
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sdnotify

from bot import health, logs, upkeep
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
from bot.store import TMP_DIR, Store, StoreError, daemon_lock

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
        self.health_quiet = timedelta(minutes=float(self.rules.value("mail", "store.health_write_minutes")))

    def start(self) -> None:
        """Under the daemon lock: remove what a killed run left, keep temp files in the state dir."""
        removed = self.store.clean_leftovers()
        if removed:
            log.warning("leftovers of an interrupted run removed", files=len(removed))
        tmp = self.store.state_dir / TMP_DIR
        tmp.mkdir(exist_ok=True, mode=0o700)
        self._tempdir_before = tempfile.tempdir
        tempfile.tempdir = str(tmp)  # page rasters of the scan check land here, emptied at the next start

    # -- one round ----------------------------------------------------------
    def round(self) -> None:
        if not self.connected:
            assert self.mailbox is not None
            self.mailbox.connect()
            self.connected = True
            health.record(self.store, "imap", ok=True, now=self.clock.now())
            log.info("mailbox open", mailbox=type(self.mailbox).__name__)
            self.notifier.notify("READY=1\nSTATUS=mailbox open")
        intake_error: Exception | None = None
        try:
            self.results.extend(self.intake.process_pending(should_stop=self.stop.is_set, progress=self.ping))
            if self.intake.retries_waiting():
                self.reload_registry()  # `letter retry` follows a fix of the registry
                self.results.extend(self.intake.process_retries())
            health.record(self.store, "imap", ok=True, now=self.clock.now(), quiet_for=self.health_quiet)
        except (MailboxError, StoreError):
            raise  # reconnect (duties and delivery go on in run_forever) / stop
        except Exception as exc:  # noqa: BLE001 - the duties, delivery and the ping still run; then the round fails
            intake_error = exc
        self.run_duties()
        self.deliver()
        self.notifier.notify("WATCHDOG=1")
        if intake_error is not None:
            raise intake_error

    def reload_registry(self) -> None:
        try:
            self.registry = registry_mod.load(self.config.bot.organisations)
        except registry_mod.RegistryError as exc:
            log.error("registry not reloaded, the previous one is kept", error=str(exc))
            return
        self.intake.registry = self.registry

    def ping(self) -> None:
        """Between letters: the watchdog knows the loop is alive during a long round."""
        self.notifier.notify("WATCHDOG=1")

    def deliver(self) -> None:
        sent, failed = self.delivery.deliver_due()
        if failed:
            health.record(self.store, "smtp", ok=False, now=self.clock.now(),
                          error=self.delivery.last_error)
        elif sent:
            health.record(self.store, "smtp", ok=True, now=self.clock.now(), quiet_for=self.health_quiet)

    def duties(self) -> list[tuple[str, Callable[..., Any]]]:
        """The scheduled duties, by name: each runs alone (see run_duties)."""
        registry = self.registry
        duties: list[tuple[str, Callable[..., Any]]] = []
        if self.config.bot.requests_dir is not None:
            folder = self.config.bot.requests_dir
            duties.append(("requests", lambda **who: import_folder(self.store, self.rules, registry, folder, **who,
                                                                 reply_to=self.config.bot.reply_to)))
        duties += [
            ("cases", lambda **who: case_duties.run_duties(self.store, self.rules, registry, **who,
                                                            reply_to=self.config.bot.reply_to)),
            ("digest", lambda **who: digest_duties.run(self.store, self.rules, registry, **who)),
            ("backup", lambda **who: upkeep.backup_duty(self.store, self.rules, now=who["now"])),
            ("review_raw", lambda **who: upkeep.review_raw_retention(self.store, self.rules, now=who["now"])),
            ("outbox", lambda **who: upkeep.outbox_attention(self.store, self.rules, **who)),
        ]
        return duties

    def run_duties(self) -> None:
        """The scheduled duties: request files, case reminders and escalation, digest, alerts, retention,
        the store's backup, the outbox's alerts. A failing duty is logged, counted and alerted once; the
        others, delivery and the watchdog ping still run. Only a lost or corrupt store stops the round."""
        for name, duty in self.duties():
            now = self.clock.now()
            who = {"bot_address": self.config.bot.address, "infosec_head": self.config.bot.infosec_head,
                   "now": now}
            try:
                done = duty(**who)
            except StoreError:
                raise
            except Exception as exc:  # noqa: BLE001 - one duty's failure must not stop the others or the mail
                error = f"{type(exc).__name__}: {exc}"
                log.error("duty failed", duty=name, error=error)
                try:
                    upkeep.duty_failed(self.store, self.rules, name, error, **who)
                except StoreError:
                    raise
                except Exception as record_exc:  # noqa: BLE001 - counting must not sink the round either
                    log.error("duty failure not recorded", duty=name, error=f"{type(record_exc).__name__}")
                continue
            upkeep.duty_ok(self.store, name, now)
            for item in done or ():
                log.info("duty done", duty=name, item=item)

    def run_once(self) -> list[dict[str, Any]]:
        with daemon_lock(self.config.bot.state_dir):
            try:
                self.start()
                self.round()
            finally:
                self.shutdown()
        return self.results

    def run_forever(self) -> None:
        intake_rules = self.rules.section("mail")["intake"]
        backoff = [float(s) for s in intake_rules["reconnect_backoff_seconds"]]
        round_backoff = [float(s) for s in self.rules.value("mail", "duties.round_backoff_seconds")]
        wait_seconds = float(intake_rules["idle_check_seconds"])
        failures = round_failures = 0
        self._install_signals()
        with daemon_lock(self.config.bot.state_dir):
            self.start()
            log.info("bot started", state_dir=str(self.config.bot.state_dir))
            while not self.stop.is_set():
                try:
                    self.round()
                    failures = round_failures = 0
                    assert self.mailbox is not None
                    self.mailbox.wait(wait_seconds, self.stop)
                except StoreError as exc:
                    # Lost or corrupt: retrying cannot help and must not start afresh. Exit non-zero:
                    # systemd restarts (and stops again at once), the watchdog and the journal show it.
                    log.error("store unusable, stopping", error=str(exc))
                    self.notifier.notify("STOPPING=1")
                    self.shutdown()
                    raise
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
                        self.deliver()
                    except StoreError:
                        raise
                    except Exception as duty_exc:  # noqa: BLE001 - never let a duty stop the loop
                        log.error("duties failed", error=f"{type(duty_exc).__name__}: {duty_exc}")
                    self.stop.wait(delay)
                except Exception as exc:  # noqa: BLE001 - the round failed: wait longer each time, then retry
                    delay = round_backoff[min(round_failures, len(round_backoff) - 1)]
                    round_failures += 1
                    log.error("round failed", error=f"{type(exc).__name__}: {exc}", retry_in=delay,
                              failures=round_failures)
                    self.notifier.notify("WATCHDOG=1")
                    self.stop.wait(delay)
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
        if hasattr(self, "_tempdir_before"):
            tempfile.tempdir = self._tempdir_before
        if self.mailbox is not None:
            self.mailbox.close()
        self.connected = False
        self.store.close()
