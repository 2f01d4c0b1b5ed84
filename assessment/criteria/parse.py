"""Turn a plain mapping (from YAML, Excel or a web form) into a :class:`~assessment.criteria.model.Rubric`.

Every problem is collected, each with its location, and reported together in one
:class:`~assessment.criteria.errors.RubricError`; parsing never stops at the first problem. The rules a rubric
must satisfy (stated once, here, and each tested by name in ``tests/core/test_parse.py``):

- ``not_a_mapping``: the document is a mapping of keys to values, with at least one rubric key.
- ``unknown_key``: only the keys of the schema are allowed; an unknown key is named with the closest known key
  (Indonesian words such as ``bobot`` are mapped to their English key).
- ``missing_key``: ``id``, ``title``, ``version``, ``scale``, ``bands`` and ``aspects`` are required; so are an
  aspect's ``code``, ``name``, ``indicators`` and an indicator's ``code``, ``name``, ``weight``, ``levels``.
- ``wrong_type``: numbers are numbers of at most 20 significant digits (a weight written in words is a problem),
  texts are texts, lists are lists; ``allow_na`` is true/false (``ya``/``tidak`` accepted).
- ``control_character``: texts hold no control characters other than tab and line breaks (Excel cannot store
  them); an evidence item is one line (in Excel each line of the cell is one item).
- ``bad_code``: ``id`` and codes are letters, digits, ``.``, ``_`` or ``-`` without spaces.
- ``reversed_scale``: ``scale.min`` and ``scale.max`` are integers with ``min < max`` (at most 20 steps apart).
- ``level_off_scale`` / ``level_gap``: every indicator describes every level of the scale, and no other level;
  ``level_names``, when given, names every level of the scale.
- ``band_out_of_range``: band thresholds lie within 0..100; ``band_lowest_not_zero``: the lowest band starts at 0;
  ``band_unsorted``: thresholds are strictly increasing (no overlap, no duplicate); band labels are distinct.
- ``unknown_aggregation``: ``aggregation`` is ``mean`` or ``median`` (default ``mean``).
- ``bad_threshold``: ``disagreement_threshold`` is a whole number from 1 to ``max - min`` (default 2).
- ``unknown_tie_break`` / ``unknown_aspect_in_tie_break``: ``tie_break`` lists ``aspects_by_weight``,
  ``aspect:<code>`` (of an aspect of this rubric), ``top_levels``, ``zero_levels``, each at most once
  (default ``[aspects_by_weight, top_levels, zero_levels]``).
- ``unknown_region_kind``: ``eligible`` is a non-empty list of region kinds (default ``[desa, desa_adat]``).
- ``no_aspects`` / ``empty_aspect``: a rubric has at least one aspect and every aspect at least one indicator.
- ``duplicate_code``: aspect codes and indicator codes are unique across the rubric.
- ``weight_not_positive``: indicator weights are positive decimals (2.75 is exactly 2.75).
- ``weights_not_100``: indicator weights sum to exactly 100 (the message says the sum).
- ``aspect_weight_mismatch``: an aspect's ``weight``, when given, equals the sum of its indicators' weights.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from assessment.criteria.errors import Problem, RubricError
from assessment.criteria.model import (
    ASPECT_TIE_BREAK_PREFIX,
    DEFAULT_ELIGIBLE,
    DEFAULT_TIE_BREAK,
    REGION_KINDS,
    Aggregation,
    Aspect,
    Band,
    Indicator,
    Level,
    Rubric,
    Scale,
    TieBreakKind,
)

KeyPath = tuple[str | int, ...]
_T = TypeVar("_T")
Locate = Callable[[KeyPath], str]

TOP_KEYS: tuple[str, ...] = (
    "id",
    "title",
    "version",
    "scale",
    "level_names",
    "bands",
    "aggregation",
    "disagreement_threshold",
    "tie_break",
    "eligible",
    "aspects",
)
REQUIRED_TOP_KEYS: tuple[str, ...] = ("id", "title", "version", "scale", "bands", "aspects")
SCALE_KEYS: tuple[str, ...] = ("min", "max")
BAND_KEYS: tuple[str, ...] = ("min", "label")
ASPECT_KEYS: tuple[str, ...] = ("code", "name", "weight", "indicators")
REQUIRED_ASPECT_KEYS: tuple[str, ...] = ("code", "name", "indicators")
INDICATOR_KEYS: tuple[str, ...] = ("code", "name", "weight", "levels", "evidence", "verification", "allow_na")
REQUIRED_INDICATOR_KEYS: tuple[str, ...] = ("code", "name", "weight", "levels")
AGGREGATIONS: tuple[str, ...] = tuple(Aggregation)
# The tie-break words written alone (an aspect's key is written aspect:<code>).
TIE_BREAK_RULES: tuple[str, ...] = tuple(kind.value for kind in TieBreakKind if kind is not TieBreakKind.aspect)
MAX_SCALE_STEPS = 20
MAX_DIGITS = 20
TOTAL_WEIGHT = Decimal(100)

# A committee that read the Indonesian draft writes Indonesian keys and values; point them at the schema's word.
SYNONYMS: dict[str, str] = {
    "bobot": "weight",
    "kode": "code",
    "nama": "name",
    "indikator": "indicators",
    "aspek": "aspects",
    "level": "levels",
    "tingkat": "levels",
    "bukti": "evidence",
    "bukti_dukung": "evidence",
    "verifikasi": "verification",
    "skala": "scale",
    "versi": "version",
    "judul": "title",
    "predikat": "bands",
    "pita": "bands",
    "agregasi": "aggregation",
    "peserta": "eligible",
    "penentu_seri": "tie_break",
    "nama_level": "level_names",
    "rubrik": "id",
    "boleh_na": "allow_na",
    "batas": "min",
    "batas_bawah": "min",
    "maks": "max",
    "maksimum": "max",
    "minimum": "min",
    "ambang": "disagreement_threshold",
    "ambang_selisih": "disagreement_threshold",
    "rata-rata": "mean",
    "rerata": "mean",
    "average": "mean",
    "nilai_tengah": "median",
    "desa adat": "desa_adat",
}

_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRUE = ("ya", "y", "true", "benar")
_FALSE = ("tidak", "t", "false", "salah")


def format_key_path(path: KeyPath) -> str:
    """``("aspects", 0, "weight")`` -> ``aspects[0].weight``: the location used when no loader gives a better one."""
    if not path:
        return "(seluruh berkas)"
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def suggest(word: str, known: Sequence[str]) -> str | None:
    """The known word a misspelt or Indonesian ``word`` most likely means, or None."""
    lowered = word.strip().lower()
    for candidate in (lowered, lowered.replace(" ", "_")):
        if SYNONYMS.get(candidate) in known:
            return SYNONYMS[candidate]
    matches = difflib.get_close_matches(lowered, list(known), n=1, cutoff=0.6)
    return matches[0] if matches else None


def describe(value: object) -> str:
    """How a value of the wrong type is named in a message."""
    if value is None:
        return "kosong"
    if isinstance(value, bool):
        return "nilai ya/tidak (boolean)"
    if isinstance(value, int | float | Decimal):
        return f"angka {value}"
    if isinstance(value, str):
        return f"teks '{value}'"
    if isinstance(value, Mapping):
        return "pemetaan (kunci: nilai)"
    if isinstance(value, list | tuple):
        return "daftar"
    return type(value).__name__


def plain(number: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 7.00 -> ``7``, 62.50 -> ``62.5``."""
    text = format(number.normalize(), "f")
    return text if text != "-0" else "0"


