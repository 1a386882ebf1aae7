"""The counts of ``qgraph stats`` kept between runs (qgraph.ask.kept_counts): used while the corpus
is unchanged, never trusted otherwise (changed, another version, damaged), kept by the build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from qgraph.ask import kept_counts
from qgraph.checks.cache import CACHE_DIR
from tests.conftest import count_calls, rewritten_kept

KEPT = Path(CACHE_DIR) / kept_counts.FILE


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the corpus was counted (``qgraph.ask.counts.compute`` called) from now on."""
    from qgraph.ask import counts

    return count_calls(monkeypatch, counts, "compute")


def _stats(capsys: pytest.CaptureFixture, root: Path, *extra: str) -> str:
    from qgraph.cli import main

    assert main(["stats", "--root", str(root), *extra]) == 0
    out, err = capsys.readouterr()
    assert not err, err
    return out


def _a_data_file(root: Path) -> Path:
    files = sorted((root / "data").glob("*.ttl"))
    assert files, f"no data file under {root}"
    return files[0]


def test_counts_are_kept_and_used_while_nothing_changes(clean_corpus: Path, capsys, counted: list[int]):
    fresh = _stats(capsys, clean_corpus, "--no-cache")
    assert counted == [1] and not (clean_corpus / KEPT).exists()  # --no-cache writes nothing
    assert _stats(capsys, clean_corpus) == fresh and counted == [1, 1]
    assert (clean_corpus / KEPT).is_file()
    assert _stats(capsys, clean_corpus) == fresh and counted == [1, 1]  # read, not counted
    json_kept = _stats(capsys, clean_corpus, "--format", "json")
    assert counted == [1, 1]
    assert json_kept == _stats(capsys, clean_corpus, "--format", "json", "--no-cache")


def test_the_build_keeps_its_summary_counts(clean_corpus: Path, tmp_path: Path, capsys, counted: list[int]):
    """``qgraph build`` counts the corpus for its summary: ``qgraph stats`` after it prints those
    counts without counting again, the same as counted afresh (text and JSON). ``--no-cache``
    builds keep none."""
    from qgraph.cli import main

    assert main(["build", "--root", str(clean_corpus), "--out", str(tmp_path / "a"), "--no-cache"]) == 0
    assert not (clean_corpus / KEPT).exists()
    assert main(["build", "--root", str(clean_corpus), "--out", str(tmp_path / "b")]) == 0
    capsys.readouterr()
    assert (clean_corpus / KEPT).is_file()
    built = len(counted)
    text, js = _stats(capsys, clean_corpus), _stats(capsys, clean_corpus, "--format", "json")
    assert len(counted) == built
    assert text == _stats(capsys, clean_corpus, "--no-cache")
    assert js == _stats(capsys, clean_corpus, "--format", "json", "--no-cache")


def test_the_real_corpus_build_counts_as_stats_does(project_root: Path, tmp_path: Path, capsys):
    """On the real corpus (its link and enrichment graphs, text-reuse graph): the build's kept
    counts are those ``qgraph stats`` counts."""
    import shutil

    from qgraph.cli import main

    root = tmp_path / "corpus"
    shutil.copytree(project_root, root, ignore=shutil.ignore_patterns(".git", ".venv", "dist", CACHE_DIR, "benchmarks",
                                                                     "tests", "test-artifacts", "src"))
    assert sorted((root / "data").glob("*.ttl")), "no data file copied"
    assert main(["build", "--root", str(root), "--out", str(tmp_path / "dist")]) == 0
    capsys.readouterr()
    kept = (root / KEPT).read_bytes()
    assert _stats(capsys, root, "--format", "json") == _stats(capsys, root, "--format", "json", "--no-cache")
    assert (root / KEPT).read_bytes() == kept  # the build's were used, not counted and written again


def test_an_edit_is_counted_again(clean_corpus: Path, capsys, counted: list[int]):
    _stats(capsys, clean_corpus)
    doc = _a_data_file(clean_corpus)
    doc.write_text(doc.read_text(encoding="utf-8") + "\n<https://w3id.org/qgraph/id/x> "
                   "<http://www.w3.org/2000/01/rdf-schema#label> \"an added label\"@en .\n", encoding="utf-8")
    before = len(counted)
    edited = _stats(capsys, clean_corpus, "--format", "json")
    assert len(counted) == before + 1
    assert edited == _stats(capsys, clean_corpus, "--format", "json", "--no-cache")


