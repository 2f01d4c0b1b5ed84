"""TOTP (RFC 6238) codes for the second factor, and the QR code an authenticator app scans.

Codes are 6 digits over 30-second steps with HMAC-SHA1, the settings every authenticator app (Google
Authenticator, Microsoft Authenticator, FreeOTP, Aegis) uses by default.
"""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp
import segno
from markupsafe import Markup

ISSUER = "Desa Digital Kaltim"
DRIFT_STEPS = 1


def new_secret() -> str:
    """A fresh random base32 secret (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, email: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(text: str) -> Markup:
    """``text`` as a QR code in inline SVG (no image request, nothing for the CSP to allow)."""
    svg = segno.make(text, error="m", micro=False).svg_inline(scale=4, border=4, dark="#000", light="#fff")
    return Markup(svg)  # noqa: S704 (segno's own markup of a QR code; no user text is embedded unescaped)


def grouped(secret: str) -> str:
    """The secret in groups of four letters, for typing it into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, code: str, now: datetime, *, after: int | None) -> int | None:
    """The time step whose code is ``code`` (now, or one step either side), if it is later than ``after``."""
    code = "".join(code.split())
    if not secret or len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
