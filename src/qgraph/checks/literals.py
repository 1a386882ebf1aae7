"""The ingest gate: every literal typed with an XSD datatype holds a value of that datatype.

``"2026-02-30"^^xsd:date``, ``"2e9"^^xsd:decimal``, ``"NaN"^^xsd:decimal``, ``"many"^^xsd:integer``
or ``"25:00:00"^^xsd:time`` is an *ill-typed* literal: its lexical form is not in the lexical
space of its datatype (RDF 1.1 Concepts, 3.3). Such a value is a violation wherever it appears,
whether or not a shape names its property, and it is reported once, as written in the file
(``data/x.ttl:12: Violation [check:ill-typed-literal] … (value: "2e9"^^xsd:decimal)``).

The datatypes are those RDF 1.1 lists as usable XSD datatypes; their lexical spaces and value
ranges are checked by ``xmlschema``'s XSD 1.1 built-in types (a maintained XSD implementation).
Only the plainest forms of the commonest types are accepted before it is asked
(:func:`_plainly_valid`: ``2012-07-02`` as a date, ``2012`` as a year, ``12`` as an integer,
which its types accept too, as tests/test_kept_store.py checks over thousands of forms): its
types take 0.2 s to load, most of ``qgraph validate`` after an edit. Every other form, and
every form those reject, is xmlschema's to judge. An IRI in the XSD namespace that is not one of them
(``xsd:strng``) is reported as an unknown datatype. Literals of other datatypes (``rdf:langString``,
``geo:wktLiteral``, the project's own) pass untouched.

Both validators get the data without the ill-typed literals (:func:`check` returns them) and
their SHACL results about the same node and property are dropped, so the two agree, a value is
reported once, and rdflib (pySHACL's engine) never sees a literal it cannot convert.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from qgraph.checks.report import Problem, locate, node_tokens
from qgraph.vocab import XSD

SHAPE = "check:ill-typed-literal"

#: the XSD datatypes RDF 1.1 admits (RDF 1.1 Concepts and Abstract Syntax, section 5.1)
RDF_XSD_TYPES = frozenset("""
    string boolean decimal integer double float date time dateTime dateTimeStamp gYear gMonth gDay
    gYearMonth gMonthDay duration yearMonthDuration dayTimeDuration byte short int long unsignedByte
    unsignedShort unsignedInt unsignedLong positiveInteger nonNegativeInteger negativeInteger
    nonPositiveInteger hexBinary base64Binary anyURI language normalizedString token NMTOKEN Name
    NCName
""".split())

#: types whose lexical forms keep their whitespace (XSD whiteSpace "preserve" / "replace")
_KEEPS_SPACE = frozenset({"string", "normalizedString"})


@dataclass(frozen=True)
class IllTyped:
    """One ill-typed literal: the quad, and why."""

    quad: Any
    reason: str


@lru_cache(maxsize=1)
def _types() -> Any:
    """XSD's built-in types, by xmlschema's meta-schema, built on a thread of its own: building
    it leaves every frame that was on the stack at the time in reference cycles (xmlschema 4.3's
    builders), with all their local variables, which only the cyclic collector frees, and the
    build pauses it throughout. Built by the validation, that held its frames and the
    pyoxigraph store they name (1M triples: ~340 MiB) for the life of the process, whatever
    became of the build's outcome. tests/test_store_freed.py holds it."""
    import xmlschema

    from qgraph.forked import Beside

    schema = xmlschema.XMLSchema11.meta_schema
    Beside(schema.build, name="qgraph-xsd").result()
    return schema.types


@lru_cache(maxsize=65536)
def problem_with(lexical: str, datatype: str) -> str | None:
    """Why ``lexical`` is not a value of the XSD ``datatype`` (an IRI); ``None`` if it is one."""
    local = datatype[len(XSD):]
    if local not in RDF_XSD_TYPES:
        return f"unknown datatype xsd:{local} (not one of the XSD datatypes RDF uses)"
    if local == "string":
        return None
    if local not in _KEEPS_SPACE and lexical != " ".join(lexical.split()):
        return f"not a valid xsd:{local} (spaces around or inside the value)"
    canonical = _canonical(local, lexical)
    if canonical is not None:
        return (f"a valid xsd:{local} not written in its canonical form: write {canonical} (SHACL compares "
                f"terms, and \"{lexical}\" is another term than {canonical}: a sh:hasValue or sh:maxCount that "
                "reads values would let it pass where one that reads terms, as Jena's, refuses the dump)")
    if _plainly_valid(local, lexical):
        return None
    try:
        ok = _types()[local].is_valid(lexical)
    except (ValueError, ArithmeticError, OverflowError):
        ok = False
    return None if ok else f"not a valid xsd:{local}"


_PLAIN_INTEGER = re.compile(r"[0-9]{1,18}\Z")  # no sign, at most 18 digits (within every range below)
_PLAIN_DATE = re.compile(r"([1-9][0-9]{3})-([0-9]{2})-([0-9]{2})\Z")  # no time zone, years 1000-9999
_PLAIN_YEAR = re.compile(r"[1-9][0-9]{3}\Z")
#: the integer types whose plain forms are checked here: the least value each admits
_INTEGER_FLOOR = {"integer": 0, "nonNegativeInteger": 0, "positiveInteger": 1, "long": 0, "unsignedLong": 0}


#: the integer types, whose canonical form has no sign "+" and no leading zero
_INTEGER_TYPES = frozenset("""integer nonNegativeInteger positiveInteger nonPositiveInteger negativeInteger long int
    short byte unsignedLong unsignedInt unsignedShort unsignedByte""".split())
