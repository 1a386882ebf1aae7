"""Namespaces of qgraph: the prefix table and the closed ``QG`` vocabulary.

``QG`` lists every class and property of ``ontology/qgraph.ttl``; with ``_fail = True`` a typo
such as ``QG.evidenec`` raises ``AttributeError`` instead of minting a new IRI.
tests/test_namespaces.py checks that the list matches the ontology; regenerate it with
``python scripts/gen_namespace.py``.

This module imports rdflib; other modules import it lazily (inside functions), so that
``import qgraph`` stays light.

>>> str(QG.Evidence)
'https://w3id.org/qgraph/ontology#Evidence'
>>> PREFIXES["qgid"] == str(QGID)
True
"""

from __future__ import annotations

import rdflib.namespace
from rdflib import Namespace, URIRef

from qgraph.vocab import GRAPH_NS, ONTOLOGY_IRI, PREFIXES  # noqa: F401 (re-exported)
from qgraph.vocab import QG as QG_IRI
from qgraph.vocab import QGID as QGID_IRI
from qgraph.vocab import QGSH as QGSH_IRI

GRAPH_IRI = GRAPH_NS

#: Data individuals and SKOS concepts (open: any local name is allowed).
QGID = Namespace(QGID_IRI)
#: SHACL shapes (open).
QGSH = Namespace(QGSH_IRI)


def graph_iri(name: str) -> URIRef:
    """Return the named-graph IRI for a document id, ``ontology`` or ``links``.

    >>> str(graph_iri("uk-denmark-quantum-mou"))
    'https://w3id.org/qgraph/graph/uk-denmark-quantum-mou'
    """
    return URIRef(GRAPH_IRI + name)


# The base class is reached through its module, not imported by name: pytest's doctest
# collection inspects module attributes, and the open base class warns on unknown ones.
class QG(rdflib.namespace.DefinedNamespace):
    """The qgraph ontology (closed: only the terms of ontology/qgraph.ttl)."""

    _fail = True
    _NS = Namespace(QG_IRI)

    # --- begin generated term list (scripts/gen_namespace.py) ---
    # classes
    Agreement: URIRef
    City: URIRef
    Commitment: URIRef
    Communique: URIRef
    CooperationActivity: URIRef
    Document: URIRef
    Evidence: URIRef
    Facility: URIRef
    Forum: URIRef
    Foundation: URIRef
    FundingCommitment: URIRef
    Government: URIRef
    GovernmentBody: URIRef
    GovernmentDepartment: URIRef
    GuidingPrinciple: URIRef
    InnovationAccelerator: URIRef
    InternationalOrganization: URIRef
    JointStatement: URIRef
    LeadersStatement: URIRef
    Meeting: URIRef
    MemorandumOfUnderstanding: URIRef
    Nation: URIRef
    NewsStory: URIRef
    Office: URIRef
    OfficeHolding: URIRef
    Partnership: URIRef
    Person: URIRef
    PressStatement: URIRef
    PriorityArea: URIRef
    Programme: URIRef
    Provision: URIRef
    Quotation: URIRef
    Recital: URIRef
    Region: URIRef
    ResearchInstitute: URIRef
    SideEvent: URIRef
    Signature: URIRef
    SourceDocument: URIRef
    TextReuse: URIRef
    Venue: URIRef
    WebPage: URIRef
    # properties
    about: URIRef
    adoptedBy: URIRef
    agreedAt: URIRef
    agreedBy: URIRef
    amount: URIRef
    anchoredAt: URIRef
    announcedOn: URIRef
    attendeeCount: URIRef
    attendeeDescription: URIRef
    attestedOn: URIRef
    chairedBy: URIRef
    city: URIRef
    committedBy: URIRef
    confidence: URIRef
    copySource: URIRef
    currency: URIRef
    departmentOf: URIRef
    derivation: URIRef
    durationDays: URIRef
    endDate: URIRef
    evidence: URIRef
    firstHeldIn: URIRef
    fundedBy: URIRef
    fundingFor: URIRef
    governmentOf: URIRef
    hasItem: URIRef
    hasProvision: URIRef
    heading: URIRef
    headquarters: URIRef
    holder: URIRef
    hostNation: URIRef
    hostedBy: URIRef
    itemLabel: URIRef
    licenceStated: URIRef
    locatedIn: URIRef
    meetingOf: URIRef
    mentions: URIRef
    method: URIRef
    office: URIRef
    officeOf: URIRef
    openedBy: URIRef
    ordinal: URIRef
    organizedBy: URIRef
    outcome: URIRef
    partOf: URIRef
    partOfProvision: URIRef
    participant: URIRef
    participantDescription: URIRef
    partner: URIRef
    party: URIRef
    principle: URIRef
    principleOf: URIRef
    provisionNumber: URIRef
    provisionOf: URIRef
    publishedOn: URIRef
    quoteText: URIRef
    quotedIn: URIRef
    recalls: URIRef
    releasedBy: URIRef
    releasedOn: URIRef
    releasedOnOccasionOf: URIRef
    resultedIn: URIRef
    reuseSource: URIRef
    reuseTarget: URIRef
    runBy: URIRef
    sector: URIRef
    sideEventOf: URIRef
    signatory: URIRef
    signatoryOffice: URIRef
    signedAt: URIRef
    signedDocument: URIRef
    signedFor: URIRef
    signedOn: URIRef
    similarity: URIRef
    sourcePassage: URIRef
    speaker: URIRef
    speakerOffice: URIRef
    startDate: URIRef
    statedIn: URIRef
    statedPublisher: URIRef
    supports: URIRef
    supportsValue: URIRef
    targetPassage: URIRef
    technologyArea: URIRef
    textCompleteness: URIRef
    topic: URIRef
    venue: URIRef
    yearStated: URIRef
    # --- end generated term list ---
