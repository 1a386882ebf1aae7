"""loading.parse_file reads a Turtle file as TriG, its triples wrapped in one GRAPH block, when
that is sure to give the Turtle parser's quads (:func:`qgraph.corpus.loading.as_trig`): the quads
then come from the parser in their graph, with no second quad made of each (1M triples: load
2.2 -> 1.5 s). Everything else, and every error, goes to the Turtle parser."""

from pathlib import Path

import pyoxigraph as ox
import pytest

from qgraph.corpus import loading
from qgraph.errors import QgraphError

G = "https://w3id.org/qgraph/graph/doc"
HEAD = "# a comment\n@prefix ex: <http://example.org/> .\nPREFIX qg: <https://w3id.org/qgraph/ontology#>\n\n"


def _norm(quads: list) -> list:
    """The quads with blank nodes named by first appearance (a parse names them at random)."""
    ids: dict = {}

    def t(x):
        return ids.setdefault(x, f"_:{len(ids)}") if type(x) is ox.BlankNode else x

    return [(t(q.subject), q.predicate, t(q.object), q.graph_name) for q in quads]


def _by_turtle(path: Path, graph: str, rel: str):
    return loading._parse_turtle(path, graph, rel)


def _files(*roots: Path) -> list[Path]:
    files = [f for r in roots for f in sorted(r.rglob("*.ttl")) if ".qgraph-cache" not in f.parts]
    assert files, f"no Turtle files under {roots}"
    return files


def test_the_same_quads_as_the_turtle_parser_on_every_file(project_root: Path, synth_template: Path):
    """Every Turtle file of the project and of a synthetic corpus: the same quads, in the same
    order, in the same graph, with the same prefixes; the synthetic files all read as TriG."""
    taken = 0
    for path in _files(project_root / "data", project_root / "ontology", synth_template):
        data = path.read_bytes()
        quads, prefixes = loading.parse_file(path, G, path.name)
        ref, ref_prefixes = _by_turtle(path, G, path.name)
        assert _norm(quads) == _norm(ref), path
        assert prefixes == ref_prefixes, path
        if loading.as_trig(data, G) is not None:
            taken += 1
    synth = _files(synth_template / "data")
    assert all(loading.as_trig(p.read_bytes(), G) is not None for p in synth)
    assert taken >= len(synth)


def test_parse_file_does_not_call_the_turtle_parser_when_trig_will_do(synth_template: Path, monkeypatch):
    def refuse(*args):
        raise AssertionError("parsed as Turtle")

    monkeypatch.setattr(loading, "_parse_turtle", refuse)
    for path in _files(synth_template / "data"):
        quads, _ = loading.parse_file(path, G, path.name)
        assert quads and {q.graph_name for q in quads} == {ox.NamedNode(G)}


@pytest.mark.parametrize("body", [
    "ex:a ex:b ex:c",                       # no final '.': TriG lets it out inside a block
    "ex:a ex:b ex:c # the end.",            # the last '.' in a comment
    "ex:a ex:b ex:c .\n# done",             # a comment on the last line
    "ex:a ex:b ex:c . } GRAPH <http://example.org/g> { ex:d ex:e ex:f .",  # a brace ends the block
    "ex:a ex:b ex:c .\n@prefix ex: <http://example.net/> .\nex:a ex:b ex:c .",
    "ex:a ex:b ex:c .\nPREFIX ex: <http://example.net/>\nex:a ex:b ex:c .",
    "ex:a ex:b ex:c .\nprefix # a comment between\n ex: <http://example.net/>\nex:a ex:b ex:c .",
    "ex:a ex:b ex:c .\nBASE <http://example.net/>\n<a> ex:b ex:c .",
    "ex:a ex:b ex:c .\n@base <http://example.net/> .\n<a> ex:b ex:c .",
    'ex:a ex:b "a {brace} in a string" .',
    'ex:a ex:b "the industrial base" .',
])
def test_not_sure_goes_to_the_turtle_parser(tmp_path: Path, body: str):
    """What TriG could read otherwise than Turtle is not read as TriG: the Turtle parser's quads,
    or its error, as before."""
    path = tmp_path / "doc.ttl"
    path.write_text(HEAD + body + "\n", encoding="utf-8")
    assert loading.as_trig(path.read_bytes(), G) is None
    try:
        ref = _norm(_by_turtle(path, G, "data/doc.ttl")[0])
    except QgraphError as e:
        with pytest.raises(QgraphError) as got:
            loading.parse_file(path, G, "data/doc.ttl")
        assert str(got.value) == str(e)
    else:
        assert _norm(loading.parse_file(path, G, "data/doc.ttl")[0]) == ref


