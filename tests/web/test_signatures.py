"""TTE on evidence PDFs, read with pyHanko (:func:`assessment.services.signatures.read_signatures`)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from assessment.services.signatures import NAME_LABELS, read_signatures
from tests.support import files
from tests.support.signed_pdf import signed_pdf, tampered


def test_signed_pdf_shows_signer_issuer_time_and_unchanged() -> None:
    data, _cert = signed_pdf("Kepala Desa Bukit Raya")
    report = read_signatures(data)
    assert report.error is None
    (signature,) = report.signatures
    assert "Kepala Desa Bukit Raya" in signature.signer
    assert "Kepala Desa Bukit Raya" in signature.issuer and signature.self_signed
    assert signature.signing_time is not None
    assert abs(signature.signing_time - datetime.now(UTC)) < timedelta(minutes=5)
    assert signature.intact and signature.covers_whole_file and signature.unchanged
    assert signature.trusted is None


def test_certificate_names_are_read_as_labelled_parts() -> None:
    data, _cert = signed_pdf("Kepala Desa Bukit Raya")
    (signature,) = read_signatures(data).signatures
    expected = (("common_name", "Kepala Desa Bukit Raya"), ("organization_name", "Pemerintah Desa Uji"))
    assert signature.signer_parts == expected and signature.issuer_parts == expected
    assert {key for key, _value in signature.signer_parts} <= set(NAME_LABELS)


def test_changed_pdf_is_reported_changed() -> None:
    data, _cert = signed_pdf()
    report = read_signatures(tampered(data))
    (signature,) = report.signatures
    assert not signature.intact
    assert not signature.unchanged


def test_pdf_appended_after_signing_is_not_unchanged() -> None:
    data, _cert = signed_pdf()
    # A proper incremental update after signing that changes the page: the signed bytes stay intact.
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/MediaBox"] = generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 100, 100)])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    report = read_signatures(out.getvalue())
    assert report.signatures[0].intact
    assert report.signatures and not report.signatures[0].covers_whole_file
    assert not report.signatures[0].unchanged


def test_unsigned_pdf_has_no_signatures() -> None:
    report = read_signatures(files.pdf())
    assert report.signatures == () and report.error is None


def test_unreadable_pdf_gives_an_error_not_a_traceback() -> None:
    report = read_signatures(b"%PDF-1.7\nbukan pdf\n")
    assert report.error is not None and report.signatures == ()


def test_trust_is_checked_against_given_roots(tmp_path: Path) -> None:
    data, cert = signed_pdf()
    root = tmp_path / "akar.pem"
    root.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (signature,) = read_signatures(data, [str(root)]).signatures
    assert signature.trusted is True
    _other_data, other_cert = signed_pdf("Orang Lain")
    other_root = tmp_path / "lain.pem"
    other_root.write_bytes(other_cert.public_bytes(serialization.Encoding.PEM))
    (untrusted,) = read_signatures(data, [str(other_root)]).signatures
    assert untrusted.trusted is False


def test_signatures_read_inside_a_running_event_loop() -> None:
    """pyHanko's own wrappers fail inside a running loop (as under Playwright's sync API); ours must not."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    data, _cert = signed_pdf()

    async def inside() -> bool:
        (signature,) = read_signatures(data).signatures
        return signature.unchanged

    # A thread of its own, so the test runs the same whether or not this thread already has a loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, inside()).result()
