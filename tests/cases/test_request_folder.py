"""The request folder the daemon watches: good files are imported, bad ones set aside with an alert."""

from __future__ import annotations

from pathlib import Path

from bot.cases.repo import all_cases
from bot.cases.request_folder import import_folder
from tests.cases.conftest import BOT, HEAD, INN_A, INN_UNKNOWN, at
from tests.cases.gostfiles import pem, request_der, subject_attrs


def test_folder_import(tmp_path: Path, store, rules, registry) -> None:
    folder = tmp_path / "requests"
    folder.mkdir()
    (folder / "good.req").write_bytes(pem(request_der(subject_attrs(cn="Иванов Иван Иванович", inn_le=INN_A)),
                                          "CERTIFICATE REQUEST"))
    (folder / "corrupt.req").write_bytes(b"-----BEGIN CERTIFICATE REQUEST-----\nnonsense\n")
    (folder / "stranger.der").write_bytes(request_der(subject_attrs(cn="Пётр Петров", inn_le=INN_UNKNOWN)))
    results = import_folder(store, rules, registry, folder, bot_address=BOT, infosec_head=HEAD, reply_to="",
                            now=at("2026-04-27T10:00"))
    by_file = {r.file: r for r in results}
    assert by_file["good.req"].case_id and by_file["good.req"].error is None
    assert by_file["corrupt.req"].error and by_file["stranger.der"].error
    assert sorted(p.name for p in (folder / "imported").iterdir()) == ["good.req"]
    assert sorted(p.name for p in (folder / "failed").iterdir()) == ["corrupt.req", "stranger.der"]
    assert [p for p in folder.iterdir() if p.is_file()] == []
    (case,) = all_cases(store)
    assert case["inn"] == INN_A and case["owner"] == "Иванов Иван Иванович"
    alerts = store.outbox.all()
    assert len(alerts) == 2 and all(a["to"] == [HEAD] and a["kind"] == "alert" for a in alerts)
    # a second round finds nothing new
    assert import_folder(store, rules, registry, folder, bot_address=BOT, infosec_head=HEAD, reply_to="",
                         now=at("2026-04-27T10:01")) == []


def test_a_request_completing_the_set_is_told(tmp_path: Path, store, rules, registry) -> None:
    from bot.cases import service
    from bot.cases.policy import load_policy

    now = at("2026-04-27T10:00")
    with store.transaction():
        service.record_scan(store, load_policy(rules), None, registry.by_inn(INN_A), verdict="complete",
                            fields={"owner_name": "Иванов Иван Иванович"}, on=now.date(), now=now, letter={})
    folder = tmp_path / "requests"
    folder.mkdir()
    (folder / "good.req").write_bytes(pem(request_der(subject_attrs(cn="Иванов Иван Иванович", inn_le=INN_A)),
                                          "CERTIFICATE REQUEST"))
    import_folder(store, rules, registry, folder, bot_address=BOT, infosec_head=HEAD, reply_to="", now=at("2026-04-28T10:00"))
    (letter,) = store.outbox.all()
    assert letter["to"] == ["mo-a@a.example"] and letter["ref"].endswith(":fullset")
