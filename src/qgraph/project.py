"""Where the project's files live. One place for every path the package uses.

The project root is, in order: the ``QGRAPH_ROOT`` environment variable, or the checkout that
holds this package (``src/qgraph/`` → two folders up).
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """Return the project root folder (the one holding ``ontology/`` and ``data/``)."""
    env = os.environ.get("QGRAPH_ROOT")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[2]


ROOT = project_root()
ONTOLOGY_DIR = ROOT / "ontology"
ONTOLOGY_FILES = ("qgraph.ttl", "alignments.ttl", "concepts.ttl")
SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"
FIXTURES_DIR = ONTOLOGY_DIR / "fixtures"
DATA_DIR = ROOT / "data"
SOURCES_DIR = DATA_DIR / "sources"
LINKS_DIR = DATA_DIR / "links"
QUERIES_DIR = ROOT / "queries"
CHECKS_DIR = QUERIES_DIR / "checks"
DEFAULT_OUT = Path("dist")
