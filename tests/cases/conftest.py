"""Fixtures for the renewal-case tests: rules, a registry, a store, a CLI config."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from bot import DEFAULT_RULES_DIR
from bot import registry as registry_mod
from bot import rules as rules_mod
from bot.cases.policy import Policy, load_policy
from bot.clock import MOSCOW

BOT = "ib-bot@tfoms.example"
HEAD = "ib-head@tfoms.example"

# ИНН and ОГРН with valid check digits.
INN_A, OGRN_A = "2901001236", "1022900000012"
INN_B, OGRN_B = "2902004568", "1022900000023"
INN_C, OGRN_C = "2903007890", "1022900000034"   # no e-mail in the registry
INN_UNKNOWN = "7700001115"

REGISTRY_CSV = f"""inn,ogrn,name,email,vipnet_node
{INN_A},{OGRN_A},ГБУЗ АО «Первая больница»,mo-a@a.example,29(Первая больница)
{INN_B},{OGRN_B},ГБУЗ АО «Вторая больница»,mo-b@b.example,29(Вторая больница)
{INN_C},{OGRN_C},ГБУЗ АО «Третья больница»,,29(Третья больница)
"""


def at(text: str) -> datetime:
    """'2026-04-27 10:00' -> a Moscow moment."""
    return datetime.fromisoformat(text).replace(tzinfo=MOSCOW)


@pytest.fixture(scope="session")
def rules() -> rules_mod.Rules:
    return rules_mod.load(DEFAULT_RULES_DIR)


@pytest.fixture(scope="session")
def policy(rules: rules_mod.Rules) -> Policy:
    return load_policy(rules)


@pytest.fixture
def registry_path(tmp_path: Path) -> Path:
    path = tmp_path / "organisations.csv"
    path.write_text(REGISTRY_CSV, encoding="utf-8")
    return path


@pytest.fixture
def registry(registry_path: Path) -> registry_mod.Registry:
    return registry_mod.load(registry_path)


@pytest.fixture
def config_path(tmp_path: Path, registry_path: Path) -> Path:
    (tmp_path / "maildir").mkdir()
    (tmp_path / "pickup").mkdir()
    path = tmp_path / "config.toml"
    path.write_text(
        "[bot]\n"
        f'address = "{BOT}"\n'
        f'infosec_head = "{HEAD}"\n'
        f'state_dir = "{tmp_path / "state"}"\n'
        f'organisations = "{registry_path}"\n'
        f'rules_dir = "{DEFAULT_RULES_DIR}"\n'
        "[maildir]\n"
        f'path = "{tmp_path / "maildir"}"\n'
        "[pickup]\n"
        f'dir = "{tmp_path / "pickup"}"\n',
        encoding="utf-8",
    )
    return path
