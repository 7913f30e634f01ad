"""Development documents of the second and third generators (fixtures/scans/regress/: docgen's
typeset forms with font handwriting, officegen's LibreOffice forms with drawn marks and augraphy
devices), and of the first generator's blind runs, that once got a confident wrong verdict, kept so
that it stays away. Real Tesseract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.scan import check_files

pytestmark = pytest.mark.ocr

REGRESS = Path(__file__).resolve().parents[2] / "fixtures" / "scans" / "regress"


def _case(name: str) -> tuple[Path, dict]:
    return REGRESS / name, json.loads((REGRESS / "truth.json").read_text(encoding="utf-8"))[name]


@pytest.mark.parametrize(("kind", "name"), [
    # a grey stamp (a copier darkened it to a pen's grey) over the unsigned manager's row: its
    # ring text touched the label, OCR read the label word with the stamp's letters in one tall
    # box, and the joined glyphs and ring text passed for a long pen stroke
    ("manager", "doc-710027-incomplete-two_column-copier.jpg"),
    # The same document generated again on another machine (docgen's JPEG is not byte-identical
    # across machines): the copier had darkened the stamp's ring text past the stamp's ink level,
    # its glyphs ran together into one curve inside the ring, and it passed for the manager's
    # signature — a false accept. A curve wholly in the ring text's band, running along the
    # circle and no wider across it than a line of print, is ring text (ring_text).
    ("manager", "doc-710027-incomplete-two_column-copier-again.jpg"),
    # a fax-black stamp with a star over the unsigned manager's row: the star's straight edges
    # crossed the stamp's circles like a pen's long strokes
    ("manager", "office-820037-incomplete-two_column-fax.pdf"),
    # a violet seal's filled cross (a violet pen signed the manager's row) lies in the empty row:
    # what colour separation leaves of it (its darker core, the JPEG's specks) once passed for the
    # owner's signature on their side of the border; the filled emblem is no signature (officegen
    # 600036, a held-out document of an earlier session, its image seen then)
    ("owner", "office-600036-incomplete-cells-phone.jpg"),
    # a copier's speck clouds along the empty row (dense clumps of dots around pores) passed for
    # the owner's signature and made the application complete; a speck cloud is not a pen's
    # stroke (speck_clouds)
    ("owner", "office-800099-incomplete-cells-copier.tiff"),
    # docgen 650032 (table, phone; the session-12 blind run's false accept, a known failure until
    # session 15): the owner did not sign; the violet stamp over the manager's cell hangs into the
    # owner's row, and with the manager's underline and the row's typed name under the phone's
    # shadow its ink measured 2.8 of a signature's minima in the owner's zone. With the paper's
    # level following the shadow (dark_ink) the row reads empty, and at raised contrast a doubt.
    ("owner", "doc-650032-incomplete-table-phone.jpg"),
    # docgen 680011 (table, phone; the session-15 blind run's false accept): the manager did not
    # sign. The row's zone spans the page, and the phone's shadow darkening the page's right edge
    # lay under the zone's ink threshold (one paper level for the whole zone): a dense patch of
    # «ink» there passed for the manager's signature. The paper's level now follows the shadow.
    ("manager", "doc-680011-incomplete-table-phone.pdf"),
    # The blind held-out run's one false accept (officegen page2/copier, 680007): the owner did
    # not sign, and the copier had tilted the owner's underscore rule by a pixel row every forty and
    # broken it with pixel-wide gaps. No straight run of it was a rule's length: the rule was kept
    # as the owner's «signature», and the incomplete application came out complete. The row's own
    # rule, where the row search found it, is now taken out across such steps and gaps.
    ("owner", "office-680007-incomplete-page2-copier.pdf"),
    # The session-9 blind run's false accept of the first generator (scangen 990073, black and
    # white): neither row signed, a two-ring stamp across both. Its inner ring alone was found, so
    # the stamp's disc stopped there, and the outer ring's dashed arcs and the text between the
    # rings passed for both signatures. The outer ring is now found round the inner one.
    ("manager", "case-990073-incomplete-bw.png"),
    ("owner", "case-990073-incomplete-bw.png"),
    # docgen 500001 (a held-out document of session 7, seen then): OCR read the owner's label as
    # «Владелец серти… проверки электр…» and left the rest of the two words unread; their glyphs,
    # joined by the phone's blur, measured 1.33 of a signature's minima. A signature just over the
    # minima must reach them without the label's printed lines too (label_print).
    ("owner", "doc-500001-incomplete-two_column-phone.jpg"),
    # The session-11 blind run's two false accepts (scangen): rows whose labels OCR did not read,
    # placed by their «(подпись)» captions (stand-ins). The unread label's glyphs, run together in a
    # bold serif or joined by a stamp's ring, lay in the zone over the row's line: «Владелец
    # сертификата» measured 1.61 of a signature's minima (1020079), «Руководитель» 1.02 (1020088, a
    # doubt until the minima were made enough with the label's print cut out — print that is not
    # known where the label was not read). A stand-in's row must be signed without the ink over its
    # line, and the minima are enough only under a label that was read.
    ("owner", "case-1020079-incomplete-bw.tiff"),
    ("manager", "case-1020088-incomplete-grey.pdf"),
    # docgen 640058 (table/copier; the session-12 blind run, seen after): the owner did not sign,
    # and the manager's signature runs across the border between the two rows and well into the
    # owner's. A reading that parted the two rows' strokes at the border (tried in session 12 for
    # two signatures touching there) gave the manager's lower half to the owner as a sure
    # signature: a false accept. The strokes crossing the border count for the row holding most.
    ("owner", "doc-640058-incomplete-table-copier.pdf"),
    # docgen 650029 (page 2, flatbed; the session-12 blind run's seeds, seen in session 14): the
    # manager did not sign, a blue stamp over the row. Its outer ring, pressed hard on one side, is
    # of the stamp's hue but far darker in grey: read as «a pen of the stamp's dye» (a change made
    # for docgen 660000 below), the arc passed for the manager's signature — a false accept. On the
    # stamp's rings such ink is the stamp's.
    ("manager", "doc-650029-incomplete-page2-flatbed.pdf"),
    # docgen 690023 (table, flatbed; the session-16 blind run's false accept): the owner did not
    # sign. The manager signed over his row, the flourish under his name running on across the
    # table's border into the owner's row; the two zones did not overlap, but both read that
    # stroke, and the owner's as a sure signature. Zones that read the same strokes are read apart.
    ("owner", "doc-690023-incomplete-table-flatbed.pdf"),
    # officegen 760108 (cells, copier; session 18's development run, a false accept of the code
    # before it): the manager did not sign; a grey stamp's thin ring runs through the label word
    # «Заведующий», whose glyphs it joins into one long piece over the label's own print. The row
    # must be signed without its label's printed lines.
    ("manager", "office-760108-incomplete-cells-copier.png"),
    # docgen 690075 (page 2, phone; the same run's false accept): the owner did not sign; the phone
    # tilted the row's empty line 1.4°, no straight run of it was a rule's length, and the row,
    # placed by its caption, did not know that line as its rule: it read as one long pen stroke.
    # Every rule in the zone's window is taken out, slanted ones too.
    ("owner", "doc-690075-incomplete-page2-phone.pdf"),
    # officegen 870033 (cells, fax; session 21's blind run, its false accept): the manager did not
    # sign; a fax-black stamp over the manager's row has an outline star, whose straight strokes
    # read as the manager's signature. The owner's zone shares the band, and the shared band's
    # doubt held it, until session 21 let a row keep strokes on its own label's line (own_rows).
    # Strokes read wholly on a stamp's disc as dark as a pen are a doubt now (on_dark_disc).
    ("manager", "office-870033-incomplete-cells-fax.pdf"),
])
def test_what_lies_in_an_empty_row_is_no_signature(rules, kind: str, name: str) -> None:
    """The row is empty but holds ink that is not a pen's: the row is a doubt, never «signed»."""
    path, truth = _case(name)
    assert truth["verdict"] == "incomplete" and truth[kind] is False
    result = check_files([path], rules)
    assert result.marks[kind].state != "present", result.to_json()
    assert result.verdict in ("incomplete", "review"), result.to_json()


