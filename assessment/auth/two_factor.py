"""TOTP (RFC 6238) codes for the second factor, and the QR code an authenticator app scans.

Codes are 6 digits over 30-second steps with HMAC-SHA1, the settings every authenticator app (Google
Authenticator, Microsoft Authenticator, FreeOTP, Aegis) uses by default.

At rest (rules an account holder could ask about):

- A TOTP secret is stored encrypted (AES-256-GCM, ``totp1:`` + base64 of nonce and ciphertext) with the key from
  :func:`assessment.platform.keys.purpose_key` ("totp"), never in plain text, and the secret being enrolled is kept the
  same
  way in the account row (``totp_pending_secret``), never in the session cookie (which the browser can read).
  The account id is bound into the encryption, so a secret copied onto another account does not open.
- A secret stored before encryption (32 base32 letters, no prefix) is still read, and encrypted at its next
  successful use.
- Recovery codes: 10 per account, 10 letters each (about 50 bits), shown once; only their HMAC-SHA256 under the
  same key is stored (a random code needs no slow hash; the key keeps a database copy from testing guesses). Each
  works once instead of a code; making new ones voids the old.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from datetime import datetime

import pyotp
import segno
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from markupsafe import Markup

ISSUER = "Desa Digital Kaltim"
DRIFT_STEPS = 1
SEALED_PREFIX = "totp1:"
RECOVERY_CODE_COUNT = 10
# No 0/O, 1/I/L: a code copied from paper is read back without guessing.
RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RECOVERY_LENGTH = 10


def seal(secret: str, key: bytes, account_id: int) -> str:
    """``secret`` encrypted for storage in account ``account_id``'s row."""
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, secret.encode("ascii"), f"user:{account_id}".encode())
    return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(stored: str | None, key: bytes, account_id: int) -> str | None:
    """The secret in ``stored`` (None when absent, or when it cannot be opened with ``key``: a wrong key or a
    value moved from another account never becomes a working secret)."""
    if not stored:
        return None
    if not stored.startswith(SEALED_PREFIX):
        return stored if is_plain_secret(stored) else None
    try:
        raw = base64.urlsafe_b64decode(stored.removeprefix(SEALED_PREFIX).encode("ascii"))
        return AESGCM(key).decrypt(raw[:12], raw[12:], f"user:{account_id}".encode()).decode("ascii")
    except (InvalidTag, ValueError, binascii.Error, UnicodeError):
        return None


def is_plain_secret(stored: str) -> bool:
    """Whether ``stored`` is a secret written before encryption (base32 letters only)."""
    return 16 <= len(stored) <= 64 and all(char in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for char in stored)


def new_recovery_codes() -> list[str]:
    """Fresh one-time recovery codes, written ``XXXXX-XXXXX``."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        text = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        codes.append(text[:5] + "-" + text[5:])
    return codes


def normalise_recovery_code(code: str) -> str | None:
    """A typed recovery code without spaces or dashes, upper-cased; None when it cannot be one."""
    text = "".join(char for char in code.upper() if not char.isspace() and char != "-")
    if len(text) != RECOVERY_LENGTH or any(char not in RECOVERY_ALPHABET for char in text):
        return None
    return text


def recovery_code_hash(code: str, key: bytes) -> str:
    """The stored form of a (normalised) recovery code."""
    return hmac.new(key, b"recovery:" + code.encode("ascii"), hashlib.sha256).hexdigest()


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
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


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
