"""A letter parked for review from a registered address hears «передано специалисту» (issue 12),
but never a loop (reply cap), an automatic letter (RFC 3834) or a misconfigured reason."""

from __future__ import annotations

import base64
import time
from dataclasses import replace

import pytest

from bot.pipeline import chain as chain_mod
from bot.rules import Rules, RulesError
from tests.mail.test_imap_loop import REVIEW, folder_subjects, run_once


def _broken(*headers: bytes) -> bytes:
    subject = base64.b64encode("Заявка на сертификат ViPNet".encode())
    return (b"From: mo1@poliklinika1.example\r\nSubject: =?utf-8?B?" + subject + b"?=\r\n" + b"".join(headers) +
            b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"nope\"\r\n\r\n"
            b"--wrong\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBER!!!\r\n")


@pytest.mark.imap
def test_an_automatic_letter_parked_for_review_gets_no_answer(imap_setup, dovecot, smtp_server, rules):
    config, user = imap_setup
    with dovecot.client(user) as client:
        client.append("INBOX", _broken(b"Auto-Submitted: auto-replied\r\n"))
        client.append("INBOX", _broken(b"Precedence: bulk\r\n"))
    results = run_once(config, rules)
    assert [r["decision"] for r in results] == ["review:malformed"] * 2
    time.sleep(0.5)
    assert smtp_server.replies == []
    assert len(folder_subjects(dovecot, user, REVIEW)) == 2


@pytest.mark.parametrize("reasons", [["reply_cap"], ["sender_spoof"], ["unknown_sender"], ["no_such_reason"]])
def test_reasons_that_must_never_be_answered_stop_the_start(rules: Rules, reasons: list[str]) -> None:
    mail = dict(rules.section("mail"))
    mail["replies"] = {**mail["replies"], "acknowledge": {**mail["replies"]["acknowledge"], "reasons": reasons}}
    broken = replace(rules, sections={**rules.sections, "mail": mail})
    with pytest.raises(RulesError, match="replies.acknowledge.reasons"):
        chain_mod.load(broken)
