"""The organisations registry: a CSV (inn,ogrn,name,email,vipnet_node, extra columns allowed).

`email` and `vipnet_node` may hold several values separated by `;` (an organisation
with several addresses and several ViPNet nodes); letters go to every address.

A sender is an organisation when its address (exact, case-insensitive) is in the
registry. A display name proves nothing: anyone can write «29(АГКП1) Секретарь» in
front of any address; `claimed_node` tells when a name claims a registered node, so
that such a letter from an unregistered address can be flagged as a possible spoof.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from bot import lookalikes

REQUIRED_COLUMNS = ("inn", "ogrn", "name", "email", "vipnet_node")


class RegistryError(Exception):
    pass


def normalise_node(name: str) -> str:
    """ViPNet node names compared without case, ё/е, look-alike letters and spacing differences."""
    text = lookalikes.fold(name)
    text = re.sub(r"\s*([()])\s*", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Organisation:
    inn: str
    ogrn: str
    name: str
    emails: tuple[str, ...]
    vipnet_node: str                     # the first of `nodes` ("" when none)
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    nodes: tuple[str, ...] = ()          # every ViPNet node of the organisation

    @property
    def email(self) -> str:
        return self.emails[0] if self.emails else ""

    @property
    def email_to(self) -> str:
        """Every address, for a To header ("" when none): letters go to all of them."""
        return ", ".join(self.emails)


@dataclass(frozen=True)
class Registry:
    organisations: tuple[Organisation, ...]

    def by_address(self, address: str) -> Organisation | None:
        address = address.strip().lower()
        for org in self.organisations:
            if address and address in org.emails:
                return org
        return None

    def by_node(self, display_name: str) -> Organisation | None:
        """The organisation whose ViPNet node name a display name shows (or starts with)."""
        shown = normalise_node(display_name.strip().strip('"').strip())
        if not shown:
            return None
        for org in self.organisations:
            for node in map(normalise_node, org.nodes or (org.vipnet_node,)):
                # the registry may hold the full node name or just its «29(Организация)» head
                # (brackets lose their spaces in normalise_node: «29(кцгб) канцелярия» is «29(кцгб)канцелярия»)
                if node and (shown == node or shown.startswith(node if node.endswith(")") else node + " ")):
                    return org
        return None

    def by_inn(self, inn: str) -> Organisation | None:
        for org in self.organisations:
            if org.inn == inn:
                return org
        return None

    def identify(self, address: str) -> Organisation | None:
        """The sender's organisation: by its address only, never by its display name."""
        return self.by_address(address)

    def claimed_node(self, address: str, display_name: str) -> Organisation | None:
        """The organisation a display name claims (its ViPNet node name) when the address is
        not one of that organisation's: a possible spoof. None when nothing is claimed or
        the address is the organisation's own."""
        org = self.by_node(display_name)
        if org is None or address.strip().lower() in org.emails:
            return None
        return org


def load(path: Path) -> Registry:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise RegistryError(f"реестр организаций не найден: {path}") from exc
    except UnicodeDecodeError:
        text = path.read_text(encoding="cp1251")  # saved from Excel on Windows
    reader = csv.DictReader(text.splitlines(), dialect=_sniff(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise RegistryError(f"в реестре {path} нет столбцов: {', '.join(missing)}")
    orgs = []
    for row in reader:
        clean = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        emails = tuple(e.strip().lower() for e in re.split(r"[;,\s]+", clean["email"]) if e.strip())
        nodes = split_nodes(clean["vipnet_node"])
        orgs.append(Organisation(
            inn=clean["inn"], ogrn=clean["ogrn"], name=clean["name"], emails=emails,
            vipnet_node=nodes[0] if nodes else "",
            extra={k: v for k, v in clean.items() if k not in REQUIRED_COLUMNS},
            nodes=nodes,
        ))
    return Registry(tuple(orgs))


def split_nodes(value: str) -> tuple[str, ...]:
    """The `vipnet_node` cell: node names (or «29(Организация)» heads) separated by `;`."""
    return tuple(n.strip() for n in value.split(";") if n.strip())


def _sniff(text: str) -> type[csv.Dialect]:
    first = text.splitlines()[0] if text else ""
    return csv.excel if first.count(",") >= first.count(";") else _Semicolon


class _Semicolon(csv.excel):
    delimiter = ";"
