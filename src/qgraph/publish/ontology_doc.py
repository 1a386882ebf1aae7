"""The ontology's documentation: one HTML page (``dist/ontology.html``, served at ``/ontology``).

Header (title, description, version, licence, dates), namespaces, the class tree, the property
index, then each term: its label, IRI, definition, scope note, examples, domain and range (hard
``rdfs:domain``/``rdfs:range`` and soft ``schema:domainIncludes``/``rangeIncludes``), super- and
subterms, inverse, and **the SHACL shapes that constrain it** (node shapes that target the
class; property shapes whose path is the property), each with its severity and message.

Why not pyLODE: 3.4.1 (the current release) fails at import (it reads a ``pyproject.toml`` that
its wheel does not ship); 3.3.4 renders offline, but picks the document's ontology among the
``owl:Ontology``/``skos:ConceptScheme`` nodes in hash order (two runs, two pages), writes an
inline style sheet (the server's Content-Security-Policy forbids those) and knows nothing of
SHACL shapes.

The page carries one ``<style>`` element (the server allows exactly it by its hash, see
:data:`STYLE_HASH`) and no script; every value is HTML-escaped; deterministic (sorted).
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections import defaultdict
from typing import IO, Any

from qgraph.vocab import DCTERMS as DCT
from qgraph.vocab import ONTOLOGY_GRAPH, ONTOLOGY_IRI, OWL, QG, RDF, RDF_TYPE, RDFS, SCHEMA, SH, SKOS

DOC_FILE = "ontology.html"


STYLE = """body{margin:0 auto;max-width:1100px;padding:10px 28px 40px;font:15px/1.5 system-ui,"DejaVu Sans",sans-serif;color:#1d2330}
h1{font-size:28px}h2{border-bottom:1px solid #dde2ea;padding-bottom:4px;margin-top:36px}h3{margin:0;font-size:17px}
code,.iri{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:13px}.iri{color:#5d6676}
a{color:#2f6fb3;text-decoration:none}a:hover{text-decoration:underline}
section.term{border:1px solid #dde2ea;border-radius:8px;padding:12px 18px;margin:14px 0;background:#fff}
section.term:target{outline:2px solid #2f6fb3}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:3px 8px;border-bottom:1px solid #eef0f4}
th{width:150px;color:#5d6676;font-weight:600}ul.tree{list-style:none;padding-left:18px}ul.tree>li{margin:2px 0}
.sev{font-size:11.5px;border-radius:8px;padding:0 6px;border:1px solid #9aa6b8}.sev-Violation{background:#fde8e8}.sev-Warning{background:#fff7e0}
.kind{font-size:12px;color:#5d6676;margin-left:6px}.ext{color:#5d6676}body{background:#f6f7f9}
nav.toc a{margin-right:14px}"""
STYLE_HASH = "'sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode("ascii") + "'"

_DEF = (SKOS + "definition", RDFS + "comment")


def _esc(v: Any) -> str:
    return html.escape(str(v), quote=True)


class _Doc:
    def __init__(self, onto: Any, shapes: Any, prefixes: dict[str, str]) -> None:
        self.g, self.sh = onto, shapes
        self.prefixes = prefixes

    # ----------------------------------------------------------------- helpers
    def u(self, iri: str) -> Any:
        from rdflib import URIRef

        return URIRef(iri)

    def curie(self, iri: str) -> str:
        for p, ns in sorted(self.prefixes.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{p}:{iri[len(ns):]}"
        return iri

    def anchor(self, iri: str) -> str:
        return self.curie(iri).replace(":", "-") if not iri.startswith(QG) else iri[len(QG):]

    def own(self, iri: str) -> bool:
        return iri.startswith(QG)

    def ref(self, term: Any) -> str:
        from rdflib import BNode, URIRef

        if isinstance(term, URIRef):
            iri = str(term)
            if iri in self.terms:
                return f'<a href="#{_esc(self.anchor(iri))}"><code>{_esc(self.curie(iri))}</code></a>'
            return f'<code class="ext" title="{_esc(iri)}">{_esc(self.curie(iri))}</code>'
        if isinstance(term, BNode):
            from rdflib.collection import Collection

            union = self.g.value(term, self.u(OWL + "unionOf"))
            if union is not None:
                return " or ".join(self.ref(m) for m in Collection(self.g, union))
            return "<span class='ext'>(an anonymous class)</span>"
        return _esc(term)

    def refs(self, s: Any, p: str) -> str:
        """The values of ``p`` on ``s``, rendered, in the order of their rendering (blank nodes'
        labels change from run to run; their rendering does not)."""
        return ", ".join(sorted(self.ref(o) for o in self.g.objects(s, self.u(p))))

    def values(self, s: Any, p: str) -> list[Any]:
        return sorted(self.g.objects(s, self.u(p)), key=str)

    def text(self, s: Any, p: str) -> list[str]:
        vals = [v for v in self.g.objects(s, self.u(p)) if getattr(v, "language", None) in (None, "en")]
        return sorted(str(v) for v in vals)

    # ----------------------------------------------------------------- terms
    @property
    def terms(self) -> dict[str, str]:
        if not hasattr(self, "_terms"):
            kinds = {OWL + "Class": "class", RDFS + "Class": "class", OWL + "ObjectProperty": "object property",
                     OWL + "DatatypeProperty": "datatype property", OWL + "AnnotationProperty": "annotation property",
                     RDF + "Property": "property"}
            found: dict[str, str] = {}
            for kind_iri, kind in kinds.items():
                for s in self.g.subjects(self.u(RDF_TYPE), self.u(kind_iri)):
                    if str(s).startswith(QG) and str(s) not in found:
                        found[str(s)] = kind
            self._terms = dict(sorted(found.items()))
        return self._terms

    def shapes_for(self, iri: str, kind: str) -> list[tuple[str, str, str, str]]:
        """(shape IRI, severity, message, constraints) of the shapes that constrain ``iri``."""
        from rdflib import URIRef

        out = []
        sh = self.sh
        if kind == "class":  # the node shapes that target the class, and their property shapes
            shapes = set(sh.subjects(URIRef(SH + "targetClass"), URIRef(iri)))
            shapes |= {ps for n in list(shapes) for ps in sh.objects(n, URIRef(SH + "property"))}
        else:  # the shapes of its path, and those selecting the nodes that state it or it names
            shapes = set(sh.subjects(URIRef(SH + "path"), URIRef(iri)))
            shapes |= set(sh.subjects(URIRef(SH + "targetSubjectsOf"), URIRef(iri)))
            shapes |= set(sh.subjects(URIRef(SH + "targetObjectsOf"), URIRef(iri)))
        for s in shapes:
            if not isinstance(s, URIRef):  # a member of an sh:or or sh:not: shown with its named shape
                continue
            sev = str(sh.value(s, URIRef(SH + "severity")) or SH + "Violation").rsplit("#", 1)[-1]
            msg = next((str(m) for m in sh.objects(s, URIRef(SH + "message"))), "")
            cons = []
            for p, o in sorted(sh.predicate_objects(s), key=lambda po: (str(po[0]), str(po[1]))):
                lp = str(p)[len(SH):] if str(p).startswith(SH) else ""
                # every parameter of SHACL Core with one value (sh:minExclusive, sh:lessThanOrEquals,
                # sh:node… were left out of the summary)
                if lp in ("minCount", "maxCount", "datatype", "class", "nodeKind", "pattern", "flags", "hasValue",
                          "minInclusive", "maxInclusive", "minExclusive", "maxExclusive", "minLength", "maxLength",
                          "uniqueLang", "lessThan", "lessThanOrEquals", "equals", "disjoint", "node",
                          "targetSubjectsOf", "targetObjectsOf", "targetClass", "qualifiedMinCount",
                          "qualifiedMaxCount", "closed"):
                    cons.append(f"sh:{lp} {self.curie(str(o))}")
                elif lp in ("in", "languageIn"):
                    from rdflib.collection import Collection

                    cons.append(f"sh:{lp} ({' '.join(self.curie(str(m)) for m in Collection(sh, o))})")
                elif lp in ("or", "and", "xone", "not", "qualifiedValueShape"):
                    cons.append(f"sh:{lp} (…)")
            path = sh.value(s, URIRef(SH + "path"))
            if kind == "class" and isinstance(path, URIRef):
                cons.insert(0, f"sh:path {self.curie(str(path))}")
            owner = [self.curie(str(n)) for n in sh.subjects(URIRef(SH + "property"), s)]
            if owner and kind != "class":
                cons.append("in " + ", ".join(sorted(owner)))
            name = self.curie(str(s))
            out.append((name, sev, msg, "; ".join(cons)))
        return sorted(out)

    def term_section(self, iri: str, kind: str) -> str:
        s = self.u(iri)
        label = (self.text(s, RDFS + "label") or [self.curie(iri)])[0]
        rows = []

        def row(name: str, value: str) -> None:
            if value:
                rows.append(f"<tr><th>{_esc(name)}</th><td>{value}</td></tr>")

        row("IRI", f'<code class="iri">{_esc(iri)}</code>')
        row("definition", "<br>".join(_esc(t) for d in _DEF for t in self.text(s, d)))
        row("scope note", "<br>".join(_esc(t) for t in self.text(s, SKOS + "scopeNote")))
        row("example", "<br>".join(_esc(t) for t in self.text(s, SKOS + "example")))
        if kind == "class":
            row("subclass of", self.refs(s, RDFS + "subClassOf"))
            subs = sorted(str(x) for x in self.g.subjects(self.u(RDFS + "subClassOf"), s))
            row("subclasses", ", ".join(self.ref(self.u(x)) for x in subs))
            used = sorted({str(p) for p in self.g.subjects(self.u(RDFS + "domain"), s)}
                          | {str(p) for p in self.g.subjects(self.u(SCHEMA + "domainIncludes"), s)})
            row("properties", ", ".join(self.ref(self.u(x)) for x in used))
            into = sorted({str(p) for p in self.g.subjects(self.u(RDFS + "range"), s)}
                          | {str(p) for p in self.g.subjects(self.u(SCHEMA + "rangeIncludes"), s)})
            row("values of", ", ".join(self.ref(self.u(x)) for x in into))
        else:
            row("domain", self.refs(s, RDFS + "domain"))
            row("domain includes", self.refs(s, SCHEMA + "domainIncludes"))
            row("range", self.refs(s, RDFS + "range"))
            row("range includes", self.refs(s, SCHEMA + "rangeIncludes"))
            row("subproperty of", self.refs(s, RDFS + "subPropertyOf"))
            row("inverse of", self.refs(s, OWL + "inverseOf"))
            chars = [self.curie(str(t)) for t in self.values(s, RDF_TYPE)
                     if str(t) in (OWL + "FunctionalProperty", OWL + "TransitiveProperty", OWL + "SymmetricProperty")]
            row("characteristics", _esc(", ".join(chars)))
        shapes = self.shapes_for(iri, kind)
        row("shapes", "<ul>" + "".join(
            f'<li><code>{_esc(n)}</code> <span class="sev sev-{_esc(sev)}">{_esc(sev)}</span> {_esc(msg)}'
            f'{" <span class=kind>" + _esc(c) + "</span>" if c else ""}</li>' for n, sev, msg, c in shapes) + "</ul>"
            if shapes else "")
        return (f'<section class="term" id="{_esc(self.anchor(iri))}"><h3>{_esc(label)} '
                f'<span class="kind">{_esc(kind)} · <code>{_esc(self.curie(iri))}</code></span></h3>'
                f'<table>{"".join(rows)}</table></section>')

    def tree(self) -> str:
        classes = [i for i, k in self.terms.items() if k == "class"]
        parents: dict[str, list[str]] = defaultdict(list)
        roots = []
        for c in classes:
            sup = [str(o) for o in self.values(self.u(c), RDFS + "subClassOf") if str(o) in classes]
            for p in sup:
                parents[p].append(c)
            if not sup:
                roots.append(c)

        def branch(c: str, seen: frozenset[str]) -> str:
            kids = sorted(parents.get(c, []))
            inner = "".join(branch(k, seen | {c}) for k in kids if k not in seen)
            return f"<li>{self.ref(self.u(c))}{f'<ul class=tree>{inner}</ul>' if inner else ''}</li>"

        return "<ul class='tree'>" + "".join(branch(r, frozenset()) for r in sorted(roots)) + "</ul>"

    def page(self) -> str:
        o = self.u(ONTOLOGY_IRI)
        title = (self.text(o, DCT + "title") or ["qgraph ontology"])[0]
        meta = []
        for name, p in (("IRI", None), ("version", OWL + "versionInfo"), ("version IRI", OWL + "versionIRI"),
                        ("prior version", OWL + "priorVersion"), ("licence", DCT + "license"),
                        ("created", DCT + "created"), ("modified", DCT + "modified")):
            vals = [ONTOLOGY_IRI] if p is None else [str(v) for v in self.values(o, p)]
            if vals:
                meta.append(f"<tr><th>{_esc(name)}</th><td>{'<br>'.join(_esc(v) for v in vals)}</td></tr>")
        ns_rows = "".join(f"<tr><th><code>{_esc(p)}:</code></th><td><code>{_esc(ns)}</code></td></tr>"
                          for p, ns in sorted(self.prefixes.items()))
        props = [(i, k) for i, k in self.terms.items() if k != "class"]
        index = "".join(f"<li>{self.ref(self.u(i))} <span class='kind'>{_esc(k)}</span></li>" for i, k in props)
        classes = "".join(self.term_section(i, k) for i, k in self.terms.items() if k == "class")
        properties = "".join(self.term_section(i, k) for i, k in props)
        desc = "".join(f"<p>{_esc(d)}</p>" for d in self.text(o, DCT + "description"))
        n_classes = sum(1 for k in self.terms.values() if k == "class")
        return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(title)}</title>
<link rel="alternate" type="text/turtle" href="?format=turtle">
<link rel="icon" href="data:,">
<style>{STYLE}</style>
</head>
<body>
<h1>{_esc(title)}</h1>
{desc}
<nav class="toc"><a href="#metadata">Metadata</a><a href="#namespaces">Namespaces</a><a href="#class-tree">Class tree</a>
<a href="#property-index">Property index</a><a href="#classes">Classes ({n_classes})</a><a href="#properties">Properties ({len(props)})</a></nav>
<h2 id="metadata">Metadata</h2><table>{''.join(meta)}</table>
<h2 id="namespaces">Namespaces</h2><table>{ns_rows}</table>
<h2 id="class-tree">Class tree</h2>{self.tree()}
<h2 id="property-index">Property index</h2><ul class="tree">{index}</ul>
<h2 id="classes">Classes</h2>{classes}
<h2 id="properties">Properties</h2>{properties}
</body>
</html>
"""


def render(loaded: Any) -> bytes:
    """The documentation page of ``loaded``'s ontology, with the project's shapes."""
    from rdflib import Graph

    onto = loaded.graph(ONTOLOGY_GRAPH)
    shapes = Graph()
    shapes.parse(data=loaded.project.shapes_file.read_text(encoding="utf-8"), format="turtle")
    return _Doc(onto, shapes, dict(loaded.prefixes)).page().encode("utf-8")


def write_doc(loaded: Any):
    def job(fh: IO[bytes]) -> None:
        fh.write(render(loaded))
    return job
