"""Fixtures for the operator's tools (existing certificates, export, registry, guide).

The rules, registry and CLI config fixtures are the renewal-case tests' own.
"""

from __future__ import annotations

from tests.cases.conftest import config_path, policy, registry, registry_path, rules  # noqa: F401
