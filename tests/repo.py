"""Paths of this repository that the tests read (the sources of the shipped defaults, fixtures).

The package never computes these (it finds a corpus with qgraph.project); the tests know they
run in the checkout.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY_DIR = ROOT / "ontology"
ONTOLOGY_FILES = ("qgraph.ttl", "alignments.ttl", "concepts.ttl")
SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"
FIXTURES_DIR = ONTOLOGY_DIR / "fixtures"
DATA_DIR = ROOT / "data"
SOURCES_DIR = DATA_DIR / "sources"
LINKS_DIR = DATA_DIR / "links"
QUERIES_DIR = ROOT / "queries"
CHECKS_DIR = QUERIES_DIR / "checks"


def project_root() -> Path:
    return ROOT
