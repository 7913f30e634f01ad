"""Pure functions: check digits, field extraction, seal and signature decisions on drawn arrays."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from bot import DEFAULT_RULES_DIR
from bot.ids import valid_inn, valid_ogrn, valid_snils
from bot.rules import load as load_rules
from bot.scan import fields
from bot.scan.config import ScanConfig, from_rules
from bot.scan.ocr import Line, Word
from bot.scan.page import Prepared
from bot.scan.seal import find_seals


def _cfg() -> ScanConfig:
    return from_rules(load_rules(DEFAULT_RULES_DIR))


def test_check_digits() -> None:
    assert valid_inn("7707083893")
    assert not valid_inn("7707083894")
    assert valid_inn("500100732259")
    assert valid_ogrn("1027700132195")
    assert not valid_ogrn("1027700132196")
    assert valid_snils("11223344595")
    assert not valid_snils("11223344596")


def _line(text: str, y: int) -> Line:
    words, x = [], 100
    for i, t in enumerate(text.split()):
        words.append(Word(t, 95.0, x, y, x + 20 * len(t), y + 40, (0, 1, 1, y)))
        x += 20 * len(t) + 15
        _ = i
    return Line(tuple(words))


def test_extract_fields_with_ocr_slips() -> None:
    lines = [
        _line("ИНН: 77О7083893 ОГРН: 1027700132195", 100),   # a Cyrillic О inside the ИНН
        _line("Фамилия, имя, отчество: Иванов Иван Иванович", 160),
        _line("СНИЛС: 112-233-445 95", 220),
        _line("Идентификатор узла ViPNet: Ох1А0Е000В", 280),  # Cyrillic look-alikes in the hex id
    ]
    got = fields.extract(lines, {})
    assert got["inn"] == "7707083893" and got["ogrn"] == "1027700132195"
    assert got["snils"] == "112-233-445 95"
    assert got["owner_name"] == "Иванов Иван Иванович"
    assert got["vipnet_node"] == "0x1A0E000B"
    assert got["valid"] == {"inn": True, "ogrn": True, "snils": True}


def _page(draw) -> Prepared:
    grey = np.full((3508, 2480), 245, np.uint8)
    draw(grey)
    return Prepared(grey=grey, colour=None, dpi=300.0, bw=False, rotation=0, skew=0.0)


@pytest.mark.parametrize("with_text", [False, True])
def test_round_seal_is_found_and_rectangle_is_not(with_text: bool) -> None:
    cfg = _cfg().seal

    def seal(g: np.ndarray) -> None:
        cv2.circle(g, (1200, 2000), 235, 90, 7)
        cv2.circle(g, (1200, 2000), 205, 90, 3)
        for a in range(0, 360, 9):  # ring "text": short radial strokes
            r0, r1 = 150, 190
            t = np.deg2rad(a)
            cv2.line(g, (int(1200 + r0 * np.cos(t)), int(2000 + r0 * np.sin(t))),
                     (int(1200 + r1 * np.cos(t)), int(2000 + r1 * np.sin(t))), 90, 4)
        if with_text:
            for y in range(1700, 2300, 60):
                cv2.putText(g, "TEXT LINE UNDER THE SEAL", (700, y), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 20, 4)

    def stamp(g: np.ndarray) -> None:
        cv2.rectangle(g, (900, 1800), (1600, 2100), 90, 7)
        cv2.putText(g, "VHODYASHCHIY N 123", (950, 1950), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 90, 4)

    assert any(s.accepted for s in find_seals(_page(seal), cfg))
    assert not any(s.accepted for s in find_seals(_page(stamp), cfg))


@pytest.mark.parametrize("cx", [40, 110, 160])
def test_a_seal_struck_over_the_page_edge_is_judged_on_its_part_on_the_page(cx: int) -> None:
    """A seal with a third of its ring off the page (centre 110 px in, radius 235) is found with
    its ring whole: the part off the page is no gap (it had been: ring 0.75). Nearly half off
    (centre 40 px in) is beyond `[seal] off_page_max`: the circle is judged whole, and the
    partial-impression test takes the arc on the page."""
    cfg = _cfg().seal

    def seal(g: np.ndarray) -> None:
        cv2.circle(g, (cx, 2000), 235, 90, 7)
        cv2.circle(g, (cx, 2000), 205, 90, 3)
        for a in range(0, 360, 9):
            t = np.deg2rad(a)
            cv2.line(g, (int(cx + 150 * np.cos(t)), int(2000 + 150 * np.sin(t))),
                     (int(cx + 190 * np.cos(t)), int(2000 + 190 * np.sin(t))), 90, 4)

    found = [s for s in find_seals(_page(seal), cfg) if s.accepted]
    assert found
    if cx > 100:
        assert found[0].ring > 0.95


@pytest.mark.parametrize(("level", "found"), [(218, True), (240, False)])
def test_a_stamp_faded_to_a_pale_grey_is_still_found(level: int, found: bool) -> None:
    """A stamp 27 grey levels under the paper lies under the grey search's ink threshold (35): the
    circles that search saw are judged again on paler ink (`[seal] pale_ink_contrast`) by the same
    tests (officegen 670027: a scanner's pale stamp, «no seal» told to a complete application). A
    ring 5 levels under the paper is no ink at all."""
    cfg = _cfg().seal

    def seal(g: np.ndarray) -> None:
        cv2.circle(g, (1200, 2000), 235, level, 7)
        cv2.circle(g, (1200, 2000), 205, level, 3)
        for a in range(0, 360, 9):
            t = np.deg2rad(a)
            cv2.line(g, (int(1200 + 150 * np.cos(t)), int(2000 + 150 * np.sin(t))),
                     (int(1200 + 190 * np.cos(t)), int(2000 + 190 * np.sin(t))), level, 4)

    seals = find_seals(_page(seal), cfg)
    assert any(s.accepted for s in seals) is found
    if found:
        assert min(s.ink_level for s in seals if s.accepted) > 200


def test_a_dark_stamps_outer_ring_is_found_round_its_inner_one() -> None:
    """A two-ring stamp as dark as a pen whose inner ring alone the circle search accepted: the
    concentric outer ring is added (its disc then covers the text between the rings); a grey
    stamp's is not (its ink is told from a pen's by its level), nor a ring where nothing is."""
    from bot.scan.seal import Seal, _outer_rings

    cfg = _cfg().seal
    mask = np.zeros((400, 400), np.uint8)
    cv2.circle(mask, (200, 200), 60, 1, 2)
    cv2.circle(mask, (200, 200), 84, 1, 2)
    inner = Seal(200.0, 200.0, 60.0, 1.0, 1.0, 0.0, False, True, 20.0)  # page pixels = search pixels
    got = _outer_rings([inner], mask.astype(bool), 1.0, 120, False, cfg)
    assert len(got) == 1 and abs(got[0].r - 84) <= 2 and got[0].accepted
    grey = Seal(200.0, 200.0, 60.0, 1.0, 1.0, 0.0, False, True, 160.0)
    assert _outer_rings([grey], mask.astype(bool), 1.0, 120, False, cfg) == []
    alone = np.zeros((400, 400), np.uint8)
    cv2.circle(alone, (200, 200), 60, 1, 2)
    assert _outer_rings([inner], alone.astype(bool), 1.0, 120, False, cfg) == []


def _dark_seal(g: np.ndarray, cx: int, cy: int, r: int) -> None:
    """A black seal: two rings, a band of glyph-sized marks on the ring, a short word in the middle."""
    cv2.circle(g, (cx, cy), r, 0, 7)
    cv2.circle(g, (cx, cy), int(r * 0.86), 0, 3)
    for a in np.arange(0, 360, 9):
        t = np.deg2rad(a)
        rr = r * 0.72
        cv2.putText(g, "O", (int(cx + rr * np.cos(t)) - 10, int(cy + rr * np.sin(t)) + 10),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.9, 0, 3)
    cv2.putText(g, "INN", (cx - 60, cy + 15), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 0, 4)


def test_pen_strokes_are_told_from_a_dark_seal_by_shape(rules) -> None:
    from bot.scan.config import from_rules
    from bot.scan.seal import Seal
    from bot.scan.signature import pen_in_disc

    def seal_obj(cx: int, cy: int, r: int) -> Seal:
        return Seal(cx, cy, r, 1.0, 1.0, 0.0, False, True, 0.0)

    g = np.full((700, 700), 255, np.uint8)
    _dark_seal(g, 350, 350, 240)
    box = (0, 0, 700, 700)
    cfg = from_rules(rules)
    pen, emblem = pen_in_disc(g, seal_obj(350, 350, 240), 40.0, box, cfg)
    assert pen.sum() == 0 and emblem.sum() == 0  # the seal alone: nothing
    xs = np.arange(200, 520)
    curve = np.column_stack([xs, 330 + 70 * np.sin((xs - 200) / 22.0)]).astype(np.int32)
    g2 = g.copy()
    cv2.polylines(g2, [curve.reshape(-1, 1, 2)], False, 0, 4)  # a cursive stroke across it
    pen, emblem = pen_in_disc(g2, seal_obj(350, 350, 240), 40.0, box, cfg)
    assert pen.sum() > 500 and emblem.sum() == 0
    # a stroke of straight sides only (a zigzag) is drawn like the seal's star: not taken for a pen
    # stroke, but not lost either (an emblem keeps the zone from being called empty)
    pts = np.array([(200, 330), (260, 250), (300, 380), (360, 240), (420, 400), (470, 280), (520, 330)], np.int32)
    g3 = g.copy()  # a new page: a prepared page is never drawn on (disc_pen's answers are cached per page)
    cv2.polylines(g3, [pts.reshape(-1, 1, 2)], False, 0, 4)
    pen, emblem = pen_in_disc(g3, seal_obj(350, 350, 240), 40.0, box, cfg)
    assert (pen | emblem).sum() > 500


def test_a_dark_seals_pen_reading_is_framed_per_zone_from_one_reading_of_the_disc(rules) -> None:
    """pen_in_disc for several zones of one page: each the disc's reading cut to its box, the
    same as when the disc is read afresh for it (disc_pen's cache)."""
    from bot.scan.seal import Seal
    from bot.scan.signature import _disc_pen, disc_pen, pen_in_disc

    g = np.full((800, 900), 255, np.uint8)
    _dark_seal(g, 350, 350, 240)
    xs = np.arange(200, 520)
    curve = np.column_stack([xs, 330 + 70 * np.sin((xs - 200) / 22.0)]).astype(np.int32)
    cv2.polylines(g, [curve.reshape(-1, 1, 2)], False, 0, 4)
    seal = Seal(350, 350, 240, 1.0, 1.0, 0.0, False, True, 0.0)
    cfg = from_rules(rules)
    whole = _disc_pen(g, seal, 40.0, cfg)
    assert whole is not None
    (bx0, by0, bx1, by1), pen, _ = whole
    for box in ((0, 0, 900, 800), (300, 250, 700, 420), (50, 500, 880, 790), (600, 0, 900, 100)):
        x0, y0, x1, y1 = box
        got, _ = pen_in_disc(g, seal, 40.0, box, cfg)
        want = np.zeros((y1 - y0, x1 - x0), bool)
        ix0, iy0, ix1, iy1 = max(x0, bx0), max(y0, by0), min(x1, bx1), min(y1, by1)
        if ix1 > ix0 and iy1 > iy0:
            want[iy0 - y0:iy1 - y0, ix0 - x0:ix1 - x0] = pen[iy0 - by0:iy1 - by0, ix0 - bx0:ix1 - bx0]
        assert np.array_equal(got, want)
    assert disc_pen(g, seal, 40.0, cfg) is disc_pen(g, seal, 40.0, cfg)  # read once for the page
    assert pen.sum() > 500
    blank = np.full((800, 900), 255, np.uint8)  # another page: read afresh, not served the last one's
    assert pen_in_disc(blank, seal, 40.0, (0, 0, 900, 800), cfg)[0].sum() == 0


def test_rule_span_stops_the_zone_at_the_signature_line() -> None:
    from bot.scan.signature import rule_span

    g = np.full((200, 1400), 250, np.uint8)
    cv2.putText(g, "Manager", (10, 90), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 0, 3)
    cv2.line(g, (400, 100), (900, 100), 0, 3)  # the rule
    cv2.line(g, (960, 70), (1250, 95), 0, 4)   # a long pen stroke beside it (the name written out)
    span = rule_span(g, 50, 95, 40.0, 60)
    assert span is not None and abs(span[0] - 400) < 5 and abs(span[1] - 900) < 5
    assert rule_span(np.full((200, 1400), 250, np.uint8), 50, 95, 40.0, 60) is None


def test_a_straight_bar_in_a_dark_seal_is_not_a_signature(rules) -> None:
    """long_strokes: a straight line of the seal's design is one direction only, not a signature."""
    from bot.scan.config import from_rules
    from bot.scan.seal import Seal
    from bot.scan.signature import pen_in_disc

    g = np.full((700, 700), 255, np.uint8)
    _dark_seal(g, 350, 350, 240)
    cv2.line(g, (230, 420), (470, 300), 0, 4)  # a bar across the centre, at an angle
    seal = Seal(350, 350, 240, 1.0, 1.0, 0.0, False, True, 0.0)
    assert pen_in_disc(g, seal, 40.0, (0, 0, 700, 700), from_rules(rules))[0].sum() < 200


def test_ring_pieces_are_not_strokes() -> None:
    from bot.scan.seal import Seal
    from bot.scan.signature import ring_arcs

    img = np.zeros((600, 600), np.uint8)
    cv2.ellipse(img, (300, 300), (200, 200), 0, 200, 300, 1, 4)        # a piece of a ring
    cv2.polylines(img, [np.array([(120, 420), (200, 360), (260, 450), (330, 380)], np.int32).reshape(-1, 1, 2)],
                  False, 1, 4)                                          # a pen stroke
    n, lab = cv2.connectedComponents(img, connectivity=8)
    arcs = ring_arcs(lab, n, [Seal(300, 300, 200, 1.0, 1.0, 0.0, False, True, 0.0)], (0, 0))
    ring_label = lab[300 + int(200 * np.sin(np.deg2rad(250))), 300 + int(200 * np.cos(np.deg2rad(250)))]
    stroke_label = lab[360, 200]
    assert arcs[ring_label] and not arcs[stroke_label]


def test_a_stamps_ring_text_run_together_is_not_a_stroke_and_a_signature_across_it_is() -> None:
    """Glyphs of a stamp's ring text a copier ran together make one curve along the circle, no
    wider across it than a line of print (ring_text); a signature over the disc rises and falls
    across the circle, and its strokes leave the ring's band."""
    from bot.scan.seal import Seal
    from bot.scan.signature import ring_text

    img = np.zeros((800, 800), np.uint8)
    for a in range(200, 290, 2):  # «glyphs» on a band of radii 170..205, touching each other
        t = np.deg2rad(a)
        cv2.line(img, (int(400 + 170 * np.cos(t)), int(400 + 170 * np.sin(t))),
                 (int(400 + 205 * np.cos(t)), int(400 + 205 * np.sin(t))), 1, 7)
    pts = np.array([(420, 520), (470, 430), (500, 560), (540, 470), (600, 540), (660, 500)], np.int32)
    cv2.polylines(img, [pts.reshape(-1, 1, 2)], False, 1, 4)  # a signature across the disc
    n, lab = cv2.connectedComponents(img, connectivity=8)
    text = ring_text(lab, n, [Seal(400, 400, 240, 1.0, 1.0, 0.0, False, True, 0.0)], (0, 0), 40.0)
    assert text[lab[400 + int(185 * np.sin(np.deg2rad(244))), 400 + int(185 * np.cos(np.deg2rad(244)))]]
    assert not text[lab[520, 420]]


def test_labels_lost_under_a_seal_come_from_the_two_signature_rows() -> None:
    from bot.scan.form import captions_of, decipher_captions, infer_missing_label

    cfg = _cfg()
    lines = [
        _line("Настоящим подтверждаю достоверность сведений", 1500),
        _line("ифровка подписи)", 1900),               # «(рас-» under the seal: the row still shows
        _line("(подпись) (расшифровка подписи)", 2300),
    ]
    labels: dict = {}
    deciphers = decipher_captions(lines)
    assert len(deciphers) == 2
    infer_missing_label(labels, captions_of(lines, cfg), cfg, deciphers, left=100, page_text_height=40.0)
    assert set(labels) == {"manager", "owner"}
    assert labels["manager"].box[3] < 1900 < labels["owner"].box[1] < 2300
    # three rows: which two are the manager's and the owner's is not guessed
    labels = {}
    three = [*lines, _line("(расшифровка подписи)", 2700)]
    infer_missing_label(labels, captions_of(three, cfg), cfg, decipher_captions(three), 100, 40.0)
    assert labels == {}


def test_a_bare_signature_word_is_a_caption_unless_a_label_goes_on_after_it() -> None:
    from bot.scan.form import captions_of

    cfg = _cfg()

    def texts(line: str) -> list[str]:
        return [w.text for w in captions_of([_line(line, 100)], cfg)]

    assert texts("(подпись)") == ["(подпись)"]
    assert texts("Подпись Расшифровка подписи") == ["Подпись"]   # a table's column headers
    assert texts("Подпись") == ["Подпись"]
    # a label wrapped in its cell: «Подпись владельца / сертификата»
    assert texts("Подпись владельца") == []
    assert texts("Подпись руководителя организации") == []


def test_the_signature_caption_is_not_the_name_caption() -> None:
    from bot.scan.form import decipher_captions

    assert decipher_captions([_line("____ (подпись) Иванов", 100)]) == []
    assert len(decipher_captions([_line("И.И. ифровка подписи)", 100)])) == 1


def test_a_name_caption_read_in_half_spans_the_whole_caption() -> None:
    """OCR reads one half of «(расшифровка подписи)» when a name written by hand lies across the
    other (scangen 005129, 005153): the column of the written-out name is the whole caption's, its
    missing letters as wide as the ones read, on their side."""
    from bot.scan.form import decipher_span

    head = Word("(расшифровка", 95.0, 1000, 0, 1220, 30, (0, 1, 1, 1))     # 11 letters, 20 px each
    assert decipher_span(head) == (1000.0, 1220 + 7 * 20)
    tail = Word("подписи)", 95.0, 1000, 0, 1140, 30, (0, 1, 1, 1))         # 7 letters, 20 px each
    assert decipher_span(tail) == (1000 - 11 * 20, 1140.0)
    whole = Word("(расшифровка подписи)", 95.0, 1000, 0, 1400, 30, (0, 1, 1, 1))
    assert decipher_span(whole) == (1000.0, 1400.0)
    other = Word("(Ф.И.О.)", 95.0, 1000, 0, 1100, 30, (0, 1, 1, 1))
    assert decipher_span(other) == (1000.0, 1100.0)


def test_a_name_caption_read_in_pieces_starts_with_its_first_piece() -> None:
    """«(расшифровка подписи)» read as «(расш» «овка» «подписи)» (a stroke of the handwritten name
    over it, blind scangen 1040014): the caption, and the column of the name written over it, starts
    at «(расш», not at «подписи)». The name itself («И.И.») and the row's «(подпись)» are no part of it."""
    from bot.scan.form import decipher_captions

    line = _line("(подпись) И.И. (расш овка подписи)", 100)
    (caption,) = decipher_captions([line])
    assert caption.x0 == line.words[2].x0 and caption.x1 == line.words[4].x1
    assert caption.text == "(расш овка подписи)"


def test_a_name_caption_read_as_its_two_ends_runs_from_one_to_the_other() -> None:
    """«(расшифровка подписи)» read as «(ра» and «си)» alone (a name written by hand across its
    middle, blind scangen 1050003): on the row of a «(подпись)» caption the two ends make the caption.
    Elsewhere, or ends of other words («(подпись)» itself ends «сь)»), they do not."""
    from bot.scan.form import decipher_captions

    line = _line("(подпись) (ра си)", 100)
    (caption,) = decipher_captions([line])
    assert (caption.x0, caption.x1) == (line.words[1].x0, line.words[2].x1)
    assert decipher_captions([_line("Иванов (ра си)", 100)]) == []
    assert decipher_captions([_line("(подпись) (ра сь)", 100)]) == []
    assert decipher_captions([_line("(подпись) (мп си)", 100)]) == []


def test_an_arc_of_a_seal_that_was_not_found_is_not_a_stroke() -> None:
    from bot.scan.signature import seal_arc

    img = np.zeros((400, 700), np.uint8)
    cv2.ellipse(img, (350, -20), (230, 230), 0, 40, 140, 1, 6)   # the bottom of a seal's ring
    cv2.polylines(img, [np.array([(60, 300), (120, 360), (180, 280), (240, 380), (300, 300)], np.int32)
                        .reshape(-1, 1, 2)], False, 1, 4)         # a pen stroke
    cv2.circle(img, (500, 330), 30, 1, 4)                         # a pen's loop: too small for a seal
    n, lab, stats, _ = cv2.connectedComponentsWithStats(img, connectivity=8)
    arcs = [i for i in range(1, n) if seal_arc(lab, i, stats[i], 50.0, (153.5, 330.7))]  # 13-28 mm at 300 dpi
    assert len(arcs) == 1 and stats[arcs[0], cv2.CC_STAT_WIDTH] > 300


def test_a_stamps_inner_rings_are_the_stamps_and_a_pen_across_them_is_not() -> None:
    """seal_rings: every ring of a found stamp (ink half way round or more at one radius), not only
    the ring the search found, is the stamp's; a pen stroke across the rings keeps all but the
    crossings (blind scangen 1040017: an inner ring's pieces passed for a pen in an empty row)."""
    from bot.scan.seal import Seal
    from bot.scan.signature import seal_rings

    cfg = from_rules(load_rules(DEFAULT_RULES_DIR))
    grey = np.full((600, 600), 235, np.uint8)
    for r, t in ((200, 6), (170, 3), (110, 3)):
        cv2.circle(grey, (300, 300), r, 120, t)
    pen = np.zeros_like(grey)
    cv2.polylines(pen, [np.array([(120, 380), (200, 250), (280, 400), (360, 240), (440, 390)], np.int32)
                        .reshape(-1, 1, 2)], False, 1, 4)
    grey[pen > 0] = 60
    seal = Seal(300.0, 300.0, 200.0, 0.95, 0.5, 0.0, False, True, 120.0)
    rings = seal_rings(grey, seal, (0, 0, 600, 600), cfg)
    yy, xx = np.mgrid[0:600, 0:600]
    d = np.hypot(xx - 300, yy - 300)
    for r in (170, 110):
        on_ring = (np.abs(d - r) <= 1) & (pen == 0)
        assert rings[on_ring].mean() > 0.95
    assert rings[pen > 0].mean() < 0.25  # the crossings only


def test_a_sentence_starting_with_a_label_word_is_not_the_field() -> None:
    lines = [
        _line("Прошу изготовить сертификат уполномоченного лица", 100),
        _line("организации для работы в защищённой сети ViPNet", 160),
        _line("Полное наименование организации: ГБУЗ АО «Вельская ЦРБ»", 220),
    ]
    assert fields.extract(lines, {})["organisation"] == "ГБУЗ АО «Вельская ЦРБ»"


def test_fields_read_as_a_table_renders_them() -> None:
    """OCR of a bordered table: rules read as «|» or glued to a number as a digit, a label
    wrapped in its cell with the value read as a line of its own, «ИНН» read as «ИН»."""
    lines = [
        _line("ин .|7707083893 |", 100),
        _line("ОГРН | | / 11027700132195 _", 160),
        _line("Фамилия, имя,", 220),
        _line("|Kузнецова Виктор Андреевич", 260),
        _line("отчество", 300),
        _line("Должность | Главный врач", 360),
    ]
    got = fields.extract(lines, {})
    assert got["inn"] == "7707083893" and got["ogrn"] == "1027700132195"
    assert got["valid"]["inn"] and got["valid"]["ogrn"]
    assert got["owner_name"] == "Кузнецова Виктор Андреевич"


def test_an_unlabelled_number_is_taken_only_when_it_is_the_one_valid_value() -> None:
    two = [_line("ин 7707083893", 100), _line("7736050003", 160)]   # two valid ИНН: neither
    assert fields.extract(two, {})["inn"] is None
    failing = [_line("ин 7707083894", 100)]                           # check digit fails: not read
    assert fields.extract(failing, {})["inn"] is None


def test_the_owner_name_is_not_a_label_word() -> None:
    lines = [_line("Фамилия, имя, отчество владельца", 100), _line("Должность Директор", 160)]
    assert fields.extract(lines, {})["owner_name"] is None


def test_ink_wholly_under_a_rows_line_is_not_a_signature() -> None:
    """«(подпись)» half under a seal, unread by OCR, lies under the row's line: its ink makes a
    doubt, never a signature, however long; a pen stroke reaching above the line is one."""
    from bot.scan.check import zone_mark
    from bot.scan.form import Label
    from bot.scan.rows import Rule
    from bot.scan.signature import check_zone

    cfg = _cfg()
    label = Label("manager", (Word("Руководитель", 95.0, 100, 400, 420, 440, (0, 1, 1, 1)),), 0, 100.0,
                  rule=Rule(480, 1100, 440, side="right"))

    def zone_of(g: np.ndarray):
        p = Prepared(grey=g, colour=None, dpi=300.0, bw=False, rotation=0, skew=0.0)
        return check_zone(p, "manager", label, [], list(label.words), [], [], cfg, [], 40.0)

    g = np.full((900, 1400), 250, np.uint8)
    cv2.line(g, (480, 440), (1100, 440), 0, 3)
    # print under the line blurred into one long piece (a phone's photo), as a signature would measure
    low = np.array([(560 + 20 * i, 462 + (12 if i % 2 else 0)) for i in range(23)], np.int32)
    cv2.polylines(g, [low.reshape(-1, 1, 2)], False, 0, 5)
    under = zone_of(g)
    assert not under.signed and zone_mark(under, cfg).state == "doubt"
    pts = np.array([(600, 445), (650, 360), (700, 430), (760, 350), (820, 435), (900, 370), (980, 420)], np.int32)
    cv2.polylines(g, [pts.reshape(-1, 1, 2)], False, 0, 4)  # a signature on the line
    assert zone_mark(zone_of(g), cfg).state == "present"


def test_a_pen_of_the_stamps_dye_is_a_pen_and_the_stamps_hard_pressed_ring_is_the_stamp() -> None:
    """A blue stamp over the manager's row on a colour page. A pen of the stamp's very dye, denser,
    crosses the row (docgen 660000: lifted with the stamp, the row read unsigned, an untrue
    «missing»): it is a signature. Where the stamp was pressed hardest its ring is of its hue, as
    bright by its brightest channel, but as dark in grey as that pen: it stays the stamp's (the
    real case, docgen 650029, where such an arc passed for a signature, is in test_regress)."""
    from bot.scan.check import zone_mark
    from bot.scan.form import Label
    from bot.scan.rows import Rule
    from bot.scan.seal import Seal
    from bot.scan.signature import check_zone

    cfg = _cfg()
    label = Label("manager", (Word("Руководитель", 95.0, 100, 400, 420, 440, (0, 1, 1, 1)),), 0, 100.0,
                  rule=Rule(480, 1100, 440, side="right"))
    colour = np.full((900, 1400, 3), 245, np.uint8)
    cv2.line(colour, (480, 440), (1100, 440), (20, 20, 20), 3)
    stamp, pressed = (200, 140, 90), (200, 80, 30)  # BGR: grey 132 and 79, both of brightest channel 200
    for r in (170, 150):
        cv2.circle(colour, (760, 560), r, stamp, 4)
    cv2.ellipse(colour, (760, 560), (170, 170), 0, -140, -40, pressed, 5)  # the top arc pressed hard
    seal = Seal(760.0, 560.0, 150.0, 0.95, 0.5, 0.0, True, True, 132.0, 200.0)  # its inner ring found

    def zone_of(c: np.ndarray):
        p = Prepared(grey=cv2.cvtColor(c, cv2.COLOR_BGR2GRAY), colour=c, dpi=300.0, bw=False, rotation=0, skew=0.0)
        return check_zone(p, "manager", label, [], list(label.words), [], [seal], cfg, [], 40.0)

    assert zone_mark(zone_of(colour), cfg).state != "present"
    pts = np.array([(600, 445), (650, 360), (700, 430), (760, 350), (820, 435), (900, 370), (980, 420)], np.int32)
    cv2.polylines(colour, [pts.reshape(-1, 1, 2)], False, (190, 70, 20), 4)  # grey 69
    assert zone_mark(zone_of(colour), cfg).state == "present"


@pytest.mark.parametrize(("ink", "state"), [((170, 60, 40), "present"),   # a blue ballpoint
                                            ((150, 50, 120), "present"),  # violet ink
                                            ((60, 60, 60), "doubt")])     # grey: as print or a shadow
def test_a_small_signature_in_a_coloured_ink_is_sure(ink: tuple[int, int, int], state: str) -> None:
    """A small signature on its line, under the minima's sure margin (officegen 760046: a violet
    one, 0.75): in a pen's colour away from every stamp it is sure; the same strokes in grey, as
    a label's unread glyphs or a shadow's texture may measure, stay a doubt."""
    from bot.scan.check import zone_mark
    from bot.scan.form import Label
    from bot.scan.rows import Rule
    from bot.scan.signature import check_zone

    cfg = _cfg()
    label = Label("manager", (Word("Руководитель", 95.0, 100, 400, 420, 440, (0, 1, 1, 1)),), 0, 100.0,
                  rule=Rule(480, 1100, 440, side="right"))
    colour = np.full((900, 1400, 3), 245, np.uint8)
    cv2.line(colour, (480, 440), (1100, 440), (20, 20, 20), 3)
    pts = np.array([(640, 438), (655, 400), (670, 436), (690, 402), (705, 434), (720, 415)], np.int32)
    cv2.polylines(colour, [pts.reshape(-1, 1, 2)], False, ink, 3)
    p = Prepared(grey=cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY), colour=colour, dpi=300.0, bw=False, rotation=0, skew=0.0)
    zone = check_zone(p, "manager", label, [], list(label.words), [], [], cfg, [], 40.0)
    assert cfg.review.coloured_min <= zone.ratio < cfg.review.sure_signature
    assert zone_mark(zone, cfg).state == state


