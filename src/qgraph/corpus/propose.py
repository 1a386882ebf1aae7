"""``qgraph propose``: draft the facts a source text states, each with its passage, for review.

Offline and deterministic. The generic parts are libraries: sentences by ``pysbd``, dates
normalised by ``dateparser`` (English only, no language detection, nothing fetched); what is
specific to qgraph (the graph's own names, the project's IRI style, the evidence model) is here.

What is proposed (each a :class:`Proposal` with a passage and a confidence):

- ``mention``: a thing the graph knows (from the other documents' data files and the SKOS
  concepts), found by any of its labels (``rdfs:label``, ``skos:prefLabel``, ``skos:altLabel``,
  ``foaf:name``); its IRI is reused. The document's own data file is left out, so what the
  draft proposes is what the text says, not what was already encoded from it;
- ``new``: a capitalised name of an organisation, office or place the graph does not know,
  with a proposed IRI in the project's style (``qgid:swedish-ministry-of-education``);
- ``date``: absolute (``xsd:date``), month and year (``xsd:gYearMonth``), day without a year
  (``xsd:gMonthDay``, with ``qg:yearStated false``), relative ("last month") resolved only
  against a full date the text states, else flagged;
- ``amount`` with its currency; ``ordinal`` ("the 4th meeting"); ``participants`` (a sentence
  listing three or more nations); ``quotation`` with its speaker; ``about`` (the kind of
  document, and the meeting it reports).

Every proposal's passage goes through the build's matcher (:func:`qgraph.corpus.passages.selector`);
one that does not anchor is dropped and counted. Plug-ins (``--extractor module:function``, or
the entry-point group ``qgraph.extractors``) return more proposals, which pass the same check and
have their IRIs reused from the graph's labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from qgraph.errors import QgraphError
from qgraph.vocab import QG, QGID

__all__ = ["Proposal", "Draft", "propose", "known_entities"]

ENTRY_POINT_GROUP = "qgraph.extractors"

#: classes whose instances are proposed as mentions (agents, places, offices, concepts)
MENTION_CLASSES = (
    "Nation", "Government", "Forum", "InternationalOrganization", "GovernmentDepartment", "GovernmentBody",
    "Foundation", "ResearchInstitute", "InnovationAccelerator", "Facility", "Person", "Office", "City",
    "Region", "Venue",
)
_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December|"
           "Jan\\.?|Feb\\.?|Mar\\.?|Apr\\.?|Jun\\.?|Jul\\.?|Aug\\.?|Sept?\\.?|Oct\\.?|Nov\\.?|Dec\\.?")
_M = f"(?:{_MONTHS})"
_DASH = "(?:\\s*[–—-]\\s*|\\s+to\\s+)"
_DATE = re.compile(
    rf"(?P<range1>\b(?P<d1>\d{{1,2}})\s+(?P<m1>{_M}){_DASH}(?P<d2>\d{{1,2}})\s+(?P<m2>{_M})(?:,?\s+(?P<y1>\d{{4}}))?)"
    rf"|(?P<range2>\b(?P<m3>{_M})\s+(?P<d3>\d{{1,2}}){_DASH}(?P<d4>\d{{1,2}})(?:,?\s+(?P<y2>\d{{4}}))?)"
    rf"|(?P<range3>\b(?P<d5>\d{{1,2}}){_DASH}(?P<d6>\d{{1,2}})\s+(?P<m4>{_M})(?:,?\s+(?P<y3>\d{{4}}))?)"
    rf"|(?P<dmy>\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_M},?(?:\s+\d{{4}})?)"
    rf"|(?P<mdy>\b{_M}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?)(?!\d)"
    rf"|(?P<my>\b{_M}\s+\d{{4}})"
    r"|(?P<iso>\b\d{4}-\d{2}-\d{2}\b)"
    r"|(?P<dotted>\b\d{1,2}\.\d{1,2}\.\d{4}\b)"
    r"|(?P<slashed>\b\d{2}/\d{2}/\d{4}\b)",
)
_RELATIVE = re.compile(r"\b(?:last|next|this|earlier this|later this)\s+(?:week|month|year)\b|\byesterday\b|\btoday\b"
                       rf"|\b{_M}\s+(?:last|next|this)\s+year\b", re.IGNORECASE)
_AMOUNT = re.compile(r"(?P<cur>£|\$|€|¥|\b(?:GBP|USD|EUR|JPY|CAD|AUD)\s?)(?P<num>\d[\d,]*(?:\.\d+)?)"
                     r"(?:\s*(?P<scale>million|billion|bn|m)\b)?")
_CURRENCY = {"£": "GBP", "$": "USD", "€": "EUR", "¥": "JPY"}
_SCALE = {"million": 10**6, "m": 10**6, "billion": 10**9, "bn": 10**9}
_ORDINAL_WORDS = ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
                  "thirteenth fourteenth fifteenth").split()
_ORDINAL = re.compile(r"\b(?P<n>\d{1,2})(?:st|nd|rd|th)\b|\b(?P<w>" + "|".join(_ORDINAL_WORDS) + r")\b", re.IGNORECASE)
# ("the first time the MDQ meeting was held in Asia" numbers no meeting: "time" after it)
_ORDINAL_OF = re.compile(r"\s+(?!times?\b)(?:\w+\s+){0,3}?(?P<what>meeting|summit|session|round|dialogue|conference|plenary)\b",
                         re.IGNORECASE)
_QUOTE = re.compile(r"[“\"](?P<q>[^”\"]{20,}?)[”\"]")
# a word of a name: capitalised, or an initial ("J.") or a title's abbreviation ("Dr."); a full
# stop elsewhere ends the name ("Minister Anna Svensson. The Minister" was one speaker)
_NAME_WORD = r"(?:[A-Z]\.|(?:Dr|Mr|Mrs|Ms|Prof|St)\.|[A-Z][\w’'-]+)"
_SAID = re.compile(rf"(?:said|says|stated|added)\s+(?P<who>(?:{_NAME_WORD}\s+){{0,4}}[A-Z][\w’'-]+)"
                   rf"|(?P<who2>(?:{_NAME_WORD}\s+){{0,4}}[A-Z][\w’'-]+)\s*(?:,[^,]{{0,120}},\s*)?(?:said|says|stated|added)\b")
#: the words that make a name an institution's
_INSTITUTIONS = ("Ministry|Department|Office|Agency|Institute|Council|Foundation|University|Laboratory|Centre|"
                 "Center|Commission|Secretariat|Embassy")
_NEW_NAME = re.compile(  # a name on one line: spaces only between its words
    r"\b(?:the[ \t]+)?(?P<name>(?:[A-Z][\w’'&.-]*[ \t]+){0,6}?(?:" + _INSTITUTIONS + ")"
    r"(?:[ \t]+(?:of|for|and|on|the|[A-Z][\w’'&.-]*)"
    # a list of capitalised words in the name, ending in "and …" ("for Science, Technology and Innovation")
    r"|,[ \t]+(?=(?:[A-Z][\w’'&-]*,[ \t]+)*[A-Z][\w’'&-]*,?[ \t]+and[ \t]+[A-Z])[A-Z][\w’'&.-]*){0,8})")


def class_curie(cls: str) -> str:
    """The compact name of a :class:`Known` thing's class (``cls``, as it holds it)."""
    return {"Concept": "skos:Concept", "Organization": "org:Organization"}.get(cls, "qg:" + cls)


