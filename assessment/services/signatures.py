"""Electronic signatures (TTE) inside an evidence PDF, read with pyHanko for the assessor.

What an assessor needs to judge the e-signature criterion (PP 71/2019): who signed, which authority issued the
certificate, when it was signed, and whether the document changed since signing. The file is read exactly as the
desa uploaded it (evidence is stored byte-identical). Trust in the issuer is only checked against the roots the
server is given (``TTE_TRUST_ROOTS``, PEM files, e.g. BSrE's); without them ``trusted`` is None (not checked).
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import load_cert_from_pemder
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from assessment.core.i18n import N_

log = logging.getLogger(__name__)

# The parts of a certificate's name, in the order people read them, with the words the page shows for them
# (Indonesian, translated where they are shown). Any other part is shown with its own name.
NAME_LABELS: dict[str, str] = {
    "common_name": N_("Nama"),
    "organization_name": N_("Organisasi"),
    "organizational_unit_name": N_("Unit organisasi"),
    "locality_name": N_("Kota/kabupaten"),
    "state_or_province_name": N_("Provinsi"),
    "country_name": N_("Negara"),
    "email_address": N_("Email"),
}


def name_parts(name: Any) -> tuple[tuple[str, str], ...]:
    """A certificate name (asn1crypto ``Name``) as (part, value) pairs, the labelled parts first."""
    native = dict(name.native)
    ordered = [key for key in NAME_LABELS if key in native] + [key for key in native if key not in NAME_LABELS]
    parts = []
    for key in ordered:
        value = native[key]
        parts.append((key, ", ".join(map(str, value)) if isinstance(value, list) else str(value)))
    return tuple(parts)


@dataclass(frozen=True, slots=True)
class SignatureInfo:
    """One signature of a PDF as the assessor sees it.

    ``unchanged`` is the answer to "has the document changed since it was signed": the signed bytes hash to the
    signed value, the signature verifies with the signer's certificate, and nothing but signatures or time stamps
    was added after it.
    """

    field_name: str
    signer: str
    issuer: str
    signing_time: datetime | None
    intact: bool
    covers_whole_file: bool
    unchanged: bool
    trusted: bool | None
    self_signed: bool
    signer_parts: tuple[tuple[str, str], ...] = ()
    issuer_parts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class SignatureReport:
    """The signatures of one PDF, or why it could not be read (``error``)."""

    signatures: tuple[SignatureInfo, ...]
    error: str | None = None


def _run(make: Callable[[], Awaitable[Any]]) -> Any:
    """Run pyHanko's coroutine to its end: in this thread, or in a worker thread when this thread already runs an
    event loop (pyHanko's synchronous wrappers call ``asyncio.run``, which a running loop forbids)."""

    async def main() -> Any:
        return await make()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


def trust_roots_from_environment() -> dict[str, Any]:
    """``TTE_TRUST_ROOTS``: PEM/DER files of trusted root certificates, separated by ``:`` (none by default)."""
    value = os.environ.get("TTE_TRUST_ROOTS", "")
    return {"TTE_TRUST_ROOTS": tuple(path for path in value.split(":") if path)}


def _load_roots(paths: Sequence[str]) -> list[Any]:
    return [load_cert_from_pemder(str(Path(path))) for path in paths]  # type: ignore[no-untyped-call]


def read_signatures(data: bytes, trust_roots: Sequence[str] = ()) -> SignatureReport:
    """Every signature of the PDF ``data``, in signing order; a PDF without signatures gives an empty report."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as error:  # pyHanko raises many kinds on malformed PDFs: all mean "cannot be read"
        log.info("PDF signatures unreadable: %s", error)
        return SignatureReport((), "PDF tidak dapat dibaca untuk pemeriksaan tanda tangan.")
    roots = _load_roots(trust_roots)
    found: list[SignatureInfo] = []
    # Path building fails for untrusted certificates; pyHanko logs that with a traceback, which says nothing new.
    quiet = [logging.getLogger(name) for name in ("pyhanko", "pyhanko_certvalidator")]
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(logging.CRITICAL)
    try:
        for signature in embedded:
            cert = signature.signer_cert
            try:
                context = ValidationContext(trust_roots=roots, allow_fetching=False)
                status = _run(partial(async_validate_pdf_signature, signature, context))
                intact = bool(status.intact and status.valid)
                coverage = status.coverage.name if status.coverage is not None else ""
                modification = status.modification_level.name if status.modification_level is not None else ""
                signing_time = status.signer_reported_dt
                trusted: bool | None = bool(status.trusted) if roots else None
            except Exception as error:
                log.info("PDF signature %s could not be validated: %s", signature.field_name, error)
                intact, coverage, modification, signing_time, trusted = False, "", "", None, None
            whole = coverage == "ENTIRE_FILE"
            found.append(
                SignatureInfo(
                    field_name=str(signature.field_name),
                    signer=cert.subject.human_friendly,
                    issuer=cert.issuer.human_friendly,
                    signer_parts=name_parts(cert.subject),
                    issuer_parts=name_parts(cert.issuer),
                    signing_time=signing_time or signature.self_reported_timestamp,
                    intact=intact,
                    covers_whole_file=whole,
                    unchanged=intact and (whole or modification in ("NONE", "LTA_UPDATES")),
                    trusted=trusted,
                    self_signed=cert.subject == cert.issuer,
                )
            )
    finally:
        for logger, level in zip(quiet, levels, strict=True):
            logger.setLevel(level)
    return SignatureReport(tuple(found))
