"""A local Maildir as the mailbox: the embedded default, and where ViPNet's own
automatic processing drops letters into a folder. Folders are Maildir++ (".A.B")."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from bot.edge.mailbox import MailboxError, MessageRef, StopFlag


class MaildirMailbox:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def connect(self) -> None:
        try:
            for sub in ("new", "cur", "tmp"):
                (self.root / sub).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MailboxError(f"maildir {self.root}: {exc}") from exc

    def close(self) -> None:
        pass

    def _entries(self) -> list[Path]:
        files = []
        for sub in ("new", "cur"):
            files.extend(p for p in (self.root / sub).iterdir() if p.is_file() and not p.name.startswith("."))
        return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))

    @staticmethod
    def _uid(path: Path) -> str:
        return path.name.split(":", 1)[0]  # the unique part, without the ":2,FLAGS" info

    def pending(self, known: set[str]) -> list[MessageRef]:
        refs = []
        for path in self._entries():
            uid = self._uid(path)
            key = f"maildir:{self.root}:{uid}"
            if key in known:
                continue
            with path.open("rb") as fh:
                head = fh.read(64 * 1024).split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
            arrived = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            refs.append(MessageRef(key=key, uid=uid, arrived=arrived, subject_header=head + b"\r\n\r\n"))
        return refs

    def _path(self, ref: MessageRef) -> Path:
        for path in self._entries():
            if self._uid(path) == ref.uid:
                return path
        raise MailboxError(f"message {ref.uid} is gone from {self.root}")

    def fetch(self, ref: MessageRef) -> bytes:
        return self._path(ref).read_bytes()

    def folder_path(self, folder: str) -> Path:
        return self.root / ("." + ".".join(part for part in folder.split("/") if part))

    def file(self, ref: MessageRef, folder: str) -> None:
        source = self._path(ref)
        target_dir = self.folder_path(folder)
        for sub in ("new", "cur", "tmp"):
            (target_dir / sub).mkdir(parents=True, exist_ok=True)
        # One rename: atomic, so a crash leaves the letter in exactly one place.
        os.replace(source, target_dir / "cur" / source.name)

    def refile(self, source: str, target: str, sha256: str, message_id: str) -> bool:
        """Move the message with these bytes from one filing folder to another (after `letter retry`)."""
        import hashlib

        folder = self.folder_path(source)
        for path in sorted(p for sub in ("cur", "new") if (folder / sub).is_dir() for p in (folder / sub).iterdir()):
            if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == sha256:
                target_dir = self.folder_path(target)
                for sub in ("new", "cur", "tmp"):
                    (target_dir / sub).mkdir(parents=True, exist_ok=True)
                os.replace(path, target_dir / "cur" / path.name)
                return True
        return False

    def wait(self, seconds: float, stop: StopFlag) -> None:
        stop.wait(seconds)
