"""The explorer's network picture (/api/network) asks the statements between its nodes of
those nodes alone; it is the picture the one query over every IRI-valued statement gave."""

from __future__ import annotations

from typing import Any

import pytest

# the query the network was read from before: its last branch returned every IRI-valued
# statement of the graph (1M triples: 507,296 rows, 5 s of the server's start-up)
_OLD_EDGES = """SELECT DISTINCT ?a ?rel ?b ?g WHERE {
  { GRAPH ?g { ?m org:member ?a ; org:organization ?b OPTIONAL { ?m qg:endDate ?ended } }
    BIND(IF(BOUND(?ended), CONCAT("member of until ", STR(?ended)), "member of") AS ?rel) }
  UNION { GRAPH ?g { ?s qg:signedDocument ?a ; qg:signedFor ?b } BIND("signed for" AS ?rel) }
  UNION { GRAPH ?g { ?pv qg:provisionOf|qg:partOfProvision/qg:provisionOf ?a . ?pv qg:mentions ?b }
          BIND("mentions" AS ?rel) }
  UNION { GRAPH ?g { ?mt qg:meetingOf ?b ; qg:participant ?a } BIND("took part in a meeting of" AS ?rel) }
  UNION { GRAPH ?g { ?a ?p ?b } FILTER(isIRI(?b) && ?p NOT IN (rdf:type, qg:evidence)) BIND(STR(?p) AS ?rel) }
}"""


def _old_network(x: Any) -> dict[str, Any]:
    """Explorer.network as it was, with the old query (the reference)."""
    from qgraph.web import explorer as ex

    kinds: dict[str, str] = {}
    for s, k in x._q(ex._KINDS):
        kind = ex._KIND_OF[str(k)]
        if str(s).startswith(ex.QGID) and (str(s) not in kinds or kind == "nation"):
            kinds[str(s)] = kind
    edges: dict[tuple[str, str, str], set[str]] = {}
    extra: dict[str, str] = {}
    for a, rel, b, g in x._q(_OLD_EDGES):
        a, b, rel = str(a), str(b), str(rel)
        if rel.startswith("member of") and a in kinds and b not in kinds and b.startswith(ex.QGID):
            extra[b] = "forum"
        edges.setdefault((a, rel, b), set()).add(str(g))
    kinds.update({k: v for k, v in extra.items() if k not in kinds})
    nodes = [{"id": i, "label": x.label(i), "kind": kinds[i], "href": ex.href(i)} for i in sorted(kinds)]
    links = []
    for (a, rel, b), gs in sorted(edges.items()):
        if a in kinds and b in kinds and a != b:
            links.append({"source": a, "target": b, "label": x.label(rel) if "://" in rel else rel,
                          "linked": gs <= {ex.ENRICHMENT_GRAPH, ex.LINK_GRAPH}})
    return {"nodes": nodes, "links": links}


@pytest.mark.parametrize("which", ["project", "synthetic", "fixture"])
def test_network_is_the_one_the_whole_query_gave(which, project_root, clean_corpus, fixture_root):
    from qgraph.corpus.loading import load
    from qgraph.corpus.store import open_store
    from qgraph.web.explorer import Explorer

    root = {"project": project_root, "synthetic": clean_corpus, "fixture": fixture_root}[which]
    loaded = load(root)
    x = Explorer(loaded, open_store(loaded, "oxigraph"))
    got, want = x.network, _old_network(x)
    assert want["nodes"] and want["links"], f"{which}: no network to compare"
    assert got == want
    # links that the statements between nodes alone give (not only the four named relations)
    assert any(link["label"] not in ("member of", "signed for", "mentions", "took part in a meeting of")
               for link in got["links"]) or which == "fixture"


def test_an_empty_network_asks_nothing_more(fixture_root):
    """No node of a network kind: no VALUES of nothing is asked (an empty VALUES block is valid
    SPARQL, but the picture is empty either way)."""
    from qgraph.corpus.loading import load
    from qgraph.corpus.store import open_store
    from qgraph.web.explorer import Explorer

    for f in (fixture_root / "data").glob("*.ttl"):
        f.write_text("@prefix qgid: <https://w3id.org/qgraph/id/> .\n", encoding="utf-8")
    loaded = load(fixture_root)
    x = Explorer(loaded, open_store(loaded, "oxigraph"))
    assert x.network == _old_network(x) == {"nodes": [], "links": []}


def test_an_ended_membership_is_drawn_with_its_end(project_root):
    """The United Kingdom left the European Union on 2020-01-31 (the links' enrichment states
    it): the network drew it as a current "member of"."""
    from qgraph.corpus.loading import load
    from qgraph.corpus.store import open_store
    from qgraph.web.explorer import QGID, Explorer

    loaded = load(project_root)
    x = Explorer(loaded, open_store(loaded, "oxigraph"))
    uk_eu = [link["label"] for link in x.network["links"]
             if link["source"] == QGID + "united-kingdom" and link["target"] == QGID + "european-union"]
    assert uk_eu == ["member of until 2020-01-31"]
    denmark_eu = [link["label"] for link in x.network["links"]
                  if link["source"] == QGID + "denmark" and link["target"] == QGID + "european-union"]
    assert denmark_eu == ["member of"]


def test_the_joint_statements_and_their_parties_are_drawn(project_root):
    """Regression: the network drew qg:Agreement nodes alone, so the ten joint statements, and
    nine of the ten bilateral ties they record (the US and Japan, the UK and Australia…), were
    missing; the UK-Denmark MoU was the one bilateral tie drawn."""
    from qgraph.corpus.loading import load
    from qgraph.corpus.store import open_store
    from qgraph.web.explorer import QGID, Explorer

    loaded = load(project_root)
    store = open_store(loaded, "oxigraph")
    x = Explorer(loaded, store)
    statements = {n["id"] for n in x.network["nodes"] if n["kind"] == "statement"}
    expected = {str(r[0]) for r in store.query(
        "SELECT DISTINCT ?d WHERE { ?d a qg:JointStatement ; qg:party ?p }").rows}
    assert len(expected) == 10 and expected <= statements, sorted(expected - statements)
    tokyo = QGID + "doc-us-japan-tokyo-statement-2019"
    parties = {link["target"] for link in x.network["links"] if link["source"] == tokyo and link["label"] == "party"}
    assert parties == {QGID + "united-states", QGID + "japan"}, parties
