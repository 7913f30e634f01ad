"""Cases in the store (table "cases"). Call these inside `store.transaction()`."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from tinydb import Query

TABLE = "cases"


class CaseError(Exception):
    """An operation on a case cannot be done; the message (Russian) says why."""


def all_cases(store: Any) -> list[dict[str, Any]]:
    return [copy.deepcopy(dict(row)) for row in store.table(TABLE).all()]


def get_case(store: Any, case_id: str) -> dict[str, Any]:
    wanted = (case_id or "").strip()
    row = store.table(TABLE).get(Query().id == wanted)
    if row is None:
        raise CaseError(f"дело «{wanted}» не найдено (список дел: vipnet-cert-bot cases)")
    return copy.deepcopy(dict(row))


def new_case_id(store: Any, now: datetime) -> str:
    year = f"{now.year:04d}"
    seq = 0
    for row in store.table(TABLE).all():
        head, _, tail = str(row.get("id", "")).partition("-")
        if head == year and tail.isdigit():
            seq = max(seq, int(tail))
    return f"{year}-{seq + 1:04d}"


def insert_case(store: Any, case: dict[str, Any]) -> None:
    store.table(TABLE).insert(case)


def save_case(store: Any, case: dict[str, Any]) -> None:
    store.table(TABLE).update(copy.deepcopy(case), Query().id == case["id"])
