"""check_files: the attachment set -> one verdict. Never raises."""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import logging
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from bot.rules import Rules
from bot.scan import fields as fields_mod
from bot.scan import form as form_mod
from bot.scan import ocr as ocr_mod
from bot.scan import reread as reread_mod
from bot.scan import rows as rows_mod
from bot.scan.config import ScanConfig, from_rules
from bot.scan.load import PageRef, decode_file
from bot.scan.model import (
    ABSENT,
    DOUBT,
    FIELD_NAMES,
    MARKS,
    MISSING,
    PRESENT,
    FileResult,
    Mark,
    PageResult,
    ScanResult,
)
from bot.scan.page import (
    Prepared,
    dark_ink,
    even_light,
    ink_mask,
    ocr_view,
    orientation_axis,
    prepare,
    rotate_quarter,
    seal_colour_mask,
)
from bot.scan.seal import Seal, find_seals, seal_ink_model, stamp_traces
from bot.scan.signature import Zone, check_zone, label_print, swollen_print

log = logging.getLogger(__name__)


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


_LIBC = _libc()


def _fixed_mmap_threshold() -> None:
    """Arrays up to 32 MB (a colour page is 26 MB at 300 dpi) come from the heap, where a freed
    one is reused by the next without the kernel zeroing fresh pages: with 1 MB, every page-sized
    temporary was a new mapping, ~0.1 s of system CPU a page. A fixed threshold also turns off
    glibc's adaptive one, which grew the process by hundreds of MB on a 20-page PDF; the heap
    goes back to the OS after each check (_release_memory)."""
    try:
        if _LIBC is not None:
            _LIBC.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD
    except AttributeError:
        pass


def _release_memory() -> None:
    """The heap's free pages back to the OS once a check is done (the daemon waits small)."""
    try:
        if _LIBC is not None:
            _LIBC.malloc_trim(0)
    except AttributeError:
        pass


_fixed_mmap_threshold()

REASONS = {
    "encrypted_pdf": "PDF защищён паролем",
    "corrupt_file": "файл повреждён",
    "unsupported_type": "формат файла не поддерживается или не совпадает с содержимым",
    "too_many_pages": "слишком много страниц",
    "too_large": "файл или изображение слишком велики",
    "empty_file": "пустой файл",
    "no_pages": "в файле нет страниц",
    "no_text": "текст на скане не распознаётся",
    "timeout": "обработка заняла слишком много времени",
    "no_files": "нет файлов",
}
# Doubts (the `review` verdict): what a person is asked to look at, for the alert and the digest.
DOUBTS = {
    "manager_zone_not_found": "не найдена строка подписи руководителя",
    "owner_zone_not_found": "не найдена строка подписи владельца сертификата",
    "manager_signature_unsure": "подпись руководителя видна не полностью",
    "owner_signature_unsure": "подпись владельца сертификата видна не полностью",
    "seal_ring_partial": "оттиск печати виден не полностью",
    "seal_place_not_found": "не найден блок подписей, где ставится печать",
    "seal_not_visible_bw": "скан чёрно-белый: печать не найдена, но на нём есть следы оттиска (дуга или россыпь точек)",
    "ocr_weak": "текст страницы распознан плохо",
    "internal_error": "внутренняя ошибка проверки",
    "check_timeout": "проверка не уложилась в отведённое время",
}


@dataclass
class PageAnalysis:
    result: PageResult
    lines: list[ocr_mod.Line] = field(default_factory=list)
    words: list[ocr_mod.Word] = field(default_factory=list)
    labels: dict[str, form_mod.Label] = field(default_factory=dict)
    zones: dict[str, Zone] = field(default_factory=dict)
    seals: list[Seal] = field(default_factory=list)
    fields: dict[str, object] = field(default_factory=dict)
    title_line: int = -1
    image: np.ndarray | None = None       # the prepared page, kept only for --annotate
    readable: bool = True
    # no title, one label read, the other found by its row: the signatures of a form on a page of
    # their own, a form page only beside a page with the form's title (see _check)
    signature_page: bool = False


# Pages are analysed in parallel threads, but their big array work (decode, rotate, colour
# separation, seal and zone analysis) runs one page at a time: Tesseract runs in parallel
# (separate processes) while memory stays at one page's temporaries.
_HEAVY = threading.Lock()


class _PageSeals:
    """find_seals once per prepared page: the OCR view, the sparse re-read and the marks all
    want the same seals of the same page; and the OCR view once per page (for a colour page it
    costs a full-page colour conversion; the even-light retry and the sparse re-read read it again)."""

    def __init__(self, cfg: ScanConfig) -> None:
        self._cfg = cfg
        self._page: Prepared | None = None
        self._seals: list[Seal] = []
        self._view_page: Prepared | None = None
        self._view: np.ndarray | None = None

    def of(self, p: Prepared) -> list[Seal]:
        if p is not self._page:
            self._page, self._seals = p, find_seals(p, self._cfg.seal)
        return self._seals

    def discs(self, p: Prepared) -> list[tuple[float, float, float, float]]:
        """Accepted seals of a grey page, to lift their ink off before OCR (colour pages use hue)."""
        if p.colour is not None or p.bw:
            return []
        return [(s.x, s.y, s.r, s.ink_level) for s in self.of(p) if s.accepted]

    def view(self, p: Prepared) -> np.ndarray:
        """ocr_view of the page (read only: OCR bands are slices of it)."""
        if p is not self._view_page or self._view is None:
            self._view_page, self._view = p, ocr_view(p, self._cfg.seal, self.discs(p))
        return self._view


def _ocr(p: Prepared, cfg: ScanConfig, parts: int, seals: _PageSeals, even: bool = False) -> list[ocr_mod.Word]:
    """OCR of the page with its seals' ink lifted off; ``even``: with its light evened out too
    (returns [] when the light is even already: there is nothing new to read)."""
    with _HEAVY:
        if even:
            evened = even_light(p.grey, cfg.ocr.shadow_spread)
            if evened is p.grey:
                return []
            # the light evened first, the seals' ink lifted after: ink lifted to white on a shadowed
            # page passes for paper brighter than the shadow's and darkens the print round it
            view = ocr_view(dataclasses.replace(p, grey=evened), cfg.seal, seals.discs(p))
        else:
            view = seals.view(p)
        bands = ocr_mod.split_rows(view, parts)
        jobs = [(np.ascontiguousarray(view[a:b]), a) for a, b in bands]
        del view
    out: list[ocr_mod.Word] = []
    for words in ocr_mod.ocr_bands(jobs, cfg.ocr.languages, int(p.dpi), cfg.limits.ocr_seconds, workers=len(jobs)):
        out.extend(words)
    return out


def _turn(p: Prepared, degrees: int) -> Prepared:
    return Prepared(grey=rotate_quarter(p.grey, degrees),
                    colour=None if p.colour is None else rotate_quarter(p.colour, degrees),
                    dpi=p.dpi, bw=p.bw, rotation=(p.rotation + degrees) % 360, skew=p.skew)


