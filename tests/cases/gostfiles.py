"""Build GOST-like PKCS#10 requests and X.509 certificates for tests.

The structures are real (GOST R 34.10-2012 256-bit key and signature OIDs, Russian
subject OIDs with NumericString ИНН/ОГРН/СНИЛС as ViPNet CA writes them); the key
and signature bytes are random, since nothing here verifies them.
"""

from __future__ import annotations

import base64
import os
from datetime import datetime

from asn1crypto import core

GOST_KEY = "1.2.643.7.1.1.1.1"          # GOST R 34.10-2012, 256 bit
GOST_PARAMS = "1.2.643.7.1.2.1.1.1"     # id-tc26-gost-3410-12-256-paramSetA
GOST_DIGEST = "1.2.643.7.1.1.2.2"       # Streebog-256
GOST_SIGN = "1.2.643.7.1.1.3.2"         # signature with Streebog-256


def tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + content


def seq(*parts: bytes) -> bytes:
    return tlv(0x30, b"".join(parts))


def oid(dotted: str) -> bytes:
    return core.ObjectIdentifier(dotted).dump()


def name(attrs: list[tuple[str, str]]) -> bytes:
    rdns = []
    for key, value in attrs:
        numeric = key in ("1.2.643.3.131.1.1", "1.2.643.100.4", "1.2.643.100.1", "1.2.643.100.3")
        val = core.NumericString(value).dump() if numeric else core.UTF8String(value).dump()
        rdns.append(tlv(0x31, seq(oid(key), val)))
    return seq(*rdns)


def spki() -> bytes:
    key = tlv(0x04, os.urandom(64))
    return seq(seq(oid(GOST_KEY), seq(oid(GOST_PARAMS), oid(GOST_DIGEST))), tlv(0x03, b"\x00" + key))


def subject_attrs(*, cn: str, o: str = "", inn: str = "", inn_le: str = "", ogrn: str = "",
                  snils: str = "", surname: str = "", given: str = "") -> list[tuple[str, str]]:
    attrs = [("2.5.4.6", "RU"), ("2.5.4.8", "29 Архангельская область")]
    if o:
        attrs.append(("2.5.4.10", o))
    if surname:
        attrs.append(("2.5.4.4", surname))
    if given:
        attrs.append(("2.5.4.42", given))
    attrs.append(("2.5.4.3", cn))
    for key, value in (("1.2.643.3.131.1.1", inn), ("1.2.643.100.4", inn_le), ("1.2.643.100.1", ogrn),
                       ("1.2.643.100.3", snils)):
        if value:
            attrs.append((key, value))
    return attrs


def request_der(attrs: list[tuple[str, str]]) -> bytes:
    info = seq(core.Integer(0).dump(), name(attrs), spki(), tlv(0xA0, b""))
    return seq(info, seq(oid(GOST_SIGN)), tlv(0x03, b"\x00" + os.urandom(64)))


def certificate_der(attrs: list[tuple[str, str]], *, serial: int, not_before: datetime,
                    not_after: datetime) -> bytes:
    issuer = name([("2.5.4.10", "ТФОМС АО"), ("2.5.4.3", "УЦ ТФОМС АО")])
    validity = seq(core.UTCTime(not_before).dump(), core.UTCTime(not_after).dump())
    version = tlv(0xA0, core.Integer(2).dump())
    tbs = seq(version, core.Integer(serial).dump(), seq(oid(GOST_SIGN)), issuer, validity, name(attrs), spki())
    return seq(tbs, seq(oid(GOST_SIGN)), tlv(0x03, b"\x00" + os.urandom(64)))


def pem(der: bytes, label: str) -> bytes:
    body = base64.encodebytes(der).decode().replace("\n", "")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    joined = "\n".join(lines)
    return f"-----BEGIN {label}-----\n{joined}\n-----END {label}-----\n".encode()
