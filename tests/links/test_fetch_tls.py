"""Safe fetching over https (assessment/links/fetch.py): the certificate is checked against the host name while
the connection goes to the address that was checked, on a local TLS server on 127.0.0.1."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from assessment.links.fetch import Allow, FetchRefused, Refusal, fetch

HOST = "desa-aman.test"


def _certificate(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        body = f"<html><title>aman</title><body>{self.headers.get('Host')}</body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    cert_path, key_path = _certificate(tmp_path_factory.mktemp("tls"))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(httpd.server_address[1]), cert_path
    finally:
        httpd.shutdown()
        httpd.server_close()


def resolver(host: str, port: int) -> Sequence[str]:
    if host == HOST:
        return ["127.0.0.1"]
    raise OSError(host)


def test_https_checks_the_certificate_against_the_name_and_connects_to_the_checked_address(
    tls_server: tuple[int, Path],
) -> None:
    port, cert_path = tls_server
    trusting = ssl.create_default_context(cafile=str(cert_path))
    page = fetch(f"https://{HOST}:{port}/", allow=Allow.parse(HOST), resolve=resolver, tls_context=trusting)
    assert page.status == 200 and f"{HOST}:{port}".encode() in page.body


def test_an_untrusted_certificate_is_unreachable(tls_server: tuple[int, Path]) -> None:
    port, _cert_path = tls_server
    with pytest.raises(FetchRefused) as caught:
        fetch(f"https://{HOST}:{port}/", allow=Allow.parse(HOST), resolve=resolver)
    assert caught.value.reason is Refusal.unreachable
