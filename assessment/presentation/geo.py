"""Region boundaries for maps: load GeoJSON, simplify it for the screen, and cut out a region's subtree.

Boundaries arrive as GeoJSON FeatureCollections whose features carry the Kemendagri code in the property
``kode`` (``regions import-boundaries`` stores them). The whole province at full detail is 4.3 MB of desa
polygons, too heavy for a dashboard on a mobile link; :func:`feature_collection` simplifies each ring with
Douglas-Peucker, rounds coordinates to about 11 m (4 decimals) and drops rings that collapse, so the province's
desa and kecamatan together stay under 1 MB. Shared borders are simplified independently on each side, so at
street level neighbouring polygons may show slivers of a few metres: fine for a choropleth, not for disputes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

# Simplify to half a screen pixel of a map whose longest side spans this many pixels (a large screen): nothing
# visible is lost until the user zooms in further. 1,200 keeps the province's desa and kecamatan under 1 MB.
SCREEN_PIXELS = 1200
MIN_TOLERANCE = 0.0001  # about 11 m
MAX_TOLERANCE = 0.005  # about 550 m
SHAPE_FRACTION = 30
# 4 decimals of a degree is about 11 m.
DEFAULT_DECIMALS = 4
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")

Ring = NDArray[np.float64]


class BoundaryError(ValueError):
    """A boundary file that cannot be used; ``problems`` lists every problem with its feature's position."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True, slots=True)
class Boundary:
    """One region's boundary: its code, name, level and GeoJSON geometry (Polygon or MultiPolygon)."""

    kode: str
    nama: str
    tingkat: str
    geometry: Mapping[str, Any]


def load_boundaries(source: str | Path | IO[str] | IO[bytes] | Mapping[str, Any]) -> list[Boundary]:
    """Read a GeoJSON FeatureCollection; every feature needs a ``kode`` and a Polygon or MultiPolygon.

    All problems are collected, each with the feature's position (1-based) and code, before anything is
    refused, so an administrator can fix the file in one go.
    """
    if isinstance(source, Mapping):
        document: Any = source
    elif isinstance(source, str | Path):
        with open(source, encoding="utf-8") as handle:
            document = json.load(handle)
    else:
        document = json.load(source)
    if not isinstance(document, Mapping) or document.get("type") != "FeatureCollection":
        raise BoundaryError(["berkas bukan GeoJSON FeatureCollection"])
    features = document.get("features")
    if not isinstance(features, list):
        raise BoundaryError(["FeatureCollection tanpa daftar features"])
    problems: list[str] = []
    boundaries: list[Boundary] = []
    seen: dict[str, int] = {}
    for position, feature in enumerate(features, start=1):
        where = f"fitur ke-{position}"
        properties = feature.get("properties") if isinstance(feature, Mapping) else None
        geometry = feature.get("geometry") if isinstance(feature, Mapping) else None
        kode = properties.get("kode") if isinstance(properties, Mapping) else None
        if not isinstance(kode, str) or not kode.strip():
            problems.append(f"{where}: properti 'kode' tidak ada")
            continue
        kode = kode.strip()
        where += f" ({kode})"
        if kode in seen:
            problems.append(f"{where}: kode sudah dipakai fitur ke-{seen[kode]}")
            continue
        seen[kode] = position
        if not isinstance(geometry, Mapping) or geometry.get("type") not in GEOMETRY_TYPES:
            problems.append(f"{where}: geometri harus Polygon atau MultiPolygon")
            continue
        if not _coordinates_are_well_formed(geometry):
            problems.append(f"{where}: koordinat tidak valid (cincin [bujur, lintang] perlu paling sedikit 4 titik)")
            continue
        assert isinstance(properties, Mapping)  # noqa: S101 -- checked with kode above
        boundaries.append(Boundary(kode, str(properties.get("nama", "")), str(properties.get("tingkat", "")), geometry))
    if problems:
        raise BoundaryError(problems)
    return boundaries


def _polygons(geometry: Mapping[str, Any]) -> list[Any]:
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list):
        return []
    return [coordinates] if geometry["type"] == "Polygon" else coordinates


def _coordinates_are_well_formed(geometry: Mapping[str, Any]) -> bool:
    polygons = _polygons(geometry)
    if not polygons:
        return False
    try:
        for polygon in polygons:
            if not polygon:
                return False
            for ring in polygon:
                array = np.asarray(ring, dtype=np.float64)
                if array.ndim != 2 or array.shape[0] < 4 or array.shape[1] < 2 or not np.isfinite(array).all():
                    return False
    except (TypeError, ValueError):
        return False
    return True


