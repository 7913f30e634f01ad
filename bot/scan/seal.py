"""Round seal detection: circle search (HoughCircles, ALT variant) at ~100 dpi + ring coverage.

A seal is a circle whose circumference is inked almost all round, with ink (ring text, an
inner ring) inside the band next to it. A rectangular registration stamp has no such circle.
In colour scans the search runs on the seal-coloured ink only (print removed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from bot.scan.config import SealCfg
from bot.scan.page import Prepared, ink_mask, seal_colour_mask

_ANGLES = np.deg2rad(np.arange(0, 360, 2.0))


@dataclass(frozen=True)
class Seal:
    x: float          # centre and radius in page pixels (the prepared page's resolution)
    y: float
    r: float
    ring: float       # share of the circumference carrying ink
    inner: float      # share of angular sectors with ink in the band inside the ring
    outside: float    # share of the circumference just outside carrying ink (text under the seal)
    coloured: bool
    accepted: bool
    ink_level: float  # median grey of the seal's ink on the ring (to tell pen ink from it)
    ink_value: float = 255.0  # colour scans: median HSV value of the seal's ink on the ring
    need: float = 0.0         # the ring coverage this circle had to reach to be accepted
    partial: bool = False     # accepted as a partial impression (one side of the ring faded)
    blob: bool = False        # not a circle: a round patch of seal-coloured ink (a doubt at most)


@dataclass(frozen=True)
class SealInk:
    """The colour of a page's seal ink, to tell a pen of a similar hue from it (a blue ballpoint
    under a blue stamp may be lighter or darker than the stamp). The feature is the absorbance
    chromaticity: (255 - B, G, R) over its sum. Ink thinned by paper (faint, anti-aliased, JPEG-
    smeared edges) keeps it, so it separates two inks by colour, not by how dark each came out."""

    chroma: tuple[float, float, float]
    tol: float                        # a pixel closer than this to `chroma` is seal ink


def chroma_of(bgr: np.ndarray) -> np.ndarray:
    a = 255.0 - bgr.astype(np.float32)
    return a / np.maximum(a.sum(axis=-1, keepdims=True), 1.0)


def seal_ink_model(colour: np.ndarray | None, grey: np.ndarray, seals: list[Seal], cfg: SealCfg) -> SealInk | None:
    """The ink colour of the page's accepted seals, measured over their discs (the seal's own
    ink dominates there; a pen stroke across it is a small share). None for grey pages or when
    there is no accepted seal or too little coloured ink to measure."""
    if colour is None:
        return None
    samples = []
    for s in (s for s in seals if s.accepted):
        x0, y0 = max(0, int(s.x - s.r)), max(0, int(s.y - s.r))
        x1, y1 = min(grey.shape[1], int(s.x + s.r) + 1), min(grey.shape[0], int(s.y + s.r) + 1)
        if x1 - x0 < 10 or y1 - y0 < 10:
            continue
        yy, xx = np.mgrid[y0:y1, x0:x1]
        disc = (xx - s.x) ** 2 + (yy - s.y) ** 2 <= (0.98 * s.r) ** 2
        g = grey[y0:y1, x0:x1]
        paper = float(np.percentile(g[disc], 95)) if disc.any() else 255.0
        sel = disc & (g < paper - 40) & seal_colour_mask(colour[y0:y1, x0:x1], cfg, light_only=False)
        samples.append(chroma_of(colour[y0:y1, x0:x1][sel]))
    if not samples:
        return None
    c = np.concatenate(samples)
    if len(c) < cfg.chroma_min_pixels:
        return None
    med = np.median(c, axis=0)
    spread = float(np.percentile(np.linalg.norm(c - med, axis=1), 75))
    tol = min(cfg.chroma_max_tol, max(cfg.chroma_min_tol, cfg.chroma_spread_factor * spread))
    return SealInk((float(med[0]), float(med[1]), float(med[2])), tol)


def _hits(mask: np.ndarray, cx: float, cy: float, r: float, band: float) -> np.ndarray:
    """Per angle (every 2°): is there ink on the circle, within `band` pixels of radius r?"""
    h, w = mask.shape
    hits = np.zeros(_ANGLES.shape, bool)
    for dr in np.arange(-band, band + 0.01, 1.0):
        xs = np.clip(np.round(cx + (r + dr) * np.cos(_ANGLES)).astype(int), 0, w - 1)
        ys = np.clip(np.round(cy + (r + dr) * np.sin(_ANGLES)).astype(int), 0, h - 1)
        hits |= mask[ys, xs]
    return hits


def _coverage(mask: np.ndarray, cx: float, cy: float, r: float, band: float, whole: bool = False) -> float:
    """The share of the circle's angles on the page (``whole``: of all its angles) that have ink
    (_hits)."""
    on = np.ones(_ANGLES.shape, bool) if whole else _on_page(mask.shape, cx, cy, r)
    return float(_hits(mask, cx, cy, r, band)[on].mean()) if on.any() else 0.0


def _on_page(shape: tuple[int, ...], cx: float, cy: float, r: float) -> np.ndarray:
    """Per angle (every 2°): does the circle's point lie on the page? A stamp struck over the
    page's edge has the rest of its ring off it: neither ink nor a gap."""
    h, w = shape[:2]
    xs, ys = np.round(cx + r * np.cos(_ANGLES)), np.round(cy + r * np.sin(_ANGLES))
    return (xs >= 0) & (xs <= w - 1) & (ys >= 0) & (ys <= h - 1)


