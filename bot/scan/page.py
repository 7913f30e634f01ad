"""Page preparation on values: grey and colour layers, ink masks, skew and orientation."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from bot.scan.config import SealCfg


@dataclass
class Prepared:
    """A page brought upright and to the OCR resolution."""

    grey: np.ndarray            # uint8, H x W
    colour: np.ndarray | None   # uint8 BGR, H x W x 3, or None for grey/BW scans
    dpi: float
    bw: bool                    # a black-and-white scan (only two grey levels)
    rotation: int               # quarter turns applied (degrees, counter-clockwise)
    skew: float                 # degrees applied
    # a copy whose ink's contrast to the paper was raised (check.py's faint re-look): the paper's
    # level and the factor
    raised: tuple[float, float] = (255.0, 1.0)

    def level(self, value: float) -> float:
        """A grey level of the page as it came, as this copy shows it."""
        paper, k = self.raised
        return float(np.clip(paper - k * (paper - value), 0, 255))


def two_levels(counts: np.ndarray) -> bool:
    """A grey histogram (256 counts) of black and white only: under 0.2 % of the pixels lie between
    dark ink (0..40) and paper (215..255)."""
    return bool(counts[41:215].sum() < 0.002 * counts.sum())


def is_bw(grey: np.ndarray) -> bool:
    return two_levels(np.bincount(grey[::4, ::4].ravel(), minlength=256))


def seal_colour_mask(bgr: np.ndarray, cfg: SealCfg, light_only: bool = True, min_value: float = 150) -> np.ndarray:
    """Pixels of the seal's ink: the blue-violet hue band, saturated; pen strokes are darker."""
    hsv = cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)
    # value >= min_value, on whole grey levels: value >= ceil(min_value)
    return _seal_band(hsv, cfg, math.ceil(min_value) if light_only else 0)


def seal_hue(hsv: np.ndarray, cfg: SealCfg) -> np.ndarray:
    """Pixels of the seal's hue band, saturated, however dark (of an image already in HSV)."""
    return _seal_band(hsv, cfg, 0)


def _seal_band(hsv: np.ndarray, cfg: SealCfg, min_value: int) -> np.ndarray:
    """hue_min <= hue <= hue_max, saturation >= min_saturation, value >= min_value: one inRange
    pass (bounds inclusive, as those comparisons), not a numpy comparison per strided channel."""
    if max(cfg.hue_min, cfg.min_saturation, min_value) > 255:  # inRange would saturate the bound to 255
        return np.zeros(hsv.shape[:2], bool)
    return cv2.inRange(hsv, (cfg.hue_min, cfg.min_saturation, min_value), (cfg.hue_max, 255, 255)) > 0


def local_paper(grey: np.ndarray, reach: int) -> np.ndarray:
    """The paper's brightness round each pixel: the page with every mark narrower than ``reach``
    pixels closed over (print and pen strokes go, a shadow's or a dark edge's gradient stays).
    (Measured on a shrunk page it is cheaper, but shrinking greys dense print into the paper.)"""
    k = max(3, reach | 1)
    return cv2.morphologyEx(grey, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))


