from __future__ import annotations

from datetime import UTC, datetime

import pytest
from asn1crypto import csr

from bot.cases.pkix import PkixError, read_certificate, read_request
from tests.cases import gostfiles as g
from tests.cases.conftest import INN_A, OGRN_A


def _attrs(**kw: str) -> list[tuple[str, str]]:
    base = {"cn": "Иванов Иван Иванович", "o": "ГБУЗ АО «Первая больница»", "inn_le": INN_A,
            "ogrn": OGRN_A, "snils": "11223344595"}
    base.update(kw)
    return g.subject_attrs(**base)


def test_gost_request_der_subject() -> None:
    der = g.request_der(_attrs())
    info = read_request(der)
    s = info.subject
    assert s.common_name == "Иванов Иван Иванович"
    assert s.organisation == "ГБУЗ АО «Первая больница»"
    assert s.inn == INN_A
    assert s.ogrn == OGRN_A
    assert s.snils == "11223344595"
    assert s.owner == "Иванов Иван Иванович"


def test_asn1crypto_alone_fails_on_the_gost_key_but_we_read_the_subject() -> None:
    der = g.request_der(_attrs())
    with pytest.raises(Exception):  # noqa: B017 - whatever asn1crypto raises deep in the GOST key
        csr.CertificationRequest.load(der).native  # noqa: B018
    assert read_request(der).subject.inn == INN_A


def test_pem_request_and_old_00_inn() -> None:
    data = g.pem(g.request_der(_attrs(inn_le="", inn="00" + INN_A)), "CERTIFICATE REQUEST")
    assert read_request(data).subject.inn == INN_A
    data = g.pem(g.request_der(_attrs()), "NEW CERTIFICATE REQUEST")
    assert read_request(data).subject.common_name


def test_surname_and_given_name_make_the_owner() -> None:
    der = g.request_der(_attrs(cn="ГБУЗ АО «Первая больница»", surname="Фёдорова", given="Анна Петровна"))
    assert read_request(der).subject.owner == "Фёдорова Анна Петровна"


def test_certificate_serial_and_validity() -> None:
    der = g.certificate_der(_attrs(), serial=0x1A2B3C4D5E, not_before=datetime(2026, 4, 28, 7, 0, tzinfo=UTC),
                            not_after=datetime(2027, 4, 28, 7, 0, tzinfo=UTC))
    for data in (der, g.pem(der, "CERTIFICATE")):
        info = read_certificate(data)
        assert info.serial == "1A2B3C4D5E"
        assert info.not_after_date.isoformat() == "2027-04-28"
        assert info.subject.inn == INN_A


@pytest.mark.parametrize("data", [
    b"",
    b"not asn.1 at all",
    b"\x30\x82\xff\xff\x02\x01\x00",                                   # truncated
    b"-----BEGIN CERTIFICATE REQUEST-----\n!!!\n-----END CERTIFICATE REQUEST-----\n",
    b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",  # wrong block
    g.seq(g.seq(b"\x02\x01\x00"), g.seq(), b"\x03\x01\x00"),            # info without a subject
])
def test_corrupt_requests(data: bytes) -> None:
    with pytest.raises(PkixError):
        read_request(data)


def test_a_request_is_not_a_certificate_and_back() -> None:
    req = g.request_der(_attrs())
    cert = g.certificate_der(_attrs(), serial=5, not_before=datetime(2026, 1, 1, tzinfo=UTC),
                             not_after=datetime(2027, 1, 1, tzinfo=UTC))
    with pytest.raises(PkixError):
        read_certificate(req)
    with pytest.raises(PkixError):
        read_request(cert)
    with pytest.raises(PkixError):
        read_certificate(g.pem(req, "CERTIFICATE REQUEST"))
