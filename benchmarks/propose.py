"""How well ``qgraph propose`` drafts what the curators encoded: a script, not a test.

    python benchmarks/propose.py [--root DIR]

For each encoded document (``data/<doc>.ttl`` with its text), the proposals are compared with
what the data file states. The graph's knowledge is every *other* document's data file and the
SKOS concepts (``propose(…, blind=True)`` leaves the document's own file out), so nothing is found
by reading the answer.

- entities: the things of the classes propose looks for (nations, forums, organisations, people,
  offices, places: ``qgraph.corpus.propose.MENTION_CLASSES``) that the data file refers to and
  the rest of the graph knows; a hit is a mention proposal with that IRI. Concepts (topics,
  sectors, technology areas, principles) are counted apart: a data file assigns them by reading,
  not only where the text names them.
- dates: the distinct date values of the data file (xsd:date, gYearMonth, gMonthDay, gYear);
  a hit is a date proposal with that value.
- amounts: qg:amount values; participants: nations the file gives as qg:participant or
  org:member (a hit is a nation of a participants proposal).
- precision: of the proposals with an IRI or a value (known mentions, dates, amounts, nations
  of participant lists), the share the data file states; NEW things and flagged dates are for
  the curator to judge and are not counted.
- seconds: one propose call (the graph loaded once beforehand), median of three.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    args = ap.parse_args()

    import pyoxigraph as ox

    from qgraph.corpus.loading import load
    from qgraph.corpus.propose import known_entities, propose
    from qgraph.vocab import ORG, QG, XSD

    loaded = load(args.root)
    date_types = {XSD + t for t in ("date", "gYearMonth", "gMonthDay", "gYear")}
    rows, totals = [], {k: [0, 0] for k in ("ent", "con", "date", "amt", "part", "prec")}
    times = []
    for f in loaded.data_files:
        doc = f.stem
        if not loaded.project.source_text(doc).is_file():
            continue
        _, known = known_entities(loaded, exclude=doc)
        quads = loaded.quads_of(f)
        refs = {t.value for q in quads for t in (q.subject, q.object) if isinstance(t, ox.NamedNode)}
        ents = {i for i in refs if i in known and known[i].cls != "Concept"}
        concepts = {i for i in refs if i in known and known[i].cls == "Concept"}
        dates = {q.object.value for q in quads if isinstance(q.object, ox.Literal) and q.object.datatype.value in date_types}
        amounts = {q.object.value for q in quads if q.predicate.value == QG + "amount"}
        amounts = {str(float(a)) for a in amounts}
        parts = {q.object.value for q in quads if q.predicate.value in (QG + "participant", ORG + "member")
                 and q.object.value in known and known[q.object.value].cls == "Nation"}
        spent = []
        for _ in range(3):
            t0 = time.perf_counter()
            draft = propose(doc, loaded=loaded, blind=True)
            spent.append(time.perf_counter() - t0)
        sec = statistics.median(spent)
        times.append(sec)
        props = [a.proposal for a in draft.proposals]
        p_ents = {p.entity for p in props if p.kind == "mention" and p.entity}
        p_dates = {p.value for p in props if p.kind == "date" and p.value}
        p_amts = {str(float(p.value)) for p in props if p.kind == "amount"}
        p_parts = {iri for p in props if p.kind == "participants" for iri in (p.value or "").split()}
        scored = [(p.entity in refs) for p in props if p.kind == "mention" and p.entity]
        scored += [(v in dates) for v in p_dates] + [(v in amounts) for v in p_amts]
        scored += [(v in refs) for v in p_parts]
        cells = []
        for key, truth, got in (("ent", ents, p_ents), ("con", concepts, p_ents), ("date", dates, p_dates),
                                ("amt", amounts, p_amts), ("part", parts, p_parts)):
            hit = len(truth & got)
            totals[key][0] += hit
            totals[key][1] += len(truth)
            cells.append(f"{hit}/{len(truth)}")
        totals["prec"][0] += sum(scored)
        totals["prec"][1] += len(scored)
        cells.append(f"{sum(scored)}/{len(scored)}")
        rows.append([doc, *cells, f"{sec:.3f}"])

    def pct(k: str) -> str:
        hit, n = totals[k]
        return f"{100 * hit / n:.0f} % ({hit}/{n})" if n else "–"

    head = ["document", "entities", "concepts", "dates", "amounts", "participants", "precision", "seconds"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print(f"| **all** | {pct('ent')} | {pct('con')} | {pct('date')} | {pct('amt')} | {pct('part')} | {pct('prec')} "
          f"| max {max(times):.3f} |")


if __name__ == "__main__":
    main()
