"""Fixtures for the digest tests: a store seeded with something in every section."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import registry as registry_mod
from bot.registry import Registry

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def registry(registry_csv: Path) -> Registry:
    return registry_mod.load(registry_csv)