@pytest.mark.parametrize("name", [
    # «Подпись руководителя / организации» in two lines: the wrapped word starts at «Подпись», left
    # of «руководителя»; with it the label reaches its signature line, and the owner's zone stops there
    "office-660019-complete-cells-copier.pdf",
    # OCR read the manager's signature beside «Генеральный директор» as a word («ем», twice print's
    # height): it is not the label's wording, and its ink is not cut out of the zone as print
    "office-660000-complete-page2-phone.pdf",
    # two rows packed close (the owner's zone reaches over the manager's line): the white rows between
    # the two signatures part them, and each row keeps its own
    "office-660047-complete-page2-copier.tiff",
    # A complete application signed in a bordered table (officegen cells/scanner): each signature
    # sits near the border between the two rows, inside both rows' zones. At the border the strokes
    # that cross it are seen whole and count for the row that holds most of them: both rows are signed
    # (it was a doubt while the zone had to be signed a print height clear of the border).
    "office-800071-complete-cells-scanner.jpg",
    # officegen 860007 (cells, copier; the session-19 blind run's seeds, seen in session 21): the
    # manager signed low in its cell, at the border; the owner's zone reaches up over it, both zones
    # read the manager's strokes, and without that shared band the owner's row read unsigned: a
    # doubt. The owner's strokes sit on its label's line, well clear of the manager's, and the
    # manager's row is signed by strokes nearer its own line: each row keeps its own (own_rows)
    "office-860007-complete-cells-copier.tiff",
])
def test_two_rows_packed_close_keep_each_its_signature(rules, name: str) -> None:
    path, truth = _case(name)
    assert truth["verdict"] == "complete"
    result = check_files([path], rules)
    assert result.verdict == "complete", result.to_json()


