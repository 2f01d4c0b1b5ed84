"""CLI commands of ``desa-digital``, one module per domain.

A module here defines ``register(app)``, which adds its click commands to ``app.cli``; :func:`register_all`
discovers the modules, so domains do not edit a shared list.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register_all(app: Flask) -> None:
    """Import every module of this package and let it register its commands."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda item: item.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)
