"""The dataset described in VoID and DCAT: ``dist/void.ttl``, served at ``/.well-known/void``.

Everything is counted from the loaded quads (nothing is typed in by hand): triples per named
graph, the classes and properties with their counts, links to other datasets per target dataset
and link property, the licence each graph's own data states, the dumps the build writes with
their formats, and the SPARQL endpoint. No blank nodes: every part has an IRI under
:data:`qgraph.vocab.DATASET`, and the triples are written sorted, so two builds give the same
bytes.

Where things live: ``https://w3id.org/qgraph/dist/<file>`` for the build's files
(:data:`qgraph.vocab.DUMPS`, the address a deployment publishes ``dist/`` at) and
``https://w3id.org/qgraph/sparql`` for ``qgraph serve``'s endpoint.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice
from operator import ne
from typing import IO, Any
from urllib.parse import quote

from qgraph.vocab import (
    DATASET,
    DCAT,
    DCTERMS,
    DUMPS,
    ENRICHMENT_GRAPH,
    EUC,
    FORMATS_NS,
    GEONAMES,
    GEONAMES_SITE,
    GRAPH_NS,
    LINKS_GRAPH,
    ONTOLOGY_GRAPH,
    ONTOLOGY_IRI,
    OWL,
    QG,
    QGID,
    RDF_TYPE,
    RDFS,
    REUSE_GRAPH,
    SCHEMA,
    SD,
    SKOS,
    SPARQL_ENDPOINT,
    VOID,
    WD,
    WIKIDATA_SITE,
    XSD,
)

VOID_FILE = "void.ttl"

#: the dumps a build writes: file → (media type, W3C format IRI or None, what it is)
DUMP_FILES = {
    "qgraph.ttl": ("text/turtle", FORMATS_NS + "Turtle", "the whole graph (the union of the named graphs), Turtle"),
    "qgraph.nt": ("application/n-triples", FORMATS_NS + "N-Triples", "the whole graph, N-Triples"),
    "qgraph.nq": ("application/n-quads", FORMATS_NS + "N-Quads", "every named graph, N-Quads"),
    "qgraph.trig": ("application/trig", FORMATS_NS + "TriG", "every named graph, TriG"),
    "qgraph.jsonld": ("application/ld+json", FORMATS_NS + "JSON-LD", "the whole graph, JSON-LD compacted with context.jsonld"),
    "shapes.ttl": ("text/turtle", FORMATS_NS + "Turtle", "the SHACL shapes the data conforms to"),
    "ontology.html": ("text/html", None, "the ontology's documentation"),
}
#: namespaces of other datasets → (the dataset's IRI, its title)
TARGETS = {
    WD: (WIKIDATA_SITE, "Wikidata"),
    GEONAMES: (GEONAMES_SITE, "GeoNames"),
    EUC: (EUC.rstrip("/"), "EU Vocabularies: Countries and territories (the EU country authority table)"),
}
LINK_PROPERTIES = (SKOS + "exactMatch", SKOS + "closeMatch", SKOS + "relatedMatch", SKOS + "broadMatch",
                   SKOS + "narrowMatch", OWL + "sameAs", SCHEMA + "sameAs")
_PREFIXES = {"void": VOID, "dcat": DCAT, "dcterms": DCTERMS, "sd": SD, "xsd": XSD, "rdfs": RDFS,
             "qg": QG, "qgid": QGID, "skos": SKOS, "owl": OWL, "formats": FORMATS_NS}


def _slug(iri: str, prefixes: dict[str, str]) -> str:
    """``owl:Class`` for an IRI of a known namespace (readable part IRIs), else the IRI encoded."""
    for p, ns in sorted(prefixes.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        rest = iri[len(ns):]
        if iri.startswith(ns) and rest and all(c.isalnum() or c in "-_." for c in rest):
            return f"{p}:{rest}"
    return quote(iri, safe="")


@dataclass
class Statistics:
    """What the description counts: distinct triples, subjects and objects of the union graph;
    triples per named graph (as parsed: per file); entities per class; triples per property;
    links per (target namespace, link property); each graph's own licence (:func:`_licences`)."""

    triples: int
    subjects: int
    objects: int
    per_graph: dict[str, int]
    classes: dict[str, int]
    properties: dict[str, int]
    links: dict[tuple[str, str], int]
    licences: dict[str, str]


def _per_graph(loaded: Any) -> dict[str, int]:
    per_graph: Counter[str] = Counter()
    for f in loaded.files:
        per_graph[f.graph] += f.triples
    return {g: n for g, n in per_graph.items() if n}