def _reread_labels(p: Prepared, cfg: ScanConfig, labels: dict[str, form_mod.Label],
                   lines: list[ocr_mod.Line], parts: int, seals: _PageSeals,
                   block: Sequence[ocr_mod.Word] = ()) -> list[ocr_mod.Word]:
    """Sparse-text OCR (psm 11) of the part of the page where the signature block should be: round
    a label read, else round the block's captions (``block``), else the page's lower two thirds."""
    H = p.grey.shape[0]
    if labels:
        lab = next(iter(labels.values()))
        h = lab.height
        y0, y1 = int(lab.box[1] - 14 * h), int(lab.box[3] + 14 * h)
    elif block:
        h = float(np.median([w.h for w in block]))
        y0, y1 = int(min(w.y0 for w in block) - 14 * h), int(max(w.y1 for w in block) + 14 * h)
    else:
        y0, y1 = H // 3, H
    y0, y1 = max(0, y0), min(H, y1)
    if y1 - y0 < 50:
        return []
    with _HEAVY:
        view = np.ascontiguousarray(seals.view(p)[y0:y1])
        jobs = [(np.ascontiguousarray(view[a:b]), y0 + a) for a, b in ocr_mod.split_rows(view, parts)]
        del view
    words = [w for band in ocr_mod.ocr_bands(jobs, cfg.ocr.languages, int(p.dpi), cfg.limits.ocr_seconds, psm=11,
                                             workers=len(jobs)) for w in band]
    # sparse mode puts each word on its own line: rebuild lines from geometry
    return ocr_mod.regroup(words, part=99)


def _text_layer_words(ref: PageRef, cfg: ScanConfig) -> list[ocr_mod.Word]:
    """The text layer's words when there are enough real ones to read the page by (else OCR)."""
    if not ref.text_words:
        return []
    words = [ocr_mod.Word(t, 96.0, int(x0), int(y0), int(x1), int(y1), (0, 0, 0, 0))
             for t, x0, y0, x1, y1 in ref.text_words]
    if ocr_mod.good_words(words, cfg.ocr.min_word_conf) < cfg.ocr.min_good_words:
        return []
    return ocr_mod.regroup(words, part=0)


def _level_words(words: Sequence[ocr_mod.Word], cfg: ScanConfig) -> int:
    """Good words read along the text's lines: their boxes wider than tall (a word of four letters
    and more always is). Tesseract reads a page turned sideways too, word by word down the page,
    in tall boxes: on a sparse page (a page of signatures) it can find as many real words that way
    as upright, and the orientation must not be chosen by their number alone."""
    return sum(1 for w in words if w.w > w.h and ocr_mod.good_words([w], cfg.ocr.min_word_conf))


