"""Problems found by the checks, where they are in the files, and how they are printed.

A :class:`Problem` is one finding (SHACL result, evidence check, violation query) with the
file and line it points at. :func:`locate` finds the line of a node (its ``<IRI>`` or any
prefixed name for it) or of a quoted passage in a Turtle file.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any, Iterable

from qgraph.vocab import CHECK, OA, XSD_STRING
from qgraph.vocab import SH as SH_NS

SEVERITIES = ("Violation", "Warning", "Info")
CHECK_NS = CHECK
OA_NS = OA
OA_EXACT = OA + "exact"


@dataclass(frozen=True, order=True)
class Problem:
    """One finding. ``severity`` is ``Violation`` (fails the build), ``Warning`` or ``Info``."""

    file: str | None
    line: int | None
    severity: str
    shape: str
    focus: str | None
    path: str | None
    message: str
    value: str | None = None
    #: the SHACL constraint component (``sh:MinCountConstraintComponent``), for the Turtle report
    component: str | None = None
    #: the language tag of ``message`` (``en`` for a shape's ``sh:message "…"@en``)
    lang: str | None = None
    #: ``value`` as an N-Triples term (a blank node by the label the exports give it), for the
    #: Turtle report's ``sh:value`` (SHACL 1.0 §3.6.2.4), which no result carried
    value_term: str | None = None

    def sort_key(self) -> tuple:
        """An order for any problems: the fields in order, ``None`` compared as empty (a line as
        -1). Spelt out field by field (tests/test_reports.py holds it to every field): a loop over
        the fields took ~20 ms of each ``qgraph validate`` at 1M, sorting 2,000 problems thrice."""
        return ("" if self.file is None else self.file, -1 if self.line is None else self.line,
                "" if self.severity is None else self.severity, "" if self.shape is None else self.shape,
                "" if self.focus is None else self.focus, "" if self.path is None else self.path,
                "" if self.message is None else self.message, "" if self.value is None else self.value,
                "" if self.component is None else self.component, "" if self.lang is None else self.lang,
                "" if self.value_term is None else self.value_term)

    @property
    def where(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}"
        return self.file or self.focus or "(project)"

    def text(self) -> str:
        """``data/x.ttl:12: Violation [shape] focus path: message``."""
        bits = [f"{self.where}: {self.severity}", f"[{self.shape}]"]
        if self.focus and self.focus != self.where:
            bits.append(self.focus)
        if self.path:
            bits.append(self.path)
        text = " ".join(bits) + f": {self.message}"
        # a node shape's result names its focus as its value (sh:or, sh:node): said once
        if self.value is not None and self.value not in self.message and self.value != self.focus:
            text += f" (value: {self.value})"
        return text


def node_tokens(iri: str, prefixes: dict[str, str]) -> list[str]:
    """Ways a file may write ``iri``: ``<iri>`` and ``p:local`` for each declared prefix."""
    tokens = [f"<{iri}>"]
    for p, ns in prefixes.items():
        if ns and iri.startswith(ns) and len(iri) > len(ns):
            tokens.append(f"{p}:{iri[len(ns):]}")
    return tokens


def locate(lines: list[str], tokens: Iterable[str], prefer_subject: bool = True) -> int | None:
    """1-based line of the first token written as a subject: at the start of a line, one at its
    first column first (an object of a list is indented on its own line: an evidence node named
    in a ``qg:evidence`` list before its own description was located at that list), else
    anywhere.

    A token counts where it stands alone: :data:`TOKEN_PATTERN` says what may not touch it
    (:func:`_find` applies it without compiling a pattern per token: that compiling was most of
    locating two thousand SHACL results)."""
    tokens = list(tokens)
    if prefer_subject:
        for i, line in enumerate(lines, 1):
            for t in tokens:
                if line.startswith(t) and _find(line, t) == 0:
                    return i
        for i, line in enumerate(lines, 1):
            for t in tokens:
                at = _find(line, t)
                if at != -1 and not line[:at].strip():
                    return i
    for i, line in enumerate(lines, 1):
        if any(_find(line, t) != -1 for t in tokens):
            return i
    return None


#: what :func:`locate` looks for, as a pattern (the reference :func:`_find` is held to)
TOKEN_PATTERN = r"(?<![\w:/#.\-]){token}(?![\w:%\-]|\.[\w\-])"
_NOT_BEFORE = frozenset(":/#.-")
_NOT_AFTER = frozenset(":%-")


def _find(line: str, token: str) -> int:
    """Where :data:`TOKEN_PATTERN` with ``token`` (escaped) first matches in ``line``; -1 if
    nowhere. A word character is one that ``isalnum()``, or ``_``, as for ``re``."""
    n, size = len(token), len(line)
    i = line.find(token)
    while i != -1:
        c = line[i - 1] if i else ""
        if not c or not (c.isalnum() or c == "_" or c in _NOT_BEFORE):
            j = i + n
            if j >= size:
                return i
            c = line[j]
            if not (c.isalnum() or c == "_" or c in _NOT_AFTER):
                if c != "." or j + 1 >= size or not (line[j + 1].isalnum() or line[j + 1] in "_-"):
                    return i
        i = line.find(token, i + 1)
    return -1


# Turtle tokens that matter for finding a literal: comments, IRIs, the four kinds of string,
# punctuation and names (prefixed names, keywords). A literal's line is where its token starts.
_TOKEN = re.compile(r"""
    (?P<comment>\#[^\n]*)
  | (?P<iri><[^<>"{}|^`\\\s]*>)
  | (?P<long>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'\'\'(?:[^'\\]|\\.|'(?!''))*'\'\')
  | (?P<short>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<name>[^\s;,\[\]()"'<>\#]+)
  | (?P<punct>[;,\[\]()])
""", re.VERBOSE | re.DOTALL)
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape(body: str) -> str:
    def one(m: re.Match) -> str:
        if m.group(1) or m.group(2):
            return chr(int(m.group(1) or m.group(2), 16))
        return _ECHAR.get(m.group(3), m.group(0))

    return _ESCAPE.sub(one, body) if "\\" in body else body


def string_literals(text: str) -> list[tuple[int, str, str]]:
    """Every string literal of a Turtle text: ``(line, value, predicate)``, in file order.

    ``predicate`` is the name or ``<IRI>`` written before the literal (skipping ``,`` of an
    object list), as the file writes it. Values are unescaped as the parser does.

    >>> string_literals("x:a x:p 'one' ;\\n  x:q 't\\\\'wo', 'z' .")
    [(1, 'one', 'x:p'), (2, "t'wo", 'x:q'), (2, 'z', 'x:q')]
    """
    out: list[tuple[int, str, str]] = []
    line, last, predicate = 1, 0, ""
    for m in _TOKEN.finditer(text):
        line += text.count("\n", last, m.start())
        last = m.start()
        kind = m.lastgroup
        if kind in ("long", "short"):
            k = 3 if kind == "long" else 1
            out.append((line, _unescape(m.group()[k:-k]), predicate))
        elif kind in ("name", "iri"):
            predicate = m.group()
        elif kind == "punct" and m.group() != ",":
            predicate = ""
    return out


def locate_quote(lines: list[str], exact: str, prefixes: dict[str, str] | None = None,
                 after: int | None = None) -> int | None:
    """1-based line of the ``oa:exact`` literal whose value is ``exact``.

    The file's own string literals are read (not searched for the words), so a description that
    repeats the quote's words, or the header comment, is never taken for it. When the same
    quote is the ``oa:exact`` of several selectors in the file, the first at or after line
    ``after`` (the evidence node's own line) is taken. ``None`` when the file has no such
    literal (then the caller falls back to the evidence node's line).
    """
    names = {"<" + OA_EXACT + ">"}
    names |= {f"{p}:exact" for p, ns in (prefixes or {"oa": OA_NS}).items() if ns == OA_NS}
    lits = _literals(tuple(lines))
    hits = [ln for ln, value, pred in lits if value == exact and pred in names]
    if not hits:
        hits = [ln for ln, value, _ in lits if value == exact]
    if not hits:
        return None
    if after is not None:
        later = [ln for ln in hits if ln >= after]
        if later:
            return later[0]
    return hits[0]


@lru_cache(maxsize=32)
def _literals(lines: tuple[str, ...]) -> list[tuple[int, str, str]]:
    return string_literals("\n".join(lines))


def counts(problems: Iterable[Problem]) -> dict[str, int]:
    c = {s: 0 for s in SEVERITIES}
    for p in problems:
        c[p.severity] = c.get(p.severity, 0) + 1
    return c


def conforms(problems: Iterable[Problem]) -> bool:
    return not any(p.severity == "Violation" for p in problems)


def format_text(problems: list[Problem]) -> str:
    c = counts(problems)
    lines = [p.text() for p in sorted(problems, key=_key)]
    verdict = "conforms" if c["Violation"] == 0 else "does not conform"
    lines.append(f"{verdict}: {c['Violation']} violation(s), {c['Warning']} warning(s), {c['Info']} info")
    return "\n".join(lines) + "\n"


def format_json(problems: list[Problem]) -> str:
    doc = {
        "conforms": conforms(problems),
        "counts": counts(problems),
        "problems": [asdict(p) for p in sorted(problems, key=_key)],
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def format_json_error(message: str) -> str:
    """The JSON report of a check that could not run (a Turtle syntax error, a missing file):
    ``conforms`` false, no problems, and ``error`` with the message and, when it names them,
    the file and line. So ``--format json`` always prints JSON, whatever happens.

    >>> import json
    >>> json.loads(format_json_error("data/x.ttl:12: Turtle syntax error (column 5): oops"))["error"]["line"]
    12
    """
    m = re.match(r"^([^\s:][^:]*?)(?::(\d+))?: ", message)
    doc = {
        "conforms": False,
        "counts": counts([]),
        "problems": [],
        "error": {"message": message, "file": m.group(1) if m else None,
                  "line": int(m.group(2)) if m and m.group(2) else None},
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def format_turtle(problems: list[Problem], prefixes: dict[str, str]) -> str:
    """A SHACL ``sh:ValidationReport`` (SHACL 1.0, section 3.6; checks beyond SHACL use shapes
    and a constraint component under ``check#``).

    ``sh:conforms`` is false whenever there is a result, warnings included (the specification's
    rule; qgraph's exit code still lets warnings pass); every result has its
    ``sh:sourceConstraintComponent``, ``sh:focusNode`` and ``sh:sourceShape`` (a blank node for a
    shape without IRI); results that differ only in their component stay apart; messages keep
    their language tag."""
    return _report_graph(problems, prefixes).serialize(format="longturtle", canon=True)


def format_jsonld(problems: list[Problem], prefixes: dict[str, str]) -> str:
    """The same SHACL ``sh:ValidationReport`` as :func:`format_turtle`, as JSON-LD compacted
    with a context of the report's prefixes (``sh:``, ``check:`` and the project's)."""
    import json as _json

    g = _report_graph(problems, prefixes)
    context = {p: ns for p, ns in sorted(g.namespaces()) if p}
    context["sh"] = SH_NS
    context["check"] = CHECK_NS
    doc = _json.loads(g.serialize(format="json-ld", context=context, auto_compact=True))
    graph = doc.get("@graph")
    if isinstance(graph, list):  # rdflib lists nodes in store order: sort them (deterministic)
        graph.sort(key=lambda n: (n.get("@type") != "sh:ValidationReport", _bnode_order(str(n.get("@id")))))
        for node in graph:
            if isinstance(node.get("sh:result"), list):
                node["sh:result"].sort(key=lambda r: _bnode_order(str(r.get("@id"))))
    return _json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _bnode_order(node_id: str) -> tuple:
    """``_:r10`` after ``_:r9`` (the results' blank nodes are numbered in report order)."""
    m = re.fullmatch(r"_:r(\d+)", node_id)
    return (0, int(m.group(1)), "") if m else (1, 0, node_id)


def _report_graph(problems: list[Problem], prefixes: dict[str, str]):
    from rdflib import BNode, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import RDF, XSD

    from qgraph.corpus.terms import expand

    SH = Namespace(SH_NS)
    names = {**prefixes, "check": CHECK_NS, "sh": SH_NS}
    g = Graph(bind_namespaces="none")
    for p, ns in prefixes.items():
        g.bind(p, ns)
    g.bind("check", CHECK_NS)
    g.bind("sh", SH_NS)
    report = BNode("report")
    g.add((report, RDF.type, SH.ValidationReport))
    g.add((report, SH.conforms, Literal(not problems)))
    for i, p in enumerate(sorted(problems, key=_key)):
        r = BNode(f"r{i}")
        g.add((r, RDF.type, SH.ValidationResult))
        g.add((report, SH.result, r))
        g.add((r, SH.resultSeverity, SH[p.severity]))
        g.add((r, SH.resultMessage, Literal(p.message, lang=p.lang or None)))
        component = expand(p.component, names) if p.component else CHECK_NS + "CheckConstraintComponent"
        g.add((r, SH.sourceConstraintComponent, URIRef(component or p.component)))
        shape = expand(p.shape, names)
        g.add((r, SH.sourceShape, URIRef(shape) if shape else BNode(f"r{i}-shape")))
        focus = expand(p.focus, prefixes) if p.focus else None
        g.add((r, SH.focusNode, URIRef(focus) if focus else BNode(f"r{i}-focus")))
        path = expand(p.path, prefixes) if p.path else None
        if path:
            g.add((r, SH.resultPath, URIRef(path)))
        if p.value_term:
            g.add((r, SH.value, _value_term(p.value_term)))
        if p.file:
            g.add((r, URIRef(CHECK_NS + "file"), Literal(p.file)))
        if p.line:
            g.add((r, URIRef(CHECK_NS + "line"), Literal(p.line, datatype=XSD.integer)))
    return g


def _value_term(text: str) -> Any:
    """The rdflib term of a problem's ``value_term`` (N-Triples; ``_:label`` a blank node)."""
    from rdflib import BNode

    from qgraph.corpus.terms import from_ntriples, to_rdflib

    if text.startswith("_:"):
        return BNode(text[2:])
    return to_rdflib(from_ntriples(text))


def _key(p: Problem) -> tuple:
    return (SEVERITIES.index(p.severity) if p.severity in SEVERITIES else 9, p.file or "~", p.line or 0, p.shape,
            p.focus or "", p.message, p.component or "")


def shown(loaded: Any, term: Any, prefixes: dict[str, str]) -> str:
    """A term of a problem as reports show it (:func:`qgraph.corpus.terms.display`), a blank
    node by the label the exports give it (:meth:`qgraph.corpus.loading.Loaded.blank_label`):
    the same at every run, where its parse gives it a new one (two validations of the same files
    printed two reports)."""
    from qgraph.corpus.terms import display, is_blank

    if is_blank(term) and hasattr(loaded, "blank_label"):
        label = loaded.blank_label(term)
        if label is not None:
            return f"_:{label}"
    return display(term, prefixes)


def where(loaded: Any, focus: Any, path: Any = None, value: Any = None,
          graph: str | None = None) -> tuple[str | None, int | None]:
    """The file and line that describe ``focus`` (a triple with ``path``/``value`` first; in
    the file of ``graph``, a graph IRI, where that file describes it).

    Looks the node up in :attr:`Loaded.node_files` and reads only those files' quads: asking
    every file's rdflib graph took minutes for 25k problems in a project of 2,500 files.
    The terms: rdflib's or pyoxigraph's."""
    import pyoxigraph as ox

    from qgraph.corpus.terms import is_blank, is_iri, lexical, text_of, to_oxigraph

    if focus is None:
        return None, None
    node = to_oxigraph(focus)
    files = loaded.node_files.get(node, [])
    if graph is not None:
        files = [f for f in files if f.graph == graph] or files
    if is_blank(focus):
        for f in files:
            quads = loaded.quads_of(f)
            exact = next((q.object for q in quads if q.subject == node and q.predicate.value == OA + "exact"), None)
            parent = next((q.subject for q in quads if q.object == node and type(q.subject) is ox.NamedNode), None)
            if exact is not None:
                own = locate(f.lines, node_tokens(parent.value, f.prefixes)) if parent is not None else None
                line = locate_quote(f.lines, exact.value, f.prefixes, own)
                if line:
                    return f.rel, line
            if parent is not None:
                return f.rel, locate(f.lines, node_tokens(parent.value, f.prefixes))
            return f.rel, None
        return None, None
    if not files:
        return None, None
    if len(files) == 1:  # nothing to rank (most nodes: ranking cost a pass over the files per problem)
        return files[0].rel, locate(files[0].lines, node_tokens(text_of(focus), files[0].prefixes))
    p = text_of(path) if is_iri(path) else None
    o = None
    if p is not None and value is not None:
        o = to_oxigraph(value)
        if type(value) is ox.Literal and not value.language and value.datatype.value != XSD_STRING:
            o = ox.Literal(lexical(value), datatype=value.datatype)  # in rdflib's normal form, as an rdflib term is
    order = {id(f): k for k, f in enumerate(loaded.data_files + [f for f in loaded.files if f.stem is None])}
    candidates = []
    for f in files:
        score = 0
        if p is not None:
            for q in loaded.quads_of(f):
                if q.subject == node and q.predicate.value == p:
                    score = max(score, 2 if o is not None and q.object == o else 1)
        candidates.append((-score, order.get(id(f), len(order)), f.rel))
    best = min(candidates)
    f = next(f for f in files if f.rel == best[2])
    return f.rel, locate(f.lines, node_tokens(text_of(focus), f.prefixes))
