"""The ViPNet address book (`nodename.doc`, cp866 bytes as ViPNet writes them) against the registry."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot import registry as registry_mod
from bot.cli import main
from bot.nodename import NodenameError, parse
from bot.store import Store
from tests.cases.conftest import INN_A, INN_B, INN_C, OGRN_A, OGRN_B, OGRN_C
from tests.ops.nodenames import BOOK, Entry, line, nodename_doc

REGISTRY = (  # the rows of tests/cases/conftest.py, with a head-only node and a second address
    "inn;ogrn;name;email;vipnet_node;note\r\n"
    f"{INN_A};{OGRN_A};ГБУЗ АО «Первая больница»;mo-a@a.example;29(Первая больница) Секретарь;основная\r\n"
    f"{INN_B};{OGRN_B};ГБУЗ АО «Вторая больница»;\"mo-b@b.example; it@b.example\";29(Вторая больница);\r\n"
    f"{INN_C};{OGRN_C};ГБУЗ АО «Третья больница»;;29(Третья больница) Приёмная;\r\n"
)


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, [args[0], args[1], "--config", str(config), *args[2:]],
                              env={"VIPNET_CERT_BOT_NOW": "2026-05-12T10:00"}, catch_exceptions=False)


@pytest.fixture
def setup(config_path: Path, registry_path: Path, tmp_path: Path) -> tuple[Path, Path, Path]:
    registry_path.write_bytes(REGISTRY.encode("cp1251"))       # saved from Excel on Windows
    book = tmp_path / "nodename.doc"
    book.write_bytes(nodename_doc(BOOK))
    return config_path, registry_path, book


def test_the_generator_writes_what_the_parser_reads() -> None:
    data = nodename_doc(BOOK)
    assert data.endswith(b"\r\n\x1a") and "Секретарь".encode("cp866") in data
    first = data.split(b"\r\n")[0]
    assert len(first) == 50 + len(" 1 S 00011A0E00000000 1A0E0001")
    nodes = parse(data)
    assert [(n.name, n.enabled, n.type, n.id) for n in nodes][:3] == [
        ("29(АрхТФОМС) Координатор", True, "S", "0x1A0E0001"),
        ("29(АрхТФОМС) ИБ Нач. отдела Пришва А.А.", True, "A", "0x1A0E0002"),
        ("29(Первая больница) Секретарь", True, "A", "0x1A0E000B")]
    assert nodes[4].enabled is False and nodes[-1].type == "G" and nodes[-1].head == ""
    # a name of exactly 50 characters runs into the fields with no space of its own
    full = Entry("29(Больница) " + "Я" * 37, 0x1A0E0099)
    assert parse(line(full))[0].name == full.name


@pytest.mark.parametrize(("data", "message"), [
    (b"", "пустой файл"),
    (nodename_doc(BOOK).decode("cp866").encode("utf-8"), "UTF-8"),
    (b"29(X) A".ljust(50) + b" 1 A 00011A0E00000000\r\n", "4 поля"),
    (b"29(X) A".ljust(50) + b" 2 A 00011A0E00000000 1A0E0001\r\n", "признак"),
    (b"29(X) A".ljust(50) + b" 1 Q 00011A0E00000000 1A0E0001\r\n", "тип узла"),
    (b"29(X) A".ljust(50) + b" 1 A 00011A0E0000 1A0E0001\r\n", "16"),
    (b"29(X) A".ljust(50) + b" 1 A 00011A0E00000000 1A0E00\r\n", "идентификатор"),
    (b"29(X) A\r\n", "короче"),
    (line(Entry("29(X) A", 1)) + line(Entry("29(X) B", 1)), "повторяются"),
])
def test_a_bad_address_book_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(NodenameError, match=message):
        parse(data)


def test_diff_shows_new_changed_and_gone(setup: tuple[Path, Path, Path]) -> None:
    config, registry_path, book = setup
    before = registry_path.read_bytes()
    result = run(config, "registry", "diff", str(book))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "ГБУЗ АО «Первая больница» (ИНН 2901001236):\n    + 29(Первая больница) Бухгалтерия" in out
    assert "Старый АРМ" not in out                       # disabled: not the organisation's node
    assert "    + 29(Вторая больница) Канцелярия\n    − 29(Вторая больница)\n" in out
    assert "29(Новая клиника): 29(Новая клиника) Регистратура [0x1A0E0020]" in out
    assert "АрхТФОМС" not in out                          # the centre's own nodes are not news
    assert "ГБУЗ АО «Третья больница» (ИНН 2903007890): 29(Третья больница) Приёмная" in out
    assert "изменится: 2; новых: 1; нет в адресной книге: 1." in out
    assert registry_path.read_bytes() == before


def test_import_writes_the_nodes_with_a_backup(setup: tuple[Path, Path, Path], tmp_path: Path) -> None:
    config, registry_path, book = setup
    before = registry_path.read_bytes()
    dry = run(config, "registry", "import", str(book))
    assert dry.exit_code == 0 and "повторите с --apply" in dry.output
    assert registry_path.read_bytes() == before
    result = run(config, "registry", "import", str(book), "--apply", "--by", "petrova")
    assert result.exit_code == 0, result.output
    backup = registry_path.with_name("organisations.csv.20260512-100000.bak")
    assert backup.read_bytes() == before
    text = registry_path.read_bytes().decode("cp1251")         # the encoding is kept
    assert text.splitlines()[0] == "inn;ogrn;name;email;vipnet_node;note;vipnet_id"
    reg = registry_mod.load(registry_path)
    a, b, c = reg.organisations
    assert a.nodes == ("29(Первая больница) Секретарь", "29(Первая больница) Бухгалтерия")
    assert a.vipnet_node == "29(Первая больница) Секретарь"
    assert a.extra == {"note": "основная", "vipnet_id": "0x1A0E000B; 0x1A0E000C"}
    assert b.nodes == ("29(Вторая больница) Канцелярия",) and b.emails == ("mo-b@b.example", "it@b.example")
    assert c.nodes == ("29(Третья больница) Приёмная",)          # gone from the book: left as it was
    assert reg.by_node("29(Первая больница) Бухгалтерия") is a
    store = Store(tmp_path / "state")
    try:
        with store.transaction():
            [record] = store.table("registry_changes").all()
    finally:
        store.close()
    assert record["by"] == "petrova" and record["changed"] == [INN_A, INN_B]
    # a second import finds nothing to change
    again = run(config, "registry", "import", str(book), "--apply")
    assert again.exit_code == 0 and "Менять в реестре нечего" in again.output


def test_a_renamed_organisation_is_found_by_node_id(setup: tuple[Path, Path, Path]) -> None:
    config, registry_path, book = setup
    assert run(config, "registry", "import", str(book), "--apply").exit_code == 0
    renamed = [Entry("29(Больница №1) Секретарь", 0x1A0E000B) if e.id == 0x1A0E000B else e for e in BOOK]
    book.write_bytes(nodename_doc(renamed))
    out = run(config, "registry", "diff", str(book)).output
    assert "+ 29(Больница №1) Секретарь\n    − 29(Первая больница) Секретарь" in out
    assert "29(Больница №1):" not in out                        # not a new organisation


def test_a_bad_book_changes_nothing(setup: tuple[Path, Path, Path]) -> None:
    config, registry_path, book = setup
    book.write_bytes(b"garbage\r\n")
    before = registry_path.read_bytes()
    result = run(config, "registry", "import", str(book), "--apply")
    assert result.exit_code != 0 and "строка 1" in result.output and "Traceback" not in result.output
    assert registry_path.read_bytes() == before
    missing = run(config, "registry", "diff", str(book.with_name("none.doc")))
    assert missing.exit_code != 0 and "не удалось прочитать" in missing.output
