"""Signature rows found by their rules, labels that wrap, the page's orientation by word shape."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from bot import DEFAULT_RULES_DIR
from bot.rules import load as load_rules
from bot.scan import form, rows
from bot.scan.config import ScanConfig, from_rules
from bot.scan.ocr import Line, Word


def _cfg() -> ScanConfig:
    return from_rules(load_rules(DEFAULT_RULES_DIR))


def _line(text: str, x: int, y: int, block: int = 1) -> Line:
    words = []
    for t in text.split():
        words.append(Word(t, 95.0, x, y, x + 20 * len(t), y + 40, (0, block, 1, y)))
        x += 20 * len(t) + 15
    return Line(tuple(words))


def test_a_label_wrapped_in_its_column_ends_on_its_last_line() -> None:
    """«Владелец сертификата ключа / проверки электронной подписи» in the right column: the
    signature line and caption are under the second line, not the first."""
    cfg = _cfg()
    lines = [
        _line("Руководитель организации", 100, 1000, 1),
        _line("Владелец сертификата ключа", 1300, 1000, 2),
        _line("проверки электронной подписи", 1300, 1060, 2),
        _line("Д.П. Кузнецова", 1900, 1200, 3),
        _line("(подпись)", 1450, 1250, 4),
    ]
    labels = form.find_labels(lines, cfg)
    owner = labels["owner"]
    assert owner.box[3] == 1100 and owner.last_line == (1060, 1100)
    assert labels["manager"].box[3] == 1040  # nothing of the other column, nor the name, joins it
    # a name or a caption under a label is not its wording
    plain = form.find_labels([_line("Владелец сертификата", 100, 1000), _line("И.О. Фамилия", 100, 1060)], cfg)
    assert plain["owner"].box[3] == 1040


def test_rules_are_found_and_tied_to_their_labels() -> None:
    cfg = _cfg()
    g = np.full((1400, 2400), 250, np.uint8)
    cv2.line(g, (700, 640), (1300, 640), 0, 3)     # «Руководитель ____» on the label's line
    cv2.line(g, (1300, 1100), (1800, 1100), 0, 3)  # a two-column block: the line under the label
    cv2.line(g, (100, 300), (2200, 302), 0, 2)     # a long border (slightly slanted)
    for x in range(100, 500, 24):                  # a run of underscores
        cv2.line(g, (x, 900), (x + 20, 900), 0, 3)
    found = rows.find_rules(g, 40.0, cfg.signature)
    ys = sorted(r.y for r in found)
    assert len(found) == 4 and abs(ys[0] - 301) <= 2 and 899 <= ys[2] <= 901
    sc = cfg.signature
    right = rows.label_rule((100, 600, 600, 640), (600, 640), [], found, 40.0, sc)
    assert right is not None and right.side == "right" and right.x0 >= 690
    under = rows.label_rule((1300, 900, 1900, 1000), (960, 1000), [], found, 40.0, sc)
    assert under is not None and under.side == "under" and under.y == 1100
    # another label between a label and a rule: the rule is the other's
    assert rows.label_rule((1300, 900, 1900, 1000), (960, 1000), [(1300, 1040, 1800, 1080)], found, 40.0,
                           sc) is None
    # a line of print between a label and a rule: the rule is another row's
    printed = [Word("Главный", 95.0, 1350, 995, 1500, 1030, (0, 1, 1, 1))]
    assert rows.label_rule((1300, 900, 1900, 960), (920, 960), [], found, 40.0, sc, printed) is None
    assert rows.label_rule((1300, 900, 1900, 960), (920, 960), [], found, 40.0, sc) is not None
    # too far under the label: not its row
    assert rows.label_rule((1300, 500, 1900, 540), (500, 540), [], found, 40.0, sc) is None


def test_a_short_line_right_after_its_label_is_its_rule_and_elsewhere_is_not() -> None:
    """A 20 mm line (five print heights, under `rule_min_length`) right after a label on its line
    is the row's rule (officegen 840021: «… электронной подписи ______ / А.Ю.»); the same line
    under a label, or far to its right, is no rule."""
    cfg = _cfg()
    sc = cfg.signature
    g = np.full((1400, 2400), 250, np.uint8)
    cv2.line(g, (1640, 640), (1840, 640), 0, 3)    # 200 px = 5 print heights of 40 px
    cv2.line(g, (300, 760), (500, 760), 0, 3)      # another under the next label
    assert rows.find_rules(g, 40.0, sc, 300.0) == []
    _, beside = rows.rules_and_shorter(g, 40.0, sc, 300.0, sc.rule_beside * 40.0)
    assert len(beside) == 2
    right = rows.label_rule((100, 600, 1600, 640), (600, 640), [], [], 40.0, sc, beside=beside)
    assert right is not None and right.side == "right" and right.x0 >= 1630
    assert rows.label_rule((100, 600, 1200, 640), (600, 640), [], [], 40.0, sc, beside=beside) is None  # far
    assert rows.label_rule((300, 680, 900, 720), (680, 720), [], [], 40.0, sc, beside=beside) is None  # under


def test_a_label_lost_under_a_seal_is_found_by_its_rule() -> None:
    cfg = _cfg()
    g = np.full((1400, 2400), 250, np.uint8)
    cv2.line(g, (900, 640), (1500, 640), 0, 3)    # the manager's row
    cv2.line(g, (900, 1040), (1500, 1040), 0, 3)  # the owner's row
    found = rows.find_rules(g, 40.0, cfg.signature)
    owner_line = _line("Владелец сертификата", 100, 1000)
    labels = form.find_labels([owner_line], cfg)
    owner = labels["owner"]
    labels["owner"] = dataclasses.replace(owner, rule=rows.label_rule(owner.box, owner.last_line, [], found, 40.0,
                                                                 cfg.signature))
    words = [*owner_line.words, *_line("ко > организации", 100, 600).words]
    form.infer_label_by_rules(labels, words, found, cfg, 40.0)
    assert labels["manager"].rule is not None and labels["manager"].rule.y == 640
    # no word of the manager's wording near the other rule: the rule, the twin of the owner's (its
    # start, its length) over it, is the manager's row all the same, a stand-in where his label lies
    owner = labels["owner"]
    labels = {"owner": owner}
    form.infer_label_by_rules(labels, list(owner_line.words), found, cfg, 40.0)
    assert labels["manager"].rule is not None and labels["manager"].rule.y == 640
    assert labels["manager"].box[0] == owner.box[0] and labels["manager"].box[3] <= 640
    # … but a rule unlike it is no row of the block: nothing is guessed
    g = np.full((1400, 2400), 250, np.uint8)
    cv2.line(g, (300, 640), (700, 640), 0, 3)
    cv2.line(g, (900, 1040), (1500, 1040), 0, 3)
    labels = {"owner": owner}
    form.infer_label_by_rules(labels, list(owner_line.words), rows.find_rules(g, 40.0, cfg.signature), cfg, 40.0)
    assert set(labels) == {"owner"}


def test_words_read_sideways_do_not_make_a_page_upright() -> None:
    from bot.scan.check import _level_words

    cfg = _cfg()
    level = [Word("Руководитель", 96.0, 100, 100, 400, 140, (0, 1, 1, 1))]
    tall = [Word("Руководитель", 96.0, 100, 100, 140, 400, (0, 1, 1, 1))]
    assert _level_words(level, cfg) == 1 and _level_words(tall, cfg) == 0


def test_a_page_of_signatures_counts_only_when_the_title_page_located_no_row() -> None:
    from bot.scan.check import PageAnalysis, _rows_unseen
    from bot.scan.model import DOUBT, PRESENT, Mark, PageResult

    page = PageResult(index=0, file=0, page=0, form=True, seconds=0.0)
    page.marks = {"manager": Mark(DOUBT, 0.5, "manager_zone_not_found"),
                  "owner": Mark(DOUBT, 0.5, "owner_zone_not_found"), "seal": Mark(PRESENT, 0.9)}
    assert _rows_unseen(PageAnalysis(page))
    page.marks["owner"] = Mark(PRESENT, 0.9)
    assert not _rows_unseen(PageAnalysis(page))


def test_a_bare_caption_under_a_label_is_not_its_wording() -> None:
    cfg = _cfg()
    labels = form.find_labels([_line("Владелец сертификата", 100, 1000), _line("подпись", 100, 1060)], cfg)
    assert labels["owner"].box[3] == 1040


def test_a_sentence_wrapped_onto_a_short_line_is_not_a_label_row() -> None:
    cfg = _cfg()
    lines = [_line("Согласие на обработку персональных", 100, 900),
             _line("данных владельца сертификата.", 100, 960),
             _line("Владелец сертификата ключа", 100, 1300)]
    assert form.find_labels(lines, cfg)["owner"].box[1] == 1300
    assert "owner" not in form.find_labels(lines[:2], cfg)


def _joined(*parts: tuple[str, int]) -> Line:
    """One OCR line made of the columns' texts, each starting at its x (the same line key)."""
    words: list[Word] = []
    for text, x in parts:
        words.extend(_line(text, x, 1000).words)
    return Line(tuple(words))