@dataclass(frozen=True)
class Proposal:
    """One proposed fact. ``exact`` is the passage (checked against the text); ``entity`` the
    IRI it is about (reused when known); ``prop``/``value`` the fact, when it has one."""

    kind: str
    exact: str
    entity: str | None = None
    label: str | None = None
    cls: str | None = None
    prop: str | None = None
    value: str | None = None
    datatype: str | None = None
    status: str = "proposed"  # known (a mention of a thing the graph knows) | new | flagged | proposed
    confidence: str = "medium"
    note: str | None = None
    source: str = "qgraph"  # the extractor that made it


@dataclass
class Anchored:
    proposal: Proposal
    start: int
    line: int
    prefix: str | None
    suffix: str | None


@dataclass
class Draft:
    """The proposals that anchor, in text order, and how many were dropped."""

    doc_id: str
    proposals: list[Anchored] = field(default_factory=list)
    dropped: int = 0
    turtle: str = ""
    #: what plug-ins returned that is not a proposal (no ``kind`` or ``exact`` text, a field that
    #: is not text, an IRI that is not one: :func:`_readable`): ignored, and counted (it
    #: vanished without a word)
    unreadable: int = 0

    def summary(self) -> str:
        kinds: dict[str, int] = {}
        for a in self.proposals:
            kinds[a.proposal.kind] = kinds.get(a.proposal.kind, 0) + 1
        per = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
        ignored = f"; {self.unreadable} item(s) from extractors ignored (not a proposal: a kind and an exact passage " \
                  "are needed, every field text, an entity or datatype an IRI)" if self.unreadable else ""
        return f"{len(self.proposals)} proposals ({per}); {self.dropped} dropped (passage not found once in the text){ignored}"

    def write(self, path: Path, project: Any = None) -> None:
        """The draft written to ``path``; never into the corpus's inputs (``project``'s, when
        given: data/, its source texts and link tables, ontology/, queries/), else never a
        ``data/*.ttl``: the build would load it, or a curated file would be replaced."""
        from qgraph.publish.exports import write_atomically

        path = Path(path)
        hint = f"use drafts/{self.doc_id}.proposed.ttl"
        if project is not None:
            try:
                project.refuse_output_among_inputs(path, "--out")
            except QgraphError as e:
                raise QgraphError(f"{e}; a draft: {hint}") from None
        elif path.suffix.lower() == ".ttl" and path.resolve().parent.name == "data":
            raise QgraphError(f"{path}: a draft never goes into data/*.ttl (the build would load it); {hint}")
        write_atomically({path: lambda fh: fh.write(self.turtle.encode("utf-8"))})


# --- what the graph knows -------------------------------------------------------------------

@dataclass(frozen=True)
class Known:
    iri: str
    label: str  # the preferred label
    cls: str  # local name of its class: qg's, or "Concept" (skos:Concept), "Organization" (org:Organization)


