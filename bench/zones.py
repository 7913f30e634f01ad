"""Every signature zone of the development sets, measured, beside the truth: what a change to the
zone's reading (bot/scan/signature.py) or to its judgement (check.zone_mark) is weighed on, zone by
zone rather than document by document.

    # the zones of the sets (OCR cached: about 20 min for 2000 documents on two cores)
    .venv/bin/python bench/zones.py collect DEV/zones.jsonl DEV/office DEV/doc DEV/scan --cache DEV/ocr --jobs 2
    # the zones whose first reading was in between (or another state), by a measure
    .venv/bin/python bench/zones.py table DEV/zones.jsonl [--first unsure] [--by hued]

A row: set, name, page, kind, truth (signed), the document's verdict, the zone's first mark
(zone_mark on its first reading: present, absent, or the doubt), its final mark, and the zone's
measures (ratio, loose, stroke, hued, shape_only) and geometry (its box, the box of its counted
strokes, the label's box, the label height `unit`; page pixels at the check's 300 dpi). A set's generator is read from its folder name
(«office» → officegen, «doc» → docgen, else scangen).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import devset  # noqa: E402

GENERATORS = ("scangen", "docgen", "officegen")


def generator_of(set_name: str) -> str:
    return "officegen" if "office" in set_name else "docgen" if "doc" in set_name else "scangen"


def _zones(job: tuple[str, str, dict]) -> list[dict]:
    from bot.scan.check import check_files, zone_mark
    from bot.scan.config import from_rules

    path, tag, truth = job
    cfg = from_rules(devset._rules)
    pages: list = []
    result = check_files([Path(path)], devset._rules, annotate=pages)
    rows = []
    for pa in pages:
        for kind in ("manager", "owner"):
            z = pa.zones.get(kind)
            if z is None or z.box is None or kind not in truth:
                continue
            first = zone_mark(z, cfg)
            final = pa.result.marks.get(kind)
            rows.append({"set": tag, "name": Path(path).name, "page": pa.result.index, "kind": kind,
                         "signed": bool(truth[kind]), "verdict": result.verdict,
                         "first": first.doubt or first.state, "final": (final.doubt or final.state) if final else None,
                         "ratio": z.ratio, "loose": z.loose, "stroke": z.stroke, "shape_only": z.shape_only,
                         "hued": z.hued,
                         "box": z.box, "ink_box": z.ink_box, "unit": z.unit,
                         "label": pa.labels[kind].box if kind in pa.labels else None})
    return rows


def collect(out: Path, dirs: list[Path], cache: Path | None, jobs: int) -> None:
    work = devset.documents(dirs)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    with Pool(jobs, devset._init, (str(cache) if cache else None,)) as pool, out.open("w", encoding="utf-8") as fh:
        for i, rows in enumerate(pool.imap(_zones, work, chunksize=1)):
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            fh.flush()
            if (i + 1) % 100 == 0:
                print(f"{i + 1}/{len(work)}", flush=True)


def load_rows(data: Path) -> list[dict]:
    return [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines() if line.strip()]


def table(data: Path, first: str, by: str) -> None:
    """The zones whose first mark ends with ``first``, sorted by the measure ``by``, with the truth."""
    rows = [r for r in load_rows(data) if r["first"].endswith(first)]
    for g in GENERATORS:
        mine = [r for r in rows if generator_of(r["set"]) == g]
        print(f"{g}: {len(mine)} zones, {sum(r['signed'] for r in mine)} signed")
    for r in sorted(rows, key=lambda r: -r[by]):
        print(f"{'signed' if r['signed'] else 'EMPTY ':6} {by} {r[by]:5.2f} ratio {r['ratio']:5.2f} loose {r['loose']:5.2f} "
              f"stroke {r['stroke']:5.2f} {r['set']}/{r['name']} {r['kind']}: {r['final']} ({r['verdict']})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("collect", help="the zones of the sets, measured, with their truth")
    c.add_argument("out", type=Path)
    c.add_argument("dirs", type=Path, nargs="+")
    c.add_argument("--cache", type=Path)
    c.add_argument("--jobs", type=int, default=2)
    t = sub.add_parser("table", help="the zones of one first mark, by one measure")
    t.add_argument("data", type=Path)
    t.add_argument("--first", default="signature_unsure", help="the first mark's ending (default: signature_unsure)")
    t.add_argument("--by", default="hued", help="the measure to sort by (default: hued)")
    args = ap.parse_args()
    if args.cmd == "collect":
        collect(args.out, args.dirs, args.cache, args.jobs)
    else:
        table(args.data, args.first, args.by)
    return 0


if __name__ == "__main__":
    sys.exit(main())
