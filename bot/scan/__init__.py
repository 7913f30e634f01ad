"""The scan check (issue 3): OCR the attached application and decide form, signatures and seal.

    from bot.scan import check_files, ScanResult
    result = check_files([Path("scan.pdf")], rules)
    result.verdict, result.defects, result.to_json()

Untrusted files are decoded in a limited child process (bot/scan/_decode.py); the analysis
itself works on pixel arrays and Tesseract word boxes (pure functions in the submodules).
"""

from bot.scan.check import check_files
from bot.scan.config import defect_texts
from bot.scan.model import FIELD_NAMES, ScanResult

__all__ = ["FIELD_NAMES", "ScanResult", "check_files", "defect_texts"]