def test_a_table_border_between_two_signers_rows_is_found_and_a_signature_line_is_not() -> None:
    """The two signers' rows of a table share a border: each signature is judged on its side of
    it (check._row_border). A signature line starts after its label, so it is no border."""
    from bot.scan.check import _row_border
    from bot.scan.form import Label
    from bot.scan.rows import Rule

    def label(kind: str, y: int) -> Label:
        return Label(kind, (Word("Руководитель", 95.0, 330, y, 900, y + 45, (0, 0, 0, 0)),), 0, 1.0)

    labels = {"manager": label("manager", 1745), "owner": label("owner", 1877)}
    zone = (967, 1644, 1637, 1868)
    border = Rule(306, 2286, 1866)
    line = Rule(960, 1640, 1780)        # the manager's own signature line, right of the label
    assert _row_border(labels, "manager", "owner", zone, [line, border], 45.0) == 1866
    assert _row_border(labels, "owner", "manager", zone, [line, border], 45.0) == 1866
    assert _row_border(labels, "manager", "owner", zone, [line], 45.0) is None
    # a border above both rows (the table's header) is not between them
    assert _row_border(labels, "manager", "owner", zone, [Rule(306, 2286, 1666)], 45.0) is None


def test_a_stamps_star_is_straight_sided_and_a_signature_is_not() -> None:
    """On a stamp as dark as the pen, strokes are told by shape: a star or polygon of the stamp's
    design runs on straight sides; a hand's strokes bend (straight_sided)."""
    from bot.scan.signature import straight_sided
    h, share = 40.0, _cfg().signature.straight_share
    pen = np.zeros((400, 900), np.uint8)
    star = [(150 + 110 * np.cos(np.pi / 2 + k * 4 * np.pi / 5), 200 - 110 * np.sin(np.pi / 2 + k * 4 * np.pi / 5))
            for k in range(5)]
    cv2.polylines(pen, [np.array(star, np.int32)], True, 1, 4)
    t = np.linspace(0, 8 * np.pi, 600)  # loops written on (a prolate cycloid): «ℓℓℓℓ»
    cursive = np.column_stack([420 + 14 * t - 30 * np.sin(t), 200 - 60 * np.cos(t)]).astype(np.int32)
    cv2.polylines(pen, [cursive], False, 1, 4)
    emblem = straight_sided(pen.astype(bool), h, share)
    assert emblem[:, :300].sum() == pen[:, :300].sum()  # the star, whole
    assert not emblem[:, 400:].any()                    # not the signature