def test_two_columns_read_as_one_line_give_both_labels() -> None:
    """«Исполняющий обязанности главного врача      Владелец сертификата…» read as one line: each
    column's label is found, neither takes the other's words."""
    cfg = _cfg()
    labels = form.find_labels([_joined(("Исполняющий обязанности главного врача", 100),
                                       ("Владелец сертификата ключа", 1300))], cfg)
    assert labels["manager"].box[0] == 100 and labels["manager"].box[2] < 1300
    assert labels["owner"].box[0] == 1300
    # an acting head's title, cut by a slip, still names the manager's row by its last words
    slip = form.find_labels([_joined(("Исполн р главного врача", 100), ("Владелец сертификата ключа", 1300))], cfg)
    assert {w.text for w in slip["manager"].words} == {"главного", "врача"}
    assert slip["owner"].words[0].text == "Владелец"


def test_justified_prose_is_not_cut_into_columns() -> None:
    """A justified line's gaps are all wide: none stands out as the gap between two columns."""
    cfg = _cfg()
    words, x = [], 100
    for t in ["Прошу", "изготовить", "сертификат", "Владелец", "ключа", "проверки"]:
        words.append(Word(t, 95.0, x, 1000, x + 20 * len(t), 1040, (0, 1, 1, 1)))
        x += 20 * len(t) + 80  # two text heights between words
    line = Line(tuple(words))
    assert form.columns(line, cfg.label_column_gap, cfg.label_column_gap_ratio) == [line]