def _judged_whole(on: np.ndarray, cfg: SealCfg) -> bool:
    """Whether a circle (``on``: its angles on the page, _on_page) is judged whole, the part off
    the page a gap: when more than `off_page_max` of it lies off the page (a short arc on the page
    would otherwise pass for a whole ring). Else it is judged on its part on the page."""
    return bool(on.mean() < 1.0 - cfg.off_page_max)


def arc_vote(hits: np.ndarray, fade: float) -> tuple[float, float]:
    """A stamp pressed unevenly (or a light one thinned by 1-bit scanning) leaves its ring whole
    on one side and faint on the other. The faded side is the longest stretch of the circle
    inked at most `fade` of its length (specks and dashes in it allowed); the arc is the rest.
    Returns the arc's share of the circumference and the ink coverage within it."""
    n = len(hits)
    if hits.all() or not hits.any():
        return float(hits.all()), float(hits.mean())
    h = np.concatenate([hits, hits]).astype(np.int32)
    cum = np.concatenate([[0], np.cumsum(h)])
    best_len, best_start = 0, 0
    for length in range(n - 1, 0, -1):  # the longest faded window first
        ink = cum[length:length + n] - cum[:n]
        ok = np.nonzero(ink <= fade * length)[0]
        if ok.size:
            best_len, best_start = length, int(ok[0])
            break
    if best_len == 0:
        return 1.0, float(hits.mean())
    idx = (best_start + np.arange(best_len)) % n
    # the window may take in the ends of the inked arc beside it: it ends where the ink does
    faded = np.nonzero(~hits[idx])[0]
    idx = idx[faded[0]:faded[-1] + 1]
    arc = np.ones(n, bool)
    arc[idx] = False
    return float(arc.mean()), float(hits[arc].mean())


def _sector_coverage(mask: np.ndarray, cx: float, cy: float, r0: float, r1: float, sectors: int = 48,
                     whole: bool = False) -> float:
    """The share of the band's angular sectors on the page (some point of the sector's band on
    it; ``whole``: of all sectors) that have ink in the band."""
    h, w = mask.shape
    got = np.zeros(sectors, bool)
    seen = np.zeros(sectors, bool)
    angles = np.deg2rad(np.arange(0, 360, 1.0))
    sec = (np.arange(0, 360, 1.0) * sectors / 360).astype(int)
    for rr in np.arange(r0, r1, 1.0):
        xs, ys = np.round(cx + rr * np.cos(angles)).astype(int), np.round(cy + rr * np.sin(angles)).astype(int)
        on = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
        seen[sec[on]] = True
        got[sec[on][mask[ys[on], xs[on]]]] = True
    return float(got.mean() if whole else got[seen].mean()) if seen.any() else 0.0


