"""Is a handwritten signature in a signature line's zone?

The zone is placed from the label's word boxes (and the «(подпись)» caption under the line,
when found). Inside it, ink that is explained by something else is removed: printed words that
Tesseract read, rules and underscores, table borders, and the seal's ink (by colour where
there is colour; in grey only strokes darker than the seal's ink count inside its disc; in
black-and-white nothing inside the disc counts). What is left must be large, connected,
handwriting-sized ink. No zone means "not signed", never "signed".
"""

from __future__ import annotations

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


def check_zone(p: Prepared, kind: str, label: Label | None, others: Sequence[Label], words: Sequence[Word],
               captions: Sequence[Word], seals: Sequence[Seal], cfg: ScanConfig,
               deciphers: Sequence[Word] = ()) -> Zone:
    if label is None:
        return Zone(kind, None, False, reason="строка подписи не найдена")
    H, W = p.grey.shape
    good = [w for w in words if w.conf >= 30]
    right_edge = max((w.x1 for w in good), default=W)
    box, _caption = zone_box(label, others, captions, W, right_edge, cfg, deciphers)
    x0, y0, x1, y1 = box
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(W, x1), min(H, y1)
    if x1 - x0 < 10 or y1 - y0 < 10:
        return Zone(kind, None, False, reason="зона подписи пуста")
    # the unit of size: the label's text height, but never below the page's typical word height
    # (a label read in part, say «ец сертификата», must not make printed letters look like strokes)
    body = sorted(w.h for w in words if w.conf >= 80 and len(w.text) >= 4 and w.text.isalpha())
    h = max(label.height, float(body[len(body) // 2]) if body else 0.0)
    grey = p.grey[y0:y1, x0:x1]
    paper = float(np.percentile(grey, 90))
    ink = (grey.astype(np.int16) < paper - 60)
    if p.colour is not None:  # seal-coloured ink as light as the seal's is not a pen stroke
        values = [s.ink_value for s in seals if s.accepted and s.ink_value < 255]
        min_value = max(120.0, float(np.median(values)) - 25) if values else 200.0
        ink &= ~seal_colour_mask(p.colour[y0:y1, x0:x1], cfg.seal, min_value=min_value)
    # the seal's disc: in grey keep only strokes darker than the seal's ink; in BW keep nothing
    yy, xx = np.mgrid[y0:y1, x0:x1]
    for s in seals:
        if not s.accepted:
            continue
        disc = (xx - s.x) ** 2 + (yy - s.y) ** 2 <= (s.r * 1.08) ** 2
        if not disc.any():
            continue
        if p.colour is not None:
            continue  # colour already separated the seal's ink
        if p.bw or s.ink_level < 110:  # the seal is as dark as a pen: nothing inside its disc counts
            ink &= ~disc
        else:
            ink &= ~(disc & (grey.astype(np.float32) > s.ink_level - 35))
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
    # strokes of one signature lie close together: group them, judge the biggest group
    rx, ry = max(3, int(2.0 * h)), max(3, int(0.6 * h))
    grouped = cv2.dilate(sel, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * rx + 1, 2 * ry + 1)))
    gn, glab, gstats, _ = cv2.connectedComponentsWithStats(grouped, connectivity=8)
    best = (0, 0, 0)
    for g in range(1, gn):
        pix = int(np.count_nonzero(sel[glab == g]))
        gw = int(gstats[g, cv2.CC_STAT_WIDTH]) - 2 * rx
        gh = int(gstats[g, cv2.CC_STAT_HEIGHT]) - 2 * ry
        if pix > best[0]:
            best = (pix, gw, gh)
    pix, iw, ih = best
    if os.environ.get("SCAN_DEBUG_DIR"):
        cv2.imwrite(str(Path(os.environ["SCAN_DEBUG_DIR"]) / f"zone-{kind}.png"), 255 - sel * 255)
    signed = ih >= sc.min_ink_height * h and iw >= sc.min_ink_width * h and pix >= sc.min_ink_pixels * h * h
    return Zone(kind, box, bool(signed), pix, iw, ih, h, "" if signed else "штрихов слишком мало")
