"""Is a handwritten signature in a signature line's zone?

The zone is placed from the label's word boxes (and the «(подпись)» caption under the line,
when found), sized by the page's print height. Inside it, ink that is explained by something
else is removed: rules and underscores, table borders (found while whole), the glyphs of
printed words that Tesseract read (a stroke through a word runs out of its box and stays),
pieces of the seal's rings (ink at one distance from its centre), and the seal's ink (by
colour where there is colour; in grey only strokes darker than the seal's ink count inside
its disc; where the seal is as dark as the pen, only strokes shaped like pen strokes, and
then more of them). Without a caption the zone ends with the signature rule. What is left
must be large, connected, handwriting-sized ink. No zone means "not signed", never "signed".
"""

from __future__ import annotations

import functools
import math
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from bot.scan.config import ScanConfig, SignatureCfg
from bot.scan.form import Label
from bot.scan.ocr import Word
from bot.scan.page import Prepared, dark_ink, seal_hue
from bot.scan.rows import find_rules
from bot.scan.seal import Seal, SealInk, chroma_of


@dataclass(frozen=True)
class Zone:
    kind: str
    box: tuple[int, int, int, int] | None   # x0, y0, x1, y1 in prepared-page pixels
    signed: bool
    ink_pixels: int = 0
    ink_w: int = 0
    ink_h: int = 0
    unit: float = 0.0
    reason: str = ""
    ratio: float = 0.0       # how many times the best stroke group clears the minima (1.0 = just enough)
    stroke: float = 0.0      # the longest continuous kept stroke, in label heights
    shape_only: bool = False  # strokes were read off a seal as dark as the pen, by shape alone
    located: bool = True      # the zone holds its row's «(подпись)» caption or signature rule
    loose: float = 0.0        # the ratio of ink in the zone not counted as its signature (strokes of
    #                           this line's, mostly outside the zone)
    ink_box: tuple[int, int, int, int] | None = None  # the page box of the strokes counted as its signature
    lifted: float = 0.0       # the ratio read with the ink lifted as a seal's as well (0: not re-read)
    hued: float = 0.0         # the share of the counted strokes in a coloured ink away from every seal


def zone_box(label: Label, others: Sequence[Label], captions: Sequence[Word], page_w: int,
             right_edge: int, cfg: ScanConfig, deciphers: Sequence[Word] = (),
             h: float = 0.0) -> tuple[tuple[int, int, int, int], Word | None]:
    x0, y0, x1, y1 = label.box
    h = h or label.height
    sc = cfg.signature
    caption = None
    # «Подпись руководителя …», «Подпись владельца …» open a label: no caption
    words_of_labels = {w for lab in (label, *others) for w in lab.words}
    below = [c for c in captions if y0 - 0.3 * h <= c.y0 <= y1 + 4.5 * h and c.x0 > x0 - h
             and c not in words_of_labels]
    # a caption belongs to this line unless another label sits between them
    below = [c for c in below if not any(o.box[1] > y1 and o.box[1] < c.y0 for o in others)]
    # a caption right under the label's own last line drifted there (captions typed on a line of
    # their own under a long label): the pen does not go on the label's print. (One a line or more
    # further down lies under the row's rule: the row runs on under its label.)
    last_top, last_bottom = label.last_line
    last = label.last_words

    def drifted(c: Word) -> bool:
        return last_top <= c.y0 <= last_bottom + h and any(w.x0 <= c.cx <= w.x1 for w in last)

    def under_print(c: Word) -> bool:
        # typed on the line under the label, partly under its print: a caption spaced by hand under
        # a label that wrapped or ran long (officegen 840035: «(расшифровка подписи)» under
        # «… организации», the row's rule and name right of the label). It ends no zone there
        return last_top <= c.y0 <= last_bottom + h and c.x0 < max(w.x1 for w in last) and c.x1 > min(
            w.x0 for w in last)

    def continues(c: Word) -> bool:  # the label's last word read on: «электронной» «подпи»
        return c.y0 < last_bottom and c.y1 > last_top and 0 <= c.x0 - max(w.x1 for w in last) <= h

    below = [c for c in below if not drifted(c) and not continues(c)]
    if label.caption is not None:  # a stand-in, placed right over its row's caption (not drifted)
        below = [label.caption]
    if below:
        caption = min(below, key=lambda c: (c.y0, abs(c.cx - x1)))
    rule_of_row = label.rule if label.rule is not None and label.rule.side != "over" else None
    if caption is not None and rule_of_row is not None and not (
            rule_of_row.x0 - h <= caption.cx <= rule_of_row.x1 + h):
        # captions typed on their own line with spaces drift: one not under the row's rule does not
        # say where the pen goes, the rule does
        caption = None
    header = None
    if caption is None:
        # a table: «Подпись» heads the column above the rows (a bare word, not «(подпись)»)
        heads = [c for c in captions if not c.text.startswith("(") and y0 - sc.header_reach * h <= c.y1 <= y0
                 and c.x0 > x1]
        if heads:
            header = min(heads, key=lambda c: y0 - c.y1)
    rule = None
    if caption is None and header is None and label.rule is not None:  # the row's rule: the pen goes on it
        rule = label.rule
        caption = Word("___", 0.0, rule.x0, rule.y - 1, rule.x1, rule.y + 1, (-1, -1, -1, -1))
    if rule is not None and rule.side == "over":  # a table row: the label's cell and the next ones
        zx0, zx1 = int(x0), int(rule.x1)
        zy1 = int(y1 + sc.zone_down * h)
    elif rule is not None:
        zx0, zx1 = int(rule.x0 - 0.5 * h), int(rule.x1 + 0.5 * h)
        zy1 = int(rule.y + sc.rule_below * h)
    elif caption is not None:
        half = max(1.5 * caption.w, 5.0 * h)
        zx0, zx1 = int(caption.cx - half), int(caption.cx + half)
        zy1 = caption.y1 + int(0.1 * caption.h)
    elif header is not None:  # the signature cell: under the header, on the label's row, up to
        # the next column's header («Расшифровка подписи»), whose column holds the written-out name
        nxt = [d.x0 for d in deciphers if d.x0 > header.x1 and abs(d.cy - header.cy) < 2 * h]
        zx0 = int(max(x1 + h, header.x0 - 2 * h))
        zx1 = int(min(nxt) - 0.3 * h) if nxt else int(header.x1 + 6 * h)
        zy1 = int(y1 + sc.zone_down * h)
        caption = header
    else:  # the line may run on to the right of the label or on the next line under it
        zx0, zx1 = int(x0), int(right_edge)
        zy1 = int(y1 + sc.zone_down * h)
    zy0 = int(y0 - sc.zone_up * h)
    # do not reach into another label's line or its caption (a label of the other column, clear of
    # this label and of the zone across, bounds its own rows: blind officegen 870002, two columns,
    # a manager's label guessed lower than the owner's cut the owner's zone off above its line)
    for o in others:
        ox0, oy0, ox1, oy1 = o.box
        if (ox1 < x0 or ox0 > x1) and (ox1 < zx0 or ox0 > zx1):
            continue
        if oy1 <= y0:
            zy0 = max(zy0, oy1 + int(0.2 * h))
        elif oy0 >= y1:
            zy1 = min(zy1, oy0 - int(0.2 * h))
    for c in captions:
        if c is not caption and c.y1 <= y0 and c.y1 > zy0 and zx0 - h < c.cx < zx1 + h:
            zy0 = max(zy0, c.y1 + 2)
    # the name written out («(расшифровка подписи)» under it) is not the signature: stop before it
    row_top, row_bottom = (caption.y0 - 1.5 * h, caption.y1 + 1.5 * h) if caption is not None else (y0, y1 + 4.5 * h)
    for d in deciphers:
        if (rule is not None and rule.side != "over" and d.x0 < rule.x1 - h) or drifted(d) or under_print(d):
            continue  # typed under the row's rule or its label, the caption drifted: it ends no zone
        if row_top <= d.cy <= row_bottom and d.x0 > zx0 + 3 * h:
            zx1 = min(zx1, d.x0 - int(0.2 * h))
    zx0 = max(0, zx0)
    zx1 = min(page_w, max(zx1, zx0 + 1))
    return (zx0, zy0, zx1, max(zy1, zy0 + 1)), caption


