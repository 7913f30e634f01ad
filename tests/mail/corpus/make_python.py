"""Writes the python-*.eml files of this corpus with the real `email` package (run from the
project root: .venv/bin/python tests/mail/corpus/make_python.py). The files are committed:
the tests read the bytes, they do not regenerate them."""

from __future__ import annotations

from email import policy
from email.header import Header
from email.message import EmailMessage
from email.mime.text import MIMEText
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATE = "Mon, 30 Nov 2026 10:15:00 +0300"
BODY = "Добрый день! Направляем скан заявки на изготовление сертификата.\n"


def modern(pol: policy.Policy, sender: str, subject: str, mid: str) -> bytes:
    msg = EmailMessage(policy=pol)
    msg["From"] = sender
    msg["To"] = "29(АрхТФОМС) ИБ Нач. отдела <ib@tfoms.example>"
    msg["Subject"] = subject
    msg["Date"] = DATE
    msg["Message-ID"] = mid
    msg.set_content(BODY)
    return msg.as_bytes()


def legacy(sender: str, subject: str, mid: str) -> bytes:
    """The older API many scripts still use: MIMEText and email.header.Header (compat32)."""
    msg = MIMEText(BODY, "plain", "utf-8")
    msg["From"] = sender
    msg["To"] = "ib@tfoms.example"
    msg["Subject"] = Header(subject, "utf-8")
    msg["Date"] = DATE
    msg["Message-ID"] = mid
    return msg.as_bytes()


FILES = {
    # policy.default writes LF line ends, as a script saving a .eml does
    "python-default.eml": modern(policy.default, "ГБУЗ АО АГКП1 <mo1@poliklinika1.example>",
                                 "Заявка на сертификат ViPNet", "<py-default@poliklinika1.example>"),
    "python-smtp-prefixes.eml": modern(policy.SMTP, "ГБУЗ АО «Котласская ЦГБ» <mo2@kotlas-crb.example>",
                                       "Ответ: Re[2]: Fwd:  «Заявка на сертификат ViPNet» ",
                                       "<py-smtp-prefixes@kotlas-crb.example>"),
    "python-smtp-node-name.eml": modern(policy.SMTP, "29(КЦГБ) Канцелярия <secretary@kotlas-crb.example>",
                                        "RE: Заявка на сертификат ViPNet", "<py-smtp-node@kotlas-crb.example>"),
    "python-legacy-header.eml": legacy("smo@sogaz.example", "Fwd: Заявка на сертификат ViPNet",
                                       "<py-legacy@sogaz.example>"),
}

if __name__ == "__main__":
    for name, data in FILES.items():
        (HERE / name).write_bytes(data)
