"""Keys kept outside the database, each for one purpose.

``TOTP_KEY`` encrypts the TOTP secrets (and keys the hashes of recovery codes); ``AUDIT_KEY`` signs the audit
chain (:mod:`assessment.services.audit`). Each comes from the environment; when unset it is derived from ``SECRET_KEY``
with
HKDF-SHA256 and the purpose as context, so the one secret of a small installation gives independent keys. A
database copied elsewhere (a backup, a leak) reveals neither the TOTP secrets nor a way to re-sign the chain.

Setting ``TOTP_KEY`` and ``AUDIT_KEY`` explicitly lets ``SECRET_KEY`` be rotated (which only ends every session);
changing ``TOTP_KEY`` makes every authenticator unreadable (``users reset-2fa`` each account), changing
``AUDIT_KEY`` makes ``audit verify`` report every event as altered.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

PURPOSES: dict[str, str | None] = {"totp": "TOTP_KEY", "audit": "AUDIT_KEY", "letters": None}
"""Each purpose with the setting that may give its key; ``letters`` (the invitation letters, encrypted while they
wait for their one download, a few days at most) always comes from ``SECRET_KEY``: rotating it only makes letters
not yet downloaded unreadable, and they are made again with a click."""


def purpose_key(purpose: str) -> bytes:
    """32 bytes of key for ``purpose`` (``totp``, ``audit`` or ``letters``) from the app's configuration (docstring
    above)."""
    setting = PURPOSES[purpose]
    material = (current_app.config.get(setting) if setting else None) or current_app.config["SECRET_KEY"]
    if isinstance(material, str):
        material = material.encode("utf-8")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"desa-digital", info=purpose.encode()).derive(material)
