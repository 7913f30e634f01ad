"""Keep each accepted attachment in the state dir, under a generated name."""

from __future__ import annotations

from pathlib import Path

from bot.pipeline.model import Context, Letter, Outcome, SavedAttachment
from bot.store import write_atomic

NAME = "save_attachments"
ATTACHMENTS_DIR = "attachments"


def run(letter: Letter, outcome: Outcome, ctx: Context) -> Outcome:
    limits = ctx.rules.section("mail")["attachments"]
    kinds = set(limits["kinds"])
    max_bytes = int(float(limits["max_file_mb"]) * 1024 * 1024)
    max_files = int(limits["max_files"])
    folder = Path(ATTACHMENTS_DIR) / ctx.now.strftime("%Y-%m")
    saved = []
    accepted_count = 0
    for attachment in letter.attachments:
        reason = None
        if attachment.kind not in kinds:
            reason = "тип файла не поддерживается (нужен PDF, JPEG, PNG или TIFF)"
        elif attachment.size == 0:
            reason = "пустой файл"
        elif attachment.size > max_bytes:
            reason = f"файл больше {limits['max_file_mb']} МБ"
        elif accepted_count >= max_files:
            reason = f"в письме больше {max_files} файлов"
        stored_as = ""
        if reason is None:
            accepted_count += 1
            # Named by content: the sender's file name never touches the file system.
            relative = folder / f"{attachment.sha256[:32]}.{attachment.kind}"
            target = ctx.state_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not target.exists():
                write_atomic(target, attachment.data, mode=0o600)
            stored_as = str(relative)
        saved.append(SavedAttachment(
            filename=attachment.filename, stored_as=stored_as, kind=attachment.kind,
            size=attachment.size, sha256=attachment.sha256, accepted=reason is None, reason=reason,
        ))
    return outcome.with_(saved=tuple(saved))
