"""Fixtures for the scan-check tests: the project's rules, the committed sample, hostile files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from bot import DEFAULT_RULES_DIR
from bot.rules import Rules, load

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "fixtures" / "scans" / "sample"
sys.path.insert(0, str(ROOT / "fixtures" / "scans"))


@pytest.fixture(scope="session")
def rules() -> Rules:
    return load(DEFAULT_RULES_DIR)


@pytest.fixture(scope="session")
def sample() -> tuple[Path, dict[str, dict[str, Any]]]:
    return SAMPLE, json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))
