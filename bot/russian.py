"""Russian words for numbers, in one place (templates use them as the filters `days` and `plural`)."""

from __future__ import annotations


def plural(n: int, one: str, few: str, many: str) -> str:
    """The form of a noun after the number n: 1 день, 2 дня, 5 дней, 11 дней, 21 день."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def days(n: int) -> str:
    """3 -> «3 дня»; 1 -> «1 день»; 5 -> «5 дней» (the sign is dropped)."""
    return f"{abs(n)} {plural(n, 'день', 'дня', 'дней')}"
