"""Small annotated page pictures of rejected scans, for the digest.

The picture is the scan check's own annotation (bot.scan.check_files(..., annotate=...)
and bot.scan.annotate: seal circles, signature zones), scaled down and kept as PNG in
state_dir/pictures/ (mode 0600) so that each scan is analysed for a picture once.
The pictures are personal data like the scans: rules/retention.toml deletes them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bot import logs
from bot.rules import Rules
from bot.store import write_atomic

log = logs.get("bot.digest.pictures")
PICTURES_DIR = "pictures"


def cache_path(state_dir: Path, key: str) -> Path:
    return Path(state_dir) / PICTURES_DIR / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.png"


def annotated_png(paths: list[Path], rules: Rules | None, max_side: int) -> bytes | None:
    """Run the scan check with annotation and return the chosen page as a small PNG (None if none)."""
    import cv2

    from bot.scan import annotate as annotate_mod
    from bot.scan import check_files

    analyses: list[Any] = []
    check_files(paths, rules, annotate=analyses)
    page = annotate_mod.pick_page(analyses)
    if page is None:
        return None
    img = annotate_mod.render(page, max_side=max_side)
    ok, buf = cv2.imencode(".png", img, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return bytes(buf) if ok else None


def for_rows(rows: Iterable[Mapping[str, Any]], keys: Iterable[str], state_dir: Path, rules: Rules | None,
             *, max_side: int, limit: int) -> dict[str, bytes]:
    """{letter key: PNG} for the wanted ledger rows (cached; missing files and failures are skipped)."""
    wanted = list(dict.fromkeys(keys))[:limit]
    by_key = {str(r.get("key")): r for r in rows}
    out: dict[str, bytes] = {}
    for key in wanted:
        row = by_key.get(key)
        if row is None:
            continue
        cached = cache_path(state_dir, key)
        if cached.exists():
            out[key] = cached.read_bytes()
            continue
        paths = [Path(state_dir) / a["stored_as"] for a in row.get("attachments") or []
                 if a.get("accepted") and a.get("stored_as")]
        paths = [p for p in paths if p.is_file()]   # retention may have deleted them
        if not paths:
            continue
        try:
            png = annotated_png(paths, rules, max_side)
        except Exception as exc:  # noqa: BLE001 - a picture is a nicety: the digest goes without it
            log.warning("digest picture failed", letter=key, error=type(exc).__name__)
            continue
        if png is None:
            continue
        cached.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(cached, png, mode=0o600)
        out[key] = png
    return out
