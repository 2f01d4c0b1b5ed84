"""Rubrics in YAML: a loader that keeps the line of every key path and exact decimals, and a writer.

Locations are ``LINE:key.path`` (e.g. ``42:aspects[0].indicators[1].weight``). Floats are read as Decimals from
their source text, so 2.75 is exactly 2.75. Duplicate keys, which YAML would silently collapse, are problems.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

import yaml

from assessment.criteria.errors import Problem, RubricError, file_problem
from assessment.criteria.model import Rubric
from assessment.criteria.parse import KeyPath, format_key_path, parse_rubric, plain

# Aliases let a few hundred bytes of YAML name billions of nodes ("billion laughs"); a rubric has a few thousand.
MAX_YAML_NODES = 100_000

_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_FLOAT_TAG = "tag:yaml.org,2002:float"


def _scalar(node: yaml.ScalarNode) -> object:
    """The value of a scalar; floats become exact Decimals from their source text (2.75 -> Decimal('2.75'))."""
    tag = node.tag
    if tag == _FLOAT_TAG:
        text = node.value.replace("_", "")
        number = Decimal(text) if re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text) else None
        return number if number is not None else node.value
    # The constructor's scalar methods keep no state (construct_object would cache every node in a global).
    if tag == "tag:yaml.org,2002:int":
        try:
            return _CONSTRUCTOR.construct_yaml_int(node)
        except ValueError:  # more digits than Python converts; the parser reports the text as no number
            return node.value
    if tag == "tag:yaml.org,2002:bool":
        return _CONSTRUCTOR.construct_yaml_bool(node)
    if tag == "tag:yaml.org,2002:null":
        return None
    # Strings, timestamps (a version such as 2026-01-15 stays text) and unknown tags: the text as written.
    return node.value


class _YamlReader:
    """Builds plain values from a composed YAML node tree, remembering the line of every key path."""

    def __init__(self) -> None:
        self.lines: dict[KeyPath, int] = {}
        self.problems: list[Problem] = []
        self.nodes = 0

    def locate(self, path: KeyPath) -> str:
        for length in range(len(path), -1, -1):
            line = self.lines.get(path[:length])
            if line is not None:
                return f"{line}:{format_key_path(path)}"
        return f"1:{format_key_path(path)}"

    def build(self, node: yaml.Node, path: KeyPath) -> object:
        self.nodes += 1
        if self.nodes > MAX_YAML_NODES:
            raise file_problem(
                f"YAML terlalu besar: lebih dari {MAX_YAML_NODES} nilai (mungkin alias yang "
                "berlipat ganda); sebuah rubrik tidak sebesar ini."
            )
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            result: dict[object, object] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problems.append(
                        Problem(
                            f"{key_node.start_mark.line + 1}:{format_key_path(path)}",
                            "Kunci harus berupa teks tunggal, bukan daftar atau pemetaan.",
                        )
                    )
                    continue
                key = _scalar(key_node)
                part: str | int = key if isinstance(key, str | int) and not isinstance(key, bool) else str(key)
                child: KeyPath = (*path, part)
                if key in result:
                    self.problems.append(
                        Problem(
                            f"{key_node.start_mark.line + 1}:{format_key_path(child)}",
                            f"Kunci '{key}' ditulis dua kali; hanya satu yang boleh ada.",
                        )
                    )
                    continue
                self.lines[child] = key_node.start_mark.line + 1
                result[part] = self.build(value_node, child)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)  # noqa: S101 - the composer yields only these three node kinds
        return _scalar(node)


def load_yaml_text(text: str) -> Rubric:
    """Parse YAML text into a rubric, or raise RubricError with every problem located by line and key path."""
    reader = _YamlReader()
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as error:
        # The whole text is checked up front for characters YAML forbids (control characters such as ESC).
        line = text.count("\n", 0, error.position) + 1
        raise RubricError(
            [
                Problem(
                    f"{line}:(yaml)",
                    f"YAML rusak di baris {line}: karakter kendali "
                    f"U+{int(error.character):04X} tidak boleh ada di berkas YAML.",
                )
            ]
        ) from None
    try:
        node = loader.get_single_node()
        document = reader.build(node, ()) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        column = f", kolom {mark.column + 1}" if mark is not None else ""
        detail = error.problem or error.context or "format tidak sah"
        raise RubricError([Problem(f"{line}:(yaml)", f"YAML rusak di baris {line}{column}: {detail}.")]) from None
    except yaml.YAMLError as error:
        raise file_problem(f"YAML rusak: {error}.") from None
    except RecursionError:
        raise file_problem("YAML bersarang terlalu dalam untuk sebuah rubrik.") from None
    finally:
        loader.dispose()
    problems = list(reader.problems)
    try:
        # parse_rubric reports a document that is not a mapping (a bare list or text) as not being a rubric.
        rubric = parse_rubric(cast("Mapping[str, Any]", document), reader.locate)
    except RubricError as error:
        # Reported in file order, so a committee can work through them top to bottom.
        found = sorted([*problems, *error.problems], key=lambda problem: int(problem.location.split(":")[0]))
        raise RubricError(found) from None
    if problems:
        raise RubricError(problems)
    return rubric


def rubric_to_yaml(rubric: Rubric) -> str:
    """The rubric as YAML in the documented key order; parsing it gives a rubric with the same fingerprint."""
    document: dict[str, Any] = {
        "id": rubric.id,
        "title": rubric.title,
        "version": rubric.version,
        "scale": {"min": rubric.scale.min, "max": rubric.scale.max},
    }
    if rubric.level_names:
        document["level_names"] = dict(rubric.level_names)
    document["bands"] = [{"min": band.min, "label": band.label} for band in rubric.bands]
    document["aggregation"] = rubric.aggregation.value
    document["disagreement_threshold"] = rubric.disagreement_threshold
    document["tie_break"] = list(rubric.tie_break)
    document["eligible"] = list(rubric.eligible)
    aspects: list[dict[str, Any]] = []
    for aspect in rubric.aspects:
        indicators: list[dict[str, Any]] = []
        for indicator in aspect.indicators:
            item: dict[str, Any] = {
                "code": indicator.code,
                "name": indicator.name,
                "weight": indicator.weight,
                "levels": {level.value: level.description for level in indicator.levels},
                "evidence": list(indicator.evidence),
            }
            if indicator.verification:
                item["verification"] = indicator.verification
            item["allow_na"] = indicator.allow_na
            indicators.append(item)
        aspects.append({"code": aspect.code, "name": aspect.name, "weight": aspect.weight, "indicators": indicators})
    document["aspects"] = aspects
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)


class _Dumper(yaml.SafeDumper):
    """Writes Decimals as plain numbers (7, 2.75, 62.5)."""


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = plain(value)
    tag = "tag:yaml.org,2002:int" if "." not in text else _FLOAT_TAG
    return dumper.represent_scalar(tag, text)


_Dumper.add_representer(Decimal, _represent_decimal)
