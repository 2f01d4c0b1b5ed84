"""Marking strings for translation where they are defined, when they are translated only where they are shown."""

from __future__ import annotations


def N_(message: str) -> str:
    """Return ``message`` unchanged; `make messages` extracts it and the page that shows it calls ``_()`` on it."""
    return message