@pytest.mark.parametrize("name", [
    # «(расшифровка подписи)» spaced by hand onto the line under the manager's wrapped label, partly
    # under its last word: it ended the row's zone before the row's rule, and the row was «not found»
    "office-840035-complete-inline-copier.pdf",
    # a black fax stamp across both labels: OCR read «Руковод» (the rest under the ring), and the
    # label cut short opens the manager's row where no line reads the wording whole
    "office-840023-complete-inline-fax.tiff",
    # the owner's label runs long and its line after it is 20 mm (under `rule_min_length`), its
    # caption typed far to the left: the short line right after the label is the row's rule
    "office-840021-complete-page2-phone.pdf",
])
def test_rows_are_found_where_their_print_misleads(rules, name: str) -> None:
    """Rows that were sent to review as not found (session 18's development sets): found, signed."""
    path, truth = _case(name)
    assert truth["verdict"] == "complete"
    result = check_files([path], rules)
    assert (result.verdict, result.doubts) == ("complete", []), result.to_json()


def test_small_signatures_just_over_the_minima_are_signatures(rules) -> None:
    """Both rows signed small on page 2 of a phone photo (officegen 660022): the owner's ink measured
    1.04 of a signature's minima, the manager's 1.63, and 1.37 without the band the two zones share.
    Under `sure_signature` (1.4) both were doubts. Read without their labels' printed lines they
    still reach the minima: both are signatures, and the application is complete."""
    path, truth = _case("office-660022-complete-page2-phone.pdf")
    assert truth["verdict"] == "complete"
    result = check_files([path], rules)
    assert (result.verdict, result.doubts) == ("complete", []), result.to_json()


@pytest.mark.parametrize("name", [
    # the owner's small violet signature lies on its rule: the rule's removal cut it into
    # letter-sized pieces, which alone pass for print OCR missed (read 0.21 of the minima); in a
    # pen's colour, away from the stamp, they are a pen's strokes
    "office-760041-complete-inline-phone.jpg",
    # the manager's small violet signature reads 0.98 of the minima, under the sure margin (1.4):
    # in a pen's colour away from every stamp it is a signature
    "office-800101-complete-cells-phone.jpg",
])
def test_small_signatures_in_a_pens_colour_are_signatures(rules, name: str) -> None:
    path, truth = _case(name)
    assert truth["verdict"] == "complete"
    result = check_files([path], rules)
    assert (result.verdict, result.doubts) == ("complete", []), result.to_json()


def test_a_signature_at_the_border_of_an_empty_row_is_a_doubt(rules) -> None:
    """A table (docgen 560006, complete): the manager signed just under the border of the row, in
    the top of the owner's row, whose own signature sits lower. Read by rows, the manager's row is
    empty; but a signature at the border may be either row's, so the empty row is a doubt, never
    «not signed»."""
    path, truth = _case("doc-560006-complete-table-copier.jpg")
    assert truth["verdict"] == "complete"
    result = check_files([path], rules)
    assert "manager_signature_missing" not in result.defects, result.to_json()
    assert result.verdict in ("complete", "review"), result.to_json()


def test_the_next_rows_label_is_no_caption(rules) -> None:
    """«Подпись руководителя / организации» over «Подпись владельца / сертификата» (officegen 660037,
    the owner did not sign): the owner's label's first word «Подпись» stood under the manager's label
    and was taken for the manager's «(подпись)» caption, so the manager's zone went left of the
    table, found empty, and the organisation would have been told a signature that is there is
    missing."""
    path, truth = _case("office-660037-incomplete-cells-phone.jpg")
    assert truth["verdict"] == "incomplete" and truth["manager"] is True and truth["owner"] is False
    result = check_files([path], rules)
    assert "manager_signature_missing" not in result.defects, result.to_json()
    assert result.verdict in ("incomplete", "review"), result.to_json()


def test_a_wrapped_label_in_its_cell_is_no_caption(rules) -> None:
    """«Подпись владельца / сертификата» wrapped in its table cell (officegen cells/copier, blind run
    of session 10, complete): its first line holds two words, and a line of three words or fewer
    counted as a caption line, so «Подпись» was the owner's «(подпись)» caption. The zone was
    centred on the label itself, left of the signature column, and found empty: the owner was
    «not signed». A bare «Подпись» followed by a lower-case word opens a label."""
    path, truth = _case("office-720020-complete-cells-copier.tiff")
    assert truth["verdict"] == "complete"
    result = check_files([path], rules)
    assert "owner_signature_missing" not in result.defects, result.to_json()
    assert result.verdict in ("complete", "review"), result.to_json()


def test_a_form_whose_title_ocr_lost_is_still_the_form(rules) -> None:
    """A complete two-column form on a copier (officegen 670039, held out in session 7, seen then):
    OCR did not read the «ЗАЯВКА» line at all, and the page was «not a form». With both signature
    rows on it and its numbers passing their check digits it is the form (untitled_min_numbers)."""
    path, truth = _case("office-670039-complete-two_column-copier.png")
    assert truth["verdict"] == "complete"
    result = check_files([path], rules)
    assert result.verdict in ("complete", "review"), result.to_json()


