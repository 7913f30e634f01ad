from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from bot import rules as rules_mod
from bot.cases.policy import load_policy
from bot.cases.views import case_view
from bot.registry import Registry
from bot.rules import Rules, RulesError

FRAGMENTS = ["case_waiting_for_request.txt.j2", "case_full_set.txt.j2", "case_scan_recorded.txt.j2"]


def _case(*events: dict) -> dict:
    return {"id": "2026-0001", "inn": "2901001236", "organisation": "ГБУЗ АО «Первая больница»",
            "owner": "Иванов Иван Иванович", "node": "", "opened_at": "2026-04-29T10:00:00+03:00",
            "events": list(events)}


@pytest.mark.parametrize("template", FRAGMENTS)
@pytest.mark.parametrize("events", [
    [{"kind": "scan_received", "on": "2026-04-29", "at": "2026-04-29T10:00:00+03:00", "verdict": "incomplete"}],
    [{"kind": "request_received", "on": "2026-04-29", "at": "2026-04-29T10:00:00+03:00"},
     {"kind": "scan_received", "on": "2026-04-29", "at": "2026-04-29T10:00:00+03:00", "verdict": "incomplete"}],
    [{"kind": "request_received", "on": "2026-04-29", "at": "2026-04-29T10:00:00+03:00"},
     {"kind": "scan_received", "on": "2026-04-30", "at": "2026-04-30T10:00:00+03:00", "verdict": "complete"},
     {"kind": "full_set", "on": "2026-04-30", "at": "2026-04-30T10:00:00+03:00"}],
])
def test_reply_fragments_render(rules: Rules, registry: Registry, template: str, events: list) -> None:
    view = case_view(_case(*events), load_policy(rules), date(2026, 4, 30))
    for org in (registry.organisations[0], None):
        text = rules.render(template, case=view, organisation=org, subject="Заявка на сертификат ViPNet",
                            as_of="30.04.2026 10:00", today="2026-04-30")
        assert text.strip()
    if view["state"] == "full_set" and template == "case_full_set.txt.j2":
        assert "05.05.2026" in text


@pytest.mark.parametrize(("policy_toml", "key"), [
    ("[deadlines]\nmake_working_days = -1\n", "make_working_days"),
    ("[reminders]\npaper_days_before = [3, \"x\"]\n", "paper_days_before"),
    ("[working_hours]\nstart = \"25:00\"\n", "start"),
    ("[working_hours]\nstart = \"18:00\"\nend = \"09:00\"\n", "start"),
    ("[matching]\naccept = 50\nreject = 80\n", "matching"),
    ("[subjects]\nrotation = \"\"\n", "rotation"),
])
def test_bad_policy_is_reported(tmp_path: Path, policy_toml: str, key: str) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "policy.toml").write_text(policy_toml, encoding="utf-8")
    with pytest.raises(RulesError, match=key):
        load_policy(rules_mod.load(tmp_path))


def test_defaults_without_policy_file(tmp_path: Path, rules: Rules) -> None:
    (tmp_path / "templates").mkdir()
    bare = load_policy(rules_mod.load(tmp_path))
    shipped = load_policy(rules)
    assert dataclasses.replace(bare, calendar=shipped.calendar) == shipped