def statistics(loaded: Any) -> Statistics:
    """:class:`Statistics` of ``loaded.quads`` (the reference: a set of every triple)."""
    import pyoxigraph as ox

    triples: set[tuple[Any, Any, Any]] = {(q.subject, q.predicate, q.object) for q in loaded.quads}
    classes: dict[str, set[Any]] = defaultdict(set)
    properties: Counter[str] = Counter()
    links: Counter[tuple[str, str]] = Counter()
    subjects, objects = set(), set()
    for s, p, o in triples:
        subjects.add(s)
        objects.add(o)
        properties[p.value] += 1
        if p.value == RDF_TYPE and isinstance(o, ox.NamedNode):
            classes[o.value].add(s)
        if p.value in LINK_PROPERTIES and isinstance(o, ox.NamedNode):
            for ns in TARGETS:
                if o.value.startswith(ns):
                    links[(ns, p.value)] += 1
    return Statistics(len(triples), len(subjects), len(objects), _per_graph(loaded),
                      {c: len(n) for c, n in classes.items()}, dict(properties), dict(links),
                      _licences(loaded.quads))


def sorted_statistics(loaded: Any, quads: list[Any], lines: Iterable[str], repeated: set[int]) -> Statistics:
    """:func:`statistics` in one pass over the distinct quads sorted by their N-Quads text, as
    the build's exports hold them (:class:`qgraph.publish.exports.Exporter`): ``lines``, that
    text (without " ."; the i-th line is ``quads[i]``'s), ``repeated``, the positions of the
    quads whose triple is the one before's. See :class:`SortedCounts`; fed
    :data:`SORTED_CHUNK` lines at a time, so that only those are held."""
    counts = SortedCounts()
    lines = iter(lines)
    start = 0
    while chunk := list(islice(lines, SORTED_CHUNK)):
        end = start + len(chunk)
        counts.add_batch(chunk, quads[start:end], [line.rindex(" <") for line in chunk],
                         [i - start for i in range(start, end) if i in repeated])
        start = end
    return counts.statistics(loaded)


#: lines of :func:`sorted_statistics` counted at a time
SORTED_CHUNK = 4096


class SortedCounts:
    """What :func:`statistics` counts, counted on the N-Quads text of the distinct quads in
    sorted order, fed a run of lines at a time (:meth:`add_batch`: the build's exports feed each
    batch of whole subjects' as they sort them, see
    :meth:`qgraph.publish.exports.Exporter.write_nquads`; :func:`sorted_statistics` a chunk of
    lines at a time).

    Counted on the text: a term's N-Triples form is one per term, an IRI holds no space, and a
    subject's statements sort together (subjects counted without a set; each type statement is
    one entity, the triples being distinct). No set of a million triples is made, and no term is
    read from pyoxigraph but those of the licence statements: the set and the terms were most of
    writing void.ttl."""

    TYPE = f"<{RDF_TYPE}>"
    SAID = frozenset({f"<{DCTERMS}license>", f"<{DCTERMS}identifier>"})
    LINKS = frozenset(f"<{p}>" for p in LINK_PROPERTIES)

    def __init__(self) -> None:
        self.classes: Counter[str] = Counter()
        self.properties: Counter[str] = Counter()
        self.links: Counter[tuple[str, str]] = Counter()
        self.objects: set[str] = set()
        self.said: list[Any] = []  # the licence and identifier statements (for _licences)
        self.subjects, self.triples, self.last = 0, 0, ""

    def add_batch(self, lines: list[str], quads: list[Any], cuts: list[int], repeated: list[int],
                  subjects: int | None = None) -> None:
        """The next ``lines`` in sorted order, counted a list at a time: the i-th line ``quads[i]``'s
        text, ``cuts[i]`` where its graph's IRI starts, ``repeated`` the positions among them of the
        lines whose triple is the one before's; ``subjects``: how many subjects begin among them,
        where the caller knows (else counted: a subject's lines sort together)."""
        first = [line.index(" ") for line in lines]
        if subjects is None:
            names = [line[:a] for line, a in zip(lines, first, strict=True)]
            subjects = sum(map(ne, names, [self.last, *names[:-1]]))
        second = [line.index(" ", a + 1) for line, a in zip(lines, first, strict=True)]
        predicates = [line[a + 1:b] for line, a, b in zip(lines, first, second, strict=True)]
        said = self.SAID
        if not said.isdisjoint(predicates):
            self.said += [q for p, q in zip(predicates, quads, strict=True) if p in said]
        objects = [line[b + 1:c] for line, b, c in zip(lines, second, cuts, strict=True)]
        if repeated:
            drop = set(repeated)
            predicates = [p for i, p in enumerate(predicates) if i not in drop]
            objects = [o for i, o in enumerate(objects) if i not in drop]
        self.triples += len(predicates)
        self.subjects += subjects
        if lines:
            self.last = lines[-1][:first[-1]]
        self.properties.update(predicates)
        self.objects.update(objects)
        type_token = self.TYPE
        if type_token in predicates:
            self.classes.update([o[1:-1] for p, o in zip(predicates, objects, strict=True) if p == type_token and o[0] == "<"])
        if not self.LINKS.isdisjoint(predicates):
            for p, o in zip(predicates, objects, strict=True):
                if p in self.LINKS and o[0] == "<":
                    for ns in TARGETS:
                        if o.startswith(ns, 1):
                            self.links[(ns, p[1:-1])] += 1

    def statistics(self, loaded: Any) -> Statistics:
        return Statistics(self.triples, self.subjects, len(self.objects), _per_graph(loaded), dict(self.classes),
                          {p[1:-1]: n for p, n in self.properties.items()}, dict(self.links), _licences(self.said))