def analyse_page(ref: PageRef, index: int, cfg: ScanConfig, parts: int, keep_image: bool) -> PageAnalysis:
    t0 = time.monotonic()
    res = PageResult(index=index, file=ref.file_index, page=ref.page_index, form=False, seconds=0.0)
    seals = _PageSeals(cfg)
    with _HEAVY:
        raw = ref.load()
        grey_raw = raw if raw.ndim == 2 else cv2.cvtColor(raw, cv2.COLOR_BGR2GRAY)
        # blank: no ink at a quarter of the size (averaging, not sampling: scanner noise is not ink)
        quarter = cv2.resize(grey_raw, (max(1, grey_raw.shape[1] // 4), max(1, grey_raw.shape[0] // 4)),
                             interpolation=cv2.INTER_AREA)
        if ink_mask(quarter, 40).mean() < 0.0005:
            res.blank = True
            res.seconds = time.monotonic() - t0
            return PageAnalysis(res)
        layer = _text_layer_words(ref, cfg)
        axis, skew, low = (0, 0.0, 0.5) if layer else orientation_axis(grey_raw, ref.dpi)
        p = prepare(raw, ref.dpi, cfg.ocr.dpi, axis, skew, grey_raw, ref.scan_histogram)
        del raw, grey_raw

    def upright(g: int, ws: list[ocr_mod.Word]) -> bool:
        # enough real words, and they are a fair share of what was read (not junk from a turned page)
        return g >= cfg.ocr.min_good_words and g >= cfg.ocr.min_good_share * len(ws)

    # readings of turned pages done ahead, reused by the turns below (the same page, the same words)
    turned: dict[int, tuple[Prepared, list[ocr_mod.Word]]] = {}
    read: list[ocr_mod.Word] | None = None
    uneven = False  # the light varies across the page (a phone's shadow): other turns are read evened
    if not layer and low > cfg.ocr.upside_down_ink_centre:
        # ink sitting low: most likely upside down, so the turned page is read first; when it reads
        # upright, the page as it is (junk, upside down) is not read at all: one OCR instead of two
        q = _turn(p, 180)
        w2 = _ocr(q, cfg, parts, seals)
        if upright(_level_words(w2, cfg), w2):
            p, read = q, w2
        else:
            turned[180] = (q, w2)
    if layer:  # a PDF with a real text layer: its words stand in for OCR (the image still shows the marks)
        f = p.dpi / ref.dpi
        words = [ocr_mod.Word(w.text, w.conf, int(w.x0 * f), int(w.y0 * f), int(w.x1 * f), int(w.y1 * f), w.line)
                 for w in layer]
    elif read is not None:
        words = read
    else:
        words = _ocr(p, cfg, parts, seals)
        if not p.bw and form_mod.title_score(ocr_mod.lines_of(words), cfg)[0] < cfg.title_min_score:
            # no title read: a shadow over the page (a phone's photo) may have swallowed the print;
            # read it again with the light evened out, and keep the reading with more good words
            evened = _ocr(p, cfg, parts, seals, even=True)
            uneven = bool(evened)
            if ocr_mod.good_words(evened, cfg.ocr.min_word_conf) > ocr_mod.good_words(words, cfg.ocr.min_word_conf):
                words = evened
    good = ocr_mod.good_words(words, cfg.ocr.min_word_conf)
    level = _level_words(words, cfg)
    if not upright(level, words):  # upside down or sideways: try the other turns, keep the best
        base = p
        for turn in (180, 90, 270):
            if turn in turned and not uneven:
                q, w2 = turned[turn]
            else:
                # under a shadow that swallowed the print, a page turned the wrong way (a sparse page
                # of signatures, whose lines gave its axis no clear answer) reads upright only evened
                q = _turn(base, turn)
                w2 = _ocr(q, cfg, parts, seals, even=uneven)
            l2 = _level_words(w2, cfg)
            if l2 > level:
                p, words, level = q, w2, l2
            if upright(level, words):
                break
        good = ocr_mod.good_words(words, cfg.ocr.min_word_conf)
    res.rotation, res.skew, res.good_words = p.rotation, p.skew, good
    lines = ocr_mod.lines_of(words)
    out = PageAnalysis(res, lines=lines, words=words, readable=good >= cfg.ocr.min_good_words)
    score, where = form_mod.title_score(lines, cfg)
    res.title_score, out.title_line = score, where
    labels = form_mod.find_labels(lines, cfg)
    out.labels = labels
    res.form = score >= cfg.title_min_score or ("manager" in labels and "owner" in labels)
    # a signature over a label can break the line: re-read sparse text, on a form page and on a
    # page with one label (the signatures of a form on a page of their own), or with the captions
    # of a signature block and no label (a fax's page of signatures: the stamp beside the labels
    # made OCR take their column for a picture), or, without captions, its signers' names written
    # out («С.И. Коптев»: officegen 750023's page 2, a stamp over its labels)
    block = [*form_mod.captions_of(lines, cfg), *form_mod.decipher_captions(lines)] if len(labels) < 2 else []
    if not labels and not block:
        block = reread_mod.signed_name_words(lines, cfg.ocr.min_word_conf)
    if (res.form or labels or block) and len(labels) < 2:
        extra = _reread_labels(p, cfg, labels, lines, parts, seals, block)
        if extra:
            words = words + extra
            lines = lines + ocr_mod.lines_of(extra)
            found = form_mod.find_labels(ocr_mod.lines_of(extra), cfg, context=lines)
            for k, lab in found.items():
                labels.setdefault(k, lab)
            if "manager" in labels and "owner" in labels and labels["manager"].box == labels["owner"].box:
                del labels["manager"]
            out.words, out.lines = words, lines
        res.form = res.form or ("manager" in labels and "owner" in labels)
    if res.form or len(labels) == 1:
        with _HEAVY:
            _judge_marks(p, cfg, out, labels, lines, words, seals.of(p))
        res.form = res.form or _untitled_form(out, cfg)
        if res.form and out.fields:  # a number or name the page's OCR misread is read again alone
            reread_mod.reread(p.grey, out.lines, out.fields, cfg)
            reread_mod.reread_owner(p.grey, out.lines, out.fields, cfg)
        out.signature_page = not res.form and "manager" in out.labels and "owner" in out.labels
        if not res.form and not out.signature_page:  # one label on a page that is not the form's
            res.marks, res.manager, res.owner, res.seal = {}, None, None, None
            out.zones, out.seals, out.fields = {}, [], {}
    if keep_image:
        out.image = p.colour if p.colour is not None else p.grey
    res.seconds = time.monotonic() - t0
    return out


def _untitled_form(out: PageAnalysis, cfg: ScanConfig) -> bool:
    """A form page whose title OCR lost: both signature rows, and numbers that pass their check
    digits (`untitled_min_numbers` of ИНН, ОГРН, СНИЛС)."""
    valid = out.fields.get("valid", {})
    numbers = sum(bool(ok) for ok in valid.values()) if isinstance(valid, dict) else 0
    return "manager" in out.labels and "owner" in out.labels and numbers >= cfg.untitled_min_numbers


def _judge_marks(p: Prepared, cfg: ScanConfig, out: PageAnalysis, labels: dict[str, form_mod.Label],
                 lines: list[ocr_mod.Line], words: list[ocr_mod.Word], seals: list[Seal]) -> None:
    """Seal, signature zones and fields of a form page."""
    res = out.result
    out.seals = seals
    captions = form_mod.captions_of(lines, cfg)
    left = min((ln.box[0] for ln in lines if len(ln.words) >= 3), default=0)
    deciphers = form_mod.decipher_captions(lines)
    unit = form_mod.text_height(words)
    read = set(labels)
    form_mod.infer_missing_label(labels, captions, cfg, deciphers, left, unit)
    stand_ins = set(labels) - read
    rules: list[rows_mod.Rule] = []
    beside: list[rows_mod.Rule] = []
    if labels:  # the rules of the signature block: around the labels (a stand-in's row is near)
        reach = 16 * max(lab.unit(unit) for lab in labels.values())
        a = max(0, int(min(lab.box[1] for lab in labels.values()) - reach))
        b = min(p.grey.shape[0], int(max(lab.box[3] for lab in labels.values()) + reach))
        # (and the shorter lines, taken only right after a label on its line: rows.label_rule)
        found, shorter = rows_mod.rules_and_shorter(p.grey[a:b], unit, cfg.signature, p.dpi,
                                                    cfg.signature.rule_beside * min(lab.unit(unit) for lab in labels.values()))
        rules = [dataclasses.replace(r, y=r.y + a) for r in found]
        beside = [dataclasses.replace(r, y=r.y + a) for r in shorter]
    for kind, lab in list(labels.items()):
        others = [o.box for k, o in labels.items() if k != kind]
        rule = rows_mod.label_rule(lab.box, lab.last_line, others, rules, lab.unit(unit), cfg.signature, words,
                                   beside)
        labels[kind] = dataclasses.replace(lab, rule=rule)
    before = set(labels)
    form_mod.infer_label_by_rules(labels, words, rules, cfg, unit, lines)
    guessed = set(labels) - before
    out.labels = labels
    seal_ink = seal_ink_model(p.colour, p.grey, seals, cfg.seal)

    def zone(kind: str, page: Prepared = p, page_seals: Sequence[Seal] = seals,
             also: Sequence[form_mod.Label] = (), band_label: form_mod.Label | None = None,
             see: tuple[int, int, int, int] | None = None, border: int | None = None,
             cut: Sequence[tuple[int, int, int, int]] = (), gap: int | None = None) -> Zone:
        others = [*(lab for k, lab in labels.items() if k != kind), *also]
        if band_label is not None:  # a row's whole band: no caption or rule places it
            return check_zone(page, kind, band_label, others, words, [], page_seals, cfg, [], unit, seal_ink,
                              lifted_doubt=False)
        return check_zone(page, kind, labels.get(kind), others, words, captions, page_seals, cfg, deciphers,
                          unit, seal_ink, see, border, cut, gap)

    def over_minima(z: Zone) -> bool:
        """Ink that reaches a signature's minima, not by shape alone on a dark seal."""
        return z.box is not None and z.ratio >= 1.0 and not z.shape_only

    def bare(kind: str, z: Zone) -> bool:
        """The zone reaches the minima, and does so read without its label's printed lines too (the
        glyphs of a label word OCR read in pieces, joined, pass for a small signature). Only for a
        label that was read: where it was not (a stand-in, a row found by its rule), where its print
        lies is not known (blind scangen 1020088: the unread «Руководитель» measured 1.02)."""
        return (over_minima(z) and kind in labels and kind not in stand_ins and kind not in guessed
                and over_minima(without_label(kind)))

    @functools.cache
    def without_label(kind: str) -> Zone:
        """The row's zone read without its label's printed lines (label_print), once a row: the
        small-signature promotion, the shared band and the strokes on the label's print all ask it."""
        return zone(kind, cut=label_print(labels[kind], out.zones[kind].unit, cfg.review.label_tail))

    def off_its_line(kind: str, z: Zone, upper: str) -> bool:
        """Do the strokes ``z`` read as a signature end far above ``kind``'s signature line (a rule
        on the label's line, right of it, or under the label), where they may hang from the row of
        ``upper`` above it?
        A signature on its line reaches down to it."""
        if kind not in labels or upper not in labels or labels[upper].box[1] >= labels[kind].box[1]:
            return False
        rule = labels[kind].rule
        return (rule is not None and rule.side in ("right", "under") and z.ink_box is not None
                and z.ink_box[3] < rule.y - cfg.review.above_line * labels[kind].unit(unit))

    @functools.cache
    def apart(kind: str, other: str) -> Zone:
        """The zone read without the band it shares with the other signer's zone, once a pair (the
        row's own shared-band check and the other row's own_rows both ask it). At a table's
        border between the two rows it ends at the border, and the other row's ink is read too:
        a signature (or a seal's emblem) crossing the border is seen whole and counts for the row
        that holds most of it. Rows with no border part at a white gap between their strokes, when
        there is one (_white_gap), which groups of strokes do not bridge either; else the whole
        shared band is left out."""
        other_box = out.zones[other].box
        assert other_box is not None
        border = _row_border(labels, kind, other, out.zones[kind].box, rules, unit)
        x0, y0, x1, y1 = other_box
        below = labels[other].box[1] > labels[kind].box[1]
        if border is None:
            gap = _white_gap(p, labels, kind, other, out.zones[kind].box, other_box, unit, cfg)
            if gap is None:
                return zone(kind, also=[_box_label(other, other_box)])
            part = (x0, max(y0, gap), x1, y1) if below else (x0, y0, x1, min(y1, gap))
            return zone(kind, also=[_box_label(other, part)] if part[1] < part[3] else [], gap=gap)
        shared = (x0, max(y0, border), x1, y1) if below else (x0, y0, x1, min(y1, border))
        return zone(kind, also=[_box_label(other, shared)], see=other_box, border=border)

    def own_rows(kind: str, other: str, z: Zone) -> bool:
        """Do the strokes ``z`` read sit on ``kind``'s own row (their middle within `own_row` label
        heights of its label's line, `other_row` or more from the other's), while the other row,
        read without this row's band, is signed by strokes nearer its own row? Then two signatures
        were read, one a row, and ink in the band the zones share is this row's (officegen 860007:
        the owner's signature on its label's line, the manager's close above). What a stamp's
        emblem may have lent the reading is on_dark_disc's question, asked after."""
        if kind not in labels or other not in labels or kind in guessed or other in guessed or z.ink_box is None:
            return False
        there = apart(other, kind)
        if there.ink_box is None or zone_mark(there, cfg, by_colour=False).state != PRESENT:
            return False
        h = labels[kind].unit(unit)
        here, own, theirs = _middle(z.ink_box), _row_span(labels[kind]), _row_span(labels[other])
        return (_off(here, own) <= cfg.review.own_row * h and _off(here, theirs) >= cfg.review.other_row * h
                and _off(_middle(there.ink_box), theirs) < _off(_middle(there.ink_box), own))

    for kind in ("manager", "owner"):
        out.zones[kind] = zone(kind)
    weak = weak_ocr(words, res.good_words, cfg)
    faint: tuple[Prepared, list[Seal]] | None = None
    for kind, other in (("manager", "owner"), ("owner", "manager")):
        first = out.zones[kind]
        mark = zone_mark(first, cfg)
        why = _measures(first)
        # just over the minima: a signature when the label's print (the words OCR read and the glyphs
        # it left unread) is no part of it
        promoted = mark.doubt == f"{kind}_signature_unsure" and bare(kind, first)
        shared_off_line = False
        if promoted:
            mark = Mark(PRESENT, 0.7)
            why += " (and without the label's print)"
        other_box = out.zones[other].box
        # two zones that share a band (a row's label off its row, rows packed close), or that read
        # the same strokes (one signature's flourish run on across a table's border into the next
        # row: docgen 690023): ink there may be the other signer's, so without that band the zone
        # must still be signed (at least just over the minima, as above)
        if mark.state == PRESENT and (_overlap(first.box, other_box) or _shared_share(
                first.ink_box, out.zones[other].ink_box) >= cfg.review.shared_strokes):
            alone = apart(kind, other)
            # (not by colour: both signers may write in blue. With it, docgen 690023's blue flourish
            # run on into the unsigned owner's row, read without the shared band, is accepted again)
            signed_alone = zone_mark(alone, cfg, by_colour=False).state == PRESENT or (
                over_minima(alone) and (promoted or bare(kind, first)))
            if signed_alone:
                pass  # signed without the shared band: the band decides nothing
            elif off_its_line(kind, first, other):
                # the strokes end far above this row's own signature line: they are the other row's
                # signature, hanging into this row's zone; without them this row is read as usual
                mark, why = zone_mark(alone, cfg, by_colour=False), (
                    f"the shared band's strokes are off its line (apart: ratio {alone.ratio:.2f} "
                    f"loose {alone.loose:.2f} stroke {alone.stroke:.2f}; {why})")
                first, shared_off_line = alone, True
            elif own_rows(kind, other, first):
                pass  # each signer's strokes on their own row: those in the shared band are this row's
            elif not off_its_line(other, first, kind):
                # (strokes that end far above the other row's signature line are this row's)
                mark, why = Mark(DOUBT, 0.5, f"{kind}_signature_unsure"), (
                    f"shared band (apart: ratio {alone.ratio:.2f} loose {alone.loose:.2f} stroke {alone.stroke:.2f}; {why})")
        # a label word swollen by a stamp's text: the glyphs and the text joined may pass for a pen
        # stroke. Without the label's printed line (at the height of its other words on that line)
        # the zone must still be signed (a pen through the label loses a piece there too: a doubt,
        # never «not signed»)
        swollen = swollen_print(labels[kind], first.unit) if kind in labels else []
        if (mark.state == PRESENT and swollen
                and zone_mark(zone(kind, cut=swollen), cfg).state != PRESENT):
            mark, why = Mark(DOUBT, 0.5, f"{kind}_signature_unsure"), "swollen label"
        if (mark.state == PRESENT and kind in labels and kind not in stand_ins and kind not in guessed
                and _overlap(first.ink_box, labels[kind].box)
                and zone_mark(without_label(kind), cfg).state != PRESENT):
            # strokes on the label's own print: its glyphs joined by a stamp's ring run through them
            # pass for a pen (officegen 760108, a false accept: «Заведующий» crossed by a grey ring).
            # Without the label's printed lines the zone must still be signed
            mark, why = Mark(DOUBT, 0.5, f"{kind}_signature_unsure"), "strokes on the label's print"
        if (mark.state == PRESENT and kind in stand_ins
                and zone_mark(zone(kind, cut=[(0, labels[kind].box[1], 0, p.grey.shape[1])]), cfg).state != PRESENT):
            # a row placed by its caption, its label not read: the label's print lies above the line,
            # and its glyphs run together pass for a pen (blind scangen 1020079: «Владелец
            # сертификата» in a bold serif). Without the ink over the row's line it must still be signed
            mark, why = Mark(DOUBT, 0.5, f"{kind}_signature_unsure"), "stand-in row: print over the line"
        if mark.state == PRESENT and on_dark_disc(p, first, seals, cfg):
            mark, why = Mark(DOUBT, 0.5, f"{kind}_signature_unsure"), "strokes on a dark seal's disc"
        if (kind in guessed or kind in stand_ins) and mark.state == ABSENT:
            # a row found by its rule alone, or placed by a caption standing in for its unread label
            # (a column's «Подпись» header passes for one): an empty zone there is not «not signed»
            mark, why = Mark(DOUBT, 0.5, f"{kind}_zone_not_found"), "guessed row"
        elif mark.state == ABSENT:
            # «empty» must mean empty: a light pen on a pale copy may be under the ink threshold.
            # The zone is looked at again with the page's contrast raised; strokes seen then make
            # the signature a doubt unless they are surely empty, read by shape on a dark seal's
            # disc too (never a signature: specks and paper texture rise too)
            faint = faint or _raised_contrast(p, seals, cfg)
            seen = zone(kind, *faint)
            why += f"; at raised contrast {_measures(seen)}"
            # (a pen as light as a grey stamp over it is lifted with the stamp: read with it, too)
            if (max(seen.ratio, seen.lifted) >= cfg.review.empty_signature
                    and not (shared_off_line and off_its_line(kind, seen, other))):
                mark, why = Mark(DOUBT, 0.5, f"{kind}_signature_unsure"), (
                    f"faint strokes ({why})")
            elif _under_seal(p, out.zones[kind].box, labels.get(kind), seals, cfg) >= cfg.review.seal_hides:
                mark, why = Mark(DOUBT, 0.5, f"{kind}_signature_unsure"), "under the seal"
            elif kind in labels:
                # a signature off its line (past the name, under a wrapped label) is not «not signed»:
                # clear pen ink anywhere in the row's band (or reaching into it) makes a doubt, also
                # when read by shape alone on a dark seal's disc (its ratio already discounted for it)
                band = _row_band(p, kind, labels[kind], out.zones[kind].box, out.zones[other].box, zone,
                                 captions, deciphers, words, cfg, unit)
                sure = cfg.review.off_line_signature
                if band.ratio >= sure or band.loose >= sure:
                    mark, why = Mark(DOUBT, 0.5, f"{kind}_signature_unsure"), (
                        f"ink off the line (band: ratio {band.ratio:.2f} loose {band.loose:.2f} stroke {band.stroke:.2f})")
                elif _hugs_border(labels, kind, other, out.zones, rules, unit, cfg):
                    mark, why = Mark(DOUBT, 0.5, f"{kind}_signature_unsure"), "other row's ink at the border"
        if mark.state != PRESENT:
            log.debug("page %d %s %s: %s", res.index, kind, mark.doubt or "absent", why)
        res.marks[kind] = _weak(mark, weak)
    seal = seal_mark(_without_pen_blobs(p, seals, [z for z in out.zones.values() if z is not None], cfg), cfg)
    if p.bw and seal.state == ABSENT:
        # 1-bit scanning erases a light stamp, wholly or in part: what is left of one (an arc, a
        # dithered cloud of specks) makes «no seal» a person's call; a page without any shows none
        trace = stamp_traces(p, cfg.seal)
        if trace:
            seal = Mark(DOUBT, 0.5, "seal_not_visible_bw")
        log.debug("page %d seal: 1-bit page, no seal found; %s", res.index,
                  f"traces of a stamp: {trace}" if trace else "no trace of a stamp")
    res.marks["seal"] = _weak(seal, weak)
    res.manager, res.owner, res.seal = (res.marks[k].seen for k in MARKS)
    out.fields = fields_mod.extract(lines, cfg.field_labels)


def _without_pen_blobs(p: Prepared, seals: list[Seal], zones: Sequence[Zone], cfg: ScanConfig) -> list[Seal]:
    """The seal candidates less the round patches of seal-coloured ink (`blob`) that are the page's
    pen strokes: two blue signatures stacked in a table's column make a patch of a seal's size
    (docgen 650016, no stamp on the page, was «seal partly seen»). A patch whose seal-coloured ink
    lies `[seal] blob_pen_share` or more within the boxes of the strokes the signature zones read
    as a pen's (half a print height round them) is those strokes."""
    if p.colour is None or not any(s.blob for s in seals):
        return seals
    H, W = p.grey.shape
    boxes = []  # the strokes the zones read as a pen's, half a print height round them
    for z in zones:
        if z.ink_box is not None:
            m = int(0.5 * z.unit)
            boxes.append((z.ink_box[0] - m, z.ink_box[1] - m, z.ink_box[2] + m, z.ink_box[3] + m))
    out = []
    for s in seals:
        if s.blob:
            x0, y0, x1, y1 = max(0, int(s.x - s.r)), max(0, int(s.y - s.r)), min(W, int(s.x + s.r)), min(H, int(s.y + s.r))
            ink = seal_colour_mask(p.colour[y0:y1, x0:x1], cfg.seal, light_only=False)
            pens = np.zeros(ink.shape, bool)  # the pens' boxes, in the patch's frame
            for bx0, by0, bx1, by1 in boxes:
                pens[max(0, by0 - y0):max(0, by1 - y0), max(0, bx0 - x0):max(0, bx1 - x0)] = True
            if ink.any() and (ink & pens).sum() >= cfg.seal.blob_pen_share * ink.sum():
                log.debug("seal candidate at (%d, %d) is the signatures' ink", s.x, s.y)
                continue
        out.append(s)
    return out


def _under_seal(p: Prepared, box: tuple[int, int, int, int] | None, label: form_mod.Label | None,
                seals: Sequence[Seal], cfg: ScanConfig) -> float:
    """The share of a zone that the discs of accepted seals as dark as a pen cover (where pen and
    stamp are told apart by shape alone; a lighter or coloured stamp's ink is lifted by its level).
    The label itself, whose cell a table row's zone takes in, is no place for a signature: not counted
    (a zone under its label, the rule on the next line, is)."""
    if box is None:
        return 0.0
    x0, y0, x1, y1 = box
    yy, xx = np.mgrid[y0:y1:4, x0:x1:4]
    covered = np.zeros(yy.shape, bool)
    for s in seals:
        if s.accepted and (p.bw or s.ink_level < cfg.seal.dark_ink_level):
            covered |= (xx - s.x) ** 2 + (yy - s.y) ** 2 <= (cfg.seal.disc_radius * s.r) ** 2
    free = np.ones(yy.shape, bool)
    if label is not None:
        free &= ~((xx >= label.box[0]) & (xx < label.box[2]) & (yy >= label.box[1]) & (yy < label.box[3]))
    return float(covered[free].mean()) if free.any() else 0.0


def on_dark_disc(p: Prepared, zone: Zone, seals: Sequence[Seal], cfg: ScanConfig) -> bool:
    """Whether the strokes a zone read lie on a stamp's disc as dark as a pen (`on_dark_disc` of
    their box or more), where they are told from the stamp by shape alone: a stamp's outline star
    has a pen's shape (blind officegen 870033). Such a signature is a person's call."""
    return zone.ink_box is not None and _under_seal(p, zone.ink_box, None, seals, cfg) >= cfg.review.on_dark_disc


def _row_band(p: Prepared, kind: str, label: form_mod.Label, own_box: tuple[int, int, int, int] | None,
              other_box: tuple[int, int, int, int] | None, zone: Callable[..., Zone],
              captions: Sequence[ocr_mod.Word], deciphers: Sequence[ocr_mod.Word],
              words: Sequence[ocr_mod.Word], cfg: ScanConfig, unit: float) -> Zone:
    """The whole width of a signature row, from the page's left edge, as one zone: the place a
    signer may put a signature off the line. The other signer's zone (with the ink it reads beyond
    its box; beside this row's zone, its whole column to the page's edge), the page's captions and
    the row's written-out name (the column over its «(расшифровка подписи)»: a name written by hand
    there is not a signature) are blanked first."""
    h = label.unit(unit)
    reach = int((cfg.signature.follow_margin + 0.5) * h)
    pad = int(0.2 * h)
    blank = [(c.x0 - pad, c.y0 - pad, c.x1 + pad, c.y1 + pad) for c in [*captions, *deciphers]]
    top, bottom = int(label.box[1] - (cfg.signature.zone_up + 1) * h), int(label.box[3] + cfg.signature.zone_down * h)
    own = [d for d in deciphers if top <= d.cy <= bottom]
    # (a row whose caption OCR lost entirely has its written-out name in the column of the others':
    # the rows of a signature block are typeset alike, scangen 005087)
    for d in own or deciphers:
        x0, x1 = form_mod.decipher_span(d)
        column = (int(x0 - h), top, int(x1 + h), d.y1 + pad if own else bottom)
        # a name typed on this row, after its label (OCR read it, over the caption or just past it),
        # says the column holds no handwriting: only its words are print then. Typed names drift
        # from their caption, and a signature put beside one may lie over «(расшифровка подписи)».
        # (Another column's, left of the label, keeps its signer's signature: it stays blank.)
        # Pieces of a caption OCR read in parts («(расш», «по,»: in brackets, or short) are no name.
        typed = [w for w in words if w.conf >= 60 and len(form_mod.cyr(w.text)) >= 3 and w.y1 <= min(d.y0, column[3])
                 and w.y0 >= top and w.x1 > column[0] and w.x0 < column[2] + 2 * h and w.x0 > label.box[2]
                 and not w.text.startswith("(") and not w.text.endswith(")")]
        blank += [(w.x0 - pad, w.y0 - pad, w.x1 + pad, w.y1 + pad) for w in typed] if typed else [column]
    if other_box is not None:
        x0, y0, x1, y1 = other_box
        if own_box is not None and y0 < own_box[3] and own_box[1] < y1:
            # two columns: the other signer's signature runs on past its zone, away from this row's
            # (officegen 850020: the owner's flourish past the owner's zone, read as the manager's)
            if x0 >= own_box[2]:
                x1 = p.grey.shape[1]
            elif x1 <= own_box[0]:
                x0 = 0
        blank.append((x0 - reach, y0 - reach, x1 + reach, y1 + reach))
    # blanked by slices of page copies: a page-sized mask costs ten times more
    grey = p.grey.copy()
    colour = None if p.colour is None else p.colour.copy()
    for x0, y0, x1, y1 in blank:
        grey[max(0, y0):max(0, y1), max(0, x0):max(0, x1)] = 255
        if colour is not None:
            colour[max(0, y0):max(0, y1), max(0, x0):max(0, x1)] = 255
    # a table's column borders cross the row: upright straight ink two print heights long is print
    top, bottom = max(0, int(label.box[1] - 4 * h)), min(grey.shape[0], int(label.box[3] + 4 * h))
    ink = ink_mask(grey[top:bottom], 40).astype(np.uint8)
    upright = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(3, int(2 * h)))))
    borders = cv2.dilate(upright, np.ones((3, 3), np.uint8)).astype(bool)
    grey[top:bottom][borders] = 255
    if colour is not None:
        colour[top:bottom][borders] = 255
    page = dataclasses.replace(p, grey=grey, colour=colour)
    # across the print's width (a photo's background beyond the sheet is not the row), placed as a
    # table row is (a border over the label, running across): no caption or rule narrows it
    good = [w for w in words if w.conf >= 60 and len(w.text) >= 3]
    left = max(0, min((w.x0 for w in good), default=0) - int(h))
    right = min(p.grey.shape[1], max((w.x1 for w in good), default=p.grey.shape[1]) + int(h))
    edge = _box_word((left, label.box[1], left + 1, label.box[3]))
    across = rows_mod.Rule(left, right, label.box[1] - 1, side="over")
    band = form_mod.Label(kind, (*label.words, edge), -1, 0.0, rule=across)
    return zone(kind, page, band_label=band)


