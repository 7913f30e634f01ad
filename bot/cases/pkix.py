"""Electronic requests (PKCS#10) and certificates (X.509) with GOST keys: read the subject.

asn1crypto parses lazily, but its CertificationRequest/Certificate classes fail deep in a
GOST SubjectPublicKeyInfo. So the outer structures are walked here as plain SEQUENCEs of
opaque elements, and only the parts we need (subject, serial, validity) are decoded.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from asn1crypto import core, x509

from bot.ids import digits, normalise_inn

OID_INN = "1.2.643.3.131.1.1"        # ИНН (12 digits; '00' + legal ИНН in older certificates)
OID_INN_LE = "1.2.643.100.4"         # ИНН ЮЛ (10 digits)
OID_OGRN = "1.2.643.100.1"           # ОГРН
OID_OGRNIP = "1.2.643.100.5"         # ОГРНИП
OID_SNILS = "1.2.643.100.3"          # СНИЛС
OID_CN = "2.5.4.3"
OID_O = "2.5.4.10"
OID_OU = "2.5.4.11"
OID_SURNAME = "2.5.4.4"
OID_GIVEN = "2.5.4.42"               # «Имя Отчество» in Russian qualified certificates
OID_TITLE = "2.5.4.12"


class PkixError(Exception):
    """The file is not a readable request or certificate (message in Russian)."""


@dataclass(frozen=True)
class _Tlv:
    """One DER element: its identifier octet and its whole encoding."""

    ident: int
    raw: bytes

    @property
    def tag(self) -> int:
        return self.ident & 0x1F

    @property
    def class_(self) -> int:
        return self.ident >> 6


def _split(der: bytes, what: str) -> list[_Tlv]:
    """The elements inside one DER SEQUENCE that must span all of `der`."""

    def fail(why: str) -> PkixError:
        return PkixError(f"повреждён файл: это не {what} ({why})")

    def header(buf: bytes, pos: int) -> tuple[int, int, int]:
        """(identifier, start of contents, end of element)."""
        if pos + 2 > len(buf):
            raise fail("обрыв данных")
        ident = buf[pos]
        if ident & 0x1F == 0x1F:
            raise fail("длинные теги не поддерживаются")
        length = buf[pos + 1]
        start = pos + 2
        if length & 0x80:
            n = length & 0x7F
            if n == 0 or n > 4 or start + n > len(buf):
                raise fail("неверная длина")
            length = int.from_bytes(buf[start:start + n], "big")
            start += n
        end = start + length
        if end > len(buf):
            raise fail("обрыв данных")
        return ident, start, end

    ident, start, end = header(der, 0)
    if ident != 0x30 or end != len(der):
        raise fail("ожидалась структура SEQUENCE")
    items: list[_Tlv] = []
    pos = start
    while pos < end:
        child_ident, _, child_end = header(der, pos)
        items.append(_Tlv(child_ident, der[pos:child_end]))
        pos = child_end
    return items


@dataclass(frozen=True)
class Subject:
    attributes: dict[str, str] = field(default_factory=dict)   # dotted OID -> value (first occurrence)

    def get(self, oid: str) -> str:
        return self.attributes.get(oid, "")

    @property
    def common_name(self) -> str:
        return self.get(OID_CN)

    @property
    def organisation(self) -> str:
        return self.get(OID_O)

    @property
    def owner(self) -> str:
        """The owner's full name: surname + given names when present, else the CN."""
        surname, given = self.get(OID_SURNAME), self.get(OID_GIVEN)
        if surname and given:
            return f"{surname} {given}"
        return self.common_name

    @property
    def inn(self) -> str:
        """The organisation's 10-digit ИНН: ИНН ЮЛ first, then the ИНН field ('00' stripped)."""
        legal = digits(self.get(OID_INN_LE))
        if len(legal) == 10:
            return legal
        return normalise_inn(self.get(OID_INN))

    @property
    def ogrn(self) -> str:
        return digits(self.get(OID_OGRN) or self.get(OID_OGRNIP))

    @property
    def snils(self) -> str:
        return digits(self.get(OID_SNILS))

    def as_dict(self) -> dict[str, str]:
        return {
            "cn": self.common_name, "o": self.organisation, "owner": self.owner,
            "inn": self.inn, "ogrn": self.ogrn, "snils": self.snils,
        }