def test_a_table_border_keeps_two_rows_strokes_apart_unless_a_stroke_crosses_it() -> None:
    """Strokes within reach of each other make one group, except across a table's border between
    two rows (border_apart), which only a stroke running across it bridges."""
    from bot.scan.signature import border_apart, groups_of
    sc, h = _cfg().signature, 40.0
    ink = np.zeros((300, 600), np.uint8)
    lines = np.zeros((300, 600), np.uint8)
    lines[147:154] = 1                           # the border (taken out of the ink), 7 pixels thick
    cv2.line(ink, (50, 135), (250, 135), 1, 3)   # the upper row's signature, just above the border
    cv2.line(ink, (50, 166), (250, 166), 1, 3)   # the lower row's, just under it
    assert groups_of(ink, h, sc)[0] == 2                                          # one group (and the background)
    assert groups_of(ink, h, sc, border_apart(ink, lines, 150, h))[0] == 3        # two groups
    cv2.line(ink, (150, 110), (175, 190), 1, 3)  # a stroke that runs across the border, slanted
    ink &= 1 - lines                             # (its pixels on the border went with it)
    assert groups_of(ink, h, sc, border_apart(ink, lines, 150, h))[0] == 2


def test_a_white_gap_keeps_two_rows_strokes_apart_unless_ink_lies_on_it() -> None:
    """Two stacked signers' strokes with a white gap between them (no border): one group within
    reach, two once the gap's row is a line that groups do not bridge (gap_apart)."""
    from bot.scan.signature import gap_apart, groups_of
    sc, h = _cfg().signature, 40.0
    ink = np.zeros((300, 600), np.uint8)
    cv2.line(ink, (50, 135), (250, 135), 1, 3)
    cv2.line(ink, (50, 166), (250, 166), 1, 3)
    assert groups_of(ink, h, sc)[0] == 2
    assert groups_of(ink, h, sc, gap_apart(ink, 150))[0] == 3
    cv2.line(ink, (150, 120), (160, 180), 1, 3)  # a stroke across the gap's row joins them
    assert groups_of(ink, h, sc, gap_apart(ink, 150))[0] == 2