def _row_span(label: form_mod.Label) -> tuple[int, int]:
    """The rows of a signer's line: its label's, down to its signature rule when that is on the
    label's line or under it."""
    top, bottom = label.box[1], label.box[3]
    if label.rule is not None and label.rule.side in ("right", "under"):
        bottom = max(bottom, label.rule.y)
    return top, bottom


def _middle(box: tuple[int, int, int, int]) -> float:
    """The middle row of a page box."""
    return (box[1] + box[3]) / 2


def _off(y: float, span: tuple[int, int]) -> float:
    """How far the row ``y`` lies outside ``span`` (0 inside it)."""
    return max(0.0, span[0] - y, y - span[1])


def _row_border(labels: dict[str, form_mod.Label], kind: str, other: str, box: tuple[int, int, int, int] | None,
                rules: Sequence[rows_mod.Rule], unit: float) -> int | None:
    """The row of a table border that runs between two signers' labels, or None: a rule from the
    labels' column across the zone (a signature line starts after its label; a border crosses
    the label's cell too), between the labels' middles."""
    if box is None or kind not in labels or other not in labels:
        return None
    a, b = labels[kind], labels[other]
    upper, lower = (a, b) if a.box[1] <= b.box[1] else (b, a)
    h = max(a.unit(unit), b.unit(unit))
    for r in rules:
        if (_middle(upper.box) < r.y < _middle(lower.box)
                and r.x0 <= min(a.box[0], b.box[0]) + h and r.x1 >= box[2] - h):
            return r.y
    return None


