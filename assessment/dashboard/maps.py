"""The dashboard map's regions: stored boundaries -> a simplified GeoJSON per (region, layer), computed once.

``regions import-boundaries`` stores each region's full geometry (``RegionBoundary``). Simplifying the province's
1,038 desa takes one to four seconds, far too long for a request, so the simplified collection is written once to
the instance folder (``peta/<root>-<layer>-<version>.geojson`` and its gzip) and served from there by every worker
process. ``version`` is a digest of the boundary rows under the root (count, latest change, newest id): importing
new boundaries changes it, so a stale file is never served and the browser's ETag changes with it.
``regions import-boundaries`` warms the files of the province and its kabupaten (:func:`warm_display_geojson`).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, func, or_, select

from assessment.models import CODE_DEPTH, Region, RegionBoundary, RegionKind
from assessment.platform.extensions import db
from assessment.presentation.geo import Boundary, MapView, dumps_compact, feature_collection, load_boundaries, map_view

# The map's two layers: the desa (and kelurahan) coloured by their result, and the kecamatan drawn as outlines.
LAYERS = ("desa", "kecamatan")
_LAYER_DEPTH = {"desa": CODE_DEPTH[RegionKind.desa], "kecamatan": CODE_DEPTH[RegionKind.kecamatan]}
_lock = threading.Lock()
MAP_PIXELS = 480


@dataclass(frozen=True, slots=True)
class DisplayGeoJSON:
    """A simplified FeatureCollection as sent to browsers: its version (the ETag), the JSON bytes and their gzip."""

    version: str
    body: bytes
    gzipped: bytes


def _under(root: str) -> ColumnElement[bool]:
    return or_(RegionBoundary.region_code == root, RegionBoundary.region_code.startswith(root + ".", autoescape=True))


def _depth_matches(code: str, layer: str) -> bool:
    return code.count(".") + 1 == _LAYER_DEPTH[layer]


def boundary_version(root: str) -> str:
    """A short digest of the boundary rows under ``root``: it changes whenever an import adds or replaces one."""
    count, latest, newest = db.session.execute(
        select(func.count(RegionBoundary.id), func.max(RegionBoundary.updated_at), func.max(RegionBoundary.id)).where(
            _under(root)
        )
    ).one()
    return hashlib.sha256(f"{root}|{count}|{latest}|{newest}".encode()).hexdigest()[:16]


def _boundaries(root: str, layer: str) -> list[Boundary]:
    rows = db.session.execute(
        select(RegionBoundary.region_code, RegionBoundary.geometry, Region.name, Region.kind)
        .join(Region, Region.code == RegionBoundary.region_code)
        .where(_under(root))
        .order_by(RegionBoundary.region_code)
    ).all()
    # The stored text is parsed and checked by the same loader as an imported file.
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "properties": {"kode": code, "nama": name, "tingkat": str(kind)},
            "geometry": json.loads(geometry),
        }
        for code, geometry, name, kind in rows
        if _depth_matches(code, layer)
    ]
    if not features:
        return []
    return load_boundaries({"type": "FeatureCollection", "features": features})


def _cache_dir() -> Path:
    return Path(current_app.instance_path) / "peta"


def display_geojson(root: str, layer: str) -> DisplayGeoJSON:
    """The simplified ``layer`` (``desa`` or ``kecamatan``) under ``root``: read from the instance folder, or
    computed and stored there first (once per boundary version, whatever the number of worker processes)."""
    if layer not in LAYERS:
        raise ValueError(f"unknown map layer {layer!r}")
    version = boundary_version(root)
    folder = _cache_dir()
    path = folder / f"{root}-{layer}-{version}.geojson"
    zipped = path.with_suffix(".geojson.gz")
    if path.is_file() and zipped.is_file():
        return DisplayGeoJSON(version, path.read_bytes(), zipped.read_bytes())
    with _lock:
        if not (path.is_file() and zipped.is_file()):
            collection = feature_collection(_boundaries(root, layer), root)
            body = dumps_compact(collection).encode("utf-8")
            folder.mkdir(parents=True, exist_ok=True)
            _write_atomically(path, body)
            _write_atomically(zipped, gzip.compress(body, compresslevel=9, mtime=0))
    return DisplayGeoJSON(version, path.read_bytes(), zipped.read_bytes())


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename: another process never reads half a file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


_views: dict[tuple[str, str], MapView | None] = {}


def view_of(root: str) -> MapView | None:
    """Centre and zoom that fit the desa layer under ``root`` (None when no boundary is stored); kept per version."""
    document = display_geojson(root, "desa")
    key = (root, document.version)
    if key not in _views:
        collection = json.loads(document.body)
        # The plot area is about 500 px tall on every screen (560 px with the title): fit the regions into 480.
        _views[key] = map_view(collection, width_pixels=MAP_PIXELS) if collection["features"] else None
    return _views[key]


def warm_display_geojson(roots: list[str] | None = None) -> list[str]:
    """Compute and store the map layers of the provinces and kabupaten/kota that have boundaries; returns the roots.

    ``regions import-boundaries`` calls it, so the first dashboard visitor does not wait for the simplification.
    """
    if roots is None:
        roots = list(
            db.session.scalars(
                select(Region.code)
                .where(Region.kind.in_([RegionKind.provinsi, RegionKind.kabupaten, RegionKind.kota]))
                .order_by(Region.code)
            )
        )
    done: list[str] = []
    for root in roots:
        if db.session.scalar(select(func.count(RegionBoundary.id)).where(_under(root))):
            for layer in LAYERS:
                display_geojson(root, layer)
            done.append(root)
    return done
