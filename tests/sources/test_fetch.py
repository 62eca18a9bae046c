"""Safe fetching against a real local HTTP server: limits, redirects, SSRF, robots, conditional GET."""

from __future__ import annotations

import gzip
import ipaddress
import shutil
import ssl
import subprocess
import time

import pytest
from local_web import LocalWeb, running_site

from frameline.sources.fetch import (
    USER_AGENT,
    FetchFailed,
    Fetcher,
    FetchPolicy,
    FetchRefused,
    address_problem,
)

LOCAL = FetchPolicy.allowing(["127.0.0.1"], min_interval=0.0, read_timeout=0.5, connect_timeout=2.0)


@pytest.fixture
def site():
    yield from running_site()


@pytest.fixture
def fetcher():
    with Fetcher(LOCAL) as fetcher:
        yield fetcher


def test_fetch_sends_a_clear_user_agent_and_returns_the_body(site: LocalWeb, fetcher: Fetcher) -> None:
    url = site.serve("/page", "<p>hello</p>")
    result = fetcher.fetch(url)
    assert result.status == 200 and result.content == b"<p>hello</p>" and result.charset == "utf-8"
    page_request = [r for r in site.requests if r.path == "/page"][0]
    assert page_request.headers["user-agent"] == USER_AGENT and "Frameline" in USER_AGENT
    assert page_request.headers["host"] == f"127.0.0.1:{site.port}"


def test_loopback_is_refused_unless_the_host_is_allowed(site: LocalWeb) -> None:
    url = site.serve("/page", "secret admin page")
    with Fetcher(FetchPolicy(min_interval=0.0)) as strict, pytest.raises(FetchRefused, match="loopback"):
        strict.fetch(url)
    assert site.hits("/page") == 0


@pytest.mark.parametrize("address, problem", [
    ("169.254.169.254", "metadata"), ("10.1.2.3", "private"), ("192.168.0.1", "private"), ("127.0.0.2", "loopback"),
    ("::1", "loopback"), ("fe80::1", "link-local"), ("100.64.0.1", "carrier"), ("::ffff:127.0.0.1", "loopback"),
    ("0.0.0.0", "unspecified"), ("8.8.8.8", None), ("2001:4860:4860::8888", None),
])
def test_address_classification(address: str, problem: str | None) -> None:
    found = address_problem(ipaddress.ip_address(address))
    assert (found is None) if problem is None else (problem in found)


def test_redirect_chain_is_followed_and_recorded(site: LocalWeb, fetcher: Fetcher) -> None:
    site.serve("/a", b"", status=301, headers={"Location": "/b"}, content_type="")
    site.serve("/b", b"", status=302, headers={"Location": site.url("/c")}, content_type="")
    site.serve("/c", "<p>arrived</p>")
    result = fetcher.fetch(site.url("/a"))
    assert result.url == site.url("/c") and result.content == b"<p>arrived</p>"
    assert result.redirects == [site.url("/a"), site.url("/b")]


def test_redirect_loop_stops_at_the_limit(site: LocalWeb) -> None:
    site.serve("/loop", b"", status=302, headers={"Location": "/loop"}, content_type="")
    with Fetcher(FetchPolicy.allowing(["127.0.0.1"], min_interval=0.0, max_redirects=3)) as fetcher:
        with pytest.raises(FetchRefused, match="more than 3 redirects"):
            fetcher.fetch(site.url("/loop"))
    assert site.hits("/loop") == 4


def test_redirect_to_cloud_metadata_is_refused(site: LocalWeb, fetcher: Fetcher) -> None:
    url = site.serve("/innocent", b"", status=302, content_type="",
                     headers={"Location": "http://169.254.169.254/latest/meta-data/iam/"})
    with pytest.raises(FetchRefused, match="169.254.169.254.*metadata"):
        fetcher.fetch(url)


def test_non_http_schemes_are_refused(fetcher: Fetcher) -> None:
    with pytest.raises(FetchRefused, match="only http and https"):
        fetcher.fetch("file:///etc/passwd")


def test_slow_endpoint_times_out(site: LocalWeb, fetcher: Fetcher) -> None:
    def slow(_request):
        time.sleep(3)
        return 200, {"Content-Type": "text/plain"}, b"too late"

    url = site.route("/slow", slow)
    started = time.monotonic()
    with pytest.raises(FetchFailed, match="timed out"):
        fetcher.fetch(url)
    assert time.monotonic() - started < 2.5