def groups_of(sel: np.ndarray, h: float, sc: SignatureCfg,
              apart: np.ndarray | None = None) -> tuple[int, np.ndarray]:
    """Strokes of one signature lie close together: the groups of ``sel`` (strokes within
    `group_reach_x` / `group_reach_y` label heights of each other), as (count, labels). No group
    reaches across ``apart`` (a table's border between two rows) except where a stroke does."""
    rx, ry = max(3, int(sc.group_reach_x * h)), max(3, int(sc.group_reach_y * h))
    grouped = cv2.dilate(sel.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_RECT, (2 * rx + 1, 2 * ry + 1)))
    if apart is not None:
        grouped &= ~apart
    gn, glab = cv2.connectedComponents(grouped, connectivity=8)
    return gn, glab


def border_apart(ink: np.ndarray, lines: np.ndarray, row: int, h: float) -> np.ndarray:
    """A table border at ``row`` (of ``ink``'s frame; ``lines``: the rules and borders taken out of
    it) as a line that groups of strokes do not bridge, open where a stroke runs across it: ink on
    every row from a third of a print height above the border to as far below it, the border's
    own rows aside (a slant of up to 45°)."""
    apart = np.zeros(ink.shape, np.uint8)
    near = max(4, int(0.3 * h))
    if not near <= row < ink.shape[0] - near:
        return apart
    band = np.arange(row - near, row + near + 1)
    border_rows = lines[band].mean(axis=1) >= 0.5
    rows = band[~border_rows]
    if not border_rows.any() or not rows.size:
        return apart
    slant = cv2.dilate(ink[rows].astype(np.uint8), np.ones((1, 2 * near + 1), np.uint8))
    crossing = slant.all(axis=0)
    top, bottom = int(band[border_rows].min()), int(band[border_rows].max())
    apart[top:bottom + 1, ~crossing] = 1
    return apart


def gap_apart(ink: np.ndarray, row: int) -> np.ndarray:
    """A white gap between two rows' strokes at ``row`` (of ``ink``'s frame) as a line that groups of
    strokes do not bridge, open where ink lies on it."""
    apart = np.zeros(ink.shape, np.uint8)
    if 0 <= row < ink.shape[0]:
        apart[row] = ink[row] == 0
    return apart


def best_group(sel: np.ndarray, h: float, sc: SignatureCfg,
               apart: np.ndarray | None = None) -> tuple[int, int, int]:
    """The biggest group of strokes: its ink pixels, width and height."""
    sel = sel.astype(bool)
    if not sel.any():
        return 0, 0, 0
    gn, glab = groups_of(sel, h, sc, apart)
    pix = np.bincount(glab[sel], minlength=gn)
    g = int(np.argmax(pix[1:])) + 1
    ys, xs = np.nonzero(sel & (glab == g))
    return int(pix[g]), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


def stroke_pieces(u8: np.ndarray, dist: np.ndarray | None = None) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """The 8-connected pieces of ink in ``u8`` (count, labels, stats) and each one's stroke length
    in pixels: its area over its stroke width, the width from the distance transform (a stroke
    of width w has a mean distance of w/4). ``dist``: that transform, when the caller has it."""
    n, lab, stats, _ = cv2.connectedComponentsWithStats(u8, connectivity=8)
    if dist is None:
        dist = cv2.distanceTransform(u8, cv2.DIST_L2, 3)
    area = stats[:, cv2.CC_STAT_AREA].astype(np.float64)
    mean_dt = np.bincount(lab.ravel(), weights=dist.ravel(), minlength=n) / np.maximum(area, 1)
    return n, lab, stats, area / np.maximum(4.0 * mean_dt, 1.0)


def longest_stroke(sel: np.ndarray, h: float) -> float:
    """The length of the longest connected stroke, in units of h. A signature, even a small one,
    is a long continuous line; specks, dust and remnants of print are short."""
    if h <= 0 or not sel.any():
        return 0.0
    _, _, _, lengths = stroke_pieces(sel.astype(np.uint8))
    return float(lengths[1:].max() / h)


def ink_ratio(pix: int, width: int, height: int, h: float, sc: SignatureCfg) -> float:
    """How many times a group of strokes clears the minima of `enough` (>= k exactly when
    enough(..., k) holds): the better of the tall and the flat reading."""
    if h <= 0:
        return 0.0
    base = min(pix / (sc.min_ink_pixels * h * h), width / (sc.min_ink_width * h))
    tall = min(base, height / (sc.min_ink_height * h))
    flat = min(base, height / (sc.flat_min_height * h), width / (sc.flat_min_width * h),
               pix / (sc.flat_min_pixels * h * h))
    return max(tall, flat)


def rule_span(grey: np.ndarray, ly0: int, ly1: int, h: float, contrast: float) -> tuple[int, int] | None:
    """The x-extent of the signature rule (a drawn line or a row of underscores) in a zone: ink
    ``contrast`` grey levels under the zone's paper (its 90th percentile).

    Only rules on the label's row or just under it count: the longest straight one, with
    pieces of it on the same row across small gaps. None when there is no rule at least four
    letter heights long.
    """
    paper = float(np.percentile(grey, 90))
    u8 = (grey.astype(np.int16) < paper - contrast).astype(np.uint8)
    top, bottom = max(0, int(ly0 - 0.5 * h)), min(u8.shape[0], int(ly1 + 2.5 * h))
    if bottom <= top:
        return None
    band = u8[top:bottom]
    lh = cv2.morphologyEx(band, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(15, int(2 * h)), 1)))
    n, _lab, stats, _ = cv2.connectedComponentsWithStats(lh, connectivity=8)
    segs = sorted(((int(stats[i, cv2.CC_STAT_LEFT]), int(stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH]),
                    float(stats[i, cv2.CC_STAT_TOP] + stats[i, cv2.CC_STAT_HEIGHT] / 2))
                   for i in range(1, n) if stats[i, cv2.CC_STAT_HEIGHT] <= 0.5 * h), key=lambda t: t[0] - t[1])
    if not segs or segs[0][1] - segs[0][0] < 4 * h:
        return None
    sx0, sx1, sy = segs[0]
    grew = True
    while grew:  # pieces of the same rule: on its row, with small gaps between them
        grew = False
        for a, b, y in segs[1:]:
            if abs(y - sy) <= 0.3 * h and (sx0 - 0.5 * h <= b < sx0 or sx1 < a <= sx1 + 0.5 * h):
                sx0, sx1, grew = min(sx0, a), max(sx1, b), True
    return sx0, sx1


def rules_mask(u8: np.ndarray, horizontal: int, vertical: int | None = None) -> np.ndarray:
    """Rules, underscores and table borders: straight ink at least ``horizontal`` (or
    ``vertical``) pixels long, grown by a pixel for their soft edges (uint8 0/1)."""
    lines = cv2.morphologyEx(u8, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(15, horizontal), 1)))
    if vertical is not None:
        lines |= cv2.morphologyEx(u8, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(15, vertical))))
    return cv2.dilate(lines, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))