def known_entities(loaded: Any, exclude: str | None = None) -> tuple[dict[str, list[Known]], dict[str, Known]]:
    """Every name of every known thing → the things it names; and IRI → thing.

    Read from the ontology's SKOS concepts and every data file but ``exclude``'s."""
    import pyoxigraph as ox

    from qgraph.vocab import FOAF, ORG, QG, RDF_TYPE, RDFS, SKOS

    wanted = {QG + c: c for c in MENTION_CLASSES}
    wanted[SKOS + "Concept"] = "Concept"
    # an organisation its text names without saying what kind it is (Sunnylands): a mention too,
    # under its more precise class where it also has one
    wanted[ORG + "Organization"] = "Organization"
    name_preds = {RDFS + "label": 0, SKOS + "prefLabel": 0, FOAF + "name": 1, SKOS + "altLabel": 2}
    cls: dict[str, str] = {}
    names: dict[str, list[tuple[int, str]]] = {}
    for f in loaded.files:
        if exclude is not None and f.stem == exclude:
            continue
        for q in loaded.quads_of(f):
            if not isinstance(q.subject, ox.NamedNode):
                continue
            p = q.predicate.value
            if p == RDF_TYPE and q.object.value in wanted:
                c = wanted[q.object.value]
                if cls.get(q.subject.value, "Organization") == "Organization":
                    cls[q.subject.value] = c
            elif p in name_preds and isinstance(q.object, ox.Literal) and q.object.language in (None, "", "en"):
                names.setdefault(q.subject.value, []).append((name_preds[p], q.object.value))
    by_name: dict[str, list[Known]] = {}
    things: dict[str, Known] = {}
    for iri in sorted(cls):
        labels = sorted(set(names.get(iri, [])))
        if not labels:
            continue
        thing = Known(iri, labels[0][1], cls[iri])
        things[iri] = thing
        for _, name in labels:
            for variant in _variants(name):
                by_name.setdefault(variant, [])
                if thing not in by_name[variant]:
                    by_name[variant].append(thing)
    return by_name, things


def _variants(name: str) -> list[str]:
    """A name and its form without a leading "the" (texts write "the United Kingdom")."""
    name = " ".join(name.split())
    out = [name]
    if name.lower().startswith("the ") and len(name) > 6:
        out.append(name[4:])
    return [n for n in out if len(n) >= 2]


# --- the extractors ---------------------------------------------------------------------------

def _spaced(name: str) -> str:
    """A pattern of ``name`` whose spaces match any run of whitespace, a line break included,
    as the build's quotes do ("The United\\nStates of America" names the United States)."""
    return r"\s+".join(re.escape(word) for word in name.split())


def _mentions(text: str, by_name: dict[str, list[Known]]) -> list[Proposal]:
    """Each known thing the text names, once, at the first place it is named (a name inside a
    longer one counts too: "Japan" in "Government of Japan"); and the governments of "the
    Governments of A and B", by their own labels."""
    hits: list[tuple[int, int, str]] = []
    for name in sorted(by_name, key=lambda n: (-len(n), n)):
        flags = 0 if len(name) <= 4 or name.isupper() else re.IGNORECASE
        for m in re.finditer(r"(?<![\w-])" + _spaced(name) + r"(?![\w-])", text, flags):
            hits.append((m.start(), m.end(), name))
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    taken: list[tuple[int, int]] = []
    seen: set[str] = set()
    out = []
    for s, e, name in hits:
        taken.append((s, e))
        for thing in by_name[name]:
            if thing.iri in seen:
                continue
            seen.add(thing.iri)
            conf = "high" if len(by_name[name]) == 1 else "low"
            out.append(Proposal("mention", " ".join(text[s:e].split()), thing.iri, thing.label, thing.cls, status="known",
                                confidence=conf,
                                note=None if conf == "high" else f'"{name}" names {len(by_name[name])} known things'))
    for m in _GOVERNMENTS.finditer(text):
        for nation in re.split(r",\s*(?:and\s+)?|\s+and\s+", m.group("list")):
            nation = re.sub(r"^the\s+", "", nation.strip())
            for label in (f"Government of {nation}", f"Government of the {nation}"):
                for thing in by_name.get(label, []):
                    if thing.iri not in seen and thing.cls == "Government":
                        seen.add(thing.iri)
                        out.append(Proposal("mention", m.group(), thing.iri, thing.label, thing.cls, status="known", confidence="medium",
                                            note=f'"{nation}" in a list of governments'))
    return out


_GOVERNMENTS = re.compile(r"\bGovernments of (?P<list>(?:the\s+)?[A-Z][\w.-]*(?:\s+(?:of\s+)?(?:the\s+)?[A-Z][\w.-]*)*"
                          r"(?:(?:,\s*|\s+and\s+)(?:the\s+)?[A-Z][\w.-]*(?:\s+(?:of\s+)?(?:the\s+)?[A-Z][\w.-]*)*)+)")


#: a short form defined in brackets after its long form: "… Quantum-AI technology (G-QuAT)"
_SHORT_FORM = re.compile(r"\((?P<short>[A-Za-z0-9][\w.&-]{1,9})\)")
#: the words a long form may not cross: a sentence's or a clause's end
_CLAUSE_END = re.compile(r"[.;:!?,()\n](?=\s)|\n")