def test_a_signature_page_under_a_phones_shadow_is_read(rules) -> None:
    """Page 2 of a phone photo (docgen 570041, seen in session 7): the signatures alone on a page
    darkened toward one corner. Its few lines gave the page's axis no clear answer, so it was read
    turned a quarter; the other turns were read without the light evened out, and the evened reading
    had lifted the stamp's ink to white before evening, which passed for bright paper and darkened
    the labels round it. Neither label was read, and both rows were «not found». The light is now
    evened before the stamp's ink is lifted, and under a shadow the other turns are read evened:
    both labels are read and the application is complete."""
    path, truth = _case("doc-570041-complete-page2-phone.pdf")
    assert truth["verdict"] == "complete"
    result = check_files([path], rules)
    assert (result.verdict, result.doubts) == ("complete", []), result.to_json()


def test_a_page_of_signatures_whose_labels_ocr_lost_is_read_again(rules) -> None:
    """Page 2 of a fax (officegen 800123, development): a clean 1-bit page of signatures, a black
    stamp with a filled cross beside the labels. OCR of the page read the captions («Расшифровка
    подписи») and the names but took the labels' column for a picture: no label, so the page was no
    form and no page of signatures, and both rows were «not found». The captions of a signature
    block now send the page to the sparse re-read round them, which reads both labels. (The
    manager's signature lies on the black stamp's disc, told from it by shape alone: since session
    21 that row is a person's call, `on_dark_disc`; the owner's is read signed.)"""
    path, truth = _case("office-800123-complete-page2-fax.tiff")
    assert truth["verdict"] == "complete"
    result = check_files([path], rules)
    assert result.marks["owner"].state == "present", result.to_json()
    assert (result.verdict, result.doubts) in (("complete", []), ("review", ["manager_signature_unsure"])), (
        result.to_json())


def test_a_page_of_signatures_with_no_caption_is_read_again_round_its_names(rules) -> None:
    """Page 2 of a phone photo (officegen 750023, the session-12 run's seeds): «Руководитель» and
    «2. Владелец сертификата» beside a stamp, no «(подпись)» captions, the signers' names written out
    («С.И. Коптев»). Tesseract's page layout took the labels' column for a picture (plain `tesseract
    -l rus` reads neither), so the page was neither the form nor a page of signatures, and both rows
    were «not found». The names written out now send the page to the sparse re-read round them."""
    path, truth = _case("office-750023-incomplete-page2-phone.pdf")
    result = check_files([path], rules)
    assert not [d for d in result.doubts if d.endswith("_zone_not_found")], result.to_json()
    assert result.verdict in (truth["verdict"], "review"), result.to_json()


def test_a_caption_drifted_under_a_long_label_does_not_place_the_zone(rules) -> None:
    """Page 2 of a phone photo (officegen 800167, development): «Владелец сертификата ключа проверки
    электронной подписи» fills the line, the owner signed on the short rule at its end, and the
    captions «(подпись)» «(расшифровка подписи)» typed on the next line sit under the label's own
    words. Once the page's labels were read (the light evened before the stamp's ink is lifted),
    the owner's zone was centred on that caption, under the label, and found empty: «not signed», a
    confident error. A caption right under the label's last line has drifted there; the row's
    rule places the zone, and the owner is signed."""
    path, truth = _case("office-800167-complete-page2-phone.pdf")
    assert truth["verdict"] == "complete"
    result = check_files([path], rules)
    assert "owner_signature_missing" not in result.defects, result.to_json()
    assert result.verdict == "complete", result.to_json()


def test_a_readable_form_beside_an_unreadable_page_is_not_called_unreadable(rules) -> None:
    """A two-page copier PDF (officegen 670034, held out in session 7, seen then): the title read
    as «ее. ЗАЯВКА» (a speck before it) and the signature page, grey with the copier's specks, gave
    no text. The organisation was told «текст на скане не распознаётся». The speck no longer hides
    the title, and text on one page with none on another is a person's call (`ocr_weak`), never
    «unreadable»."""
    path, truth = _case("office-670034-incomplete-page2-copier.pdf")
    assert truth["verdict"] == "incomplete"
    result = check_files([path], rules)
    assert result.verdict in ("incomplete", "review"), result.to_json()


def test_a_blue_ballpoint_on_a_page_without_a_seal_is_a_signature(rules) -> None:
    """A table signed in a light blue ballpoint, with no stamp on the page (docgen, held-out 570016).
    With no seal measured, seal-hued ink was taken for a missed stamp's when its brightest channel
    was light, and a blue pen's blue channel always is: the manager's signature came out «missing».
    Only the stamp is missing, and nothing is in doubt."""
    path, truth = _case("doc-570016-incomplete-table-flatbed.jpg")
    assert truth["manager"] is True and truth["owner"] is True and truth["seal"] is False
    result = check_files([path], rules)
    assert (result.verdict, result.defects, result.doubts) == ("incomplete", ["seal_missing"], []), result.to_json()