def describe(loaded: Any, stats: Statistics | None = None) -> list[Any]:
    """The VoID/DCAT triples (pyoxigraph ``Triple``), sorted (``stats``: ``loaded``'s
    :class:`Statistics`, counted here when not given)."""
    import pyoxigraph as ox

    N, L = ox.NamedNode, ox.Literal
    integer = N(XSD + "integer")

    def count(n: int) -> Any:
        return L(str(n), datatype=integer)

    ds = N(DATASET)
    out: set[Any] = set()
    known = {**loaded.prefixes, **_PREFIXES}

    def add(s: Any, p: str, o: Any) -> None:
        out.add(ox.Triple(s, N(p), o))

    if stats is None:
        stats = statistics(loaded)
    per_graph, classes, properties, links, licences = (stats.per_graph, stats.classes, stats.properties,
                                                       stats.links, stats.licences)
    add(ds, RDF_TYPE, N(VOID + "Dataset"))
    add(ds, RDF_TYPE, N(DCAT + "Dataset"))
    # the corpus's own name (qgraph.toml, `qgraph init --name`): it was qgraph's own corpus's title,
    # whatever the corpus
    project = getattr(loaded, "project", None)
    add(ds, DCTERMS + "title", L(project.name if project is not None else "a qgraph corpus", language="en"))
    add(ds, DCTERMS + "description", L(
        "Nations, forums, meetings, agreements, provisions, institutions, people and the offices they hold, "
        "from source documents on quantum diplomacy; every fact is traced by a qg:Evidence to the exact passage "
        "of its source document. One named graph per document, plus the ontology, the links to other "
        "datasets and the enrichment from them.", language="en"))
    add(ds, VOID + "triples", count(stats.triples))
    add(ds, VOID + "distinctSubjects", count(stats.subjects))
    add(ds, VOID + "distinctObjects", count(stats.objects))
    add(ds, VOID + "classes", count(len(classes)))
    add(ds, VOID + "properties", count(len(properties)))
    add(ds, VOID + "uriSpace", L(QGID))
    add(ds, VOID + "sparqlEndpoint", N(SPARQL_ENDPOINT))
    add(ds, VOID + "vocabulary", N(ONTOLOGY_IRI))
    add(ds, VOID + "rootResource", N(QGID + "doc-" + loaded.documents[0]) if loaded.documents else N(ONTOLOGY_IRI))
    for doc_id in loaded.documents[:3]:
        add(ds, VOID + "exampleResource", N(QGID + "doc-" + doc_id))
    add(ds, DCTERMS + "conformsTo", N(DUMPS + "shapes.ttl"))
    # the dataset's licence only where every graph states the same one: a graph that states none
    # is not under another's (the ontology's CC BY was the whole dataset's where no document
    # stated a licence)
    if per_graph and set(per_graph) <= set(licences) and len(set(licences.values())) == 1:
        add(ds, DCTERMS + "license", N(next(iter(licences.values()))))
    # the SPARQL endpoint as a DCAT data service
    svc = N(DATASET + "/sparql")
    add(svc, RDF_TYPE, N(DCAT + "DataService"))
    add(svc, RDF_TYPE, N(SD + "Service"))
    add(svc, DCAT + "endpointURL", N(SPARQL_ENDPOINT))
    add(svc, SD + "endpoint", N(SPARQL_ENDPOINT))
    add(svc, SD + "supportedLanguage", N(SD + "SPARQL11Query"))
    add(svc, DCAT + "servesDataset", ds)
    add(svc, DCTERMS + "title", L("qgraph SPARQL 1.1 endpoint (read-only)", language="en"))
    add(ds, DCAT + "distribution", N(DATASET + "/distribution/sparql"))
    sparql_dist = N(DATASET + "/distribution/sparql")
    add(sparql_dist, RDF_TYPE, N(DCAT + "Distribution"))
    add(sparql_dist, DCAT + "accessURL", N(SPARQL_ENDPOINT))
    add(sparql_dist, DCAT + "accessService", svc)
    add(sparql_dist, DCTERMS + "title", L("SPARQL endpoint", language="en"))
    # the dumps
    for name, (media, fmt, what) in DUMP_FILES.items():
        d = N(f"{DATASET}/distribution/{name}")
        add(ds, DCAT + "distribution", d)
        add(d, RDF_TYPE, N(DCAT + "Distribution"))
        add(d, DCAT + "downloadURL", N(DUMPS + name))
        add(d, DCAT + "mediaType", N("https://www.iana.org/assignments/media-types/" + media))
        if fmt:
            add(d, DCTERMS + "format", N(fmt))
        add(d, DCTERMS + "title", L(name))
        add(d, DCTERMS + "description", L(what, language="en"))
        if name.startswith("qgraph."):
            add(ds, VOID + "dataDump", N(DUMPS + name))
    # one subset per named graph
    for g in sorted(per_graph):
        sub = N(f"{DATASET}/graph/{g.removeprefix(GRAPH_NS)}")
        add(ds, VOID + "subset", sub)
        add(sub, RDF_TYPE, N(VOID + "Dataset"))
        add(sub, SD + "name", N(g))
        add(sub, VOID + "triples", count(per_graph[g]))
        add(sub, DCTERMS + "title", L(_graph_title(loaded, g), language="en"))
        if g in licences:
            add(sub, DCTERMS + "license", N(licences[g]))
    # classes and properties
    for c in sorted(classes):
        part = N(f"{DATASET}/class/{_slug(c, known)}")
        add(ds, VOID + "classPartition", part)
        add(part, VOID + "class", N(c))
        add(part, VOID + "entities", count(classes[c]))
    for p in sorted(properties):
        part = N(f"{DATASET}/property/{_slug(p, known)}")
        add(ds, VOID + "propertyPartition", part)
        add(part, VOID + "property", N(p))
        add(part, VOID + "triples", count(properties[p]))
    # links per target dataset and link property
    for (ns, prop), n in sorted(links.items()):
        target, title = TARGETS[ns]
        ls = N(f"{DATASET}/links/{title.split(':')[0].split()[0].lower()}/{_slug(prop, known)}")
        add(ds, VOID + "subset", ls)
        add(ls, RDF_TYPE, N(VOID + "Linkset"))
        add(ls, VOID + "subjectsTarget", ds)
        add(ls, VOID + "objectsTarget", N(target))
        add(ls, VOID + "linkPredicate", N(prop))
        add(ls, VOID + "triples", count(n))
        add(N(target), RDF_TYPE, N(VOID + "Dataset"))
        add(N(target), DCTERMS + "title", L(title, language="en"))
    return sorted(out, key=str)


