"""The synthetic scale generator: deterministic, well-formed, evidence found, faults as listed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from qgraph import synth
from qgraph.checks import evidence
from qgraph.checks.quotes import find_quote
from qgraph.corpus.loading import load

import repo as paths


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    return out, synth.generate(5000, seed=1, out=out)


def test_deterministic(small, tmp_path):
    out, manifest = small
    again = synth.generate(5000, seed=1, out=tmp_path / "again")
    assert again.to_json() == manifest.to_json()
    assert _files(tmp_path / "again") == _files(out)
    synth.generate(5000, seed=2, out=tmp_path / "other")
    assert _files(tmp_path / "other") != _files(out)


def test_triple_count_is_exact_and_near_the_target(small):
    out, manifest = small
    files = sorted((out / "data").glob("*.ttl"))
    assert len(files) == len(manifest.documents) > 1, "one file per document"
    n = sum(len(list(ox.parse(path=str(f), format=ox.RdfFormat.TURTLE))) for f in files)
    assert n == manifest.triples
    assert 5000 <= n < 5000 * 1.5


def test_every_quote_found_once_in_its_source(small):
    out, manifest = small
    checked = 0
    for doc in manifest.documents:
        text = (out / "data" / "sources" / f"{doc}.txt").read_text(encoding="utf-8")
        for q in ox.parse(path=str(out / "data" / f"{doc}.ttl"), format=ox.RdfFormat.TURTLE):
            if q.predicate.value == "http://www.w3.org/ns/oa#exact":
                assert len(find_quote(text, q.object.value)) == 1, (doc, q.object.value)
                checked += 1
    assert checked > 10 * len(manifest.documents)


def test_qgraph_evidence_check_passes(small):
    """The tool's own evidence checker runs on the generated project (its documents, its texts)."""
    out, manifest = small
    loaded = load(out)
    summary = evidence.check(loaded)
    planted_evidence_faults = {"qgid:" + p["focus"].rsplit("/", 1)[1] for p in manifest.planted if p["kind"] in ("membership-no-evidence",
                                                                                    "evidence-no-source")}
    unexpected = [p for p in summary.problems if p.focus not in planted_evidence_faults]
    assert summary.passages > 0 and planted_evidence_faults
    assert {p.focus for p in summary.problems} == planted_evidence_faults
    assert not unexpected, unexpected[:5]


def test_every_fault_kind_planted_with_its_shape(small):
    out, manifest = small
    assert (paths.ONTOLOGY_DIR / "shapes.ttl").exists()
    kinds = {p["kind"] for p in manifest.planted}
    assert kinds == set(synth.FAULT_KINDS) - set(manifest.skipped_kinds)
    assert len(manifest.skipped_kinds) <= 2, manifest.skipped_kinds
    for p in manifest.planted:
        assert p["shape"].startswith("https://w3id.org/qgraph/shapes#"), p
        assert p["document"] in manifest.documents
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == manifest.to_json()
    assert (out / "ontology" / "shapes.ttl").exists()


def test_no_faults_without_shapes(tmp_path):
    m = synth.generate(2000, seed=0, out=None, shapes_file=None)
    assert m.planted == [] and m.triples >= 2000


def test_command_line(tmp_path):
    env = {"PYTHONPATH": str(paths.ROOT / "src")}
    r = subprocess.run([sys.executable, "-m", "qgraph.synth", "--triples", "1500", "--out", str(tmp_path)],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert "documents" in r.stdout and (tmp_path / "manifest.json").exists()
    bad = subprocess.run([sys.executable, "-m", "qgraph.synth", "--triples", "0", "--out", str(tmp_path)],
                         capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_unfaulted_project_passes_the_violation_checks(tmp_path):
    """Without planted faults the generated project passes queries/checks/ as well as SHACL, so
    the benchmark's build does all the work `qgraph build` does (its checks found 25k unlabelled
    nodes at 1M triples before the generator labelled memberships, signatures, quotations …)."""
    import shutil

    from qgraph.ask import catalogue
    from qgraph.pipeline import check

    synth.generate(3000, seed=3, out=tmp_path, shapes_file=None)
    shutil.copytree(paths.project_root() / "queries", tmp_path / "queries")
    assert catalogue.checks(tmp_path), "no checks copied"
    outcome = check(tmp_path)
    violations = [p for p in outcome.problems if p.severity == "Violation"]
    assert not violations, violations[:5]
def test_unplanted_corpus_claims_only_stated_support(tmp_path):
    """Without planted faults, every qg:supports names a property a citing node states: a
    document whose forum memberships were all described by earlier documents once claimed
    org:member for its members' passage (check:supports-stated failed `qgraph build` at 100k)."""
    from qgraph import synth
    from qgraph.checks import vocabulary
    from qgraph.corpus.loading import load

    synth.generate(100000, 0, tmp_path, shapes_file=None)
    loaded = load(tmp_path)
    assert len(loaded.data_files) > 50, "the generator wrote documents"
    assert [p for p in vocabulary.check(loaded) if p.shape == "check:supports-stated"] == []
