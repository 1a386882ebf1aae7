"""Deterministic synthetic diplomacy graphs for scale tests and the benchmark.

``generate(triples, seed)`` writes a project-shaped folder::

    OUT/data/synth-00001.ttl        one Turtle file (one named graph) per synthetic document
    OUT/data/sources/synth-00001.txt  its synthetic source text (every quote is found in it)
    OUT/manifest.json               documents, triple count, planted violations

Each document looks like the real ones (design.md): the document's own description; a forum,
its member nations and their memberships bounded in time; a meeting of the forum with city,
host and participants; offices, persons and office holdings; a memorandum of understanding with
numbered provisions (with SKOS topics from ``ontology/concepts.ttl``) and signatures; quotations;
priority areas; and one ``qg:Evidence`` node per sentence with an ``oa:TextQuoteSelector`` whose
``oa:exact`` is that sentence of the source text.

The graph conforms to the shapes except for a counted set of **planted violations**. Each
planted fault is a kind (``FAULT_KINDS``: focus class, path, constraint); the shape that must
report it is looked up in the shapes file at generation time, and a kind that no shape checks is
not planted (listed in ``manifest["skipped_kinds"]``). The manifest lists every planted fault as
``{"focus", "path", "shape", "kind", "document"}``.

The text is written directly (no rdflib graph is built), so a million triples take seconds.
Command line: ``python -m qgraph.synth --triples 100000 --out DIR [--seed 0]``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["FAULT_KINDS", "Manifest", "generate", "main"]

from qgraph.vocab import OA, ORG, QG, QGID, RDFS, turtle_prologue

OGL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"

PREFIXES = turtle_prologue(["qg", "qgid", "org", "oa", "dcterms", "foaf", "skos", "rdfs", "xsd"]) + "\n"

# The real shared nations (design.md) first, then synthetic ones.
REAL_NATIONS = [
    ("australia", "Australia"), ("canada", "Canada"), ("denmark", "Denmark"),
    ("finland", "Finland"), ("france", "France"), ("germany", "Germany"), ("japan", "Japan"),
    ("republic-of-korea", "Republic of Korea"), ("netherlands", "Netherlands"),
    ("sweden", "Sweden"), ("switzerland", "Switzerland"), ("united-kingdom", "United Kingdom"),
    ("united-states", "United States"),
]
N_SYNTH_NATIONS = 60
N_FORUMS = 25
N_CITIES = 80

TOPICS = [
    "topic-research-security", "topic-investment-security", "topic-supply-chain-resilience",
    "topic-standards", "topic-interoperability", "topic-commercialisation",
    "topic-talent-and-skills", "topic-fundamental-research", "topic-academic-collaboration",
    "topic-procurement", "topic-investment", "topic-access-to-capital", "topic-governance",
    "topic-responsible-use", "topic-open-markets", "topic-international-cooperation",
]
TECH = ["tech-computing", "tech-networking-and-communication", "tech-sensing", "tech-timing"]
SECTORS = ["sector-healthcare", "sector-energy", "sector-defence", "sector-transport"]
ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
            "ninth", "tenth", "eleventh", "twelfth"]

# kind → (focus class, path, constraint component local name, description)
FAULT_KINDS: dict[str, tuple[str, str, str, str]] = {
    "membership-no-evidence": (ORG + "Membership", QG + "evidence", "MinCountConstraintComponent",
                               "a membership without qg:evidence"),
    "membership-no-organization": (ORG + "Membership", ORG + "organization", "MinCountConstraintComponent",
                                   "a membership without org:organization"),
    "membership-start-not-date": (ORG + "Membership", QG + "startDate", "DatatypeConstraintComponent",
                                  "qg:startDate as a plain string"),
    "membership-member-not-agent": (ORG + "Membership", ORG + "member", "ClassConstraintComponent",
                                    "org:member pointing at a city"),
    "holding-no-holder": (QG + "OfficeHolding", QG + "holder", "MinCountConstraintComponent",
                          "an office holding without qg:holder"),
    "provision-number-not-integer": (QG + "Provision", QG + "provisionNumber", "DatatypeConstraintComponent",
                                     "qg:provisionNumber as a string"),
    "quotation-no-speaker": (QG + "Quotation", QG + "speaker", "MinCountConstraintComponent",
                             "a quotation without qg:speaker"),
    "signature-no-document": (QG + "Signature", QG + "signedDocument", "MinCountConstraintComponent",
                              "a signature without qg:signedDocument"),
    "evidence-no-source": (QG + "Evidence", OA + "hasSource", "MinCountConstraintComponent",
                           "an evidence node without oa:hasSource"),
    "evidence-bad-confidence": (QG + "Evidence", QG + "confidence", "InConstraintComponent",
                                "qg:confidence outside the allowed values"),
    "provision-no-label": (QG + "Provision", RDFS + "label", "MinCountConstraintComponent",
                           "a provision without rdfs:label"),
}

TRIPLES_PER_DOC = 400  # about (measured), to plan where faults go; documents are added until the target


@dataclass
class Manifest:
    """What ``generate`` produced."""

    triples: int = 0
    seed: int = 0
    documents: list[str] = field(default_factory=list)
    planted: list[dict[str, str]] = field(default_factory=list)
    skipped_kinds: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"triples": self.triples, "seed": self.seed, "documents": self.documents,
                "planted": self.planted, "skipped_kinds": self.skipped_kinds}


# --------------------------------------------------------------------------------------------
# Shapes lookup: which shape reports a fault kind
# --------------------------------------------------------------------------------------------

def find_fault_shapes(shapes_file: Path | None, ontology_files: list[Path] | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """Map each fault kind to the key of the shape that must report it (see ``fastshacl.shape_key``).

    Returns ``(found, skipped)``: kind → shape key, and kind → reason for the kinds no shape checks.
    """
    if shapes_file is None or not Path(shapes_file).exists():
        return {}, {k: "no shapes file" for k in FAULT_KINDS}
    from qgraph.checks import shacl as fastshacl  # lazy: rdflib only when shapes are read

    shapes = fastshacl.Shapes.from_files([Path(shapes_file)], ontology_files or [])
    found: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for kind, (cls, path, component, _) in FAULT_KINDS.items():
        keys = shapes.shapes_checking(cls, path, component)
        if not keys and component == "DatatypeConstraintComponent":
            keys = shapes.shapes_checking(cls, path, "OrConstraintComponent")
        if len(keys) == 1:
            found[kind] = keys[0]
        elif not keys:
            skipped[kind] = f"no shape checks {component} on <{path}> for <{cls}>"
        else:
            skipped[kind] = f"{len(keys)} shapes check it: {', '.join(sorted(keys))}"
    return found, skipped


# --------------------------------------------------------------------------------------------
# One document
# --------------------------------------------------------------------------------------------

def _lit(s: str, lang: str | None = "en") -> str:
    s = s.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{s}"@{lang}' if lang else f'"{s}"'


def _date(y: int, m: int, d: int) -> str:
    return f'"{y:04d}-{m:02d}-{d:02d}"^^xsd:date'


_BOOKKEEPING = {"a", "qg:evidence", "dcterms:identifier", "qg:copySource", "dcterms:license",
                "qg:licenceStated", "skos:editorialNote"}
_DATE_YEAR = re.compile(r'"(\d{4})-\d{2}(?:-\d{2})?"\^\^xsd:(?:date|gYearMonth)')


class _Doc:
    """Builds one document's Turtle and text."""

    def __init__(self, doc_id: str, faults: set[str]):
        self.doc_id = doc_id
        self.faults = faults
        self.blocks: list[str] = []
        self.sentences: list[str] = []
        self.n = 0  # triples
        self.ev_count = 0
        self.planted: list[tuple[str, str]] = []  # (kind, focus IRI)
        # evidence nodes are written last (finish()), once the nodes citing them are known:
        # CURIE -> (block index, supports, years of the dates they support, sentence)
        self._pending: dict[str, tuple[int, set[str], set[str], str]] = {}

    def node(self, iri: str, pairs: list[tuple[str, str]]) -> None:
        body = " ;\n    ".join(f"{p} {o}" for p, o in pairs)
        self.blocks.append(f"{iri}\n    {body} .\n")
        self.n += len(pairs)
        # what the node's evidence must name in qg:supports (and the years its passage must show
        # or its derivation explain): queries/checks/fact-property-without-supporting-evidence and
        # date-without-derivation, so that an unfaulted project passes every check
        evs = [e.strip() for p, o in pairs if p == "qg:evidence" for e in o.split(",")]
        props = {p for p, _ in pairs if p not in _BOOKKEEPING}
        years = {m.group(1) for _, o in pairs for m in _DATE_YEAR.finditer(o)}
        for ev in evs:
            if ev in self._pending:
                self._pending[ev][1].update(props)
                self._pending[ev][2].update(years)

    def evidence(self, sentence: str, supports: list[str], confidence: str | None = None) -> str:
        """Add a sentence to the text and an evidence node quoting it; return its CURIE."""
        self.ev_count += 1
        self.sentences.append(sentence)
        ev = f"qgid:{self.doc_id}-ev-{self.ev_count}"
        pairs = [("a", "qg:Evidence")]
        if "evidence-no-source" in self.faults and self.ev_count == 2:
            self.faults.discard("evidence-no-source")
            self.planted.append(("evidence-no-source", QGID + ev[5:]))
        else:
            pairs.append(("oa:hasSource", f"qgid:doc-{self.doc_id}"))
        pairs.append(("oa:hasSelector", f"[ a oa:TextQuoteSelector ; oa:exact {_lit(sentence, None)} ]"))
        self.n += 2  # the selector's two triples
        if "evidence-bad-confidence" in self.faults and self.ev_count == 3:
            self.faults.discard("evidence-bad-confidence")
            self.planted.append(("evidence-bad-confidence", QGID + ev[5:]))
            pairs.append(("qg:confidence", _lit("certain", None)))
        elif confidence:
            pairs.append(("qg:confidence", _lit(confidence, None)))
        self.node(ev, pairs)
        self._pending[ev] = (len(self.blocks) - 1, set(supports), set(), sentence)
        return ev

    def finish(self) -> None:
        """Write each evidence's qg:supports (every property of the nodes citing it) and, where
        its sentence does not show the year of a date it supports, a qg:derivation."""
        for index, props, years, sentence in self._pending.values():
            extra = [f"qg:supports {p}" for p in sorted(props)]
            if any(y not in sentence for y in years):
                extra.append(f"qg:derivation {_lit('Synthetic: the date is the one the generator gave the fact.', 'en')}")
            block = self.blocks[index]
            self.blocks[index] = block[:-3] + "".join(f" ;\n    {x}" for x in extra) + " .\n"
            self.n += len(extra)
        self._pending.clear()

    def fault(self, kind: str) -> bool:
        if kind in self.faults:
            self.faults.discard(kind)
            return True
        return False