def test_a_stamp_over_an_empty_row_stays_a_stamp_at_raised_contrast(rules) -> None:
    """The manager's row is empty under a coloured stamp (docgen two_column, 700018). A zone found
    empty is read again with its contrast raised, for a pen too pale for the ink threshold. Raised
    with the grey, the colours had clipped: the stamp's ring text changed hue and brightness and
    passed for a pen's strokes, and «not signed» became a doubt. The colours now stay as they came."""
    path, truth = _case("doc-700018-incomplete-two_column-flatbed.pdf")
    assert truth["manager"] is False and truth["owner"] is True and truth["seal"] is True
    result = check_files([path], rules)
    assert (result.verdict, result.defects, result.doubts) == (
        "incomplete", ["manager_signature_missing"], []), result.to_json()


def test_a_pale_stamp_crossed_by_table_borders_is_not_as_dark_as_a_pen(rules) -> None:
    """A pale grey stamp over a bordered table, the owner's small violet signature on its disc
    (officegen page2/scanner, held-out 670051). The seal's ink level was the median of the dark
    pixels on its ring: the ring itself was too pale to count, and the table's borders crossing it
    made the stamp «as dark as a pen». On its disc only pen-shaped strokes were kept, the signature
    was lost, and the owner was told «not signed». Only the manager did not sign."""
    path, truth = _case("office-670051-incomplete-page2-scanner.pdf")
    assert truth["manager"] is False and truth["owner"] is True and truth["seal"] is True
    result = check_files([path], rules)
    assert "owner_signature_missing" not in result.defects, result.to_json()
    assert result.verdict in ("incomplete", "review"), result.to_json()


@pytest.mark.parametrize("name", [
    # The manager signed low, across the table's border, mostly in the owner's row (docgen table/
    # flatbed). Its strokes cross the border and stay one group: the manager's zone is not called
    # empty (a doubt at worst).
    "doc-710023-complete-table-flatbed.pdf",
    # Captions typed on their own line drift (held-out page2/scanner): the manager signed between
    # «(подпись)» and the typed name, over «(расшифровка подписи)». The zone centred on «(подпись)»
    # was empty, and the row's band left out the whole decipher column (a name written out by hand
    # there is no signature), signature and all. The name is typed on this row, so the column
    # holds print only: the signature off the zone is a doubt.
    "office-670002-complete-page2-scanner.pdf",
    # The blind run's inline/copier error: «(расшифровка подписи)» drifted under the rule itself.
    # The zone, placed on the rule, stopped at that caption and kept a sliver of the rule; the
    # signature drawn high over the rule fell outside. Such a caption no longer stops the zone.
    "office-680026-complete-inline-copier.tiff",
    # A 1-bit scan of a table (docgen 560026, complete): the manager signed across a black stamp,
    # whose rings cut the strokes into pieces no longer than the stamp's letters. By shape alone they
    # are not a signature; but the stamp covers a third of the row beyond its label's column, so the
    # empty reading is a doubt (it was «not signed» while the label's column counted as open paper).
    "doc-560026-complete-table-bw.tiff",
    # A complete application whose manager's label (in its table cell, under the seal) was not
    # read: a stand-in was placed on the column's «Подпись» header, in the row above, and its empty
    # zone was taken for «not signed». A row placed by a stand-in is not seen: its empty zone is a
    # doubt (the organisation is not told its signature is missing).
    "office-810003-complete-cells-phone.jpg",
    # A small pale violet signature on its line (officegen two_column/copier, 660050; no stamp on the
    # page): the line's removal cut it into letter-sized pieces, and no long stroke adopted them. Not
    # a signature by shape; not an empty zone either: a doubt.
    "office-660050-incomplete-two_column-copier.pdf",
    # A small blue ballpoint signature on a grey copy, over a grey two-ring stamp as light as the
    # pen (officegen inline/copier, 800088): lifted with the stamp's ink by its grey level, the row
    # was «not signed». Read again with the lifted ink, it is a signature: the row is a doubt.
    "office-800088-incomplete-inline-copier.png",
    # A fax (officegen two_column, blind run of session 10): a bold signature over a black two-ring
    # stamp's top, under its label. The rings cut it into pieces that by shape alone are the
    # stamp's, and the row was «not signed»: the stamp's share of the zone was counted beside the
    # label's whole column, where this zone lies. Only the label itself is left out now: the
    # stamp covers the zone, and the empty reading is a doubt.
    "office-720058-complete-two_column-fax.png",
    # A 1-bit table (docgen, the session-11 blind run's 630057; the owner did not sign): the manager
    # signed across a black stamp. The zone found nothing pen-shaped; the row's band read the strokes
    # as a signature by shape alone (2.1 of the minima after the dark seal's discount), which did not
    # count, and the manager was «not signed». Ink off the line by shape alone makes a doubt too.
    "doc-630057-incomplete-table-bw.pdf",
    # docgen 680016 (table, copier; the session-15 blind run): the manager signed small in a light
    # grey under a light grey stamp. Lifted with the stamp's ink by its level, and read again with
    # that ink it measured 0.52 of a signature's minima: not «signed», so it did not count, and the
    # organisation was told the manager's signature is missing. A lifted reading that is not surely
    # empty makes a doubt.
    "doc-680016-incomplete-table-copier.jpg",
    # officegen 600037 (two columns, phone; held out in session 7, seen since): the manager signed in
    # a light blue pen beside a phone's shadow. Read empty, it was a doubt by its strokes at raised
    # contrast, read then with the shadow as ink. With the shadow no ink at raised contrast too, the
    # strokes fell to a group mostly outside the zone, and the row was «not signed». At raised
    # contrast (which can only make a doubt) the zone's paper is one level again.
    "office-600037-incomplete-two_column-phone.jpg",
])
def test_a_signed_manager_is_never_called_missing(rules, name: str) -> None:
    path, truth = _case(name)
    assert truth["manager"] is True
    result = check_files([path], rules)
    assert "manager_signature_missing" not in result.defects, result.to_json()
    assert result.verdict in (truth["verdict"], "review"), result.to_json()


