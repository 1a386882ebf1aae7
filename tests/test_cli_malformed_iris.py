"""A malformed IRI typed on the command line is a one-line error with exit 2, never a
traceback (issue 13, finding 10): ``qgraph show`` and ``qgraph query --param``."""

from __future__ import annotations

import pytest
from test_cli import assert_clean_error, qgraph

BAD = ["<http://x y>", "http://x/{y}", "<a>", "<https://w3id.org/qgraph/id/<script>>"]


@pytest.mark.parametrize("iri", BAD)
def test_show_malformed_iri(fixture_root, cli_env, iri):
    r = qgraph("show", iri, "--root", str(fixture_root), env=cli_env)
    assert_clean_error(r, 2, "not a valid IRI")


@pytest.mark.parametrize("value", BAD + ['"x"^^<a b>'])
def test_query_param_malformed_iri(fixture_root, cli_env, value):
    for store in ("oxigraph", "rdflib"):
        r = qgraph("query", "tiny-members", "--root", str(fixture_root), "--store", store,
                   "--param", f"forum={value}", env=cli_env)
        assert_clean_error(r, 2, "not a valid IRI")