_SIGNED_DIGITS = re.compile(r"[+-]?[0-9]+\Z")


def _canonical(local: str, lexical: str) -> str | None:
    """The canonical form of a valid boolean ("0", "1") or integer ("05", "+5", "-0") written
    otherwise (XSD 1.1 Part 2, the canonical mappings), as the value's term; ``None`` where it is
    written canonically, or is not of those types."""
    if local == "boolean" and lexical in ("0", "1"):
        return "false" if lexical == "0" else "true"
    if local in _INTEGER_TYPES and _SIGNED_DIGITS.match(lexical):
        value = str(int(lexical))
        return f'"{value}"^^xsd:{local}' if value != lexical else None
    return None


def _plainly_valid(local: str, lexical: str) -> bool:
    """Whether ``lexical`` is a value of ``xsd:<local>`` in one of the plainest forms, which XSD
    admits beyond doubt (``False`` says nothing: xmlschema decides)."""
    if local in _INTEGER_FLOOR:
        return _PLAIN_INTEGER.match(lexical) is not None and int(lexical) >= _INTEGER_FLOOR[local]
    if local == "date":
        m = _PLAIN_DATE.match(lexical)
        if m is None:
            return False
        import datetime

        try:
            datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return False
        return True
    if local == "gYear":
        return _PLAIN_YEAR.match(lexical) is not None
    return False


def ill_typed(quads: Any, checked: Any = None) -> list[IllTyped]:
    """Every quad whose object is a literal that its XSD datatype cannot hold.

    ``checked``: a pyoxigraph store whose every literal was found well-typed (the kept
    validation store, :mod:`qgraph.checks.kept_store`): a literal it holds, written the same
    way, is not checked again (a date edited to another date the corpus has: the XSD types,
    0.2 s to load, are not needed)."""
    import pyoxigraph as ox

    out = []
    for q in quads:
        o = q.object
        if type(o) is ox.Literal:
            dt = o.datatype.value
            if dt.startswith(XSD) and dt != XSD + "string":
                if checked is not None and _held(checked, o):
                    continue
                why = problem_with(o.value, dt)
                if why:
                    out.append(IllTyped(q, why))
    return out


def _held(store: Any, literal: Any) -> bool:
    """Whether ``store`` holds ``literal`` as written (the store gives a valid literal back in
    its canonical form, ``"01"^^xsd:integer`` as ``"1"``: such a one is checked)."""
    q = next(store.quads_for_pattern(None, None, literal, None), None)
    return q is not None and q.object.value == literal.value and q.object.datatype == literal.datatype


def written(lexical: str, datatype: str, prefixes: dict[str, str]) -> str:
    """The literal as Turtle writes it: ``"2e9"^^xsd:decimal``."""
    from qgraph.corpus.terms import shorten

    text = lexical.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{text}"^^{shorten(datatype, prefixes)}'


def clean_key(memo: Any, rel: str) -> str | None:
    """The cache key under which a data file is found clean (its content hash)."""
    from qgraph.checks.cache import combine

    return memo.key("literals", rel, lambda: combine("literals", rel, memo.digest(rel)) if memo.digest(rel) else None)


def check(loaded: Any, memo: Any = None) -> tuple[list[Problem], set[Any]]:
    """The ill-typed literals of every loaded file (enrichment included): one Violation each,
    at the line that writes the literal, and the set of their quads.

    ``memo`` (:class:`qgraph.checks.cache.Memo`): a data file found clean before, unchanged, is
    not read again (a file with an ill-typed literal always is: its quads are needed)."""
    import pyoxigraph as ox

    from qgraph.checks.report import where
    from qgraph.corpus.terms import display

    problems, bad = [], set()
    for f in loaded.files:
        key = None
        if memo is not None and f.stem is not None:
            key = clean_key(memo, f.rel)
            if memo.get("literals", f.rel, key) is not None:
                continue
        kept = getattr(loaded, "kept", None)
        found = ill_typed(loaded.quads_of(f), kept.store if kept is not None else None)
        if memo is not None and not found:
            memo.put("literals", f.rel, key, True)
        for item in found:
            q = item.quad
            bad.add(q)
            subject = q.subject
            prefixes = {**loaded.prefixes, **f.prefixes}
            value = written(q.object.value, q.object.datatype.value, prefixes)
            line = _literal_line(f, q, subject, prefixes)
            if line is None:
                _, line = where(loaded, subject)
            problems.append(Problem(
                f.rel, line, "Violation", SHAPE,
                display(subject, prefixes) if type(q.subject) is ox.NamedNode else None,
                display(q.predicate, prefixes),
                item.reason if "canonical form" in item.reason else
                f"{item.reason}: an ill-typed literal (fix the value or its datatype)",
                value, "sh:DatatypeConstraintComponent"))
    return problems, bad


def _literal_line(f: Any, q: Any, subject: Any, prefixes: dict[str, str]) -> int | None:
    """The line of the literal's lexical form, searched from the subject's line on."""
    import pyoxigraph as ox

    start = 1
    if type(q.subject) is ox.NamedNode:
        start = locate(f.lines, node_tokens(subject.value, prefixes)) or 1
    lex = q.object.value
    needles = [f'"{lex}"', f"'{lex}'", lex] if lex else ['""']
    for needle in needles:
        for i in range(start - 1, len(f.lines)):
            if needle in f.lines[i]:
                return i + 1
    return None


def drop_covered(results: list[Problem], gate: list[Problem]) -> list[Problem]:
    """SHACL results about a node and property whose value the gate already reported."""
    covered = {(p.focus, p.path) for p in gate}
    return [r for r in results if (r.focus, r.path) not in covered]
