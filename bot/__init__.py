"""vipnet-cert-bot: the mail bot of the TFOMS AO certification centre."""

from pathlib import Path

__version__ = "0.1.0"

# The project's own rules/ folder: the default policy when the config names no other.
DEFAULT_RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