def ink_mask(grey: np.ndarray, delta: int = 45) -> np.ndarray:
    """Ink = clearly darker than the local paper (keeps light seals that hard binarisation loses)."""
    bg = local_paper(grey, max(15, min(grey.shape) // 40))
    return (bg.astype(np.int16) - grey.astype(np.int16)) > delta


def dark_ink(grey: np.ndarray, contrast: float, reach: int, depth: float) -> np.ndarray:
    """Ink at least ``contrast`` grey levels darker than the paper: the area's paper (its 90th
    percentile, as evenly lit paper shows it), or ``depth`` grey levels over the paper round the
    pixel (``reach``: local_paper's) where that is lower, the contrast there in proportion (an
    infinite ``depth``: the area's paper alone). A phone's shadow or a copier's dark edge over part
    of the area darkens paper and print alike: the shadowed paper is no ink (docgen 680011: a shadow
    at the page's edge read as a signature). A gentle fall of light across the area changes nothing
    (a faint pen stays as seen)."""
    counts = np.cumsum(cv2.calcHist([grey], [0], None, [256], [0, 256]).ravel())
    level = np.uint8(np.searchsorted(counts, 0.9 * counts[-1]))  # (np.percentile sorts: slower)
    paper = np.minimum(local_paper(grey, reach).astype(np.float32) + depth, float(level))
    # light falls on paper and ink alike: under a shadow the ink's contrast shrinks with the paper's
    return grey < paper * (1.0 - contrast / max(float(level), 1.0))


def _profile_score(mask: np.ndarray, angle: float) -> float:
    h, w = mask.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rot = cv2.warpAffine(mask, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
    rows = rot.sum(axis=1, dtype=np.float64)
    return float(np.sum(np.diff(rows) ** 2))


def best_angle(mask: np.ndarray, limit: float = 6.0) -> tuple[float, float]:
    """The skew angle that makes text rows sharpest (projection profile), and its score."""
    coarse = np.arange(-limit, limit + 0.01, 0.5)
    scores = [_profile_score(mask, a) for a in coarse]
    a0 = float(coarse[int(np.argmax(scores))])
    fine = np.arange(a0 - 0.5, a0 + 0.51, 0.1)
    fscores = [_profile_score(mask, a) for a in fine]
    i = int(np.argmax(fscores))
    return float(fine[i]), float(fscores[i])


# np.rot90's quarter turns (counter-clockwise) by OpenCV: the same pixels, a page in about 3 ms where
# copying numpy's turned view took 30-100 ms
_QUARTERS = {1: cv2.ROTATE_90_COUNTERCLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_CLOCKWISE}


def rotate_quarter(img: np.ndarray, degrees: int) -> np.ndarray:
    k = (degrees // 90) % 4
    return cv2.rotate(img, _QUARTERS[k]) if k else img


def deskew(img: np.ndarray, angle: float) -> np.ndarray:
    if abs(angle) < 0.05:
        return img
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    border = (255, 255, 255) if img.ndim == 3 else 255
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=border)


def ink_centre(mask: np.ndarray) -> float:
    """How far down the page its ink sits on average: 0 at the top, 1 at the bottom."""
    rows = mask.sum(axis=1, dtype=np.float64)
    total = rows.sum()
    if total <= 0:
        return 0.5
    return float((rows * (np.arange(len(rows)) + 0.5)).sum() / total / len(rows))


def orientation_axis(grey: np.ndarray, dpi: float) -> tuple[int, float, float]:
    """0 or 90: whether text lines run across the page as it is, or along it; the skew; and the
    ink's centre down the page turned by that axis (ink_centre: a form's print sits high, so ink
    sitting low hints at a page upside down)."""
    scale = 50.0 / dpi
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    mask = ink_mask(small, 40).astype(np.uint8)
    if mask.sum() < 50:
        return 0, 0.0, 0.5
    turned = np.ascontiguousarray(np.rot90(mask))  # as rotate_quarter(…, 90) turns the page
    a0, s0 = best_angle(mask)
    a90, s90 = best_angle(turned)
    return (0, a0, ink_centre(mask)) if s0 >= s90 else (90, a90, ink_centre(turned))


def prepare(raw: np.ndarray, dpi: float, target_dpi: int, quarter: int, skew: float,
            grey_raw: np.ndarray | None = None, scan_histogram: Sequence[int] = ()) -> Prepared:
    """Rotate by quarter turns, deskew, scale to the OCR resolution; split grey and colour (``raw``:
    grey, or colour in BGR order as the decoder writes it; ``grey_raw``: the raw page in grey when
    the caller has it already, to save a conversion; ``scan_histogram``: the grey histogram of a
    PDF page's scanned image, whose render has lost its two levels)."""
    colour: np.ndarray | None = None
    if raw.ndim == 3:
        colour = raw
        grey = grey_raw if grey_raw is not None else cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY)
    else:
        grey = raw
    bw = is_bw(grey) or (len(scan_histogram) == 256 and two_levels(np.asarray(scan_histogram)))
    if dpi < target_dpi * 0.95:
        f = target_dpi / dpi
        grey = cv2.resize(grey, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC)
        if colour is not None:
            colour = cv2.resize(colour, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC)
        dpi = float(target_dpi)
    grey = deskew(rotate_quarter(grey, quarter), skew)
    if colour is not None:
        colour = deskew(rotate_quarter(colour, quarter), skew)
    return Prepared(grey=grey, colour=colour, dpi=dpi, bw=bw, rotation=quarter, skew=skew)


def ocr_view(p: Prepared, cfg: SealCfg, discs: list[tuple[float, float, float, float]] | None = None) -> np.ndarray:
    """The image given to Tesseract, with the seal's ink lifted off so the print under it shows through:
    in colour by hue; in grey inside the seal's disc, the pixels as light as the seal's ink
    (discs: centre x, y, radius and the seal's ink grey level). Black-and-white is left as it is."""
    if p.colour is not None:
        out = p.grey.copy()
        out[seal_colour_mask(p.colour, cfg)] = 255
        return out
    if p.bw or not discs:
        return p.grey
    out = p.grey
    H, W = out.shape
    for cx, cy, r, level in discs:
        if level < cfg.dark_ink_level:  # a seal as dark as print cannot be lifted off
            continue
        r = r * 1.05
        x0, y0, x1, y1 = max(0, int(cx - r)), max(0, int(cy - r)), min(W, int(cx + r) + 1), min(H, int(cy + r) + 1)
        if x1 <= x0 or y1 <= y0:
            continue
        if out is p.grey:
            out = p.grey.copy()
        yy, xx = np.ogrid[y0:y1, x0:x1]
        disc = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
        crop = out[y0:y1, x0:x1]
        crop[disc & (crop >= level - 30)] = 255
    return out


def even_light(grey: np.ndarray, spread: float) -> np.ndarray:
    """The page with uneven light evened out (a phone's shadow, a copier's dark edge): each pixel
    divided by the paper's local brightness. Only when the paper's brightness varies by more than
    ``spread`` grey levels across the page: Tesseract binarises a page with one threshold, and a
    shadow swallows the print under it. Returns ``grey`` itself when the light is even."""
    small = cv2.resize(grey, (max(1, grey.shape[1] // 4), max(1, grey.shape[0] // 4)), interpolation=cv2.INTER_AREA)
    k = max(15, (min(small.shape) // 25) | 1)  # wider than a line of print: the paper between the letters
    paper = cv2.GaussianBlur(cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))),
                             (0, 0), k / 2)
    lo, hi = np.percentile(paper, [5, 95])
    if hi - lo <= spread:
        return grey
    paper = cv2.resize(paper, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    # at most a shadow's darkening undone: what lies beyond the sheet (a table, a hand) is not
    # paper, and lifting it would only raise its noise into letters
    gain = np.minimum(255.0 / np.maximum(paper, 1.0), 2.0)
    return np.clip(grey.astype(np.float32) * gain, 0, 255).astype(np.uint8)
