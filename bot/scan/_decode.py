"""Decode one untrusted file into raw page images, in a limited child process.

Run by bot/scan/load.py as `python -I _decode.py FILE OUTDIR LIMITS_JSON` (a script, not a
package module, so the child imports only Pillow and pypdfium2). It sets its own memory,
CPU and file-size limits first, writes each page as raw 8-bit pixels (L, or BGR) to OUTDIR,
and prints one JSON line: {"ok": true, "pages": [...]} or {"ok": false, "code": ..., "detail": ...}.
A native crash, a limit hit or a timeout is seen by the parent as a failed child.
"""

from __future__ import annotations

import json
import math
import resource
import sys
import warnings
from pathlib import Path
from typing import Any

A4_LONG_INCH = 11.69


class Refused(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail


def set_limits(limits: dict[str, Any]) -> None:
    mem = int(limits["memory_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    cpu = int(limits["decode_seconds"]) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    fsize = 400 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _load_sniff() -> Any:
    """bot/filetype.py's sniff, loaded by path: this child imports nothing of the bot package."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_filetype", Path(__file__).resolve().parent.parent / "filetype.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.sniff


sniff = _load_sniff()


def page_dpi(width: int, height: int, info_dpi: Any, target: int) -> float:
    """The page's resolution: the file's own if plausible for an A4-ish page, else inferred."""
    inferred = max(width, height) / A4_LONG_INCH
    try:
        d = float(info_dpi[0]) if isinstance(info_dpi, tuple | list) else float(info_dpi)
    except (TypeError, ValueError, IndexError):
        d = 0.0
    if 50 <= d <= 1200 and 0.6 <= inferred / d <= 1.6:
        return d
    return max(50.0, min(1200.0, inferred))


def thumbnail_size(width: int, height: int, box: int) -> tuple[int, int]:
    """The size Pillow's Image.thumbnail((box, box)) gives (its rounding), for a resize that
    leaves the page itself alone: thumbnail works in place, and copying the page first costs
    as much as the test."""
    if box >= width and box >= height:
        return width, height
    aspect = width / height

    def round_aspect(number: float, key: Any) -> int:
        return max(min(math.floor(number), math.ceil(number), key=key), 1)

    if aspect <= 1:
        return round_aspect(box * aspect, key=lambda n: abs(aspect - n / box)), box
    return box, round_aspect(box / aspect, key=lambda n: 0 if n == 0 else abs(aspect - box / n))


def is_colour(im: Any) -> bool:
    """True when a noticeable share of the page is saturated (a grey scan saved as RGB is not)."""
    from PIL import Image

    small = im.resize(thumbnail_size(im.width, im.height, 400), Image.Resampling.BICUBIC, reducing_gap=2.0)
    hist = small.convert("HSV").getchannel("S").histogram()
    total = sum(hist) or 1
    return sum(hist[40:]) / total > 0.0005


def write_page(im: Any, out: Path, index: int, dpi: float, target: int, bitmap: Any = None) -> dict[str, Any]:
    """Write the page raw; ``bitmap``: pdfium's bitmap ``im`` was made from, whose BGR rows are
    written as they are when the page stays colour and unscaled (no repacking of the page)."""
    from PIL import Image

    if im.mode not in ("L", "RGB"):
        if im.mode in ("1", "I;16", "I", "F", "LA", "P") and "transparency" not in im.info and im.mode != "P":
            im = im.convert("L")
        else:
            im = im.convert("RGB")
    if im.mode == "RGB" and not is_colour(im):
        im = im.convert("L")
    if dpi > target * 1.05:  # bring high-resolution pages down here, in the child
        scale = target / dpi
        im = im.resize((max(1, round(im.width * scale)), max(1, round(im.height * scale))), Image.Resampling.LANCZOS)
        dpi = float(target)
    path = out / f"page-{index:03d}.raw"
    # colour in OpenCV's channel order (BGR): the analysis takes it as it is, without a conversion
    if im.mode == "RGB" and bitmap is not None and bitmap.mode == "BGR" and (bitmap.width, bitmap.height) == im.size:
        write_rows(path, memoryview(bitmap.buffer), bitmap.stride, im.width * 3, im.height)
    else:
        write_strips(path, im)
    return {"path": str(path), "width": im.width, "height": im.height, "channels": len(im.getbands()),
            "dpi": dpi}


def write_rows(path: Path, buffer: memoryview, stride: int, row: int, height: int) -> None:
    """Rows of ``row`` bytes from a buffer whose rows are ``stride`` bytes apart (padding left out)."""
    with path.open("wb") as fh:
        if stride == row:
            fh.write(buffer[:row * height])
        else:
            for y in range(height):
                fh.write(buffer[y * stride:y * stride + row])


def write_strips(path: Path, im: Any, rows: int = 128) -> None:
    """The image's raw pixels (colour as BGR), a strip of rows at a time: tobytes() of the whole
    page joins its encoded pieces into one more page-sized copy, three times the CPU at 300 dpi."""
    raw = ("raw", "BGR") if im.mode == "RGB" else ("raw",)
    with path.open("wb") as fh:
        for y in range(0, im.height, rows):
            fh.write(im.crop((0, y, im.width, min(im.height, y + rows))).tobytes(*raw))


def decode_image(path: Path, kind: str, out: Path, limits: dict[str, Any], target: int) -> list[dict[str, Any]]:
    from PIL import Image, ImageSequence

    Image.MAX_IMAGE_PIXELS = int(limits["max_pixels"])
    warnings.simplefilter("error", Image.DecompressionBombWarning)
    formats = {"jpeg": ["JPEG"], "png": ["PNG"], "tiff": ["TIFF"]}[kind]
    pages: list[dict[str, Any]] = []
    try:
        with Image.open(path, formats=formats) as im:
            n = getattr(im, "n_frames", 1)
            if n > int(limits["max_pages"]):
                raise Refused("too_many_pages", f"{n} страниц")
            for i, frame in enumerate(ImageSequence.Iterator(im)):
                if frame.width * frame.height > int(limits["max_pixels"]):
                    raise Refused("too_large", f"{frame.width}x{frame.height}")
                frame.load()
                dpi = page_dpi(frame.width, frame.height, frame.info.get("dpi"), target)
                pages.append(write_page(frame, out, i, dpi, target))  # written before the next frame is read
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Refused("too_large", str(exc)) from exc
    except Refused:
        raise
    except MemoryError as exc:
        raise Refused("too_large", "не хватило памяти") from exc
    except Exception as exc:  # noqa: BLE001 - any decoder error is a corrupt file
        raise Refused("corrupt_file", f"{type(exc).__name__}: {exc}") from exc
    return pages


def _scan_histogram(page: Any) -> list[int] | None:
    """The grey histogram of the page's one image, when the page is that image and nothing else (a
    scan kept in a PDF): a 1-bit scan has two grey levels there, even stored as 24-bit pixels, while
    the page's render smooths every edge into greys (bot/scan/page.py tells black-and-white)."""
    import pypdfium2.raw as pdfium_c

    objects = list(page.get_objects(max_depth=1))
    if len(objects) != 1 or objects[0].type != pdfium_c.FPDF_PAGEOBJ_IMAGE:
        return None
    bitmap = objects[0].get_bitmap(render=False)
    try:
        return [int(n) for n in bitmap.to_pil().convert("L").histogram()]
    finally:
        # pdfium's own buffer, freed on close: safe, as nothing made from it outlives this call
        bitmap.warn_on_close = False
        bitmap.close()


def decode_pdf(path: Path, out: Path, limits: dict[str, Any], target: int) -> list[dict[str, Any]]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise Refused("encrypted_pdf", str(exc)) from exc
        raise Refused("corrupt_file", str(exc)) from exc
    n = len(pdf)
    if n == 0:
        raise Refused("no_pages")
    if n > int(limits["max_pages"]):
        raise Refused("too_many_pages", f"{n} страниц")
    pages: list[dict[str, Any]] = []
    plumber: Any = None  # opened at the first page with text (importing pdfminer costs ~0.1 s)
    for i in range(n):
        try:
            page = pdf[i]
            w_pt, h_pt = page.get_size()
            if w_pt <= 0 or h_pt <= 0:
                raise Refused("corrupt_file", "страница нулевого размера")
            scale = target / 72.0
            max_px = int(limits["max_render_pixels"])
            if w_pt * h_pt * scale * scale > max_px:
                scale = (max_px / (w_pt * h_pt)) ** 0.5
            bitmap = page.render(scale=scale, grayscale=False)
            im = bitmap.to_pil()
            info = write_page(im, out, i, scale * 72.0, target, bitmap)
            # a page rendered in colour is no 1-bit scan: its image is not decoded a second time
            histogram = _scan_histogram(page) if info["channels"] == 1 else None
            if histogram is not None:
                info["scan_histogram"] = histogram
            if page.get_rotation() == 0 and info["dpi"] == scale * 72.0 and _has_text(page):
                plumber = plumber or _open_plumber(path)
                info["words"] = _text_layer(plumber, i, scale)
            pages.append(info)
            bitmap.close()
            page.close()
        except pdfium.PdfiumError as exc:
            raise Refused("corrupt_file", str(exc)) from exc
        except MemoryError as exc:
            raise Refused("too_large", "не хватило памяти") from exc
    pdf.close()
    if plumber is not None:
        plumber.close()
    return pages


def _has_text(page: Any) -> bool:
    """Whether pdfium finds any character on the page (a scanned PDF's page has none)."""
    try:
        textpage = page.get_textpage()
        try:
            return bool(textpage.count_chars() > 0)
        finally:
            textpage.close()
    except Exception:  # noqa: BLE001 - a page whose text pdfium cannot read: pdfplumber may
        return True


def _open_plumber(path: Path) -> Any:
    """pdfplumber (pdfminer.six) for the text layer; a PDF it cannot parse simply has none."""
    try:
        import pdfplumber

        return pdfplumber.open(str(path))
    except Exception:  # noqa: BLE001 - no text layer is not an error: the page is OCR'd
        return None


def _text_layer(plumber: Any, index: int, scale: float, max_words: int = 3000) -> list[list[Any]]:
    """Words of the page's text layer in rendered-pixel coordinates: [text, x0, top, x1, bottom]."""
    if plumber is None:
        return []
    try:
        words = plumber.pages[index].extract_words(keep_blank_chars=False, use_text_flow=False)
    except Exception:  # noqa: BLE001
        return []
    out = []
    for w in words[:max_words]:
        text = str(w.get("text", "")).strip()
        if text:
            out.append([text, w["x0"] * scale, w["top"] * scale, w["x1"] * scale, w["bottom"] * scale])
    return out


def main() -> int:
    path, out, limits = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3])
    set_limits(limits)
    target = int(limits.get("target_dpi", 300))
    try:
        size = path.stat().st_size
        if size == 0:
            raise Refused("empty_file")
        if size > float(limits["max_file_mb"]) * 1024 * 1024:
            raise Refused("too_large", f"{size} байт")
        with path.open("rb") as fh:
            head = fh.read(1024)
        kind = sniff(head)
        if kind is None:
            raise Refused("unsupported_type", head[:8].hex())
        pages = decode_pdf(path, out, limits, target) if kind == "pdf" else decode_image(path, kind, out, limits, target)
        if not pages:
            raise Refused("no_pages")
        print(json.dumps({"ok": True, "kind": kind, "pages": pages}))
    except Refused as exc:
        print(json.dumps({"ok": False, "code": exc.code, "detail": exc.detail}))
    except MemoryError:
        print(json.dumps({"ok": False, "code": "too_large", "detail": "не хватило памяти"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
