"""The generated link and enrichment graphs (data/links/links.ttl, enrichment.ttl).

They must be what `qgraph link` makes from the shipped tables and cache (byte for byte), every
link in them must have the form of its dataset, no entity may link to two items of one dataset,
nothing of rejected.sssom.tsv may enter, the enrichment's facts carry provenance and live in
the `qgid:wd-` space, and both load as their own named graphs.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import PROV, RDF, SKOS

from qgraph.corpus.loading import ENRICHMENT_GRAPH, LINKS_GRAPH, load
from qgraph.links import enrich
from qgraph.links import tables as links

ROOT = Path(__file__).resolve().parents[1]
LINKS = ROOT / "data" / "links"
ORG = "http://www.w3.org/ns/org#"
FORMS = {
    "http://www.wikidata.org/entity/": re.compile(r"^Q[1-9][0-9]*$"),
    "https://sws.geonames.org/": re.compile(r"^[1-9][0-9]*/$"),
    "http://publications.europa.eu/resource/authority/country/": re.compile(r"^[A-Z0-9]{3}$"),
}


def _graph(name: str) -> Graph:
    g = Graph()
    g.parse(LINKS / name, format="turtle")
    assert len(g), f"{name} is empty"
    return g


def test_shipped_graphs_are_current():
    assert (LINKS / "links.ttl").read_text(encoding="utf-8") == links.turtle(links.graph_triples(ROOT))
    assert (LINKS / "enrichment.ttl").read_text(encoding="utf-8") == enrich.build(ROOT)
    for name in ("links.ttl", "enrichment.ttl"):
        assert (LINKS / name).read_text(encoding="utf-8").startswith("# GENERATED FILE")


def test_every_link_has_the_form_of_its_dataset_and_one_item_per_dataset():
    g = _graph("links.ttl")
    per = defaultdict(set)
    seen = 0
    for s, p, o in g:
        assert str(s).startswith("https://w3id.org/qgraph/id/")
        if p == SKOS.notation:
            assert re.fullmatch(r"[A-Z]{2,3}", str(o)) and str(o.datatype) in links.NOTATION_DATATYPES.values()
            per[(s, str(o.datatype))].add(str(o))
            continue
        assert p in (SKOS.exactMatch, SKOS.closeMatch), p
        base = next((b for b in FORMS if str(o).startswith(b)), None)
        assert base is not None, f"unknown dataset: {o}"
        assert FORMS[base].match(str(o)[len(base):]), f"bad form: {o}"
        if p == SKOS.exactMatch:
            per[(s, base)].add(str(o))
        seen += 1
    assert seen >= 16, "no links found"
    doubles = {k: v for k, v in per.items() if len(v) > 1}
    assert not doubles, doubles


def test_rejected_candidates_never_enter():
    curies, rows = links.read_table(LINKS / "rejected.sssom.tsv")
    assert rows, "no rejected rows found"
    g = _graph("links.ttl") + _graph("enrichment.ttl")
    for r in rows:
        obj = URIRef(links.expand(r.object_id, curies, r.where))
        assert (URIRef(links.expand(r.subject_id, curies, r.where)), None, obj) not in g, r.where


def test_a_second_item_of_one_dataset_is_refused(tmp_path):
    (tmp_path / "data" / "links").mkdir(parents=True)
    text = (LINKS / "accepted.sssom.tsv").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("qgid:denmark\t") and "\twd:Q35\t" in line)
    (tmp_path / "data" / "links" / "accepted.sssom.tsv").write_text(
        text + row.replace("wd:Q35", "wd:Q756617") + "\n", encoding="utf-8")
    with pytest.raises(Exception, match="one entity, one item per dataset"):
        links.graph_triples(tmp_path)


def test_enrichment_facts_carry_provenance_and_stay_in_their_space():
    g = _graph("enrichment.ttl")
    memberships = list(g.subjects(RDF.type, URIRef(ORG + "Membership")))
    assert len(memberships) >= 30, "no memberships found"
    for m in memberships:
        assert str(m).startswith("https://w3id.org/qgraph/id/wd-membership-")
        assert list(g.objects(m, PROV.wasDerivedFrom)), m
        assert (m, PROV.wasGeneratedBy, URIRef("https://w3id.org/qgraph/id/wd-activity-memberships")) in g
    for s in set(g.subjects()):
        if str(s).startswith("https://w3id.org/qgraph/id/"):
            assert str(s).startswith("https://w3id.org/qgraph/id/wd-"), f"enrichment describes a document node: {s}"
    for a in g.subjects(RDF.type, PROV.Activity):
        assert "not retrieved from Wikidata" in str(g.value(a, URIRef("http://www.w3.org/2000/01/rdf-schema#label")))
        plan = g.value(a, PROV.used)
        assert "SELECT" in str(g.value(plan, RDF.value))


def test_cache_sources_are_named():
    data = enrich.load_cache(LINKS / "enrichment-cache.json")
    assert data["sources"], "no sources"
    for sid, s in data["sources"].items():
        assert s["url"].startswith(("http://", "https://")), sid
    assert data["origin"]["kind"] == "manual-verification"


def test_link_graphs_load_as_their_own_named_graphs():
    loaded = load(ROOT)
    graphs = {f.graph for f in loaded.files}
    assert {LINKS_GRAPH, ENRICHMENT_GRAPH} <= graphs
    assert all(f.stem is None for f in loaded.files if f.graph in (LINKS_GRAPH, ENRICHMENT_GRAPH))
    enrichment = {q.subject.value for q in loaded.quads if q.graph_name.value == ENRICHMENT_GRAPH}
    documents = {q.subject.value for q in loaded.quads
                 if q.graph_name.value not in (ENRICHMENT_GRAPH, LINKS_GRAPH) and q.graph_name.value.endswith(
                     ("summit", "mou"))}
    assert enrichment and documents and not (enrichment & documents)


def test_exports_show_the_named_graphs():
    from qgraph.publish.exports import Exporter

    nq = Exporter(load(ROOT)).nquads
    assert f"<{LINKS_GRAPH}> ." in nq and f"<{ENRICHMENT_GRAPH}> ." in nq


def test_an_organisation_the_corpus_names_is_one_node():
    """One node per thing: an organisation of the enrichment cache that a document of the corpus
    also names (the G7, named by the G7 leaders' statement) is that document's node, not a second
    ``qgid:wd-org-…`` node beside it (the network showed "G7" and "Group of Seven" apart)."""
    loaded = load(ROOT)
    corpus_nodes = {q.subject.value for q in loaded.quads
                    if q.graph_name.value not in (ENRICHMENT_GRAPH, LINKS_GRAPH)}
    data = enrich.load_cache(LINKS / "enrichment-cache.json")
    qgid = "https://w3id.org/qgraph/id/"
    named = {key: o for key, o in data["organisations"].items()
             if qgid + key in corpus_nodes or qgid + o["node"].removeprefix("qgid:") in corpus_nodes}
    assert "g7" in named, "the corpus names the G7"
    for key, o in named.items():
        assert o["node"] == f"qgid:{key}" or not o["node"].startswith("qgid:wd-"), (key, o["node"])
    g = _graph("enrichment.ttl")
    orgs = {o for o in g.objects(None, URIRef(ORG + "organization"))}
    assert URIRef(qgid + "g7") in orgs and URIRef(qgid + "wd-org-g7") not in orgs