def test_a_label_word_swollen_by_a_stamp_is_cut_at_its_printed_line() -> None:
    """A label word whose box took in a stamp's text (three print heights tall) is print at the
    height of its line-mates (swollen_print)."""
    from bot.scan.form import Label
    from bot.scan.signature import swollen_print
    line = (0, 1, 1, 1)
    words = (Word("водитель", 31.0, 242, 2057, 574, 2185, line), Word("организации", 96.0, 591, 2068, 900, 2110, line))
    cuts = swollen_print(Label("manager", words, 0, 90.0), 43.0)
    assert len(cuts) == 1
    y0, y1, x0, x1 = cuts[0]
    assert 2060 <= y0 <= 2068 and 2110 <= y1 <= 2118 and x0 <= 242 and x1 >= 574


def test_a_labels_print_is_cut_line_by_line_past_a_word_read_short() -> None:
    """label_print: each line of a label is a band of print from its first word to a few print
    heights past its last («серти» read for «сертификата», the rest unread), at its words' height."""
    from bot.scan.form import Label
    from bot.scan.signature import label_print
    one, two = (0, 1, 1, 1), (0, 1, 2, 1)
    words = (Word("Владелец", 93.0, 1318, 1762, 1548, 1805, one), Word("серти", 92.0, 1562, 1768, 1696, 1807, one),
             Word("проверки", 96.0, 1318, 1833, 1537, 1872, two), Word("электр", 96.0, 1553, 1832, 1717, 1870, two))
    bands = label_print(Label("owner", words, 0, 90.0), 40.0, 4.0)
    assert len(bands) == 2
    (a0, a1, ax0, ax1), (b0, b1, bx0, bx1) = bands
    assert a0 <= 1762 and 1807 <= a1 < b0 <= 1833 and b1 >= 1870
    assert ax0 <= 1318 and ax1 == 1696 + 160 and bx0 <= 1318 and bx1 == 1717 + 160


