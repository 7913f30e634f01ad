"""Speed of two code trees on the same kept pages, side by side with plain Tesseract (issue 10's measure).

scan_bench.py --speed-only makes its cases anew each run; this reruns the check on cases it kept
(``--keep-cases DIR``: each single-page case has its ``.page.png`` beside it), with scan_bench's own
timers, so that the code before and after a change can be run in turns on the same pages:

    git worktree add /tmp/before HEAD~1 && ln -s "$PWD/.venv" /tmp/before/.venv
    for round in 1 2 3; do for tree in /tmp/before .; do
        OMP_THREAD_LIMIT=1 .venv/bin/python bench/speed_ab.py "$tree" DIR/case-*.page.png; done; done

Each run prints scan_bench's speed lines: the medians of plain Tesseract's and the check's time per
page, and their ratios. On a shared virtual machine the same code's ratio varies by about ±7 % from
run to run: take rounds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tree", type=Path, help="the code tree to time (its bot/ and rules/)")
    ap.add_argument("pages", type=Path, nargs="+", help="kept cases' CASE.page.png files")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    tree = args.tree.resolve()
    # the tree's bot first: scan_bench puts this checkout first on the path when it is imported
    sys.path.insert(0, str(tree))
    import bot.scan.check
    from bot.rules import load

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import scan_bench  # the timers: this process's CPU and its waited-for children's

    print(f"timing {Path(bot.scan.check.__file__).parent.parent.parent}")

    # scan_bench's own side-by-side run, on these cases (their .page.png is there: nothing is rendered)
    cases = [{"name": str(png.resolve().with_name(png.name.removesuffix(".page.png"))), "truth": {"fmt": ""}}
             for png in args.pages]
    for text in scan_bench.speed(Path("/"), cases, load(tree / "rules"), len(cases), args.repeat):
        print(f"{tree}: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
