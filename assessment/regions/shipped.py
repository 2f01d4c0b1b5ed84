"""The region data shipped with the product, under ``data/wilayah/`` (sources and licence in its README.md).

The national Kemendagri list (``wilayah-indonesia.csv``) is what a province imports with ``desa-digital regions
import``; the Kalimantan Timur boundaries (``batas-kaltim-<layer>.geojson``) are what the demo imports so that
its dashboard draws a map. Nothing here reads outside the repository.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assessment.presentation.geo import in_subtree

REGION_DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "wilayah"
REGION_LIST = REGION_DATA_DIR / "wilayah-indonesia.csv"
BOUNDARY_LAYERS = ("kabupaten", "kecamatan", "desa")


def boundary_file(layer: str) -> Path:
    """The shipped Kalimantan Timur boundary file of ``layer`` (kabupaten, kecamatan or desa)."""
    if layer not in BOUNDARY_LAYERS:
        raise ValueError(f"unknown boundary layer {layer!r}")
    return REGION_DATA_DIR / f"batas-kaltim-{layer}.geojson"


def boundary_features(layer: str, root: str | None = None) -> dict[str, Any]:
    """The FeatureCollection of ``layer`` restricted to the regions under ``root`` (all when None)."""
    document = json.loads(boundary_file(layer).read_text(encoding="utf-8"))
    features = [feature for feature in document["features"] if in_subtree(feature["properties"]["kode"], root)]
    return {"type": "FeatureCollection", "features": features}