def _hugs_border(labels: dict[str, form_mod.Label], kind: str, other: str, zones: dict[str, Zone],
                 rules: Sequence[rows_mod.Rule], unit: float, cfg: ScanConfig) -> bool:
    """Whether the other row's signature lies at the table border between the two rows (within
    `border_hug` label heights of it, or across it): one written at the border may be this row's.
    The other row's strokes count when they are a signature, or when what its reading left out
    (a speck cloud, a pale pen's dotted strokes: its `loose`) reaches a signature's minima."""
    ink = zones[other].ink_box if zones[other].signed or zones[other].loose >= 1.0 else None
    border = _row_border(labels, kind, other, zones[kind].box, rules, unit)
    if ink is None or border is None:
        return False
    reach = cfg.review.border_hug * labels[kind].unit(unit)
    below = labels[other].box[1] > labels[kind].box[1]
    return (ink[1] - border if below else border - ink[3]) <= reach


def _white_gap(p: Prepared, labels: dict[str, form_mod.Label], kind: str, other: str,
               box: tuple[int, int, int, int] | None, other_box: tuple[int, int, int, int],
               unit: float, cfg: ScanConfig) -> int | None:
    """The middle row of a white gap that parts two stacked signers' strokes, or None: rows with
    (almost) no ink across the columns the two zones share, `row_gap` label heights or more, that
    begin between the upper label's middle and the lower label's first line, with ink above them
    and below them (the lower row's signature, on that line, may begin under it), and no stroke
    running across them (a signature's thin ascenders leave rows nearly white; they do not part
    it). The longest."""
    if box is None or kind not in labels or other not in labels:
        return None
    a, b = labels[kind], labels[other]
    upper, lower = (a, b) if a.box[1] <= b.box[1] else (b, a)
    h = max(a.unit(unit), b.unit(unit))
    x0, x1 = max(box[0], other_box[0]), min(box[2], other_box[2])
    top, bottom = int(_middle(upper.box)), int(lower.box[1] + 0.5 * h)
    below = min(p.grey.shape[0], int(lower.box[1] + 1.5 * h))  # where the ink under a gap may lie
    if x1 - x0 < h or bottom - top < 3:
        return None
    grey = p.grey[top:below, x0:x1]
    ink = dark_ink(grey, cfg.signature.ink_contrast, int(cfg.signature.paper_reach * h),
                   cfg.signature.shadow_depth).astype(np.uint8)
    rows = np.flatnonzero(ink.sum(axis=1) > max(2, 0.01 * (x1 - x0)))
    if rows.size < 1:
        return None
    _, parts, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    spans = stats[1:, cv2.CC_STAT_TOP], stats[1:, cv2.CC_STAT_TOP] + stats[1:, cv2.CC_STAT_HEIGHT]
    pairs = list(zip(rows[:-1], rows[1:], strict=True))  # white rows between consecutive inked rows
    # … and after the last: the lower signature's first rows may hold a stroke's width of ink each
    # (a thin pen's ascenders), under the share a row needs above; a stroke, not specks, ends the gap
    # (officegen 840008: two close rows' signatures, the lower one's top rows 1-4 pixels of ink)
    strokes = stats[:, cv2.CC_STAT_AREA] >= cfg.signature.min_component * h * h
    strokes[0] = False
    last = int(rows[-1])
    for r in np.flatnonzero(strokes[parts].sum(axis=1) >= 2):
        if r == last + 1:  # the upper ink's thin end
            last = int(r)
        elif r > last:
            pairs.append((last, int(r)))
            break
    if not pairs:
        return None
    best: tuple[int, int] | None = None
    for r0, r1 in pairs:
        if (r1 - r0 - 1 < cfg.signature.row_gap * h or top + r0 >= bottom
                or np.any((spans[0] <= r0) & (spans[1] > r1))):
            continue
        if best is None or r1 - r0 > best[1] - best[0]:
            best = (int(r0), int(r1))
    if best is None:
        return None
    # the parting row: the middle of the longest run of rows with no ink at all in the gap (the
    # lower signature's first thin strokes may reach into the gap's lower half)
    r0, r1 = best
    white = np.flatnonzero(ink[r0 + 1:r1].sum(axis=1) == 0) + r0 + 1
    if not white.size:
        return top + (r0 + r1) // 2
    runs = np.split(white, np.flatnonzero(np.diff(white) > 1) + 1)
    run = max(runs, key=len)
    return top + int(run[0] + run[-1]) // 2