def _long_forms(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, short form)`` of each long form the text defines with a short form in
    brackets just after it, found as Schwartz and Hearst's algorithm finds them ("A simple
    algorithm for identifying abbreviation definitions in biomedical text", PSB 2003): the short
    form's letters and digits are matched from its last to its first in the words before the
    bracket (at most ``min(len + 5, 2 × len)`` words, within the clause), its first letter at
    the start of a word. "Global Research and Development Center for Business by Quantum-AI
    technology (G-QuAT)" names one thing: its lower-case words ("by", "technology") are the
    name's."""
    out = []
    for m in _SHORT_FORM.finditer(text):
        short = m.group("short")
        if not re.search(r"[A-Za-z]", short) or not short[0].isupper():
            continue
        before = text[:m.start()].rstrip(" \t")
        clause = max((c.end() for c in _CLAUSE_END.finditer(before)), default=0)
        words = list(re.finditer(r"\S+", before[clause:]))
        window = words[-min(len(short) + 5, 2 * len(short)):]
        if not window:
            continue
        start = clause + window[0].start()
        candidate = before[start:].lower()
        letters = [c for c in short.lower() if c.isalnum()]
        li = len(candidate) - 1
        for si in range(len(letters) - 1, -1, -1):
            c = letters[si]
            while li >= 0 and (candidate[li] != c or (si == 0 and li > 0 and candidate[li - 1].isalnum())):
                li -= 1
            if li < 0:
                break
            li -= 1
        else:
            begin = start + li + 1
            long_form = text[begin:len(before)]
            if len(long_form.split()) > 1 and short not in long_form.split():
                out.append((begin, len(before), short))
    return out


def _split_at_and(name: str) -> list[str]:
    """Two names joined by "and" ("State Department and National Security Council"): each side
    names an institution (:data:`_NEW_NAME`'s words), the left one ending with it; or by "and
    the", whatever follows. "Ministry of Education and Research" is one name."""
    name = re.split(r"\s+and\s+the\s+", name)[0]  # "… and Research and the Defence Innovation …": two things
    parts = re.split(r"\s+and\s+(?=[A-Z])", name)
    for i in range(1, len(parts)):
        left, right = " and ".join(parts[:i]), " and ".join(parts[i:])
        if re.search(rf"\b(?:{_INSTITUTIONS})$", left) and re.search(rf"\b(?:{_INSTITUTIONS})\b", right):
            return [left, *_split_at_and(right)]
    return [name]


def _new_things(text: str, by_name: dict[str, list[Known]], known: dict[str, Known]) -> list[Proposal]:
    lower = {n.lower() for n in by_name}
    out, seen = [], set()
    long_forms = _long_forms(text)
    names: list[tuple[str, str | None]] = []
    pos = 0
    while (m := _NEW_NAME.search(text, pos)) is not None:
        pos = m.end()
        # a name inside a long form the text defines with a short form: the long form
        defined = next(((s, e, short) for s, e, short in long_forms if s <= m.start("name") < e), None)
        if defined is not None:
            names.append((" ".join(text[defined[0]:defined[1]].split()), defined[2]))
            continue
        raw = m.group("name")
        # a sentence ends inside it ("…and Research. It was"): the name too (an abbreviation's
        # full stop, D.C., kept), and the next name is looked for after it
        end = re.search(r"[a-z]{2,}(?=\.(?:\s|$))", raw)
        if end is not None:
            raw, pos = raw[:end.end()], m.start("name") + end.end() + 1
        name = re.sub(r"(\s+(of|for|and|on|the|The))+$", "", " ".join(raw.split()))
        # a sentence's "The" is not the name's ("NEW qgid:the-cabinet-office" beside qgid:cabinet-office)
        name = re.sub(r"^The\s+", "", name)
        names += [(re.sub(r"(\s+(of|for|and|on|the|The))+$", "", n), None) for n in _split_at_and(name)]
    for name, short in names:
        if len(name.split()) < 2 or name.lower() in lower or name in seen:
            continue
        seen.add(name)
        # the project's IRIs of a thing with a short form are the short form's (qgid:mdq, qgid:g-quat)
        iri = QGID + slug(short or name)
        if iri in known or QGID + slug(name) in known:
            continue
        cls = "GovernmentDepartment" if re.search(r"Ministry|Department", name) else (
            "ResearchInstitute" if re.search(r"Institute|Laboratory|University|Centre|Center", name) else "GovernmentBody")
        note = "not in the graph: check the name, the class and the IRI"
        if short:
            note += f"; the text writes it short as {short} (a skos:altLabel)"
        out.append(Proposal("new", name, iri, name, cls, status="new", confidence="low", note=note))
    return out


def _countries() -> list[tuple[str, str, str]]:
    """(a name a text may give a country, the country's short name, its ISO 3166-1 alpha-2 code)
    for every country of ISO 3166-1 (``pycountry``'s copy of Debian's iso-codes): its short name
    ("Finland"), official name ("Republic of Finland"), common name ("South Korea"), and its
    short name turned the right way round ("Korea, Republic of": "Republic of Korea"). The
    short name is the common name where there is one, else the name where it holds no comma."""
    import pycountry

    out = []
    for c in pycountry.countries:
        name, official, common = c.name, getattr(c, "official_name", None), getattr(c, "common_name", None)
        turned = None
        if ", " in name:
            head, _, tail = name.partition(", ")
            turned = f"{tail} {head}" if re.search(r"\bof(?: the)?$", tail) else None
        short = common or (name if ", " not in name else turned or official)
        if short is None:
            continue
        for given in dict.fromkeys(n for n in (name if ", " not in name else None, official, common, turned) if n):
            out.append((given, short, c.alpha_2))
    return out


