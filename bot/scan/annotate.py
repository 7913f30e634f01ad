"""--annotate: the analysed page with boxes, so a person sees at a glance why."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from bot.scan.check import PageAnalysis


def pick_page(analyses: Sequence[PageAnalysis]) -> PageAnalysis | None:
    """The page worth showing: a form page with signature labels, else the first analysed one."""
    with_image = [a for a in analyses if a.image is not None]
    forms = [a for a in with_image if a.result.form]
    forms.sort(key=lambda a: (len(a.labels), a.result.title_score), reverse=True)
    return forms[0] if forms else (with_image[0] if with_image else None)


def render(a: PageAnalysis, max_side: int = 1800) -> np.ndarray:
    assert a.image is not None
    img = a.image.copy() if a.image.ndim == 3 else cv2.cvtColor(a.image, cv2.COLOR_GRAY2BGR)
    thick = max(2, img.shape[0] // 800)
    if 0 <= a.title_line < len(a.lines):
        x0, y0, x1, y1 = a.lines[a.title_line].box
        cv2.rectangle(img, (x0, y0), (x1, y1), (255, 128, 0), thick)
    for lab in a.labels.values():
        x0, y0, x1, y1 = lab.box
        cv2.rectangle(img, (x0, y0), (x1, y1), (255, 0, 0), thick)
    for z in a.zones.values():
        if z.box is None:
            continue
        x0, y0, x1, y1 = z.box
        colour = (0, 170, 0) if z.signed else (0, 0, 230)
        cv2.rectangle(img, (x0, y0), (x1, y1), colour, thick * 2)
    for s in a.seals[:5]:
        colour = (200, 0, 200) if s.accepted else (150, 150, 150)
        cv2.circle(img, (int(s.x), int(s.y)), int(s.r), colour, thick * (2 if s.accepted else 1))
    f = max_side / max(img.shape[:2])
    if f < 1:
        img = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    return img


def write(analyses: Sequence[PageAnalysis], out: Path) -> bool:
    a = pick_page(analyses)
    if a is None:
        return False
    return bool(cv2.imwrite(str(out), render(a)))
