"""Text reuse across documents (qgraph.links.reuse, `qgraph reuse`): deterministic, finds the
known shared passages with their scores, and its graph loads, validates and answers."""

from __future__ import annotations

import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from qgraph.corpus.loading import load
from qgraph.links import reuse
from qgraph.vocab import QGID, REUSE_GRAPH

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def loaded():
    return load(PROJECT)


@pytest.fixture(scope="module")
def found(loaded):
    links = reuse.find(loaded)
    assert links, "no text reuse found in the corpus"
    return links


def _pair(found, a: str, b: str) -> reuse.Reuse | None:
    for r in found:
        if {r.source.node, r.target.node} == {QGID + a, QGID + b}:
            return r
    return None


def test_measure_is_word_shingle_jaccard():
    a = reuse.shingles("Recognising that both are leaders in quantum science.")
    b = reuse.shingles("Recognizing that both are global leaders in quantum science!")
    # shared: "that both are", "leaders in quantum", "in quantum science" (3 of 6 + 7 - 3 = 10)
    assert reuse.jaccard(a, b) == Decimal("0.300")
    assert reuse.jaccard(a, a) == Decimal("1.000")
    assert reuse.jaccard(frozenset(), frozenset()) == Decimal("0.000")


def test_deterministic_and_the_shipped_file_is_current(loaded):
    """Two runs give the same bytes, and data/links/text-reuse.ttl is what the data gives
    (after changing a document, run `qgraph reuse`)."""
    first, second = reuse.build(loaded), reuse.build(load(PROJECT))
    assert first == second
    shipped = (PROJECT / "data" / "links" / reuse.REUSE_TTL).read_text(encoding="utf-8")
    assert shipped == first, "data/links/text-reuse.ttl is stale: run `qgraph reuse`"


@pytest.mark.parametrize("a,b,least", [
    # the Canada-UK statement's first recitals and the UK-Denmark MoU's clauses 1, 3 and 4
    ("uk-canada-quantum-joint-statement-recital-3", "mou-uk-denmark-clause-4", "0.6"),
    ("uk-canada-quantum-joint-statement-recital-2", "mou-uk-denmark-clause-3", "0.5"),
    ("uk-canada-quantum-joint-statement-recital-1", "mou-uk-denmark-clause-1", "0.3"),
    # the common wording of the US bilateral statements (word for word)
    ("us-denmark-quantum-joint-statement-2022-recital-1", "us-sweden-quantum-joint-statement-recital-1", "1"),
    ("us-finland-quantum-joint-statement-2022-recital-3", "us-switzerland-quantum-joint-statement-recital-3", "0.9"),
    # the MDQ 2024 page's shared values and the MoU's eleven principles (clause 6)
    ("doc-mdq-guiding-principles-2024", "mou-uk-denmark-clause-6", "0.2"),
])
def test_known_pairs_found_above_threshold(found, a, b, least):
    r = _pair(found, a, b)
    assert r is not None, f"{a} ~ {b} not found"
    assert r.score >= Decimal(least) >= reuse.THRESHOLD, (a, b, r.score)
    assert r.source.document != r.target.document
    assert r.source.document < r.target.document  # the source is the unit whose document id sorts first


def test_unrelated_units_are_not_linked(found):
    """A principle of the MDQ and the G7's recital share no run of three words worth a link."""
    assert _pair(found, "mdq-guiding-principle-2", "g7-kananaskis-quantum-common-vision-recital-1") is None
    assert all(r.score >= reuse.THRESHOLD for r in found)
    assert len({r.iri for r in found}) == len(found)


def test_units_use_their_own_passages(loaded):
    """An introduction that is evidence of seven principles is no principle's own text; a
    principle list is represented by the passage that supports qg:principle."""
    units = {(u.node, u.document): u for u in reuse.units(loaded)}
    p1 = units[QGID + "mdq-guiding-principle-1", "mdq-4th-meeting-guiding-principles"]
    assert [t for _, t in p1.passages] == [
        "Promote scientific collaboration and the exchange of ideas to support quicker scientific discovery in QIST."]
    values = units[QGID + "doc-mdq-guiding-principles-2024", "mdq-guiding-principles-2024"]
    assert [t.split(",")[0] for _, t in values.passages] == ["Shared values underpin the principles"]


def test_graph_loads_validates_and_answers(loaded):
    """The graph is loaded into its own named graph, conforms to the shapes, and a page can ask
    which passages of the MoU's clause 4 reappear elsewhere."""
    from qgraph.corpus.store import open_store
    from qgraph.pipeline import check

    files = loaded.file_for_graph(REUSE_GRAPH)
    assert [f.rel for f in files] == ["data/links/text-reuse.ttl"]
    problems = [p for p in check(PROJECT).problems if p.severity == "Violation"]
    assert problems == []
    for backend in ("oxigraph", "rdflib"):
        rows = reuse.reuse_of(open_store(loaded, backend), QGID + "mou-uk-denmark-clause-4")
        assert [str(r["other"]) for r in rows] == [QGID + "uk-canada-quantum-joint-statement-recital-3"]
        assert str(rows[0]["similarity"]) == "0.629"
        assert str(rows[0]["otherPassage"]).startswith("3. Recognizing that, to support the growth")


def test_command_writes_then_checks(tmp_path, cli_env):
    """`qgraph reuse --check` exits 1 on a stale file and writes nothing; `qgraph reuse` writes
    it; then --check exits 0."""
    root = tmp_path / "corpus"
    root.mkdir()
    for name in ("qgraph.toml", "ontology", "queries", "data"):
        src = PROJECT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / name)
    target = root / "data" / "links" / reuse.REUSE_TTL
    target.write_text("# stale\n", encoding="utf-8")

    def run(*args):
        return subprocess.run([sys.executable, "-m", "qgraph", "reuse", *args, "--root", str(root)],
                              capture_output=True, text=True, env=cli_env)

    r = run("--check")
    assert r.returncode == 1 and "not current" in r.stderr and "Traceback" not in r.stderr
    assert target.read_text(encoding="utf-8") == "# stale\n"
    r = run()
    assert r.returncode == 0 and "wrote data/links/text-reuse.ttl" in r.stdout
    assert target.read_text(encoding="utf-8") == (PROJECT / "data" / "links" / reuse.REUSE_TTL).read_text(encoding="utf-8")
    assert run("--check").returncode == 0