def slanted_rule(ink: np.ndarray, row: int, h: float, length: int) -> np.ndarray:
    """The row's own rule where the row search found it (``row``), also when a copier's or a
    phone's slant steps it by a pixel row every so often and no straight run of it is ``length``
    long (rules_mask misses it, and an empty line's rule passed for a signature): within a third of
    a print height of it, ink that runs ``length`` long with its rows thickened by two each way
    and a copier's pixel-wide gaps in it closed (uint8 0/1, the shape of ``ink``; grown by a
    pixel like rules_mask's)."""
    out = np.zeros(ink.shape, np.uint8)
    r0, r1 = max(0, row - int(h / 3)), min(ink.shape[0], row + int(h / 3) + 1)
    if r1 <= r0:
        return out
    band = ink[r0:r1].astype(np.uint8)
    across = cv2.dilate(band, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 5)))
    run = cv2.morphologyEx(across, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(15, length), 1)))
    out[r0:r1] = cv2.dilate(run & band, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    return out


def _disc_geometry(shape: tuple[int, ...], seal: Seal, disc: float) -> tuple[int, int, int, int, np.ndarray, np.ndarray] | None:
    """The seal's bounding box on the page, and each pixel's distance from its centre and angle."""
    H, W = shape[:2]
    R = seal.r * disc
    bx0, by0 = max(0, int(seal.x - R) - 2), max(0, int(seal.y - R) - 2)
    bx1, by1 = min(W, int(seal.x + R) + 3), min(H, int(seal.y + R) + 3)
    if bx1 <= bx0 or by1 <= by0:
        return None
    yy, xx = np.ogrid[by0:by1, bx0:bx1]
    dist = np.hypot(xx - seal.x, yy - seal.y)
    ang = ((np.arctan2(yy - seal.y, xx - seal.x) + np.pi) * (180 / np.pi)).astype(np.int32) % 360
    return bx0, by0, bx1, by1, dist, ang


def rings_of(ink: np.ndarray, dist: np.ndarray, ang: np.ndarray, seal: Seal, disc: float) -> np.ndarray:
    """The pixels of the seal's rings, and of its ring text: the radii that carry ink over
    half the circumference or more (a pen stroke never goes half way round)."""
    R = seal.r * disc
    inside = dist <= R
    rad = np.round(dist).astype(np.int32)
    nr = int(R) + 2
    hit = np.zeros((nr, 360), bool)
    sel = ink & inside & (rad < nr)
    hit[rad[sel], ang[sel]] = True
    # a ring drawn a little off the found centre (or a little oval) spreads over a few radii
    band = max(2, int(round(0.015 * seal.r)))
    win = np.zeros_like(hit)
    for dr in range(-band, band + 1):
        win |= np.roll(hit, dr, axis=0)
    ring = win.mean(axis=1) >= 0.5
    grown = ring.copy()
    for dr in range(-band, band + 1):
        grown |= np.roll(ring, dr)
    return grown[np.minimum(rad, nr - 1)] & inside


def seal_rings(grey: np.ndarray, seal: Seal, box: tuple[int, int, int, int], cfg: ScanConfig) -> np.ndarray:
    """The pixels of the seal's rings in the frame of ``box``: the ring the search found, whatever
    reads through it, and every other ring (rings_of, over its whole disc)."""
    geo = _disc_geometry(grey.shape, seal, cfg.seal.disc_radius)
    if geo is None:
        return np.zeros((box[3] - box[1], box[2] - box[0]), bool)
    bx0, by0, bx1, by1, dist, ang = geo
    g = grey[by0:by1, bx0:bx1]
    ink = g.astype(np.int16) < float(np.percentile(g, 95)) - cfg.signature.ink_contrast
    ring = rings_of(ink, dist, ang, seal, cfg.seal.disc_radius) | (np.abs(dist - seal.r) <= max(4.0, 0.03 * seal.r))
    return framed(ring, (bx0, by0, bx1, by1), box)


def framed(mask: np.ndarray, frame: tuple[int, int, int, int], box: tuple[int, int, int, int]) -> np.ndarray:
    """``mask``, which covers the page's box ``frame``, in the frame of the page's box ``box`` (no ink
    where ``frame`` does not reach): a seal's disc read once, cut to a zone."""
    x0, y0, x1, y1 = box
    bx0, by0, bx1, by1 = frame
    out = np.zeros((y1 - y0, x1 - x0), bool)
    ix0, iy0, ix1, iy1 = max(x0, bx0), max(y0, by0), min(x1, bx1), min(y1, by1)
    if ix1 > ix0 and iy1 > iy0:
        out[iy0 - y0:iy1 - y0, ix0 - x0:ix1 - x0] = mask[iy0 - by0:iy1 - by0, ix0 - bx0:ix1 - bx0]
    return out


def pen_in_disc(grey: np.ndarray, seal: Seal, h: float,
                box: tuple[int, int, int, int], cfg: ScanConfig) -> tuple[np.ndarray, np.ndarray]:
    """Pen strokes inside a dark seal's disc, by stroke geometry (disc_pen), in the frame of the
    zone ``box``; and apart from them the pieces drawn of straight sides (the seal's star or emblem)."""
    found = disc_pen(grey, seal, h, cfg)
    if found is None:
        out = np.zeros((box[3] - box[1], box[2] - box[0]), bool)
        return out, out.copy()
    frame, pen, emblem = found
    return framed(pen, frame, box), framed(emblem, frame, box)


# disc_pen's answers for one page and settings, per thread (pages are analysed in a pool): a page's
# zones and readings ask for the same disc several times, ~45 ms each (the page is held until the
# thread's next page)
_disc_pens = threading.local()


def disc_pen(grey: np.ndarray, seal: Seal, h: float,
             cfg: ScanConfig) -> tuple[tuple[int, int, int, int], np.ndarray, np.ndarray] | None:
    """Pen strokes inside a dark seal's disc, by stroke geometry, with the pieces drawn of straight
    sides (the seal's star or emblem, see straight_sided), in the frame of the disc's box (returned
    first); None when the disc is off the page. The masks are shared: read them, do not write; and a
    page (``grey``) is never drawn on once prepared, or a later call would get its old reading.

    A seal as dark as the pen cannot be told from it by ink. Its parts have a shape, though:
    rings are circles (ink at one radius all round), ring text is glyphs on a narrow band
    of radii, the centre text is short straight rows of glyphs. Two kinds of evidence are
    kept: long runs of ink across the seal's circles (long_strokes), and, once rings and rules
    are removed, components longer than a glyph that span a band of radii wider than a line
    of seal text and are either wide in every direction or one running stroke (ink per length
    of a single pen line, not of a row of letters): cursive strokes, loops, a flourish.
    """
    cache = getattr(_disc_pens, "page", None)
    if cache is None or cache[0] is not grey or cache[1] is not cfg:
        cache = _disc_pens.page = (grey, cfg, {})
    answers = cache[2]
    if (seal, h) not in answers:
        answers[seal, h] = _disc_pen(grey, seal, h, cfg)
    return answers[seal, h]


def _disc_pen(grey: np.ndarray, seal: Seal, h: float,
              cfg: ScanConfig) -> tuple[tuple[int, int, int, int], np.ndarray, np.ndarray] | None:
    disc = cfg.seal.disc_radius
    geo = _disc_geometry(grey.shape, seal, disc)
    if geo is None:
        return None
    bx0, by0, bx1, by1, dist, ang = geo
    g = grey[by0:by1, bx0:bx1]
    paper = float(np.percentile(g, 95))
    ink = (g.astype(np.int16) < paper - cfg.signature.ink_contrast) & (dist <= seal.r * disc)
    # rules (the signature line itself) join seal glyphs into long shapes: take them out first
    u8 = ink.astype(np.uint8)
    u8 &= 1 - rules_mask(u8, int(3 * h))
    # seal text is sized by the seal, not by the form's print
    unit = max(h, 0.15 * seal.r)
    long = long_strokes(u8, dist, seal, h, unit)
    u8 &= ~rings_of(ink, dist, ang, seal, disc)
    dt = cv2.distanceTransform(u8, cv2.DIST_L2, 3)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(u8, connectivity=8)
    keep = np.zeros(n, bool)
    for i in range(1, n):
        cw, ch, area = stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT], stats[i, cv2.CC_STAT_AREA]
        if max(cw, ch) < 1.5 * unit or area < 0.1 * unit * unit:
            continue
        ys, xs = np.nonzero(lab[stats[i, cv2.CC_STAT_TOP]:stats[i, cv2.CC_STAT_TOP] + ch,
                                stats[i, cv2.CC_STAT_LEFT]:stats[i, cv2.CC_STAT_LEFT] + cw] == i)
        d = dist[ys + stats[i, cv2.CC_STAT_TOP], xs + stats[i, cv2.CC_STAT_LEFT]]
        if float(d.max() - d.min()) < 1.2 * unit:  # an arc of ring text
            continue
        (_, _), (rw, rh), _ = cv2.minAreaRect(np.column_stack([xs, ys]).astype(np.float32))
        # stroke width from the distance to the background (a band of width w averages w/4)
        width = max(1.0, 4.0 * float(dt[ys + stats[i, cv2.CC_STAT_TOP], xs + stats[i, cv2.CC_STAT_LEFT]].mean()))
        single = area <= 1.3 * width * max(rw, rh)  # one running stroke, not a row of letters
        if min(rw, rh) < 0.5 * h:  # one straight line: a rule, or a bar of the seal's design
            continue
        if min(rw, rh) < 1.4 * unit and not single:  # a straight row of glyphs
            continue
        keep[i] = True
    pen = keep[lab] | long
    emblem = straight_sided(pen, h, cfg.signature.straight_share)
    pen &= ~emblem
    pen.flags.writeable = emblem.flags.writeable = False  # shared by the cache
    return (bx0, by0, bx1, by1), pen, emblem