def test_a_bold_pen_is_thick_only_where_it_crosses_a_filled_emblem_throughout() -> None:
    """thick_cores: ink thicker than a pen draws over an area is a filled shape (a seal's cross);
    a bold pen's loops cross and are that thick at a few pixels only (it was taken for an emblem)."""
    from bot.scan.signature import thick_cores
    h, width = 38.0, _cfg().signature.pen_max_width
    pen = np.zeros((300, 500), np.uint8)
    t = np.linspace(0, 6 * np.pi, 500)  # loops drawn with a 14-pixel pen, crossing themselves
    loops = np.column_stack([60 + 18 * t - 40 * np.sin(t), 150 - 70 * np.cos(t)]).astype(np.int32)
    cv2.polylines(pen, [loops], False, 1, 14)
    assert 2 * cv2.distanceTransform(pen, cv2.DIST_L2, 3).max() > width * h  # thick where it crosses
    assert not thick_cores(cv2.distanceTransform(pen, cv2.DIST_L2, 3), h, width).any()
    cross = np.zeros((300, 500), np.uint8)
    cv2.rectangle(cross, (200, 60), (230, 240), 1, -1)
    cv2.rectangle(cross, (125, 135), (305, 165), 1, -1)
    assert thick_cores(cv2.distanceTransform(cross, cv2.DIST_L2, 3), h, width).sum() > 1000


def test_the_ink_centre_tells_where_a_page_s_print_sits_in_every_quarter_turn() -> None:
    from bot.scan.page import orientation_axis

    # a form's print: lines of text on the top half of an A4 page at 300 dpi
    page = np.full((3508, 2480), 255, np.uint8)
    words = ["Zayavka", "na", "izgotovlenie", "sertifikata", "klyucha", "proverki", "elektronnoy", "podpisi"]
    for i in range(20):
        text = " ".join(words[i % 4:i % 4 + 4 + i % 3])
        cv2.putText(page, text, (200, 300 + 80 * i), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 2)
    axis, _, low = orientation_axis(page, 300.0)
    assert axis == 0 and low < 0.4
    axis, _, low = orientation_axis(np.rot90(page, 2).copy(), 300.0)  # upside down: the ink sits low
    assert axis == 0 and low > 0.6
    for k in (1, 3):  # sideways: the centre is measured on the page once turned by the axis found
        axis, _, low = orientation_axis(np.rot90(page, k).copy(), 300.0)
        assert axis == 90 and (low < 0.4 if k == 3 else low > 0.6)


def test_a_speck_cloud_is_not_a_pen_stroke_and_a_pen_run_into_one_keeps_its_lines() -> None:
    """speck_clouds: a copier's speck cloud is a lattice of dots around pores and goes whole; a
    pen's loops (a hole or two where the stroke crosses itself) stay; a pen stroke that runs into
    a cloud keeps its long line and loses the cloud."""
    from bot.scan.signature import speck_clouds
    sc, h = _cfg().signature, 40.0
    rng = np.random.default_rng(7)
    u8 = np.zeros((300, 900), np.uint8)
    yy, xx = np.mgrid[0:300, 0:900]

    def cloud(cx: int, cy: int) -> np.ndarray:
        blob = ((xx - cx) / 35.0) ** 2 + ((yy - cy) / 25.0) ** 2 <= 1
        return blob & (rng.random(u8.shape) < 0.55)

    clouds = cloud(100, 80) | cloud(200, 90)
    u8[clouds] = 1
    t = np.linspace(0, 6 * np.pi, 500)  # a cursive hand's loops, crossing themselves
    loops = np.column_stack([420 + 14 * t - 30 * np.sin(t), 90 - 50 * np.cos(t)]).astype(np.int32)
    cv2.polylines(u8, [loops], False, 1, 5)
    mixed = cloud(300, 230)
    u8[mixed] = 1
    cv2.line(u8, (300, 230), (800, 250), 1, 5)  # a pen line from inside a third cloud, 12 heights long
    found = speck_clouds(u8, h, sc, np.zeros(u8.shape, bool))
    assert found[clouds].mean() > 0.9
    assert not found[:, 380:900][:200].any()                 # the loops, whole
    assert found[mixed].mean() > 0.8
    assert not found[230:260, 400:800].any()                 # the pen line past the cloud


