"""Polling fetches only what the source allows, within time and size limits."""

import pytest

from sources import fetching
from tests.helpers import FeedServer


@pytest.fixture
def server():
    with FeedServer() as s:
        yield s


def limits(**overrides) -> fetching.Limits:
    values = {"allowed_hosts": ("127.0.0.1",), "allow_private": True, "read_timeout": 5.0}
    return fetching.Limits(**(values | overrides))


def test_a_feed_on_an_allowed_host_is_fetched_with_its_validators(server):
    server.routes["/feed"] = (200, {"ETag": '"v1"', "Last-Modified": "Sat, 10 Aug 2024"}, b"ok")
    result = fetching.fetch(server.url("/feed"), limits())
    assert (result.status, result.body, result.etag) == (200, b"ok", '"v1"')


def test_an_unchanged_feed_answers_not_modified(server):
    server.routes["/feed"] = (200, {"ETag": '"v1"'}, b"ok")
    result = fetching.fetch(server.url("/feed"), limits(), etag='"v1"', last_modified="x")
    assert result.not_modified
    assert server.requests[-1]["If-None-Match"] == '"v1"'
    assert server.requests[-1]["If-Modified-Since"] == "x"


def test_a_host_not_on_the_allow_list_is_never_contacted(server):
    with pytest.raises(fetching.FetchError, match="not in the source's allowed hosts"):
        fetching.fetch(server.url("/feed"), limits(allowed_hosts=("example.org",)))
    assert server.requests == []


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/", "http://user:pw@127.0.0.1/"],
)
def test_only_plain_http_and_https_urls_are_fetched(url):
    with pytest.raises(fetching.FetchError):
        fetching.fetch(url, limits())


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_addresses_are_refused_unless_allowed(server, host):
    url = f"http://{host}:{server.port}/feed"
    with pytest.raises(fetching.FetchError, match="non-public address"):
        fetching.fetch(url, limits(allowed_hosts=(host,), allow_private=False))
    assert server.requests == []


@pytest.mark.parametrize(
    "address", ["10.0.0.1", "192.168.1.1", "169.254.169.254", "::1", "fe80::1", "::ffff:127.0.0.1"]
)
def test_private_and_link_local_addresses_are_not_public(address):
    assert not fetching._address_allowed(address)


def test_public_addresses_are_allowed():
    assert fetching._address_allowed("93.184.216.34")


def test_a_redirect_to_another_host_is_refused(server):
    server.routes["/feed"] = (302, {"Location": "http://169.254.169.254/latest/"}, b"")
    with pytest.raises(fetching.FetchError, match="not in the source's allowed hosts"):
        fetching.fetch(server.url("/feed"), limits())


def test_a_response_over_the_size_cap_is_refused(server):
    server.routes["/big"] = (200, {}, b"x" * 5000)
    with pytest.raises(fetching.FetchError, match="limit is 1000"):
        fetching.fetch(server.url("/big"), limits(max_bytes=1000))


def test_server_errors_are_transient_and_client_errors_are_not(server):
    server.routes["/down"] = (503, {}, b"")
    with pytest.raises(fetching.FetchTransientError):
        fetching.fetch(server.url("/down"), limits())
    with pytest.raises(fetching.FetchError) as info:
        fetching.fetch(server.url("/missing"), limits())
    assert not isinstance(info.value, fetching.FetchTransientError)


def test_a_refused_connection_is_transient():
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(fetching.FetchTransientError):
        fetching.fetch(f"http://127.0.0.1:{port}/", limits(connect_timeout=1))
