"""Russian identifiers: ИНН, ОГРН, СНИЛС — cleaned and checked by their check digits (the scan check and the cases share them)."""

from __future__ import annotations

import re

_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def digits(value: str | None) -> str:
    return re.sub(r"\D", "", value or "")


def _check(d: str, weights: tuple[int, ...]) -> int:
    return sum(int(c) * w for c, w in zip(d, weights, strict=False)) % 11 % 10


def valid_inn(value: str | None) -> bool:
    d = digits(value)
    if len(d) == 10:
        return _check(d, _INN10) == int(d[9])
    if len(d) == 12:
        return _check(d, _INN12_1) == int(d[10]) and _check(d, _INN12_2) == int(d[11])
    return False


def normalise_inn(value: str | None) -> str:
    """An organisation's ИНН as 10 digits: old certificates carry '00' + the 10-digit legal ИНН."""
    d = digits(value)
    if len(d) == 12 and d.startswith("00") and valid_inn(d[2:]):
        return d[2:]
    return d


def valid_ogrn(value: str | None) -> bool:
    d = digits(value)
    if len(d) == 13:
        return int(d[:12]) % 11 % 10 == int(d[12])
    if len(d) == 15:  # ОГРНИП
        return int(d[:14]) % 13 % 10 == int(d[14])
    return False


def valid_snils(value: str | None) -> bool:
    d = digits(value)
    if len(d) != 11:
        return False
    total = sum(int(c) * (9 - i) for i, c in enumerate(d[:9]))
    if total > 101:
        total %= 101
    check = 0 if total in (100, 101) else total
    return check == int(d[9:])
