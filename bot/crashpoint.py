"""Named crash points for the kill-injection tests.

`VIPNET_CERT_BOT_CRASH_AT=point[:n]` (set only by tests) makes the process kill itself
with SIGKILL the n-th time (default the first) it reaches `point`: exactly what a
`kill -9` at that instant does, with no cleanup, no flush, no finally. Unset, `reach()`
costs one dictionary lookup.

Points: after_claim, after_commit (outcome committed, letter not moved), after_smtp_accept
(the server took the letter, the outbox row not yet marked), store_write (the new store
file written, not yet renamed over the old one).
"""

from __future__ import annotations

import os
import signal

ENV = "VIPNET_CERT_BOT_CRASH_AT"
POINTS = ("after_claim", "after_commit", "after_smtp_accept", "store_write")
_seen: dict[str, int] = {}


def reach(point: str) -> None:
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    name, _, nth = wanted.partition(":")
    if name != point:
        return
    _seen[point] = _seen.get(point, 0) + 1
    if _seen[point] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
