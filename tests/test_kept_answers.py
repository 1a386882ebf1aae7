"""The answers of ``qgraph query`` kept between runs (qgraph.ask.kept_answers): used while the
corpus and the question are unchanged, never trusted otherwise (changed, another version,
damaged, another key), never kept for a question whose answer may change by itself."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from qgraph.ask import kept_answers
from qgraph.checks.cache import CACHE_DIR
from tests.conftest import count_calls

ANSWERS = Path(CACHE_DIR) / kept_answers.DIR


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times ``qgraph query`` read the corpus (``qgraph.corpus.loading.load``) from now on."""
    from qgraph.corpus import loading

    return count_calls(monkeypatch, loading, "load")


def _query(capsys: pytest.CaptureFixture, root: Path, *args: str) -> str:
    from qgraph.cli import main

    assert main(["query", *args, "--root", str(root)]) == 0
    out, err = capsys.readouterr()
    assert not err, err
    return out


def _kept(root: Path) -> list[Path]:
    folder = root / ANSWERS
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".")) if folder.is_dir() else []


def test_an_answer_is_kept_and_used_while_nothing_changes(fixture_root: Path, capsys, loads: list[int]):
    fresh = _query(capsys, fixture_root, "tiny-members", "--format", "csv", "--no-cache")
    assert "Denmark" in fresh and loads == [1]
    assert _kept(fixture_root) == []  # --no-cache writes nothing
    assert _query(capsys, fixture_root, "tiny-members", "--format", "csv") == fresh and loads == [1, 1]
    assert len(_kept(fixture_root)) == 1
    assert _query(capsys, fixture_root, "tiny-members", "--format", "csv") == fresh and loads == [1, 1]  # kept
    # the same question in another format, with a parameter, or as text: each its own answer
    table = _query(capsys, fixture_root, "tiny-members")
    assert table == _query(capsys, fixture_root, "tiny-members", "--no-cache") and loads == [1, 1, 1, 1]
    assert _query(capsys, fixture_root, "tiny-members") == table and loads == [1, 1, 1, 1]
    one = _query(capsys, fixture_root, "tiny-members", "--format", "csv", "--param", "nation=qgid:denmark")
    assert "Denmark" in one and "United Kingdom" not in one and len(loads) == 5
    text = (fixture_root / "queries" / "tiny-members.rq").read_text(encoding="utf-8")
    monkey_stdin(text)
    assert _query(capsys, fixture_root, "-", "--format", "csv") == fresh and len(loads) == 5  # the same text
    # three answers, and the notes on the parameter of the one with a parameter (none here)
    assert len(_kept(fixture_root)) == 4
    assert _query(capsys, fixture_root, "tiny-members", "--format", "csv", "--param", "nation=qgid:denmark") == one
    assert len(loads) == 5  # its answer and its notes read from the cache


def monkey_stdin(text: str) -> None:
    import sys

    sys.stdin = io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8")


@pytest.fixture(autouse=True)
def _restore_stdin():
    import sys

    saved = sys.stdin
    yield
    sys.stdin = saved


def test_a_changed_file_answers_afresh(fixture_root: Path, capsys, loads: list[int]):
    before = _query(capsys, fixture_root, "tiny-members", "--format", "csv")
    doc = fixture_root / "data" / "tiny-doc.ttl"
    doc.write_text(doc.read_text(encoding="utf-8").replace('"Denmark"@en', '"Kingdom of Denmark"@en'), encoding="utf-8")
    after = _query(capsys, fixture_root, "tiny-members", "--format", "csv")
    assert after != before and "Kingdom of Denmark" in after and loads == [1, 1]
    assert after == _query(capsys, fixture_root, "tiny-members", "--format", "csv", "--no-cache")
    # a source text is an input too (more than the store reads): answered afresh, the same answer
    sources = sorted((fixture_root / "data" / "sources").iterdir())
    assert sources, "the fixture project has source texts"
    with open(sources[0], "a", encoding="utf-8") as fh:
        fh.write("\n")
    assert _query(capsys, fixture_root, "tiny-members", "--format", "csv") == after and len(loads) == 4


