"""The Python API's remote paths: ``qgraph.push`` and ``qgraph.query(..., endpoint=)`` against a
real oxigraph server started here on 127.0.0.1."""

from __future__ import annotations

import pytest

import qgraph

from conftest import FIXTURE_PROJECT
from servers import OxigraphServer


@pytest.fixture
def server(tmp_path):
    s = OxigraphServer(tmp_path / "db").start()
    yield s
    s.stop()


def test_push_then_query_remote_equals_embedded(server):
    report = qgraph.push(server.query, graph_store=server.store, root=FIXTURE_PROJECT)
    assert report is not None
    text = "SELECT ?n ?name WHERE { ?n a qg:Nation ; rdfs:label ?name } ORDER BY ?n"
    remote = qgraph.query(text, root=FIXTURE_PROJECT, endpoint=server.query)
    local = qgraph.query(text, root=FIXTURE_PROJECT)
    assert remote.vars == local.vars == ["n", "name"]
    assert [tuple(map(str, r)) for r in remote.rows] == [tuple(map(str, r)) for r in local.rows]
    assert len(local.rows) == 2  # the fixture project describes two nations


def test_remote_query_binds_parameters(server):
    qgraph.push(server.query, update_endpoint=server.update, root=FIXTURE_PROJECT)
    text = "SELECT ?n ?name WHERE { ?n a qg:Nation ; rdfs:label ?name }"
    r = qgraph.query(text, params={"n": "qgid:denmark"}, root=FIXTURE_PROJECT, endpoint=server.query)
    assert [str(row[1]) for row in r.rows] == ["Denmark"]