def _overlap(a: tuple[int, int, int, int] | None, b: tuple[int, int, int, int] | None) -> bool:
    return a is not None and b is not None and min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def _shared_share(a: tuple[int, int, int, int] | None, b: tuple[int, int, int, int] | None) -> float:
    """How much of the smaller of two boxes the two share (0 when either is missing)."""
    if not _overlap(a, b):
        return 0.0
    assert a is not None and b is not None
    inter = (min(a[2], b[2]) - max(a[0], b[0])) * (min(a[3], b[3]) - max(a[1], b[1]))
    return inter / max(1, min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1])))


def _box_label(kind: str, box: tuple[int, int, int, int] | None) -> form_mod.Label:
    """Another signer's zone as a label of that `kind` the zone may not reach into (zone_box's `others`)."""
    assert box is not None
    return form_mod.Label(kind, (_box_word(box),), -1, 0.0)


def _box_word(box: tuple[int, int, int, int]) -> ocr_mod.Word:
    """A box as a word of no text (nothing read there): a label's extent, not its wording."""
    return ocr_mod.Word("", 0.0, *box, (-1, -1, -1, -1))


def _raised_contrast(p: Prepared, seals: Sequence[Seal], cfg: ScanConfig) -> tuple[Prepared, list[Seal]]:
    """The page with its grey ink's contrast to the paper multiplied by `[review] faint_contrast`,
    and its seals with their ink levels moved alike (a pale seal must stay as pale as the page
    around it, or its ink would pass for a pen's). The colours stay as they came: raised, a
    channel clips, and ink changes hue and brightness (a stamp's ring text passed for a pen's)."""
    paper = float(np.percentile(p.grey[::4, ::4], 90))
    raised = dataclasses.replace(p, raised=(paper, cfg.review.faint_contrast))
    # once per grey level, then a table look-up (the same pixels, 15x less CPU)
    lut = np.array([raised.level(v) for v in range(256)]).astype(np.uint8)
    return (dataclasses.replace(raised, grey=cv2.LUT(p.grey, lut)),
            [dataclasses.replace(s, ink_level=raised.level(s.ink_level)) for s in seals])


