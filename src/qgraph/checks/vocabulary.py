"""Two checks of the data files against the ontology that SHACL cannot express.

- ``check:term-declared``: every IRI of the project's own namespace (``qg:``) that a data file
  uses (as a predicate, a class or any other term) is declared in the ontology. A typo or an
  invented term (``qg:chairedBy`` before the ontology had it) is a violation at the line where
  the file first uses it.
- ``check:supports-stated``: every ``qg:supports`` of an evidence node names a property of a
  triple, stated in the same file, whose subject or object is a node citing that evidence
  (``qg:evidence``): the passage naming South Korea supports the meeting's ``qg:participant``
  when it is Korea's evidence. A passage that claims to support a property that no node it
  describes has (any more) is stale provenance.
"""

from __future__ import annotations

from typing import Any

from qgraph.checks.report import Problem, locate, node_tokens
from qgraph.corpus.loading import ONTOLOGY_GRAPH, QG, Loaded
from qgraph.vocab import RDF_TYPE

__all__ = ["check"]


def check(loaded: Loaded, memo: Any = None) -> list[Problem]:
    """Both checks over every data file of ``loaded``.

    ``memo`` (:class:`qgraph.checks.cache.Memo`): a file's problems are taken from it when the
    file and the ontology are those they were found in (what the checks of a file read), and
    stored in it otherwise."""
    import pyoxigraph as ox

    from qgraph.corpus.terms import display

    declared = {q.subject.value for f in loaded.files if f.graph == ONTOLOGY_GRAPH
                for q in loaded.quads_of(f) if q.predicate.value == RDF_TYPE and isinstance(q.subject, ox.NamedNode)}
    problems: list[Problem] = []
    for f in loaded.data_files:
        key = None
        if memo is not None:
            from qgraph.checks.cache import combine, problem, problem_row

            key = combine("terms", f.rel, memo.digest(f.rel), memo.ontology) if memo.digest(f.rel) else None
            rows = memo.get("terms", f.rel, key)
            if rows is not None:
                problems.extend(problem(r) for r in rows)
                continue
            first = len(problems)
        quads = loaded.quads_of(f)
        prefixes = {**loaded.prefixes, **f.prefixes}
        seen: set[str] = set()
        predicates = [q.predicate.value for q in quads]
        for q in quads if _undeclared(quads, predicates, declared) else ():  # else none: no term to look at again
            for t in (q.subject, q.predicate, q.object):
                if isinstance(t, ox.NamedNode) and t.value.startswith(QG) and t.value not in declared \
                        and t.value not in seen:
                    seen.add(t.value)
                    name = display_iri(t.value, prefixes)
                    problems.append(Problem(
                        f.rel, locate(f.lines, node_tokens(t.value, f.prefixes), prefer_subject=False),
                        "Violation", "check:term-declared", name, None,
                        f"{name} is not declared in the ontology (a typo, or a term to add to ontology/*.ttl)"))
        problems += _supports(loaded, f, quads, predicates, prefixes, display)
        if memo is not None:
            memo.put("terms", f.rel, key, [problem_row(p) for p in problems[first:]])
    return problems


def _supports(loaded: Loaded, f: Any, quads: list[Any], predicates: list[str], prefixes: dict[str, str],
              display: Any) -> list[Problem]:
    """``check:supports-stated`` of the file ``f`` (``predicates``: its quads' predicates' IRIs)."""
    evidence, supports = QG + "evidence", QG + "supports"
    citing: dict[Any, list[Any]] = {}
    claims: list[tuple[Any, str]] = []
    for q, p in zip(quads, predicates, strict=True):
        if p == evidence:
            citing.setdefault(q.object, []).append(q.subject)
        elif p == supports:
            claims.append((q.subject, q.object.value))
    if not claims:
        return []
    # the nodes (subject or object) of each property claimed: only those triples' terms are
    # hashed (a map of every node to what it states took ~1.9 s of the 1M-triple build's term checks)
    claimed = {prop for _, prop in claims}
    stated: dict[str, set[Any]] = {prop: set() for prop in claimed}
    subjects: dict[str, set[Any]] = {prop: set() for prop in claimed}  # who states it (for the fix)
    for q, p in zip(quads, predicates, strict=True):
        nodes = stated.get(p)
        if nodes is not None:
            nodes.add(q.subject)
            nodes.add(q.object)
            subjects[p].add(q.subject)
    out = []
    # an evidence node nobody cites is the unused-evidence check's business; the claims left
    # are sorted (for the problems' order) once found, not all of them first
    unmet = [(ev, prop) for ev, prop in set(claims)
             if (nodes := citing.get(ev)) and not any(n in stated[prop] for n in nodes)]
    for ev, prop in sorted(unmet, key=lambda c: (str(c[0]), c[1])):
        nodes = citing[ev]
        ev_name, prop_name = display(ev, prefixes), display_iri(prop, prefixes)
        cited_by = ", ".join(sorted(display(n, prefixes) for n in nodes)[:3])
        tokens = node_tokens(ev.value, f.prefixes) if hasattr(ev, "value") else []
        # a node of the file that states the property without citing the evidence: most often
        # the fix is its missing qg:evidence (removing the claim threw correct data away)
        others = sorted(display(n, prefixes) for n in subjects[prop] if hasattr(n, "value"))[:3]
        fix = (f"cite this evidence from {' or '.join(others)} (qg:evidence), which states {prop_name}; or "
               if others else "")
        out.append(Problem(
            f.rel, locate(f.lines, tokens) if tokens else None, "Violation", "check:supports-stated",
            ev_name, "qg:supports",
            f"qg:supports {prop_name}, but no node citing this evidence ({cited_by}) states {prop_name} "
            f"in this file: {fix}remove it from qg:supports or state the fact", prop_name))
    return out


def _undeclared(quads: list[Any], predicates: list[str], declared: set[str]) -> bool:
    """Whether ``quads`` may use a term of qg: the ontology does not declare: their distinct
    terms' values looked at, not each quad's three terms (~1.6 s of the term checks at 1M). A
    literal or blank node whose value happens to look like such an IRI only says "may": the
    caller then looks at each term, as before."""
    values = {q.subject.value for q in quads}
    values.update(predicates)
    values.update([q.object.value for q in quads])
    return any(v.startswith(QG) and v not in declared for v in values)


def display_iri(iri: str, prefixes: dict[str, str]) -> str:
    from qgraph.corpus.terms import shorten

    return shorten(iri, prefixes)
