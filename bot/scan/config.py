"""The scan check's settings: rules/form.toml, read once and checked whole.

There is one set of values, the shipped rules/form.toml: every key must be there with the
right type, an unknown (misspelled) key is an error naming the file and the key, and the
code has no defaults of its own. `from_rules` is called at start (`run`, `doctor`) so a bad
file stops the start instead of a letter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any, get_type_hints

from bot.rules import Rules, RulesError
from bot.scan.model import MARKS, marks_in_doubt

FILE = "rules/form.toml"


@dataclass(frozen=True)
class Limits:
    max_pages: int
    max_file_mb: float
    max_pixels: int
    memory_mb: int
    decode_seconds: float
    ocr_seconds: float
    max_render_pixels: int
    total_seconds: float


@dataclass(frozen=True)
class OcrCfg:
    languages: str
    dpi: int
    min_word_conf: float
    min_good_words: int
    min_good_share: float
    shadow_spread: float
    upside_down_ink_centre: float


@dataclass(frozen=True)
class SignatureCfg:
    zone_up: float
    zone_down: float
    header_reach: float
    rule_min_length: float
    rule_min_mm: float
    rule_beside: float
    rule_taken: float
    rule_reach: float
    rule_below: float
    above_rule: float
    min_ink_height: float
    min_ink_width: float
    min_ink_pixels: float
    min_component: float
    dark_seal_factor: float
    flat_min_height: float
    flat_min_width: float
    flat_min_pixels: float
    follow_margin: float
    glyph_height: float
    glyph_width: float
    anchor_stroke: float
    pen_max_width: float
    pore: float
    porous: float
    straight_share: float
    group_reach_x: float
    group_reach_y: float
    row_gap: float
    zone_share: float
    ink_contrast: float
    paper_reach: float
    shadow_depth: float
    rule_length: float
    border_length: float
    darker_than_seal: float
    pale_seal_grey: float
    print_share: float


@dataclass(frozen=True)
class SealCfg:
    dpi: int
    min_radius_mm: float
    max_radius_mm: float
    hough_param1: float
    hough_param2: float
    min_ring_coverage: float
    min_inner_coverage: float
    hue_min: int
    hue_max: int
    min_saturation: int
    partial_min_ring: float
    partial_min_arc: float
    partial_fade: float
    partial_perfectness_drop: float
    blob_min_fill: float
    blob_pen_share: float
    disc_margin: float
    chroma_min_pixels: int
    chroma_spread_factor: float
    chroma_min_tol: float
    chroma_max_tol: float
    disc_radius: float
    dark_ink_level: float
    min_ring_contrast: float
    inner_band_from: float
    inner_band_to: float
    grey_ring_coverage: float
    pale_ink_contrast: int
    pale_ring_level: float
    dashed_perfectness_drop: float
    off_page_max: float
    outer_ring_from: float
    outer_ring_to: float
    trace_votes: int
    trace_candidates: int
    trace_clear_arc: float
    trace_specks: int
    trace_speck_mm2: float


@dataclass(frozen=True)
class ReviewCfg:
    sure_signature: float
    empty_signature: float
    sure_stroke: float
    long_stroke: float
    sure_ring_margin: float
    partial_ring: float
    weak_ocr_words: int
    weak_ocr_conf: float
    faint_contrast: float
    seal_hides: float
    border_hug: float
    off_line_signature: float
    label_tail: float
    above_line: float
    shared_strokes: float
    own_row: float
    other_row: float
    on_dark_disc: float
    coloured_pen: float
    coloured_min: float


@dataclass(frozen=True)
class RereadCfg:
    languages: str
    first_height: float
    second_height: float
    margin_x: float
    margin_y: float
    rule_share: float
    speck: float
    name_min_conf: float
    band_reach: float
    band_max: float
    band_psm: int
    verify_fives: int
    verify_conf: float


@dataclass(frozen=True)
class ScanConfig:
    ocr: OcrCfg
    limits: Limits
    signature: SignatureCfg
    seal: SealCfg
    review: ReviewCfg
    reread: RereadCfg
    titles: tuple[str, ...]
    title_min_score: float
    title_first_words: tuple[str, ...]
    untitled_min_numbers: int
    labels: dict[str, tuple[str, ...]]
    label_min_score: float
    label_column_gap: float
    label_column_gap_ratio: float
    label_cut_letters: int
    field_labels: dict[str, tuple[str, ...]]
    defect_text: dict[str, str]
    unsure_text: dict[str, str]


_TOP = ("ocr", "form", "labels", "fields", "reread", "signature", "seal", "review", "limits", "defect_text",
        "unsure_text")
_FIELDS = ("inn", "ogrn", "snils", "owner_name", "organisation", "position", "vipnet_node")


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise RulesError(f"{FILE}: нет раздела [{key}]")
    return value


def _build(cls: type, data: dict[str, Any], where: str) -> Any:
    hints = get_type_hints(cls)
    names = [f.name for f in fields(cls)]
    for key in data:
        if key not in names:
            raise RulesError(f"{FILE}: неизвестный ключ {where}.{key}")
    kwargs: dict[str, Any] = {}
    for key in names:
        if key not in data:
            raise RulesError(f"{FILE}: нет ключа {where}.{key}")
        value, kind = data[key], hints[key]
        ok = (isinstance(value, str) if kind is str else
              isinstance(value, int) and not isinstance(value, bool) if kind is int else
              isinstance(value, int | float) and not isinstance(value, bool))
        if not ok:
            raise RulesError(f"{FILE}: неверное значение {where}.{key} = {value!r} "
                             f"(нужно {'строка' if kind is str else 'целое число' if kind is int else 'число'})")
        kwargs[key] = kind(value)
    return cls(**kwargs)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise RulesError(f"{FILE}: {where} должен быть непустым списком строк")
    return tuple(v.lower() for v in value)


def _number(sec: dict[str, Any], key: str, where: str) -> float:
    value = sec.get(key)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise RulesError(f"{FILE}: {'неверное значение' if key in sec else 'нет ключа'} {where}.{key}")
    return float(value)


def _only(sec: dict[str, Any], allowed: Iterable[str], where: str) -> None:
    allowed = set(allowed)
    for key in sec:
        if key not in allowed:
            raise RulesError(f"{FILE}: неизвестный ключ {where}.{key}")


def defect_texts(codes: Iterable[str], rules: Rules | None) -> list[str]:
    """Defect codes as Russian sentences from rules/form.toml [defect_text] (the code when unknown)."""
    table = from_rules(rules).defect_text if rules is not None else {}
    return [table.get(code, code) for code in codes]


def unsure_texts(doubts: Iterable[str], rules: Rules | None) -> list[str]:
    """The marks a check's doubts are about («owner_signature_unsure» → the owner's signature), as
    the organisation reads them (rules/form.toml [unsure_text]), in the order of MARKS: an
    «incomplete» reply names them beside the defects, since a person has not looked at them."""
    table = from_rules(rules).unsure_text if rules is not None else {}
    return [table[m] for m in marks_in_doubt(list(doubts)) if m in table]


_CACHE: dict[int, tuple[Rules, ScanConfig]] = {}


def from_rules(rules: Rules | None) -> ScanConfig:
    """The configuration from rules/form.toml (section "form"); RulesError names the file and key."""
    if rules is None or "form" not in rules.sections:
        raise RulesError(f"нет файла правил {FILE}")
    hit = _CACHE.get(id(rules))
    if hit is not None and hit[0] is rules:
        return hit[1]
    data = rules.sections["form"]
    _only(data, _TOP, "")
    form, labels, flds = _table(data, "form"), _table(data, "labels"), _table(data, "fields")
    _only(form, ("titles", "title_min_score", "title_first_words", "untitled_min_numbers"), "form")
    _only(labels, ("manager", "owner", "min_score", "column_gap", "column_gap_ratio", "cut_letters"), "labels")
    _only(flds, _FIELDS, "fields")
    defects = _table(data, "defect_text")
    if not all(isinstance(v, str) for v in defects.values()):
        raise RulesError(f"{FILE}: defect_text: значения должны быть строками")
    unsure = _table(data, "unsure_text")
    _only(unsure, MARKS, "unsure_text")
    if set(unsure) != set(MARKS) or not all(isinstance(v, str) for v in unsure.values()):
        raise RulesError(f"{FILE}: unsure_text: нужны строки для {', '.join(MARKS)}")
    cfg = ScanConfig(
        ocr=_build(OcrCfg, _table(data, "ocr"), "ocr"),
        limits=_build(Limits, _table(data, "limits"), "limits"),
        signature=_build(SignatureCfg, _table(data, "signature"), "signature"),
        seal=_build(SealCfg, _table(data, "seal"), "seal"),
        review=_build(ReviewCfg, _table(data, "review"), "review"),
        reread=_build(RereadCfg, _table(data, "reread"), "reread"),
        titles=_strings(form.get("titles"), "form.titles"),
        title_min_score=_number(form, "title_min_score", "form"),
        title_first_words=_strings(form.get("title_first_words"), "form.title_first_words"),
        untitled_min_numbers=int(_number(form, "untitled_min_numbers", "form")),
        labels={"manager": _strings(labels.get("manager"), "labels.manager"),
                "owner": _strings(labels.get("owner"), "labels.owner")},
        label_min_score=_number(labels, "min_score", "labels"),
        label_column_gap=_number(labels, "column_gap", "labels"),
        label_column_gap_ratio=_number(labels, "column_gap_ratio", "labels"),
        label_cut_letters=int(_number(labels, "cut_letters", "labels")),
        field_labels={k: _strings(flds.get(k), f"fields.{k}") for k in _FIELDS},
        defect_text={str(k): str(v) for k, v in defects.items()},
        unsure_text={str(k): str(v) for k, v in unsure.items()},
    )
    _CACHE.clear()
    _CACHE[id(rules)] = (rules, cfg)
    return cfg
