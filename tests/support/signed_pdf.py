"""PDFs signed in the test itself with a throw-away self-signed certificate (generated with ``cryptography``)."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from tests.support import files


def self_signed(
    common_name: str, organisation: str = "Pemerintah Desa Uji"
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A new RSA key and a self-signed certificate for it, valid from yesterday for 30 days."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
    )
    now = datetime.now(UTC)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def signed_pdf(common_name: str = "Kepala Desa Bukit Raya") -> tuple[bytes, x509.Certificate]:
    """A one-page PDF signed (field ``TTE``) by a fresh self-signed certificate named ``common_name``.

    Signed in a worker thread: pyHanko's synchronous API starts its own event loop, which cannot run inside the
    loop Playwright's synchronous API keeps in the test thread.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_sign, common_name).result()


def _sign(common_name: str) -> tuple[bytes, x509.Certificate]:
    key, cert = self_signed(common_name)
    signing_cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    signing_key = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    signer = signers.SimpleSigner(
        signing_cert=signing_cert,
        signing_key=signing_key,
        cert_registry=SimpleCertificateStore.from_certs([signing_cert]),
    )
    out = io.BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(files.pdf())),
        signers.PdfSignatureMetadata(field_name="TTE"),
        signer=signer,
        output=out,
    )
    return out.getvalue(), cert


def tampered(data: bytes) -> bytes:
    """The signed PDF with one byte of the signed page description changed (the page box grows)."""
    changed = bytearray(data)
    at = data.index(b"/MediaBox")
    box_end = data.index(b"]", at)
    digit = data.rindex(b"2", at, box_end)  # 842 -> 849
    changed[digit] = ord("9")
    return bytes(changed)
