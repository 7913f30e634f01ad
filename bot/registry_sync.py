"""The organisations registry against the ViPNet address book: what is new, changed, gone.

An organisation's nodes are the enabled client nodes (type A) of the address book whose
name head «29(Организация)» is one of the heads in its `vipnet_node` cell, or whose id is
in its `vipnet_id` cell (so a renamed organisation is still found). Applying the diff
writes, for each changed organisation, all its nodes into `vipnet_node` (names) and
`vipnet_id` (ids), separated by `;`. Nothing else in the CSV changes: columns, their
order, the other rows, the delimiter and the encoding stay as they were. Organisations
new to the address book are listed, never added: a row needs the ИНН, ОГРН and address,
which the address book does not have.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot import registry as registry_mod
from bot.nodename import Node, head_key

NODE_COLUMN, ID_COLUMN = "vipnet_node", "vipnet_id"
_ID = re.compile(r"(?:0[xX])?([0-9A-Fa-f]{8})")


@dataclass
class Table:
    """The registry CSV as written: the header as is, rows of cells, how it was encoded."""

    path: Path
    header: list[str]
    rows: list[list[str]]
    delimiter: str
    encoding: str          # utf-8-sig, utf-8 or cp1251
    newline: str

    def column(self, name: str) -> int | None:
        lowered = [h.strip().lower() for h in self.header]
        return lowered.index(name) if name in lowered else None

    def cell(self, row: list[str], name: str) -> str:
        index = self.column(name)
        return row[index].strip() if index is not None and index < len(row) else ""


def read_table(path: Path) -> Table:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise registry_mod.RegistryError(f"не удалось прочитать реестр {path}: {exc.strerror}") from exc
    if raw.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        try:
            raw.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "cp1251"
    text = raw.decode(encoding)
    lines = text.splitlines()
    if not lines:
        raise registry_mod.RegistryError(f"реестр {path} пуст")
    delimiter = "," if lines[0].count(",") >= lines[0].count(";") else ";"
    parsed = list(csv.reader(lines, delimiter=delimiter))
    table = Table(path, parsed[0], [r for r in parsed[1:] if any(c.strip() for c in r)], delimiter, encoding,
                  "\r\n" if "\r\n" in text else "\n")
    missing = [c for c in registry_mod.REQUIRED_COLUMNS if table.column(c) is None]
    if missing:
        raise registry_mod.RegistryError(f"в реестре {path} нет столбцов: {', '.join(missing)}")
    return table


def _ids(value: str) -> tuple[str, ...]:
    out = []
    for part in registry_mod.split_nodes(value):
        found = _ID.fullmatch(part)
        if found:
            out.append("0x" + found.group(1).upper())
    return tuple(out)


@dataclass(frozen=True)
class Change:
    row: int                       # index into Table.rows
    inn: str
    name: str
    before: tuple[str, ...]        # node names in the registry
    after: tuple[str, ...]         # node names in the address book
    before_ids: tuple[str, ...]
    after_ids: tuple[str, ...]

    @property
    def added(self) -> tuple[str, ...]:
        return tuple(n for n in self.after if n not in self.before)

    @property
    def removed(self) -> tuple[str, ...]:
        return tuple(n for n in self.before if n not in self.after)


@dataclass(frozen=True)
class NewOrganisation:
    head: str
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Gone:
    inn: str
    name: str
    nodes: tuple[str, ...]


@dataclass(frozen=True)
class Conflict:
    head: str
    names: tuple[str, ...]         # the registry rows that all claim this head


@dataclass(frozen=True)
class Diff:
    new: tuple[NewOrganisation, ...]
    changed: tuple[Change, ...]
    gone: tuple[Gone, ...]
    conflicts: tuple[Conflict, ...]
    unchanged: int

    @property
    def empty(self) -> bool:
        return not (self.new or self.changed or self.gone or self.conflicts)


def compute(table: Table, nodes: Iterable[Node], *, own_heads: Iterable[str] = ()) -> Diff:
    clients = [n for n in nodes if n.is_client and n.enabled and n.head]
    by_head: dict[str, list[Node]] = {}
    for node in clients:
        by_head.setdefault(head_key(node.name), []).append(node)
    by_id = {n.id: n for n in clients}
    row_heads: list[set[str]] = []
    claimed: dict[str, list[int]] = {}
    for index, row in enumerate(table.rows):
        heads = {head_key(v) for v in registry_mod.split_nodes(table.cell(row, NODE_COLUMN))} - {""}
        heads |= {head_key(by_id[i].name) for i in _ids(table.cell(row, ID_COLUMN)) if i in by_id}
        row_heads.append(heads)
        for head in heads:
            claimed.setdefault(head, []).append(index)
    disputed = {h for h, rows in claimed.items() if len(rows) > 1}
    conflicts = tuple(Conflict(h, tuple(table.cell(table.rows[i], "name") for i in claimed[h]))
                      for h in sorted(disputed))
    changed: list[Change] = []
    gone: list[Gone] = []
    unchanged = 0
    for index, row in enumerate(table.rows):
        before = registry_mod.split_nodes(table.cell(row, NODE_COLUMN))
        heads = row_heads[index] - disputed
        if not heads:
            if not row_heads[index]:        # no node named in the registry: nothing to compare
                unchanged += 1
            continue
        matched = sorted((n for h in heads for n in by_head.get(h, [])), key=lambda n: n.id)
        inn, name = table.cell(row, "inn"), table.cell(row, "name")
        if not matched:
            gone.append(Gone(inn, name, before))
            continue
        after, after_ids = tuple(n.name for n in matched), tuple(n.id for n in matched)
        before_ids = _ids(table.cell(row, ID_COLUMN))
        if after != before or after_ids != before_ids:
            changed.append(Change(index, inn, name, before, after, before_ids, after_ids))
        else:
            unchanged += 1
    own = {head_key(h) for h in own_heads}
    new = tuple(NewOrganisation(nodes[0].head, tuple(nodes)) for head, nodes in sorted(by_head.items())
                if head not in claimed and head not in own)
    return Diff(new, tuple(changed), tuple(gone), conflicts, unchanged)


def render(table: Table, diff: Diff) -> str:
    """The diff in Russian, for the operator."""
    out: list[str] = []
    if diff.changed:
        out.append("Изменились узлы организаций:")
        for ch in diff.changed:
            out.append(f"  {ch.name} (ИНН {ch.inn}):")
            out += [f"    + {n}" for n in ch.added]
            out += [f"    − {n}" for n in ch.removed]
            if not ch.added and not ch.removed:
                out.append(f"    идентификаторы: {'; '.join(ch.before_ids) or 'нет'} → {'; '.join(ch.after_ids)}")
    if diff.new:
        out.append("Новые в адресной книге (ни одна строка реестра их не называет: допишите узел в vipnet_node "
                   "организации или новую строку с ИНН, ОГРН и адресом):")
        for org in diff.new:
            out.append(f"  {org.head}: " + "; ".join(f"{n.name} [{n.id}]" for n in org.nodes))
    if diff.gone:
        out.append("Нет в адресной книге (узлы удалены или отключены; строки реестра не меняются):")
        for g in diff.gone:
            out.append(f"  {g.name} (ИНН {g.inn}): {'; '.join(g.nodes)}")
    if diff.conflicts:
        out.append("Один и тот же узел у нескольких организаций реестра (не меняются, исправьте вручную):")
        for c in diff.conflicts:
            out.append(f"  {c.head}: {'; '.join(c.names)}")
    out.append(f"Без изменений: {diff.unchanged}; изменится: {len(diff.changed)}; новых: {len(diff.new)}; "
               f"нет в адресной книге: {len(diff.gone)}.")
    return "\n".join(out)


def apply(table: Table, diff: Diff, *, now: datetime) -> Path:
    """Write the changed node lists into the CSV; the old file is kept as a backup. Returns the backup."""
    header = list(table.header)
    rows = [list(r) for r in table.rows]
    node_col = table.column(NODE_COLUMN)
    id_col = table.column(ID_COLUMN)
    if id_col is None:
        header.append(ID_COLUMN)
        id_col = len(header) - 1
    assert node_col is not None
    for row in rows:
        row.extend([""] * (len(header) - len(row)))
    for ch in diff.changed:
        rows[ch.row][node_col] = "; ".join(ch.after)
        rows[ch.row][id_col] = "; ".join(ch.after_ids)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=table.delimiter, lineterminator=table.newline)
    writer.writerow(header)
    writer.writerows(rows)
    try:
        data = buf.getvalue().encode(table.encoding)
    except UnicodeEncodeError as exc:
        raise registry_mod.RegistryError(
            f"имя узла не записать в кодировке реестра ({table.encoding}): {exc.object[exc.start:exc.end]}"
        ) from exc
    path = table.path
    backup = path.with_name(f"{path.name}.{now:%Y%m%d-%H%M%S}.bak")
    shutil.copy2(path, backup)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        shutil.copymode(path, tmp)
        registry_mod.load(Path(tmp))      # what we wrote must read back
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return backup
