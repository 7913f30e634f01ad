"""Could a learned judge settle the signature zones the hand-tuned check leaves in doubt? A study,
not part of the check: it harvests every page's two signature zones as the check saw them (a grey
crop of the zone, its features, the final mark) from documents made by bench/devset.py, then trains
a gradient-boosted classifier on simple image features (orientation histograms of the crop, ink
profiles, connected pieces, the zone's own ratio/loose/stroke) and reports, on the zones that ended
in doubt, how many it would decide and how many of those wrongly, per confidence threshold:
trained on two generators and tested on the third, and trained on the development sets and tested
on the seen ones.

    .venv/bin/python bench/zone_judge_study.py harvest OUT_DIR DEV/dev-doc DEV/dev-office ... [--cache DEV/ocr]
    .venv/bin/python bench/zone_judge_study.py evaluate OUT_DIR

Session 12's result is in bench/README.md («A learned zone judge, measured»).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from multiprocessing import Pool
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import devset  # noqa: E402

_zones: list[dict] = []
_out: Path = Path()


def _init(cache: str | None, out: str) -> None:
    """A pool worker: devset's set-up, and a spy on the check's mark judging that keeps each zone."""
    global _out
    _out = Path(out)
    devset._init(cache)
    import bot.scan.check as check

    judge = check._judge_marks

    def spy(p, cfg, out, labels, lines, words, seals):  # type: ignore[no-untyped-def]
        judge(p, cfg, out, labels, lines, words, seals)
        H, W = p.grey.shape
        for kind in ("manager", "owner"):
            z, m = out.zones.get(kind), out.result.marks.get(kind)
            if z is None or z.box is None or m is None:
                continue
            u = max(8, int(z.unit or 20))
            x0, y0, x1, y1 = z.box
            crop = p.grey[max(0, y0 - u):min(H, y1 + u), max(0, x0 - u):min(W, x1 + u)].copy()
            _zones.append({"kind": kind, "unit": z.unit, "grey": crop, "bw": bool(p.bw), "ratio": z.ratio,
                           "loose": z.loose, "stroke": z.stroke, "shape": bool(z.shape_only),
                           "located": bool(z.located), "state": m.state, "doubt": m.doubt})

    check._judge_marks = spy


def _harvest_one(job: tuple[str, str, dict]) -> int:
    _zones.clear()
    devset._check(job)
    path, tag, truth = job
    arrays = {f"g{i}": z.pop("grey") for i, z in enumerate(_zones)}
    meta = [{**z, "truth": truth.get(z["kind"]), "set": tag} for z in _zones]
    np.savez_compressed(_out / f"{tag}__{Path(path).stem}.npz", meta=json.dumps(meta), **arrays)
    return len(meta)


def harvest(out: Path, dirs: list[Path], cache: Path | None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    work = []
    for d in dirs:
        truth = json.loads((d / "truth.json").read_text(encoding="utf-8"))
        work += [(str(d / name), d.name, t) for name, t in sorted(truth.items())]
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    with Pool(2, _init, (str(cache) if cache else None, str(out))) as pool:
        n = sum(pool.imap(_harvest_one, work, chunksize=1))
    print(f"{n} zones of {len(work)} documents in {out}")


def features(grey: np.ndarray, z: dict) -> np.ndarray:
    """The crop's darkness resized to 24 x 96: orientation histograms in 3 x 12 cells, row and
    column ink profiles; the largest connected pieces' sizes and the stroke width in print heights;
    the check's own measures of the zone."""
    g = grey.astype(np.float32)
    paper = np.percentile(g, 90)
    dark = min(np.percentile(g, 1), paper - 40)
    d = np.clip((paper - g) / max(1.0, paper - dark), 0, 1)
    img = cv2.resize(d, (96, 24), interpolation=cv2.INTER_AREA)
    gx, gy = cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3)
    mag, ang = np.hypot(gx, gy), (np.arctan2(gy, gx) % np.pi) / np.pi * 8
    hist = np.stack([cv2.resize(mag * (np.minimum(ang.astype(int), 7) == k), (12, 3), interpolation=cv2.INTER_AREA)
                     for k in range(8)], axis=2)
    hist /= np.sqrt(hist.sum(axis=2, keepdims=True) + 1e-3) + 1e-3
    ink = (d > 0.5).astype(np.uint8)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    u = max(8.0, z["unit"] or 20)
    pieces = [s for s in stats[1:] if s[4] >= 4]
    ws = [*sorted((s[2] / u for s in pieces), reverse=True)[:3], 0, 0, 0][:3]
    hs = [*sorted((s[3] / u for s in pieces), reverse=True)[:3], 0, 0, 0][:3]
    dist = cv2.distanceTransform(ink, cv2.DIST_L2, 3)
    width = float(np.median(dist[dist > 0])) / u if (dist > 0).any() else 0.0
    own = [z["ratio"], z["loose"], z["stroke"], float(z["shape"]), float(z["located"]), float(z["bw"]), len(pieces),
           *ws, *hs, width, float(ink.mean()), grey.shape[1] / u, grey.shape[0] / u]
    profile_x = cv2.resize(img, (24, 1), interpolation=cv2.INTER_AREA).ravel()
    return np.concatenate([hist.ravel(), img.mean(axis=1), profile_x, np.asarray(own, np.float32)])


def _generator(tag: str, name: str) -> str:
    text = f"{tag} {name}"
    return "scangen" if ("case-" in text or tag.startswith("sg")) else ("docgen" if "doc" in text else "officegen")


def evaluate(crops: Path) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y, gen, doubt, dev = [], [], [], [], []
    for f in sorted(crops.glob("*.npz")):
        a = np.load(f)
        for i, z in enumerate(json.loads(str(a["meta"]))):
            if z["truth"] is None:
                continue
            X.append(features(a[f"g{i}"], z))
            y.append(int(bool(z["truth"])))
            gen.append(_generator(z["set"], f.stem))
            doubt.append("signature_unsure" in (z["doubt"] or ""))
            dev.append(z["set"].startswith(("dev-", "sg")))
    Xa, ya, ga, da, va = np.array(X), np.array(y), np.array(gen), np.array(doubt), np.array(dev)
    print(f"{len(ya)} zones, {da.sum()} in doubt")

    def report(name: str, train: np.ndarray, test: np.ndarray) -> None:
        clf = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, max_leaf_nodes=15, l2_regularization=1.0)
        clf.fit(Xa[train], ya[train])
        p = clf.predict_proba(Xa[test])[:, 1]
        yt, dt = ya[test], da[test]
        print(f"{name}: test zones {test.sum()}, in doubt {dt.sum()} (signed {yt[dt].sum()})")
        for thr in (0.9, 0.95, 0.98):
            pos, neg = dt & (p >= thr), dt & (p <= 1 - thr)
            print(f"  confidence {thr}: signed {pos.sum()} (wrongly {(yt[pos] == 0).sum()}), "
                  f"not signed {neg.sum()} (wrongly {(yt[neg] == 1).sum()})")

    for held in ("docgen", "officegen", "scangen"):
        report(f"trained without {held}, tested on it", ga != held, ga == held)
    report("trained on the development sets, tested on the seen ones", va, ~va)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("harvest")
    h.add_argument("out", type=Path)
    h.add_argument("dirs", type=Path, nargs="+")
    h.add_argument("--cache", type=Path)
    e = sub.add_parser("evaluate")
    e.add_argument("crops", type=Path)
    args = ap.parse_args()
    if args.cmd == "harvest":
        harvest(args.out, args.dirs, args.cache)
    else:
        evaluate(args.crops)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
