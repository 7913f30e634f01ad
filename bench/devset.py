"""Development sets for the scan check: make them once, check them fast, compare two runs.

Not a benchmark (the figures to report come from scan_bench.py on seeds never tuned on); this is the
loop a change to bot/scan goes through before it lands: the same documents before and after, with
Tesseract's words cached so that a rerun after a change to the mark analysis skips OCR.

    .venv/bin/python bench/devset.py make officegen 800000 200 DEV/office   # files + truth.json
    .venv/bin/python bench/devset.py check DEV/before.jsonl DEV/office DEV/doc --cache DEV/ocr
    .venv/bin/python bench/devset.py compare DEV/before.jsonl DEV/after.jsonl

`compare` prints, per set, right / review / confident errors / false accepts (the same definitions
as scan_bench.py) and every document whose verdict, defects or doubts changed.
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
sys.path.insert(0, str(ROOT / "fixtures" / "scans"))
sys.path.insert(0, str(ROOT / "bench"))

def make(generator: str, seed: int, count: int, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    truth_path = out / "truth.json"
    truth: dict[str, dict] = json.loads(truth_path.read_text(encoding="utf-8")) if truth_path.exists() else {}
    if generator == "scangen":
        import scangen

        truth.update(scangen.generate(out, count, seed))
    elif generator == "docgen":
        import docgen

        for s in range(seed, seed + count):
            data, ext, t = docgen.make_doc(s)
            (out / f"doc-{s}.{ext}").write_bytes(data)
            truth[f"doc-{s}.{ext}"] = t
    else:
        import officegen

        seeds = list(range(seed, seed + count))
        for k in range(0, count, 20):
            for s, (data, ext, t) in zip(seeds[k:k + 20], officegen.make_docs(seeds[k:k + 20]), strict=True):
                (out / f"office-{s}.{ext}").write_bytes(data)
                truth[f"office-{s}.{ext}"] = t
            print(f"{generator}: {min(k + 20, count)}/{count}", flush=True)
    truth_path.write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")


_rules = None


def _init(cache: str | None) -> None:
    global _rules
    from bot import DEFAULT_RULES_DIR
    from bot.rules import load

    if cache:
        import scan_bench

        scan_bench.cache_ocr(Path(cache))
    _rules = load(DEFAULT_RULES_DIR)


def _check(job: tuple[str, str, dict]) -> dict:
    from bot.scan import check_files

    path, tag, truth = job
    r = check_files([Path(path)], _rules).to_json()  # type: ignore[arg-type]
    return {"set": tag, "name": Path(path).name, "truth": truth,
            "verdict": r["verdict"], "defects": r["defects"], "doubts": r["doubts"], "fields": r["fields"]}


def documents(dirs: list[Path]) -> list[tuple[str, str, dict]]:
    """Every document of the sets, as (path, set name, truth)."""
    work = []
    for d in dirs:
        truth = json.loads((d / "truth.json").read_text(encoding="utf-8"))
        work += [(str(d / name), d.name, t) for name, t in sorted(truth.items())]
    return work


def check(log: Path, dirs: list[Path], cache: Path | None, jobs: int, only: tuple[Path, list[str]] | None = None) -> None:
    """``only``: a run's log and verdicts: just the documents that run judged so (a change that can
    only move, say, «incomplete» verdicts is measured on those alone)."""
    keep: set[tuple[str, str]] | None = None
    if only is not None:
        rows = [json.loads(line) for line in only[0].read_text(encoding="utf-8").splitlines()]
        keep = {(r["set"], r["name"]) for r in rows if r["verdict"] in only[1]}
    work = [job for job in documents(dirs) if keep is None or (job[1], Path(job[0]).name) in keep]
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    with Pool(jobs, _init, (str(cache) if cache else None,)) as pool, log.open("w", encoding="utf-8") as fh:
        for i, row in enumerate(pool.imap(_check, work, chunksize=1)):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            fh.flush()
            if (i + 1) % 50 == 0:
                print(f"{i + 1}/{len(work)}", flush=True)


def judge(row: dict) -> str:
    """right, review, CE (a verdict that is not review and may not be told: scan_bench.told_true) or FA."""
    t, got = row["truth"], row["verdict"]
    if got == "review":
        return "review"
    if got == "complete" and t["verdict"] != "complete":
        return "FA"
    from scan_bench import told_true

    return "right" if told_true(t, got, row["defects"], row["doubts"]) else "CE"


def _fold(value: object, digits: bool) -> str:
    text = str(value or "")
    return "".join(c for c in text if c.isdigit()) if digits else " ".join(text.lower().replace("ё", "е").split())


def field_misses(row: dict) -> list[str]:
    out = []
    for key in ("inn", "ogrn", "snils", "owner_name"):
        want = row["truth"].get(key)
        if want and row["verdict"] != "not_a_form":
            got = row["fields"].get(key)
            if _fold(got, key != "owner_name") != _fold(want, key != "owner_name"):
                out.append(f"{key}:{got}≠{want}")
    return out


def load_log(path: Path) -> dict[str, dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {f"{r['set']}/{r['name']}": r for r in rows}


def describe(row: dict) -> str:
    return f"{judge(row):6} {row['verdict']:10} {','.join(row['defects'])} | {','.join(row['doubts'])}"


def compare(a_path: Path, b_path: Path | None, fields: bool) -> None:
    a = load_log(a_path)
    b = load_log(b_path) if b_path else None
    for label, rows in (("A", a), ("B", b)):
        if rows is None:
            continue
        sets: dict[str, list[dict]] = {}
        for r in rows.values():
            sets.setdefault(r["set"], []).append(r)
        for name, xs in sorted(sets.items()):
            kinds = [judge(x) for x in xs]
            nf = sum(bool(field_misses(x)) for x in xs)
            print(f"{label} {name:14} n={len(xs):3d} right {kinds.count('right'):3d} review {kinds.count('review'):3d} "
                  f"CE {kinds.count('CE'):2d} FA {kinds.count('FA'):2d} field-misses {nf}")
    if b is None:
        for key, r in sorted(a.items()):
            if judge(r) in ("CE", "FA") or (fields and field_misses(r)):
                print(f"  {key:32} {r['truth']['verdict']:>10} -> {describe(r)} {' '.join(field_misses(r))}")
        return
    for key in sorted(set(a) & set(b)):
        ra, rb = a[key], b[key]
        if (ra["verdict"], ra["defects"], ra["doubts"]) != (rb["verdict"], rb["defects"], rb["doubts"]) or \
                (fields and field_misses(ra) != field_misses(rb)):
            print(f"  {key:32} {ra['truth']['verdict']:>10}\n      A {describe(ra)} {' '.join(field_misses(ra))}"
                  f"\n      B {describe(rb)} {' '.join(field_misses(rb))}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make", help="generate a development set (files and truth.json)")
    m.add_argument("generator", choices=["scangen", "docgen", "officegen"])
    m.add_argument("seed", type=int)
    m.add_argument("count", type=int)
    m.add_argument("out", type=Path)
    c = sub.add_parser("check", help="check every document of the sets; one JSON line each")
    c.add_argument("log", type=Path)
    c.add_argument("dirs", type=Path, nargs="+")
    c.add_argument("--cache", type=Path, help="Tesseract words cached here (timings then mean nothing)")
    c.add_argument("--jobs", type=int, default=2)
    c.add_argument("--only", nargs=2, metavar=("LOG", "VERDICTS"),
                   help="only the documents LOG judged one of VERDICTS (comma-separated)")
    p = sub.add_parser("compare", help="figures per set of one run, and what changed between two")
    p.add_argument("a", type=Path)
    p.add_argument("b", type=Path, nargs="?")
    p.add_argument("--fields", action="store_true", help="also field misses")
    args = ap.parse_args()
    if args.cmd == "make":
        make(args.generator, args.seed, args.count, args.out)
    elif args.cmd == "check":
        only = (Path(args.only[0]), args.only[1].split(",")) if args.only else None
        check(args.log, args.dirs, args.cache, args.jobs, only)
    else:
        compare(args.a, args.b, args.fields)
    return 0


if __name__ == "__main__":
    sys.exit(main())
