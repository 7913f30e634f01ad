"""The scan check's settings, read from rules/form.toml (with defaults for missing keys)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from bot.rules import Rules, RulesError


@dataclass(frozen=True)
class Limits:
    max_pages: int = 50
    max_file_mb: float = 40
    max_pixels: int = 60_000_000
    memory_mb: int = 700
    decode_seconds: float = 60
    ocr_seconds: float = 120
    max_render_pixels: int = 40_000_000
    total_seconds: float = 600


@dataclass(frozen=True)
class OcrCfg:
    languages: str = "rus"
    dpi: int = 300
    default_dpi: int = 200
    min_word_conf: float = 55
    min_good_words: int = 12
    min_good_share: float = 0.3


@dataclass(frozen=True)
class SignatureCfg:
    zone_up: float = 2.2
    zone_down: float = 3.0
    min_ink_height: float = 0.9
    min_ink_width: float = 2.0
    min_ink_pixels: float = 0.6
    min_component: float = 0.02
    dark_seal_factor: float = 1.5
    flat_min_height: float = 0.6
    flat_min_width: float = 4.0
    flat_min_pixels: float = 1.0


@dataclass(frozen=True)
class SealCfg:
    dpi: int = 100
    min_radius_mm: float = 13.0
    max_radius_mm: float = 28.0
    hough_param1: float = 120
    hough_param2: float = 0.55
    min_ring_coverage: float = 0.72
    min_inner_coverage: float = 0.25
    hue_min: int = 95
    hue_max: int = 165
    min_saturation: int = 40


@dataclass(frozen=True)
class ScanConfig:
    ocr: OcrCfg = field(default_factory=OcrCfg)
    limits: Limits = field(default_factory=Limits)
    signature: SignatureCfg = field(default_factory=SignatureCfg)
    seal: SealCfg = field(default_factory=SealCfg)
    titles: tuple[str, ...] = ("заявка на изготовление сертификата ключа проверки электронной подписи",)
    title_min_score: float = 80
    title_first_words: tuple[str, ...] = ("заявка", "заявление")
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    label_min_score: float = 82
    field_labels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    defect_text: dict[str, str] = field(default_factory=dict)


def _build(cls: type, data: dict[str, Any], where: str) -> Any:
    known = {f.name: f for f in fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise RulesError(f"rules/form.toml: неизвестный ключ {where}.{key}")
        default = getattr(cls(), key)
        if isinstance(default, bool) or not isinstance(value, type(default) | int | float):
            raise RulesError(f"rules/form.toml: неверное значение {where}.{key} = {value!r}")
        kwargs[key] = type(default)(value)
    return cls(**kwargs)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise RulesError(f"rules/form.toml: {where} должен быть списком строк")
    return tuple(v.lower() for v in value)


def defect_texts(codes: Iterable[str], rules: Rules | None) -> list[str]:
    """Defect codes as Russian sentences from rules/form.toml [defect_text] (the code when unknown)."""
    table = from_rules(rules).defect_text
    return [table.get(code, code) for code in codes]


def from_rules(rules: Rules | None) -> ScanConfig:
    """The configuration from rules ("form" section); defaults when rules is None or lacks it."""
    data: dict[str, Any] = {}
    if rules is not None and "form" in rules.sections:
        data = rules.sections["form"]
    form = data.get("form", {})
    labels = data.get("labels", {})
    return ScanConfig(
        ocr=_build(OcrCfg, data.get("ocr", {}), "ocr"),
        limits=_build(Limits, data.get("limits", {}), "limits"),
        signature=_build(SignatureCfg, data.get("signature", {}), "signature"),
        seal=_build(SealCfg, data.get("seal", {}), "seal"),
        titles=_strings(form.get("titles", list(ScanConfig.titles)), "form.titles"),
        title_min_score=float(form.get("title_min_score", 80)),
        title_first_words=_strings(form.get("title_first_words", ["заявка", "заявление"]), "form.title_first_words"),
        labels={
            "manager": _strings(labels.get("manager", ["руководитель"]), "labels.manager"),
            "owner": _strings(labels.get("owner", ["владелец сертификата"]), "labels.owner"),
            "signature_caption": _strings(labels.get("signature_caption", ["(подпись)"]), "labels.signature_caption"),
            "seal_place": _strings(labels.get("seal_place", ["м.п."]), "labels.seal_place"),
        },
        label_min_score=float(labels.get("min_score", 82)),
        field_labels={k: _strings(v, f"fields.{k}") for k, v in data.get("fields", {}).items()},
        defect_text={str(k): str(v) for k, v in data.get("defect_text", {}).items()},
    )