def test_two_stacked_signatures_part_at_the_white_gap_between_them_not_over_thin_ascenders() -> None:
    """_white_gap: rows packed close (a one-line manager's label, the owner's on three lines) part at
    the white rows between the manager's signature and the owner's, which begins under the owner's
    first line. Rows crossed only by a signature's thin ascenders (nearly white) do not part them."""
    from bot.scan.check import _white_gap
    from bot.scan.form import Label
    cfg, h = _cfg(), 40.0
    g = np.full((700, 1400), 235, np.uint8)
    line = (0, 1, 1, 1)
    manager = Label("manager", (Word("Руководитель", 95.0, 100, 100, 400, 140, line),), 0, 90.0)
    owner = Label("owner", (Word("Владелец", 95.0, 100, 240, 400, 280, line),
                            Word("сертификата", 95.0, 100, 290, 400, 330, line)), 1, 90.0)
    for x in (560, 700, 840):                       # the manager's ascenders: thin loops up to y 90
        cv2.line(g, (x, 90), (x + 20, 170), 20, 3)
    cv2.polylines(g, [np.array([[520, 200], [600, 150], [700, 215], [800, 150], [900, 210], [980, 160]], np.int32)],
                  False, 20, 4)                     # its body, down to y 215
    cv2.polylines(g, [np.array([[540, 300], [640, 260], [740, 310], [860, 262], [960, 305]], np.int32)],
                  False, 20, 4)                     # the owner's, from y 260
    p = Prepared(grey=g, colour=None, dpi=300.0, bw=False, rotation=0, skew=0.0)
    labels = {"manager": manager, "owner": owner}
    gap = _white_gap(p, labels, "manager", "owner", (450, 60, 1300, 260), (450, 200, 1300, 400), h, cfg)
    assert gap is not None and 215 < gap < 260

    # the owner's signature begins with thin near-vertical strokes (a few pixels a row, under the
    # share a row of ink needs) and its body lies below the window: the gap still parts them, on a
    # row with no ink at all (officegen 840008)
    g = np.full((700, 1400), 235, np.uint8)
    cv2.polylines(g, [np.array([[520, 200], [600, 150], [700, 215], [800, 150], [900, 210], [980, 160]], np.int32)],
                  False, 20, 4)                     # the manager's, down to y 215
    for x in (600, 760):                            # the owner's ascenders, from y 250
        cv2.line(g, (x, 250), (x + 6, 330), 20, 2)
    cv2.polylines(g, [np.array([[540, 380], [640, 330], [740, 390], [860, 335], [960, 385]], np.int32)],
                  False, 20, 4)                     # its body, under the window
    p = Prepared(grey=g, colour=None, dpi=300.0, bw=False, rotation=0, skew=0.0)
    gap = _white_gap(p, labels, "manager", "owner", (450, 60, 1300, 260), (450, 200, 1300, 400), h, cfg)
    assert gap is not None and 218 < gap < 248


def test_a_speck_read_as_a_letter_or_two_before_the_title_does_not_hide_it() -> None:
    """title_score: «ее. ЗАЯВКА» (a speck before the title, read as two letters) is the title; a
    covering letter's sentence «Направляем заявку на изготовление…» is not."""
    from bot.scan.form import title_score
    cfg = _cfg()
    rest = _line("на создание сертификата ключа проверки электронной подписи", 200)
    assert title_score([_line("ее. ЗАЯВКА", 150), rest], cfg)[0] >= cfg.title_min_score
    letter = _line("Направляем заявку на изготовление сертификата ключа проверки электронной подписи", 150)
    assert title_score([letter], cfg)[0] < cfg.title_min_score


def test_a_pale_ring_crossed_by_table_borders_keeps_its_pale_ink_level() -> None:
    """A pale stamp's ring (grey 205 on paper 240) crossed by four dark table borders: the ring's ink
    level is the ring's, not the borders' (they had made the stamp «as dark as a pen»)."""
    from bot.scan.seal import _ANGLES, _ink_level

    grey = np.full((600, 600), 240, np.uint8)
    cv2.circle(grey, (300, 300), 200, 205, 2)
    for y in (150, 420):
        cv2.line(grey, (0, y), (599, y), 30, 3)
    for x in (180, 400):
        cv2.line(grey, (x, 0), (x, 599), 30, 3)
    level = _ink_level(grey, 300.0, 300.0, 200.0, np.ones(_ANGLES.shape, bool))
    assert level >= 195, level
    # a dark ring stays dark
    cv2.circle(grey, (300, 300), 200, 60, 4)
    assert _ink_level(grey, 300.0, 300.0, 200.0, np.ones(_ANGLES.shape, bool)) <= 70


def test_a_raised_copy_maps_grey_levels_about_the_paper() -> None:
    page = Prepared(np.zeros((2, 2), np.uint8), None, 300.0, False, 0, 0.0, raised=(240.0, 2.5))
    assert page.level(240.0) == 240.0 and page.level(200.0) == 140.0 and page.level(100.0) == 0.0
    assert Prepared(np.zeros((2, 2), np.uint8), None, 300.0, False, 0, 0.0).level(123.0) == 123.0


def test_a_slanted_broken_rule_is_found_at_its_row_and_a_curve_is_not() -> None:
    """A 320-pixel rule that drops 7 pixel rows and has pixel-wide gaps (a copier's): no straight
    run of it is 220 long, yet at its row it is the rule. A pen's arc through the same band is not."""
    from bot.scan.signature import rules_mask, slanted_rule

    ink = np.zeros((60, 400), np.uint8)
    cv2.line(ink, (40, 26), (360, 33), 1, 3)
    ink[:, 150] = ink[:, 260] = 0  # the gaps
    assert not rules_mask(ink, 220)[20:40].any()
    found = slanted_rule(ink.astype(bool), 30, 44.0, 220)
    assert found[ink > 0].mean() > 0.8  # all but its ends
    arc = np.zeros((60, 400), np.uint8)
    cv2.ellipse(arc, (200, 30), (160, 25), 0, 200, 340, 1, 3)
    assert not slanted_rule(arc.astype(bool), 30, 44.0, 220).any()


def test_a_caption_under_the_labels_own_words_does_not_place_the_zone() -> None:
    """zone_box: «(подпись)» typed on the line right under a long label's own words drifted there
    (the pen does not go on the label), nor does a word that runs on the label's last line
    («электронной» «подпи»); a caption a line or more under the label, under the row's rule, does."""
    from bot.scan.form import Label
    from bot.scan.signature import zone_box

    cfg = _cfg()

    def word(text: str, x0: int, y0: int, x1: int) -> Word:
        return Word(text, 95.0, x0, y0, x1, y0 + 45, (0, 1, 1, y0))

    label = Label("owner", (word("Владелец", 300, 800, 520), word("сертификата", 540, 800, 800),
                            word("ключа", 820, 800, 940), word("проверки", 960, 800, 1150)), 0, 100.0)
    drifted = word("(подпись)", 700, 855, 880)
    _, caption = zone_box(label, [], [drifted], 2400, 2300, cfg, h=45.0)
    assert caption is None
    runs_on = word("подпи", 1170, 800, 1290)
    _, caption = zone_box(label, [], [runs_on], 2400, 2300, cfg, h=45.0)
    assert caption is None
    under_rule = word("(подпись)", 700, 960, 880)  # two lines down: the row runs on under its label
    _, caption = zone_box(label, [], [under_rule], 2400, 2300, cfg, h=45.0)
    assert caption is under_rule
    beside = word("(подпись)", 1400, 855, 1580)  # under the rule after the label: where the pen goes
    _, caption = zone_box(label, [], [beside], 2400, 2300, cfg, h=45.0)
    assert caption is beside


def test_a_name_caption_under_the_labels_print_does_not_end_the_zone() -> None:
    """zone_box: «(расшифровка подписи)» spaced by hand onto the line under a wrapped label, starting
    under its last word (officegen 840035), lies under the label, not right of the pen's place: the
    zone still runs on past the label to the row's rule. One right of the label ends it."""
    from bot.scan.form import Label, decipher_captions
    from bot.scan.signature import zone_box

    cfg = _cfg()

    def word(text: str, x0: int, y0: int, x1: int) -> Word:
        return Word(text, 95.0, x0, y0, x1, y0 + 40, (0, 1, 1, y0))

    label = Label("manager", (word("руководителя", 634, 1600, 900), word("организации", 920, 1600, 1147)), 0, 100.0)
    under = decipher_captions([Line((word("(расшифровка", 1060, 1657, 1266), word("подписи)", 1280, 1657, 1411)))])
    box, _ = zone_box(label, [], [], 2400, 2300, cfg, under, h=40.0)
    assert box[2] == 2300          # on to the line's right end: the rule and the pen lie there
    beside = decipher_captions([Line((word("(расшифровка", 1700, 1657, 1906), word("подписи)", 1920, 1657, 2051)))])
    box, _ = zone_box(label, [], [], 2400, 2300, cfg, beside, h=40.0)
    assert box[2] < 1700