def _new_nations(text: str, by_name: dict[str, list[Known]],
                 known: dict[str, Known]) -> tuple[dict[str, list[Known]], list[Proposal]]:
    """The countries the text names that the graph does not know: by each name the text gives
    them, a :class:`Known` under its proposed IRI (``qgid:`` and its short name's slug), for the
    list of participants; and a ``new`` proposal for each, at the first place it is named. A
    country is known when any of its names is a known thing's label, or its IRI is taken. (A
    corpus's first text names nations that no file states yet: without a list of countries,
    `qgraph propose` proposed none of them, and no list of participants.)"""
    lower = {n.lower() for n in by_name}
    countries = _countries()
    skip = {code for given, _, code in countries if given.lower() in lower}
    hits: list[tuple[int, int, str, str, str]] = []
    for given, short, code in countries:
        if code in skip or QGID + slug(short) in known:
            continue
        for m in re.finditer(r"(?<![\w-])" + _spaced(given) + r"(?![\w-])", text):
            hits.append((m.start(), m.end(), given, short, code))
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0]), h[2]))
    names: dict[str, list[Known]] = {}
    proposals: dict[str, Proposal] = {}
    end = -1
    for s, e, given, short, code in hits:
        if s < end:  # inside a longer name ("United States" in "United States Minor Outlying Islands")
            continue
        end = e
        thing = Known(QGID + slug(short), short, "Nation")
        names.setdefault(given, [thing])
        if thing.iri not in proposals:
            proposals[thing.iri] = Proposal(
                "new", " ".join(text[s:e].split()), thing.iri, short, "Nation", status="new", confidence="medium",
                note=f"a country's name in ISO 3166-1 ({code}; pycountry), not in the graph: check the IRI and "
                     "the label (no Wikidata link is proposed)")
    return names, list(proposals.values())


def slug(name: str) -> str:
    """The project's style of local name: lower-case words joined by '-'.

    >>> slug("Swedish Ministry of Education & Research")
    'swedish-ministry-of-education-research'
    """
    import unicodedata

    ascii_ = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_.lower()))


def _parse_date(s: str, base: Any = None) -> Any:
    import dateparser

    settings = {"PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": [], "RETURN_AS_TIMEZONE_AWARE": False}
    if base is not None:
        settings["RELATIVE_BASE"] = base
    return dateparser.parse(s, languages=["en"], settings=settings)


def _month(s: str) -> int:
    d = _parse_date(f"1 {s.rstrip('.')} 2000")
    return d.month if d else 0


def _dates(text: str) -> list[Proposal]:
    from qgraph.vocab import XSD

    out: list[Proposal] = []
    full: list[Any] = []

    partial: list[tuple[str, int, int]] = []
    _NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December"]

    def add_day(exact: str, day: str, month: str, year: str | None, conf: str = "high") -> None:
        mo = _month(month)
        if not mo or not 1 <= int(day) <= 31:
            return
        if year:
            import datetime as dt

            try:
                d = dt.date(int(year), mo, int(day))
            except ValueError:
                return
            full.append((text.find(exact), d, exact))
            out.append(Proposal("date", exact, value=d.isoformat(), datatype=XSD + "date", confidence=conf))
        else:
            partial.append((exact, mo, int(day)))
            out.append(Proposal("date", exact, value=f"--{mo:02d}-{int(day):02d}", datatype=XSD + "gMonthDay",
                                confidence=conf, note="no year stated: record qg:yearStated false; add no year"))

    for m in _DATE.finditer(text):
        g = m.groupdict()
        if g["range1"]:
            add_day(m.group(), g["d1"], g["m1"], g["y1"])
            add_day(m.group(), g["d2"], g["m2"], g["y1"])
        elif g["range2"]:
            add_day(m.group(), g["d3"], g["m3"], g["y2"])
            add_day(m.group(), g["d4"], g["m3"], g["y2"])
        elif g["range3"]:
            add_day(m.group(), g["d5"], g["m4"], g["y3"])
            add_day(m.group(), g["d6"], g["m4"], g["y3"])
        elif g["dmy"] or g["mdy"]:
            s = m.group()
            day = re.search(r"\d{1,2}", s).group()
            month = re.search(_M, s).group()
            year = re.search(r"\d{4}", s)
            add_day(s, day, month, year.group() if year else None)
        elif g["my"]:
            month, year = m.group().split()[0], m.group().split()[-1]
            mo = _month(month)
            if mo:
                out.append(Proposal("date", m.group(), value=f"{year}-{mo:02d}", datatype=XSD + "gYearMonth",
                                    confidence="high"))
        elif g["iso"]:
            out.append(Proposal("date", m.group(), value=m.group(), datatype=XSD + "date", confidence="high"))
        elif g["dotted"]:
            d, mo, y = m.group().split(".")
            add_day(m.group(), d, _NAMES[int(mo) - 1] if 1 <= int(mo) <= 12 else "x", y, "medium")
        elif g["slashed"]:  # the US State Department's header: month/day/year
            mo, d, y = m.group().split("/")
            add_day(m.group(), d, _NAMES[int(mo) - 1] if 1 <= int(mo) <= 12 else "x", y, "medium")
    stated = text_first_date = None
    if full:
        _, first, stated = min(full, key=lambda x: x[0])  # the first full date the text states
        import datetime as dt

        text_first_date = dt.datetime(first.year, first.month, first.day)
        for exact, mo, day in partial:  # the same day in the stated date's year: an alternative
            year = first.year
            try:
                d = dt.date(year, mo, day)
            except ValueError:
                continue
            out.append(Proposal("date", exact, value=d.isoformat(), datatype=XSD + "date", confidence="low",
                                note=f'the year of "{stated}", the first full date the text states; record it as '
                                     "qg:derivation, or keep the day partial"))
    for m in _RELATIVE.finditer(text):
        phrase = m.group()
        if text_first_date is None:
            out.append(Proposal("date", phrase, status="flagged", confidence="low",
                                note="a relative date, and the text states no date to resolve it against: flagged"))
            continue
        resolved = _parse_date(phrase, text_first_date)
        if resolved is None:
            continue
        unit = "month" if "month" in phrase.lower() or re.match(_M, phrase) else ("year" if "year" in phrase.lower() else "day")
        value, dtp = ((f"{resolved.year}-{resolved.month:02d}", XSD + "gYearMonth") if unit == "month" else
                      (str(resolved.year), XSD + "gYear") if unit == "year" else
                      (resolved.date().isoformat(), XSD + "date"))
        out.append(Proposal("date", phrase, value=value, datatype=dtp, confidence="medium",
                            note=f'relative, resolved against "{stated}", the first full date the text states '
                                 "(record it as qg:derivation)"))
    return out


