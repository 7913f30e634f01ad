"""Scan-check benchmark (issue 3): accuracy and speed on generated scans. Not a test.

    OMP_THREAD_LIMIT=1 .venv/bin/python bench/scan_bench.py [--cases 100] [--seed 900000]

Cases come from fixtures/scans/scangen.py with seeds that tuning never used (default 900000+).
Prints verdict accuracy, false accepts (a defective application called complete), per-check
accuracy, ИНН/ОГРН exactness, median seconds per single-page 300-dpi scan, its CPU and wall
ratios to a plain `tesseract PAGE - -l rus` on the same page (interleaved page by page; the issue's
target is CPU), and peak memory on a 20-page PDF. Just the speed part, on dev seeds:
    OMP_THREAD_LIMIT=1 .venv/bin/python bench/scan_bench.py --speed-only --seed 5000 --repeat 3
Then the second generator (fixtures/scans/docgen.py, seeds 500000+) and the third
(fixtures/scans/officegen.py: LibreOffice + augraphy, held-out seeds 600000+, develop on 800000+):
per generator and per style family the false accepts, confident errors and review rate, and per
generator the ИНН/ОГРН/СНИЛС/owner's-name exactness. `--cases 0` skips the first generator.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "fixtures" / "scans"))

import docgen  # noqa: E402
import officegen  # noqa: E402
import scangen  # noqa: E402

from bot import DEFAULT_RULES_DIR  # noqa: E402
from bot.rules import Rules, load  # noqa: E402
from bot.scan import check_files  # noqa: E402
from bot.scan import ocr as ocr_mod  # noqa: E402
from bot.scan.model import MISSING, marks_in_doubt  # noqa: E402


def cache_ocr(cache: Path) -> None:
    """Development aid: keep Tesseract's words per page image, so that a rerun after a change
    to the mark analysis (seal, signatures) skips OCR. Never use it for the reported figures'
    timings: cached pages take no OCR time."""
    cache.mkdir(parents=True, exist_ok=True)
    real = ocr_mod._run

    def cached(image_path: str, lang: str, dpi: int, psm: int, timeout: float, dy: int, part: int,
               extra: str = "") -> list[ocr_mod.Word]:
        key = hashlib.sha256(Path(image_path).read_bytes() + f"|{lang}|{dpi}|{psm}|{extra}".encode()).hexdigest()
        f = cache / f"{key}.json"
        if f.exists():
            rows = json.loads(f.read_text(encoding="utf-8"))
        else:
            words = real(image_path, lang, dpi, psm, timeout, 0, 0, extra)
            rows = [[w.text, w.conf, w.x0, w.y0, w.x1, w.y1, list(w.line)] for w in words]
            f.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        return [ocr_mod.Word(t, c, x0, y0 + dy, x1, y1 + dy, (part, *line[1:]))
                for t, c, x0, y0, x1, y1, line in rows]

    ocr_mod._run = cached  # type: ignore[assignment]


def tree_rss(pid: int) -> int:
    """Resident memory (bytes) of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                parts = fh.read().rsplit(")", 1)[1].split()
            ppid, pages = int(parts[1]), int(parts[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = pages * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        stack.extend(children.get(p, []))
    return total


def peak_memory(pdf: Path) -> tuple[float, float, str]:
    """Run check-scan on one file in a child process; sample the process tree's RSS."""
    code = (f"import sys, json; sys.path.insert(0, {str(ROOT)!r}); from pathlib import Path; "
            "from bot import DEFAULT_RULES_DIR; from bot.rules import load; from bot.scan import check_files; "
            f"r = check_files([Path({str(pdf)!r})], load(DEFAULT_RULES_DIR)); print(json.dumps([r.verdict, len(r.pages)]))")
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.05)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, _ = proc.communicate()
    stop.set()
    th.join()
    return peak / 2**20, time.monotonic() - t0, out.strip()


def twenty_page_pdf(path: Path, seed: int) -> None:
    from PIL import Image

    pages = []
    for i in range(20):
        rng = random.Random(seed + i)
        t = scangen.Truth(verdict="", form=True, manager=True, owner=True, seal=True)
        img = scangen.draw_form(rng, t, True, True, True, rng.random() < 0.5, False)
        pages.append(scangen.scan(img, rng, 300, "color", rng.uniform(-1, 1), 0, 0, 0))
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", save_all=True, append_images=pages[1:], resolution=300.0)
    path.write_bytes(buf.getvalue())
    del pages
    _ = Image


def _cpu() -> float:
    """CPU seconds (user + sys) of this process and of its children that were waited for."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of fn() (CPU: the process's and its Tesseract children's)."""
    c0, t0 = _cpu(), time.monotonic()
    fn()
    return time.monotonic() - t0, _cpu() - c0


def plain_tesseract(page_png: Path) -> tuple[float, float]:
    return timed(lambda: subprocess.run(["tesseract", str(page_png), "-", "-l", "rus"], capture_output=True,
                                        check=False))


def page_png(src: Path, fmt: str) -> Path:
    """The page of a single-page case as a PNG, for plain tesseract."""
    from PIL import Image

    png = src.with_name(src.name + ".page.png")
    if png.exists():
        return png
    if fmt == "pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(str(src))
        pdf[0].render(scale=300 / 72).to_pil().save(png)
        pdf.close()
    else:
        with Image.open(src) as im:
            im.save(png)
    return png


def speed(d: Path, single: list[dict], rules: Rules, pages: int, repeat: int) -> list[str]:
    """Issue 3's speed measure: per single-page 300-dpi page, plain tesseract and the check side by
    side (interleaved page by page, `repeat` rounds); the medians' ratios in CPU and in wall time."""
    base_w: list[float] = []
    base_c: list[float] = []
    ours_w: list[float] = []
    ours_c: list[float] = []
    for _ in range(repeat):
        for x in single[:pages]:
            src = d / x["name"]
            w, c = plain_tesseract(page_png(src, x["truth"]["fmt"]))
            base_w.append(w)
            base_c.append(c)
            w, c = timed(lambda src=src: check_files([src], rules))  # type: ignore[misc]
            ours_w.append(w)
            ours_c.append(c)
    if not base_w:
        return []
    med = statistics.median
    n = len(base_w)
    return [f"plain `tesseract PAGE - -l rus` on the same pages: median wall {med(base_w):.2f} s, "
            f"CPU {med(base_c):.2f} s; ours wall {med(ours_w):.2f} s, CPU {med(ours_c):.2f} s (n={n})",
            f"ratio CPU {med(ours_c) / med(base_c):.2f} (target <= 1.5), wall {med(ours_w) / med(base_w):.2f}"]


def main() -> int:
    ap = argparse.ArgumentParser(description="Scan-check benchmark")
    ap.add_argument("--cases", type=int, default=100)
    ap.add_argument("--seed", type=int, default=900000)
    ap.add_argument("--baseline-pages", type=int, default=12, help="pages timed against plain tesseract")
    ap.add_argument("--repeat", type=int, default=1, help="rounds of the side-by-side speed run")
    ap.add_argument("--speed-only", action="store_true",
                    help="only the speed run: --baseline-pages single-page 300-dpi cases of --seed (with "
                         "--keep-cases, reused), no accuracy run, no other generators, no memory run")
    ap.add_argument("--no-memory", action="store_true", help="skip the 20-page PDF memory run")
    ap.add_argument("--json", type=Path, help="also write the per-case results here")
    ap.add_argument("--ocr-cache", type=Path, help="development: cache OCR words here (timings then mean nothing)")
    ap.add_argument("--misses", type=Path, help="development: write each miss's file and annotated page here")
    ap.add_argument("--keep-cases", type=Path, help="development: generate the cases here once and reuse them")
    ap.add_argument("--docgen-cases", type=int, default=60,
                    help="cases from the second generator (fixtures/scans/docgen.py), 0 to skip")
    ap.add_argument("--docgen-seed", type=int, default=500000)
    ap.add_argument("--officegen-cases", type=int, default=60,
                    help="cases from the third generator (fixtures/scans/officegen.py: LibreOffice, augraphy), 0 to skip")
    ap.add_argument("--officegen-seed", type=int, default=600000,
                    help="600000+ is held out; develop on 800000+")
    ap.add_argument("--force", action="append", default=[], metavar="KEY=VALUE",
                    help="development: force a generator choice, e.g. mode=bw or kind=complete")
    args = ap.parse_args()
    if args.ocr_cache:
        cache_ocr(args.ocr_cache)
    force: dict[str, object] = {}
    for kv in args.force:
        k, _, v = kv.partition("=")
        force[k] = int(v) if v.lstrip("-").isdigit() else {"true": True, "false": False}.get(v, v)
    rules = load(DEFAULT_RULES_DIR)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    rows = []
    t_start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="scan-bench-") as tmp:
        d = args.keep_cases or Path(tmp)
        if args.cases <= 0:
            truth = {}
        elif args.keep_cases and (d / "truth.json").exists():
            truth = json.loads((d / "truth.json").read_text(encoding="utf-8"))
        else:
            print(f"generating {args.cases} cases, seeds {args.seed}..{args.seed + args.cases - 1}", flush=True)
            truth = scangen.generate(d, args.cases, args.seed, force)
        if args.speed_only:
            single = [{"name": name, "truth": t} for name, t in truth.items() if t["pages"] == 1 and t["dpi"] == 300]
            for text in speed(d, single, rules, args.baseline_pages, args.repeat):
                print(text + (" [OCR cache on: meaningless]" if args.ocr_cache else ""))
            return 0
        for i, (name, t) in enumerate(truth.items()):
            analyses: list | None = [] if args.misses else None
            r = check_files([d / name], rules, annotate=analyses)
            rows.append({"name": name, "truth": t, "got": r.to_json()})
            wrong = [k for k, g in (("manager", r.manager), ("owner", r.owner), ("seal", r.seal))
                     if t["form"] and bool(g) != bool(t[k])]
            mark = "ok " if r.verdict == t["verdict"] and not wrong else "BAD"
            if args.misses and mark == "BAD" and analyses is not None:
                from bot.scan import annotate as annotate_mod

                args.misses.mkdir(parents=True, exist_ok=True)
                (args.misses / name).write_bytes((d / name).read_bytes())
                annotate_mod.write(analyses, args.misses / f"{name}.annotated.png")
            print(f"[{i + 1:3d}/{len(truth)}] {mark} {name} {t['verdict']:>10} -> {r.verdict:<10} "
                  f"{t['mode']:5} {t['dpi']}dpi rot{t['rotation']:<3} {r.seconds:5.1f}s {' '.join(wrong)}", flush=True)
        docs = run_docgen(args.docgen_cases, args.docgen_seed, Path(tmp), rules)
        office = run_officegen(args.officegen_cases, args.officegen_seed, Path(tmp), rules, args.keep_cases)
        # speed: single-page 300-dpi scans, against plain tesseract on the same page image
        single = [x for x in rows if x["truth"]["pages"] == 1 and x["truth"]["dpi"] == 300]
        ours = [x["got"]["seconds"] for x in single]
        speed_lines = speed(d, single, rules, args.baseline_pages, args.repeat)
        memory = None
        if not args.no_memory:
            pdf = d / "twenty.pdf"
            twenty_page_pdf(pdf, args.seed + 77777)
            memory = peak_memory(pdf)
    # accuracy
    n = len(rows)
    forms = [x for x in rows if x["truth"]["form"]]

    print()
    if n:
        scangen_summary(args, rows, forms, time.monotonic() - t_start)
    if ours:
        print(f"median seconds per single-page 300-dpi scan: {statistics.median(ours):.2f} s (n={len(ours)})")
    for text in speed_lines:
        print(text + (" [OCR cache on: meaningless]" if args.ocr_cache else ""))
    if memory is not None:
        print(f"20-page PDF: peak memory (process tree RSS) {memory[0]:.0f} MB, {memory[1]:.1f} s, result {memory[2]}")
    print()
    print("what a person can trust (confident error = a wrong verdict that is not `review`, or a wrong defect):")
    for x in rows:
        x["family"] = f"{x['truth']['mode']}"
    families(rows, "scangen")
    families(docs, "docgen")
    families(office, "officegen")
    print()
    print("field exactness where the truth has the field (ИНН, ОГРН, СНИЛС digits; owner's name after case/ё/space folding):")
    field_exactness(forms, "scangen")
    field_exactness(docs, "docgen")
    field_exactness(office, "officegen")
    if args.json:
        args.json.write_text(json.dumps(rows + docs + office, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


def scangen_summary(args: argparse.Namespace, rows: list[dict], forms: list[dict], seconds: float) -> None:
    """The first generator's figures (issue 3's measures)."""
    n = len(rows)
    verdict_ok = sum(x["got"]["verdict"] == x["truth"]["verdict"] for x in rows)
    false_accepts = [x["name"] for x in rows if x["got"]["verdict"] == "complete" and x["truth"]["verdict"] != "complete"]

    def check_acc(key: str, got_key: str) -> tuple[int, int]:
        ok = 0
        for x in forms:
            g = x["got"]["signatures"][got_key] if got_key in ("manager", "owner") else x["got"]["seal"]
            ok += bool(g) == bool(x["truth"][key])
        return ok, len(forms)

    print(f"cases: {n} (forms {len(forms)}), seeds {args.seed}..{args.seed + n - 1}, total {seconds:.0f} s")
    print(f"verdict accuracy: {verdict_ok}/{n} = {100 * verdict_ok / max(1, n):.1f} %")
    print(f"false accepts (defective called complete): {len(false_accepts)} {false_accepts}")
    for label, key in (("manager signature", "manager"), ("owner signature", "owner"), ("seal", "seal")):
        ok, tot = check_acc(key, key)
        print(f"{label} accuracy: {ok}/{tot} = {100 * ok / max(1, tot):.1f} %")
    for key in ("inn", "ogrn"):
        ok = sum(x["got"]["fields"][key] == x["truth"][key] for x in forms)
        print(f"{key.upper()} exact: {ok}/{len(forms)} = {100 * ok / max(1, len(forms)):.1f} %")
    confusion: dict[str, int] = {}
    for x in rows:
        k = f"{x['truth']['verdict']}->{x['got']['verdict']}"
        confusion[k] = confusion.get(k, 0) + 1
    print("verdicts truth->got:", json.dumps(confusion, ensure_ascii=False))


def check_document(path: Path, t: dict, rules: Rules, tag: str, extra: str = "") -> dict:
    """One document of the second or third generator, checked once; its row and a printed line."""
    r = check_files([path], rules)
    mark = "ok " if r.verdict == t["verdict"] else ("rev" if r.verdict == "review" else "BAD")
    print(f"[{tag}] {mark} {path.name} {t['verdict']:>10} -> {r.verdict:<10} "
          f"{t['layout']:10} {t['device']:7} {extra}{r.seconds:5.1f}s {' '.join(r.doubts)}", flush=True)
    return {"name": path.name, "truth": {**t, "form": True}, "got": r.to_json(),
            "family": f"{t['layout']}/{t['device']}"}


def run_docgen(cases: int, seed: int, tmp: Path, rules: Rules) -> list[dict]:
    """The second generator's documents (word-processor forms, handwriting fonts, other seals,
    four devices): checked once each."""
    out: list[dict] = []
    if cases <= 0:
        return out
    print(f"docgen: {cases} documents, seeds {seed}..{seed + cases - 1}", flush=True)
    for i in range(cases):
        data, ext, t = docgen.make_doc(seed + i)
        path = tmp / f"doc-{seed + i}.{ext}"
        path.write_bytes(data)
        out.append(check_document(path, t, rules, f"doc {i + 1:3d}/{cases}"))
    return out


def run_officegen(cases: int, seed: int, tmp: Path, rules: Rules, keep: Path | None = None,
                  batch: int = 20) -> list[dict]:
    """The third generator's documents (LibreOffice Writer forms, pdftoppm, drawn pen trajectories
    and seals, augraphy devices): generated in batches (one LibreOffice start each), checked once each."""
    out: list[dict] = []
    if cases <= 0:
        return out
    print(f"officegen: {cases} documents, seeds {seed}..{seed + cases - 1}", flush=True)
    seeds = list(range(seed, seed + cases))
    done = 0
    kept = keep / f"officegen-{seed}-{cases}.json" if keep else None
    made_before = json.loads(kept.read_text(encoding="utf-8")) if kept and kept.exists() else None
    for k in range(0, cases, batch):
        if made_before is not None:
            made = [((keep / name).read_bytes(), name.rsplit(".", 1)[1], t)  # type: ignore[operator]
                    for name, t in list(made_before.items())[k:k + batch]]
        else:
            t0 = time.monotonic()
            made = officegen.make_docs(seeds[k:k + batch])
            print(f"  generated {len(made)} in {time.monotonic() - t0:.0f} s", flush=True)
        for s, (data, ext, t) in zip(seeds[k:k + batch], made, strict=True):
            done += 1
            path = (keep or tmp) / f"office-{s}.{ext}"
            path.write_bytes(data)
            out.append(check_document(path, t, rules, f"office {done:3d}/{cases}", f"{t['dpi']}dpi "))
    if kept and made_before is None:
        kept.write_text(json.dumps({x["name"]: {k: v for k, v in x["truth"].items() if k != "form"} for x in out},
                                   ensure_ascii=False), encoding="utf-8")
    return out


def _fold(value: object, digits: bool) -> str:
    text = str(value or "")
    if digits:
        return "".join(ch for ch in text if ch.isdigit())
    return " ".join(text.lower().replace("ё", "е").split())


def field_exactness(rows: list[dict], generator: str) -> None:
    """Per field, how often the value read equals the printed one, over the cases whose truth has
    that field (issue target: >= 97 % each)."""
    if not rows:
        return
    parts = []
    for key in ("inn", "ogrn", "snils", "owner_name"):
        have = [x for x in rows if x["truth"].get(key)]
        if not have:
            parts.append(f"{key} —")
            continue
        digits = key != "owner_name"
        ok = sum(_fold(x["got"]["fields"].get(key), digits) == _fold(x["truth"][key], digits) for x in have)
        parts.append(f"{key} {ok}/{len(have)} = {100 * ok / len(have):.1f} %")
    print(f"  {generator:10} " + "  ".join(parts))


def told_true(truth: dict, verdict: str, defects: list[str], doubts: list[str]) -> bool:
    """Is a verdict that is not `review` what the organisation may be told? The right verdict; for
    `incomplete`, defects that are all missing marks, and every missing mark either a defect or in
    doubt (the reply names marks in doubt as not made out: rules/form.toml [unsure_text])."""
    if verdict != truth["verdict"]:
        return False
    if verdict != "incomplete":
        return True
    missing = {MISSING[k] for k in MISSING if truth.get(k) is False}
    unsure = {MISSING[k] for k in marks_in_doubt(doubts)}
    return set(defects) <= missing and missing <= set(defects) | unsure


def families(rows: list[dict], generator: str) -> None:
    """False accepts, confident errors (a wrong verdict that is not `review`, or `incomplete` with a
    wrong defect) and the review rate, per generator and per style family (scangen: colour mode;
    docgen, officegen: layout and device)."""
    if not rows:
        return

    def confident_error(x: dict) -> bool:
        got = x["got"]
        return got["verdict"] != "review" and not told_true(x["truth"], got["verdict"], got["defects"],
                                                            got.get("doubts") or [])

    def line(name: str, xs: list[dict]) -> str:
        n = len(xs)
        fa = sum(x["got"]["verdict"] == "complete" and x["truth"]["verdict"] != "complete" for x in xs)
        conf = sum(confident_error(x) for x in xs)
        rev = sum(x["got"]["verdict"] == "review" for x in xs)
        right = sum(x["got"]["verdict"] == x["truth"]["verdict"] for x in xs)
        return (f"  {name:24} n={n:3d}  right {100 * right / n:5.1f} %  false accepts {fa}  "
                f"confident errors {conf} ({100 * conf / n:.1f} %)  review {rev} ({100 * rev / n:.1f} %)")

    print(line(f"{generator} (all)", rows))
    groups: dict[str, list[dict]] = {}
    for x in rows:
        groups.setdefault(x["family"], []).append(x)
        if "/" in x["family"]:  # docgen, officegen: also by layout and by device alone
            a, b = x["family"].split("/")
            groups.setdefault(f"layout {a}", []).append(x)
            groups.setdefault(f"device {b}", []).append(x)
    for name in sorted(groups):
        if "/" not in name:
            print(line(name, groups[name]))


if __name__ == "__main__":
    sys.exit(main())