def _document(i: int, rng: random.Random, nations: list[tuple[str, str]], cities: list[tuple[str, str, str]],
              faults: set[str], seen: set[str]) -> _Doc:
    doc_id = f"synth-{i:05d}"
    d = _Doc(doc_id, faults)
    doc = f"qgid:doc-{doc_id}"
    year = 2000 + rng.randrange(26)
    month = 1 + rng.randrange(12)
    day = 1 + rng.randrange(27)
    forum_n = rng.randrange(N_FORUMS)
    forum = f"qgid:synth-forum-{forum_n}"
    forum_label = f"Synthetic Forum {forum_n}"
    title = f"Communique of the {forum_label}, document {i}"

    # The document describes itself.
    ev = d.evidence(f"{title}. Issued on {year:04d}-{month:02d}-{day:02d}.", ["dcterms:title", "dcterms:issued"])
    d.node(doc, [("a", "qg:NewsStory , qg:SourceDocument"), ("dcterms:title", _lit(title)), ("rdfs:label", _lit(title)),
                 ("dcterms:identifier", _lit(doc_id, None)), ("dcterms:issued", _date(year, month, day)),
                 ("dcterms:source", f"<https://example.org/synthetic/{doc_id}>"),
                 ("dcterms:license", f"<{OGL}>"), ("qg:evidence", ev)])
    d.n += 1  # two types on one line

    # The forum and its members.
    ev = d.evidence(f"The {forum_label} (SF{forum_n}) is an international forum.", ["rdfs:label"])
    d.node(forum, [("a", "qg:Forum"), ("rdfs:label", _lit(forum_label)),
                   ("skos:altLabel", _lit(f"SF{forum_n}")), ("qg:evidence", ev)])
    members = rng.sample(nations, 10 + rng.randrange(4))
    member_sentence = f"Members of the {forum_label} include " + ", ".join(lbl for _, lbl in members) + "."
    city_slug, city_label, city_nation = cities[rng.randrange(len(cities))]
    plant = [kind for kind in ("membership-member-not-agent", "membership-no-organization",
                               "membership-start-not-date", "membership-no-evidence") if d.fault(kind)]
    # the passage supports org:member only where this document describes a membership citing it
    # (all of them described by earlier documents: it supports the nations' labels)
    describes = plant or any(f"qgid:membership-synth-forum-{forum_n}-{slug}" not in seen for slug, _ in members)
    ev_members = d.evidence(member_sentence, ["org:member"] if describes else ["rdfs:label"])
    for slug, label in members:
        d.node(f"qgid:{slug}", [("a", "qg:Nation"), ("rdfs:label", _lit(label)), ("qg:evidence", ev_members)])
    for slug, label in members:
        # One membership per (forum, nation) across documents, as design.md names them; its start
        # date is a function of the pair, so documents agree.
        nation_ix = nations.index((slug, label))
        sy, sm = 1990 + (forum_n * 7 + nation_ix * 3) % 30, 1 + (forum_n + nation_ix) % 12
        m = f"qgid:membership-synth-forum-{forum_n}-{slug}"
        if m in seen and not plant:
            continue  # described (attestedOn, startDate) by the first document that states it
        ev = d.evidence(f"{label} joined the {forum_label} in {sy:04d}-{sm:02d}-01.", ["qg:startDate"])
        if m not in seen:
            seen.add(m)
            d.node(m, [("a", "org:Membership"), ("rdfs:label", _lit(f"{label} in the {forum_label}")),
                       ("org:member", f"qgid:{slug}"), ("org:organization", forum),
                       ("qg:attestedOn", _date(year, month, day)), ("qg:startDate", _date(sy, sm, 1)),
                       ("qg:evidence", ev_members), ("qg:evidence", ev)])
        if plant:
            # A faulty membership gets an IRI of its own, so no other document completes it.
            kind = plant.pop()
            m = f"qgid:membership-synth-forum-{forum_n}-{slug}-{doc_id}"
            d.planted.append((kind, QGID + m[5:]))
            pairs = [("a", "org:Membership"), ("rdfs:label", _lit(f"{label} in the {forum_label} ({doc_id})")),
                     ("org:member", f"qgid:{city_slug}" if kind == "membership-member-not-agent" else f"qgid:{slug}")]
            if kind != "membership-no-organization":
                pairs.append(("org:organization", forum))
            pairs.append(("qg:attestedOn", _date(year, month, day)))
            pairs.append(("qg:startDate", f'"{sy:04d}-{sm:02d}-01"' if kind == "membership-start-not-date"
                          else _date(sy, sm, 1)))
            if kind != "membership-no-evidence":
                pairs += [("qg:evidence", ev_members), ("qg:evidence", ev)]
            d.node(m, pairs)

    # The meeting.
    ordinal = 1 + rng.randrange(len(ORDINALS))
    meeting = f"qgid:synth-forum-{forum_n}-meeting-{doc_id}"
    host_slug, host_label = members[0]
    nation_label = dict(nations)
    end_day = min(28, day + 1)
    held = (f"on {year:04d}-{month:02d}-{day:02d}" if end_day == day else
            f"from {year:04d}-{month:02d}-{day:02d} to {year:04d}-{month:02d}-{end_day:02d}")
    ev = d.evidence(f"The {ORDINALS[ordinal - 1]} meeting of the {forum_label} took place in {city_label} "
                    f"({nation_label[city_nation]}) {held}, hosted by {host_label}, with "
                    f"{20 + ordinal * 7} senior officials.", ["qg:ordinal", "qg:city", "qg:hostNation"])
    if city_nation not in {slug for slug, _ in members}:
        d.node(f"qgid:{city_nation}", [("a", "qg:Nation"), ("rdfs:label", _lit(nation_label[city_nation])),
                                       ("qg:evidence", ev)])
    d.node(f"qgid:{city_slug}", [("a", "qg:City"), ("rdfs:label", _lit(city_label)),
                                 ("qg:locatedIn", f"qgid:{city_nation}"), ("qg:evidence", ev)])
    pairs = [("a", "qg:Meeting")]
    pairs.append(("qg:meetingOf", forum))
    pairs += [("rdfs:label", _lit(f"{ORDINALS[ordinal - 1].capitalize()} meeting of the {forum_label} ({doc_id})")),
              ("qg:ordinal", f'"{ordinal}"^^xsd:positiveInteger'),
              ("qg:startDate", _date(year, month, day)), ("qg:endDate", _date(year, month, end_day)),
              ("qg:city", f"qgid:{city_slug}"), ("qg:hostNation", f"qgid:{host_slug}"),
              ("qg:attendeeCount", f'"{20 + ordinal * 7}"^^xsd:nonNegativeInteger')]
    pairs += [("qg:participant", f"qgid:{slug}") for slug, _ in members]
    pairs.append(("qg:evidence", ev))
    d.node(meeting, pairs)

    # Priority areas agreed at the meeting.
    for k in range(3):
        topic = TOPICS[rng.randrange(len(TOPICS))]
        pa = f"qgid:{doc_id}-priority-{k + 1}"
        ev = d.evidence(f"Priority area {k + 1} of the {forum_label}: cooperation on {topic[6:].replace('-', ' ')}.",
                        ["qg:topic"])
        d.node(pa, [("a", "qg:PriorityArea"), ("qg:agreedAt", meeting), ("qg:agreedBy", forum),
                    ("qg:ordinal", f'"{k + 1}"^^xsd:positiveInteger'),
                    ("rdfs:label", _lit(f"Priority area {k + 1} ({doc_id})")), ("qg:topic", f"qgid:{topic}"),
                    ("qg:evidence", ev)])

    # Offices, people, holdings (two parties: the host and a second member).
    parties = [members[0], members[1]]
    people = []
    for k, (slug, label) in enumerate(parties):
        person = f"qgid:synth-person-{doc_id}-{k + 1}"
        name = f"Person {i}-{k + 1}"
        office = f"qgid:office-synth-science-minister-{slug}"
        office_label = f"Minister for Science of {label}"
        ev = d.evidence(f"{name} is the {office_label}.", ["qg:holder", "qg:office"])
        d.node(person, [("a", "qg:Person"), ("foaf:name", _lit(name, None)), ("rdfs:label", _lit(name)),
                        ("qg:evidence", ev)])
        d.node(office, [("a", "qg:Office"), ("rdfs:label", _lit(office_label)), ("qg:officeOf", f"qgid:{slug}"),
                        ("qg:evidence", ev)])
        holding = f"qgid:holding-synth-person-{doc_id}-{k + 1}-science-minister-{slug}"
        pairs = [("a", "qg:OfficeHolding"), ("rdfs:label", _lit(f"{name} as {office_label}"))]
        if d.fault("holding-no-holder"):
            d.planted.append(("holding-no-holder", QGID + holding[5:]))
        else:
            pairs.append(("qg:holder", person))
        pairs += [("qg:office", office), ("qg:attestedOn", _date(year, month, day)), ("qg:evidence", ev)]
        d.node(holding, pairs)
        people.append((person, name, office, slug))

    # The agreement, its provisions and signatures.
    mou = f"qgid:doc-{doc_id}-mou"
    mou_title = f"Memorandum of Understanding between {parties[0][1]} and {parties[1][1]} ({doc_id})"
    ev = d.evidence(f"The {mou_title} was signed in {year:04d}-{month:02d}.", ["qg:signedOn", "qg:party"])
    d.node(mou, [("a", "qg:MemorandumOfUnderstanding"), ("dcterms:title", _lit(mou_title)), ("rdfs:label", _lit(mou_title)),
                 ("qg:signedOn", f'"{year:04d}-{month:02d}"^^xsd:gYearMonth'),
                 ("qg:party", f"qgid:{parties[0][0]}"), ("qg:party", f"qgid:{parties[1][0]}"),
                 ("qg:evidence", ev)])
    n_prov = 8 + rng.randrange(5)
    for c in range(1, n_prov + 1):
        prov = f"qgid:{doc_id}-mou-clause-{c}"
        topic = TOPICS[(c + i) % len(TOPICS)]
        ev = d.evidence(f"Clause {c}: the participants intend to cooperate on {topic[6:].replace('-', ' ')}"
                        f" in {TECH[c % len(TECH)][5:].replace('-', ' ')}.", ["qg:topic"])
        pairs = [("a", "qg:CooperationActivity" if c > 2 else "qg:Recital"), ("qg:provisionOf", mou)]
        if d.fault("provision-number-not-integer"):
            pairs.append(("qg:provisionNumber", _lit(str(c), None)))
            d.planted.append(("provision-number-not-integer", QGID + prov[5:]))
        else:
            pairs.append(("qg:provisionNumber", f'"{c}"^^xsd:positiveInteger'))
        if d.fault("provision-no-label"):
            d.planted.append(("provision-no-label", QGID + prov[5:]))
        else:
            pairs.append(("rdfs:label", _lit(f"Clause {c} of the {mou_title}")))
        pairs += [("qg:topic", f"qgid:{topic}"), ("qg:technologyArea", f"qgid:{TECH[c % len(TECH)]}"),
                  ("qg:evidence", ev)]
        if c % 3 == 0:
            pairs.append(("qg:sector", f"qgid:{SECTORS[c % len(SECTORS)]}"))
        d.node(prov, pairs)
    for k, (person, name, office, _slug) in enumerate(people):
        sig = f"qgid:{doc_id}-signature-{k + 1}"
        ev = d.evidence(f"Signed for {parties[k][1]} by {name}.", ["qg:signatory", "qg:signedFor"])
        pairs = [("a", "qg:Signature"), ("rdfs:label", _lit(f"Signature of {name} for {parties[k][1]}"))]
        if d.fault("signature-no-document"):
            d.planted.append(("signature-no-document", QGID + sig[5:]))
        else:
            pairs.append(("qg:signedDocument", mou))
        pairs += [("qg:signatory", person), ("qg:signedFor", f"qgid:{slug}"), ("qg:signatoryOffice", office),
                  ("qg:evidence", ev)]
        d.node(sig, pairs)

    # Quotations.
    for k, (person, name, office, _slug) in enumerate(people):
        q = f"qgid:{doc_id}-quotation-{k + 1}"
        topic = TOPICS[(k + 3 * i) % len(TOPICS)]
        text = (f"Quantum cooperation on {topic[6:].replace('-', ' ')} matters to us, "
                f"said {name} in statement {k + 1}.")
        ev = d.evidence(text, ["qg:quoteText", "qg:speaker"])
        pairs = [("a", "qg:Quotation"), ("rdfs:label", _lit(f"Statement {k + 1} of {name}"))]
        if d.fault("quotation-no-speaker"):
            d.planted.append(("quotation-no-speaker", QGID + q[5:]))
        else:
            pairs.append(("qg:speaker", person))
        pairs += [("qg:speakerOffice", office), ("qg:quotedIn", doc), ("qg:quoteText", _lit(text)),
                  ("qg:topic", f"qgid:{topic}"), ("qg:evidence", ev)]
        d.node(q, pairs)
    d.finish()
    return d


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def generate(triples: int, seed: int = 0, out: Path | str | None = None,
             shapes_file: Path | str | None = "default", ontology_files: list[Path] | None = None,
             fault_every: int = 20, copy_ontology: bool = True) -> Manifest:
    """Generate about ``triples`` triples; write them under ``out`` (if given) and return the manifest.

    ``shapes_file`` (default: the project's ``ontology/shapes.ttl``) decides which fault kinds are
    planted; ``None`` plants nothing. With ``copy_ontology``, ``out/ontology/`` gets copies of the
    project's ontology files and of the shapes file, so ``out`` is a qgraph project. One fault every ``fault_every`` documents, cycling through the
    plantable kinds, and every plantable kind at least once.
    """
    if triples <= 0:
        raise ValueError("triples must be positive")
    if shapes_file == "default":
        from qgraph import project

        shipped = project.resources() / "ontology"  # the defaults that ship with qgraph
        shapes_file = shipped / project.SHAPES
        if ontology_files is None:
            ontology_files = [shipped / f for f in project.ONTOLOGY_FILES]
    kind_shapes, skipped = find_fault_shapes(Path(shapes_file) if shapes_file else None, ontology_files)
    kinds = sorted(kind_shapes)

    rng = random.Random(seed)
    nations = list(REAL_NATIONS) + [(f"synth-nation-{k}", f"Nation {k}") for k in range(N_SYNTH_NATIONS)]
    cities = [(f"synth-city-{k}", f"City {k}", nations[k % len(nations)][0]) for k in range(N_CITIES)]
    n_docs = max(1, round(triples / TRIPLES_PER_DOC))
    n_faults = max(len(kinds), n_docs // fault_every) if kinds else 0
    n_faults = min(n_faults, n_docs * len(kinds))
    # Spread faults over documents deterministically.
    fault_plan: dict[int, set[str]] = {}
    for f in range(n_faults):
        doc_index = (f * n_docs) // n_faults + 1 if n_faults <= n_docs else (f % n_docs) + 1
        fault_plan.setdefault(doc_index, set()).add(kinds[f % len(kinds)])

    manifest = Manifest(seed=seed, skipped_kinds=skipped)
    out_path = Path(out) if out is not None else None
    if out_path is not None:
        (out_path / "data" / "sources").mkdir(parents=True, exist_ok=True)
        from qgraph.project import MARKER

        _write_atomic(out_path / MARKER, "# qgraph corpus marker: a synthetic corpus made by qgraph.synth (not real data)\n")
    seen: set[str] = set()
    last_fault_doc = max(fault_plan, default=0)
    i = 0
    while manifest.triples < triples or i < last_fault_doc:
        i += 1
        d = _document(i, rng, nations, cities, set(fault_plan.get(i, ())), seen)
        assert not d.faults, f"fault not planted in document {i}: {d.faults}"
        manifest.triples += d.n
        manifest.documents.append(d.doc_id)
        for kind, focus in d.planted:
            cls, path, component, _ = FAULT_KINDS[kind]
            manifest.planted.append({"focus": focus, "path": path, "shape": kind_shapes[kind],
                                     "kind": kind, "document": d.doc_id})
        if out_path is not None:
            _write_atomic(out_path / "data" / f"{d.doc_id}.ttl",
                          f"# Synthetic document {d.doc_id} (qgraph.synth, seed {seed}); not real data.\n"
                          + PREFIXES + "\n".join(d.blocks))
            _write_atomic(out_path / "data" / "sources" / f"{d.doc_id}.txt", "\n\n".join(d.sentences) + "\n")
    if out_path is not None and copy_ontology:
        # make OUT a qgraph project: the ontology and shapes the faults were planted against
        import shutil

        from qgraph import project

        shipped = project.resources() / "ontology"
        (out_path / "ontology").mkdir(exist_ok=True)
        for name in (*project.ONTOLOGY_FILES, project.SHAPES):
            src = shipped / name
            if name == project.SHAPES and shapes_file:
                src = Path(str(shapes_file))
            if src.is_file():
                shutil.copyfile(str(src), out_path / "ontology" / name)
    if out_path is not None:
        _write_atomic(out_path / "manifest.json", json.dumps(manifest.to_json(), indent=1, sort_keys=True) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m qgraph.synth", description=__doc__.split("\n\n")[0])
    p.add_argument("--triples", type=int, required=True, help="about how many triples (e.g. 10000, 1000000)")
    p.add_argument("--out", type=Path, required=True, help="folder to write data/, data/sources/, manifest.json")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--shapes", type=Path, default=None, help="shapes file (default: the project's)")
    a = p.parse_args(argv)
    if a.triples <= 0:
        p.error("--triples must be positive")
    m = generate(a.triples, a.seed, a.out, shapes_file=a.shapes or "default")
    print(f"{len(m.documents)} documents, {m.triples} triples, {len(m.planted)} planted violations -> {a.out}")
    for kind, why in sorted(m.skipped_kinds.items()):
        print(f"  not planted: {kind}: {why}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