def test_a_pen_of_the_stamps_dye_under_the_stamp_is_a_signature(rules) -> None:
    """docgen 660000 (the session-13 blind run): the manager signed in a blue ballpoint of the blue
    stamp's very dye, under the stamp; the owner did not sign. The pen, as bright as the stamp by its
    brightest channel, was lifted with the stamp's ink, and the check told the organisation that the
    manager's signature is missing (an untrue «incomplete»). Far darker in grey than the stamp, it is
    a pen: only the owner's signature is missing."""
    path, truth = _case("doc-660000-incomplete-plain-flatbed.jpg")
    assert truth["manager"] is True and truth["owner"] is False
    result = check_files([path], rules)
    assert (result.verdict, result.defects) == ("incomplete", ["owner_signature_missing"]), result.to_json()


@pytest.mark.parametrize("name", [
    # officegen 760051 (cells, phone; seen in session 14): both signed, each signature on its cell's
    # bottom border. Rules bridged over short gaps (tried for a rule a stamp's ring left lighter,
    # blind scangen 1040010, and dropped) took the signatures' strokes beside the border into it:
    # both rows read unsigned, an untrue «incomplete». Session 15: both light blue signatures lie
    # under the ink threshold; they had been doubts only by the phone's shadow read as loose ink. With
    # the shadow no longer ink, the manager's is a doubt by the stamp's lifted ink (a light pen of
    # its colour), the owner's by its strokes at raised contrast (0.73 of the minima: not surely empty).
    "office-760051-complete-cells-phone.jpg",
    # officegen 770058 (inline, scanner; the session-14 blind run): the owner signed in a blue
    # ballpoint that the scanner left a light grey, its strokes running along and across the rule.
    # The same bridge took those strokes into the rule, and the row read «not signed». Read as a
    # doubt at least, never «missing».
    "office-770058-complete-inline-scanner.tiff",
    # officegen 600035 (cells, phone; held out in session 7, seen since): the manager signed in a
    # violet pen under a violet stamp, too light for the ink threshold. With the page's contrast
    # raised its strokes reach 1.24 of a signature's minima, but read by shape on the stamp's dark
    # disc, which is no sure signature; the faint re-look asked for one, and the row was «not
    # signed» (once the table's border stubs no longer padded the reading). Strokes that reach the
    # minima at raised contrast make a doubt.
    "office-600035-complete-cells-phone.jpg",
    # officegen 790045 (cells, scanner; the session-16 blind run): the owner signed in a blue
    # ballpoint that the scan left as light as the grey stamp over it. Lifted with the stamp's ink,
    # the row read empty, and at raised contrast only the lifted reading (0.90) was not: it was not
    # asked, and the organisation was told the owner's signature is missing. It is a doubt now.
    "office-790045-complete-cells-scanner.pdf",
    # officegen 860000 (cells, copier; the session-19 blind run): the owner signed under a grey
    # stamp, whose ink lifted the pen's with it: the row reads empty. The manager's signature lies
    # at the table's border above, and that makes the empty row a doubt. A version of session 19
    # dropped that doubt where the strokes end far above the row's own rule, and told the
    # organisation the owner's signature is missing: the border's doubt stays.
    "office-860000-complete-cells-copier.png",
    # officegen 870002 (two columns, fax; session 21's blind run, a confident error): the owner
    # signed on the line under its wrapped label in the right column. The manager's label in the
    # left column, placed lower than the owner's, cut the owner's zone off above the owner's own
    # label line: the zone read empty and the organisation was told the owner did not sign. A label
    # of the other column, clear of this label and of the zone, bounds only its own rows.
    "office-870002-complete-two_column-fax.png",
])
def test_a_complete_application_is_never_told_a_signature_is_missing(rules, name: str) -> None:
    path, truth = _case(name)
    assert truth["verdict"] == "complete"
    result = check_files([path], rules)
    assert not [d for d in result.defects if d.endswith("_missing")], result.to_json()
    assert result.verdict in ("complete", "review"), result.to_json()


