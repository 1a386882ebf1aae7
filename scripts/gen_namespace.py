"""Regenerate the term list of the closed ``QG`` namespace in src/qgraph/namespaces.py.

Usage (from the project root)::

    python scripts/gen_namespace.py          # rewrite the block between the markers
    python scripts/gen_namespace.py --check  # exit 1 if the block is out of date

The term list is every IRI in the ``qg:`` namespace that ``ontology/qgraph.ttl`` declares as an
owl:Class, owl:ObjectProperty, owl:DatatypeProperty or owl:AnnotationProperty, sorted, classes first.
tests/test_namespaces.py fails when the list and the ontology disagree.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "qgraph.ttl"
TARGET = ROOT / "src" / "qgraph" / "namespaces.py"
BEGIN = "    # --- begin generated term list (scripts/gen_namespace.py) ---\n"
END = "    # --- end generated term list ---\n"
QG = "https://w3id.org/qgraph/ontology#"


def ontology_terms() -> tuple[list[str], list[str]]:
    """Return (classes, properties): local names of the qg: terms the ontology declares."""
    import rdflib
    from rdflib.namespace import OWL, RDF

    graph = rdflib.Graph().parse(ONTOLOGY, format="turtle")
    classes, props = set(), set()
    for kind, bucket in ((OWL.Class, classes), (OWL.ObjectProperty, props),
                         (OWL.DatatypeProperty, props), (OWL.AnnotationProperty, props)):
        for subject in graph.subjects(RDF.type, kind):
            if isinstance(subject, rdflib.URIRef) and str(subject).startswith(QG):
                bucket.add(str(subject)[len(QG):])
    return sorted(classes), sorted(props)


def render_block(classes: list[str], props: list[str]) -> str:
    lines = [BEGIN, "    # classes\n"]
    lines += [f"    {name}: URIRef\n" for name in classes]
    lines.append("    # properties\n")
    lines += [f"    {name}: URIRef\n" for name in props]
    lines.append(END)
    return "".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check, do not write")
    args = parser.parse_args(argv)
    text = TARGET.read_text(encoding="utf-8")
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        print(f"{TARGET}: generated-block markers not found", file=sys.stderr)
        return 2
    new = text[:start] + render_block(*ontology_terms()) + text[end + len(END):]
    if args.check:
        if new != text:
            print(f"{TARGET} is out of date; run scripts/gen_namespace.py", file=sys.stderr)
            return 1
        return 0
    if new != text:
        tmp = TARGET.with_suffix(".py.tmp")
        tmp.write_text(new, encoding="utf-8")
        tmp.replace(TARGET)
    return 0


if __name__ == "__main__":
    sys.exit(main())