def douglas_peucker(line: Ring, tolerance: float) -> Ring:
    """Keep the points of an open polyline that lie further than ``tolerance`` from the simplified line.

    Iterative (no recursion limit); the end points are always kept. Distances are to the chord's line (to its
    first point when the chord has no length). Long spans are measured with numpy, short ones in plain Python,
    where numpy's per-call cost would dominate.
    """
    count = len(line)
    if count <= 2 or tolerance <= 0:
        return line
    xs = line[:, 0]
    ys = line[:, 1]
    xl: list[float] = xs.tolist()
    yl: list[float] = ys.tolist()
    keep = [False] * count
    keep[0] = keep[-1] = True
    stack = [(0, count - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        x0, y0, x1, y1 = xl[first], yl[first], xl[last], yl[last]
        dx, dy = x1 - x0, y1 - y0
        norm = (dx * dx + dy * dy) ** 0.5
        if last - first > 48:
            vx = xs[first + 1 : last] - x0
            vy = ys[first + 1 : last] - y0
            distances = np.abs(vx * dy - vy * dx) / norm if norm else np.hypot(vx, vy)
            index = int(np.argmax(distances))
            largest = float(distances[index])
        else:
            largest, index = -1.0, 0
            for offset in range(first + 1, last):
                px, py = xl[offset] - x0, yl[offset] - y0
                distance: float = abs(px * dy - py * dx) / norm if norm else (px * px + py * py) ** 0.5
                if distance > largest:
                    largest, index = distance, offset - first - 1
        if largest > tolerance:
            split = first + 1 + index
            keep[split] = True
            stack.append((first, split))
            stack.append((split, last))
    kept: Ring = line[np.array(keep)]
    return kept


def simplify_ring(ring: Ring, tolerance: float) -> Ring:
    """Simplify a closed ring: split it at the point farthest from its start and simplify both halves."""
    open_ring = ring[:-1] if len(ring) > 1 and np.array_equal(ring[0], ring[-1]) else ring
    if len(open_ring) < 4:
        return np.vstack([open_ring, open_ring[:1]])
    far = int(np.argmax(np.hypot(*(open_ring - open_ring[0]).T)))
    if far == 0:
        return np.vstack([open_ring[:1], open_ring[:1]])
    closed = np.vstack([open_ring, open_ring[:1]])
    head = douglas_peucker(closed[: far + 1], tolerance)
    tail = douglas_peucker(closed[far:], tolerance)
    return np.vstack([head[:-1], tail])


def ring_area(ring: Ring) -> float:
    """Signed area of a closed ring (shoelace, in square degrees; positive when counter-clockwise)."""
    x, y = ring[:, 0], ring[:, 1]
    return float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1])) / 2.0


def ring_is_valid(ring: Ring) -> bool:
    """A ring a renderer can fill: closed, at least three distinct corners, and a non-zero area."""
    if len(ring) < 4 or not np.array_equal(ring[0], ring[-1]):
        return False
    if len(np.unique(ring[:-1], axis=0)) < 3:
        return False
    return ring_area(ring) != 0.0


def _quantise(ring: Ring, decimals: int) -> Ring:
    rounded = np.round(ring, decimals)
    # Consecutive points that rounded onto each other add bytes and nothing else.
    changed = np.any(np.diff(rounded, axis=0) != 0, axis=1)
    rounded = rounded[np.concatenate([[True], changed])]
    if not np.array_equal(rounded[0], rounded[-1]):
        rounded = np.vstack([rounded, rounded[:1]])
    return rounded


def simplify_geometry(geometry: Mapping[str, Any], tolerance: float, decimals: int) -> dict[str, Any] | None:
    """Simplify and quantise a Polygon or MultiPolygon; rings that collapse are dropped (None if all do).

    Each polygon (each island of a MultiPolygon) is simplified with at most 1/30 of its own extent, so a small
    island or an urban kelurahan keeps its shape next to large rural desa.
    """
    polygons: list[list[list[list[float]]]] = []
    for polygon in _polygons(geometry):
        rings: list[list[list[float]]] = []
        outer = np.asarray(polygon[0], dtype=np.float64)[:, :2]
        extent = float(np.max(outer.max(axis=0) - outer.min(axis=0)))
        own_tolerance = min(tolerance, extent / SHAPE_FRACTION)
        for position, ring in enumerate(polygon):
            points = np.asarray(ring, dtype=np.float64)[:, :2]
            simplified = _quantise(simplify_ring(points, own_tolerance), decimals)
            if ring_is_valid(simplified):
                rings.append(simplified.tolist())
            elif position == 0:
                break  # without its outer ring the polygon (and its holes) is gone
        if rings:
            polygons.append(rings)
    if not polygons:
        return None
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def screen_tolerance(boundaries: Sequence[Boundary], pixels: int = SCREEN_PIXELS) -> float:
    """The simplification tolerance (degrees) for showing ``boundaries`` together: half a pixel of the map.

    The longest side of their bounding box is spread over ``pixels`` pixels; the result is clamped between
    about 11 m and 550 m, so Kalimantan Timur gets about 240 m and a kabupaten such as PPU about 40 m.
    """
    lows: list[NDArray[np.float64]] = []
    highs: list[NDArray[np.float64]] = []
    for boundary in boundaries:
        for polygon in _polygons(boundary.geometry):
            outer = np.asarray(polygon[0], dtype=np.float64)[:, :2]
            lows.append(outer.min(axis=0))
            highs.append(outer.max(axis=0))
    if not lows:
        return MIN_TOLERANCE
    extent = float(np.max(np.max(highs, axis=0) - np.min(lows, axis=0)))
    return min(max(extent / pixels / 2, MIN_TOLERANCE), MAX_TOLERANCE)


