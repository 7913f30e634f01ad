"""Tesseract through pytesseract: word boxes with confidence, one single-threaded run per core."""

from __future__ import annotations

import functools
import os
import re
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytesseract

# One Tesseract per core, one thread each: OpenMP threads make it slower (tesseract #3109).
os.environ["OMP_THREAD_LIMIT"] = "1"



@dataclass(frozen=True)
class Word:
    text: str
    conf: float
    x0: int
    y0: int
    x1: int
    y1: int
    line: tuple[int, int, int, int]  # (part, block, paragraph, line)

    @property
    def h(self) -> int:
        return self.y1 - self.y0

    @property
    def w(self) -> int:
        return self.x1 - self.x0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    def norm(self) -> str:
        return self.text.lower().replace("ё", "е")


@dataclass(frozen=True)
class Line:
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    def norm(self) -> str:
        return " ".join(w.norm() for w in self.words)

    @functools.cached_property
    def box(self) -> tuple[int, int, int, int]:
        # cached: the fields and labels ask for a line's box thousands of times a page
        return box_of(self.words)


def box_of(words: Sequence[Word]) -> tuple[int, int, int, int]:
    """The box round ``words`` (x0, y0, x1, y1)."""
    return (min(w.x0 for w in words), min(w.y0 for w in words), max(w.x1 for w in words), max(w.y1 for w in words))


def cores() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


def split_rows(grey: np.ndarray, parts: int) -> list[tuple[int, int]]:
    """Cut the page into horizontal bands at blank rows near equal heights (no text line is cut)."""
    h = grey.shape[0]
    if parts <= 1 or h < 400:
        return [(0, h)]
    small = cv2.resize(grey, (max(1, grey.shape[1] // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    ink = (small < 160).sum(axis=1)
    # text mass, to balance the work rather than the height
    mass = np.cumsum(ink.astype(np.float64))
    total = mass[-1] if mass[-1] > 0 else 1.0
    cuts = [0]
    for k in range(1, parts):
        want = int(np.searchsorted(mass, total * k / parts))
        best = None
        for radius in range(0, small.shape[0] // 6):
            for r in (want - radius, want + radius):
                if cuts[-1] // 4 + 10 < r < small.shape[0] - 10 and ink[max(0, r - 1):r + 2].max() == 0:
                    best = r
                    break
            if best is not None:
                break
        if best is None:
            return [(0, h)]
        cuts.append(best * 4)
    cuts.append(h)
    return [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1)]


def _run(image_path: str, lang: str, dpi: int, psm: int, timeout: float, dy: int, part: int,
         extra: str = "") -> list[Word]:
    data = pytesseract.image_to_data(
        image_path, lang=lang, config=f"--psm {psm} -c user_defined_dpi={dpi} {extra}".strip(),
        output_type=pytesseract.Output.DICT, timeout=timeout,
    )
    words: list[Word] = []
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        if not text:
            continue
        conf = float(data["conf"][i])
        if conf < 0:
            continue
        x, y, w, h = (int(data[k][i]) for k in ("left", "top", "width", "height"))
        words.append(Word(text, conf, x, y + dy, x + w, y + h + dy,
                          (part, int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))))
    return words


class OcrError(Exception):
    """Tesseract failed (missing, crashed, timed out): an internal error, never an empty page."""


def ocr_bands(jobs: Sequence[tuple[np.ndarray, int]], lang: str, dpi: int, timeout: float,
              psm: int = 3, workers: int | None = None, extra: str = "") -> list[list[Word]]:
    """OCR several images in parallel, one Tesseract per core; each job is (image, y offset).

    Returns the words of each job with boxes shifted by its offset.
    """
    results: list[list[Word]] = [[] for _ in jobs]
    with tempfile.TemporaryDirectory(prefix="scan-ocr-") as tmp:
        paths = []
        for i, (img, _) in enumerate(jobs):
            p = Path(tmp) / f"band-{i}.pgm"  # uncompressed: writing PNG costs more than it saves
            cv2.imwrite(str(p), img)
            paths.append(str(p))
        with ThreadPoolExecutor(max_workers=workers or cores()) as pool:
            futures = [pool.submit(_run, paths[i], lang, dpi, psm, timeout, jobs[i][1], i, extra) for i in range(len(jobs))]
            for i, fut in enumerate(futures):
                try:
                    results[i] = fut.result()
                except (RuntimeError, pytesseract.TesseractError, OSError) as exc:  # timeout or a failed run
                    # our failure, not an empty page: the check sends the letter to a person
                    raise OcrError(f"Tesseract: {type(exc).__name__}: {exc}") from exc
    return results


def ocr_page(grey: np.ndarray, lang: str, dpi: int, timeout: float, parts: int = 1) -> list[Word]:
    bands = split_rows(grey, parts)
    jobs = [(grey[a:b], a) for a, b in bands]
    out: list[Word] = []
    for words in ocr_bands(jobs, lang, dpi, timeout, workers=len(jobs)):
        out.extend(words)
    return out


_REAL_WORD = re.compile(r"[«(\"]?[А-Яа-яЁёA-Za-z]{4,}[»).,:;\"]?")


def good_words(words: Sequence[Word], min_conf: float) -> int:
    """Confidently read, real-looking words (letters only): junk from a page upside down is not."""
    return sum(1 for w in words if w.conf >= min_conf and _REAL_WORD.fullmatch(w.text))


def lines_of(words: Sequence[Word]) -> list[Line]:
    groups: dict[tuple[int, int, int, int], list[Word]] = {}
    for w in words:
        groups.setdefault(w.line, []).append(w)
    lines = [Line(tuple(sorted(ws, key=lambda w: w.x0))) for ws in groups.values()]
    lines.sort(key=lambda ln: (ln.box[1], ln.box[0]))
    return lines


def regroup(words: Sequence[Word], part: int) -> list[Word]:
    """Words re-assigned to lines by geometry (vertical overlap, small gaps), for sparse-mode output."""
    if not words:
        return []
    hs = sorted(w.h for w in words)
    med = hs[len(hs) // 2]
    bands: list[list[Word]] = []
    for w in sorted(words, key=lambda w: w.cy):
        if bands and abs(bands[-1][-1].cy - w.cy) < 0.5 * med:
            bands[-1].append(w)
        else:
            bands.append([w])
    rows: list[list[Word]] = []
    for band in bands:
        row: list[Word] = []
        for w in sorted(band, key=lambda w: w.x0):
            if row and w.x0 - row[-1].x1 > 2.5 * med:
                rows.append(row)
                row = []
            row.append(w)
        rows.append(row)
    out: list[Word] = []
    for i, row in enumerate(rows):
        for w in sorted(row, key=lambda w: w.x0):
            out.append(Word(w.text, w.conf, w.x0, w.y0, w.x1, w.y1, (part, i, 0, 0)))
    return out