def _ink_level(grey: np.ndarray, cx: float, cy: float, r: float, hits: np.ndarray) -> float:
    """Grey level of the ring's ink (dark seal ink is as dark as a pen): the median of the inked
    pixels on the ring, or, when lighter, the median over the angles where the seal search saw the
    ring inked (``hits``, per angle of _ANGLES) of the darkest pixel across the ring there. A pale
    ring has few pixels dark enough to count as ink, and the table borders or rules crossing it
    had made the stamp «as dark as a pen» (the pen on its disc was judged by shape alone and
    lost); taken per angle, they count for the few angles they cross."""
    h, w = grey.shape
    angles = np.deg2rad(np.arange(0, 360, 0.5))  # every fourth is one of _ANGLES
    rows = []
    for dr in np.arange(-3.0, 3.01, 1.0):
        xs = np.clip(np.round(cx + (r + dr) * np.cos(angles)).astype(int), 0, w - 1)
        ys = np.clip(np.round(cy + (r + dr) * np.sin(angles)).astype(int), 0, h - 1)
        rows.append(grey[ys, xs])
    v = np.stack(rows).astype(np.float32)
    paper = float(np.percentile(v, 95))
    ink = v[v < paper - 50]
    level = float(np.median(ink)) if ink.size else paper
    return max(level, float(np.median(v[:, ::4].min(axis=0)[hits]))) if hits.any() else level


def _ink_value(bgr: np.ndarray, cx: float, cy: float, r: float, cfg: SealCfg) -> float:
    """Median brightness (HSV value) of the seal-coloured pixels on the ring."""
    h, w = bgr.shape[:2]
    angles = np.deg2rad(np.arange(0, 360, 0.5))
    pts = []
    for dr in np.arange(-3.0, 3.01, 1.0):
        xs = np.clip(np.round(cx + (r + dr) * np.cos(angles)).astype(int), 0, w - 1)
        ys = np.clip(np.round(cy + (r + dr) * np.sin(angles)).astype(int), 0, h - 1)
        pts.append(bgr[ys, xs])
    px = np.concatenate(pts).reshape(-1, 1, 3)
    hsv = cv2.cvtColor(px, cv2.COLOR_BGR2HSV).reshape(-1, 3)
    sel = (hsv[:, 0] >= cfg.hue_min) & (hsv[:, 0] <= cfg.hue_max) & (hsv[:, 1] >= cfg.min_saturation)
    return float(np.median(hsv[sel, 2])) if sel.sum() > 20 else 255.0


def _refine(mask: np.ndarray, cx: float, cy: float, r: float) -> tuple[float, float, float, float]:
    """The circle near (cx, cy, r) with the best ring coverage (_coverage with a band of 1 pixel),
    over centre shifts of ±2 and radii of ±3 pixels: all 175 circles at once, the first best kept."""
    dx, dy, dr = (g.ravel() for g in np.meshgrid(np.arange(-2, 3), np.arange(-2, 3), np.arange(-3, 4), indexing="ij"))
    xs0, ys0, rs = cx + dx, cy + dy, r + dr
    h, w = mask.shape
    band = np.arange(-1.0, 1.01, 1.0)[None, :, None]
    radii = rs[:, None, None] + band
    xs = np.clip(np.round(xs0[:, None, None] + radii * np.cos(_ANGLES)).astype(int), 0, w - 1)
    ys = np.clip(np.round(ys0[:, None, None] + radii * np.sin(_ANGLES)).astype(int), 0, h - 1)
    coverage = mask[ys, xs].any(axis=1).mean(axis=1)
    i = int(np.argmax(coverage))
    return float(coverage[i]), float(xs0[i]), float(ys0[i]), float(rs[i])


def _judge_circle(mask: np.ndarray, cx: float, cy: float, r: float,
                  cfg: SealCfg) -> tuple[np.ndarray, float, float, float]:
    """A circle's ring hits (on the page), its ring coverage, inner band and band just outside:
    judged on the part on the page; a circle mostly off it is judged whole (the part off the page
    a gap: the partial-impression test may still take its arc)."""
    on = _on_page(mask.shape, cx, cy, r)
    whole = _judged_whole(on, cfg)
    hits = _hits(mask, cx, cy, r, 1.0) & on
    ring = float(hits.mean() if whole else hits[on].mean())
    inner = _sector_coverage(mask, cx, cy, r * cfg.inner_band_from, r * cfg.inner_band_to, whole=whole)
    outside = _coverage(mask, cx, cy, r + 5, 1.0, whole=whole)
    return hits, ring, inner, outside