def _amounts(text: str) -> list[Proposal]:
    from decimal import Decimal

    from qgraph.vocab import XSD

    out = []
    for m in _AMOUNT.finditer(text):
        cur = m.group("cur").strip()
        code = _CURRENCY.get(cur, cur)
        num = Decimal(m.group("num").replace(",", ""))
        scale = m.group("scale")
        if scale:
            num *= _SCALE[scale.lower()]
        value = format(num.normalize(), "f")
        out.append(Proposal("amount", m.group().strip(), prop="qg:amount", value=value, datatype=XSD + "decimal",
                            confidence="high", note=f"currency {code} (qg:currency \"{code}\")"))
    return out


def _ordinals(text: str) -> list[Proposal]:
    from qgraph.vocab import XSD

    out = []
    for m in _ORDINAL.finditer(text):
        after = _ORDINAL_OF.match(text, m.end())
        if not after:
            continue
        n = int(m.group("n")) if m.group("n") else _ORDINAL_WORDS.index(m.group("w").lower()) + 1
        out.append(Proposal("ordinal", text[m.start():after.end()], prop="qg:ordinal", value=str(n),
                            datatype=XSD + "positiveInteger", confidence="high",
                            note=f"the {after.group('what').lower()} numbered {n}"))
    return out


def _sentences(text: str) -> list[tuple[int, int]]:
    """The sentences' spans. A lone line break is a hard wrap, not a sentence's end: read as a
    space (the same length, so the spans hold for ``text``), a blank line still ends one (a
    sentence wrapped after "The United" lost its participants)."""
    import pysbd

    unwrapped = re.sub(r"(?<![\r\n])\r?\n(?![\r\n])", lambda m: " " * len(m.group()), text)
    spans = []
    for s in pysbd.Segmenter(language="en", clean=False, char_span=True).segment(unwrapped):
        body = s.sent.strip()
        if body:
            start = unwrapped.find(body, max(0, s.start - 5))
            if start >= 0:
                spans.append((start, start + len(body)))
    return spans


def _participants(text: str, mentions: list[Proposal], by_name: dict[str, list[Known]],
                  sentences: list[tuple[int, int]]) -> list[Proposal]:
    nation_names = sorted({n for n, things in by_name.items() if any(t.cls == "Nation" for t in things)},
                          key=lambda n: -len(n))
    out = []
    for s, e in sentences:
        sent = text[s:e]
        found: list[str] = []
        for name in nation_names:
            flags = 0 if len(name) <= 4 else re.IGNORECASE
            if re.search(r"(?<![\w-])" + _spaced(name) + r"(?![\w-])", sent, flags):
                for t in by_name[name]:
                    if t.cls == "Nation" and t.iri not in found:
                        found.append(t.iri)
        if len(found) >= 3:
            out.append(Proposal("participants", " ".join(sent.split()), prop="qg:participant / org:member",
                                value=" ".join(sorted(found)), confidence="medium",
                                note=f"{len(found)} nations listed: participants of the meeting or members of the forum"))
    return out


#: words of an office that stand before a name ("Secretary of State Antony Blinken" was read as
#: the name "State Antony Blinken"): left out of a new speaker's name
_TITLE_WORDS = frozenset("""Secretary State Minister President Prime Deputy Vice Under Assistant Ambassador Director
    General Chancellor Foreign Chair Chairman Chairwoman Commissioner Senator Governor Mayor Premier Dr. Mr. Mrs.
    Ms. Prof.""".split())


def _without_titles(name: str) -> str:
    """``name`` without the office words before it, where two words or more are left."""
    words = name.split()
    k = 0
    while k < len(words) and words[k] in _TITLE_WORDS:
        k += 1
    return " ".join(words[k:]) if len(words) - k >= 2 else name