def simplify_for_screen(
    geometry: Mapping[str, Any], tolerance: float, decimals: int = DEFAULT_DECIMALS
) -> dict[str, Any]:
    """Simplify a region's geometry for display; the region keeps its shape and never disappears from the map.

    Rule: each polygon is simplified with at most 1/30 of its own extent (small urban kelurahan and islands
    keep their shape on a province map); a region that still collapses is simplified again with a quarter of
    the tolerance, then not at all, then with one more decimal (up to 6); only if even that fails is the
    original geometry kept.
    """
    for current_decimals in range(decimals, 7):
        for current_tolerance in (tolerance, tolerance / 4, tolerance / 16, 0.0):
            result = simplify_geometry(geometry, current_tolerance, current_decimals)
            if result is not None:
                return result
    return {"type": geometry["type"], "coordinates": geometry["coordinates"]}


def in_subtree(kode: str, root: str | None) -> bool:
    """Whether region ``kode`` is ``root`` or lies under it (Kemendagri codes are dotted prefixes)."""
    return root is None or root == "" or kode == root or kode.startswith(root + ".")


def feature_collection(
    boundaries: Iterable[Boundary],
    root: str | None = None,
    tolerance: float | None = None,
    decimals: int = DEFAULT_DECIMALS,
) -> dict[str, Any]:
    """A FeatureCollection of the boundaries under ``root`` (all when None), simplified for the screen.

    ``tolerance`` defaults to :func:`screen_tolerance` of the selected boundaries. Each feature keeps only
    ``kode`` and ``nama`` (bytes matter here), so a plotly ``choroplethmap`` matches it with
    ``featureidkey="properties.kode"``.
    """
    selected = [boundary for boundary in boundaries if in_subtree(boundary.kode, root)]
    if tolerance is None:
        tolerance = screen_tolerance(selected)
    features = [
        {
            "type": "Feature",
            "properties": {"kode": boundary.kode, "nama": boundary.nama},
            "geometry": simplify_for_screen(boundary.geometry, tolerance, decimals),
        }
        for boundary in selected
    ]
    return {"type": "FeatureCollection", "features": features}


def dumps_compact(document: Mapping[str, Any]) -> str:
    """JSON without spaces: the shape sent to browsers (and measured against the 1 MB budget)."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class MapView:
    """Where a map opens: its centre and web-mercator zoom level."""

    lon: float
    lat: float
    zoom: float


# Kalimantan Timur as a whole, for a map whose features are not at hand (GeoJSON given by URL).
DEFAULT_VIEW = MapView(lon=116.4, lat=0.5, zoom=5.2)


def map_view(collection: Mapping[str, Any], width_pixels: int = 600) -> MapView:
    """The centre and zoom that fit every feature of ``collection`` into a map ``width_pixels`` wide."""
    lows: list[NDArray[np.float64]] = []
    highs: list[NDArray[np.float64]] = []
    for feature in collection.get("features", []):
        for polygon in _polygons(feature["geometry"]):
            outer = np.asarray(polygon[0], dtype=np.float64)[:, :2]
            lows.append(outer.min(axis=0))
            highs.append(outer.max(axis=0))
    if not lows:
        return DEFAULT_VIEW
    low = np.min(lows, axis=0)
    high = np.max(highs, axis=0)
    extent = max(float(np.max(high - low)), 0.01)
    # plotly's maps (MapLibre) use 512-pixel tiles: zoom z shows 360 / 2**z degrees of longitude across 512 pixels.
    zoom = math.log2(360 * width_pixels / 512 / extent)
    centre = (low + high) / 2
    return MapView(lon=float(centre[0]), lat=float(centre[1]), zoom=round(min(max(zoom, 3.0), 14.0), 2))