def test_strokes_on_a_dark_seals_disc_are_a_persons_call() -> None:
    """check.on_dark_disc: strokes read wholly on the disc of a stamp as dark as a pen (a 1-bit
    page) are told from it by shape alone, and a stamp's outline star has a pen's shape (blind
    officegen 870033): a doubt. Strokes reaching well off the disc, or on a light stamp's disc of a
    grey page (its ink lifted by level), are read as usual."""
    from bot.scan.check import on_dark_disc
    from bot.scan.seal import Seal
    from bot.scan.signature import Zone

    cfg = _cfg()
    page = np.full((2000, 2000), 255, np.uint8)
    bw = Prepared(grey=page, colour=None, dpi=300.0, bw=True, rotation=0, skew=0.0)
    grey = Prepared(grey=page, colour=None, dpi=300.0, bw=False, rotation=0, skew=0.0)
    seal = Seal(948, 1496, 247, 0.9, 0.8, 0.1, False, True, ink_level=140.0)

    def zone(ink_box: tuple[int, int, int, int]) -> Zone:
        return Zone("manager", (300, 1400, 1900, 1650), True, ink_box=ink_box)

    star = zone((922, 1392, 1169, 1671))
    assert on_dark_disc(bw, star, [seal], cfg)
    assert not on_dark_disc(grey, star, [seal], cfg)  # a light stamp on a grey page
    assert not on_dark_disc(bw, zone((1050, 1400, 1500, 1600)), [seal], cfg)  # half off the disc
    assert not on_dark_disc(bw, zone((922, 1392, 1169, 1671)), [], cfg)


def test_a_label_of_the_other_column_does_not_bound_this_rows_zone() -> None:
    """zone_box: another row's label cuts the zone where the rows are stacked (below this label,
    under its columns); one in the other column, clear of this label and of the zone, bounds only
    its own rows (blind officegen 870002: the manager's label, left and lower, cut the owner's
    zone off above the owner's own line)."""
    from bot.scan.form import Label
    from bot.scan.rows import Rule
    from bot.scan.signature import zone_box

    cfg = _cfg()

    def word(text: str, x0: int, y0: int, x1: int) -> Word:
        return Word(text, 95.0, x0, y0, x1, y0 + 44, (0, 1, 1, y0))

    line = Rule(1317, 1696, 1710, "under")
    owner = Label("owner", (word("Владелец", 1296, 1521, 1469), word("сертификата", 1480, 1521, 1706)),
                  0, 100.0, rule=line)
    other_column = Label("manager", (word("Заведующий", 273, 1583, 600),), 0, 100.0)
    box, _ = zone_box(owner, [other_column], [], 2400, 2300, cfg, h=44.0)
    assert box[3] > line.y  # down to the owner's own line, where the pen goes
    stacked = Label("manager", (word("Руководитель", 1296, 1583, 1600),), 0, 100.0)
    box, _ = zone_box(owner, [stacked], [], 2400, 2300, cfg, h=44.0)
    assert box[3] < 1583


def test_a_label_word_cut_short_by_a_stamp_opens_its_row_only_where_none_reads_whole() -> None:
    """A stamp's ring across «руководителя» stops OCR at «руководи» (officegen 840004: «Подпись
    руководи» over «организации»), or at «Руковод» (840023): with no line reading the manager's
    wording whole, the row it opens is the manager's label. A word of the same root that is no start
    of the label's word is no label, nor is a cut word where a whole label was read."""
    from bot.scan.form import find_labels

    cfg = _cfg()
    cut = [_line("Подпись руководи", 500), _line("организации", 590),
           _line("Владелец сертификата ключа проверки электронной подписи", 700)]
    labels = find_labels(cut, cfg)
    assert set(labels) == {"manager", "owner"}
    assert [w.text for w in labels["manager"].words][:2] == ["Подпись", "руководи"]
    assert find_labels([_line("1. Руковод (А.В. Рябинина)", 500)], cfg)["manager"].words[0].text == "Руковод"
    assert "manager" not in find_labels([_line("Руководствуясь регламентом", 600), _line("Руководств", 700)], cfg)
    whole = find_labels([_line("Руководитель организации", 400), _line("Руковод", 800)], cfg)
    assert whole["manager"].box[1] == 400



def test_a_shadow_over_part_of_a_zone_is_not_ink() -> None:
    # docgen 680011: a phone's shadow darkening the page's edge passed for a signature in a
    # zone as wide as the page; the zone's paper level must follow the shadow
    from bot.scan.page import dark_ink

    g = np.full((300, 1600), 235, np.uint8)
    g[:, 1100:] = np.linspace(235, 120, 500).astype(np.uint8)  # the light falling off to the right
    cv2.line(g, (200, 150), (600, 120), 60, 4)     # a pen stroke in the light
    cv2.line(g, (1300, 150), (1500, 120), 20, 4)   # and one in the shadow, darker than the shadow
    ink = dark_ink(g, 60, 120, 20)
    assert not ink[:100, 1100:].any() and not ink[180:, 1100:].any()  # the shadowed paper itself
    assert ink[115:160, 190:610].sum() > 1000      # both strokes are ink
    assert ink[115:160, 1290:1510].sum() > 500
    # evenly lit paper: the zone's own level, as before
    even = np.full((300, 1600), 235, np.uint8)
    cv2.line(even, (200, 150), (600, 120), 160, 4)
    assert (dark_ink(even, 60, 120, 20) == (even < float(np.percentile(even, 90)) - 60)).all()


def test_a_round_patch_of_blue_pen_strokes_is_no_seal() -> None:
    # docgen 650016: no stamp on the page; the two blue signatures stacked in the table's column
    # made a round patch of seal-coloured ink, and the seal was «partly seen» instead of missing
    from bot.scan.check import _without_pen_blobs
    from bot.scan.seal import Seal
    from bot.scan.signature import Zone

    cfg = _cfg()
    colour = np.full((1200, 1200, 3), 245, np.uint8)
    blue = (190, 60, 40)  # BGR: a blue ballpoint
    cv2.polylines(colour, [np.array([[400, 450], [480, 380], [560, 470], [700, 400], [800, 460]], np.int32)], False, blue, 5)
    cv2.polylines(colour, [np.array([[420, 700], [500, 620], [600, 720], [720, 640], [780, 700]], np.int32)], False, blue, 5)
    p = Prepared(grey=cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY), colour=colour, dpi=300, bw=False, rotation=0, skew=0)
    blob = Seal(600, 550, 250, 0.4, 0.25, 0.0, True, False, 255.0, 255.0, 1.0, blob=True)
    signed = [Zone("manager", (300, 300, 900, 500), True, unit=40.0, ink_box=(400, 380, 801, 471)),
              Zone("owner", (300, 560, 900, 760), True, unit=40.0, ink_box=(420, 620, 781, 721))]
    assert _without_pen_blobs(p, [blob], signed, cfg) == []
    # a smudged stamp's patch round one signature is still a candidate (a doubt, not «no seal»)
    cv2.circle(colour, (600, 550), 230, blue, 12)
    p = Prepared(grey=cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY), colour=colour, dpi=300, bw=False, rotation=0, skew=0)
    assert _without_pen_blobs(p, [blob], signed, cfg) == [blob]


def test_an_unread_label_under_the_found_row_is_placed_by_its_twin_rule() -> None:
    # docgen 670044: a stamp's ring across «Владелец сертификата» left OCR nothing of it; the row
    # is the one whose line is the twin of the manager's, below it
    from bot.scan.form import Label, infer_label_by_rules
    from bot.scan.rows import Rule

    def w(text: str, x0: int, y0: int, x1: int, y1: int) -> Word:
        return Word(text, 95.0, x0, y0, x1, y1, (1, 1, 1, 1))

    manager = Label("manager", (w("Руководитель", 270, 1960, 560, 2000), w("организации", 575, 1960, 850, 2000)),
                    0, 100.0, rule=Rule(1166, 1782, 2009, "right"))
    twin, date = Rule(1167, 1782, 2434, "right"), Rule(270, 700, 2700, "right")
    labels = {"manager": manager}
    infer_label_by_rules(labels, [], [manager.rule, twin, date], _cfg(), 40.0)
    owner = labels["owner"]
    assert owner.rule is not None and owner.rule.y == 2434
    assert owner.box[0] == 270 and 2380 < owner.box[3] < 2434
    # two twins: which is the owner's is not known, none is guessed
    labels = {"manager": manager}
    infer_label_by_rules(labels, [], [manager.rule, twin, Rule(1160, 1790, 2300, "right")], _cfg(), 40.0)
    assert "owner" not in labels