def _quotations(text: str, things: dict[str, Known], sentences: list[tuple[int, int]]) -> list[Proposal]:
    people = {t.label: t for t in things.values() if t.cls == "Person"}
    out = []
    for m in _QUOTE.finditer(text):
        # the speaker named after the quotation ("…,” said X), else the nearest one named before it
        # ("X added: “…”"), not the first named anywhere around it
        before = list(_SAID.finditer(text, max(0, m.start() - 200), m.start()))
        who = _SAID.search(text, m.end(), min(len(text), m.end() + 200)) or (before[-1] if before else None)
        speaker = None
        if who:
            name = who.group("who") or who.group("who2")
            speaker = next((t for label, t in people.items() if label in name or name in label), None)
            speaker_name = speaker.label if speaker else _without_titles(name)
        out.append(Proposal("quotation", " ".join(m.group("q").split()), entity=speaker.iri if speaker else None,
                            label=speaker_name if who else None, prop="qg:speaker",
                            confidence="medium" if who else "low",
                            note=("speaker " + (speaker.iri if speaker else f'"{speaker_name}" (new)')) if who
                            else "speaker not found near the quotation"))
    return out


_ABOUT = (
    (re.compile(r"\bMemorandum of Understanding\b", re.I), "MemorandumOfUnderstanding"),
    (re.compile(r"\bJoint Statement\b", re.I), "JointStatement"),
    (re.compile(r"\bcommuniqu[eé]\b", re.I), "Communique"),
    (re.compile(r"\bCommon Vision\b|\bLeaders[’']? Statement\b", re.I), "LeadersStatement"),
)


def _about(text: str) -> list[Proposal]:
    out = []
    for rx, cls in _ABOUT:
        m = rx.search(text)
        if m:
            out.append(Proposal("about", m.group(), cls=cls, prop="rdf:type", value="qg:" + cls, confidence="medium",
                                note=f"the document is (or contains) a qg:{cls}"))
    return out


def builtin(text: str, by_name: dict[str, list[Known]], things: dict[str, Known]) -> list[Proposal]:
    """Every proposal of qgraph's own extractors, in no particular order."""
    mentions = _mentions(text, by_name)
    sentences = _sentences(text)
    nations, new_nations = _new_nations(text, by_name, things)
    return (mentions + _new_things(text, by_name, things) + new_nations + _dates(text)
            + _amounts(text) + _ordinals(text) + _participants(text, mentions, {**by_name, **nations}, sentences)
            + _quotations(text, things, sentences) + _about(text))


# --- plug-ins ----------------------------------------------------------------------------------

Extractor = Callable[[str, str], Any]


def load_extractor(spec: str) -> Extractor:
    """``module:function`` → the function (called with the document id and its text; returns
    proposals as :class:`Proposal` or dicts of its fields)."""
    import importlib

    mod, _, fn = spec.partition(":")
    if not mod or not fn:
        raise QgraphError(f"--extractor {spec!r}: expected MODULE:FUNCTION")
    try:
        func = getattr(importlib.import_module(mod), fn)
    except (ImportError, AttributeError) as e:
        raise QgraphError(f"--extractor {spec!r}: cannot load it ({e})") from None
    if not callable(func):
        raise QgraphError(f"--extractor {spec!r}: not a function")
    return func


def _plugins(specs: list[str]) -> list[tuple[str, Extractor]]:
    from importlib.metadata import entry_points

    out = [(ep.name, ep.load()) for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name)]
    return out + [(s, load_extractor(s)) for s in specs]


#: a class as a plug-in may name it: a local name of qg: (``Nation``), ``qg:Nation`` or its IRI
_CLASS_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def _readable(item: Proposal) -> bool:
    """Whether a plug-in's proposal can be written into a draft that parses: every field text
    (a number as ``value`` stopped the command with a traceback), ``entity`` and ``datatype``
    IRIs, and the class one of qg: (a space in one wrote a draft no parser reads)."""
    import pyoxigraph as ox

    if any(v is not None and not isinstance(v, str) for v in vars(item).values()):
        return False
    for iri in (item.entity, item.datatype):
        if iri is not None:
            try:
                ox.NamedNode(iri)
            except ValueError:
                return False
    return not item.cls or _CLASS_NAME.fullmatch(item.cls.removeprefix(QG).removeprefix("qg:")) is not None


def _from_plugin(name: str, item: Any, by_name: dict[str, list[Known]]) -> Proposal | None:
    if isinstance(item, dict):
        fields = {k: v for k, v in item.items() if k in Proposal.__dataclass_fields__}
        if not isinstance(fields.get("kind"), str) or not isinstance(fields.get("exact"), str):
            return None
        item = Proposal(**fields)
    if not isinstance(item, Proposal) or not _readable(item):
        return None
    item = replace(item, source=name)
    if item.cls:  # a class as the built-in extractors give it: its local name ("qg:Nation" wrote qg:qg:Nation)
        item = replace(item, cls=item.cls.removeprefix(QG).removeprefix("qg:"))
    if item.kind in ("mention", "new") and item.label:  # reuse the graph's IRI for a name it knows
        things = by_name.get(" ".join(item.label.split())) or by_name.get(" ".join(item.exact.split()))
        if things and len(things) == 1:
            t = things[0]
            item = replace(item, kind="mention", entity=t.iri, label=t.label, cls=t.cls, status="known")
        elif item.entity is None:
            item = replace(item, kind="new", entity=QGID + slug(item.label), status="new")
    return item