@pytest.mark.parametrize("name", [
    # officegen 770015 (page 2, scanner; the session-14 blind run): a two-ring stamp with an emblem
    # under the table, faded to grey 215 on paper 249 and a third of it gone. The grey search saw the
    # circle but its ink lies under the search's threshold; judged again on pale ink the ring is inked
    # 0.63 of the way round, short of a whole grey ring's 0.82, and the pale judgement was thrown away:
    # «нет оттиска печати», an untrue «incomplete». A pale ring partly inked is a doubt.
    "office-770015-complete-page2-scanner.pdf",
    # officegen 790009 (two columns, scanner; the session-16 blind run): a two-ring stamp with a star,
    # half faded and partly off the page's left edge. Only its inner ring was seen (inked 0.54 of the
    # way round, grey 181), and its inner band holds nothing but the star's thin lines (0.10): no
    # partial ring by the inner band's test, and «нет оттиска печати». A pale ring asks nothing of
    # its inner band.
    "office-790009-complete-two_column-scanner.tiff",
])
def test_a_stamp_faded_to_a_pale_grey_and_partly_gone_is_not_missing(rules, name: str) -> None:
    path, truth = _case(name)
    assert truth["seal"] is True
    result = check_files([path], rules)
    assert "seal_missing" not in result.defects, result.to_json()
    assert result.verdict in ("complete", "review"), result.to_json()


def test_a_faded_stamp_half_off_the_page_is_no_missing_seal_beside_a_missing_signature(rules) -> None:
    """officegen 760064 (two columns, copier; session 18's development run, a confident error of the
    code before it): the owner did not sign, and a two-ring stamp 57 % faded lies half off the page's
    left edge, its ring inked 0.46 of the way round at grey 149. Taken for a circle over print (as
    dark as print, 118 at most), it was «нет оттиска печати» — untrue. A ring that light, partly
    inked, is a doubt: the owner's missing signature is said, the seal is not."""
    path, truth = _case("office-760064-incomplete-two_column-copier.png")
    assert truth["seal"] is True and truth["owner"] is False
    result = check_files([path], rules)
    assert (result.verdict, result.defects) == ("incomplete", ["owner_signature_missing"]), result.to_json()
    assert result.doubts == ["seal_ring_partial"], result.to_json()


def test_a_pen_as_light_as_the_stamp_over_it_is_told_from_it_by_shape(rules) -> None:
    """officegen 790036 (page 2, scanner; the session-16 blind run): the manager signed in a violet
    pen under a violet stamp with a star, the pen as light as the stamp. Lifted with the stamp's ink,
    the row read 3.1 of a signature's minima with that ink: a doubt, since a stamp's own strokes read
    so too. Told from the stamp by shape, as a pen under a stamp as dark as itself is (no ring, no
    ring text, no row of glyphs, no straight-sided emblem), it is a sure signature."""
    path, truth = _case("office-790036-complete-page2-scanner.pdf")
    assert truth["manager"] is True
    result = check_files([path], rules)
    assert result.verdict == "complete", result.to_json()


def test_strokes_far_above_a_rows_line_are_the_other_rows_signature(rules) -> None:
    """officegen 740003 (cells, copier; the session-12 run's seeds, seen in session 14): the manager
    signed beside «1. Руководитель», a little low; the owner did not sign on the short rule beside
    «сертификата» below. The owner's zone reaches up into the manager's row, both read the
    manager's signature, and the band they share left both rows in doubt. The strokes end four
    print heights above the owner's rule: they are the manager's, and the owner's row is empty."""
    path, truth = _case("office-740003-incomplete-cells-copier.tiff")
    assert truth["manager"] is True and truth["owner"] is False
    result = check_files([path], rules)
    assert (result.verdict, result.defects, result.doubts) == (
        "incomplete", ["owner_signature_missing"], []), result.to_json()


def test_the_other_columns_signature_is_not_this_rows_off_its_line(rules) -> None:
    """officegen 850020 (two columns, copier; the session-18 blind run): the manager did not sign;
    the owner's violet signature, in the right column, runs on past the owner's zone. Looking for a
    manager's signature off its line, the whole row's band took that flourish for one, and left the
    manager's row in doubt. Beside this row's zone, the other signer's column is the other's to the
    page's edge."""
    path, truth = _case("office-850020-incomplete-two_column-copier.png")
    assert truth["manager"] is False and truth["owner"] is True
    result = check_files([path], rules)
    assert (result.verdict, result.defects, result.doubts) == (
        "incomplete", ["manager_signature_missing"], []), result.to_json()


