"""Why the check was unsure: for each document a run sent to review (a devset.py log), the reason
each doubtful signature row gave (check.py's debug line), grouped by kind of reason. With
`--verdict incomplete`, why each row was read empty (its measures, also at raised contrast).

    .venv/bin/python bench/why.py DEV/run.jsonl [--set dev-doc] [--cache DEV/ocr] [--verdict incomplete]
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


class Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("log", type=Path)
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--cache", type=Path)
    ap.add_argument("--verdict", default="review", help="the run's verdict to explain (default: review)")
    ap.add_argument("--dirs", type=Path, default=None, help="where the sets live (default: beside the log)")
    args = ap.parse_args()
    from bot import DEFAULT_RULES_DIR
    from bot.rules import load
    from bot.scan import check_files

    if args.cache:
        import scan_bench

        scan_bench.cache_ocr(args.cache)
    rules = load(DEFAULT_RULES_DIR)
    keep = Keep()
    logging.getLogger("bot.scan").addHandler(keep)
    logging.getLogger("bot.scan").setLevel(logging.DEBUG)
    base = args.dirs or args.log.parent
    kinds: collections.Counter[str] = collections.Counter()
    for line in args.log.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["verdict"] != args.verdict or (args.set and row["set"] not in args.set):
            continue
        keep.lines.clear()
        check_files([base / row["set"] / row["name"]], rules)
        whys = [m for m in keep.lines if re.match(r"page \d+ (manager|owner) ", m)]
        print(f"{row['set']}/{row['name']} truth {row['truth']['verdict']} {','.join(row['doubts'])}")
        for m in whys:
            kind = m.split()[2]
            print("   ", m, f"[truth: {'signed' if row['truth'].get(kind) else 'not signed'}]")
            kinds[re.sub(r"[\d.]+", "#", m.split(": ", 1)[1].split(" (")[0].split(";")[0])[:40]] += 1
    for k, v in kinds.most_common():
        print(f"{v:4d} {k}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