@pytest.mark.parametrize("text", [
    HEAD + "ex:a ex:b ex:c .\nex:a ex:b [ ex:c 1.5 ; ex:d ( 1 2 ) ] .\n[] ex:e _:x .\n_:x ex:f 'x'@en-GB .\n",
    "BASE <http://example.org/>\n@prefix ex: <http://example.org/> . # mixed spellings\n<a> ex:b <c> .\n",
    HEAD.replace("\n", "\r\n") + "ex:a ex:b ex:c .\r\n",
    HEAD,                                    # a head alone
    "",                                      # an empty file
    "<http://example.org/a> <http://example.org/b> 'no head' .",  # no head at all, no final newline
    HEAD + 'ex:a ex:b """a long\nstring, with a # in it,\nand a . too""" .\n',
    HEAD + "ex:a ex:b ex:database, ex:prefixed, ex:base-line .\n",
])
def test_trig_gives_the_turtle_quads(tmp_path: Path, text: str):
    path = tmp_path / "doc.ttl"
    path.write_bytes(text.encode("utf-8"))
    assert loading.as_trig(path.read_bytes(), G) is not None
    quads, prefixes = loading.parse_file(path, G, "data/doc.ttl")
    ref, ref_prefixes = _by_turtle(path, G, "data/doc.ttl")
    assert _norm(quads) == _norm(ref) and prefixes == ref_prefixes
    assert all(q.graph_name == ox.NamedNode(G) for q in quads)


@pytest.mark.parametrize("body, line", [
    ("ex:a ex:b ex:c .\nex:d ex:e .", 6),              # an object missing
    ("ex:a ex:b ex:c .\nex:d ex:e 'open .", 6),       # a string not closed
    ("ex:a ex:b ex:c .\nnope:d ex:e ex:f .", 6),       # an unknown prefix
    ("ex:a ex:b <not an iri> .", 5),
])
def test_errors_are_the_turtle_parsers(tmp_path: Path, body: str, line: int):
    """A file read as TriG that does not parse: the error (file, line, column, words) is the
    Turtle parser's, with the line of the file as written."""
    path = tmp_path / "doc.ttl"
    path.write_text(HEAD + body, encoding="utf-8")
    assert loading.as_trig(path.read_bytes(), G) is not None
    with pytest.raises(QgraphError) as ref:
        _by_turtle(path, G, "data/doc.ttl")
    with pytest.raises(QgraphError) as got:
        loading.parse_file(path, G, "data/doc.ttl")
    assert str(got.value) == str(ref.value)
    assert str(got.value).startswith(f"data/doc.ttl:{line}: "), got.value


def test_not_utf8_is_the_turtle_parsers_error(tmp_path: Path):
    path = tmp_path / "doc.ttl"
    path.write_bytes(HEAD.encode() + b"ex:a ex:b '\xff' .\n")
    with pytest.raises(QgraphError) as ref:
        _by_turtle(path, G, "data/doc.ttl")
    with pytest.raises(QgraphError) as got:
        loading.parse_file(path, G, "data/doc.ttl")
    assert str(got.value) == str(ref.value)
