"""Signature rows by their rules: the printed line (or run of underscores, or a table cell's
border) that the pen goes on.

Every layout of a signature row has one: «Руководитель ____ И.О. Фамилия» on one line, the
label above its line in a column of a two-column block («Владелец сертификата ключа / проверки
электронной подписи», then the line), the label in one table cell and the line under the row.
The rule is found in the picture, not in the OCR text, so it is there when the captions
(«(подпись)») were lost under a stroke or a seal, or were never printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from bot.scan.config import SignatureCfg
from bot.scan.ocr import Word
from bot.scan.page import ink_mask


@dataclass(frozen=True)
class Rule:
    x0: int
    x1: int
    y: int          # the rule's middle row
    side: str = ""  # where it is from its label: "right" (on its line), "under", "over" (a table row's top)

    @property
    def length(self) -> int:
        return self.x1 - self.x0


def _inked_rows(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mask's rows that hold ink, with one empty row where blank rows were cut out, and each
    packed row's row on the page: the same components (ink joins only across neighbouring rows),
    found in a fraction of the pixels (the rules of a page are a few hundred rows of thousands)."""
    inked = np.flatnonzero(mask.any(axis=1))
    gaps = np.flatnonzero(np.diff(inked) > 1)
    rows = np.insert(inked, gaps + 1, -1)  # -1: the empty row standing for a blank stretch
    packed = np.where((rows >= 0)[:, None], mask[np.maximum(rows, 0)], 0).astype(mask.dtype)
    return packed, rows


def find_rules(grey: np.ndarray, h: float, sc: SignatureCfg, dpi: float = 0.0) -> list[Rule]:
    """Horizontal rules on the page: thin straight ink at least ``rule_min_length`` print heights
    long (or ``rule_min_mm`` at the page's ``dpi``, whichever is shorter: large print), pieces
    on one row across small gaps joined (underscores, a line broken by a stroke's removal or by a
    phone photo's blur). A slightly slanted rule (a photo) counts: it is thin for its length."""
    shortest = _shortest(h, sc, dpi)
    return _join(_segments(grey, h, shortest), shortest, h)


def rules_and_shorter(grey: np.ndarray, h: float, sc: SignatureCfg, dpi: float,
                      shorter: float) -> tuple[list[Rule], list[Rule]]:
    """find_rules, and the rules at least ``shorter`` pixels long, from one pass over the page."""
    shortest = _shortest(h, sc, dpi)
    segs = _segments(grey, h, min(shortest, shorter))
    return _join([s for s in segs if s[3] >= shortest], shortest, h), _join(segs, shorter, h)


def _shortest(h: float, sc: SignatureCfg, dpi: float) -> float:
    shortest = sc.rule_min_length * h
    return min(shortest, sc.rule_min_mm * dpi / 25.4) if dpi > 0 else shortest


def _segments(grey: np.ndarray, h: float, shortest: float) -> list[list[float]]:
    """Straight thin pieces of ink at least ``shortest`` pixels wide: [x0, x1, y, width]."""
    if h <= 0:
        return []
    ink = ink_mask(grey, 40).astype(np.uint8)
    run = max(15, int(2 * h))
    lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (run, 1)))
    packed, row_of = _inked_rows(lines)
    if not packed.size:
        return []
    n, lab, stats, _ = cv2.connectedComponentsWithStats(packed, connectivity=8)
    segs: list[list[float]] = []
    band = max(2, int(0.25 * h))
    for i in range(1, n):
        x, py, w, ht, area = (int(v) for v in stats[i, :5])
        if w < shortest:
            continue
        y = int(row_of[py])
        ys, xs = np.nonzero(lab[py:py + ht, x:x + w] == i)
        # thin for its length: a rule's ink per column is under half a print height; else a rule
        # with pen strokes across it (a signature's flat strokes join it): its row of most ink,
        # and the ink along that row
        if not (area / max(w, 1) <= 0.5 * h and ht <= max(0.5 * h, 0.03 * w)):
            peak = int(np.argmax(np.bincount(ys)))
            near = np.abs(ys - peak) <= band
            ys, xs = ys[near], xs[near]
            if not xs.size or np.unique(xs).size < 0.8 * (int(xs.max()) - int(xs.min()) + 1):
                continue
        if not _straight(xs, ys, h):
            continue  # a flat pen stroke wavers; a printed rule does not
        segs.append([x + int(xs.min()), x + int(xs.max()) + 1, y + float(np.median(ys)), w])
    return segs


