"""The safe-fetch rules (assessment/links/fetch.py), against a local server on 127.0.0.1 only.

Every test reaches the server as ``desa.test`` through a resolver of its own that answers 127.0.0.1, with
``desa.test`` on the allow-list: the literal 127.0.0.1 and every other address stay forbidden, so a redirect
there must be refused, and nothing outside loopback is ever contacted.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator, Sequence

import pytest

from assessment.links.fetch import (
    Allow,
    FetchRefused,
    Refusal,
    checked_addresses,
    fetch,
    forbidden_address,
)
from tests.support.link_server import LinkServer, link_server

HOST = "desa.test"


def local_resolver(host: str, port: int) -> Sequence[str]:
    if host == HOST:
        return ["127.0.0.1"]
    raise OSError(f"no such host in the tests: {host}")


@pytest.fixture(scope="module")
def server() -> Iterator[LinkServer]:
    with link_server() as running:
        yield running


def url(server: LinkServer, path: str) -> str:
    return f"http://{HOST}:{server.port}{path}"


def get(server: LinkServer, path: str, **options: object) -> object:
    return fetch(url(server, path), allow=Allow.parse(HOST), resolve=local_resolver, **options)  # type: ignore[arg-type]


def refusal(server: LinkServer, path: str, **options: object) -> Refusal:
    with pytest.raises(FetchRefused) as caught:
        get(server, path, **options)
    return caught.value.reason


def test_a_normal_page_is_fetched_with_its_status_type_and_body(server: LinkServer) -> None:
    page = fetch(url(server, "/page"), allow=Allow.parse(HOST), resolve=local_resolver)
    assert page.status == 200
    assert page.media_type == "text/html" and page.charset == "utf-8"
    assert b"Desa Sukamaju" in page.body
    assert page.final_url == url(server, "/page") and page.redirects == ()


def test_error_statuses_are_returned_not_refused(server: LinkServer) -> None:
    missing = fetch(url(server, "/missing"), allow=Allow.parse(HOST), resolve=local_resolver)
    assert missing.status == 404


def test_only_http_and_https(server: LinkServer) -> None:
    for address in (
        "file:///etc/passwd",
        "ftp://example.org/x",
        "gopher://example.org/",
        "javascript:alert(1)",
        "data:text/html,hi",
        "//example.org/",
        "http:///nohost",
    ):
        with pytest.raises(FetchRefused) as caught:
            fetch(address, allow=Allow.parse(HOST), resolve=local_resolver)
        assert caught.value.reason is Refusal.scheme, address
    assert refusal(server, "/to-file") is Refusal.scheme


def test_no_credentials_in_the_address() -> None:
    with pytest.raises(FetchRefused) as caught:
        fetch("http://user:secret@desa.test/page", allow=Allow.parse(HOST), resolve=local_resolver)
    assert caught.value.reason is Refusal.scheme


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.9.9.9",
        "::1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "100.64.0.1",
        "100.100.100.200",
        "169.254.169.254",
        "fe80::1",
        "fd00:ec2::254",
        "fc00::1",
        "224.0.0.1",
        "ff02::1",
        "0.0.0.0",  # noqa: S104 (an address checked, not bound)
        "::",
        "240.0.0.1",
        "255.255.255.255",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "192.0.2.1",
        "198.18.0.1",
    ],
)
def test_forbidden_addresses_are_refused(address: str) -> None:
    assert forbidden_address(ipaddress.ip_address(address))
    with pytest.raises(FetchRefused) as caught:
        checked_addresses("evil.example.com", 80, Allow(), lambda host, port: [address], "http://evil.example.com/")
    assert caught.value.reason is Refusal.address


@pytest.mark.parametrize("address", ["8.8.8.8", "103.10.20.30", "2001:4860:4860::8888"])
def test_public_addresses_pass_the_check(address: str) -> None:
    assert not forbidden_address(ipaddress.ip_address(address))


def test_one_forbidden_address_refuses_the_whole_host() -> None:
    with pytest.raises(FetchRefused) as caught:
        checked_addresses(
            "mixed.example.com", 80, Allow(), lambda host, port: ["8.8.8.8", "10.0.0.5"], "http://mixed.example.com/"
        )
    assert caught.value.reason is Refusal.address


def test_loopback_is_refused_unless_allowed(server: LinkServer) -> None:
    with pytest.raises(FetchRefused) as caught:
        fetch(f"http://127.0.0.1:{server.port}/page")
    assert caught.value.reason is Refusal.address
    assert fetch(f"http://127.0.0.1:{server.port}/page", allow=Allow.parse("127.0.0.0/8")).status == 200


def test_redirects_are_checked_again_loopback(server: LinkServer) -> None:
    before = server.hits.count("/page")
    assert refusal(server, "/to-loopback") is Refusal.address
    assert server.hits.count("/page") == before, "the forbidden address must not be contacted"


def test_redirects_are_checked_again_private_and_metadata(server: LinkServer) -> None:
    assert refusal(server, "/to-private") is Refusal.address
    assert refusal(server, "/to-metadata") is Refusal.address


def test_redirect_to_loopback_allowed_by_range(server: LinkServer) -> None:
    page = fetch(url(server, "/to-loopback"), allow=Allow.parse(f"{HOST}, 127.0.0.1/32"), resolve=local_resolver)
    assert page.status == 200 and page.final_url == f"http://127.0.0.1:{server.port}/page"


def test_at_most_five_redirects(server: LinkServer) -> None:
    page = get(server, "/redirect/5")
    assert page.status == 200 and len(page.redirects) == 5  # type: ignore[attr-defined]
    assert refusal(server, "/redirect/6") is Refusal.redirects


def test_connect_to_the_address_that_was_checked(server: LinkServer) -> None:
    # No DNS knows "desa.test": the request can only have reached the server at the address the check resolved,
    # with the name kept in the Host header.
    answers: list[str] = []

    def counting(host: str, port: int) -> Sequence[str]:
        answers.append(host)
        return local_resolver(host, port)

    fetch(url(server, "/page"), allow=Allow.parse(HOST), resolve=counting)
    assert answers == [HOST], "resolved exactly once per request"
    assert server.state["headers"][-1]["Host"] == f"{HOST}:{server.port}"


def test_no_cookies_or_credentials_are_sent(server: LinkServer) -> None:
    get(server, "/page")
    get(server, "/page")  # the first answer set a cookie; the second request must not return it
    sent = {name.lower() for name in server.state["headers"][-1]}
    assert "cookie" not in sent and "authorization" not in sent and "proxy-authorization" not in sent


def test_a_body_over_5_mb_is_refused(server: LinkServer) -> None:
    assert refusal(server, "/large") is Refusal.too_large
    assert refusal(server, "/large-chunked") is Refusal.too_large


def test_a_gzip_bomb_stops_at_the_limit_after_decompression(server: LinkServer) -> None:
    assert len(server.state["bomb"]) < 5 * 1024 * 1024
    assert refusal(server, "/bomb") is Refusal.too_large


def test_a_small_gzip_page_is_decompressed(server: LinkServer) -> None:
    page = get(server, "/small-gzip")
    assert b"Desa Sukamaju" in page.body  # type: ignore[attr-defined]


def test_a_slow_response_ends_at_the_deadline(server: LinkServer) -> None:
    # The server trickles one byte at a time for ever: only the deadline can end this fetch.
    assert refusal(server, "/slow", seconds=1.0) is Refusal.timeout


def test_an_unresolvable_host_and_a_closed_port() -> None:
    with pytest.raises(FetchRefused) as caught:
        fetch("http://nowhere.test/", allow=Allow.parse(HOST), resolve=local_resolver)
    assert caught.value.reason is Refusal.unresolvable
    with pytest.raises(FetchRefused) as closed:
        # Port 9 (discard) on loopback: nothing listens there in the test environment.
        fetch(f"http://{HOST}:9/", allow=Allow.parse(HOST), resolve=local_resolver)
    assert closed.value.reason is Refusal.unreachable


def test_allow_list_parsing() -> None:
    allow = Allow.parse(" localhost , 127.0.0.0/8,, Desa.Test. ")
    assert allow.host_allowed("DESA.test") and allow.host_allowed("localhost")
    assert allow.address_allowed(ipaddress.ip_address("127.0.0.5"))
    assert not allow.address_allowed(ipaddress.ip_address("10.0.0.1"))
    assert Allow.parse("") == Allow() and Allow.parse(None) == Allow()


def test_special_use_names_are_never_looked_up() -> None:
    asked: list[str] = []

    def recording(host: str, port: int) -> Sequence[str]:
        asked.append(host)
        return ["8.8.8.8"]

    for name in (
        "bukitraya.desa.example",
        "localhost",
        "x.localhost",
        "printer.local",
        "db.internal",
        "nowhere.invalid",
        "router.home.arpa",
        "other.test",
    ):
        with pytest.raises(FetchRefused) as caught:
            fetch(f"http://{name}/", allow=Allow.parse(HOST), resolve=recording)
        assert caught.value.reason is Refusal.unresolvable, name
    assert asked == []


def test_a_hanging_name_look_up_ends_at_the_deadline() -> None:
    release = threading.Event()

    def hanging(host: str, port: int) -> Sequence[str]:
        release.wait(30)
        return ["127.0.0.1"]

    try:
        with pytest.raises(FetchRefused) as caught:
            fetch(
                "http://slow-dns.example.com/", allow=Allow.parse("slow-dns.example.com"), resolve=hanging, seconds=0.5
            )
        assert caught.value.reason is Refusal.timeout
    finally:
        release.set()


def test_spaces_and_non_ascii_in_the_path_are_percent_encoded(server: LinkServer) -> None:
    get(server, "/page?q=desa maju&x=é")
    assert server.hits[-1] == "/page?q=desa%20maju&x=%C3%A9"
