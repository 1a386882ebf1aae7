"""``qgraph build`` with the validation cache (.qgraph-cache/): the checks reuse the results the
cache holds (the shapes check, the per-file checks, the graph-local SPARQL checks), the exports
and the summary are the same with and without it, the verdict it leaves is the one
``qgraph validate --no-cache`` gives, and ``--no-cache`` neither reads nor writes it."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from qgraph.checks.cache import CACHE_DIR, STATE
from qgraph.cli import main


@pytest.fixture
def corpus(clean_corpus: Path) -> Path:
    return clean_corpus


def _digests(out: Path) -> dict[str, str]:
    files = sorted(p for p in out.rglob("*") if p.is_file())
    assert files, f"no export in {out}"
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _build(capsys: pytest.CaptureFixture, root: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    rc = main(["build", "--root", str(root), "--out", str(out), "--progress", *extra])
    o, e = capsys.readouterr()
    return rc, o, e


def _used(err: str) -> tuple[int, int]:
    m = re.search(r"cache: (\d+) stored result\(s\) used, (\d+) computed; written \(\d+\.\d s\)", err)
    assert m, err
    return int(m.group(1)), int(m.group(2))


def test_second_build_reuses_the_cache_with_the_same_exports(corpus: Path, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture):
    rc, first_out, err = _build(capsys, corpus, tmp_path / "first")
    assert rc == 0, err
    assert (corpus / CACHE_DIR / STATE).is_file()
    assert _used(err)[0] == 0  # nothing stored before the first build
    rc, second_out, err = _build(capsys, corpus, tmp_path / "second")
    assert rc == 0, err
    used, computed = _used(err)
    assert used > 0 and computed == 0  # the shapes check among them: nothing changed
    rc, fresh_out, err = _build(capsys, corpus, tmp_path / "fresh", "--no-cache")
    assert rc == 0 and "cache:" not in err
    first = _digests(tmp_path / "first")
    assert first == _digests(tmp_path / "second") == _digests(tmp_path / "fresh")
    strip = [re.sub(r"wrote .*", "", t) for t in (first_out, second_out, fresh_out)]
    assert strip[0] == strip[1] == strip[2]


def test_verdict_left_by_a_build_is_that_of_an_uncached_validation(corpus: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture):
    source = sorted((corpus / "data" / "sources").glob("*.txt"))[0]
    text = source.read_text(encoding="utf-8")
    source.write_text("Nothing the evidence quotes.\n", encoding="utf-8")  # quotes not found: violations
    rc, _, err = _build(capsys, corpus, tmp_path / "out")
    assert rc == 1 and not (tmp_path / "out").exists()
    _used(err)  # the cache is written even when the build refuses
    assert main(["validate", "--root", str(corpus), "--format", "json", "--progress"]) == 1
    cached, cached_err = capsys.readouterr()
    assert "nothing changed since the last run" in cached_err  # the verdict the build left
    assert main(["validate", "--root", str(corpus), "--format", "json", "--no-cache"]) == 1
    fresh, _ = capsys.readouterr()
    assert cached == fresh and source.name in fresh
    source.write_text(text, encoding="utf-8")  # fixed: the build goes through again
    rc, _, err = _build(capsys, corpus, tmp_path / "out")
    assert rc == 0, err


def test_no_cache_neither_reads_nor_writes(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture):
    rc, _, err = _build(capsys, corpus, tmp_path / "out", "--no-cache")
    assert rc == 0, err
    assert not (corpus / CACHE_DIR).exists()


def test_shacl_for_shacl_child_started_only_when_the_cache_lacks_the_shapes_check(
        corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch):
    """A build runs SHACL-for-SHACL in a child process while the corpus loads, unless the cache
    holds the shapes check for these shapes and ontology (a warm build starts no child) or the
    shapes are the shipped ones (tests/test_shapes_checked.py): here the corpus's own."""
    from qgraph.checks import validation

    shapes = corpus / "ontology" / "shapes.ttl"
    assert validation.shipped_shapes(shapes)
    shapes.write_bytes(shapes.read_bytes() + b"\n# the corpus's own shapes\n")
    started: list[Path] = []
    real = validation.MetaShacl

    def spy(path: Path, rel: str) -> object:
        started.append(path)
        return real(path, rel)

    monkeypatch.setattr(validation, "MetaShacl", spy)
    assert _build(capsys, corpus, tmp_path / "first")[0] == 0
    assert started == [corpus / "ontology" / "shapes.ttl"]
    assert _build(capsys, corpus, tmp_path / "warm")[0] == 0
    assert len(started) == 1
    assert _build(capsys, corpus, tmp_path / "fresh", "--no-cache")[0] == 0
    assert len(started) == 2
    assert _digests(tmp_path / "first") == _digests(tmp_path / "warm") == _digests(tmp_path / "fresh")


def test_terms_checked_in_a_child_process_are_those_checked_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The build runs the term and qg:supports checks in a child process while it checks the
    evidence: the same problems as in process (a corpus with planted faults, undeclared terms and
    stale qg:supports among them), and the cache's memo gets the same entries; a child that
    fails leaves the checks to the process itself."""
    import os

    from qgraph import synth
    from qgraph.checks import vocabulary
    from qgraph.checks.cache import Memo
    from qgraph.corpus.loading import load
    from qgraph.forked import Forked
    from qgraph.pipeline import _terms, _terms_in_child

    root = tmp_path / "faulty"
    synth.generate(3000, 0, root, fault_every=2)
    data = sorted((root / "data").glob("*.ttl"))
    assert len(data) > 2
    with data[1].open("a", encoding="utf-8") as fh:  # an undeclared term too
        fh.write("\n<https://w3id.org/qgraph/id/x> <https://w3id.org/qgraph/ontology#chairedByX> "
                 "<https://w3id.org/qgraph/id/y> .\n")
    loaded = load(root)
    hashes = {f.rel: f"h-{f.rel}" for f in loaded.files} | {"ontology:x": "o"}
    expected_memo = Memo(hashes)
    expected = vocabulary.check(loaded, expected_memo)
    assert {p.shape for p in expected} >= {"check:term-declared", "check:supports-stated"}, expected
    assert Forked(lambda: _terms_in_child(loaded, None)).result()[0] == expected  # the child answered
    memo = Memo(hashes)
    assert _terms(Forked(lambda: _terms_in_child(loaded, memo)).result(), loaded, memo) == expected
    assert memo.new == expected_memo.new and memo.new["terms"]
    assert (memo.hits, memo.misses) == (expected_memo.hits, expected_memo.misses)
    parent = os.getpid()
    real = vocabulary.check

    def failing_in_the_child(*args: object) -> object:
        if os.getpid() != parent:
            raise MemoryError
        return real(*args)

    monkeypatch.setattr(vocabulary, "check", failing_in_the_child)
    assert _terms(Forked(lambda: _terms_in_child(loaded, None)).result(), loaded, None) == vocabulary.check(loaded)
