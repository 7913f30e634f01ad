"""The operator's guide (docs/OPERATOR.md) is run: its ```console blocks, in order.

Each `$ vipnet-cert-bot …` line runs against a fresh state dir and the guide's own little
world (registry, mailbox with two scans — one from an address the registry does not know
yet —, two scans of applications that came by post or by hand — the second generated so
that the check is not sure of it —, certificate and request files, an address book, an
SMTP server that refuses one organisation's old address for good), with the clock pinned by
`$ export VIPNET_CERT_BOT_NOW=…` lines. Lines under a command are its expected output:
each must be found in what the command printed («…» stands for anything; lines starting
with «# » are comments). A shown «Ошибка: …» means the command must fail.

A ```csv organisations.csv block is the operator's own edit of the registry: a header and
the rows as they read after the edit; at that point of the run each row replaces the
registry's row with the same ИНН (or is added).
"""

from __future__ import annotations

import csv
import io
import re
import shlex
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot import DEFAULT_RULES_DIR
from bot.cli import main
from bot.clock import MOSCOW
from bot.letters import Draft
from tests.cases import gostfiles as g
from tests.digest.seed import application
from tests.ops.nodenames import Entry, nodename_doc
from tests.support.smtp import SmtpServer

pytestmark = [pytest.mark.ocr]   # one scan letter goes through the real check

PROJECT = DEFAULT_RULES_DIR.parent
GUIDE = PROJECT / "docs" / "OPERATOR.md"
SAMPLES = PROJECT / "fixtures" / "scans" / "sample"
SAMPLE_SCAN = SAMPLES / "complete-colour.jpg"        # ИНН 2915021105, Тарасов Олег Александрович
SECOND_SCAN = SAMPLES / "letter-and-form.pdf"        # ИНН 2954615769, Иванов Олег Иванович
BLOCK = re.compile(r"^```(console|csv organisations\.csv)[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)
REFUSED = "mo-a@a.example"   # «Первая больница» changed its address; the server refuses the old one for good

REGISTRY = """inn,ogrn,name,email,vipnet_node
2915021105,1728567220732,ГБУЗ АО «Няндомская ЦРБ»,crb@nyandoma.example; it@nyandoma.example,29(НЦРБ) Канцелярия
2901001236,1022900000012,ГБУЗ АО «Первая больница»,mo-a@a.example,29(Первая больница)
2902004568,1022900000023,ГБУЗ АО «Вторая больница»,mo-b@b.example,29(Вторая больница) Канцелярия
"""

OLD_CERTIFICATES = """inn;owner;serial;not_after;made_on;node
2901001236;Смирнова Ольга Петровна;01 A2 B3;15.05.2026;15.05.2025;0x1A0E000B
2902004568;Кузнецов Пётр Ильич;C0FFEE;20.11.2026;20.11.2025;
"""

BOOK = [
    Entry("29(АрхТФОМС) Координатор", 0x1A0E0001, type="S"),
    Entry("29(АрхТФОМС) ИБ Нач. отдела Пришва А.А.", 0x1A0E0002),
    Entry("29(НЦРБ) Канцелярия", 0x1AC666F3),
    Entry("29(Первая больница) Секретарь", 0x1A0E000B),
    Entry("29(Первая больница) Бухгалтерия", 0x1A0E000C),
    Entry("29(Вторая больница) Канцелярия", 0x1A0E0010),
    Entry("29(Северодвинская ГБ) Регистратура", 0x1A54F6E9),
    Entry("Все медицинские организации", 0x1A0E0100, type="G"),
]


# Орлова's applications in the guide: hers and her hospital's (`scan add` refuses someone else's)
ORLOVA = {"inn": "2901001236", "ogrn": "1022900000012", "owner_name": "Орлова Мария Андреевна"}


def unsure_scan() -> bytes:
    """A black-and-white scan whose manager signature the check sees only in part: `review`."""
    return application(76, "complete", fmt="png", mode="bw", **ORLOVA)


def unsealed_scan() -> bytes:
    """Signed, not sealed, upside down: `incomplete`, no seal."""
    return application(11, "no_seal", rotation=180, skew=0.5, **ORLOVA)


class RefusingSmtp(SmtpServer):
    """The organisations' mail server: takes every letter but refuses REFUSED for good."""

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802 - aiosmtpd
                          rcpt_options: Any) -> str:
        if address == REFUSED:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def build_world(root: Path, smtp_port: int) -> Path:
    """The files the guide's examples name, and a config; returns the config path."""
    for sub in ("new", "cur", "tmp"):
        (root / "mailbox" / sub).mkdir(parents=True)
    (root / "organisations.csv").write_text(REGISTRY, encoding="utf-8")
    config = root / "config.toml"
    config.write_text(
        "[bot]\n"
        'address = "29(АрхТФОМС) УЦ бот <uc-bot@tfoms29.example>"\n'
        'infosec_head = "ib-head@tfoms29.example"\n'
        f'state_dir = "{root / "state"}"\n'
        f'organisations = "{root / "organisations.csv"}"\n'
        f'rules_dir = "{DEFAULT_RULES_DIR}"\n'
        f'[maildir]\npath = "{root / "mailbox"}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\n', encoding="utf-8")
    (root / "nodename.doc").write_bytes(nodename_doc(BOOK))
    (root / "старые-сертификаты.csv").write_bytes(OLD_CERTIFICATES.encode("cp1251"))
    (root / "из-УЦ").mkdir()
    (root / "из-УЦ" / "петрова.cer").write_bytes(g.certificate_der(
        g.subject_attrs(cn="Петрова Анна Сергеевна", o="ГБУЗ АО «Вторая больница»", inn_le="2902004568"),
        serial=0x5A5A, not_before=datetime(2025, 9, 1, 8, tzinfo=UTC), not_after=datetime(2026, 9, 1, 8, tzinfo=UTC)))
    (root / "смирнова.req").write_bytes(g.pem(g.request_der(
        g.subject_attrs(cn="Смирнова Ольга Петровна", o="ГБУЗ АО «Первая больница»", inn="002901001236")),
        "CERTIFICATE REQUEST"))
    shutil.copy(SAMPLE_SCAN, root / "заявка.jpg")
    (root / "орлова-почта.jpg").write_bytes(unsealed_scan())   # no seal: the bot rejects it
    (root / "орлова-нарочным.png").write_bytes(unsure_scan())   # the check is not sure: the operator accepts it
    letter = Draft(sender="29(НЦРБ) Канцелярия <crb@nyandoma.example>", to="ib-head@tfoms29.example",
                   attachments=[("Заявка НЦРБ.jpg", SAMPLE_SCAN.read_bytes())],
                   date=datetime(2026, 4, 28, 10, 30, tzinfo=MOSCOW), message_id="<guide-1@nyandoma.example>")
    (root / "mailbox" / "new" / "1777000000.guide1.localhost").write_bytes(letter.build())
    # a hospital not in the registry yet writes for the first time: parked for review
    letter = Draft(sender="29(Северодвинская ГБ) Регистратура <reg@sevgb.example>", to="ib-head@tfoms29.example",
                   attachments=[("Заявка Иванов.pdf", SECOND_SCAN.read_bytes())],
                   date=datetime(2026, 4, 28, 10, 45, tzinfo=MOSCOW), message_id="<guide-2@sevgb.example>")
    (root / "mailbox" / "new" / "1777000900.guide2.localhost").write_bytes(letter.build())
    return config