def _join(segs: list[list[float]], shortest: float, h: float) -> list[Rule]:
    """Pieces of one rule (on its row, a small gap apart) joined; the rules ``shortest`` or longer."""
    out: list[list[float]] = []
    for s in sorted(segs, key=lambda s: (s[2], s[0])):
        for o in out:
            if abs(o[2] - s[2]) <= 0.3 * h and s[0] <= o[1] + 0.6 * h and s[1] >= o[0] - 0.6 * h:
                o[0], o[1] = min(o[0], s[0]), max(o[1], s[1])
                break
        else:
            out.append(list(s[:3]))
    return [Rule(int(a), int(b), int(y)) for a, b, y in out if b - a >= shortest]


def _printed_row(words: Sequence[Word], x0: int, x1: int, top: float, bottom: float) -> bool:
    """A line of print between ``top`` and ``bottom`` over [x0, x1]: words read with certainty, of
    four letters and more (handwriting is read as junk, or with low confidence)."""
    return any(w.conf >= 80 and len(w.text) >= 4 and w.text.isalpha() and top < w.y0 and w.y1 < bottom
               and w.x0 < x1 and w.x1 > x0 for w in words)


def _straight(xs: np.ndarray, ys: np.ndarray, h: float) -> bool:
    """Is the ink one straight line (a slant allowed: a photo)? The middle of each column lies on a
    fitted line to within a pixel or two."""
    cols = xs - xs.min()
    count = np.bincount(cols)
    have = count > 0
    mid = np.bincount(cols, weights=ys)[have] / count[have]
    at = np.nonzero(have)[0]
    if at.size < 10:
        return False
    slope, icpt = np.polyfit(at, mid, 1)
    return float(np.median(np.abs(mid - (slope * at + icpt)))) <= max(1.5, 0.04 * h)


def label_rule(box: tuple[int, int, int, int], last_line: tuple[int, int], others: Sequence[tuple[int, int, int, int]],
               rules: Sequence[Rule], h: float, sc: SignatureCfg, words: Sequence[Word] = (),
               beside: Sequence[Rule] = ()) -> Rule | None:
    """The rule of a label's signature row: the nearest rule to its right on its (last) line (or
    one of the shorter ``beside`` rules right after the label, `rule_beside`), else the nearest
    under it within its column, no further than ``rule_reach`` print heights and not past another
    label or a line of print (``words``), else a table row's border just over the label that runs on
    to its right. ``last_line``: the top and bottom of the label's last line; ``others``: the other
    labels' boxes."""
    x0, y0, x1, y1 = box
    ly0, ly1 = last_line
    right = []
    after = [r for r in beside if r.x0 <= x1 + 2 * h and r.length >= sc.rule_beside * h]
    for r in [*rules, *after]:
        if not (ly0 + 0.3 * h <= r.y <= ly1 + 0.6 * h) or r.x0 < x1 - 0.5 * h:  # at the line's foot
            continue
        # another label between the label and the rule: the rule is that label's
        if any(ox0 >= x1 and ox1 <= r.x0 + h and oy0 <= r.y and oy1 >= ly0 - 0.5 * h
               for ox0, oy0, ox1, oy1 in others):
            continue
        right.append(r)
    if right:
        return replace(min(right, key=lambda r: r.x0 - x1), side="right")
    under = []
    for r in rules:
        if not (ly1 < r.y <= ly1 + sc.rule_reach * h):
            continue
        if r.x0 > x1 or r.x1 < x0 + 2 * h:  # in the label's column
            continue
        if any(oy0 > y1 - 0.2 * h and oy0 < r.y and ox0 < r.x1 and ox1 > r.x0 for ox0, oy0, ox1, oy1 in others):
            continue  # another label's row is between them
        if _printed_row(words, r.x0, r.x1, ly1 + 0.2 * h, r.y - 1.5 * h):
            continue  # a line of print between them: the rule is another row's
        under.append(r)
    if under:
        return replace(min(under, key=lambda r: r.y), side="under")
    # a table row ruled only between rows: its last row's line is the border over it, running
    # from the label's cell on across the signature's cell
    over = [r for r in rules if y0 - 1.2 * h <= r.y < y0 and r.x0 <= x0 + h and r.x1 >= x1 + sc.rule_min_length * h]
    if over:
        return replace(max(over, key=lambda r: r.y), side="over")
    return None
