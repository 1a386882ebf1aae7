"""What the build publishes beside the dumps, and how the server serves it:

- the dump conforms to its own shapes in **stock pySHACL** (``pyshacl.validate`` on the built
  ``dist/qgraph.ttl`` and ``dist/qgraph.trig`` with the published ``dist/shapes.ttl``). Only
  ``sh:Violation`` counts, as in ``qgraph build``: warnings (a membership without
  ``qg:attestedOn``) are reported and allowed (``allow_warnings=True``), and the test counts
  the violations itself;
- ``dist/void.ttl``: VoID + DCAT, its counts equal to the graph's own;
- ``dist/ontology.html``: every term of the ontology with its definition and the shapes that
  constrain it;
- ``/.well-known/void`` and ``/ontology`` (HTML, or Turtle by Accept).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
import rdflib
import rdflib.compare
from rdflib import RDF, Literal, Namespace, URIRef

from conftest import PROJECT

VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SH = Namespace("http://www.w3.org/ns/shacl#")
QG = "https://w3id.org/qgraph/ontology#"
DATASET = URIRef("https://w3id.org/qgraph/dataset")


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    import qgraph

    out = tmp_path_factory.mktemp("dist")
    qgraph.build(out, root=PROJECT)
    return out


@pytest.fixture(scope="module")
def loaded():
    from qgraph.corpus.loading import load

    return load(PROJECT)


def _violations(data: object, shapes: Path) -> tuple[bool, list[str]]:
    from pyshacl import validate

    conforms, report, _ = validate(data, shacl_graph=str(shapes), allow_warnings=True)
    bad = [f"{report.value(r, SH.sourceShape)} {report.value(r, SH.focusNode)}"
           for r in report.subjects(SH.resultSeverity, SH.Violation)]
    return conforms, bad


def test_published_shapes_are_the_shipped_ones(dist):
    from qgraph.project import resources

    assert (dist / "shapes.ttl").read_bytes() == (resources() / "ontology" / "shapes.ttl").read_bytes()


def test_dump_conforms_to_its_shapes_in_stock_pyshacl(dist):
    """Regression: the enrichment graph's memberships (no qg:evidence) and an xsd:gYear start
    date made 36 violations in the published Turtle dump."""
    ttl = rdflib.Graph().parse(dist / "qgraph.ttl", format="turtle")
    assert any(True for _ in ttl.subjects(URIRef("http://www.w3.org/ns/prov#wasGeneratedBy"))), \
        "the dump holds no enrichment facts: nothing to test"
    conforms, bad = _violations(ttl, dist / "shapes.ttl")
    assert bad == [] and conforms


def test_trig_dump_conforms_to_its_shapes_in_stock_pyshacl(dist):
    ds = rdflib.Dataset(default_union=True)
    ds.parse(dist / "qgraph.trig", format="trig")
    assert len(list(ds.graphs())) > 3
    conforms, bad = _violations(ds, dist / "shapes.ttl")
    assert bad == [] and conforms


def test_void_counts_are_the_graphs(dist, loaded):
    g = rdflib.Graph().parse(dist / "void.ttl", format="turtle")
    assert (DATASET, RDF.type, VOID.Dataset) in g and (DATASET, RDF.type, DCAT.Dataset) in g
    per_graph = Counter(q.graph_name.value for q in loaded.quads)
    subsets = {str(g.value(s, SD.name)): int(g.value(s, VOID.triples))
               for s in g.objects(DATASET, VOID.subset) if g.value(s, SD.name) is not None}
    assert subsets == dict(per_graph) and len(subsets) >= 4
    union = {(q.subject, q.predicate, q.object) for q in loaded.quads}
    assert int(g.value(DATASET, VOID.triples)) == len(union)
    nations = {q.subject for q in loaded.quads if q.predicate.value.endswith("#type") and q.object.value == QG + "Nation"}
    parts = {str(g.value(p, VOID["class"])): int(g.value(p, VOID.entities)) for p in g.objects(DATASET, VOID.classPartition)}
    assert parts[QG + "Nation"] == len(nations) > 0
    # links per target dataset: the link graph's skos:exactMatch to Wikidata
    wd = sum(1 for s, p, o in union if p.value.endswith("core#exactMatch") and o.value.startswith("http://www.wikidata.org/entity/"))
    linksets = {(str(g.value(s, VOID.objectsTarget)), str(g.value(s, VOID.linkPredicate))): int(g.value(s, VOID.triples))
                for s in g.subjects(RDF.type, VOID.Linkset)}
    assert linksets[("https://www.wikidata.org/", "http://www.w3.org/2004/02/skos/core#exactMatch")] == wd > 0
    assert {"https://www.geonames.org/", "http://publications.europa.eu/resource/authority/country"} <= {t for t, _ in linksets}
    # every dump the build wrote is a distribution, with its media type
    urls = {str(g.value(d, DCAT.downloadURL)).rsplit("/", 1)[-1]: g.value(d, DCAT.mediaType)
            for d in g.objects(DATASET, DCAT.distribution) if g.value(d, DCAT.downloadURL) is not None}
    written = {p.name for p in dist.iterdir() if p.is_file() and p.name != "void.ttl" and p.name != "context.jsonld"}
    assert written <= set(urls) and all(urls.values())
    assert (None, DCAT.endpointURL, URIRef("https://w3id.org/qgraph/sparql")) in g
    assert g.value(DATASET, VOID.sparqlEndpoint) == URIRef("https://w3id.org/qgraph/sparql")
    licences = {str(o) for s in g.objects(DATASET, VOID.subset) for o in g.objects(s, URIRef("http://purl.org/dc/terms/license"))}
    assert "https://creativecommons.org/licenses/by/4.0/" in licences  # the ontology's, from its header
    assert g.value(DATASET, VOID.uriSpace) == Literal("https://w3id.org/qgraph/id/")


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "script":
            self.scripts += 1


def test_ontology_documentation(dist, loaded):
    html = (dist / "ontology.html").read_text(encoding="utf-8")
    parsed = _Ids()
    parsed.feed(html)
    onto = loaded.graph("https://w3id.org/qgraph/graph/ontology")
    own = {str(s) for s in onto.subjects(RDF.type, None) if str(s).startswith(QG)}
    assert len(own) > 50
    assert {s[len(QG):] for s in own} <= parsed.ids
    assert parsed.scripts == 0
    for section in ("class-tree", "property-index", "namespaces", "metadata"):
        assert section in parsed.ids
    nation = html[html.index('id="Nation"'):]
    nation = nation[:nation.index("</section>")]
    assert "sovereign state" in nation and "qgsh:NationShape" in nation
    start = html[html.index('id="startDate"'):]
    start = start[:start.index("</section>")]
    assert "qgsh:Membership-startDate" in start and "xsd:gYear" in start and "domain includes" in start


def test_served(dist):
    from qgraph.publish.ontology_doc import STYLE_HASH
    from qgraph.web.server import Running

    with Running(PROJECT) as running:
        with urllib.request.urlopen(running.url + "/.well-known/void") as r:
            assert r.headers["Content-Type"].startswith("text/turtle")
            assert r.read() == (dist / "void.ttl").read_bytes()
        req = urllib.request.Request(running.url + "/.well-known/void", headers={"Accept": "application/ld+json"})
        with urllib.request.urlopen(req) as r:
            served = rdflib.Graph().parse(data=r.read(), format="json-ld")
        assert rdflib.compare.isomorphic(served, rdflib.Graph().parse(dist / "void.ttl"))
        with urllib.request.urlopen(running.url + "/ontology") as r:
            assert r.headers["Content-Type"].startswith("text/html")
            assert STYLE_HASH in r.headers["Content-Security-Policy"]
            assert r.read() == (dist / "ontology.html").read_bytes()
        req = urllib.request.Request(running.url + "/ontology", headers={"Accept": "text/turtle"})
        with urllib.request.urlopen(req) as r:
            g = rdflib.Graph().parse(data=r.read(), format="turtle")
        assert (URIRef(QG + "Nation"), RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class")) in g
        with urllib.request.urlopen(running.url + "/ontology?format=ntriples") as r:
            assert r.headers["Content-Type"].startswith("application/n-triples")
        for path, accept, code in (("/ontology?format=bogus", None, 400), ("/.well-known/void", "image/png", 406),
                                   ("/.well-known/void?format=html", None, 400)):
            req = urllib.request.Request(running.url + path, headers={"Accept": accept} if accept else {})
            with pytest.raises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(req)
            assert e.value.code == code, path


@pytest.mark.parametrize("chunk", [1, 2, 3, 4096])
def test_void_statistics_from_the_sorted_quads_are_the_reference_ones(fixture_root, monkeypatch, chunk):
    """The build counts void.ttl in one pass over its sorted, distinct quads; the server (and
    the reference) from a set of every parsed triple. Both agree on what makes them differ:
    a triple stated twice in one file and once more in another, blank nodes (relabelled by the
    export) with the same structure in two files, a subject stated in two files, links to
    other datasets, a document's licence. Counted again from the sorted quads a few lines at a
    time (``chunk``: a subject's lines, and a triple and its repetition, split between two)."""
    from qgraph.corpus.loading import load
    from qgraph.publish import dataset
    from qgraph.publish.exports import Exporter

    monkeypatch.setattr(dataset, "SORTED_CHUNK", chunk)

    data = fixture_root / "data"
    assert (data / "tiny-doc.ttl").is_file()
    extra = """@prefix qgid: <https://w3id.org/qgraph/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
qgid:denmark rdfs:label "Denmark"@en ; skos:exactMatch <http://www.wikidata.org/entity/Q35> .
qgid:denmark rdfs:label "Denmark"@en .
qgid:denmark owl:sameAs <https://sws.geonames.org/2623032/> .
qgid:doc-%s dcterms:identifier "%s" ; dcterms:license <https://creativecommons.org/licenses/by/4.0/> .
qgid:x%s rdfs:seeAlso [ rdfs:label "same" ; rdfs:seeAlso [ rdfs:label "inner" ] ] ;
    rdfs:comment "a <b> c" , "a" , "a"@en , "1"^^<http://www.w3.org/2001/XMLSchema#integer> .
"""
    for name in ("extra-a", "extra-b"):
        (data / f"{name}.ttl").write_text(extra % (name, name, name[-1]), encoding="utf-8")
    import io

    loaded = load(fixture_root)
    exporter = Exporter(loaded)
    sorted_ = exporter.statistics()  # counted on the sorted quads' text, made again
    reference = dataset.statistics(loaded)
    assert sorted_ == reference
    by_the_sort = Exporter(loaded)
    by_the_sort.write_nquads(io.BytesIO())  # the sort writes the N-Quads dump and counts meanwhile
    assert by_the_sort._counted is not None
    assert by_the_sort.statistics() == reference
    assert reference.triples < len(loaded.quads)  # the duplicates were there to be counted once
    assert reference.links and reference.licences
    assert dataset.turtle(loaded, sorted_) == dataset.turtle(loaded)


def test_void_titles_each_graph_as_what_it_is(dist):
    """Regression: void.ttl titled the text-reuse graph "the facts of the source document
    text-reuse", as if it were a document's."""
    g = rdflib.Graph().parse(dist / "void.ttl", format="turtle")
    titles = {str(o) for o in g.objects(None, URIRef("http://purl.org/dc/terms/title"))}
    assert any(t.startswith("the facts of the source document ") for t in titles), titles
    assert "the facts of the source document text-reuse" not in titles
    assert any(t.startswith("text reuse between the documents") for t in titles), titles


def test_ontology_page_lists_every_constraint_and_the_shapes_a_property_selects(dist):
    """Regression: the page's constraint summaries left out sh:minExclusive, sh:lessThanOrEquals
    and sh:node, and a property's section left out the shapes that select the nodes stating it
    (sh:targetSubjectsOf: qgsh:StartDateYearShape under qg:startDate)."""
    import re

    page = (dist / "ontology.html").read_text(encoding="utf-8")
    amount = re.search(r"qgsh:FundingCommitment-amount</code>.*?<span class=kind>(.*?)</span>", page).group(1)
    assert "sh:minExclusive 0.0" in amount, amount
    start = re.search(r"qgsh:Meeting-startDate</code>.*?<span class=kind>(.*?)</span>", page).group(1)
    assert "sh:lessThanOrEquals qg:endDate" in start, start
    assert "qgsh:StartDateYearShape" in page and "sh:targetSubjectsOf qg:startDate" in page
