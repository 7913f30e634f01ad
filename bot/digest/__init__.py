"""The InfoSec head's daily digest and immediate alerts (issue 5).

    from bot.digest import build
    digest, pictures = build(store, rules, registry, now=now)           # values + PNGs
    render.render_text(digest, rules), render.html_file(digest, rules, pictures)

compose.py is pure (state values -> sections); state.py reads the store; pictures.py
makes the annotated scan pictures; render.py makes text, HTML and the letter;
duties.py is what the daemon calls every round (digest when due, outage alerts,
retention of stored scans).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.digest.compose import Digest, Section, State, compose
from bot.registry import Registry
from bot.rules import Rules
from bot.scan import config as scan_config

__all__ = ["Digest", "Section", "State", "build", "compose"]


def build(store: Any, rules: Rules, registry: Registry | None, *, now: datetime,
          with_pictures: bool = True) -> tuple[Digest, dict[str, bytes]]:
    """The digest due at `now` (since the last one sent) and its pictures {letter key: PNG}."""
    from bot.cases.policy import load_policy
    from bot.digest import pictures, state
    from bot.digest.settings import load_digest

    settings = load_digest(rules)
    values = state.read(store, registry)
    digest = compose(values, now=now, since=state.since_of(store, now, settings), policy=load_policy(rules),
                     settings=settings, defect_text=scan_config.from_rules(rules).defect_text)
    pics: dict[str, bytes] = {}
    if with_pictures and digest.picture_keys:
        pics = pictures.for_rows(values.messages, digest.picture_keys, store.state_dir, rules,
                                 max_side=settings.picture_max_side, limit=settings.max_pictures)
    return digest, pics