# --- the draft ---------------------------------------------------------------------------------

def propose(doc_id: str, root: Path | str | None = None, extractors: list[str] | None = None,
            loaded: Any = None, blind: bool = False) -> Draft:
    """The draft of ``doc_id``: every proposal that anchors in its text, in text order.

    What the graph knows includes the document's own data file: a thing the curator has already
    described there is a mention of its IRI (it was proposed again as NEW, "not in the graph").
    ``blind``: that file left out (benchmarks/propose.py measures what propose finds without
    reading the answer)."""
    from qgraph.corpus.loading import load, read_text
    from qgraph.corpus.passages import selector
    from qgraph.corpus.scaffold import check_doc_name

    check_doc_name(doc_id)
    loaded = loaded or load(root)
    path = loaded.project.source_text(doc_id)
    if not path.is_file():
        raise QgraphError(f"{loaded.project.display(path)}: no such source text (qgraph new {doc_id} --source FILE adds it)")
    text = read_text(path, loaded.project.display(path))
    by_name, things = known_entities(loaded, exclude=doc_id if blind else None)
    proposals = builtin(text, by_name, things)
    unreadable = 0
    for name, func in _plugins(extractors or []):
        try:
            items = list(func(doc_id, text) or [])
        except Exception as e:  # noqa: BLE001 (a plug-in's failure is reported, never a traceback)
            raise QgraphError(f"extractor {name}: failed ({type(e).__name__}: {e})") from None
        got = [_from_plugin(name, it, by_name) for it in items]
        unreadable += sum(p is None for p in got)
        proposals += [p for p in got if p is not None]
    draft = Draft(doc_id, unreadable=unreadable)
    seen = set()
    for p in proposals:
        key = (p.kind, p.exact, p.entity, p.value)
        if key in seen:
            continue
        seen.add(key)
        occ = selector(text, p.exact) if p.exact.strip() else None
        if occ is None:
            draft.dropped += 1
            continue
        draft.proposals.append(Anchored(p, occ.start, occ.line, occ.prefix, occ.suffix))
    draft.proposals.sort(key=lambda a: (a.start, a.proposal.kind, a.proposal.entity or "", a.proposal.value or ""))
    draft.turtle = render(draft, loaded.prefixes)
    return draft


def render(draft: Draft, prefixes: dict[str, str]) -> str:
    """The draft as Turtle: one ``qgd:Proposal`` per proposal with its evidence in the data files'
    shape, and a comment line a curator reads first."""
    from qgraph.corpus.passages import selector_turtle, turtle_string
    from qgraph.corpus.terms import shorten
    from qgraph.vocab import DRAFT, turtle_prologue

    table = {**prefixes, "qgd": DRAFT}
    doc = draft.doc_id
    out = [
        f"# qgraph propose {doc}: proposed facts for review (a draft: the build never loads it).",
        f"# Move what you accept into data/{doc}.ttl in the data's own shape; a passage here is checked",
        "# against the text already. NEW marks a thing the graph does not know (check its proposed IRI).",
        f"# {draft.summary()}",
        "",
        turtle_prologue(sorted(set(["dcterms", "oa", "org", "qg", "qgid", "rdf", "rdfs", "skos", "xsd"]) & set(table))
                        + ["qgd"], table).rstrip("\n"),
        "",
    ]
    for i, a in enumerate(draft.proposals, 1):
        p = a.proposal
        head = f"# {i}. {p.kind}"
        if p.entity:
            head += f" {'NEW ' if p.status == 'new' else ''}{shorten(p.entity, table)}"
        if p.cls:
            head += f" ({class_curie(p.cls)})"
        if p.value is not None:
            head += f" {p.prop + ' ' if p.prop else ''}{p.value}"
        if p.status == "flagged":
            head += " FLAGGED"
        out.append(head + f"; line {a.line}; confidence {p.confidence}" + (f"; {p.note}" if p.note else ""))
        lines = [f"qgd:p{i}", "    a qgd:Proposal ;", f"    qgd:kind {turtle_string(p.kind)} ;",
                 f"    qgd:status {turtle_string(p.status)} ;"]
        if p.entity:
            lines.append(f"    qgd:entity {shorten(p.entity, table)} ;")
        if p.label:
            lines.append(f"    rdfs:label {turtle_string(p.label, 'en')} ;")
        if p.cls:
            lines.append(f"    qgd:class {class_curie(p.cls)} ;")
        if p.prop:
            lines.append(f"    qgd:property {turtle_string(p.prop)} ;")
        if p.value is not None:
            lit = turtle_string(p.value)
            if p.datatype:
                lit += f"^^{shorten(p.datatype, table)}"
            lines.append(f"    qgd:value {lit} ;")
        if p.note:
            lines.append(f"    skos:editorialNote {turtle_string(p.note, 'en')} ;")
        if p.source != "qgraph":
            lines.append(f"    qgd:extractor {turtle_string(p.source)} ;")
        lines += ["    qgd:evidence [", "        a qg:Evidence ;", f"        oa:hasSource qgid:doc-{doc} ;",
                  selector_turtle(" ".join(p.exact.split()), a.prefix, a.suffix, indent="        "),
                  f"        qg:confidence {turtle_string(p.confidence)}", "    ] ."]
        out += lines + [""]
    return "\n".join(out)
