"""The ViPNet address book `nodename.doc`: the nodes of the network, as ViPNet writes it.

One node a line, fixed width, in cp866 (the DOS code page), lines ending CR LF:

    columns 1–50   the node name, padded with spaces («29(АГКП1) Секретарь»)
    then, separated by spaces:
                   the enabled flag: 1 (on) or 0 (off)
                   the type: A (a client, «абонентский пункт»), S (a coordinator, server), G (a group)
                   a 16-hex-digit field (kept, not interpreted)
                   the node id: 8 hex digits, the high 16 bits the network number (1A0E000B)

A DOS end-of-file mark (0x1A) and empty lines are ignored; anything else that does not
fit is an error naming the line — the file is read as it is, nothing is guessed.
The organisation is the name's head «29(АГКП1)»: network 29, short name in brackets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.registry import normalise_node

NAME_WIDTH = 50
TYPES = {"A": "абонентский пункт", "S": "координатор", "G": "группа"}
_HEAD = re.compile(r"^\s*(\d+)\s*\(([^()]+)\)")
_HEX16 = re.compile(r"[0-9A-Fa-f]{16}")
_ID = re.compile(r"(?:0[xX])?([0-9A-Fa-f]{8})")


class NodenameError(Exception):
    """The file is not a readable address book (message in Russian)."""


@dataclass(frozen=True)
class Node:
    name: str          # as written, trailing spaces dropped
    enabled: bool
    type: str          # A, S or G
    extra: str         # the 16-hex field
    id: str            # 0x + 8 upper-case hex digits

    @property
    def head(self) -> str:
        """«29(АГКП1)»: the organisation part of the name ("" when the name has none)."""
        return node_head(self.name)

    @property
    def is_client(self) -> bool:
        return self.type == "A"


def node_head(name: str) -> str:
    found = _HEAD.match(name)
    return f"{found.group(1)}({found.group(2).strip()})" if found else ""


def head_key(name: str) -> str:
    """A head compared without case, ё/е and spacing differences."""
    return normalise_node(node_head(name))


def parse(data: bytes) -> list[Node]:
    if not data.strip(b"\x1a\r\n\t "):
        raise NodenameError("пустой файл: в адресной книге нет ни одного узла")
    if any(b > 0x7F for b in data):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raise NodenameError("файл в кодировке UTF-8, а nodename.doc пишется в cp866: "
                                "возьмите файл из каталога ViPNet без пересохранения")
    nodes: list[Node] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        line = raw.rstrip(b"\r").rstrip(b"\x1a")
        if not line.strip():
            continue
        if len(line) <= NAME_WIDTH:
            raise NodenameError(f"строка {number}: короче {NAME_WIDTH} знаков имени и полей узла")
        name = line[:NAME_WIDTH].decode("cp866").rstrip()
        try:
            fields = line[NAME_WIDTH:].decode("ascii").split()
        except UnicodeDecodeError as exc:
            raise NodenameError(f"строка {number}: после имени (50 знаков) ожидаются поля узла") from exc
        if len(fields) != 4:
            raise NodenameError(f"строка {number}: после имени ожидаются 4 поля (признак, тип, "
                                f"16 шестнадцатеричных цифр, идентификатор), а их {len(fields)}")
        flag, kind, extra, node_id = fields
        if flag not in ("0", "1"):
            raise NodenameError(f"строка {number}: признак включения «{flag}», ожидается 1 или 0")
        if kind.upper() not in TYPES:
            raise NodenameError(f"строка {number}: тип узла «{kind}», ожидается A, S или G")
        if not _HEX16.fullmatch(extra):
            raise NodenameError(f"строка {number}: поле «{extra}» — ожидаются 16 шестнадцатеричных цифр")
        found = _ID.fullmatch(node_id)
        if found is None:
            raise NodenameError(f"строка {number}: идентификатор узла «{node_id}», ожидаются 8 "
                                "шестнадцатеричных цифр")
        if not name:
            raise NodenameError(f"строка {number}: пустое имя узла")
        nodes.append(Node(name=name, enabled=flag == "1", type=kind.upper(), extra=extra.upper(),
                          id="0x" + found.group(1).upper()))
    ids = [n.id for n in nodes]
    doubled = sorted({i for i in ids if ids.count(i) > 1})
    if doubled:
        raise NodenameError(f"идентификаторы узлов повторяются: {', '.join(doubled)}")
    return nodes
