"""The scan check's result values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FIELD_NAMES = ("inn", "ogrn", "snils", "owner_name", "organisation", "position", "vipnet_node")
MARKS = ("manager", "owner", "seal")
PRESENT, ABSENT, DOUBT = "present", "absent", "doubt"
# The defect of each mark seen absent.
MISSING = {"manager": "manager_signature_missing", "owner": "owner_signature_missing", "seal": "seal_missing"}


def marks_in_doubt(doubts: list[str] | tuple[str, ...]) -> list[str]:
    """The marks a check's doubts are about, in the order of MARKS: a mark's doubt codes start
    with its name («owner_signature_unsure», «seal_ring_partial»); «ocr_weak» and internal
    failures name no mark."""
    return [m for m in MARKS if any(d.startswith(f"{m}_") for d in doubts)]


# The verdicts, as people read them (the case timeline, the digest, the demo).
VERDICT_NAMES = {
    "complete": "скан принят",
    "incomplete": "скан не принят",
    "review": "скан на проверке у специалиста",
    "not_a_form": "во вложении нет заявки",
    "unreadable": "скан не читается",
}


@dataclass(frozen=True)
class Mark:
    """One mark (a signature or the seal) as the check saw it: present, absent, or a doubt.

    `confidence` (0..1) is how sure the check is of `state`; `doubt` names what is unsure.
    """

    state: str
    confidence: float
    doubt: str = ""

    @property
    def seen(self) -> bool | None:
        return True if self.state == PRESENT else False if self.state == ABSENT else None

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "confidence": round(self.confidence, 2), "doubt": self.doubt or None}


@dataclass
class PageResult:
    index: int                 # over all pages of all files
    file: int
    page: int
    form: bool
    seconds: float
    rotation: int = 0
    skew: float = 0.0
    title_score: float = 0.0
    manager: bool | None = None
    owner: bool | None = None
    seal: bool | None = None
    good_words: int = 0
    blank: bool = False
    marks: dict[str, Mark] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "file": self.file, "page": self.page, "form": self.form,
                "seconds": round(self.seconds, 2), "rotation": self.rotation, "skew": round(self.skew, 2),
                "title_score": round(self.title_score, 1), "signatures": {"manager": self.manager, "owner": self.owner},
                "seal": self.seal, "blank": self.blank,
                "marks": {k: v.to_json() for k, v in self.marks.items()}}


@dataclass
class FileResult:
    name: str
    ok: bool
    code: str = ""
    detail: str = ""
    pages: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "code": self.code or None, "detail": self.detail or None,
                "pages": self.pages}


@dataclass
class ScanResult:
    verdict: str                  # complete | incomplete | review | not_a_form | unreadable (VERDICT_NAMES)
    form: bool = False
    manager: bool | None = None
    owner: bool | None = None
    seal: bool | None = None
    fields: dict[str, str | None] = field(default_factory=lambda: dict.fromkeys(FIELD_NAMES))
    valid: dict[str, bool] = field(default_factory=dict)   # check digits of inn/ogrn/snils
    unsure_fields: dict[str, str] = field(default_factory=dict)  # read, but failing the check digit
    defects: list[str] = field(default_factory=list)
    doubts: list[str] = field(default_factory=list)  # what the check is not sure of (review)
    marks: dict[str, Mark] = field(default_factory=dict)
    reason: str | None = None                      # Russian, for unreadable and review
    pages: list[PageResult] = field(default_factory=list)
    files: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "form": self.form,
            "signatures": {"manager": self.manager, "owner": self.owner},
            "seal": self.seal,
            "fields": {k: self.fields.get(k) for k in FIELD_NAMES},
            "fields_valid": self.valid,
            "fields_unsure": dict(self.unsure_fields),
            "defects": list(self.defects),
            "doubts": list(self.doubts),
            "confidence": {k: round(v.confidence, 2) for k, v in self.marks.items()},
            "marks": {k: v.to_json() for k, v in self.marks.items()},
            "reason": self.reason,
            "pages": [p.to_json() for p in self.pages],
            "files": [f.to_json() for f in self.files],
            "seconds": round(self.seconds, 2),
        }