def test_five_gigabytes_announced_are_refused_without_reading(site: LocalWeb, fetcher: Fetcher) -> None:
    body_started: list[float] = []

    def huge(_request):
        def body():
            time.sleep(0.5)  # the headers are out; the first body byte follows half a second later
            body_started.append(time.monotonic())
            for _ in range(10_000):
                yield b"\0" * 65536
        return 200, {"Content-Type": "application/octet-stream", "Content-Length": str(5 * 1024 ** 3)}, body()

    url = site.route("/huge", huge)
    started = time.monotonic()
    with pytest.raises(FetchRefused, match=r"announces 5,368,709,120 bytes, over the 20 MB limit"):
        fetcher.fetch(url)
    refused_at = time.monotonic()
    assert refused_at - started < 2
    for _ in range(50):
        if body_started:
            break
        time.sleep(0.05)
    # Refused before the server had sent a single byte of the body: nothing of it was read.
    assert body_started and refused_at < body_started[0]


def test_body_growing_past_the_cap_is_cut_off(site: LocalWeb) -> None:
    def endless(_request):
        return 200, {"Content-Type": "text/plain"}, (b"x" * 65536 for _ in range(10_000))

    url = site.route("/endless", endless)
    with Fetcher(FetchPolicy.allowing(["127.0.0.1"], min_interval=0.0, max_bytes=1024 * 1024)) as fetcher:
        with pytest.raises(FetchRefused, match="grew past the 1 MB limit"):
            fetcher.fetch(url)


def test_conditional_get_returns_not_modified(site: LocalWeb, fetcher: Fetcher) -> None:
    def feed(request):
        if request.headers.get("if-none-match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return 200, {"Content-Type": "application/rss+xml", "ETag": '"v1"',
                     "Last-Modified": "Mon, 10 Jul 2017 14:00:00 GMT"}, b"<rss/>"

    url = site.route("/feed", feed)
    first = fetcher.fetch(url)
    assert first.etag == '"v1"' and first.last_modified == "Mon, 10 Jul 2017 14:00:00 GMT"
    second = fetcher.fetch(url, etag=first.etag, last_modified=first.last_modified)
    assert second.not_modified and second.content == b""


def test_server_errors_are_failures_with_their_status(site: LocalWeb, fetcher: Fetcher) -> None:
    url = site.serve("/broken", "oops", status=500)
    with pytest.raises(FetchFailed, match="HTTP 500") as raised:
        fetcher.fetch(url)
    assert raised.value.status == 500


def test_robots_txt_is_respected_by_default_and_switchable(site: LocalWeb) -> None:
    url = site.serve("/private/report", "<p>members only</p>")
    with Fetcher(LOCAL) as polite, pytest.raises(FetchRefused, match="robots.txt disallows"):
        polite.fetch(url)
    assert site.hits("/private/report") == 0
    with Fetcher(FetchPolicy.allowing(["127.0.0.1"], min_interval=0.0, respect_robots=False)) as impolite:
        assert impolite.fetch(url).content == b"<p>members only</p>"


def test_requests_to_one_host_are_spaced(site: LocalWeb) -> None:
    url = site.serve("/page", "ok")
    with Fetcher(FetchPolicy.allowing(["127.0.0.1"], min_interval=0.3, respect_robots=False)) as fetcher:
        started = time.monotonic()
        for _ in range(3):
            fetcher.fetch(url)
        assert time.monotonic() - started >= 0.6


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[str, str]:
    """A self-signed certificate for the name `localhost` only (no IP address in it)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


@pytest.fixture
def tls_site(certificate):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    yield from running_site(tls=context, host="localhost")


def test_https_connects_to_the_checked_address_and_still_verifies_the_host_name(tls_site, certificate) -> None:
    """The request goes to the resolved address, while TLS names (and checks) the host the URL gave."""
    url = tls_site.serve("/secure", "<p>over TLS</p>")
    policy = FetchPolicy.allowing(["localhost", "127.0.0.1"], min_interval=0.0, ca_file=certificate[0])
    with Fetcher(policy) as fetcher:
        result = fetcher.fetch(url)
        assert result.content == b"<p>over TLS</p>" and result.url == url
        assert tls_site.requests[-1].headers["host"] == f"localhost:{tls_site.port}"
        # The same server reached by its address: the certificate does not name it, so no answer is read.
        with pytest.raises(FetchFailed, match="network error.*(certificate|CERTIFICATE)"):
            fetcher.fetch(f"https://127.0.0.1:{tls_site.port}/secure")


def test_compressed_answer_is_capped_after_decompression(site, fetcher) -> None:
    """30 MB of zeros gzip to 30 KB: the cap counts what the body becomes, not what travels."""
    bomb = gzip.compress(b"\0" * (30 * 1024 * 1024), compresslevel=9)
    url = site.serve("/bomb", bomb, content_type="text/html", headers={"Content-Encoding": "gzip"})
    assert len(bomb) < 100_000
    with pytest.raises(FetchRefused, match="grew past the 20 MB limit"):
        fetcher.fetch(url)


def test_internationalised_host_names_are_resolved_in_idna(fetcher) -> None:
    """An Arabic domain is looked up as xn--…; here it does not exist, which the error names."""
    with pytest.raises(FetchFailed, match="cannot resolve xn--"):
        fetcher.fetch("http://موقع.اختبار.invalid/")