def test_the_owner_row_may_be_worded_as_the_owner_signature() -> None:
    """«Подпись владельца / сертификата» in a table's first cell (read with a slip: «Подп»)."""
    cfg = _cfg()
    for head in ("Подпись владельца", "Подп владельца"):
        labels = form.find_labels([_line("Руководитель", 100, 900), _line(head, 100, 1000),
                                   _line("сертификата", 100, 1060)], cfg)
        assert labels["owner"].box[1] == 1000 and labels["manager"].box[1] == 900


def test_the_left_column_row_of_a_two_column_block_is_the_manager_s() -> None:
    """The owner's label starts the right column; the manager's label is unread (under the seal):
    the one signature line left of the owner's label, at about its height, is the manager's. An
    owner's label at the left margin says nothing of the rows beside it."""
    cfg = _cfg()
    g = np.full((1400, 2400), 250, np.uint8)
    cv2.line(g, (150, 1120), (650, 1120), 0, 3)    # the left column's line
    cv2.line(g, (1300, 1180), (1800, 1180), 0, 3)  # the owner's, under its two-line label
    found = rows.find_rules(g, 40.0, cfg.signature)
    prose = _line("Достоверность указанных сведений подтверждаю центра", 100, 800)
    head = _line("Владелец сертификата ключа", 1300, 1000)
    tail = _line("проверки электронной подписи", 1300, 1060, 2)
    labels = form.find_labels([prose, head, tail], cfg)
    owner = labels["owner"]
    labels["owner"] = dataclasses.replace(owner, rule=rows.label_rule(owner.box, owner.last_line, [], found, 40.0,
                                                                 cfg.signature))
    words = [*prose.words, *head.words, *tail.words]
    form.infer_label_by_rules(labels, words, found, cfg, 40.0)
    assert labels["manager"].rule is not None and labels["manager"].rule.x1 < 700
    # the owner's label at the left margin: a line left of it is not looked for
    g = np.full((1400, 2400), 250, np.uint8)
    cv2.line(g, (700, 1060), (1200, 1060), 0, 3)
    found = rows.find_rules(g, 40.0, cfg.signature)
    plain = _line("Владелец сертификата", 100, 1000)
    labels = form.find_labels([prose, plain], cfg)
    labels["owner"] = dataclasses.replace(labels["owner"], rule=found[0])
    form.infer_label_by_rules(labels, [*prose.words, *plain.words], found, cfg, 40.0)
    assert set(labels) == {"owner"}


def test_the_owner_wording_ends_with_podpisi_even_read_in_capitals() -> None:
    """«…проверки электронной / подписи»: the wrapped «подписи» (a copy may read it «ПОДПИСИ») is the
    label's last line, where the row's line is looked for; a caption «(подпись)» is not."""
    cfg = _cfg()
    for tail in ("подписи", "ПОДПИСИ"):
        lines = [_line("Владелец сертификата ключа проверки электронной", 1300, 1000), _line(tail, 1300, 1050, 2)]
        assert form.find_labels(lines, cfg)["owner"].last_line == (1050, 1090)
    lines = [_line("Владелец сертификата ключа", 1300, 1000), _line("(подпись)", 1300, 1050, 2)]
    assert form.find_labels(lines, cfg)["owner"].last_line == (1000, 1040)
    # in capitals and unsure (officegen 800184, two columns: «ПОДПИСИ» at 64 %); other words in
    # capitals so unsure (a surname «ИВАНОВ») do not carry the wording on
    unsure = Line((Word("ПОДПИСИ", 64.0, 1300, 1050, 1440, 1090, (0, 2, 1, 1050)),))
    lines = [_line("Владелец сертификата ключа проверки электронной", 1300, 1000), unsure]
    assert form.find_labels(lines, cfg)["owner"].last_line == (1050, 1090)
    name = Line((Word("ИВАНОВА", 64.0, 1300, 1050, 1440, 1090, (0, 2, 1, 1050)),))
    lines = [_line("Владелец сертификата ключа проверки электронной", 1300, 1000), name]
    assert form.find_labels(lines, cfg)["owner"].last_line == (1000, 1040)


