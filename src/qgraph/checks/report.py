"""Problems found by the checks, where they are in the files, and how they are printed.

A :class:`Problem` is one finding (SHACL result, evidence check, violation query) with the
file and line it points at. :func:`locate` finds the line of a node (its ``<IRI>`` or any
prefixed name for it) or of a quoted passage in a Turtle file.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Iterable

from qgraph.vocab import CHECK
from qgraph.vocab import SH as SH_NS

SEVERITIES = ("Violation", "Warning", "Info")
CHECK_NS = CHECK


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

    def sort_key(self) -> tuple:
        """An order for any problems (fields that may be ``None`` compare as empty)."""
        return tuple(-1 if v is None and k == "line" else ("" if v is None else v)
                     for k, v in ((k, getattr(self, k)) for k in self.__dataclass_fields__))

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
        if self.value is not None and self.value not in self.message:
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
    """1-based line of the first token written as a subject (line start), else anywhere."""
    pats = [re.compile(r"(?<![\w:/#.\-])" + re.escape(t) + r"(?![\w:%\-]|\.[\w\-])") for t in tokens]
    if prefer_subject:
        for i, line in enumerate(lines, 1):
            for p in pats:
                m = p.search(line)
                if m and not line[: m.start()].strip():
                    return i
    for i, line in enumerate(lines, 1):
        if any(p.search(line) for p in pats):
            return i
    return None


def locate_quote(lines: list[str], exact: str) -> int | None:
    """1-based line of the literal holding ``exact`` (matched on its first words)."""
    words = exact.split()
    if not words:
        return None
    head = []
    for w in words:
        if '"' in w or "\\" in w:
            break
        head.append(w)
        if len(" ".join(head)) > 40:
            break
    needle = " ".join(head) if head else None
    if not needle:
        return None
    for i, line in enumerate(lines, 1):
        if needle in line:
            return i
    # the literal may be wrapped; try the first word or two
    short = " ".join(head[:2])
    for i, line in enumerate(lines, 1):
        if '"' in line and short in line:
            return i
    return None


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


def format_turtle(problems: list[Problem], prefixes: dict[str, str]) -> str:
    """A SHACL ``sh:ValidationReport`` (SHACL 1.0, section 3.6; checks beyond SHACL use shapes
    and a constraint component under ``check#``).

    ``sh:conforms`` is false whenever there is a result, warnings included (the specification's
    rule; qgraph's exit code still lets warnings pass); every result has its
    ``sh:sourceConstraintComponent``, ``sh:focusNode`` and ``sh:sourceShape`` (a blank node for a
    shape without IRI); results that differ only in their component stay apart; messages keep
    their language tag."""
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
        if p.file:
            g.add((r, URIRef(CHECK_NS + "file"), Literal(p.file)))
        if p.line:
            g.add((r, URIRef(CHECK_NS + "line"), Literal(p.line, datatype=XSD.integer)))
    return g.serialize(format="longturtle", canon=True)


def _key(p: Problem) -> tuple:
    return (SEVERITIES.index(p.severity) if p.severity in SEVERITIES else 9, p.file or "~", p.line or 0, p.shape,
            p.focus or "", p.message, p.component or "")
