"""The daemon's main loop in a thread, for tests that talk to it while it idles."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from bot.daemon import Daemon


@contextmanager
def running(daemon: Daemon, timeout: float = 10.0) -> Iterator[Daemon]:
    """run_forever() in a thread, once the mailbox is open; stopped (as by SIGTERM) on exit."""
    thread = threading.Thread(target=daemon.run_forever, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not daemon.connected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert daemon.connected, "the daemon did not open the mailbox"
        yield daemon
    finally:
        daemon.stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive(), "the daemon did not stop"