def test_a_stand_in_label_centres_its_zone_on_its_own_caption() -> None:
    """A label lost under a stamp (officegen 770002, page 2): the row's «(подпись)» stands in for it,
    right over the caption. That caption is the row's own, not one drifted under a label's words:
    the zone is centred on it, so a signature left of the caption (the rule runs on to the left
    of it) is in the zone."""
    from bot.scan.form import Label, captions_of, infer_missing_label
    from bot.scan.signature import zone_box

    cfg = _cfg()
    lines = [_line("(подпись) (расшифровка подписи)", 600), _line("(подпись) (расшифровка подписи)", 860)]
    label = Label("owner", (Word("Владелец", 95.0, 300, 790, 520, 830, (0, 1, 1, 790)),), 0, 100.0)
    labels = {"owner": label}
    infer_missing_label(labels, captions_of(lines, cfg), cfg, [], left=100, page_text_height=40.0)
    stand_in = labels["manager"]
    assert stand_in.caption is not None and stand_in.caption.y0 == lines[0].words[0].y0
    box, caption = zone_box(stand_in, [label], captions_of(lines, cfg), 2400, 2300, cfg, h=40.0)
    assert caption is stand_in.caption
    assert box[0] < caption.x0 - 2 * 40 and box[2] > caption.x1


def test_zones_read_the_same_strokes_only_when_their_boxes_mostly_coincide() -> None:
    """check._shared_share: a flourish read by both rows (docgen 690023) shares nearly all of the
    smaller box; two signatures a row apart that only touch share a sliver (scangen probe 126002)."""
    from bot.scan.check import _shared_share

    assert _shared_share((1377, 1890, 1763, 2060), (1377, 1970, 1763, 2061)) > 0.9
    assert _shared_share((363, 2200, 900, 2450), (343, 2444, 762, 2803)) < 0.05
    assert _shared_share((0, 0, 10, 10), None) == 0.0


def test_two_name_words_joined_by_a_speck_read_as_an_apostrophe_are_two_words() -> None:
    """officegen 830021 (cells, copier; the session-16 final blind run): «Чудинов'Юрий Николаевич»
    — a copier's speck between the surname and the first name read as an apostrophe, and the
    name was not reported. An apostrophe between a lower-case and a capital letter parts two
    words."""
    lines = [_line("Фамилия, имя, отчество: Чудинов'Юрий Николаевич", 160)]
    assert fields.extract(lines, {})["owner_name"] == "Чудинов Юрий Николаевич"


@pytest.mark.parametrize("degrees", [0, 90, 180, 270, -90])
def test_a_quarter_turn_is_numpys_counter_clockwise_turn(degrees: int) -> None:
    """rotate_quarter turns by OpenCV (fast) exactly as np.rot90 does, grey and colour alike."""
    from bot.scan.page import rotate_quarter

    rng = np.random.default_rng(degrees % 360)
    for shape in ((37, 53), (37, 53, 3)):
        img = rng.integers(0, 256, shape, dtype=np.uint8)
        assert np.array_equal(rotate_quarter(img, degrees), np.rot90(img, (degrees // 90) % 4))


def test_a_rule_tilted_by_a_phone_is_no_pen_stroke_where_the_row_does_not_know_its_rule() -> None:
    """A row placed without its rule (its caption under the line, the rule not tied to the label)
    holds an empty line tilted by a phone's perspective (docgen 690075: 1.4°): no straight run is
    long enough for rules_mask, and the line read as one long pen stroke. It is a rule; a
    signature over it still is a signature."""
    from bot.scan.check import zone_mark
    from bot.scan.form import Label
    from bot.scan.signature import check_zone

    cfg = _cfg()
    label = Label("owner", (Word("Владелец", 95.0, 100, 300, 320, 345, (0, 1, 1, 1)),), 0, 100.0)
    caption = Word("(подпись)", 95.0, 760, 430, 940, 465, (0, 2, 1, 1))

    def zone_of(g: np.ndarray):
        p = Prepared(grey=g, colour=None, dpi=300.0, bw=False, rotation=0, skew=0.0)
        return check_zone(p, "owner", label, [], [*label.words, caption], [caption], [], cfg, [], 45.0)

    g = np.full((900, 1600), 250, np.uint8)
    cv2.line(g, (520, 395), (1180, 420), 0, 3)        # 660 px, 25 px of drift: 2.2°
    empty = zone_of(g)
    assert zone_mark(empty, cfg).state != "present"
    pts = np.array([(600, 400), (650, 320), (700, 390), (760, 310), (820, 395), (900, 330), (980, 380)], np.int32)
    cv2.polylines(g, [pts.reshape(-1, 1, 2)], False, 0, 4)
    assert zone_mark(zone_of(g), cfg).state == "present"


def test_a_word_read_as_junk_by_the_other_reading_is_no_print() -> None:
    """A handwriting font's signature may be read as a word: docgen 750024's «Lapt» was «Форб» at
    41 % in the sparse re-read (part 99), «Флрб» at 0 % in the page's OCR. A word of four letters
    at 35 % or more counts as print (print under a stamp reads that poorly), unless the other
    reading of its place was junk: print reads alike twice."""
    from bot.scan.signature import print_boxes

    sparse = Word("Форб", 41.0, 100, 100, 220, 150, (99, 21, 0, 0))
    page = Word("Флрб", 0.0, 98, 96, 226, 156, (0, 16, 1, 1))
    box, h = (0, 0, 400, 300), 40.0
    assert print_boxes([sparse], box, h)[125, 160]               # read once: print
    assert not print_boxes([sparse, page], box, h).any()         # read as junk too: handwriting
    sure = Word("Лаптева", 96.0, 100, 100, 260, 140, (99, 22, 0, 0))
    assert print_boxes([sure, Word("Лаnтева", 20.0, 100, 100, 260, 140, (0, 16, 1, 1))], box, h)[120, 150]


def _bw_page(draw) -> Prepared:
    """A 1-bit page: a form's print (lines of text, the signature rules, a scribbled signature) and
    whatever ``draw`` adds, binarised at mid-grey."""
    grey = np.full((3508, 2480), 255, np.uint8)
    for y in range(400, 1500, 70):
        cv2.putText(grey, "NAIMENOVANIE ORGANIZATSII 1234567890", (200, y), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 0, 3)
    for y in (1900, 2200):
        cv2.putText(grey, "Rukovoditel organizatsii", (200, y), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 0, 3)
        cv2.line(grey, (1000, y + 10), (1700, y + 10), 0, 3)
    cv2.polylines(grey, [np.array([[1100, 1900], [1180, 1830], [1230, 1905], [1300, 1840], [1380, 1895]])],
                  False, 0, 4)
    draw(grey)
    return Prepared(grey=np.where(grey < 128, 0, 255).astype(np.uint8), colour=None, dpi=300.0, bw=True,
                    rotation=0, skew=0.0)


def _ring(g: np.ndarray, level: int, degrees: tuple[int, int]) -> None:
    """A stamp's ring (radius 230 px, centre over the manager's row) with its ring text's ticks,
    drawn over ``degrees`` of the circle only."""
    cv2.ellipse(g, (1300, 1950), (230, 230), 0, degrees[0], degrees[1], level, 6)
    for a in range(degrees[0], degrees[1], 8):
        t = np.deg2rad(a)
        cv2.line(g, (int(1300 + 170 * np.cos(t)), int(1950 + 170 * np.sin(t))),
                 (int(1300 + 200 * np.cos(t)), int(1950 + 200 * np.sin(t))), level, 4)


def test_a_1bit_pages_stamp_traces() -> None:
    """stamp_traces: on a 1-bit page with no seal found, what binarisation left of a light stamp
    (an arc of its ring; the specks of a dithered impression) keeps «no seal» a person's call,
    and a page of print and a signature alone shows no trace (blind docgen 1-bit pages without a
    seal were all reviews). A scanner's few dust specks over the page are no trace."""
    from bot.scan.seal import stamp_traces

    cfg = _cfg().seal
    assert stamp_traces(_bw_page(lambda g: None), cfg) == ""
    rng = np.random.default_rng(7)

    def dust(g: np.ndarray) -> None:
        for x, y in zip(rng.integers(100, 2400, 12), rng.integers(100, 3400, 12), strict=True):
            g[y:y + 2, x:x + 2] = 0

    assert stamp_traces(_bw_page(dust), cfg) == ""
    assert stamp_traces(_bw_page(lambda g: _ring(g, 0, (200, 330))), cfg).startswith("an arc")

    def dithered(g: np.ndarray) -> None:  # a light ring (grey 215) dithered to 1 bit: specks
        ring = np.full(g.shape, 255, np.uint8)
        _ring(ring, 215, (0, 360))
        light = ring < 255
        g[light & (rng.random(g.shape) < 0.16)] = 0

    assert "specks" in stamp_traces(_bw_page(dithered), cfg)
