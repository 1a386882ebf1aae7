"""The `queries/checks/*-violation.rq` checks: none fires on the real graph, each fires on its
counter-example in `tests/fixtures/checks/<name>.ttl` (so no check can pass vacuously)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef

ROOT = Path(__file__).resolve().parents[1]
CHECKS = sorted((ROOT / "queries" / "checks").glob("*-violation.rq"))
COUNTER = ROOT / "tests" / "fixtures" / "checks"


def test_checks_found():
    assert len(CHECKS) >= 5, "no *-violation.rq checks found"


def _real_graph() -> Dataset:
    """One named graph per file (as the store holds them; checks scoped by ``GRAPH ?g`` need
    them), the default graph their union."""
    from qgraph.vocab import graph_name

    ds = Dataset(default_union=True)
    files = sorted((ROOT / "ontology").glob("*.ttl")) + sorted((ROOT / "data").glob("*.ttl"))
    files = [f for f in files if f.name != "shapes.ttl"]
    assert any(f.parent.name == "data" for f in files), "no data files found"
    for f in files:
        name = "ontology" if f.parent.name == "ontology" else f.stem
        ds.graph(URIRef(graph_name(name))).parse(f, format="turtle")
    return ds


@pytest.fixture(scope="module")
def real_graph() -> Dataset:
    return _real_graph()


@pytest.mark.parametrize("check", CHECKS, ids=lambda p: p.stem)
def test_check_passes_on_real_data(check: Path, real_graph: Dataset):
    rows = list(real_graph.query(check.read_text(encoding="utf-8")))
    summary = check.read_text(encoding="utf-8").splitlines()[0]
    assert not rows, f"{check.name} {summary}\n" + "\n".join(
        "  " + "  ".join(str(v) for v in row) for row in rows
    )


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
@pytest.mark.parametrize("check", CHECKS, ids=lambda p: p.stem)
def test_check_fires_on_its_counter_example(check: Path, engine: str):
    """On both engines: regression for checks whose UNION branches filtered on a variable bound
    outside the branch; rdflib substitutes it, Oxigraph (SPARQL's bottom-up evaluation) does not,
    so a faulty node beside a complete one went unreported by `qgraph validate`."""
    name = check.stem.removesuffix("-violation")
    # a check scoped by document graph (GRAPH ?g) has a TriG counter-example with named graphs
    trig = COUNTER / f"{name}.trig"
    fixture = trig if trig.exists() else COUNTER / f"{name}.ttl"
    assert fixture.exists(), f"{check.name} has no counter-example {fixture.relative_to(ROOT)}"
    text = check.read_text(encoding="utf-8")
    if engine == "rdflib":
        if fixture.suffix == ".trig":
            rows = list(Dataset(default_union=True).parse(fixture, format="trig").query(text))
        else:
            rows = list(Graph().parse(fixture, format="turtle").query(text))
    else:
        import pyoxigraph as ox

        store = ox.Store()
        fmt = ox.RdfFormat.TRIG if fixture.suffix == ".trig" else ox.RdfFormat.TURTLE
        store.load(path=str(fixture), format=fmt)
        rows = list(store.query(text, use_default_graph_as_union=True))
    assert rows, f"{check.name} found nothing in its counter-example on {engine}"


_SWAPPED_DATES = """
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix qg: <https://w3id.org/qgraph/ontology#> .
@prefix qgid: <https://w3id.org/qgraph/id/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/qgraph/graph/doc-s> {
  qgid:ev-may a qg:Evidence ; oa:hasSelector [ oa:exact "signed on 3 May 2023" ] ;
      qg:supports qg:signedOn, qg:startDate, qg:endDate .
  qgid:ev-may-us a qg:Evidence ; oa:hasSelector [ oa:exact "signed on May 3, and again on 2023-09-12" ] ;
      qg:supports qg:signedOn, qg:startDate .
  qgid:ev-june a qg:Evidence ; oa:hasSelector [ oa:exact "in June 2023" ] ; qg:supports qg:signedOn .
  qgid:ev-read a qg:Evidence ; oa:hasSelector [ oa:exact "signed on 03/05/2023" ] ;
      qg:derivation "03/05/2023 is read as 3 May: the document is British."@en ; qg:supports qg:signedOn .
  qgid:right a qg:Agreement ; qg:signedOn "2023-05-03"^^xsd:date ; qg:evidence qgid:ev-may .
  qgid:swapped a qg:Agreement ; qg:signedOn "2023-03-05"^^xsd:date ; qg:evidence qgid:ev-may .
  qgid:other-day a qg:Agreement ; qg:signedOn "2023-05-04"^^xsd:date ; qg:evidence qgid:ev-may .
  qgid:md-right a qg:Agreement ; qg:signedOn "--05-03"^^xsd:gMonthDay ; qg:evidence qgid:ev-may-us .
  qgid:md-swapped a qg:Agreement ; qg:signedOn "--03-05"^^xsd:gMonthDay ; qg:evidence qgid:ev-may-us .
  qgid:iso a qg:Meeting ; qg:startDate "2023-09-12"^^xsd:date ; qg:evidence qgid:ev-may-us .
  qgid:ym-right a qg:Agreement ; qg:signedOn "2023-06"^^xsd:gYearMonth ; qg:evidence qgid:ev-june .
  qgid:ym-wrong a qg:Agreement ; qg:signedOn "2023-07"^^xsd:gYearMonth ; qg:evidence qgid:ev-june .
  qgid:year-only a qg:Agreement ; qg:signedOn "2023"^^xsd:gYear ; qg:evidence qgid:ev-june .
  qgid:resolved a qg:Agreement ; qg:signedOn "2023-05-03"^^xsd:date ; qg:evidence qgid:ev-read .
}
"""


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
def test_date_check_names_a_date_whose_passage_gives_another_month_or_day(engine: str):
    """Regression: the date check read only a date's year in its passage, so "3 May 2023"
    recorded as 2023-03-05 (day and month swapped), or as 2023-05-04, passed. A passage now
    states a date when it also names its month (or gives the date in ISO 8601) and its day; a
    qg:derivation still records a reading (03/05/2023 read as 3 May)."""
    text = (ROOT / "queries" / "checks" / "date-without-derivation-violation.rq").read_text(encoding="utf-8")
    if engine == "rdflib":
        found = {str(r[0]).rsplit("/", 1)[-1] for r in Dataset(default_union=True).parse(
            data=_SWAPPED_DATES, format="trig").query(text)}
    else:
        import pyoxigraph as ox

        store = ox.Store()
        store.load(_SWAPPED_DATES.encode("utf-8"), format=ox.RdfFormat.TRIG)
        found = {s["node"].value.rsplit("/", 1)[-1] for s in store.query(text, use_default_graph_as_union=True)}
    assert found == {"swapped", "other-day", "md-swapped", "ym-wrong"}


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
def test_supporting_evidence_is_looked_for_in_the_stating_documents_graph(engine: str):
    """The check names exactly the two unsupported facts of its counter-example: a label whose
    evidence supports another property, and a date supported only by another document's evidence;
    the bookkeeping properties (type, editorial note, identifier) are not asked for."""
    check = ROOT / "queries" / "checks" / "fact-property-without-supporting-evidence-violation.rq"
    fixture = COUNTER / "fact-property-without-supporting-evidence.trig"
    text = check.read_text(encoding="utf-8")
    if engine == "rdflib":
        rows = [tuple(str(v) for v in r) for r in Dataset(default_union=True).parse(fixture, format="trig").query(text)]
    else:
        import pyoxigraph as ox

        store = ox.Store()
        store.load(path=str(fixture), format=ox.RdfFormat.TRIG)
        rows = [tuple(s[v].value for v in ("node", "property", "graph")) for s in store.query(text)]
    qg, qgid, g = "https://w3id.org/qgraph/ontology#", "https://w3id.org/qgraph/id/", "https://w3id.org/qgraph/graph/"
    assert rows == [(qgid + "nation-a", "http://www.w3.org/2000/01/rdf-schema#label", g + "doc-a"),
                    (qgid + "holding-b", qg + "attestedOn", g + "doc-b")]


def _random_dated_dataset(rng, ill_formed: bool = True) -> str:
    """A TriG dataset of one to three document graphs: nodes with dates of every kind (and
    non-dates), evidence that supports some properties, derivations, passages with or without
    the year, the month (by name, or in an ISO 8601 date) or the day; with ``ill_formed``,
    xsd:gMonthDay values without a day too."""
    qg, qgid, g = "https://w3id.org/qgraph/ontology#", "https://w3id.org/qgraph/id/", "https://w3id.org/qgraph/graph/"
    oa, xsd = "http://www.w3.org/ns/oa#", "http://www.w3.org/2001/XMLSchema#"
    props = [qg + "startDate", qg + "attestedOn", qg + "signedOn", "http://www.w3.org/2000/01/rdf-schema#label"]
    graphs = []
    for gi in range(rng.randint(1, 3)):
        body = []
        for ni in range(rng.randint(1, 4)):
            node = f"<{qgid}n{ni}>"
            for k in range(rng.randint(0, 3)):
                ev = f"<{qgid}ev{gi}-{ni}-{k}>"
                body.append(f"{node} <{qg}evidence> {ev} .")
                body += [f"{ev} <{qg}supports> <{p}> ." for p in rng.sample(props, rng.randint(0, 3))]
                if rng.random() < 0.3:
                    body.append(f'{ev} <{qg}derivation> "read from the context" .')
                for _ in range(rng.randint(0, 2)):
                    said = rng.choice(["2020", "2021", "2024", "3", "12", "no number", "12 March 2020",
                                       "March 12, 2021", "2020-03-12", "2021-03", f"{rng.choice(['Mar', 'May', 'Jul'])} 3",
                                       "3 December", "12 May 2024", "2021-0" + str(rng.randint(1, 9)), "June 2021"])
                    body.append(f'{ev} <{oa}hasSelector> [ <{oa}exact> "a passage: {said}." ] .')
            for p in rng.sample(props, rng.randint(0, 3)):
                value = rng.choice([*([f'"--0{rng.randint(1, 9)}-1x"^^<{xsd}gMonthDay>'] if ill_formed else []),
                    f'"{rng.choice(["2020", "2021", "2024"])}-03-12"^^<{xsd}date>',
                    f'"{rng.choice(["2020", "2024"])}"^^<{xsd}gYear>',
                    f'"2021-0{rng.randint(1, 9)}"^^<{xsd}gYearMonth>',
                    f'"--0{rng.randint(1, 9)}-{rng.choice(["03", "12"])}"^^<{xsd}gMonthDay>',
                    '"2020"', f"<{qgid}elsewhere>", f'"2020"^^<{xsd}integer>'])
                body.append(f"{node} <{p}> {value} .")
        graphs.append(f"<{g}doc-{gi}> {{\n" + "\n".join(body) + "\n}")
    return "\n".join(graphs)


@pytest.mark.parametrize("reference", ["minus", "grouped"])
@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_date_check_answers_as_its_earlier_forms(engine: str, reference: str):
    """The shipped date-without-derivation check (one pass, each date looked up on its own: 3×
    faster at 1M than the grouped form, which was 2.2× faster than the MINUS form) names exactly
    the dates each earlier form named, on datasets drawn at random (seeded) with every kind of
    date, support, derivation and passage. The grouped form let an ill-formed xsd:gMonthDay pass
    when a passage of a supporting evidence was compared with it (the comparison's error made
    the group's SUM an error): compared with it on well-formed values only; the MINUS form, like
    the shipped one, reports such a date unless a supporting evidence carries a derivation."""
    import functools

    shipped_text = (ROOT / "queries" / "checks" / "date-without-derivation-violation.rq").read_text(encoding="utf-8")
    reference_text = (COUNTER / f"date-without-derivation-{reference}-form.rq").read_text(encoding="utf-8")
    assert ("MINUS {" if reference == "minus" else "GROUP BY") in reference_text
    assert "MINUS {" not in shipped_text and "GROUP BY" not in shipped_text
    from qgraph.checks.cache import graph_local

    assert graph_local(shipped_text) == graph_local(reference_text) == "graph"  # still kept per graph by the cache
    make = functools.partial(_random_dated_dataset, ill_formed=reference == "minus")
    _same_answers(engine, shipped_text, reference_text, make, ("node", "property", "date", "graph"))


def _same_answers(engine: str, shipped: str, reference: str, make, columns: tuple[str, ...],
                  union: bool = True) -> None:
    """``shipped`` and ``reference`` give the same rows on datasets drawn at random (seeded) by
    ``make``, as the store holds them: the named graphs of a TriG dataset and their merge in the
    default graph (``union``: Oxigraph's query store; rdflib's Dataset with default_union), or
    a Turtle graph in the default graph alone, as the union child of `qgraph validate` holds it
    (pipeline._union_child). Each dataset is loaded once and both queries asked of it, so that
    blank nodes compare."""
    import random

    import pyoxigraph as ox

    def rows(data: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
        if engine == "rdflib":
            if union:
                g = Dataset(default_union=True)
                g.parse(data=data, format="trig")
            else:
                g = Graph()
                g.parse(data=data, format="turtle")
            return tuple(sorted(tuple("" if v is None else str(v) for v in r) for r in g.query(text))
                         for text in (shipped, reference))
        store = ox.Store()
        if union:
            store.load(data.encode("utf-8"), format=ox.RdfFormat.TRIG)
            named = list(store.quads_for_pattern(None, None, None, None))
            store.extend([ox.Quad(q.subject, q.predicate, q.object) for q in named])  # the merge, as the query store
        else:
            store.load(data.encode("utf-8"), format=ox.RdfFormat.TURTLE)
        return tuple(sorted(tuple("" if s[v] is None else s[v].value for v in columns) for s in store.query(text))
                     for text in (shipped, reference))

    rng = random.Random(15)
    found = 0
    for _ in range(150 if engine == "oxigraph" else 40):
        data = make(rng)
        got, expected = rows(data)
        assert got == expected, data
        found += bool(expected)
    assert found >= 10, "the random datasets hold too few rows to compare"


def _random_default_graph(rng) -> str:
    """A Turtle graph of a few nodes: IRIs of the data namespace (enrichment and text-reuse ones
    among them), of another namespace and blank nodes, typed or not (as evidence, concepts,
    classes), with or without evidence and labels in English, another language or none, used
    as values or not."""
    qg, qgid, ex = "https://w3id.org/qgraph/ontology#", "https://w3id.org/qgraph/id/", "https://example.org/"
    rdf, rdfs = "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://www.w3.org/2000/01/rdf-schema#"
    skos = "http://www.w3.org/2004/02/skos/core#"
    nodes = [f"<{qgid}n{i}>" for i in range(4)] + [f"<{qgid}wd-Q{i}>" for i in range(2)] + \
        [f"<{qgid}text-reuse-{i}>" for i in range(2)] + [f"<{ex}x{i}>" for i in range(2)] + ["_:b0", "_:b1"]
    classes = [f"<{c}>" for c in (qg + "Evidence", skos + "Concept", skos + "ConceptScheme", qg + "Nation",
                                  qg + "Forum")] + [rng.choice(nodes)]
    labels = ['"a"@en', '"A"@en-GB', '"a"@fr', '"a"', '""@en', '"1"^^<http://www.w3.org/2001/XMLSchema#integer>']
    body = []
    for _ in range(rng.randint(0, 25)):
        s = rng.choice(nodes)
        kind = rng.random()
        if kind < 0.35:
            body.append(f"{s} <{rdf}type> {rng.choice(classes)} .")
        elif kind < 0.55:
            body.append(f"{s} <{rng.choice([rdfs + 'label', skos + 'prefLabel'])}> {rng.choice(labels)} .")
        elif kind < 0.75:
            body.append(f"{s} <{qg}evidence> {rng.choice(nodes)} .")
        else:
            body.append(f"{s} <{qg}member> {rng.choice(nodes + labels)} .")
    return "\n".join(body)


def _random_fact_dataset(rng) -> str:
    """A TriG dataset of one to three document graphs sharing nodes and evidence IRIs: facts of
    every kind (bookkeeping ones among them) on nodes with or without evidence there, evidence
    that supports some properties in one graph and others in another."""
    qg, qgid, g = "https://w3id.org/qgraph/ontology#", "https://w3id.org/qgraph/id/", "https://w3id.org/qgraph/graph/"
    rdf, rdfs = "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://www.w3.org/2000/01/rdf-schema#"
    dcterms, skos = "http://purl.org/dc/terms/", "http://www.w3.org/2004/02/skos/core#"
    props = [rdf + "type", rdfs + "label", qg + "startDate", qg + "member", dcterms + "identifier",
             skos + "editorialNote", qg + "licenceStated"]
    graphs = []
    for gi in range(rng.randint(1, 3)):
        body = []
        for ni in range(rng.randint(1, 4)):
            node = f"<{qgid}n{ni}>"
            for k in rng.sample(range(3), rng.randint(0, 2)):
                ev = f"<{qgid}ev{ni}-{k}>"  # the same evidence IRI in several graphs
                body.append(f"{node} <{qg}evidence> {ev} .")
                body += [f"{ev} <{qg}supports> <{p}> ." for p in rng.sample(props, rng.randint(0, 3))]
            for p in rng.sample(props, rng.randint(0, 4)):
                body.append(f"{node} <{p}> {rng.choice([f'<{qgid}n{rng.randint(0, 3)}>', chr(34) + 'v' + chr(34)])} .")
        graphs.append(f"<{g}doc-{gi}> {{\n" + "\n".join(body) + "\n}")
    return "\n".join(graphs)


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("form", ["minus-last", "anti-join-group"])
def test_fact_property_check_answers_as_its_earlier_form(engine: str, form: str):
    """The shipped fact-property-without-supporting-evidence check (the facts' anti-join in a
    group of its own, joined by hash to the nodes with evidence; the anti-join's side a subquery
    of the columns it is matched on) names exactly what its earlier forms (the join first, MINUS
    last; the anti-join's side a plain graph block) named, on both engines, on datasets drawn
    at random."""
    from qgraph.checks.cache import graph_local

    name = "fact-property-without-supporting-evidence"
    shipped = (ROOT / "queries" / "checks" / f"{name}-violation.rq").read_text(encoding="utf-8")
    reference = (COUNTER / f"{name}-{form}-form.rq").read_text(encoding="utf-8")
    assert shipped != reference and graph_local(shipped) == graph_local(reference) == "graph"
    _same_answers(engine, shipped, reference, _random_fact_dataset, ("node", "property", "graph"))


def _random_labelled_graph(rng) -> str:
    """A Turtle graph of a few nodes (of the data namespace, of another, blank), each with none
    to two of two types and none to two labels among a few (alike but for case, in another
    language, plain, not text, a blank node, an IRI): nodes sharing a type and a label, or not."""
    qgid, rdfs = "https://w3id.org/qgraph/id/", "http://www.w3.org/2000/01/rdf-schema#"
    nodes = [f"<{qgid}n{i}>" for i in range(4)] + ["<https://example.org/x0>", "_:b0"]
    types = ["<https://w3id.org/qgraph/ontology#Nation>", "<https://w3id.org/qgraph/ontology#Forum>"]
    labels = ['"a"@en', '"A"@en', '"b"@en', '"a"@fr', '"a"', '"1"^^<http://www.w3.org/2001/XMLSchema#integer>',
              "_:label", "<https://example.org/A>"]  # a label with no lower case (a blank node), an IRI
    body = []
    for n in nodes:
        body += [f"{n} a {t} ." for t in rng.sample(types, rng.randint(0, 2))]
        body += [f"{n} <{rdfs}label> {lab} ." for lab in rng.sample(labels, rng.randint(0, 2))]
    return "\n".join(body)


REWRITTEN = [  # (check, its earlier form in tests/fixtures/checks, the columns it answers, the graphs drawn)
    ("fact-without-evidence", "not-exists", ("node", "type"), _random_default_graph),
    ("fact-without-evidence", "exists-per-row", ("node", "type"), _random_default_graph),
    ("dangling-reference", "filter-first", ("subject", "property", "target"), _random_default_graph),
    ("entity-without-label", "filter-first", ("entity", "type"), _random_default_graph),
    ("duplicate-entity", "type-label-join", ("type", "label", "a", "b", "nodes"), _random_labelled_graph),
    ("duplicate-entity", "one-pass", ("type", "label", "a", "b", "nodes"), _random_labelled_graph),
]


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize(("name", "form", "columns", "make"), REWRITTEN, ids=[f"{n}-{f}" for n, f, _, _ in REWRITTEN])
def test_rewritten_check_answers_as_its_earlier_form(name: str, form: str, columns: tuple[str, ...], make,
                                                     engine: str):
    """A check rewritten for speed at 1M (see its comments) names exactly what its earlier form
    (kept in tests/fixtures/checks) named, on both engines, on graphs drawn at random (seeded)
    in the default graph alone, as both stores hold what these checks read."""
    from qgraph.ask.catalogue import reads_default_graph_only

    shipped = (ROOT / "queries" / "checks" / f"{name}-violation.rq").read_text(encoding="utf-8")
    reference = (COUNTER / f"{name}-{form}-form.rq").read_text(encoding="utf-8")
    assert shipped != reference and reads_default_graph_only(shipped) and reads_default_graph_only(reference)
    _same_answers(engine, shipped, reference, make, columns, union=False)


def _spread(rng, triples: list[str]) -> str:
    """``triples`` (N-Triples lines) as a TriG dataset of one to three document graphs, each
    triple in one or more of them (a node's type and label repeated in several documents, as
    in a corpus naming a nation in each)."""
    graphs: dict[int, list[str]] = {}
    for t in triples:
        for gi in rng.sample(range(3), rng.randint(1, 3)):
            graphs.setdefault(gi, []).append(t)
    return "\n".join(f"<https://w3id.org/qgraph/graph/doc-{gi}> {{\n" + "\n".join(body) + "\n}"
                     for gi, body in sorted(graphs.items()))


def _view_and_merge(trig: str, text: str) -> tuple[set, set]:
    """The rows of ``text`` (each as strings) on Oxigraph with the default graph read as the view
    of the union of the named graphs (the build's checks store) and on the merge copied into it
    (the query store elsewhere)."""
    import pyoxigraph as ox

    store = ox.Store()
    store.load(trig.encode("utf-8"), format=ox.RdfFormat.TRIG)

    def rows(union: bool) -> set:
        return {tuple("" if t is None else str(t) for t in s)
                for s in store.query(text, use_default_graph_as_union=union)}

    view = rows(True)
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    return view, rows(False)


@pytest.mark.parametrize("check", CHECKS, ids=lambda p: p.stem)
def test_shipped_check_names_the_same_on_the_view_of_the_union(check: Path):
    """The build asks qgraph's own checks of a store whose default graph is Oxigraph's view of
    the union, which repeats a triple stated in n graphs n times (no copy of the merge: 1M
    triples, 2.2 s and ~470 MiB less; qgraph.ask.catalogue.repeat_safe). Each names the same
    rows there as on the merge: on its counter-example spread over graphs (each triple in one
    to three of them) and on random graphs so spread. A check counting repeated rows would fail."""
    import random

    import pyoxigraph as ox

    from qgraph.ask.catalogue import _entry, repeat_safe

    text = check.read_text(encoding="utf-8")
    assert repeat_safe(_entry(check)), f"{check.name}: not among the checks shipped with the package"
    name = check.stem.removesuffix("-violation")
    rng = random.Random(15)
    if (COUNTER / f"{name}.ttl").exists():  # (a TriG counter-example is graph-local: no default graph read)
        lines = [str(t) + " ." for t in ox.parse(path=str(COUNTER / f"{name}.ttl"), format=ox.RdfFormat.TURTLE)]
        view, merge = _view_and_merge(_spread(rng, lines), text)
        assert merge and view == merge
    found = 0
    for _ in range(60):
        make = _random_labelled_graph if name == "duplicate-entity" else _random_default_graph
        lines = [str(t) + " ." for t in ox.parse(make(rng).encode("utf-8"), format=ox.RdfFormat.TURTLE)]
        view, merge = _view_and_merge(_spread(rng, lines), text)
        assert view == merge
        found += bool(merge)
    if name in ("duplicate-entity", "fact-without-evidence", "dangling-reference", "entity-without-label"):
        assert found >= 10, "the random datasets hold too few rows to compare"


def test_a_count_repeated_by_the_view_is_not_counted_twice(clean_corpus: Path):
    """A corpus's own check is asked of the merge (the build's checks store makes it then), so a
    count a repeated triple would change counts each triple once: a node labelled alike in
    several documents has one English label, not several. Fails where the build asks it of the
    view of the union (as it asks qgraph's own checks); the store the build hands back answers
    as the merge."""
    from qgraph.corpus.loading import load
    from qgraph.corpus.store import OxigraphStore
    from qgraph.pipeline import _check
    from qgraph.pipeline import check as run_check

    check = clean_corpus / "queries" / "checks" / "two-labels-violation.rq"
    check.parent.mkdir(parents=True, exist_ok=True)
    text = ("# A node has at most one English label.\n"
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
            "SELECT ?x (COUNT(?l) AS ?n) WHERE { ?x rdfs:label ?l FILTER(LANGMATCHES(LANG(?l), \"en\")) "
            "FILTER(STRSTARTS(STR(?x), \"https://w3id.org/qgraph/id/\")) } GROUP BY ?x HAVING (COUNT(?l) > 1)\n")
    check.write_text(text, encoding="utf-8")
    loaded = load(clean_corpus)
    assert OxigraphStore.union_view(loaded.quads, loaded.prefixes).query(text).rows, \
        "no node labelled in several documents: the view would count nothing twice"
    whole = run_check(clean_corpus)
    assert not [p for p in whole.problems if p.shape == "check:two-labels-violation"]
    _, settle = _check(clean_corpus, "oxigraph", "fast", None, beside=True)
    built = settle()
    assert not [p for p in built.problems if p.shape == "check:two-labels-violation"]
    assert sorted(built.problems, key=str) == sorted(whole.problems, key=str)
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert int(built.store.query(count).rows[0][0]) == int(whole.store.query(count).rows[0][0])


def _twin_and_query_rows(data: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """The fact-property check's rows on the TriG ``data``: worked out graph by graph in Python
    (qgraph.checks.facts, as the build's child does) and asked of Oxigraph (the query as shipped)."""
    import pyoxigraph as ox

    from qgraph.checks import facts

    text = (ROOT / "queries" / "checks" / f"{facts.NAME}.rq").read_text(encoding="utf-8")
    quads = list(ox.parse(data.encode("utf-8"), format=ox.RdfFormat.TRIG))
    graphs: dict[str, list] = {}
    for q in quads:
        if isinstance(q.graph_name, ox.NamedNode):
            graphs.setdefault(q.graph_name.value, []).append(q)
    twin = sorted((str(node), prop, g) for g, qs in graphs.items() for node, prop in facts.unsupported(qs))
    store = ox.Store()
    store.extend(quads)
    asked = sorted((str(s["node"]), s["property"].value, s["graph"].value) for s in store.query(text))
    return twin, asked


def test_fact_property_check_worked_out_in_python_answers_as_the_query():
    """qgraph.checks.facts (the build's child works the shipped fact-property check out so, a
    graph at a time, rather than the store holding its anti-join beside the JSON-LD pass) names
    exactly what the query names: on datasets drawn at random (seeded), on its counter-example,
    and on a dataset of the cases the random ones do not draw (a literal in qg:supports, a
    literal as evidence, a blank node with evidence, a fact in the default graph, evidence
    supporting qg:supports itself)."""
    import random

    from qgraph.checks import facts

    assert facts.applies((ROOT / "queries" / "checks" / f"{facts.NAME}.rq").read_text(encoding="utf-8"))
    assert not facts.applies((COUNTER / "fact-property-without-supporting-evidence-minus-last-form.rq")
                             .read_text(encoding="utf-8"))
    rng = random.Random(16)
    found = 0
    for _ in range(150):
        data = _random_fact_dataset(rng)
        twin, asked = _twin_and_query_rows(data)
        assert twin == asked, data
        found += bool(asked)
    assert found >= 10, "the random datasets hold too few rows to compare"
    twin, asked = _twin_and_query_rows((COUNTER / "fact-property-without-supporting-evidence.trig").read_text())
    assert twin == asked and len(asked) == 2
    qg, qgid, g = "https://w3id.org/qgraph/ontology#", "https://w3id.org/qgraph/id/", "https://w3id.org/qgraph/graph/"
    edge = f"""
    <{g}a> {{
      <{qgid}n1> <{qg}evidence> <{qgid}e1> ; <{qg}startDate> "2020" ; <{qg}member> <{qgid}n2> .
      <{qgid}e1> <{qg}supports> "{qg}startDate" , <{qg}supports> .
      <{qgid}n2> <{qg}evidence> "a literal" ; <{qg}member> <{qgid}n1> .
      _:b <{qg}evidence> <{qgid}e1> ; <{qg}member> <{qgid}n1> ; <{qg}supports> <{qg}member> .
      <{qgid}e2> <{qg}evidence> <{qgid}e2> ; <{qg}supports> <{qg}supports> .
    }}
    <{qgid}n1> <{qg}evidence> <{qgid}e1> ; <{qg}endDate> "2021" .
    """
    twin, asked = _twin_and_query_rows(edge)
    assert twin == asked and len(asked) == 4, asked  # n1 (twice), n2 and _:b; not e2, nor the default graph