@dataclass(frozen=True)
class RequestInfo:
    subject: Subject


@dataclass(frozen=True)
class CertificateInfo:
    subject: Subject
    serial: str            # upper-case hex
    not_before: datetime
    not_after: datetime

    @property
    def not_after_date(self) -> date:
        return self.not_after.date()


_PEM = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.S)


def _der(data: bytes, labels: tuple[str, ...]) -> bytes:
    m = _PEM.search(data)
    if m is None:
        return data
    if m.group(1).decode() not in labels:
        raise PkixError(f"в файле PEM блок «{m.group(1).decode()}», ожидался {' или '.join(labels)}")
    try:
        return base64.b64decode(b"".join(m.group(2).split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PkixError("повреждён PEM: неверная кодировка base64") from exc


def _text(value: Any) -> str:
    """An attribute value as text, whatever string type carries it (NumericString for ИНН)."""
    try:
        native = value.native
    except (ValueError, TypeError):
        native = None
    if isinstance(native, str):
        return native.strip()
    raw = value.dump() if hasattr(value, "dump") else bytes(native or b"")
    try:
        parsed = core.Asn1Value.load(raw)
        contents = parsed.contents or b""
    except ValueError:
        contents = raw
    for enc in ("utf-8", "utf-16-be", "latin-1"):
        try:
            return contents.decode(enc).strip()
        except UnicodeDecodeError:
            continue
    return ""


def _subject(encoded: bytes) -> Subject:
    try:
        name = x509.Name.load(encoded, strict=True)
        attributes: dict[str, str] = {}
        for rdn in name.chosen:
            for atv in rdn:
                oid = atv["type"].dotted
                if oid not in attributes:
                    attributes[oid] = _text(atv["value"])
    except (ValueError, TypeError, KeyError) as exc:
        raise PkixError(f"не удалось прочитать субъект (владельца): {exc}") from exc
    return Subject(attributes)


def read_request(data: bytes) -> RequestInfo:
    """A PKCS#10 request, DER or PEM ('CERTIFICATE REQUEST' / 'NEW CERTIFICATE REQUEST')."""
    if not data:
        raise PkixError("пустой файл")
    der = _der(data, ("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"))
    what = "запрос на сертификат (PKCS#10)"
    outer = _split(der, what)
    if len(outer) != 3 or outer[0].ident != 0x30:
        raise PkixError(f"повреждён файл: это не {what}")
    info = _split(outer[0].raw, what)
    # version INTEGER, subject Name, subjectPKInfo (not parsed: GOST), [0] attributes
    if len(info) < 3 or info[0].ident != 0x02 or info[1].ident != 0x30:
        raise PkixError(f"повреждён файл: это не {what}")
    return RequestInfo(subject=_subject(info[1].raw))


def read_certificate(data: bytes) -> CertificateInfo:
    """An X.509 certificate, DER or PEM."""
    if not data:
        raise PkixError("пустой файл")
    der = _der(data, ("CERTIFICATE",))
    what = "сертификат X.509"
    outer = _split(der, what)
    if len(outer) != 3 or outer[0].ident != 0x30:
        raise PkixError(f"повреждён файл: это не {what}")
    tbs = _split(outer[0].raw, what)
    i = 1 if tbs and tbs[0].ident == 0xA0 else 0  # [0] EXPLICIT version
    if len(tbs) < i + 6:
        raise PkixError(f"повреждён файл: это не {what}")
    try:
        serial_int = core.Integer.load(tbs[i].raw, strict=True).native
        validity = x509.Validity.load(tbs[i + 3].raw, strict=True)
        not_before = validity["not_before"].native
        not_after = validity["not_after"].native
        subject = _subject(tbs[i + 4].raw)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise PkixError(f"повреждён файл: это не сертификат X.509 ({exc})") from exc
    if not isinstance(not_after, datetime) or not isinstance(not_before, datetime):
        raise PkixError("повреждён файл: нет срока действия сертификата")
    serial = format(serial_int, "X") if serial_int >= 0 else format(serial_int & (2 ** 160 - 1), "X")
    return CertificateInfo(subject=subject, serial=serial, not_before=not_before, not_after=not_after)