def thick_cores(dist: np.ndarray, h: float, pen_max_width: float) -> np.ndarray:
    """Where ink is thicker across than a pen draws (``pen_max_width`` print heights), over an area
    (``dist``: the ink's distance transform). A bold pen is that thick only at a few pixels where
    its strokes cross or turn; a filled shape is thick along all its length."""
    half = pen_max_width * h / 2
    core = (dist > half).astype(np.uint8)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(core, connectivity=8)
    big = stats[:, cv2.CC_STAT_AREA] >= half * half
    big[0] = False
    return big[lab]


def filled_ink(ink: np.ndarray, h: float, pen_max_width: float) -> np.ndarray:
    """The parts of ``ink`` thicker across than a pen draws (thick_cores): each core grown back to
    the ink around it by the core's own reach, so that a pen stroke running out of a filled shape
    stays outside it."""
    u8 = ink.astype(np.uint8)
    core = thick_cores(cv2.distanceTransform(u8, cv2.DIST_L2, 3), h, pen_max_width)
    if not core.any():
        return np.zeros(ink.shape, bool)
    r = int(pen_max_width * h / 2) + 2
    grown = cv2.dilate(core.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)))
    return grown.astype(bool) & ink


def speck_clouds(u8: np.ndarray, h: float, sc: SignatureCfg, exempt: np.ndarray) -> np.ndarray:
    """The ink of speck clouds (a copier's or a JPEG's noise, a seal's text broken up) in ``u8``.
    A piece of ink that encloses at least ``sc.porous`` pores (holes at most ``sc.pore`` label
    heights across) per label height of its length (counted as at least three) is porous: its
    ink within a pore's width of its pores is the cloud's, and so is what is left of it shorter
    than a long pen line (``sc.anchor_stroke``: a cloud's dense core). A pen stroke is solid ink
    with a loop or two where it crosses itself and stays whole; one that runs into a cloud keeps
    its long lines. A piece mostly in ``exempt`` (a seal's disc) is left as it is."""
    pore = sc.pore * h
    reach = max(1, int(round(pore)))
    grow = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1, 2 * reach + 1))
    out = np.zeros(u8.shape, bool)
    _, lab, stats, length = stroke_pieces(u8)
    big = stats[:, cv2.CC_STAT_AREA] >= sc.min_component * h * h
    big[0] = False  # the background
    for i in np.nonzero(big)[0]:
        x, y, w, hh = (int(v) for v in stats[i][:4])
        own = lab[y:y + hh, x:x + w] == i
        if exempt[y:y + hh, x:x + w][own].mean() >= 0.5:
            continue
        piece = np.pad(own, 1)
        contours, hierarchy = cv2.findContours(piece.astype(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
        pores = [c for c, link in zip(contours, hierarchy[0], strict=True)
                 if link[3] >= 0 and cv2.contourArea(c) <= pore * pore]
        if len(pores) < sc.porous * max(length[i] / h, 3.0):
            continue
        holes = np.zeros(piece.shape, np.uint8)
        cv2.drawContours(holes, pores, -1, 1, cv2.FILLED)
        near = cv2.dilate(holes, grow).astype(bool) & piece
        _, rlab, _, rlength = stroke_pieces((piece & ~near).astype(np.uint8))
        short = rlength < sc.anchor_stroke * h
        short[0] = False
        out[y:y + hh, x:x + w] |= (near | short[rlab])[1:-1, 1:-1]
    return out


def straight_sided(pen: np.ndarray, h: float, share: float) -> np.ndarray:
    """The pieces of ``pen`` drawn of straight lines: a stamp's star or emblem (its edges run
    straight from corner to corner); a hand's strokes bend. A piece is straight-sided when at least
    ``share`` of its outline lies on sides of its outline's polygon a print height long or more."""
    u8 = pen.astype(np.uint8)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(u8, connectivity=8)
    out = np.zeros(pen.shape, bool)
    for i in range(1, n):
        x, y, w, hh = (int(v) for v in stats[i, :4])
        piece = (lab[y:y + hh, x:x + w] == i).astype(np.uint8)
        contours, _ = cv2.findContours(np.pad(piece, 1), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        outline = max(contours, key=len)
        around = cv2.arcLength(outline, True)
        if around < 4 * h:
            continue
        corners = cv2.approxPolyDP(outline, 0.08 * h, True)[:, 0, :].astype(np.float64)
        sides = np.hypot(*(np.roll(corners, -1, axis=0) - corners).T)
        if sides[sides >= h].sum() >= share * around:
            out[y:y + hh, x:x + w] |= lab[y:y + hh, x:x + w] == i
    return out


def long_strokes(u8: np.ndarray, dist: np.ndarray, seal: Seal, h: float, unit: float) -> np.ndarray:
    """Long pen strokes through a dark seal: ink that holds a straight run longer than the seal's
    letters in a direction across the seal's circles.

    A seal is made of rings and ring text (runs along its circles) and letters (runs no longer
    than a letter is tall). A pen stroke runs on, in any direction. Runs of the length of
    1.3 seal letters are looked for in 15 directions; those along the circle at their place
    (tangent within 25°) are the seal's. What is found must spread in two directions (a
    signature is not one straight line), else nothing is returned.
    """
    length = int(1.3 * unit) | 1
    H, W = u8.shape
    ys, xs = np.ogrid[0:H, 0:W]
    # the direction of the circle through each pixel (tangent), in degrees modulo 180
    cy, cx = np.unravel_index(int(np.argmin(dist)), dist.shape)
    tangent = (np.degrees(np.arctan2(ys - cy, xs - cx)) + 90.0) % 180.0
    found = np.zeros(u8.shape, bool)
    c = length // 2
    for a in range(0, 180, 12):
        k = np.zeros((length, length), np.uint8)
        dx, dy = np.cos(np.radians(a)) * c, np.sin(np.radians(a)) * c
        cv2.line(k, (int(round(c - dx)), int(round(c - dy))), (int(round(c + dx)), int(round(c + dy))), 1, 1)
        ry, rx = np.nonzero(cv2.morphologyEx(u8, cv2.MORPH_OPEN, k))
        off = np.abs((a - tangent[ry, rx] + 90.0) % 180.0 - 90.0)  # at the runs' pixels only
        found[ry[off > 25], rx[off > 25]] = True
    if np.count_nonzero(found) < 0.2 * h * h:
        return np.zeros(u8.shape, bool)
    fy, fx = np.nonzero(found)
    (_, _), (rw, rh), _ = cv2.minAreaRect(np.column_stack([fx, fy]).astype(np.float32))
    if min(rw, rh) < 0.5 * h:  # one straight line (a rule, a bar of the seal's design)
        return np.zeros(u8.shape, bool)
    # the runs are the straight parts of the strokes: grow them a little along the ink to
    # take in the bends between them (not so far as to take in the seal they cross)
    grown = found.astype(np.uint8)
    step = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))
    for _ in range(max(2, int(0.4 * unit))):
        grown = cv2.dilate(grown, step) & u8
    return grown.astype(bool)


def _ink_points(lab: np.ndarray, origin: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The labelled pixels of ``lab`` (a zone's frame at ``origin``): their labels, page x and y."""
    ys, xs = np.nonzero(lab)
    return lab[ys, xs], xs + origin[0], ys + origin[1]


def _span(labels: np.ndarray, values: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The least and greatest of ``values`` per component label (0..n-1)."""
    lo, hi = np.full(n, np.inf), np.full(n, -np.inf)
    np.minimum.at(lo, labels, values)
    np.maximum.at(hi, labels, values)
    return lo, hi


def ring_arcs(lab: np.ndarray, n: int, seals: Sequence[Seal], origin: tuple[int, int]) -> np.ndarray:
    """Which components are pieces of a seal's rings: all their ink at one distance from the
    seal's centre (a pen stroke does not follow a circle)."""
    out = np.zeros(n, bool)
    if n <= 1 or not seals:
        return out
    labels, xs, ys = _ink_points(lab, origin)
    for s in seals:
        lo, hi = _span(labels, np.hypot(xs - s.x, ys - s.y), n)
        out |= (hi - lo <= max(6.0, 0.06 * s.r)) & (lo >= 0.3 * s.r) & (hi <= 1.12 * s.r)
    out[0] = False
    return out


def ring_text(lab: np.ndarray, n: int, seals: Sequence[Seal], origin: tuple[int, int], h: float) -> np.ndarray:
    """Which components are a stamp's ring text, its glyphs run together into one curve: wholly
    within the seal's disc outside half its radius, running along the circle for two print heights
    or more, and no wider across it than a line of print (a pen's signature rises and falls)."""
    out = np.zeros(n, bool)
    if n <= 1 or not seals:
        return out
    labels, gx, gy = _ink_points(lab, origin)
    count = np.bincount(labels, minlength=n)
    for s in seals:
        d = np.hypot(gx - s.x, gy - s.y)
        within = (d >= 0.5 * s.r) & (d <= 1.03 * s.r)
        share = np.bincount(labels[within], minlength=n) / np.maximum(count, 1)
        lo_d, hi_d = _span(labels, d, n)
        # the extent along the circle: angles about each component's own mean direction (no seam)
        angle = np.arctan2(gy - s.y, gx - s.x)
        mean = np.arctan2(np.bincount(labels, np.sin(angle), n), np.bincount(labels, np.cos(angle), n))
        lo, hi = _span(labels, (angle - mean[labels] + np.pi) % (2 * np.pi) - np.pi, n)
        out |= (share >= 0.97) & ((hi - lo) * s.r * 0.8 >= 2 * h) & (hi_d - lo_d <= 1.3 * h)
    out[0] = False
    return out


def seal_arc(lab: np.ndarray, i: int, stat: np.ndarray, h: float, radius: tuple[float, float]) -> bool:
    """Is component i a piece of a circle of a seal's size (a ring of a seal that was not found,
    or not found whole)? Its ink lies on one circle of a seal's radius (`radius`, pixels: the
    range [seal] searches); a pen's loops are smaller, and its strokes are not circles."""
    x, y, w, ht = (int(v) for v in stat[:4])
    if max(w, ht) < 1.5 * h:
        return False
    ys, xs = np.nonzero(lab[y:y + ht, x:x + w] == i)
    if xs.size < 20:
        return False
    xs, ys = xs.astype(np.float64), ys.astype(np.float64)
    a = np.column_stack([xs, ys, np.ones_like(xs)])
    sol, *_ = np.linalg.lstsq(a, -(xs * xs + ys * ys), rcond=None)
    cx, cy = -sol[0] / 2, -sol[1] / 2
    r2 = cx * cx + cy * cy - sol[2]
    if r2 <= 0:
        return False
    r = float(np.sqrt(r2))
    rms = float(np.sqrt(np.mean((np.hypot(xs - cx, ys - cy) - r) ** 2)))
    return radius[0] <= r <= radius[1] and rms <= max(2.5, 0.06 * h)


# a word box this many print heights tall holds more than a line of print (strokes, a stamp's text)
TALLER_THAN_PRINT = 1.25
# OCR confidence (0..100) of a word that is surely print; under JUNK_CONF, what OCR read is junk
# (strokes, a stamp's ring); in between, print only as a word of four letters or more
PRINT_CONF = 60
JUNK_CONF = 35


def soft_edge(h: float) -> int:
    """The margin round a printed glyph's box for its soft edges (blur, JPEG), at print height h."""
    return max(2, int(0.12 * h))


def print_boxes(words: Sequence[Word], box: tuple[int, int, int, int], h: float) -> np.ndarray:
    """Where the zone holds words that OCR read as print (a mask in the zone's frame).

    Handwriting comes out as tall, low-confidence junk, or not at all; print of this size,
    read with confidence, is printed. The boxes get a margin for the glyphs' soft edges.
    """
    x0, y0, x1, y1 = box
    out = np.zeros((y1 - y0, x1 - x0), bool)
    m = soft_edge(h)
    here = [w for w in words if w.x1 > x0 and w.x0 < x1 and w.y1 > y0 and w.y0 < y1]
    for w in here:
        text = w.text.strip("_-—=~.,:;|()[]{}«»\"'")
        if not text and w.text.strip() not in ("/", "\\", "|"):
            continue
        letters = sum(ch.isalnum() for ch in text)
        # taller than print of this size: may be a stroke read as junk, unless read with certainty
        if w.h > TALLER_THAN_PRINT * h and not (w.conf >= 90 and letters >= 3):
            continue
        if not (w.conf >= PRINT_CONF or (w.conf >= JUNK_CONF and letters >= 4)):  # junk read from strokes stays
            continue
        if w.conf < PRINT_CONF and _read_as_junk_too(w, here):
            continue
        if w.w > 0.85 * h * len(w.text) + 0.5 * h:  # a word box that swallowed pen strokes: keep its ink
            continue
        ax0, ay0, ax1, ay1 = w.x0 - x0 - m, w.y0 - y0 - m, w.x1 - x0 + m, w.y1 - y0 + m
        if ax1 <= 0 or ay1 <= 0 or ax0 >= out.shape[1] or ay0 >= out.shape[0]:
            continue
        out[max(0, ay0):max(0, ay1), max(0, ax0):max(0, ax1)] = True
    return out


def _read_as_junk_too(w: Word, words: Sequence[Word]) -> bool:
    """Whether another reading of the page (the sparse re-read, or the page's OCR: another part
    of the word's line key) read junk at the place of ``w``, a word read with little confidence:
    print reads alike twice, a handwriting font does not (docgen 750024: the manager's «Lapt»
    read «Форб» at 41 % by one, «Флрб» at 0 % by the other)."""
    area = max(1, w.w * w.h)
    for o in words:
        if o is w or o.line[0] == w.line[0] or o.conf >= JUNK_CONF:
            continue
        ix = min(w.x1, o.x1) - max(w.x0, o.x0)
        iy = min(w.y1, o.y1) - max(w.y0, o.y0)
        if ix > 0 and iy > 0 and ix * iy >= 0.5 * area:
            return True
    return False


def _print_band(label: Label, line: tuple[int, int, int, int], h: float) -> tuple[int, int] | None:
    """The top and bottom of a label's printed line: the median of its words of normal height on it
    (a word whose box took in a stamp's text or ring is taller), with a margin for soft edges."""
    mates = [o for o in label.words if o.line == line and o.h <= TALLER_THAN_PRINT * h]
    if not mates:
        return None
    m = soft_edge(h)
    return int(np.median([o.y0 for o in mates])) - m, int(np.median([o.y1 for o in mates])) + m


def swollen_print(label: Label, h: float) -> list[tuple[int, int, int, int]]:
    """The printed line of each label word whose box is taller than print (a stamp's text or ring
    read into it), as (y0, y1, x0, x1): the word's x-extent at the height of the label's words of
    normal height on the same line, with a margin for soft edges."""
    out = []
    m = soft_edge(h)
    for w in label.words:
        band = _print_band(label, w.line, h) if w.h > TALLER_THAN_PRINT * h else None
        if band is not None:
            out.append((*band, w.x0 - m, w.x1 + m))
    return out


def label_print(label: Label, h: float, tail: float) -> list[tuple[int, int, int, int]]:
    """The printed lines of the label, as (y0, y1, x0, x1): each line's band at the height of its
    words of normal height, from its first word to ``tail`` print heights past its last (OCR reads
    a word in pieces or stops short of its end: «Рук» «одитель», «серти»; the glyphs it did not
    read are print all the same)."""
    out = []
    m = soft_edge(h)
    for line in sorted({w.line for w in label.words}):
        band = _print_band(label, line, h)
        if band is not None:
            on_line = [o for o in label.words if o.line == line]
            out.append((*band, min(o.x0 for o in on_line) - m, int(max(o.x1 for o in on_line) + tail * h)))
    return out


def _dbg(kind: str, stage: str, mask: np.ndarray) -> None:
    """With SCAN_DEBUG_DIR set, each stage of a zone's ink is written there (a development aid)."""
    if os.environ.get("SCAN_DEBUG_DIR"):
        cv2.imwrite(str(Path(os.environ["SCAN_DEBUG_DIR"]) / f"zone-{kind}-{stage}.png"), 255 - mask.astype(np.uint8) * 255)


def check_zone(p: Prepared, kind: str, label: Label | None, others: Sequence[Label], words: Sequence[Word],
               captions: Sequence[Word], seals: Sequence[Seal], cfg: ScanConfig,
               deciphers: Sequence[Word] = (), page_text_height: float = 0.0,
               seal_ink: SealInk | None = None, see: tuple[int, int, int, int] | None = None,
               border: int | None = None, cut: Sequence[tuple[int, int, int, int]] = (), gap: int | None = None,
               lifted_doubt: bool = True) -> Zone:
    """The signature zone of ``label``'s row and the pen ink in it. ``see``: a neighbouring box whose
    ink is read with the zone's, so that strokes crossing between the two are seen whole and count
    for the side that holds most of them; ``border``: the page row of a table border between the
    two, which groups of strokes bridge only where a stroke runs across it; ``gap``: the page row of
    a white gap that parts the two rows' strokes (the same, with no border); ``cut``: bands of print
    cut out of the ink, as (y0, y1, x0, x1) on the page (swollen_print, label_print): this reading
    can only take a signature away, a pen's strokes through the band go too;
    ``lifted_doubt``: ink lifted as a seal's that reads as a signature makes the zone a doubt (not
    for a whole row's band, where a grey stamp's text would make every row under it one)."""
    if label is None:
        return Zone(kind, None, False, reason="строка подписи не найдена")
    H, W = p.grey.shape
    good = [w for w in words if w.conf >= 30]
    right_edge = max((w.x1 for w in good), default=W)
    # the unit of size: the label's print height, kept near the page's print height (a label read
    # with seal marks in its box is taller, one read in part shorter)
    h = label.unit(page_text_height)
    box, caption = zone_box(label, others, captions, W, right_edge, cfg, deciphers, h)
    x0, y0, x1, y1 = box
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(W, x1), min(H, y1)
    if x1 - x0 < 10 or y1 - y0 < 10:
        return Zone(kind, None, False, reason="зона подписи пуста")
    located = caption is not None
    if caption is None:  # no «(подпись)» to centre on: the signature goes on the rule, not beside it
        span = rule_span(p.grey[y0:y1, x0:x1], label.box[1] - y0, label.box[3] - y0, h, cfg.signature.ink_contrast)
        located = span is not None
        if span is not None:
            x0, x1 = max(x0, x0 + span[0] - int(0.5 * h)), min(x1, x0 + span[1] + int(0.5 * h))
            box = (x0, box[1], x1, box[3])
    sc = cfg.signature
    # the ink is read a little beyond the zone: a stroke that its edge (or a table's border) cuts
    # is measured whole; a group of strokes belongs to the zone that holds most of its ink
    zone = (x0, y0, x1, y1)
    reach = int(sc.follow_margin * h)
    x0, y0, x1, y1 = x0 - reach, y0 - reach, x1 + reach, y1 + reach
    if see is not None:
        x0, y0, x1, y1 = min(x0, see[0]), min(y0, see[1]), max(x1, see[2]), max(y1, see[3])
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(W, x1), min(H, y1)
    grey = p.grey[y0:y1, x0:x1]
    # the faint re-look (a copy with its contrast raised) can only make a doubt: there the zone's
    # paper is one level, and a shadow errs toward a doubt (officegen 600037: a light pen by a
    # shadow, its strokes read apart from their rule's zone once the shadow was no ink)
    depth = sc.shadow_depth if p.raised[1] == 1.0 else math.inf
    ink = dark_ink(grey, sc.ink_contrast, int(sc.paper_reach * h), depth)
    all_ink = ink.copy()  # rules are found in this: a seal's removal, by colour too, cuts them
    accepted = sorted((s for s in seals if s.accepted), key=lambda s: -s.r)

    @functools.cache
    def stamp_rings() -> np.ndarray:
        """The found stamps' rings in this frame (seal_rings), measured once for the colour
        separation and the lifted re-read alike."""
        rings = np.zeros(ink.shape, bool)
        for s in accepted:
            rings |= seal_rings(p.grey, s, (x0, y0, x1, y1), cfg)
        return rings

    yy, xx = np.ogrid[y0:y1, x0:x1]
    near_seals = np.zeros(ink.shape, bool)  # the discs of the circles the seal search saw
    for s in seals:
        near_seals |= (xx - s.x) ** 2 + (yy - s.y) ** 2 <= (cfg.seal.disc_margin * s.r) ** 2
    pen_colour = np.zeros(ink.shape, bool)
    emblem = np.zeros(ink.shape, bool)  # a seal's emblem: no signature, but ink in the zone
    # ink taken for a seal's by its level or colour alone, where a pen may look the same: a grey
    # pen on a grey stamp's disc, a light pen of a stamp's hue
    lifted = np.zeros(ink.shape, bool)
    pen_hued = np.zeros(ink.shape, bool)
    if p.colour is not None:  # seal-coloured ink as light as the seal's is not a pen stroke …
        values = [s.ink_value for s in accepted if s.ink_value < 255]
        zone_bgr = p.colour[y0:y1, x0:x1]
        hsv = cv2.cvtColor(zone_bgr, cv2.COLOR_BGR2HSV)
        hued = seal_hue(hsv, cfg.seal)
        pen_hued = hued & ~near_seals
        if values:  # as light as the seal's measured ink, by its brightest channel
            hue_ink = hued & (hsv[..., 2] >= max(120.0, float(np.median(values)) - 25))
            # but clearly darker in grey than the seal's, off its rings, is a pen of the stamp's very
            # dye, denser (the grey rule of the seal's disc below keeps it, as on a grey page); on its
            # rings it is where the stamp was pressed hardest
            level = min(s.ink_level for s in accepted if s.ink_value < 255)
            dye_pen = hue_ink & (grey.astype(np.int16) < level - sc.darker_than_seal)
            if dye_pen.any():
                hue_ink &= ~(dye_pen & ~stamp_rings())
        else:
            # no coloured seal measured: a stamp the search missed is pale. By the brightest channel
            # a blue pen is as light as a stamp (its blue channel is high); by its grey it is not.
            # (On a copy with its contrast raised, the grey level as that copy shows it.)
            hue_ink = hued & (grey >= p.level(sc.pale_seal_grey))
        if seal_ink is not None:
            # … unless its colour is not the seal's: a blue pen lighter than the stamp. Such ink
            # stays, whatever the grey-level rules below say about the seal's disc. (The colour
            # distance only where it can matter: seal-hued ink.)
            pen_colour = ink & hued
            dist = np.linalg.norm(chroma_of(zone_bgr[pen_colour]) - np.array(seal_ink.chroma, np.float32), axis=-1)
            pen_colour[pen_colour] = dist > seal_ink.tol
            hue_ink &= ~pen_colour
        if accepted:
            # the seal was found: its ink lies on its disc (and on the discs of the other circles
            # the search saw). Seal-coloured ink elsewhere is a pen of the seal's colour.
            hue_ink &= near_seals
            # a seal's filled emblem (a cross, a star in solid colour) is thicker than a pen draws:
            # what is left of it once its lighter ink is gone (its darker core, JPEG's specks) is
            # no signature either, but it keeps the zone from being called empty
            emblem |= filled_ink((ink | hue_ink) & hued & near_seals, h, sc.pen_max_width)
        # taken for the stamp's by colour and lightness alone: the stamp's ink, or a light pen of its
        # colour (officegen 760051: a light blue pen beside a violet stamp); with no stamp found,
        # the missed stamp's ink or a pale pen's
        lifted |= ink & hue_ink & ~emblem
        ink &= ~(hue_ink | emblem)
    _dbg(kind, "1-ink", ink)
    # rules, underscores, table borders: found while they are whole (a seal's removal cuts them)
    lines = rules_mask(all_ink.astype(np.uint8), int(sc.rule_length * h), int(sc.border_length * h))
    if label.rule is not None and label.rule.side != "over":
        lines |= slanted_rule(all_ink, label.rule.y - y0, h, int(sc.rule_length * h))
    # every other rule in the window that rules_mask missed: a row placed by its caption does not
    # know its rule, and a phone's perspective tilts it past rules_mask (docgen 690075: an empty
    # line's rule, 1.4° off the page's axis, read as one long pen stroke). Not a rule rules_mask took
    # whole (a table's border): slanted_rule's thickened band would take the strokes of a signature
    # crossing it too, and part its halves (docgen 640058)
    for r in find_rules(grey, h, sc, p.dpi):
        band = lines[max(0, r.y - int(h / 3)):r.y + int(h / 3) + 1, r.x0:r.x1]
        if band.size and band.any(axis=0).mean() < sc.rule_taken:
            lines |= slanted_rule(all_ink, r.y, h, int(sc.rule_length * h))
    # the seal's disc: in grey keep only strokes darker than the seal's ink; where the seal is as
    # dark as the pen (BW, dark grey) keep only pen-shaped strokes (pen_in_disc)
    grey_f = grey.astype(np.float32)

    def disc_of(s: Seal) -> np.ndarray:
        return (xx - s.x) ** 2 + (yy - s.y) ** 2 <= (s.r * cfg.seal.disc_radius) ** 2

    dark_disc = np.zeros(ink.shape, bool)
    light_seals: list[Seal] = []  # seals lighter than a pen (their ink lifted by its level), outermost rings
    # colour has separated most of the seal's ink already; its thin lines, blurred and paled by
    # a low resolution or JPEG, lose their hue, and a black seal has none: the disc is judged
    # like a grey one's
    groups: list[list[Seal]] = []  # concentric rings of one seal, outermost first
    for s in accepted:
        for g in groups:
            if math.hypot(s.x - g[0].x, s.y - g[0].y) < 0.3 * g[0].r:
                g.append(s)
                break
        else:
            groups.append([s])
    for g in groups:
        o = g[0]
        disc = disc_of(o)
        if not disc.any():
            continue
        if p.bw or any(s.ink_level < cfg.seal.dark_ink_level for s in g):
            # the seal is as dark as a pen: inside its disc only pen-shaped strokes count; its
            # straight-sided emblem is no signature, but it keeps the zone from being called empty
            # (a signature of straight strokes looks the same)
            pen, straight = pen_in_disc(p.grey, o, h, (x0, y0, x1, y1), cfg)
            ink = (ink & ~disc) | (disc & pen)
            emblem |= disc & straight
            dark_disc |= disc
            continue
        for s in g:  # keep only strokes darker than the seal's ink
            d = disc if s is o else disc_of(s)
            as_light = ink & d & (grey_f > s.ink_level - sc.darker_than_seal)
            ink &= ~as_light
            if p.colour is None:
                lifted |= as_light
        light_seals.append(o)
    ink |= pen_colour & ~emblem
    _dbg(kind, "2-seal", ink)
    u8 = ink.astype(np.uint8) & (1 - lines)
    for wy0, wy1, wx0, wx1 in cut:
        u8[max(0, wy0 - y0):max(0, wy1 - y0), max(0, wx0 - x0):max(0, wx1 - x0)] = 0
    # a speck cloud (a copier's noise along an empty line) is not a pen's stroke: the zone is read
    # without it (on a seal's disc, where the seal's removal itself leaves a pen's strokes hollow
    # and porous, nothing is taken)
    speckled = speck_clouds(u8, h, sc, near_seals)
    in_zone = np.zeros(u8.shape, bool)
    in_zone[zone[1] - y0:zone[3] - y0, zone[0] - x0:zone[2] - x0] = True
    # printed words that OCR read: their glyphs lie within the word's box. A pen stroke through
    # a word (or read as one) runs out of the box, and stays.
    printed = print_boxes(words, (x0, y0, x1, y1), h)
    # the row's «(подпись)» caption or «Подпись» header, the page's captions and the label itself
    # are print however well read (a seal's ring touching a label lowers its confidence, not its being print)
    known = [replace(w, conf=100.0) for w in
             [*((caption,) if caption is not None else ()), *label.words, *captions, *deciphers]]
    printed |= print_boxes(known, (x0, y0, x1, y1), h)
    px_mm = p.dpi / 25.4
    seal_radius = (cfg.seal.min_radius_mm * px_mm, cfg.seal.max_radius_mm * px_mm)

    near_lines = cv2.dilate(lines, np.ones((5, 5), np.uint8)) > 0  # (the same for every reading)

    def read_zone(u8: np.ndarray) -> Zone:
        _dbg(kind, "3-lines", u8)
        dist = cv2.distanceTransform(u8, cv2.DIST_L2, 3)
        n, lab, stats, length = stroke_pieces(u8, dist)
        inside = np.bincount(lab[printed], minlength=n)
        arcs = ring_arcs(lab, n, accepted, (x0, y0))
        area = stats[:, cv2.CC_STAT_AREA]
        cand = (area >= sc.min_component * h * h) & (inside < sc.print_share * area) & ~arcs
        cand[0] = False
        # ink thicker than a pen draws (a seal's filled emblem, a stamp's block) is not a signature;
        # it only keeps the zone from being called empty (a felt-tip signature is a person's call)
        thick = np.zeros(n, bool)
        thick[lab[thick_cores(dist, h, sc.pen_max_width)]] = True
        filled = cand & thick
        # a stamp's ring text, its glyphs run together into one long curve, is no signature either
        # (a pen that stayed in the ring text's band all along: a doubt)
        filled |= cand & ring_text(lab, n, accepted, (x0, y0), h)
        cand &= ~filled
        # a character-sized piece alone is print that OCR missed, or a speck; beside a pen stroke it is
        # a letter of the signature (a small cursive hand, or a stroke cut by a rule's removal)
        small = (stats[:, cv2.CC_STAT_HEIGHT] < sc.glyph_height * h) & (stats[:, cv2.CC_STAT_WIDTH] < sc.glyph_width * h)
        stroke = cand & ~small
        for i in np.nonzero(stroke)[0]:
            if seal_arc(lab, int(i), stats[i], h, seal_radius):
                stroke[i] = cand[i] = False
        if pen_hued.any():
            # … unless it is in a pen's colour, away from every stamp: print is black (a small
            # signature on its line, cut into letters by the line's removal: officegen 760041)
            hued_pixels = np.bincount(lab[pen_hued], minlength=n)
            stroke |= cand & small & (hued_pixels >= cfg.review.coloured_pen * area)
        apart = border_apart(u8, lines, border - y0, h) if border is not None else (
            gap_apart(u8, gap - y0) if gap is not None else None)
        gn, glab = groups_of(cand[lab], h, sc, apart)
        comp_group = np.zeros(n, np.int64)
        comp_group[lab[cand[lab]]] = glab[cand[lab]]
        # only a long pen line adopts them: not a bracket, a rule's remnant or a piece of a seal's text
        anchored = np.zeros(gn, bool)
        anchored[comp_group[stroke & (length >= sc.anchor_stroke * h)]] = True
        anchored[0] = False
        sel = (stroke | (cand & anchored[comp_group]))[lab]
        # a group is the zone's when most of its ink lies in it; a group mostly outside (a neighbour's
        # signature reaching in, or this one written mostly outside the zone) is not counted, but
        # its part in the zone keeps the zone from being called empty
        ink_all = np.bincount(glab[sel], minlength=gn)
        ink_in = np.bincount(glab[sel & in_zone], minlength=gn)
        own = (ink_in > 0) & (ink_in >= sc.zone_share * np.maximum(ink_all, 1))
        foreign = sel & ~own[glab] & in_zone
        foreign |= (filled[lab] | emblem) & in_zone
        # character-sized pieces on the row's line that no long stroke adopts: a small signature
        # that the line's removal cut into letters (or print OCR missed there). Not a signature;
        # not «empty» either
        on_line = np.zeros(n, bool)
        on_line[lab[near_lines & (lab > 0)]] = True
        foreign |= (cand & on_line)[lab] & ~sel & in_zone
        loose = ink_ratio(*best_group(foreign, h, sc, apart), h, sc) if foreign.any() else 0.0
        sel &= own[glab]
        if not sel.any():
            return Zone(kind, box, False, unit=h, reason="нет рукописных штрихов", located=located, loose=loose)
        sel = sel.astype(np.uint8)
        pix, iw, ih = best_group(sel, h, sc, apart)
        ratio = ink_ratio(pix, iw, ih, h, sc)
        rule = label.rule
        if rule is not None and rule.side != "over" and int(np.nonzero(sel.any(axis=1))[0][0]) + y0 > rule.y - sc.above_rule * h:
            # a pen on its line reaches above it; ink wholly under the rule is the caption row's print
            # that OCR did not read («(подпись)» half under a seal), or a stroke of the next row
            return Zone(kind, box, False, pix, iw, ih, h, "штрихи только под линией подписи", 0.0,
                        longest_stroke(sel, h), False, located, max(loose, ratio))
        shape_only = False
        if dark_disc.any() and np.any(sel.astype(bool) & dark_disc):
            # ink read off a dark seal's disc by shape alone is weaker evidence: either the strokes
            # outside the disc make a signature by themselves, or all of them make a clearly bigger one
            outside = best_group(sel & ~dark_disc, h, sc, apart)
            ratio_out = ink_ratio(*outside, h, sc)
            if ratio_out >= ratio / sc.dark_seal_factor:
                (pix, iw, ih), ratio = outside, ratio_out
            else:
                ratio, shape_only = ratio / sc.dark_seal_factor, True
        signed = ratio >= 1.0
        _dbg(kind, "4-kept", sel)
        ys, xs = np.nonzero(sel)
        ink_box = (int(xs.min()) + x0, int(ys.min()) + y0, int(xs.max()) + x0 + 1, int(ys.max()) + y0 + 1)
        return Zone(kind, box, signed, pix, iw, ih, h, "" if signed else "штрихов слишком мало", ratio,
                    longest_stroke(sel, h), shape_only, located, loose, ink_box,
                    hued=float((sel.astype(bool) & pen_hued).sum() / max(1, int(sel.sum()))))

    found = read_zone(u8 & ~speckled)
    if not found.signed and (speckled & in_zone).any():
        # a speck cloud and a pale pen's dotted strokes look alike: read with the cloud as well, the
        # zone is a doubt wherever that reading is not empty, never «not signed» for want of it
        whole = read_zone(u8)
        found = replace(found, loose=max(found.loose, whole.ratio, whole.loose))
    if lifted_doubt and not found.signed and lifted.any():
        lifted &= ~stamp_rings()  # the stamp's rings are the stamp's
    if lifted_doubt and not found.signed and (lifted & in_zone).any():
        # a pen that looks like a stamp's ink is lifted with it: read with that ink as well (a
        # stamp's letters, glyph-sized, stay out unless a long stroke joins them, its arcs as arcs),
        # the zone is a doubt wherever that reading is not empty, never «not signed» for want of it
        # (docgen 680016: a light pen under a light grey stamp, lifted with it, read 0.52)
        whole = read_zone(u8 | (lifted.astype(np.uint8) & (1 - lines) & ~speckled))
        found = replace(found, loose=max(found.loose, whole.ratio), lifted=whole.ratio)
        # a pen as light as the stamp is told from it by shape alone (pen_in_disc: no ring, no ring
        # text, no row of glyphs, no straight-sided emblem), as on a seal as dark as the pen: surely
        # a signature, or nothing more than that
        light_pen = np.zeros(ink.shape, bool)
        for o in light_seals:
            pen, straight = pen_in_disc(p.grey, o, h, (x0, y0, x1, y1), cfg)
            light_pen |= disc_of(o) & pen & ~straight
        if (lifted & light_pen & in_zone).any():
            shaped = read_zone(u8 | ((lifted & light_pen).astype(np.uint8) & (1 - lines) & ~speckled))
            if shaped.ratio >= cfg.review.sure_signature:
                found = replace(shaped, shape_only=True, loose=found.loose, lifted=whole.ratio)
    return found
