"""Read the ontology and every data file, one named graph per file.

Each file is parsed with pyoxigraph's strict Turtle parser (its errors carry line and column,
reported as ``data/x.ttl:12: …``). The result, :class:`Loaded`, holds the quads and hands out
an rdflib ``Dataset`` or an rdflib union ``Graph`` when a step needs one (SHACL, exports).

Graph names: ``https://w3id.org/qgraph/graph/<stem>`` for ``data/<stem>.ttl`` and
``https://w3id.org/qgraph/graph/ontology`` for the ontology files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from qgraph.errors import QgraphError

GRAPH_NS = "https://w3id.org/qgraph/graph/"
ONTOLOGY_GRAPH = GRAPH_NS + "ontology"
QG = "https://w3id.org/qgraph/ontology#"
QGID = "https://w3id.org/qgraph/id/"

def project_prefixes() -> dict[str, str]:
    """The project's prefix map (prefix → namespace IRI), from :mod:`qgraph.namespaces`."""
    from qgraph.namespaces import PREFIXES

    return dict(PREFIXES)


@dataclass
class SourceFile:
    """One parsed file: where it is, which graph it fills, the prefixes it declares."""

    path: Path
    rel: str
    graph: str
    stem: str | None  # the document id for data files, None for ontology files
    prefixes: dict[str, str] = field(default_factory=dict)
    triples: int = 0

    @cached_property
    def lines(self) -> list[str]:
        return self.path.read_text(encoding="utf-8").splitlines()


@dataclass
class Loaded:
    """The loaded project: files and quads (pyoxigraph terms), with rdflib views on demand."""

    root: Path
    files: list[SourceFile]
    quads: list[Any]
    prefixes: dict[str, str]

    @property
    def data_files(self) -> list[SourceFile]:
        return [f for f in self.files if f.stem is not None]

    @property
    def documents(self) -> list[str]:
        return [f.stem for f in self.data_files if f.stem]

    def file_for_graph(self, graph: str) -> list[SourceFile]:
        return [f for f in self.files if f.graph == graph]

    @cached_property
    def dataset(self) -> Any:
        """An rdflib ``Dataset`` (default graph = union) with one named graph per file."""
        from rdflib import Dataset, URIRef
        from rdflib.namespace import NamespaceManager

        from qgraph.terms import to_rdflib

        ds = Dataset(default_union=True)
        ds.namespace_manager = NamespaceManager(ds, bind_namespaces="none")
        for p, ns in self.prefixes.items():
            ds.bind(p, ns, override=True, replace=True)
        graphs: dict[str, Any] = {}
        for q in self.quads:
            name = q.graph_name.value
            g = graphs.get(name)
            if g is None:
                g = graphs[name] = ds.graph(URIRef(name))
            g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
        return ds

    @cached_property
    def union(self) -> Any:
        """An rdflib ``Graph`` with every triple of data and ontology (for SHACL)."""
        from rdflib import Graph

        g = Graph(bind_namespaces="none")
        for p, ns in self.prefixes.items():
            g.bind(p, ns, override=True, replace=True)
        for t in self.dataset.triples((None, None, None)):
            g.add(t)
        return g

    def graph(self, name: str) -> Any:
        from rdflib import URIRef

        return self.dataset.graph(URIRef(name))


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def parse_file(path: Path, graph: str, rel: str) -> tuple[list[Any], dict[str, str]]:
    """Parse one Turtle file into quads of ``graph``; a syntax error becomes ``rel:line: …``."""
    import pyoxigraph as ox

    try:
        parser = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, rename_blank_nodes=True)
        g = ox.NamedNode(graph)
        quads = [ox.Quad(q.subject, q.predicate, q.object, g) for q in parser]
        return quads, dict(parser.prefixes)
    except SyntaxError as e:
        line = e.lineno if e.lineno else None
        msg = str(e.msg if hasattr(e, "msg") and e.msg else e)
        msg = re.sub(r"^Parser error at line \d+ between columns \d+ and \d+: ", "", msg)
        msg = re.sub(r"^Parser error at line \d+ column \d+: ", "", msg)
        where = f"{rel}:{line}" if line else rel
        col = f" (column {e.offset})" if e.offset else ""
        raise QgraphError(f"{where}: Turtle syntax error{col}: {msg}") from None
    except UnicodeDecodeError as e:
        raise QgraphError(f"{rel}: not UTF-8 text ({e.reason})") from None
    except OSError as e:
        raise QgraphError(f"{rel}: cannot read: {e.strerror or e}") from None


def load(root: Path | str | None = None) -> Loaded:
    """Parse the ontology and all ``data/*.ttl`` of the project at ``root``.

    Raises :class:`~qgraph.errors.QgraphError` (one line, ``file:line``) on a missing or
    malformed file.
    """
    from qgraph import paths

    root = Path(root) if root is not None else paths.project_root()
    ontology_dir = root / "ontology"
    data_dir = root / "data"
    files: list[SourceFile] = []
    quads: list[Any] = []
    for name in paths.ONTOLOGY_FILES:
        p = ontology_dir / name
        rel = _display(p, root)
        if not p.is_file():
            raise QgraphError(f"{rel}: missing (the ontology files are {', '.join(paths.ONTOLOGY_FILES)})")
        q, prefixes = parse_file(p, ONTOLOGY_GRAPH, rel)
        files.append(SourceFile(p, rel, ONTOLOGY_GRAPH, None, prefixes, len(q)))
        quads.extend(q)
    data = sorted(data_dir.glob("*.ttl"))
    if not data:
        raise QgraphError(f"{_display(data_dir, root)}: no data files (*.ttl) found")
    for p in data:
        rel = _display(p, root)
        stem = p.stem
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", stem):
            raise QgraphError(f"{rel}: a document id must be lower-case words joined by '-'")
        graph = GRAPH_NS + stem
        q, prefixes = parse_file(p, graph, rel)
        files.append(SourceFile(p, rel, graph, stem, prefixes, len(q)))
        quads.extend(q)
    return Loaded(root=root, files=files, quads=quads, prefixes=project_prefixes())
