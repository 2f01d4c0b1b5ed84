"""Boundaries for the map: loading with located problems, Douglas-Peucker, and the province under 1 MB."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.presentation.geo import (
    BoundaryError,
    douglas_peucker,
    dumps_compact,
    feature_collection,
    in_subtree,
    load_boundaries,
    ring_area,
    ring_is_valid,
    screen_tolerance,
    simplify_for_screen,
)

ONE_MB = 1_000_000


def _square(x: float, y: float, size: float) -> list[list[float]]:
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


def _feature(kode: Any, geometry: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"kode": kode, "nama": "Uji"}, "geometry": geometry}


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [ring for polygon in polygons for ring in polygon]


def _area(geometry: dict[str, Any]) -> float:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return sum(
        abs(ring_area(np.asarray(p[0]))) - sum(abs(ring_area(np.asarray(hole))) for hole in p[1:]) for p in polygons
    )


def test_every_problem_of_a_boundary_file_is_reported_with_its_feature() -> None:
    document = {
        "type": "FeatureCollection",
        "features": [
            _feature("64.09", {"type": "Polygon", "coordinates": [_square(116, -1, 0.1)]}),
            _feature(None, {"type": "Polygon", "coordinates": [_square(116, -1, 0.1)]}),
            _feature("64.09", {"type": "Polygon", "coordinates": [_square(116, -1, 0.1)]}),
            _feature("64.10", {"type": "Point", "coordinates": [116, -1]}),
            _feature("64.11", {"type": "Polygon", "coordinates": [[[116, -1], [117, -1], [116, -1]]]}),
        ],
    }
    with pytest.raises(BoundaryError) as caught:
        load_boundaries(document)
    assert [p.split(":")[0] for p in caught.value.problems] == [
        "fitur ke-2",
        "fitur ke-3 (64.09)",
        "fitur ke-4 (64.10)",
        "fitur ke-5 (64.11)",
    ]


def test_a_file_that_is_not_a_feature_collection_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.geojson"
    path.write_text('{"type": "Feature"}', encoding="utf-8")
    with pytest.raises(BoundaryError, match="FeatureCollection"):
        load_boundaries(path)


def test_a_straight_line_keeps_only_its_ends() -> None:
    line = np.array([[0.0, 0.0], [1.0, 0.001], [2.0, -0.001], [3.0, 0.0]])
    assert douglas_peucker(line, 0.01).tolist() == [[0.0, 0.0], [3.0, 0.0]]


def test_a_corner_beyond_the_tolerance_is_kept() -> None:
    line = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0], [4.0, 0.0]])
    assert douglas_peucker(line, 0.5).tolist() == [[0.0, 0.0], [2.0, 1.0], [4.0, 0.0]]


def _line_distance(point: np.ndarray, start: np.ndarray, end: np.ndarray) -> float:
    direction = end - start
    norm = float(np.hypot(*direction))
    if norm == 0:
        return float(np.hypot(*(point - start)))
    return float(abs(direction[0] * (point - start)[1] - direction[1] * (point - start)[0]) / norm)


coordinates = st.floats(min_value=-10, max_value=10, allow_nan=False, allow_infinity=False)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(coordinates, coordinates), min_size=2, max_size=120), st.floats(0.001, 2.0))
def test_douglas_peucker_drops_only_points_within_the_tolerance(points: list[tuple[float, float]], tol: float) -> None:
    line = np.array(points)
    kept = douglas_peucker(line, tol)
    assert kept[0].tolist() == line[0].tolist() and kept[-1].tolist() == line[-1].tolist()
    # The kept points are a subsequence of the input; every dropped point lies within tol of its chord.
    positions: list[int] = []
    cursor = 0
    for point in kept:
        while line[cursor].tolist() != point.tolist():
            cursor += 1
        positions.append(cursor)
        cursor += 1
    for start, end in itertools.pairwise(positions):
        for index in range(start + 1, end):
            assert _line_distance(line[index], line[start], line[end]) <= tol + 1e-12


def test_a_region_too_small_for_the_tolerance_still_appears() -> None:
    tiny = {"type": "Polygon", "coordinates": [_square(116.00001, -1.00001, 0.00003)]}
    simplified = simplify_for_screen(tiny, tolerance=0.01, decimals=4)
    assert all(ring_is_valid(np.asarray(ring)) for ring in _rings(simplified))


def test_collapsed_holes_and_islands_are_dropped_but_the_region_stays() -> None:
    geometry = {
        "type": "MultiPolygon",
        "coordinates": [
            [_square(116, -1, 0.1), _square(116.05, -0.95, 0.00001)],  # a hole far below the tolerance
            [_square(117, -1, 0.00001)],  # an island far below the tolerance
        ],
    }
    simplified = simplify_for_screen(geometry, tolerance=0.001, decimals=4)
    assert simplified["type"] == "Polygon"
    assert len(simplified["coordinates"]) == 1


def test_subtree_follows_dotted_codes() -> None:
    assert in_subtree("64.09.04.2002", "64.09")
    assert in_subtree("64.09", "64.09")
    assert not in_subtree("64.10.01", "64.1")
    assert in_subtree("64.10.01", None)


@pytest.fixture(scope="module")
def province(data_dir: Path) -> tuple[list[Any], list[Any]]:
    data = data_dir
    return (
        load_boundaries(data / "batas-kaltim-desa.geojson"),
        load_boundaries(data / "batas-kaltim-kecamatan.geojson"),
    )


@pytest.mark.slow
def test_the_province_map_is_under_one_megabyte_and_keeps_every_region(province: tuple[list[Any], list[Any]]) -> None:
    desa, kecamatan = province
    assert len(desa) == 1038 and len(kecamatan) == 105
    tolerance = screen_tolerance(desa)
    desa_map = feature_collection(desa, "64", tolerance)
    kecamatan_map = feature_collection(kecamatan, "64", tolerance)
    size = len(dumps_compact(desa_map).encode()) + len(dumps_compact(kecamatan_map).encode())
    assert size < ONE_MB, size
    for source, simplified in ((desa, desa_map), (kecamatan, kecamatan_map)):
        assert [f["properties"]["kode"] for f in simplified["features"]] == [b.kode for b in source]
        for boundary, feature in zip(source, simplified["features"], strict=True):
            assert all(ring_is_valid(np.asarray(ring)) for ring in _rings(feature["geometry"])), boundary.kode
            # The shape stays recognisable: its area changes by less than 15 %.
            ratio = _area(feature["geometry"]) / _area(dict(boundary.geometry))
            assert 0.85 < ratio < 1.15, (boundary.kode, ratio)
        total = sum(_area(f["geometry"]) for f in simplified["features"])
        assert total == pytest.approx(sum(_area(dict(b.geometry)) for b in source), rel=0.01)


def test_a_kabupaten_subtree_is_finer_than_the_province(province: tuple[list[Any], list[Any]]) -> None:
    desa, _ = province
    ppu = [b for b in desa if in_subtree(b.kode, "64.09")]
    assert len(ppu) == 54
    assert screen_tolerance(ppu) < screen_tolerance(desa) / 4
    collection = feature_collection(desa, "64.09")
    assert len(collection["features"]) == 54
    assert all(f["properties"]["kode"].startswith("64.09.") for f in collection["features"])