def weak_ocr(words: Sequence[ocr_mod.Word], good: int, cfg: ScanConfig) -> bool:
    """Was the page read poorly? Few good words AND a low median confidence of its lettered words
    (a sparse page read well, such as a page of signatures, is not weak)."""
    if good >= cfg.review.weak_ocr_words:
        return False
    lettered = sorted(w.conf for w in words if sum(ch.isalpha() for ch in w.text) >= 3)
    return not lettered or lettered[len(lettered) // 2] < cfg.review.weak_ocr_conf


def _measures(z: Zone) -> str:
    """A zone's reading for the debug log («why» a mark is not present; bench/why.py reads it)."""
    return (f"ratio {z.ratio:.2f} loose {z.loose:.2f} stroke {z.stroke:.2f} lifted {z.lifted:.2f}"
            f" hued {z.hued:.2f}")


def zone_mark(zone: Zone, cfg: ScanConfig, by_colour: bool = True) -> Mark:
    """A signature zone as a mark: present, absent or a doubt, by how far its ink clears the minima.
    ``by_colour``: a small signature in a pen's colour is sure (not where the question is whose pen
    it is: two signers' rows sharing strokes, both may be blue)."""
    rv = cfg.review
    if zone.box is None:
        return Mark(DOUBT, 0.5, f"{zone.kind}_zone_not_found")
    if zone.ratio >= rv.sure_signature:
        return Mark(PRESENT, min(0.99, 0.8 + 0.1 * (zone.ratio - rv.sure_signature)))
    if zone.ratio >= 1.0 and zone.stroke >= rv.sure_stroke and not zone.shape_only:
        # a small signature: just over the minima, but drawn as one long continuous line
        return Mark(PRESENT, 0.75)
    if zone.ratio >= rv.empty_signature and zone.stroke >= rv.long_stroke and not zone.shape_only:
        # compact, but one long handwritten line (print, rules and seal arcs are gone by now)
        return Mark(PRESENT, 0.7)
    if by_colour and zone.ratio >= rv.coloured_min and zone.hued >= rv.coloured_pen and not zone.shape_only:
        # small, but drawn in a coloured ink away from every stamp: print is black, and what the
        # removal of print, rules and seals leaves of an unsigned row is not in a pen's colour
        return Mark(PRESENT, 0.7)
    if not zone.located:  # no caption, no rule: the place where the pen goes was not seen
        return Mark(DOUBT, 0.5, f"{zone.kind}_zone_not_found")
    if max(zone.ratio, zone.loose) < rv.empty_signature:
        # seen and empty: nothing pen-like of its own, nor this line's strokes reaching in from outside
        return Mark(ABSENT, 0.95 - 0.4 * max(zone.ratio, zone.loose) / rv.empty_signature)
    # strokes, but too few or too small to be sure either way: half-seen, or specks on the line
    span = rv.sure_signature - rv.empty_signature
    return Mark(DOUBT, 0.5 + 0.3 * abs(zone.ratio - 1.0) / span, f"{zone.kind}_signature_unsure")


def seal_mark(seals: Sequence[Seal], cfg: ScanConfig) -> Mark:
    """The seal as a mark: a ring well inked is present; one near the limit, or a circle partly
    inked (a faded or unevenly pressed stamp), is a doubt; no such circle at all is absent."""
    rv, sc = cfg.review, cfg.seal
    accepted = [s for s in seals if s.accepted]
    if accepted:
        best = max(accepted, key=lambda s: s.ring - s.need)
        margin = best.ring - best.need
        if margin >= rv.sure_ring_margin:
            return Mark(PRESENT, min(0.99, 0.8 + margin))
        if any(s.partial for s in accepted):  # one clean arc, the rest faded: a seal, pressed unevenly
            return Mark(PRESENT, 0.8)
        return Mark(DOUBT, 0.6, "seal_ring_partial")
    # a pale ring (as light as a faded stamp, never as print) asks nothing of its inner band: the
    # inner ring of a faded two-ring stamp holds a star's thin lines (officegen 790009, inner 0.10)
    partial = [s for s in seals if s.blob or (s.ring >= rv.partial_ring and s.ring - s.outside >= sc.min_ring_contrast
                                              and (s.inner >= sc.min_inner_coverage
                                                   or (not s.coloured and s.ink_level >= sc.pale_ring_level)))]
    if partial:
        return Mark(DOUBT, 0.5, "seal_ring_partial")
    return Mark(ABSENT, 0.85)


def _weak(mark: Mark, weak: bool) -> Mark:
    """On a page whose text was read poorly, a mark not found is a doubt, not a defect."""
    return Mark(DOUBT, 0.4, "ocr_weak") if weak and mark.state == ABSENT else mark


def _unreadable(result: ScanResult, code: str, detail: str = "") -> ScanResult:
    result.verdict = "unreadable"
    result.defects = [code]
    result.reason = REASONS.get(code, code) + (f": {detail}" if detail and code in ("too_many_pages",) else "")
    result.manager = result.owner = result.seal = None
    return result


def _review(result: ScanResult, doubt: str, detail: str = "") -> ScanResult:
    """Our own failure (a crash, Tesseract missing or failing, the time budget): a person decides."""
    result.verdict = "review"
    result.doubts = [doubt]
    result.defects = []
    result.reason = DOUBTS[doubt] + (f": {detail}" if detail else "")
    result.manager = result.owner = result.seal = None
    result.marks = {}
    return result


def _failure(exc: BaseException) -> str:
    """Our failure, in Russian for the person who reads the alert (the log has the traceback)."""
    if isinstance(exc, ocr_mod.OcrError):
        return "Tesseract не запустился или завершился с ошибкой (проверьте: vipnet-cert-bot doctor)"
    return f"сбой анализа ({type(exc).__name__})"


def check_files(paths: Sequence[Path], rules: Rules | None, *, annotate: list[PageAnalysis] | None = None) -> ScanResult:
    """Check an attachment set. Never raises: bad input becomes `unreadable`, our own failures
    (rules, Tesseract, a crash, the time budget) become `review` with doubt `internal_error`."""
    t0 = time.monotonic()
    result = ScanResult(verdict="unreadable")
    try:
        cfg = from_rules(rules)
        with tempfile.TemporaryDirectory(prefix="scan-") as tmp:
            _check(list(paths), cfg, Path(tmp), result, annotate)
    except Exception as exc:  # noqa: BLE001 - the daemon must survive any page
        log.exception("scan check failed")
        _review(result, "internal_error", _failure(exc))
    finally:
        _release_memory()
    result.seconds = time.monotonic() - t0
    return result


def _check(paths: list[Path], cfg: ScanConfig, tmp: Path, result: ScanResult,
           annotate: list[PageAnalysis] | None) -> None:
    t0 = time.monotonic()
    if not paths:
        _unreadable(result, "no_files")
        return
    refs: list[PageRef] = []
    failures: list[FileResult] = []
    for i, path in enumerate(paths):
        if time.monotonic() - t0 > cfg.limits.total_seconds:
            _review(result, "check_timeout")
            return
        lf = decode_file(Path(path), i, tmp, cfg.limits, cfg.ocr.dpi)
        fr = FileResult(lf.name, lf.ok, lf.code, lf.detail, len(lf.pages))
        result.files.append(fr)
        if not lf.ok:
            failures.append(fr)
        refs.extend(lf.pages)
        if len(refs) > cfg.limits.max_pages:
            _unreadable(result, "too_many_pages", f"больше {cfg.limits.max_pages}")
            return
    if not refs:
        fr = failures[0] if failures else FileResult("", False, "no_pages")
        _unreadable(result, fr.code or "corrupt_file", fr.detail)
        return
    workers = ocr_mod.cores()
    parts = workers if len(refs) == 1 else 1
    analyses: list[PageAnalysis | None] = [None] * len(refs)
    keep = annotate is not None
    pool = ThreadPoolExecutor(max_workers=1 if len(refs) == 1 else workers, thread_name_prefix="scan-page")
    timed_out = False
    crashed: list[str] = []
    try:
        futures = {pool.submit(analyse_page, ref, i, cfg, parts, keep): i for i, ref in enumerate(refs)}
        for fut, i in futures.items():
            remaining = cfg.limits.total_seconds - (time.monotonic() - t0)
            try:
                analyses[i] = fut.result(timeout=max(1.0, remaining))
            except TimeoutError:
                timed_out = True
                break
            except Exception as exc:  # noqa: BLE001 - one bad page must not sink the others
                log.exception("scan page %d failed", i)
                crashed.append(_failure(exc))
    finally:
        # on timeout, do not wait: a running Tesseract ends by its own timeout (limits.ocr_seconds)
        pool.shutdown(wait=not timed_out, cancel_futures=True)
    done = [a for a in analyses if a is not None]
    if annotate is not None:
        annotate.extend(done)
    titled = [a for a in done if a.result.form and a.result.title_score >= cfg.title_min_score]
    if titled and all(_rows_unseen(a) for a in titled):
        # the form's signatures are not on its title page: a page of them counts (not, say, a
        # covering letter's signature beside a form whose own rows were seen)
        for a in done:
            if a.signature_page:
                a.result.form = True
    result.pages = [a.result for a in done]
    forms = [a for a in done if a.result.form]
    if not forms:
        if crashed:
            _review(result, "internal_error", crashed[0])
        elif len(done) < len(refs):
            _review(result, "check_timeout")
        elif failures:
            _unreadable(result, failures[0].code, failures[0].detail)
        elif any(not a.readable and not a.result.blank for a in done):
            if any(a.readable for a in done):
                # text on one page, none read on another: the form may be the page OCR could not
                # read; whether the file is unreadable or no form is a person's call
                _review(result, "ocr_weak")
            else:
                _unreadable(result, "no_text")
        else:
            result.verdict = "not_a_form"
            result.defects = ["form_missing"]
            result.manager = result.owner = result.seal = None
        return
    result.form = True
    result.marks = {k: combine([a.result.marks[k] for a in forms if k in a.result.marks]) for k in MARKS}
    rows_unseen = all(result.marks[k].doubt.endswith("_zone_not_found") for k in ("manager", "owner"))
    if rows_unseen and result.marks["seal"].state == ABSENT:
        # the seal goes by the signatures: with neither signature row found, its place was not seen
        result.marks["seal"] = Mark(DOUBT, 0.5, "seal_place_not_found")
    result.manager, result.owner, result.seal = (result.marks[k].seen for k in MARKS)
    for a in forms:
        valid = a.fields.get("valid", {})
        for k in FIELD_NAMES:
            v = a.fields.get(k)
            if v and (result.fields.get(k) is None or (isinstance(valid, dict) and valid.get(k))):
                result.fields[k] = str(v)
                if isinstance(valid, dict) and k in valid:
                    result.valid[k] = bool(valid[k])
    for k, ok in result.valid.items():  # a number failing its check digit was not read: a doubt
        if not ok and result.fields.get(k):
            result.unsure_fields[k] = str(result.fields[k])
            result.fields[k] = None
    result.defects = [MISSING[k] for k in MARKS if result.marks[k].state == ABSENT]
    doubts = [result.marks[k].doubt for k in MARKS if result.marks[k].state == DOUBT]
    if crashed or len(done) < len(refs):
        doubts.append("internal_error" if crashed else "check_timeout")
    result.doubts = list(dict.fromkeys(doubts))
    if result.defects:  # the place of a mark was seen, and it is empty: that much is sure
        result.verdict = "incomplete"
    elif result.doubts:
        result.verdict = "review"
        result.reason = "; ".join(DOUBTS.get(d, d) for d in result.doubts)
    else:
        result.verdict = "complete"


def _rows_unseen(a: PageAnalysis) -> bool:
    """Neither signature row was located on the page."""
    return all(m.state == DOUBT and m.doubt.endswith("_zone_not_found")
               for k, m in a.result.marks.items() if k in ("manager", "owner"))


def combine(marks: Sequence[Mark]) -> Mark:
    """One mark over the form pages: seen on any page wins; else a doubt on any; else absent.
    A page that did not locate the signature row (the title page of a form whose signatures
    are on page 2) does not speak against a page that located it."""
    if not marks:
        return Mark(DOUBT, 0.5, "internal_error")
    if any(m.state != DOUBT or not m.doubt.endswith("_zone_not_found") for m in marks):
        marks = [m for m in marks if m.state != DOUBT or not m.doubt.endswith("_zone_not_found")]
    for state in (PRESENT, DOUBT, ABSENT):
        same = [m for m in marks if m.state == state]
        if same:
            return max(same, key=lambda m: m.confidence)
    return marks[0]