def test_a_25_mm_line_in_large_print_is_a_rule() -> None:
    """Six print heights of 14 pt print are longer than the 25 mm a form gives a signature: at the
    page's resolution a 25 mm line still counts; without the resolution it does not."""
    cfg = _cfg()
    g = np.full((600, 1600), 250, np.uint8)
    cv2.line(g, (400, 300), (400 + 300, 300), 0, 3)  # 300 px = 25.4 mm at 300 dpi
    assert not rows.find_rules(g, 53.0, cfg.signature)  # 6 x 53 = 318 px
    assert [abs(r.x1 - r.x0 - 300) <= 6 for r in rows.find_rules(g, 53.0, cfg.signature, 300.0)] == [True]


def test_uneven_light_is_evened_and_even_light_left_alone() -> None:
    """A phone's shadow darkens half the page: print under it comes out as dark as elsewhere, on
    white paper; a page lit evenly is not touched (the same array comes back)."""
    from bot.scan.page import even_light

    cfg = _cfg()
    page = np.full((1200, 900), 235.0)
    page[500:560, 100:108] = page[500:560, 600:608] = 40   # a «letter» on each half
    light = np.ones((1200, 900))
    light[:, 450:] = 0.5                                  # the shadow halves the light
    g = (page * light).astype(np.uint8)
    out = even_light(g, cfg.ocr.shadow_spread)
    assert out is not g
    assert out[300, 700] >= 230 and out[300, 200] >= 230   # paper white on both sides
    assert abs(int(out[530, 604]) - int(out[530, 104])) < 10  # print alike on both sides
    flat = np.full((1200, 900), 235, np.uint8)
    flat[500:560, 100:108] = 40
    assert even_light(flat, cfg.ocr.shadow_spread) is flat


def test_a_numbered_row_label_does_not_take_the_next_rows_words() -> None:
    """«1. Руководитель ____ Л.И. Чудинова /» over «Владелец сертификата ключа проверки …»: the
    owner's words under «Руководитель» do not continue the manager's label (they do not start
    their line), so both rows are found (officegen 810022 lost the manager's row this way)."""
    cfg = _cfg()
    lines = [_line("1. Руководитель", 100, 1000),
             _line("Владелец сертификата ключа проверки электронной подписи", 0, 1060)]
    labels = form.find_labels(lines, cfg)
    assert [w.text for w in labels["manager"].words] == ["Руководитель"]
    assert labels["owner"].words[0].text == "Владелец"



def test_a_label_does_not_wrap_onto_the_other_signers_label() -> None:
    """«Руководитель организации» over «Владелец сертификата ключа проверки / электронной подписи»
    in one column, set close: the owner's last line is in reach of a wrapped line of the manager's,
    but it is the owner's row (docgen 560032: the manager's zone took in the owner's signature)."""
    cfg = _cfg()
    lines = [_line("Руководитель организации", 100, 1000), _line("Владелец сертификата ключа проверки", 100, 1048),
             _line("электронной подписи", 100, 1095)]  # set close: the last line is in a wrapped line's reach
    labels = form.find_labels(lines, cfg)
    assert labels["manager"].box[3] == 1040
    assert labels["owner"].box[1] == 1048


def test_a_field_label_and_its_value_are_not_a_signature_row() -> None:
    """«Должность: Исполняющий обязанности главного врача» (the position field) reads like the
    manager's row «Исполняющий обязанности главного врача ____ А.А. Шестаков» (held-out officegen
    670056): a colon inside the words matched ends the match there, and the row below is the label."""
    cfg = _cfg()
    lines = [_line("Должность: Исполняющий обязанности главного врача", 300, 1200),
             _line("Исполняющий обязанности главного врача ____ /‚ АА. Шестаков о. А АС", 300, 1800)]
    assert form.find_labels(lines, cfg)["manager"].box[1] == 1800
    # a colon that ends the label's own words is the row's («Руководитель организации: ____»)
    lines = [_line("Руководитель организации: ____ А.А. Шестаков", 300, 1800)]
    assert form.find_labels(lines, cfg)["manager"].box[1] == 1800