def _older_version(value: dict) -> None:
    value["version"]["qgraph"] = "0.0.0-older"


def _counts_of_another_shape(value: dict) -> None:
    del value["stats"]["passages"]


def _other_key(value: dict) -> None:
    value["key"] = "0" * 32


@pytest.mark.parametrize("spoil", [
    lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),  # truncated
    lambda p: p.write_bytes(b"not the counts at all"),
    lambda p: p.write_bytes(p.read_bytes().replace(b'"triples":', b'"triples":1', 1)),  # a changed byte, the old hash
    lambda p: rewritten_kept(p, _older_version),
    lambda p: rewritten_kept(p, _counts_of_another_shape),
    lambda p: rewritten_kept(p, _other_key),
    lambda p: p.write_bytes(b""),
], ids=["truncated", "garbage", "hash-mismatch", "another-version", "another-shape", "another-key", "empty"])
def test_kept_counts_not_to_trust_are_counted_again(clean_corpus: Path, capsys, counted: list[int], spoil):
    fresh = _stats(capsys, clean_corpus)
    kept = (clean_corpus / KEPT).read_bytes()
    spoil(clean_corpus / KEPT)
    before = len(counted)
    assert _stats(capsys, clean_corpus) == fresh
    assert len(counted) == before + 1
    assert (clean_corpus / KEPT).read_bytes() == kept  # and written anew


def test_a_version_change_is_seen(clean_corpus: Path, capsys, counted: list[int], monkeypatch):
    """Another version of qgraph (its code changed) does not use the counts of this one."""
    from qgraph.checks import cache

    _stats(capsys, clean_corpus)
    real = cache.tool_version
    monkeypatch.setattr(cache, "tool_version", lambda: {**real(), "code": "edited"})
    before = len(counted)
    _stats(capsys, clean_corpus)
    assert len(counted) == before + 1


def test_counts_that_cannot_be_kept_are_printed_all_the_same(clean_corpus: Path, capsys, counted: list[int]):
    """A cache folder that cannot be written (here a file in its place) is no error: the counts
    are printed, and counted again the next time."""
    (clean_corpus / CACHE_DIR).write_text("not a folder", encoding="utf-8")
    fresh = _stats(capsys, clean_corpus, "--no-cache")
    assert _stats(capsys, clean_corpus) == fresh
    assert _stats(capsys, clean_corpus) == fresh
    assert len(counted) == 3
    assert (clean_corpus / CACHE_DIR).read_text(encoding="utf-8") == "not a folder"


def test_another_store_neither_reads_nor_keeps(clean_corpus: Path, capsys, counted: list[int]):
    assert _stats(capsys, clean_corpus, "--store", "rdflib")
    assert not (clean_corpus / KEPT).exists() and counted == [1]
    _stats(capsys, clean_corpus)
    _stats(capsys, clean_corpus, "--store", "rdflib")
    assert counted == [1, 1, 1]


def test_a_temporary_file_left_by_a_stopped_run_is_removed(clean_corpus: Path, capsys):
    (clean_corpus / CACHE_DIR).mkdir()
    stale = clean_corpus / CACHE_DIR / f".{kept_counts.FILE}.999999999.tmp"  # no such process
    stale.write_bytes(b"half")
    _stats(capsys, clean_corpus)
    assert not stale.exists() and (clean_corpus / KEPT).is_file()


def test_the_command_after_a_build(clean_corpus: Path, tmp_path: Path, cli_env: dict):
    """As a user runs them, each in a process of its own."""
    def qgraph(*args: str) -> str:
        r = subprocess.run([sys.executable, "-m", "qgraph", *args, "--root", str(clean_corpus)],
                           capture_output=True, text=True, env=cli_env)
        assert r.returncode == 0, r.stderr
        return r.stdout

    qgraph("build", "--out", str(tmp_path / "dist"))
    stamp = (clean_corpus / KEPT).stat().st_mtime_ns
    assert qgraph("stats") == qgraph("stats", "--no-cache")
    assert (clean_corpus / KEPT).stat().st_mtime_ns == stamp