def find_seals(p: Prepared, cfg: SealCfg) -> list[Seal]:
    """Seal candidates on the prepared page, best first; accepted ones pass every test."""
    scale = cfg.dpi / p.dpi
    grey_s = cv2.resize(p.grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    px_per_mm = cfg.dpi / 25.4
    rmin, rmax = int(cfg.min_radius_mm * px_per_mm), int(cfg.max_radius_mm * px_per_mm)
    # each search: the image, its ink mask, whether it is the seal-coloured ink, the blur and how
    # perfect a circle it asks for
    sources: list[tuple[np.ndarray, np.ndarray, bool, float, float]] = []
    if p.colour is not None:
        col_s = cv2.resize(p.colour, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        cmask = seal_colour_mask(col_s, cfg, light_only=False)
        if cmask.sum() > 50:
            img = np.where(cmask, grey_s, 255).astype(np.uint8)
            sources.append((img, cmask, True, 1.2, cfg.hough_param2))
    gmask = ink_mask(grey_s, 35)
    sources.append((grey_s, gmask, False, 1.2, cfg.hough_param2))
    # binarisation breaks a light seal's rings into dashes: a last search with a wider blur
    # joins them again, and allows a less perfect circle (ring coverage still decides)
    sources.append((grey_s, gmask, False, 2.2, cfg.hough_param2 - cfg.dashed_perfectness_drop))
    if sources[0][2]:
        # a stamp pressed unevenly is half a circle: the seal-coloured ink once more, asking for
        # a less perfect circle (the arc vote decides)
        sources.append((sources[0][0], sources[0][1], True, 1.2, cfg.hough_param2 - cfg.partial_perfectness_drop))
    found: list[Seal] = []
    for img, mask, coloured, sigma, perfect in sources:
        blur = cv2.GaussianBlur(img, (0, 0), sigma)
        circles = cv2.HoughCircles(blur, cv2.HOUGH_GRADIENT_ALT, dp=1.5, minDist=rmin,
                                   param1=cfg.hough_param1, param2=perfect,
                                   minRadius=rmin, maxRadius=rmax)
        if circles is None:
            continue
        for cx, cy, r in circles[0][:12]:
            _, cx, cy, r = _refine(mask, float(cx), float(cy), float(r))
            hits, ring, inner, outside = _judge_circle(mask, cx, cy, r, cfg)
            # the seal's ink level at full resolution (to tell pen strokes from seal strokes in grey)
            level = _ink_level(p.grey, cx / scale, cy / scale, r / scale, hits)
            value = _ink_value(p.colour, cx / scale, cy / scale, r / scale, cfg) if p.colour is not None else 255.0
            # grey ink masks catch faint marks, so a grey circle must be inked more fully; black-and-
            # white (a seal as dark as print) keeps only the seal's darker ink: its rings come out dashed
            dark = p.bw or level < cfg.dark_ink_level
            need = cfg.min_ring_coverage if (coloured or dark) else cfg.grey_ring_coverage
            whole, partial = _accept(hits, ring, inner, outside, need, cfg)
            ok = whole or partial
            found.append(Seal(cx / scale, cy / scale, r / scale, ring, inner, outside, coloured, ok, level, value,
                              need, partial))
        if any(s.accepted for s in found):
            break
    if not p.bw and not any(s.accepted for s in found):
        found += _pale_rings(found, p, grey_s, scale, cfg)
    found += _outer_rings(found, mask, scale, rmax, p.bw, cfg)  # (the mask of the search that ended)
    found.sort(key=lambda s: (not s.accepted, -s.ring))
    if not any(s.accepted for s in found) and sources[0][2]:
        found += _seal_like_blobs(sources[0][1], scale, rmin, rmax, cfg)
    return found


def _accept(hits: np.ndarray, ring: float, inner: float, outside: float, need: float,
            cfg: SealCfg) -> tuple[bool, bool]:
    """Is a circle a whole seal: its ring inked `need` of its circumference or more, with the seal's
    text inside it and clearly more ink than just outside? Is it a partial impression:
    one clean arc, inked like a whole ring, with the seal's text inside it, and the rest of the
    circle faded (most of what the ring misses lies there: misses scattered all round are not an
    impression's faded side). A ring accepted near the limit is surer for it."""
    ok = ring >= need and inner >= cfg.min_inner_coverage and (ring - outside) >= cfg.min_ring_contrast
    partial = False
    if ring >= cfg.partial_min_ring and (ring - outside) >= cfg.min_ring_contrast:
        arc, within = arc_vote(hits, cfg.partial_fade)  # off the page counts as faded
        partial = (arc >= cfg.partial_min_arc and within >= need and 1.0 - arc >= 0.5 * (1.0 - ring)
                   and inner >= cfg.min_inner_coverage * arc)
    return ok, partial


def _pale_rings(found: list[Seal], p: Prepared, grey_s: np.ndarray, scale: float, cfg: SealCfg) -> list[Seal]:
    """Circles the grey search saw but whose ring lies under its ink threshold (a stamp faded to a
    pale grey on a scanner), judged again on ink `pale_ink_contrast` grey levels under the paper:
    by the same tests as any grey ring. Print is as dark either way; only a pale ring gains. A pale
    ring not accepted is still returned with its pale measures, when they are better and its ink is
    pale (`pale_ring_level`), for the seal's mark to weigh (a faded ring, partly inked, is a doubt,
    not «no seal»)."""
    pale = ink_mask(grey_s, cfg.pale_ink_contrast)
    rejudged: list[Seal] = []
    for s in found:
        if s.coloured or s.blob:
            continue
        _, cx, cy, r = _refine(pale, s.x * scale, s.y * scale, s.r * scale)  # placed on ink it did not see
        hits, ring, inner, outside = _judge_circle(pale, cx, cy, r, cfg)
        if ring <= s.ring:
            continue
        whole, _ = _accept(hits, ring, inner, outside, cfg.grey_ring_coverage, cfg)
        level = _ink_level(p.grey, cx / scale, cy / scale, r / scale, hits)
        # a pale partial impression is not taken for a seal: on ink this faint a copier's or a
        # photo's grain may draw the arc (the seal's mark makes it a doubt)
        seal = Seal(cx / scale, cy / scale, r / scale, ring, inner, outside, False, whole, level,
                    s.ink_value, cfg.grey_ring_coverage)
        if whole:
            return [seal]
        if level >= cfg.pale_ring_level:  # (a circle over print is inked as dark as print)
            rejudged.append(seal)
    return rejudged


def _outer_rings(found: list[Seal], mask: np.ndarray, scale: float, rmax: int, bw: bool,
                 cfg: SealCfg) -> list[Seal]:
    """The outer ring of a two-ring stamp whose inner ring alone was found, as dark as a pen: a
    concentric circle `outer_ring_from`..`outer_ring_to` radii out, inked at least
    `partial_min_ring` of its circumference and clearly more than just outside it. Without it the
    stamp's disc stops at the inner ring, and the outer ring's arcs and the text between the rings
    pass for pen strokes in the signature zones it crosses."""
    out: list[Seal] = []
    for s in [s for s in found if s.accepted and (bw or s.ink_level < cfg.dark_ink_level)]:
        if any(o.accepted and o is not s and math.hypot(o.x - s.x, o.y - s.y) < 0.3 * s.r and o.r > s.r * 1.1
               for o in found):
            continue  # its outer ring was found
        cx, cy, r = s.x * scale, s.y * scale, s.r * scale
        best = max(((_coverage(mask, cx, cy, rr, 1.0, whole=_judged_whole(_on_page(mask.shape, cx, cy, rr), cfg)), rr)
                    for rr in np.arange(cfg.outer_ring_from * r, min(cfg.outer_ring_to * r, 1.1 * rmax), 1.0)),
                   default=(0.0, 0.0))
        ring, rr = best
        whole = _judged_whole(_on_page(mask.shape, cx, cy, rr), cfg)
        if ring < cfg.partial_min_ring or ring - _coverage(mask, cx, cy, rr + 5, 1.0, whole=whole) < cfg.min_ring_contrast:
            continue
        out.append(replace(s, r=float(rr / scale), ring=ring))
    return out


def _seal_like_blobs(cmask: np.ndarray, scale: float, rmin: int, rmax: int, cfg: SealCfg) -> list[Seal]:
    """Seal-coloured ink in a roughly round patch of a seal's size that no circle search
    accepted (a stamp pressed very unevenly, smudged, struck twice): not a seal for sure, not
    nothing either. Returned as never-accepted candidates (`blob`), so that the check answers with
    a doubt rather than «no seal»."""
    k = max(7, rmin // 3)  # the ring, its text and the centre joined into one patch
    joined = cv2.morphologyEx(cmask.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    n, _, stats, cents = cv2.connectedComponentsWithStats(joined, connectivity=8)
    out = []
    for i in range(1, n):
        w, h, area = stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT], stats[i, cv2.CC_STAT_AREA]
        side = max(w, h)
        if not (1.5 * rmin <= side <= 2.2 * rmax and 0.6 <= w / max(h, 1) <= 1.6):
            continue
        if area < cfg.blob_min_fill * w * h:
            continue
        r = side / 2
        out.append(Seal(cents[i][0] / scale, cents[i][1] / scale, r / scale, cfg.partial_min_ring,
                        cfg.min_inner_coverage, 0.0, True, False, 255.0, 255.0, 1.0, blob=True))
    return out


def stamp_traces(p: Prepared, cfg: SealCfg) -> str:
    """What is left of a stamp on a 1-bit page where no seal was found, or "" when nothing is.

    Binarisation erases a light stamp wholly, or leaves parts of it: an arc of its ring, or the
    scatter of specks a dithered light impression comes out as. Either makes «no seal» a person's
    call; a page without them shows no seal at all (what the organisation is told is about the
    scan). Looked for over the whole page: a trace anywhere keeps the doubt.
    - an arc: a circle of a seal's size whose ink forms one stretch round it (gaps of a few degrees
      allowed) clear beside it on one side (a circle drawn through print is inked beside it too):
      the stretch's share of the circumference times the share of its angles clear on the clearer
      side at least `trace_clear_arc`;
    - specks: at least `trace_specks` ink specks of at most `trace_speck_mm2` square millimetres
      within a square of a seal's smallest radius (clean print leaves none; a dithered stamp
      leaves dozens)."""
    grey = p.grey
    specks = _speck_cluster(grey, p.dpi, cfg)
    if specks >= cfg.trace_specks:
        return f"{specks} specks in a seal-sized square"
    scale = cfg.dpi / p.dpi
    grey_s = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    px_per_mm = cfg.dpi / 25.4
    rmin, rmax = int(cfg.min_radius_mm * px_per_mm), int(cfg.max_radius_mm * px_per_mm)
    mask = ink_mask(grey_s, 35)
    # the classic gradient Hough votes for a centre from any arc: a partial ring is found too
    circles = cv2.HoughCircles(cv2.GaussianBlur(grey_s, (0, 0), 1.0), cv2.HOUGH_GRADIENT, dp=1.5,
                               minDist=rmin // 2, param1=cfg.hough_param1, param2=cfg.trace_votes,
                               minRadius=rmin, maxRadius=rmax)
    if circles is None:
        return ""
    # print votes for many circles (a block of text has a centre every few lines): the candidates
    # are ranked, all at once, by their longest run of angles inked on the circle and clear on one
    # side, and the best judged
    c = circles[0]
    on_ring = _hits_many(mask, c, 0.0, 2.0)
    clear = np.maximum(_longest_runs(on_ring & ~_hits_many(mask, c, 5.0, 1.0), gap=2),
                       _longest_runs(on_ring & ~_hits_many(mask, c, -5.0, 1.0), gap=2))
    rank = np.argsort(-clear, kind="stable")
    for cx, cy, r in c[rank[:cfg.trace_candidates]]:
        _, cx, cy, r = _refine(mask, float(cx), float(cy), float(r))
        hits = _hits(mask, cx, cy, r, 1.0) & _on_page(mask.shape, cx, cy, r)
        arc = _longest_stretch(hits, gap=2)
        if not arc.any():
            continue
        # a stamp's ring text may line it inside, print under it outside: one side is clear
        beside = min(_hits(mask, cx, cy, r + 5, 1.0)[arc].mean(), _hits(mask, cx, cy, r - 5, 1.0)[arc].mean())
        if arc.mean() * (1.0 - beside) >= cfg.trace_clear_arc:
            return (f"an arc of {arc.mean():.2f} of a circle ({beside:.2f} of it inked beside) r={r / scale:.0f} px"
                    f" at ({cx / scale:.0f}, {cy / scale:.0f})")
    return ""


def _hits_many(mask: np.ndarray, circles: np.ndarray, dr: float, band: float) -> np.ndarray:
    """_hits for many circles (rows of x, y, r) at once, each at radius r + ``dr``."""
    h, w = mask.shape
    radii = circles[:, 2, None, None] + dr + np.arange(-band, band + 0.01, 1.0)[None, :, None]
    xs = np.clip(np.round(circles[:, 0, None, None] + radii * np.cos(_ANGLES)).astype(int), 0, w - 1)
    ys = np.clip(np.round(circles[:, 1, None, None] + radii * np.sin(_ANGLES)).astype(int), 0, h - 1)
    return mask[ys, xs].any(axis=1)


def _longest_runs(hits: np.ndarray, gap: int) -> np.ndarray:
    """Per row of ``hits`` (angles round a circle): the length of its longest run of inked angles
    round the circle, gaps of at most ``gap`` angles closed first."""
    before = np.zeros_like(hits)  # ink within `gap` angles before / after each angle
    after = np.zeros_like(hits)
    for j in range(1, gap + 1):
        before |= np.roll(hits, j, axis=1)
        after |= np.roll(hits, -j, axis=1)
    closed = hits | (before & after)
    x = np.concatenate([closed, closed], axis=1).astype(np.int32)
    total = np.cumsum(x, axis=1)
    run = total - np.maximum.accumulate(np.where(x == 0, total, 0), axis=1)
    return np.minimum(run.max(axis=1), hits.shape[1])


def _longest_stretch(hits: np.ndarray, gap: int) -> np.ndarray:
    """The angles (a mask over ``hits``) of the longest run of inked angles round the circle,
    gaps of at most ``gap`` angles within it allowed."""
    n = len(hits)
    if hits.all():
        return hits.copy()
    on = np.nonzero(hits)[0]
    if on.size == 0:
        return np.zeros(n, bool)
    start = (int(on[np.argmax(np.diff(np.r_[on, on[0] + n]))]) + 1) % n  # after the widest gap
    order = (start + np.arange(n)) % n
    best, run_from, last = (0, 0, -1), None, None
    for k, i in enumerate(order):
        if not hits[i]:
            continue
        if run_from is None or k - last > gap + 1:
            run_from = k
        last = k
        if k - run_from + 1 > best[0]:
            best = (k - run_from + 1, run_from, k)
    out = np.zeros(n, bool)
    if best[0]:
        out[order[best[1]:best[2] + 1]] = True
    return out


def _speck_cluster(grey: np.ndarray, dpi: float, cfg: SealCfg) -> int:
    """The most ink specks (components of at most `trace_speck_mm2`) in any square of the seal's
    smallest radius on the page."""
    ink = (grey < 128).astype(np.uint8)
    n, _, stats, cents = cv2.connectedComponentsWithStats(ink, connectivity=8)
    px_mm = dpi / 25.4
    tiny = stats[1:, cv2.CC_STAT_AREA] <= cfg.trace_speck_mm2 * px_mm * px_mm
    if tiny.sum() < cfg.trace_specks:
        return int(tiny.sum())
    cell = max(1, int(cfg.min_radius_mm * px_mm / 4))  # counted on a coarse grid, summed over 4x4 cells
    h, w = grey.shape
    counts = np.zeros((h // cell + 1, w // cell + 1), np.float32)
    for x, y in cents[1:][tiny]:
        counts[int(y) // cell, int(x) // cell] += 1
    return int(round(cv2.boxFilter(counts, -1, (4, 4), normalize=False, borderType=cv2.BORDER_CONSTANT).max()))