def to_decimal(value: object) -> Decimal | None:
    """A Decimal from an int, Decimal, float (through its shortest text) or numeric text; else None.

    Only finite numbers of at most ``MAX_DIGITS`` significant digits and magnitude below 10^``MAX_DIGITS`` count.
    """
    if isinstance(value, bool):
        return None
    number: Decimal
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        # Indonesian writes 2,75 for 2.75; a cell typed as text in Excel arrives this way.
        try:
            number = Decimal(value.strip().replace(",", "."))
        except InvalidOperation:
            return None
    else:
        return None
    if not number.is_finite() or len(number.as_tuple().digits) > MAX_DIGITS or abs(number.adjusted()) > MAX_DIGITS:
        # Beyond this a number is no weight or level, and exact sums (28-digit context) would start rounding.
        return None
    return number


def _ranges(numbers: Sequence[int]) -> str:
    """``[1, 2, 3, 7]`` -> ``1–3, 7`` so that a long list of missing levels stays one readable line."""
    parts: list[str] = []
    ordered = sorted(numbers)
    start = previous = ordered[0]
    for number in [*ordered[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        parts.append(str(start) if start == previous else f"{start}–{previous}")
        if number is not None:
            start = previous = number
    return ", ".join(parts)


class _Parser:
    """One parse: the locate function and the problems found so far."""

    def __init__(self, locate: Locate) -> None:
        self.locate = locate
        self.problems: list[Problem] = []
        self.codes: dict[str, KeyPath] = {}
        # (aspect code, weight or None) of every indicator seen, so the weight sums are checked even when some
        # other part of an aspect or indicator is wrong: a file with several problems reports all of them.
        self.weights: list[tuple[str, Decimal | None]] = []
        self.aspect_codes: list[str] = []
        self.current_aspect = "?"

    def problem(self, path: KeyPath, message: str) -> None:
        self.problems.append(Problem(self.locate(path), message))

    # -- generic shapes -------------------------------------------------------------------------------------

    def mapping(self, value: object, path: KeyPath, what: str) -> Mapping[Any, Any] | None:
        if isinstance(value, Mapping):
            return value
        self.problem(path, f"{what} harus berupa pemetaan (kunci: nilai), bukan {describe(value)}.")
        return None

    def sequence(self, value: object, path: KeyPath, what: str) -> list[Any] | None:
        if isinstance(value, list | tuple):
            return list(value)
        self.problem(path, f"{what} harus berupa daftar (list), bukan {describe(value)}.")
        return None

    def check_keys(
        self, mapping: Mapping[Any, Any], path: KeyPath, known: Sequence[str], required: Sequence[str], what: str
    ) -> None:
        for key in mapping:
            if key in known:
                continue
            key_part: str | int = key if isinstance(key, str | int) else str(key)
            closest = suggest(str(key), known) if isinstance(key, str) else None
            hint = f" Mungkin maksud Anda '{closest}'?" if closest else f" Kunci yang dikenal: {', '.join(known)}."
            self.problem((*path, key_part), f"Kunci '{key}' tidak dikenal pada {what}.{hint}")
        for key in required:
            if key not in mapping:
                self.problem((*path, key), f"Kunci wajib '{key}' pada {what} belum diisi.")

    def text(self, value: object, path: KeyPath, what: str) -> str | None:
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            self.problem(path, f"{what} harus berupa teks, bukan {describe(value)}.")
            return None
        text = str(value).strip()
        if not text:
            self.problem(path, f"{what} tidak boleh kosong.")
            return None
        if _CONTROL.search(text):
            self.problem(path, f"{what} berisi karakter kontrol yang tidak terlihat; hapus karakter itu.")
            return None
        return text

    def field_text(self, mapping: Mapping[Any, Any], key: str, path: KeyPath, what: str) -> str | None:
        if key not in mapping:
            return None
        return self.text(mapping[key], (*path, key), what)

    def code(self, mapping: Mapping[Any, Any], key: str, path: KeyPath, what: str) -> str | None:
        code = self.field_text(mapping, key, path, what)
        if code is not None and not _CODE.fullmatch(code):
            self.problem(
                (*path, key),
                f"{what} '{code}' hanya boleh berisi huruf, angka, titik, garis bawah atau "
                "tanda hubung, tanpa spasi (paling panjang 100 karakter).",
            )
            return None
        return code

    def integer(self, value: object, path: KeyPath, what: str) -> int | None:
        number = to_decimal(value)
        if number is None or number != number.to_integral_value():
            self.problem(path, f"{what} harus berupa bilangan bulat, bukan {describe(value)}.")
            return None
        return int(number)

    def decimal(self, value: object, path: KeyPath, what: str, example: str) -> Decimal | None:
        number = to_decimal(value)
        if number is None:
            self.problem(path, f"{what} harus berupa angka (mis. {example}), bukan {describe(value)}.")
        return number

    def flag(self, value: object, path: KeyPath, what: str) -> bool | None:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
        self.problem(path, f"{what} harus ya atau tidak (true/false), bukan {describe(value)}.")
        return None

    def words(self, value: object, path: KeyPath, what: str) -> list[tuple[KeyPath, str]] | None:
        """A list of texts; one comma-separated text is accepted too (that is how an Excel cell holds a list)."""
        if isinstance(value, str):
            items: list[Any] = [part for part in (piece.strip() for piece in value.split(",")) if part]
            return [(path, item) for item in items]
        found = self.sequence(value, path, what)
        if found is None:
            return None
        result: list[tuple[KeyPath, str]] = []
        for index, item in enumerate(found):
            text = self.text(item, (*path, index), f"Isi {what}")
            if text is not None:
                result.append(((*path, index), text))
        return result

    # -- the rubric ---------------------------------------------------------------------------------------------

    def rubric(self, data: object) -> Rubric | None:
        root: KeyPath = ()
        if not isinstance(data, Mapping):
            self.problem(
                root,
                "Berkas ini bukan rubrik: isinya harus pemetaan kunci–nilai (id, title, scale, bands, "
                f"aspects, ...), bukan {describe(data)}.",
            )
            return None
        if not any(key in TOP_KEYS or (isinstance(key, str) and suggest(key, TOP_KEYS)) for key in data):
            self.problem(
                root, f"Berkas ini bukan rubrik: tidak ada satu pun kunci rubrik ({', '.join(REQUIRED_TOP_KEYS)})."
            )
            return None
        self.check_keys(data, root, TOP_KEYS, REQUIRED_TOP_KEYS, "rubrik")
        rubric_id = self.code(data, "id", root, "ID rubrik")
        title = self.field_text(data, "title", root, "Judul rubrik (title)")
        version = self.field_text(data, "version", root, "Versi rubrik (version)")
        scale = self.scale(data["scale"]) if "scale" in data else None
        level_names = self.level_names(data["level_names"], scale) if data.get("level_names") is not None else ()
        bands = self.bands(data["bands"]) if "bands" in data else None
        aggregation = self.aggregation(data["aggregation"]) if "aggregation" in data else Aggregation.mean
        threshold = self.threshold(data["disagreement_threshold"], scale) if "disagreement_threshold" in data else 2
        aspects = self.aspects(data["aspects"], scale) if "aspects" in data else None
        tie_break = self.tie_break(data["tie_break"], self.aspect_codes) if "tie_break" in data else DEFAULT_TIE_BREAK
        eligible = self.eligible(data["eligible"]) if "eligible" in data else DEFAULT_ELIGIBLE
        if self.weights and all(weight is not None for _, weight in self.weights):
            self.total_weight()
        if (
            self.problems
            or rubric_id is None
            or title is None
            or version is None
            or scale is None
            or level_names is None
            or bands is None
            or aggregation is None
            or threshold is None
            or aspects is None
            or tie_break is None
            or eligible is None
        ):
            return None
        return Rubric(
            id=rubric_id,
            title=title,
            version=version,
            scale=scale,
            bands=bands,
            aspects=aspects,
            level_names=level_names,
            aggregation=aggregation,
            disagreement_threshold=threshold,
            tie_break=tie_break,
            eligible=eligible,
        )

    def scale(self, value: object) -> Scale | None:
        path: KeyPath = ("scale",)
        mapping = self.mapping(value, path, "Skala (scale)")
        if mapping is None:
            return None
        self.check_keys(mapping, path, SCALE_KEYS, SCALE_KEYS, "skala")
        low = self.integer(mapping["min"], (*path, "min"), "scale.min") if "min" in mapping else None
        high = self.integer(mapping["max"], (*path, "max"), "scale.max") if "max" in mapping else None
        if low is None or high is None:
            return None
        if low >= high:
            self.problem(path, f"Skala terbalik: min ({low}) harus lebih kecil dari max ({high}).")
            return None
        if high - low > MAX_SCALE_STEPS:
            self.problem(path, f"Skala {low}–{high} terlalu lebar: paling banyak {MAX_SCALE_STEPS} langkah.")
            return None
        return Scale(low, high)

    def level_map(self, value: object, path: KeyPath, scale: Scale | None, what: str) -> dict[int, str] | None:
        """A mapping level -> text covering exactly the scale (rules ``level_off_scale`` and ``level_gap``)."""
        mapping = self.mapping(value, path, what)
        if mapping is None:
            return None
        result: dict[int, str] = {}
        complete = True
        for key, text in mapping.items():
            key_part: str | int = key if isinstance(key, str | int) else str(key)
            level = to_decimal(key)
            if level is None or level != level.to_integral_value():
                self.problem((*path, key_part), f"Level '{key}' pada {what} harus berupa bilangan bulat.")
                complete = False
                continue
            number = int(level)
            if number in result:
                self.problem((*path, key_part), f"Level {number} pada {what} ditulis dua kali.")
                complete = False
                continue
            if scale is not None and number not in scale.levels:
                self.problem((*path, key_part), f"Level {number} pada {what} di luar skala {scale.min}–{scale.max}.")
                complete = False
                continue
            description = self.text(text, (*path, key_part), f"Isi level {number} pada {what}")
            if description is None:
                complete = False
                continue
            result[number] = description
        if scale is not None:
            missing = [
                level
                for level in scale.levels
                if level not in result and level not in mapping and str(level) not in mapping
            ]
            if missing:
                self.problem(
                    path,
                    f"{what[0].upper()}{what[1:]} belum mengisi level {_ranges(missing)}: setiap level "
                    f"pada skala {scale.min}–{scale.max} harus ada.",
                )
                complete = False
        return result if complete else None

    def level_names(self, value: object, scale: Scale | None) -> tuple[tuple[int, str], ...] | None:
        names = self.level_map(value, ("level_names",), scale, "nama level (level_names)")
        return None if names is None else tuple(sorted(names.items()))

    def bands(self, value: object) -> tuple[Band, ...] | None:
        path: KeyPath = ("bands",)
        items = self.sequence(value, path, "Predikat (bands)")
        if items is None:
            return None
        if not items:
            self.problem(path, "Predikat (bands) kosong: isi minimal satu predikat yang mulai dari 0.")
            return None
        bands: list[Band] = []
        complete = True
        labels: dict[str, int] = {}
        previous: Decimal | None = None
        for index, item in enumerate(items):
            here: KeyPath = (*path, index)
            mapping = self.mapping(item, here, "Predikat")
            if mapping is None:
                complete = False
                continue
            self.check_keys(mapping, here, BAND_KEYS, BAND_KEYS, "predikat")
            low = (
                self.decimal(mapping["min"], (*here, "min"), "Batas bawah predikat", "62.5")
                if "min" in mapping
                else None
            )
            label = self.field_text(mapping, "label", here, "Nama predikat (label)")
            if low is not None and not Decimal(0) <= low <= TOTAL_WEIGHT:
                self.problem((*here, "min"), f"Batas bawah predikat {plain(low)} di luar rentang indeks 0–100.")
                low = None
            elif low is not None and previous is not None and low <= previous:
                relation = "sama dengan" if low == previous else "lebih kecil dari"
                self.problem(
                    (*here, "min"),
                    f"Batas bawah predikat {plain(low)} {relation} batas predikat "
                    f"sebelumnya ({plain(previous)}): urutkan dari yang terendah, tanpa "
                    "batas kembar atau tumpang tindih.",
                )
                low = None
            if label is not None and label in labels:
                self.problem(
                    (*here, "label"), f"Nama predikat '{label}' sudah dipakai pada predikat ke-{labels[label] + 1}."
                )
                label = None
            if low is None or label is None:
                complete = False
                continue
            labels[label] = index
            previous = low
            bands.append(Band(low, label))
        if complete and bands[0].min != 0:
            self.problem(
                (*path, 0, "min"),
                f"Predikat terendah harus mulai dari 0 (tertulis {plain(bands[0].min)}): "
                "indeks di bawahnya tidak akan punya predikat.",
            )
            return None
        return tuple(bands) if complete else None

    def aggregation(self, value: object) -> Aggregation | None:
        path: KeyPath = ("aggregation",)
        if isinstance(value, str) and value in AGGREGATIONS:
            return Aggregation(value)
        closest = suggest(value, AGGREGATIONS) if isinstance(value, str) else None
        hint = f" Mungkin maksud Anda '{closest}'?" if closest else ""
        self.problem(
            path,
            f"Agregasi (aggregation) {describe(value)} tidak dikenal: pilih mean (rata-rata) atau "
            f"median (nilai tengah).{hint}",
        )
        return None

    def threshold(self, value: object, scale: Scale | None) -> int | None:
        path: KeyPath = ("disagreement_threshold",)
        number = self.integer(value, path, "Ambang selisih (disagreement_threshold)")
        if number is None:
            return None
        if number < 1:
            self.problem(path, f"Ambang selisih (disagreement_threshold) harus minimal 1, tertulis {number}.")
            return None
        if scale is not None and number > scale.max - scale.min:
            self.problem(
                path,
                f"Ambang selisih {number} lebih besar dari rentang skala ({scale.max - scale.min}): "
                "selisih sebesar itu tidak mungkin terjadi.",
            )
            return None
        return number

    def tie_break(self, value: object, aspect_codes: Sequence[str]) -> tuple[str, ...] | None:
        path: KeyPath = ("tie_break",)
        items = self.words(value, path, "penentu seri (tie_break)")
        if items is None:
            return None
        rules: list[str] = []
        complete = True
        for here, rule in items:
            if rule.startswith(ASPECT_TIE_BREAK_PREFIX):
                code = rule[len(ASPECT_TIE_BREAK_PREFIX) :].strip()
                if code not in aspect_codes:
                    known = ", ".join(aspect_codes) or "belum ada"
                    self.problem(
                        here,
                        f"Penentu seri '{rule}' menyebut aspek '{code}' yang tidak ada di rubrik "
                        f"(aspek yang ada: {known}).",
                    )
                    complete = False
                    continue
                rule = ASPECT_TIE_BREAK_PREFIX + code
            elif rule not in TIE_BREAK_RULES:
                closest = suggest(rule, TIE_BREAK_RULES)
                hint = f" Mungkin maksud Anda '{closest}'?" if closest else ""
                self.problem(
                    here,
                    f"Penentu seri '{rule}' tidak dikenal: pilih aspects_by_weight, aspect:<kode>, "
                    f"top_levels atau zero_levels.{hint}",
                )
                complete = False
                continue
            if rule in rules:
                self.problem(here, f"Penentu seri '{rule}' disebut lebih dari sekali.")
                complete = False
                continue
            rules.append(rule)
        return tuple(rules) if complete else None

    def eligible(self, value: object) -> tuple[str, ...] | None:
        path: KeyPath = ("eligible",)
        items = self.words(value, path, "peserta (eligible)")
        if items is None:
            return None
        if not items:
            self.problem(
                path,
                f"Peserta (eligible) kosong: sebutkan jenis wilayah yang ikut, mis. {', '.join(DEFAULT_ELIGIBLE)}.",
            )
            return None
        kinds: list[str] = []
        complete = True
        for here, kind in items:
            if kind not in REGION_KINDS:
                closest = suggest(kind, REGION_KINDS)
                hint = f" Mungkin maksud Anda '{closest}'?" if closest else ""
                self.problem(here, f"Jenis wilayah '{kind}' tidak dikenal: pilih dari {', '.join(REGION_KINDS)}.{hint}")
                complete = False
            elif kind in kinds:
                self.problem(here, f"Jenis wilayah '{kind}' disebut lebih dari sekali.")
                complete = False
            else:
                kinds.append(kind)
        return tuple(kinds) if complete else None

    def register_code(self, code: str, path: KeyPath, what: str) -> bool:
        first = self.codes.get(code)
        if first is not None:
            self.problem(path, f"Kode {what} '{code}' sudah dipakai di {self.locate(first)}: kode harus unik.")
            return False
        self.codes[code] = path
        return True

    def each(
        self, value: object, path: KeyPath, what: str, empty: str, parse_one: Callable[[object, KeyPath], _T | None]
    ) -> tuple[_T, ...] | None:
        """A non-empty list parsed item by item; every item is parsed (and its problems reported) before failing."""
        items = self.sequence(value, path, what)
        if items is None:
            return None
        if not items:
            self.problem(path, empty)
            return None
        parsed = [parse_one(item, (*path, index)) for index, item in enumerate(items)]
        found = [item for item in parsed if item is not None]
        return tuple(found) if len(found) == len(parsed) else None

    def aspects(self, value: object, scale: Scale | None) -> tuple[Aspect, ...] | None:
        return self.each(
            value,
            ("aspects",),
            "Aspek (aspects)",
            "Rubrik belum punya aspek: tambahkan minimal satu aspek beserta indikatornya.",
            lambda item, path: self.aspect(item, path, scale),
        )

    def aspect(self, value: object, path: KeyPath, scale: Scale | None) -> Aspect | None:
        mapping = self.mapping(value, path, "Aspek")
        if mapping is None:
            return None
        self.check_keys(mapping, path, ASPECT_KEYS, REQUIRED_ASPECT_KEYS, "aspek")
        code = self.code(mapping, "code", path, "Kode aspek")
        if code is not None and not self.register_code(code, (*path, "code"), "aspek"):
            code = None
        if code is not None:
            self.aspect_codes.append(code)
        self.current_aspect = code or f"aspek ke-{int(path[-1]) + 1}"
        name = self.field_text(mapping, "name", path, "Nama aspek")
        declared = self.weight(mapping["weight"], (*path, "weight"), "Bobot aspek") if "weight" in mapping else None
        indicators: tuple[Indicator, ...] | None = None
        first = len(self.weights)
        if "indicators" in mapping:
            indicators = self.indicators(mapping["indicators"], (*path, "indicators"), scale, self.current_aspect)
        weights = [weight for _, weight in self.weights[first:]]
        if declared is not None and weights and all(weight is not None for weight in weights):
            total = sum((weight for weight in weights if weight is not None), Decimal(0))
            if total != declared:
                self.problem(
                    (*path, "weight"),
                    f"Bobot aspek {self.current_aspect} tertulis {plain(declared)}, "
                    f"tetapi jumlah bobot indikatornya {plain(total)}.",
                )
                return None
        if code is None or name is None or indicators is None or ("weight" in mapping and declared is None):
            return None
        return Aspect(code=code, name=name, indicators=indicators)

    def weight(self, value: object, path: KeyPath, what: str) -> Decimal | None:
        weight = self.decimal(value, path, what, "7 atau 2.75")
        if weight is not None and weight <= 0:
            self.problem(path, f"{what} harus lebih besar dari 0, tertulis {plain(weight)}.")
            return None
        return weight

    def indicators(
        self, value: object, path: KeyPath, scale: Scale | None, aspect_code: str
    ) -> tuple[Indicator, ...] | None:
        return self.each(
            value,
            path,
            "Indikator (indicators)",
            f"Aspek {aspect_code} tidak punya indikator: setiap aspek perlu minimal satu indikator.",
            lambda item, here: self.indicator(item, here, scale),
        )

    def indicator(self, value: object, path: KeyPath, scale: Scale | None) -> Indicator | None:
        mapping = self.mapping(value, path, "Indikator")
        if mapping is None:
            return None
        self.check_keys(mapping, path, INDICATOR_KEYS, REQUIRED_INDICATOR_KEYS, "indikator")
        code = self.code(mapping, "code", path, "Kode indikator")
        if code is not None and not self.register_code(code, (*path, "code"), "indikator"):
            code = None
        label = f"indikator {code}" if code else "indikator"
        name = self.field_text(mapping, "name", path, f"Nama {label}")
        weight = self.weight(mapping["weight"], (*path, "weight"), f"Bobot {label}") if "weight" in mapping else None
        self.weights.append((self.current_aspect, weight))
        levels = (
            self.level_map(mapping["levels"], (*path, "levels"), scale, f"level {label}")
            if "levels" in mapping
            else None
        )
        evidence: tuple[str, ...] | None = ()
        if mapping.get("evidence") is not None:
            items = self.words_list(mapping["evidence"], (*path, "evidence"), f"bukti {label}")
            evidence = None if items is None else tuple(items)
        verification: str | None = ""
        if mapping.get("verification") is not None:
            verification = self.text(mapping["verification"], (*path, "verification"), f"Cara verifikasi {label}")
        allow_na: bool | None = False
        if mapping.get("allow_na") is not None:
            allow_na = self.flag(mapping["allow_na"], (*path, "allow_na"), f"Boleh N/A (allow_na) {label}")
        if (
            code is None
            or name is None
            or weight is None
            or levels is None
            or evidence is None
            or verification is None
            or allow_na is None
        ):
            return None
        return Indicator(
            code=code,
            name=name,
            weight=weight,
            levels=tuple(Level(number, text) for number, text in sorted(levels.items())),
            evidence=evidence,
            verification=verification,
            allow_na=allow_na,
        )

    def words_list(self, value: object, path: KeyPath, what: str) -> list[str] | None:
        """Evidence: a list of texts (a single text is one item; commas inside it are kept)."""
        if isinstance(value, str):
            value = [value]
        items = self.sequence(value, path, what[0].upper() + what[1:])
        if items is None:
            return None
        texts = [self.text(item, (*path, index), f"Isi {what}") for index, item in enumerate(items)]
        for index, text in enumerate(texts):
            if text is not None and "\n" in text:
                self.problem((*path, index), f"Isi {what} harus satu baris; pecah menjadi beberapa bukti.")
                texts[index] = None
        return None if any(text is None for text in texts) else [text for text in texts if text is not None]

    def total_weight(self) -> None:
        """Rule ``weights_not_100``: checked only when every weight could be read, so the sum is meaningful."""
        per_aspect: dict[str, Decimal] = {}
        for aspect_code, weight in self.weights:
            per_aspect[aspect_code] = per_aspect.get(aspect_code, Decimal(0)) + (weight or Decimal(0))
        total = sum(per_aspect.values(), Decimal(0))
        if total != TOTAL_WEIGHT:
            detail = ", ".join(f"{code} {plain(weight)}" for code, weight in per_aspect.items())
            self.problem(
                ("aspects",), f"Jumlah bobot semua indikator {plain(total)}, harus tepat 100 (per aspek: {detail})."
            )


def parse_rubric(data: Mapping[str, Any], locate: Callable[[KeyPath], str] | None = None) -> Rubric:
    """Build a :class:`Rubric` from ``data`` or raise :class:`RubricError` listing every problem found.

    ``locate`` turns a key path such as ``("aspects", 0, "indicators", 2, "weight")`` into the location shown to
    the user (a YAML line, an Excel cell); by default the path itself (``aspects[0].indicators[2].weight``).
    """
    parser = _Parser(locate or format_key_path)
    rubric = parser.rubric(data)
    if rubric is None or parser.problems:
        if not parser.problems:
            parser.problem((), "Rubrik tidak dapat dibaca.")
        raise RubricError(parser.problems)
    return rubric
