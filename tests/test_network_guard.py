"""The conftest guard refuses the network: a test that tries fails."""

import socket
import urllib.request

import pytest

from conftest import NetworkRefused


def test_remote_socket_refused():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        with pytest.raises(NetworkRefused):
            s.connect(("192.0.2.1", 80))  # TEST-NET-1, never routed


def test_remote_url_refused():
    with pytest.raises(NetworkRefused):
        urllib.request.urlopen("https://example.org/context.jsonld", timeout=1)


def test_loopback_allowed():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=5):
            pass


def test_jsonld_remote_context_refused():
    """qgraph's PyLD document loader refuses remote contexts (before any socket)."""
    from pyld.jsonld import JsonLdError

    from qgraph.publish.jsonld import _pyld, offline_loader

    jsonld = _pyld()
    with pytest.raises(JsonLdError):
        jsonld.expand({"@context": "https://schema.org/", "name": "x"}, {"documentLoader": offline_loader})
