"""The chain: a letter walks the decisions of rules/pipeline.toml, then the handlers.

decide()   - pure: every decision is asked; the first hit's action is the letter's fate
prepare()  - the slow handlers, before the store transaction
commit()   - the handlers whose writes are committed with the letter's record, and for a
             letter parked for review, the review handlers (the InfoSec head's alert)
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from bot.pipeline.model import ACCEPT, ACTIONS, REVIEW, Context, Hit, Letter, Outcome
from bot.rules import Rules, RulesError


@dataclass(frozen=True)
class Link:
    decision: ModuleType
    action: str


@dataclass(frozen=True)
class Chain:
    links: tuple[Link, ...]
    prepare: tuple[ModuleType, ...]
    commit: tuple[ModuleType, ...]
    review: tuple[ModuleType, ...] = ()

    def decide(self, letter: Letter, ctx: Context) -> Outcome:
        hits: list[Hit] = []
        action = ACCEPT
        for link in self.links:
            reason = link.decision.check(letter, ctx)
            if reason is None:
                continue
            if not hits:
                action = link.action
            hits.append(Hit(link.decision.NAME, reason))
            if action == "leave":
                break  # not our letter: nothing more to learn about it
        organisation = ctx.registry.identify(letter.from_address)
        return Outcome(action=action, hits=tuple(hits), organisation=organisation)

    def run_prepare(self, letter: Letter, outcome: Outcome, ctx: Context) -> Outcome:
        return self._run(self.prepare, letter, outcome, ctx)

    def run_commit(self, letter: Letter, outcome: Outcome, ctx: Context) -> Outcome:
        outcome = self._run(self.commit, letter, outcome, ctx)
        if outcome.action == REVIEW:
            # A letter parked for a person (by the chain or a handler): tell them.
            for handler in self.review:
                outcome = handler.run(letter, outcome, ctx)
        return outcome

    @staticmethod
    def _run(handlers: tuple[ModuleType, ...], letter: Letter, outcome: Outcome, ctx: Context) -> Outcome:
        for handler in handlers:
            if outcome.action != ACCEPT:
                break
            outcome = handler.run(letter, outcome, ctx)
        return outcome


def _import(kind: str, name: str) -> ModuleType:
    try:
        module = importlib.import_module(f"bot.pipeline.{kind}.{name}")
    except ModuleNotFoundError as exc:
        raise RulesError(f"pipeline.toml: нет {kind[:-1]} «{name}» (bot/pipeline/{kind}/{name}.py)") from exc
    return module


def load(rules: Rules) -> Chain:
    """Build and validate the chain when the bot starts, not when a letter needs it."""
    section = rules.section("pipeline")
    links = []
    for i, link in enumerate(section.get("chain", []), 1):
        action = link.get("action")
        if action not in ACTIONS:
            raise RulesError(f"pipeline.toml, звено {i}: action должно быть одним из {', '.join(ACTIONS)}")
        links.append(Link(_import("decisions", str(link.get("decision"))), action))
    handlers = section.get("handlers", {})
    chain = Chain(
        links=tuple(links),
        prepare=tuple(_import("handlers", n) for n in handlers.get("prepare", [])),
        commit=tuple(_import("handlers", n) for n in handlers.get("commit", [])),
        review=tuple(_import("handlers", n) for n in handlers.get("review", [])),
    )
    for module in (*chain.prepare, *chain.commit, *chain.review):
        validate = getattr(module, "validate", None)  # a handler may check its own settings at start
        if validate is not None:
            validate(rules)
    return chain
