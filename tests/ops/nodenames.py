"""Write test address books (`nodename.doc`) the way ViPNet does: fixed width, cp866 bytes, CR LF.

Follows the format described in bot/nodename.py and the field notes (50-char name,
enabled flag, type A/S/G, a 16-hex field, the id). The bytes are what the code reads.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    name: str
    id: int                 # 0x1A0E000B
    type: str = "A"
    enabled: bool = True


def line(entry: Entry) -> bytes:
    name = entry.name.encode("cp866")
    if len(name) > 50:
        raise ValueError(f"a node name is at most 50 characters: {entry.name!r}")
    extra = f"{entry.id & 0xFFFF:04X}{entry.id >> 16:04X}00000000"          # some 16 hex digits
    tail = f" {1 if entry.enabled else 0} {entry.type} {extra} {entry.id:08X}"
    return name.ljust(50, b" ") + tail.encode("ascii") + b"\r\n"


def nodename_doc(entries: list[Entry], *, eof_mark: bool = True) -> bytes:
    return b"".join(line(e) for e in entries) + (b"\x1a" if eof_mark else b"")


NETWORK = 0x1A0E

# An address book of network 6670 (29 = Arkhangelsk region in the names).
BOOK = [
    Entry("29(АрхТФОМС) Координатор", 0x1A0E0001, type="S"),
    Entry("29(АрхТФОМС) ИБ Нач. отдела Пришва А.А.", 0x1A0E0002),
    Entry("29(Первая больница) Секретарь", 0x1A0E000B),
    Entry("29(Первая больница) Бухгалтерия", 0x1A0E000C),
    Entry("29(Первая больница) Старый АРМ", 0x1A0E000D, enabled=False),
    Entry("29(Вторая больница) Канцелярия", 0x1A0E0010),
    Entry("29(Новая клиника) Регистратура", 0x1A0E0020),
    Entry("Все медицинские организации", 0x1A0E0100, type="G"),
]
