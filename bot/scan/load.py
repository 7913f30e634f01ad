"""I/O-safe loading of pages: each file is decoded by a limited child process (_decode.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.scan.config import Limits

DECODER = Path(__file__).with_name("_decode.py")


@dataclass(frozen=True)
class PageRef:
    """A decoded page on disk (raw 8-bit pixels: grey, or colour in BGR order), loaded on demand
    to keep memory low."""

    path: Path
    width: int
    height: int
    channels: int
    dpi: float
    file_index: int
    page_index: int
    text_words: tuple[tuple[str, float, float, float, float], ...] = ()  # a PDF's text layer, in pixels
    scan_histogram: tuple[int, ...] = ()  # a PDF page's scanned image's grey histogram (page.prepare)

    def load(self) -> np.ndarray:
        data = np.fromfile(self.path, dtype=np.uint8)
        shape = (self.height, self.width) if self.channels == 1 else (self.height, self.width, self.channels)
        return data.reshape(shape)


@dataclass
class LoadedFile:
    name: str
    ok: bool
    code: str = ""
    detail: str = ""
    kind: str = ""
    pages: list[PageRef] = field(default_factory=list)


def decode_file(path: Path, index: int, workdir: Path, limits: Limits, target_dpi: int) -> LoadedFile:
    """Decode one untrusted file; never raises: failures come back as ok=False with a code."""
    name = path.name
    try:
        if not path.is_file():
            return LoadedFile(name, False, "corrupt_file", "файл не найден")
        if path.stat().st_size == 0:
            return LoadedFile(name, False, "empty_file")
        if path.stat().st_size > limits.max_file_mb * 1024 * 1024:
            return LoadedFile(name, False, "too_large", f"{path.stat().st_size} байт")
    except OSError as exc:
        return LoadedFile(name, False, "corrupt_file", str(exc))
    out = workdir / f"file-{index:03d}"
    out.mkdir(parents=True, exist_ok=True)
    payload = {
        "memory_mb": limits.memory_mb, "decode_seconds": limits.decode_seconds, "max_pixels": limits.max_pixels,
        "max_pages": limits.max_pages, "max_file_mb": limits.max_file_mb,
        "max_render_pixels": limits.max_render_pixels, "target_dpi": target_dpi,
    }
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OMP_THREAD_LIMIT": "1",
           "OPENBLAS_NUM_THREADS": "1", "LANG": "C.UTF-8"}
    try:
        proc = subprocess.run(
            [sys.executable, "-I", str(DECODER), str(path), str(out), json.dumps(payload)],
            capture_output=True, timeout=limits.decode_seconds, env=env, check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return LoadedFile(name, False, "timeout", f"декодирование дольше {limits.decode_seconds:.0f} с")
    except OSError as exc:
        return LoadedFile(name, False, "corrupt_file", f"декодер не запустился: {exc}")
    lines = proc.stdout.decode("utf-8", "replace").strip().splitlines()
    if proc.returncode != 0 or not lines:
        err = proc.stderr.decode("utf-8", "replace")
        code = "too_large" if ("MemoryError" in err or proc.returncode in (-9, -6)) else "corrupt_file"
        if proc.returncode in (-24, -9) and "MemoryError" not in err:  # SIGXCPU / killed
            code = "timeout" if proc.returncode == -24 else code
        return LoadedFile(name, False, code, f"декодер завершился с кодом {proc.returncode}")
    try:
        msg = json.loads(lines[-1])
    except ValueError:
        return LoadedFile(name, False, "corrupt_file", "непонятный ответ декодера")
    if not msg.get("ok"):
        return LoadedFile(name, False, str(msg.get("code", "corrupt_file")), str(msg.get("detail", "")))
    pages = [
        PageRef(Path(p["path"]), int(p["width"]), int(p["height"]), int(p["channels"]), float(p["dpi"]), index, i,
                tuple((str(w[0]), float(w[1]), float(w[2]), float(w[3]), float(w[4])) for w in p.get("words", [])),
                tuple(int(n) for n in p.get("scan_histogram", [])))
        for i, p in enumerate(msg["pages"])
    ]
    return LoadedFile(name, True, kind=str(msg.get("kind", "")), pages=pages)
