"""Is a handwritten signature in a signature line's zone?

The zone is placed from the label's word boxes (and the «(подпись)» caption under the line,
when found). Inside it, ink that is explained by something else is removed: printed words that
Tesseract read, rules and underscores, table borders, and the seal's ink (by colour where
there is colour; in grey only strokes darker than the seal's ink count inside its disc; where
the seal is as dark as the pen, only strokes shaped like pen strokes, and then more of them).
Without a caption the zone ends with the signature rule. What is left must be large,
connected, handwriting-sized ink. No zone means "not signed", never "signed".
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from bot.scan.config import ScanConfig
from bot.scan.form import Label
from bot.scan.ocr import Word
from bot.scan.page import Prepared, seal_colour_mask
from bot.scan.seal import Seal


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


def zone_box(label: Label, others: Sequence[Label], captions: Sequence[Word], page_w: int,
             right_edge: int, cfg: ScanConfig,
             deciphers: Sequence[Word] = ()) -> tuple[tuple[int, int, int, int], Word | None]:
    x0, y0, x1, y1 = label.box
    h = label.height
    sc = cfg.signature
    caption = None
    below = [c for c in captions if y0 - 0.3 * h <= c.y0 <= y1 + 4.5 * h and c.x0 > x0 - h]
    # a caption belongs to this line unless another label sits between them
    below = [c for c in below if not any(o.box[1] > y1 and o.box[1] < c.y0 for o in others)]
    if below:
        caption = min(below, key=lambda c: (c.y0, abs(c.cx - x1)))
    if caption is not None:
        half = max(1.5 * caption.w, 5.0 * h)
        zx0, zx1 = int(caption.cx - half), int(caption.cx + half)
        zy1 = caption.y1 + int(0.1 * caption.h)
    else:  # the line may run on to the right of the label or on the next line under it
        zx0, zx1 = int(x0), int(right_edge)
        zy1 = int(y1 + sc.zone_down * h)
    zy0 = int(y0 - sc.zone_up * h)
    # do not reach into another label's line or its caption
    for o in others:
        ox0, oy0, ox1, oy1 = o.box
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
        if row_top <= d.cy <= row_bottom and d.x0 > zx0 + 3 * h:
            zx1 = min(zx1, d.x0 - int(0.2 * h))
    zx0 = max(0, zx0)
    zx1 = min(page_w, max(zx1, zx0 + 1))
    return (zx0, zy0, zx1, max(zy1, zy0 + 1)), caption


def best_group(sel: np.ndarray, h: float) -> tuple[int, int, int]:
    """Strokes of one signature lie close together: group them; the biggest group's ink
    pixels, width and height."""
    rx, ry = max(3, int(2.0 * h)), max(3, int(0.6 * h))
    sel = sel.astype(np.uint8)
    grouped = cv2.dilate(sel, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * rx + 1, 2 * ry + 1)))
    gn, glab, gstats, _ = cv2.connectedComponentsWithStats(grouped, connectivity=8)
    best = (0, 0, 0)
    for g in range(1, gn):
        pix = int(np.count_nonzero(sel[glab == g]))
        gw = int(gstats[g, cv2.CC_STAT_WIDTH]) - 2 * rx
        gh = int(gstats[g, cv2.CC_STAT_HEIGHT]) - 2 * ry
        if pix > best[0]:
            best = (pix, gw, gh)
    return best


def rule_span(grey: np.ndarray, ly0: int, ly1: int, h: float) -> tuple[int, int] | None:
    """The x-extent of the signature rule (a drawn line or a row of underscores) in a zone.

    Only rules on the label's row or just under it count: the longest straight one, with
    pieces of it on the same row across small gaps. None when there is no rule at least four
    letter heights long.
    """
    paper = float(np.percentile(grey, 90))
    u8 = (grey.astype(np.int16) < paper - 60).astype(np.uint8)
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


def pen_in_disc(grey: np.ndarray, seal: Seal, h: float,
                box: tuple[int, int, int, int]) -> np.ndarray:
    """Pen strokes inside a dark seal's disc, by stroke geometry (for the zone ``box``).

    A seal as dark as the pen cannot be told from it by ink. Its parts have a shape, though:
    rings are circles (ink at one radius all round), ring text is glyphs on a narrow band
    of radii, the centre text is short straight rows of glyphs. Rings and rules are removed;
    what remains is kept only where a component is longer than a glyph, spans a band of
    radii wider than a line of seal text, and is either wide in every direction or one
    running stroke (ink per length of a single pen line, not of a row of letters):
    cursive strokes, loops, a flourish.
    """
    x0, y0, x1, y1 = box
    H, W = grey.shape
    R = seal.r * 1.08
    bx0, by0 = max(0, int(seal.x - R) - 2), max(0, int(seal.y - R) - 2)
    bx1, by1 = min(W, int(seal.x + R) + 3), min(H, int(seal.y + R) + 3)
    out = np.zeros((y1 - y0, x1 - x0), bool)
    if bx1 <= bx0 or by1 <= by0:
        return out
    g = grey[by0:by1, bx0:bx1]
    paper = float(np.percentile(g, 95))
    ink = g.astype(np.int16) < paper - 60
    yy, xx = np.mgrid[by0:by1, bx0:bx1]
    dist = np.hypot(xx - seal.x, yy - seal.y)
    inside = dist <= R
    ink &= inside
    # rings: radii carrying ink over most of the circumference
    rad = np.round(dist).astype(np.int32)
    ang = ((np.arctan2(yy - seal.y, xx - seal.x) + np.pi) * (180 / np.pi)).astype(np.int32) % 360
    nr = int(R) + 2
    hit = np.zeros((nr, 360), bool)
    sel = ink & (rad < nr)
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
    ring = grown
    ink &= ~(ring[np.minimum(rad, nr - 1)] & inside)
    # rules (the signature line itself) join seal glyphs into long shapes: take them out first
    u8 = ink.astype(np.uint8)
    lh = cv2.morphologyEx(u8, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(15, int(3 * h)), 1)))
    u8 &= 1 - cv2.dilate(lh, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    # seal text is sized by the seal, not by the form's print
    unit = max(h, 0.15 * seal.r)
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
        if min(rw, rh) < 1.4 * unit and not single:  # a straight row of glyphs
            continue
        keep[i] = True
    pen = keep[lab]
    # into the zone's frame
    ix0, iy0, ix1, iy1 = max(x0, bx0), max(y0, by0), min(x1, bx1), min(y1, by1)
    if ix1 > ix0 and iy1 > iy0:
        out[iy0 - y0:iy1 - y0, ix0 - x0:ix1 - x0] = pen[iy0 - by0:iy1 - by0, ix0 - bx0:ix1 - bx0]
    return out


def check_zone(p: Prepared, kind: str, label: Label | None, others: Sequence[Label], words: Sequence[Word],
               captions: Sequence[Word], seals: Sequence[Seal], cfg: ScanConfig,
               deciphers: Sequence[Word] = ()) -> Zone:
    if label is None:
        return Zone(kind, None, False, reason="строка подписи не найдена")
    H, W = p.grey.shape
    good = [w for w in words if w.conf >= 30]
    right_edge = max((w.x1 for w in good), default=W)
    box, caption = zone_box(label, others, captions, W, right_edge, cfg, deciphers)
    x0, y0, x1, y1 = box
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(W, x1), min(H, y1)
    if x1 - x0 < 10 or y1 - y0 < 10:
        return Zone(kind, None, False, reason="зона подписи пуста")
    # the unit of size: the label's text height, but never below the page's typical word height
    # (a label read in part, say «ец сертификата», must not make printed letters look like strokes)
    body = sorted(w.h for w in words if w.conf >= 80 and len(w.text) >= 4 and w.text.isalpha())
    h = max(label.height, float(body[len(body) // 2]) if body else 0.0)
    if caption is None:  # no «(подпись)» to centre on: the signature goes on the rule, not beside it
        span = rule_span(p.grey[y0:y1, x0:x1], label.box[1] - y0, label.box[3] - y0, h)
        if span is not None:
            x0, x1 = max(x0, x0 + span[0] - int(0.5 * h)), min(x1, x0 + span[1] + int(0.5 * h))
            box = (x0, box[1], x1, box[3])
    grey = p.grey[y0:y1, x0:x1]
    paper = float(np.percentile(grey, 90))
    ink = (grey.astype(np.int16) < paper - 60)
    if p.colour is not None:  # seal-coloured ink as light as the seal's is not a pen stroke
        values = [s.ink_value for s in seals if s.accepted and s.ink_value < 255]
        min_value = max(120.0, float(np.median(values)) - 25) if values else 200.0
        ink &= ~seal_colour_mask(p.colour[y0:y1, x0:x1], cfg.seal, min_value=min_value)
    # the seal's disc: in grey keep only strokes darker than the seal's ink; where the seal is as
    # dark as the pen (BW, dark grey) keep only pen-shaped strokes (pen_in_disc)
    yy, xx = np.mgrid[y0:y1, x0:x1]
    dark_disc = np.zeros(ink.shape, bool)
    if p.colour is None:  # colour already separated the seal's ink
        accepted = sorted((s for s in seals if s.accepted), key=lambda s: -s.r)
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
            disc = (xx - o.x) ** 2 + (yy - o.y) ** 2 <= (o.r * 1.08) ** 2
            if not disc.any():
                continue
            if p.bw or any(s.ink_level < 110 for s in g):
                # the seal is as dark as a pen: inside its disc only pen-shaped strokes count
                ink = (ink & ~disc) | (disc & pen_in_disc(p.grey, o, h, (x0, y0, x1, y1)))
                dark_disc |= disc
                continue
            for s in g:  # in grey keep only strokes darker than the seal's ink
                d = (xx - s.x) ** 2 + (yy - s.y) ** 2 <= (s.r * 1.08) ** 2
                ink &= ~(d & (grey.astype(np.float32) > s.ink_level - 35))
    # printed words that OCR read (handwriting comes out as tall low-confidence junk, or not at all)
    for w in words:
        text = w.text.strip("_-—=~.,:;|()[]{}«»\"'")
        if not text and w.text.strip() not in ("/", "\\", "|"):
            continue
        if w.h > 1.25 * h:  # taller than print of this size: may be a stroke read as junk
            continue
        letters = sum(ch.isalnum() for ch in text)
        if not (w.conf >= 60 or (w.conf >= 35 and letters >= 4)):  # junk read from strokes stays
            continue
        if w.w > 0.85 * h * len(w.text) + 0.5 * h:  # a word box that swallowed pen strokes: keep its ink
            continue
        ax0, ay0, ax1, ay1 = w.x0 - x0 - 3, w.y0 - y0 - 3, w.x1 - x0 + 3, w.y1 - y0 + 3
        if ax1 <= 0 or ay1 <= 0 or ax0 >= ink.shape[1] or ay0 >= ink.shape[0]:
            continue
        ink[max(0, ay0):max(0, ay1), max(0, ax0):max(0, ax1)] = False
    u8 = ink.astype(np.uint8)
    # rules, underscores, table borders
    lh = cv2.morphologyEx(u8, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(15, int(3 * h)), 1)))
    lv = cv2.morphologyEx(u8, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(15, int(2.5 * h)))))
    lines = cv2.dilate(lh | lv, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    u8 &= 1 - lines
    n, lab, stats, _ = cv2.connectedComponentsWithStats(u8, connectivity=8)
    sc = cfg.signature
    keep = np.zeros(n, bool)
    for i in range(1, n):
        cw, ch, area = stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT], stats[i, cv2.CC_STAT_AREA]
        if area < sc.min_component * h * h:
            continue
        if ch < 1.0 * h and cw < 1.3 * h:  # character-sized: print that OCR missed, not a stroke
            continue
        keep[i] = True
    if not keep.any():
        return Zone(kind, box, False, unit=h, reason="нет рукописных штрихов")
    sel = keep[lab].astype(np.uint8)
    sc = cfg.signature
    pix, iw, ih = best_group(sel, h)
    signed = ih >= sc.min_ink_height * h and iw >= sc.min_ink_width * h and pix >= sc.min_ink_pixels * h * h
    if dark_disc.any() and np.any(sel.astype(bool) & dark_disc):
        # ink read off a dark seal's disc by shape alone is weaker evidence: either the strokes
        # outside the disc make a signature by themselves, or all of them make a clearly bigger one
        k = sc.dark_seal_factor
        signed = (ih >= k * sc.min_ink_height * h and iw >= k * sc.min_ink_width * h
                  and pix >= k * sc.min_ink_pixels * h * h)
        if not signed:
            pix, iw, ih = best_group(sel & ~dark_disc, h)
            signed = ih >= sc.min_ink_height * h and iw >= sc.min_ink_width * h and pix >= sc.min_ink_pixels * h * h
    if os.environ.get("SCAN_DEBUG_DIR"):
        cv2.imwrite(str(Path(os.environ["SCAN_DEBUG_DIR"]) / f"zone-{kind}.png"), 255 - sel * 255)
    return Zone(kind, box, bool(signed), pix, iw, ih, h, "" if signed else "штрихов слишком мало")
