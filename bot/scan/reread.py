"""A second look at a number (ИНН, ОГРН, СНИЛС) the page's OCR did not read as valid.

The page's OCR confuses digits on a poor copy or fax (3/5, 3/7, 2/7) and the number then fails its
check digit. Here the number's words are cropped from the page, upscaled, binarised, cleared of
a table rule through them and read again as one line of digits, twice (two scales). A value is
taken only when it passes its check digit and no read gives another valid value; otherwise the
field stays a doubt. A field still missing after that, whose table row the page's OCR lost or
misread, is looked for in the band of the fields' table read again as a whole (_read_band: a grey
phone photo's page OCR can drop the table's rows). The owner's name, which has no check digit, is
read again alone when a word of it was read unsure or the name was not read (reread_owner). Runs
only for a field that failed: a clean page costs nothing (on the officegen dev set 29 reads of
~0.3 s in 60 documents).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

import cv2
import numpy as np
from rapidfuzz.distance import Levenshtein

from bot import lookalikes
from bot.scan import ocr as ocr_mod
from bot.scan.config import ScanConfig
from bot.scan.fields import (
    NUMBERS,
    digit_runs,
    digitish,
    extract,
    format_snils,
    label_hits,
    line_text,
    name_word,
    person_name,
    same_row,
)
from bot.scan.form import clean
from bot.scan.ocr import Line, Word, box_of

# the length looked for without a label: only ОГРН's 13 digits, as no other number of the form is
# near that long (a СНИЛС or a phone number misread by a digit is an ИНН's)
_UNLABELLED = {"ogrn": 13}
_WHITELIST = "-c tessedit_char_whitelist=0123456789-"


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _groups(words: Sequence[Word]) -> list[list[Word]]:
    """Runs of consecutive mostly-digit words (a number written in parts: «589-706-322 51»)."""
    out: list[list[Word]] = []
    run: list[Word] = []
    for w in words:
        if digitish(w.text):
            run.append(w)
        elif run:
            out.append(run)
            run = []
    if run:
        out.append(run)
    return out


def number_box(lines: Sequence[Line], labels: Sequence[str], lengths: tuple[int, ...],
               anywhere: int = 0) -> tuple[int, int, int, int] | None:
    """The box of the number after a field's label: on the label's line, on its row to the right
    (a table's value cell), or on the next line; a run of about the field's length of digits.
    Without a label, the page's one run of `anywhere` digits (0: none is looked for)."""
    for i, rest in label_hits(lines, labels):
        for ws in (rest, *(ln.words for ln in same_row(lines, i)), *(ln.words for ln in lines[i + 1:i + 2])):
            for g in _groups(ws):
                n = len(_digits("".join(w.text for w in g)))
                if min(lengths) - 1 <= n <= max(lengths) + 2:
                    return box_of(g)
    if anywhere:  # the label unread («9ГРЫ»): the one run of the field's length on the page
        runs = [g for ln in lines for g in _groups(ln.words) if len(_digits("".join(w.text for w in g))) == anywhere]
        if len(runs) == 1:
            return box_of(runs[0])
    return None


def _crop(grey: np.ndarray, box: tuple[int, int, int, int], th: float, cfg: ScanConfig,
          span: tuple[int, int] = (0, 1 << 30)) -> np.ndarray:
    """The page around a box, `[reread] margin_x` / `margin_y` print heights (``th``) beyond it,
    and not beyond `span` (left, right) across."""
    x0, y0, x1, y1 = box
    rr = cfg.reread
    return grey[max(0, int(y0 - rr.margin_y * th)):int(y1 + rr.margin_y * th),
                max(0, span[0], int(x0 - rr.margin_x * th)):min(span[1], int(x1 + rr.margin_x * th))]


def _wordy(text: str) -> bool:
    """A word with a letter or a colon: a label («ОГРН:»), not a number's part (look-alike letters
    in a mostly-digit word aside) nor a table's rule («|», which may be a misread «1»)."""
    return not digitish(text) and any(ch.isalpha() or ch == ":" for ch in text)


def number_span(lines: Sequence[Line], box: tuple[int, int, int, int]) -> tuple[int, int]:
    """How far across a number's crop may reach: to the words with letters beside it on its row,
    not into them. A label's colon in the crop reads as a digit («: 1222911349176» as
    «21222911349176»): one digit too many, the number fails its length."""
    x0, y0, x1, y1 = box
    mid = (y0 + y1) / 2
    row = [w for ln in lines for w in ln.words if w.y0 < mid < w.y1 and _wordy(w.text)]
    left = max((w.x1 + 1 for w in row if w.x1 <= x0), default=0)
    right = min((w.x0 for w in row if w.x0 >= x1), default=1 << 30)
    return left, right


def _clean_crop(grey: np.ndarray, scale: float, rule_share: float, speck: float) -> np.ndarray:
    """The crop upscaled (cubic), binarised (Otsu), table rules, specks (under `speck` pixels of
    the page) and ink cut by its edges removed, with a white border."""
    big = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    _, bw = cv2.threshold(big, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ink = (bw == 0).astype(np.uint8)
    h, w = ink.shape
    rules = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, int(w * rule_share)), 1)))
    rules |= cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(3, int(h * rule_share)))))
    # a rule is a line or two of pixels thicker than its opening: widen it a little before erasing
    rules = cv2.dilate(rules, np.ones((3, 3), np.uint8))
    ink[rules > 0] = 0
    # a neighbour line's text or a label cut by the crop touches its edge; a speck is tiny
    n, lab, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    for i in range(1, n):
        x, y, cw, ch, area = stats[i]
        if x == 0 or y == 0 or x + cw >= w or y + ch >= h or area < speck * scale * scale:
            ink[lab == i] = 0
    bw = np.where(ink > 0, 0, 255).astype(np.uint8)
    pad = max(10, h // 4)
    return cv2.copyMakeBorder(bw, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)


def _valid_values(words: Sequence[Word], lengths: tuple[int, ...], valid: Callable[[str], bool]) -> set[str]:
    digits = _digits(" ".join(w.text for w in words))
    return {digits} if len(digits) in lengths and valid(digits) else set()


def reread(grey: np.ndarray, lines: Sequence[Line], fields: dict[str, object], cfg: ScanConfig) -> None:
    """Read again each number of `fields` that is missing or failed its check digit; a value is
    taken (fields and fields["valid"] updated) only as described in the module's docstring.
    Raises ocr.OcrError when Tesseract fails."""
    valid_of = fields.get("valid")
    if not isinstance(valid_of, dict):
        return
    unit = sorted(w.h for ln in lines for w in ln.words)
    if not unit:
        return
    disputed: set[str] = set()
    for key in NUMBERS:
        value = str(fields.get(key) or "")
        if not valid_of.get(key):
            _take(fields, key, _read_number(grey, lines, key, cfg, unit[len(unit) // 2]), disputed)
        elif _doubtful(key, value, cfg) or _read_unsure(lines, value, cfg):
            # one more read of the number alone (the eng model, first scale): another valid value
            # there makes the two disagree, a doubt
            again = _read_number(grey, lines, key, cfg, unit[len(unit) // 2], (cfg.reread.first_height,))
            if again and _digits(value) not in again:
                valid_of[key] = False
                disputed.add(key)
    if _rows_lost(lines, fields, cfg):
        _read_band(grey, lines, fields, cfg, unit[len(unit) // 2], disputed)


def _doubtful(key: str, value: str, cfg: ScanConfig) -> bool:
    """A valid ИНН or ОГРН that a pair of the rus model's 3-read-as-5 slips could have left valid:
    the same slip at two places cancels in the check when their weights sum to 0 mod 11 (any odd
    and even place of an ОГРН: «1122977732734» read «1122977752754» passes). Such a value has
    `[reread] verify_fives` fives or more (0: never verified). A СНИЛС's weights cannot cancel so."""
    n = cfg.reread.verify_fives
    return key in ("inn", "ogrn") and n > 0 and value.count("5") >= n


def _read_unsure(lines: Sequence[Line], value: str, cfg: ScanConfig) -> bool:
    """Was a part of the number (a word of three digits or more in it) read under `[reread]
    verify_conf`? Two digits misread can leave a number valid one time in eleven."""
    digits = _digits(value)
    return bool(digits) and any(
        w.conf < cfg.reread.verify_conf and len(d := _digits(w.text)) >= 3 and d in digits
        for ln in lines for w in ln.words)


def _read_number(grey: np.ndarray, lines: Sequence[Line], key: str, cfg: ScanConfig, unit: float,
                 heights: tuple[float, ...] = ()) -> set[str]:
    """The valid values of a number read again alone at its place in `lines` (at `heights`, by
    default the two of `[reread]`)."""
    rr = cfg.reread
    lengths, valid = NUMBERS[key]
    box = number_box(lines, [clean(v) for v in cfg.field_labels.get(key, (key,))], lengths,
                     _UNLABELLED.get(key, 0))
    if box is None:
        return set()
    th = max(box[3] - box[1], unit)
    crop = _crop(grey, box, th, cfg, number_span(lines, box))
    if crop.size == 0:
        return set()
    jobs = [(_clean_crop(crop, max(1.0, height / th), rr.rule_share, rr.speck * th * th), 0)
            for height in heights or (rr.first_height, rr.second_height)]
    reads = ocr_mod.ocr_bands(jobs, rr.languages, cfg.ocr.dpi, cfg.limits.ocr_seconds, psm=7,
                              workers=1, extra=_WHITELIST)
    return set().union(*(_valid_values(ws, lengths, valid) for ws in reads))


def _take(fields: dict[str, object], key: str, values: set[str], disputed: set[str]) -> None:
    """A number's one valid value taken into `fields`; two that disagree make it disputed (a doubt,
    whatever else reads it)."""
    valid_of = fields["valid"]
    if len(values) > 1:
        disputed.add(key)
    if len(values) != 1 or key in disputed or not isinstance(valid_of, dict):
        return
    value = values.pop()
    fields[key] = format_snils(value) if key == "snils" else value
    valid_of[key] = True


def _missing(fields: dict[str, object]) -> list[str]:
    """ИНН, ОГРН, СНИЛС not read valid, and the owner's name not read."""
    valid_of = fields.get("valid")
    valid_of = valid_of if isinstance(valid_of, dict) else {}
    return [k for k in NUMBERS if not valid_of.get(k)] + ([] if fields.get("owner_name") else ["owner_name"])


def _rows_lost(lines: Sequence[Line], fields: dict[str, object], cfg: ScanConfig) -> bool:
    """Whether a missing field's row was on the page and misread or lost by its OCR, rather than
    absent from the form (a form without a СНИЛС row): its label was read, or a run of digits of
    about its length that is no other field's value (nor a misread copy of one: the seal's ИНН),
    or two of the four fields are missing. The owner's name alone is left to reread_owner, which
    reads its label's row (its label read) at a fraction of the cost."""
    missing = _missing(fields)
    if len(missing) >= 2:
        return True
    if any(label_hits(lines, [clean(v) for v in cfg.field_labels.get(k, ())]) for k in missing if k in NUMBERS):
        return True
    if missing == ["owner_name"]:
        return not label_hits(lines, [clean(v) for v in cfg.field_labels.get("owner_name", ())])
    taken = [d for k in NUMBERS if (d := re.sub(r"\D", "", str(fields.get(k) or "")))]
    sizes = {n + d for k in missing if k in NUMBERS for n in NUMBERS[k][0] for d in (-2, -1, 0, 1)}
    return any(len(run) in sizes and not any(Levenshtein.distance(run, t) <= 2 for t in taken)
               for ln in lines for run in digit_runs(line_text(ln.words)))


def field_band(lines: Sequence[Line], cfg: ScanConfig, unit: float) -> tuple[int, int] | None:
    """The page's rows around the fields' labels that were read (`[reread] band_reach` text
    heights beyond them), top and bottom; None without a label or when taller than `band_max`."""
    rr = cfg.reread
    labels = [clean(v) for variants in cfg.field_labels.values() for v in variants]
    boxes = [lines[i].box for i, _ in label_hits(lines, labels)]
    if not boxes:
        return None
    top = max(0, int(min(b[1] for b in boxes) - rr.band_reach * unit))
    bottom = int(max(b[3] for b in boxes) + rr.band_reach * unit)
    return (top, bottom) if bottom - top <= rr.band_max * unit else None


def _read_band(grey: np.ndarray, lines: Sequence[Line], fields: dict[str, object], cfg: ScanConfig,
               unit: float, disputed: set[str]) -> None:
    """The fields' table read again as a whole (see `[reread] band_*`): a number it reads valid,
    or whose place in it read alone is valid, fills a number still missing or failing (not one
    whose reads disagreed); a name it reads with all words sure fills a missing owner's name."""
    band = field_band(lines, cfg, unit)
    if band is None:
        return
    top, bottom = band
    rr = cfg.reread
    words = ocr_mod.ocr_bands([(grey[top:bottom], top)], cfg.ocr.languages, cfg.ocr.dpi,
                              cfg.limits.ocr_seconds, psm=rr.band_psm, workers=1)[0]
    again = ocr_mod.lines_of(words)
    got = extract(again, dict(cfg.field_labels))
    valid_of, got_valid = fields["valid"], got["valid"]
    if not isinstance(valid_of, dict) or not isinstance(got_valid, dict):
        return
    for key in NUMBERS:
        if valid_of.get(key):
            continue
        if got_valid.get(key):
            _take(fields, key, {re.sub(r"\D", "", str(got[key]))}, disputed)
        else:  # the band found the number's place but misread it too: its crop read alone
            _take(fields, key, _read_number(grey, again, key, cfg, unit), disputed)
    name = got["owner_name"]
    if not fields.get("owner_name") and isinstance(name, str):
        sure = _name_words(again, name)
        if sure and min(w.conf for w in sure) >= rr.name_min_conf and min(len(p) for p in name.split()) >= 3:
            fields["owner_name"] = name


def _name_words(lines: Sequence[Line], name: str) -> list[Word]:
    """The page's words that read as the name (its words in a row on one line)."""
    parts = name.split()
    for ln in lines:
        got = [name_word(w.text) for w in ln.words]
        for i in range(len(got) - len(parts) + 1):
            if got[i:i + len(parts)] == parts:
                return list(ln.words[i:i + len(parts)])
    return []


def _read_name(grey: np.ndarray, box: tuple[int, int, int, int], cfg: ScanConfig) -> tuple[str | None, float]:
    """The owner's name read alone in a box of the page (one line), and its least word confidence."""
    rr = cfg.reread
    th = max(1, box[3] - box[1])
    crop = _crop(grey, box, th, cfg)
    if crop.size == 0:
        return None, 0.0
    image = _clean_crop(crop, max(1.0, rr.first_height / th), rr.rule_share, rr.speck * th * th)
    words = ocr_mod.ocr_bands([(image, 0)], cfg.ocr.languages, cfg.ocr.dpi, cfg.limits.ocr_seconds,
                              psm=7, workers=1)[0]
    name = person_name(" ".join(w.text for w in words), dict(cfg.field_labels))
    if not name:
        return None, 0.0
    confs = [w.conf for w in words if name_word(w.text) in name.split()]
    return name, min(confs, default=0.0)


# «И.В. Рябинин» (or «Рябинин И.В.»), as a signature's «(расшифровка подписи)» writes a name:
# two initials (Latin look-alikes too) and a word
_INITIALS = r"([A-ZА-ЯЁ])\.\s?([A-ZА-ЯЁ])\."
_SIGNED = (re.compile(rf"(?<!\w){_INITIALS}\s?(\S+)"), re.compile(rf"(\S+)\s{_INITIALS}(?!\w)"))


def _signed(lines: Sequence[Line], min_conf: float) -> Iterator[tuple[Word, tuple[str, str, str]]]:
    """Each name written as a surname and initials, as its surname's word (read with a confidence
    of `min_conf` or more) and (surname, first initial, second initial)."""
    for ln in lines:
        text, starts, pos = ln.text, [], 0
        for w in ln.words:  # where each word starts in the line's text
            starts.append(pos)
            pos += len(w.text) + 1
        for pattern, order in zip(_SIGNED, ((3, 1, 2), (1, 2, 3)), strict=True):
            for m in pattern.finditer(text):
                surname = name_word(m.group(order[0]))
                at = m.start(order[0])
                word = next((w for w, s0 in zip(ln.words, starts, strict=True)
                             if s0 <= at < s0 + len(w.text)), None)
                if surname and word is not None and word.conf >= min_conf:
                    ini = tuple(lookalikes.TABLE.upper.get(c, c) for c in (m.group(order[1]), m.group(order[2])))
                    yield word, (surname, ini[0], ini[1])


def signed_names(lines: Sequence[Line], min_conf: float) -> set[tuple[str, str, str]]:
    """The names written as a surname and initials on the page, (surname, first initial, second
    initial), whose surname word was read sure (a confidence of `min_conf` or more)."""
    return {name for _, name in _signed(lines, min_conf)}


def signed_name_words(lines: Sequence[Line], min_conf: float) -> list[Word]:
    """The surname words of the names written as a surname and initials («С.И. Коптев»): where a
    signature block writes out its signers' names."""
    return list(dict.fromkeys(w for w, _ in _signed(lines, min_conf)))


def _signed_as(lines: Sequence[Line], name: str, words: Sequence[Word], min_conf: float) -> bool:
    """Whether a name whose words were read unsure is confirmed by the page's signature
    decipherment («И.В. Рябинин» for «Рябинин Илья Васильевич»): the only unsure word is the
    surname, read the same there (and sure), and the initials are the other words' first letters.
    The first name and patronymic are not confirmed by an initial: an unsure one is not taken."""
    parts = name.split()
    if len(parts) != 3 or len(words) != 3:
        return False
    signed = signed_names(lines, min_conf)
    for k, rest in ((0, (1, 2)), (2, (0, 1))):  # «Фамилия Имя Отчество» or «Имя Отчество Фамилия»
        if any(words[i].conf < min_conf for i in rest):
            continue
        if (parts[k], parts[rest[0]][0], parts[rest[1]][0]) in signed:
            return True
    return False


def reread_owner(grey: np.ndarray, lines: Sequence[Line], fields: dict[str, object], cfg: ScanConfig) -> None:
    """The owner's name read again alone when the page's OCR did not read it, or read a word of it
    unsure (under `name_min_conf`: a misread letter, «Аркабьевна»): the new read is taken when all
    its words are sure, else the name is not reported (a name has no check digit to tell). An
    unsure surname that the owner's signature decipherment reads the same is kept (_signed_as); a
    name of two words that the decipherment signs with two initials is not reported (cut short).
    Raises ocr.OcrError when Tesseract fails."""
    if "owner_name" not in cfg.field_labels:
        return
    rr = cfg.reread
    name = fields.get("owner_name")
    if isinstance(name, str) and name:
        parts = name.split()
        if len(parts) == 2 and any(sur == parts[0] and first == parts[1][0]
                                   for sur, first, _ in signed_names(lines, rr.name_min_conf)):
            # the decipherment signs this surname with two initials: the name has a patronymic
            # that the page's read lost (a wrapped cell's next line): not the whole name
            fields["owner_name"] = None
            return
        words = _name_words(lines, name)
        short = min(len(part) for part in name.split()) < 3  # «Коптева Лю»: the line's end lost
        if not words or (min(w.conf for w in words) >= rr.name_min_conf and not short):
            return
        if not short and _signed_as(lines, name, words, rr.name_min_conf):
            return
        # the row from the name's start to the page's edge: a name cut short goes on there
        x0, y0, _, y1 = box_of(words)
        again, conf = _read_name(grey, (x0, y0, grey.shape[1], y1), cfg)
        fields["owner_name"] = again if again and conf >= rr.name_min_conf else None
        return
    # not read at all (a phone photo's OCR can skip a whole cell): the label's row right of it
    hits = label_hits(lines, [clean(v) for v in cfg.field_labels["owner_name"]])
    if not hits:
        return
    x0, y0, x1, y1 = lines[hits[0][0]].box
    again, conf = _read_name(grey, (x1 + int(rr.margin_x * (y1 - y0)), y0, grey.shape[1], y1), cfg)
    if again and conf >= rr.name_min_conf:
        fields["owner_name"] = again
