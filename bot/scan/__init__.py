"""The scan check (issue 3): OCR the attached application and decide form, signatures and seal.

    from bot.scan import check_files, ScanResult
    result = check_files([Path("scan.pdf")], rules)
    result.verdict, result.defects, result.to_json()

Untrusted files are decoded in a limited child process (bot/scan/_decode.py); the analysis
itself works on pixel arrays and Tesseract word boxes (pure functions in the submodules).
"""

from bot.scan.check import check_files
from bot.scan.model import FIELD_NAMES, ScanResult

__all__ = ["FIELD_NAMES", "ScanResult", "check_files", "defect_texts"]


def defect_texts(result: ScanResult, rules: object | None = None) -> list[str]:
    """The defects as Russian sentences from rules/form.toml [defect_text] (the code when unknown)."""
    from bot.scan.config import from_rules

    table = from_rules(rules).defect_text  # type: ignore[arg-type]
    return [table.get(code, code) for code in result.defects]