def test_a_name_written_over_its_caption_is_no_signature_off_the_line(rules) -> None:
    """scangen 005087 (development set of session 19): the manager did not sign and wrote the name
    by hand over «(расшифровка подписи)», which OCR then read in pieces («(расш» «ка» «по,»), no
    caption at all. Looking for a signature off its line, the row's band took the written-out name
    for one. A row whose caption was not read has its name column under the other rows' captions
    (the rows of a block are typeset alike), the whole caption's width, not the half OCR read."""
    path, truth = _case("case-005087-incomplete-color.jpg")
    assert truth["manager"] is False and truth["owner"] is True
    result = check_files([path], rules)
    assert (result.verdict, result.defects, result.doubts) == (
        "incomplete", ["manager_signature_missing"], []), result.to_json()


def test_a_signature_in_a_handwriting_font_read_as_a_word_is_no_print(rules) -> None:
    """docgen 750024 (plain, phone; the session-19 blind run, a confident error of the code before
    it): the manager's «Lapt» in a handwriting font was read «Форб» at 41 % by the sparse re-read
    of the labels, and taken for a printed word: the row read empty, «missing». The page's OCR read
    the same place as junk («Флрб», 0 %): a word read that differently twice is no print."""
    path, truth = _case("doc-750024-complete-plain-phone.pdf")
    assert truth["verdict"] == "complete"
    result = check_files([path], rules)
    assert (result.verdict, result.defects, result.doubts) == ("complete", [], []), result.to_json()


# A known failure of the session-12 blind run (fresh seeds, the code of that session; the same with
# the code at its start). Kept as a strict expected failure: the day one is mended the test
# fails as «unexpectedly passing», and the mark must become a plain assertion above.
@pytest.mark.xfail(strict=True, reason="known untrue confident error: officegen 750053, a stamp over the "
                   "manager's row said to be missing")
def test_known_untrue_error_a_stamp_over_the_managers_row_is_missing(rules) -> None:
    """officegen 750053 (two columns, scanner, a violet pen under a stamp with an emblem over the
    manager's row): the seal is there, and the check says «нет оттиска печати»."""
    path, truth = _case("office-750053-incomplete-two_column-scanner.pdf")
    assert truth["seal"] is True
    result = check_files([path], rules)
    assert "seal_missing" not in result.defects, result.to_json()


def test_an_unread_owners_label_is_placed_by_its_twin_line(rules) -> None:
    """docgen 670044 (plain, copier; seen in session 14): both signed. A stamp's ring across «Владелец
    сертификата» left OCR nothing of the owner's label, and the owner's row was «not found» (a
    review). Its line, under the manager's, starts where his starts and is as long: the owner's row."""
    path, truth = _case("doc-670044-complete-plain-copier.jpg")
    assert truth["verdict"] == "complete"
    result = check_files([path], rules)
    assert (result.verdict, result.doubts) == ("complete", []), result.to_json()


def test_two_blue_signatures_are_no_seal(rules) -> None:
    """docgen 650016 (table, flatbed): both signed in a blue ballpoint, no stamp on the page. The two
    signatures, stacked in the table's column, made a round patch of seal-coloured ink of a seal's
    size, and the seal was «partly seen» (a review) instead of missing."""
    path, truth = _case("doc-650016-incomplete-table-flatbed.pdf")
    assert truth["seal"] is False and truth["manager"] and truth["owner"]
    result = check_files([path], rules)
    assert (result.verdict, result.defects) == ("incomplete", ["seal_missing"]), result.to_json()


@pytest.mark.parametrize("name", [
    "doc-690027-incomplete-table-bw.tiff",      # docgen, a table, 1-bit
    "office-760016-incomplete-cells-fax.png",   # officegen, cells, fax
])
def test_a_1bit_page_without_a_stamp_is_told_it_has_no_seal(rules, name: str) -> None:
    """Both signed, no stamp, a 1-bit page with no trace of one (seal.stamp_traces): «no seal», not a
    review. Every 1-bit page without a seal had been a review (`seal_not_visible_bw`), the largest
    single review cause of docgen's blind runs."""
    path, truth = _case(name)
    assert truth["seal"] is False and truth["manager"] and truth["owner"]
    result = check_files([path], rules)
    assert (result.verdict, result.defects, result.doubts) == ("incomplete", ["seal_missing"], []), result.to_json()


@pytest.mark.parametrize(("name", "manager_missing"), [
    # docgen 750029 (a table, 1-bit): a light stamp of which binarisation left one arc of its ring
    # and some ring text, over the manager's row; the seal search sees no seal
    ("doc-750029-complete-table-bw.tiff", False),
    # scangen 5061 (1-bit): a light stamp dithered to a cloud of specks over the unsigned manager's
    # row (the manager's missing signature is seen; the seal is not said to be missing)
    ("case-005061-incomplete-bw.png", True),
])
def test_what_binarisation_left_of_a_stamp_is_no_missing_seal(rules, name: str, manager_missing: bool) -> None:
    path, truth = _case(name)
    assert truth["seal"] is True
    result = check_files([path], rules)
    assert "seal_missing" not in result.defects and "seal_not_visible_bw" in result.doubts, result.to_json()
    assert ("manager_signature_missing" in result.defects) is manager_missing