@pytest.mark.parametrize("text", [
    "SELECT (NOW() AS ?t) WHERE {}",
    "SELECT (rand () AS ?r) WHERE {}",
    "SELECT (STRUUID() AS ?u) WHERE {}",
    "SELECT ?s WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } } LIMIT 0",
])
def test_a_question_whose_answer_may_change_by_itself_is_never_kept(text: str):
    assert not kept_answers.keepable(text)


def test_nothing_is_kept_for_a_question_that_may_change_by_itself(fixture_root: Path, capsys, loads: list[int]):
    now = fixture_root / "now.rq"
    now.write_text("SELECT (YEAR(NOW()) > 2000 AS ?later) WHERE {}\n", encoding="utf-8")
    first = _query(capsys, fixture_root, str(now), "--format", "csv")
    assert "true" in first
    assert _query(capsys, fixture_root, str(now), "--format", "csv") == first and loads == [1, 1]
    assert _kept(fixture_root) == []
    assert kept_answers.keepable((fixture_root / "queries" / "tiny-members.rq").read_text(encoding="utf-8"))


def test_the_rdflib_store_neither_reads_nor_writes_answers(fixture_root: Path, capsys, loads: list[int]):
    kept = _query(capsys, fixture_root, "tiny-members", "--format", "csv")
    assert _query(capsys, fixture_root, "tiny-members", "--format", "csv", "--store", "rdflib") == kept
    assert loads == [1, 1] and len(_kept(fixture_root)) == 1


def _one_kept(fixture_root: Path, capsys) -> tuple[str, Path]:
    out = _query(capsys, fixture_root, "tiny-members", "--format", "csv")
    files = _kept(fixture_root)
    assert len(files) == 1
    return out, files[0]


@pytest.mark.parametrize("damage", ["truncated", "flipped", "not-json", "other-version", "other-key", "no-answer"])
def test_a_kept_answer_not_to_be_trusted_is_answered_again_and_replaced(fixture_root: Path, capsys, loads: list[int],
                                                                        damage: str):
    import orjson

    from qgraph.checks.cache import hashed, unhashed

    out, path = _one_kept(fixture_root, capsys)
    raw = path.read_bytes()
    body = orjson.loads(unhashed(raw))
    if damage == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "flipped":
        path.write_bytes(raw.replace(b"Denmark", b"Dunmark"))
    elif damage == "not-json":
        path.write_bytes(hashed(b"{not json"))
    elif damage == "other-version":
        body["version"] = {"qgraph": "0.0.0"}
        path.write_bytes(hashed(orjson.dumps({**body, "answer": out.replace("Denmark", "Dunmark")})))
    elif damage == "other-key":
        body["key"] = "0" * 32
        path.write_bytes(hashed(orjson.dumps({**body, "answer": out.replace("Denmark", "Dunmark")})))
    else:
        del body["answer"]
        path.write_bytes(hashed(orjson.dumps(body)))
    assert _query(capsys, fixture_root, "tiny-members", "--format", "csv") == out and loads == [1, 1]
    assert path.read_bytes() == raw  # written anew, whole
    assert _query(capsys, fixture_root, "tiny-members", "--format", "csv") == out and loads == [1, 1]


def test_the_answers_used_last_are_kept(fixture_root: Path, capsys, loads: list[int], monkeypatch):
    import os

    monkeypatch.setattr(kept_answers, "MAX_FILES", 2)
    _query(capsys, fixture_root, "tiny-members", "--format", "csv")
    [first] = _kept(fixture_root)
    os.utime(first, ns=(1, 1))  # long ago
    _query(capsys, fixture_root, "tiny-members", "--format", "tsv")
    [tsv] = [p for p in _kept(fixture_root) if p != first]
    os.utime(tsv, ns=(2, 2))  # later than the first, long ago too (no test on the clock's grain)
    _query(capsys, fixture_root, "tiny-members", "--format", "csv")  # used: touched, kept longest
    _query(capsys, fixture_root, "tiny-count", "--format", "csv")  # a third: the least recently used goes
    assert len(loads) == 3 and len(_kept(fixture_root)) == 2 and first in _kept(fixture_root)
    _query(capsys, fixture_root, "tiny-members", "--format", "csv")
    assert len(loads) == 3
    _query(capsys, fixture_root, "tiny-members", "--format", "tsv")  # removed: answered again
    assert len(loads) == 4