def _licences(quads: Iterable[Any]) -> dict[str, str]:
    """graph → the licence its own data states (in ``quads``): a document graph's source
    document's ``dcterms:license``, the ontology's header's; graphs that state none are left out."""
    out: dict[str, str] = {}
    lic, ident = DCTERMS + "license", DCTERMS + "identifier"
    ids: dict[tuple[str, Any], str] = {}
    found: dict[tuple[str, Any], str] = {}
    for q in quads:
        g = q.graph_name.value
        if q.predicate.value == ident:
            ids[(g, q.subject)] = q.object.value
        elif q.predicate.value == lic:
            found[(g, q.subject)] = q.object.value
    for (g, s), value in found.items():
        if g == ONTOLOGY_GRAPH and s.value == ONTOLOGY_IRI:
            out[g] = value
        elif ids.get((g, s)) == g.removeprefix(GRAPH_NS):
            out[g] = value
    return out


def _graph_title(loaded: Any, g: str) -> str:
    if g == ONTOLOGY_GRAPH:
        return "the ontology, its alignments and concept schemes"
    if g == LINKS_GRAPH:
        return "links to other datasets (reviewed SSSOM tables)"
    if g == ENRICHMENT_GRAPH:
        return "facts from linked data (memberships, capitals, coordinates), with their provenance"
    if g == REUSE_GRAPH:  # it was "the facts of the source document text-reuse"
        return "text reuse between the documents: passages that reappear elsewhere, derived by `qgraph reuse`"
    return f"the facts of the source document {g.removeprefix(GRAPH_NS)}"


def turtle(loaded: Any, stats: Statistics | None = None) -> bytes:
    """The description as Turtle (sorted triples, fixed prefixes: the same bytes every build)."""
    import pyoxigraph as ox

    return ox.serialize(describe(loaded, stats), format=ox.RdfFormat.TURTLE, prefixes=_PREFIXES)


def write_void(loaded: Any, stats: Callable[[], Statistics] | None = None):
    """The job writing void.ttl (``stats``: gives ``loaded``'s :class:`Statistics` when the
    job runs)."""
    def job(fh: IO[bytes]) -> None:
        fh.write(turtle(loaded, stats() if stats is not None else None))
    return job