def edit_registry(path: Path, rows: list[dict[str, str]]) -> None:
    """The operator's edit: each row replaces the row with its ИНН, or is added."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        columns = list(reader.fieldnames or [])
        kept = list(reader)
    for row in rows:
        columns += [c for c in row if c not in columns]
        at = next((i for i, old in enumerate(kept) if old["inn"] == row["inn"]), None)
        if at is None:
            kept.append(row)
        else:
            kept[at] = row
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(kept)
    path.write_text(out.getvalue(), encoding="utf-8")


@dataclass
class Step:
    line: int
    env: dict[str, str]
    argv: list[str]
    expected: list[str] = field(default_factory=list)
    registry_rows: list[dict[str, str]] | None = None   # an edit of organisations.csv instead of a command


def parse_guide(text: str) -> list[Step]:
    """Run steps from the console and registry blocks, in order."""
    steps: list[Step] = []
    env: dict[str, str] = {}
    for block in BLOCK.finditer(text):
        kind, body = block.group(1), block.group(2)
        first = text.count("\n", 0, block.start(2)) + 1
        if kind.startswith("csv"):
            rows = list(csv.DictReader(io.StringIO(body)))
            assert rows and "inn" in rows[0], f"OPERATOR.md:{first}: a registry edit needs a header and rows"
            steps.append(Step(first, {}, [], registry_rows=rows))
            continue
        for offset, raw in enumerate(body.splitlines()):
            number = first + offset
            if not raw.startswith("$ "):
                if steps and raw.strip() and not raw.lstrip().startswith("# "):
                    steps[-1].expected.append(raw.strip())
                continue
            words = shlex.split(raw[2:], comments=True)
            if words[:1] == ["export"]:
                for assignment in words[1:]:
                    key, _, value = assignment.partition("=")
                    env[key] = value
                continue
            local = dict(env)
            while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
                key, _, value = words.pop(0).partition("=")
                local[key] = value
            assert words[:1] == ["vipnet-cert-bot"], f"OPERATOR.md:{number}: not a vipnet-cert-bot command"
            steps.append(Step(number, local, words[1:]))
    return steps


@pytest.fixture
def smtp() -> Iterator[RefusingSmtp]:
    server = RefusingSmtp(infosec_head="ib-head@tfoms29.example")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_the_guide_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp: RefusingSmtp) -> None:
    steps = parse_guide(GUIDE.read_text(encoding="utf-8"))
    assert len(steps) > 20
    config = build_world(tmp_path, smtp.port)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OMP_THREAD_LIMIT", "1")
    runner = CliRunner()
    for step in steps:
        if step.registry_rows is not None:
            edit_registry(tmp_path / "organisations.csv", step.registry_rows)
            continue
        env = {**step.env, "VIPNET_CERT_BOT_CONFIG": str(config)}
        result = runner.invoke(main, step.argv, env=env, catch_exceptions=True)
        where = f"OPERATOR.md:{step.line}: {' '.join(step.argv)}\n{result.output}"
        assert result.exception is None or isinstance(result.exception, SystemExit), where
        fails = any(line.startswith("Ошибка:") for line in step.expected)
        assert (result.exit_code != 0) == fails, where
        for line in step.expected:
            if line == "…":
                continue
            for part in (p.strip() for p in line.split("…")):
                assert part in result.output, f"{where}\nnot found: {part!r}"