def test_an_answer_that_cannot_be_written_is_not_an_error(fixture_root: Path, capsys, loads: list[int]):
    (fixture_root / CACHE_DIR).mkdir()
    (fixture_root / ANSWERS).write_text("not a folder\n", encoding="utf-8")
    out = _query(capsys, fixture_root, "tiny-members", "--format", "csv")
    assert out == _query(capsys, fixture_root, "tiny-members", "--format", "csv") and loads == [1, 1]
    assert (fixture_root / ANSWERS).read_text(encoding="utf-8") == "not a folder\n"


def test_an_unknown_question_is_named_before_the_corpus_is_read(fixture_root: Path, capsys, loads: list[int]):
    from qgraph.cli import main

    assert main(["query", "tiny-membres", "--root", str(fixture_root)]) != 0
    assert "tiny-members" in capsys.readouterr().err  # did you mean …
    assert loads == []


def test_an_oversized_answer_is_not_kept(fixture_root: Path, capsys, loads: list[int], monkeypatch):
    monkeypatch.setattr(kept_answers, "MAX_BYTES", 100)
    _query(capsys, fixture_root, "tiny-members", "--format", "csv")
    assert _kept(fixture_root) == []


def _show(capsys: pytest.CaptureFixture, root: Path, *args: str) -> str:
    from qgraph.cli import main

    assert main(["show", *args, "--root", str(root)]) == 0
    out, err = capsys.readouterr()
    assert not err, err
    return out


def test_a_card_is_kept_and_used_while_nothing_changes(fixture_root: Path, capsys, loads: list[int]):
    fresh = _show(capsys, fixture_root, "qgid:denmark", "--no-cache")
    assert "Denmark" in fresh and loads == [1] and _kept(fixture_root) == []
    assert _show(capsys, fixture_root, "qgid:denmark") == fresh and loads == [1, 1]
    assert _show(capsys, fixture_root, "qgid:denmark") == fresh and loads == [1, 1]  # kept
    by_label = _show(capsys, fixture_root, "denmark")  # another name of it: a card of its own
    assert loads == [1, 1, 1] and by_label == _show(capsys, fixture_root, "denmark", "--no-cache")
    assert _show(capsys, fixture_root, "qgid:denmark", "--store", "rdflib") == fresh and len(loads) == 5
    assert len(_kept(fixture_root)) == 2
    doc = fixture_root / "data" / "tiny-doc.ttl"
    doc.write_text(doc.read_text(encoding="utf-8").replace('"Denmark"@en', '"Kingdom of Denmark"@en'), encoding="utf-8")
    changed = _show(capsys, fixture_root, "qgid:denmark")
    assert "Kingdom of Denmark" in changed and len(loads) == 6
    assert changed == _show(capsys, fixture_root, "qgid:denmark", "--no-cache")


def test_an_unknown_entity_is_an_error_each_time(fixture_root: Path, capsys, loads: list[int]):
    from qgraph.cli import main

    for _ in range(2):
        assert main(["show", "qgid:nowhere", "--root", str(fixture_root)]) != 0
        assert "not in the graph" in capsys.readouterr().err
    assert loads == [1, 1] and _kept(fixture_root) == []


def test_the_answers_kept_stay_within_their_bytes(fixture_root: Path, capsys, loads: list[int], monkeypatch):
    import os

    _query(capsys, fixture_root, "tiny-members", "--format", "csv")
    [first] = _kept(fixture_root)
    os.utime(first, ns=(1, 1))  # long ago
    monkeypatch.setattr(kept_answers, "MAX_TOTAL", first.stat().st_size * 3 // 2)
    _query(capsys, fixture_root, "tiny-members", "--format", "tsv")  # the two over the bytes: the older goes
    assert len(_kept(fixture_root)) == 1 and first not in _kept(fixture_root)
    _query(capsys, fixture_root, "tiny-members", "--format", "tsv")
    assert len(loads) == 2
