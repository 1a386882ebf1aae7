"""One vocabulary module: no other file of the package writes a namespace IRI (qgraph.vocab)."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

import pytest

import qgraph
from qgraph import vocab

PACKAGE = Path(qgraph.__file__).resolve().parent
#: every namespace IRI the project uses (the prefix table, its own graph and check namespaces)
NAMESPACES = sorted({*vocab.PREFIXES.values(), *vocab.WIKIDATA_PREFIXES.values(), vocab.GRAPH_NS, vocab.CHECK,
                     vocab.GENID, vocab.EUC, vocab.SEMAPV, vocab.SPARQL_RESULTS}, key=len, reverse=True)
#: the closed rdflib class of the ontology's terms, generated from it (its doctests show IRIs)
ALLOWED = {"vocab.py", "namespaces.py"}


def _code_strings(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string literal that is not a docstring."""
    out, previous = [], None
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    for tok in tokens:
        if tok.type == tokenize.STRING and previous not in (tokenize.INDENT, tokenize.NEWLINE, tokenize.DEDENT, None):
            out.append((tok.start[0], tok.string))
        if tok.type not in (tokenize.NL, tokenize.COMMENT):
            previous = tok.type
    return out


def test_the_python_files_were_found():
    files = list(PACKAGE.rglob("*.py"))
    assert len(files) > 30 and (PACKAGE / "vocab.py") in files


def test_no_namespace_iri_outside_the_vocabulary():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name in ALLOWED or "resources" in path.parts:
            continue
        for line, text in _code_strings(path):
            for ns in NAMESPACES:
                if ns in text:
                    offenders.append(f"{path.relative_to(PACKAGE)}:{line}: {ns}")
                    break
    assert not offenders, "namespace IRIs written outside qgraph/vocab.py:\n" + "\n".join(offenders)


def test_the_ontology_namespace_is_written_in_two_modules_at_most():
    """The issue's measure: grep -rl for the qg: namespace names vocab.py (and the generated term list)."""
    hits = sorted(p.name for p in PACKAGE.rglob("*") if p.is_file() and p.suffix in (".py", ".js", ".html", ".css")
                  and "resources" not in p.parts and vocab.QG in p.read_text(encoding="utf-8", errors="replace"))
    assert set(hits) <= ALLOWED and "vocab.py" in hits, hits


@pytest.mark.parametrize("script", ["explorer.js", "views.js"])
def test_the_explorer_script_gets_its_prefixes_from_the_page(script):
    js = (PACKAGE / "web" / "static" / script).read_text(encoding="utf-8")
    assert "dataset.prefixes" in js
    assert not [ns for ns in NAMESPACES if ns in js]
