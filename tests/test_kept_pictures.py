"""The explorer's pictures kept between runs of ``qgraph serve`` (qgraph.web.kept_pictures): used
while the corpus is unchanged, the same as worked out afresh; never trusted otherwise (changed,
another version, damaged); neither read nor written with ``--no-cache``."""

from __future__ import annotations

from pathlib import Path

import pytest

from qgraph.checks.cache import CACHE_DIR
from qgraph.web import kept_pictures
from tests.conftest import count_calls, rewritten_kept

KEPT = Path(CACHE_DIR) / kept_pictures.FILE


@pytest.fixture
def worked_out(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the pictures were worked out (``Explorer.pictures`` called) from now on."""
    from qgraph.web.explorer import Explorer

    return count_calls(monkeypatch, Explorer, "pictures")


def _started(root: Path, cache: bool = True, said: list[str] | None = None) -> dict:
    """``qgraph serve``'s start-up on ``root`` (one worker), then stopped: the explorer's pictures
    (``said``: the start-up's progress lines appended)."""
    from qgraph.web.pool import Limits
    from qgraph.web.server import make_app

    app = make_app(root, Limits(workers=1, checkers=1), quiet=True, cache=cache,
                   progress=None if said is None else said.append)
    try:
        return {name: getattr(app.explorer, name) for name in kept_pictures.SHAPES}
    finally:
        app.close()


def test_pictures_are_kept_and_used_while_nothing_changes(clean_corpus: Path, worked_out: list[int]):
    fresh = _started(clean_corpus, cache=False)
    assert worked_out == [1] and not (clean_corpus / KEPT).exists()  # --no-cache writes nothing
    assert fresh["labels"] and fresh["types"] and fresh["network"]["nodes"] and fresh["timeline"]["events"]
    said: list[str] = []
    assert _started(clean_corpus, said=said) == fresh and worked_out == [1, 1]
    kept = (clean_corpus / KEPT).read_bytes()
    again = _started(clean_corpus, said=said)
    assert again == fresh and worked_out == [1, 1]  # read, not worked out
    assert list(again["labels"]) == list(fresh["labels"])  # in the same order (the search ranks by it)
    assert (clean_corpus / KEPT).read_bytes() == kept  # and not written again
    steps = [line for line in said if "the explorer's labels" in line]  # what --progress says
    assert len(steps) == 2 and "worked out" in steps[0] and "read from the cache" in steps[1], steps


def test_an_edit_is_worked_out_again(clean_corpus: Path, worked_out: list[int]):
    _started(clean_corpus)
    doc = sorted((clean_corpus / "data").glob("*.ttl"))[0]
    doc.write_text(doc.read_text(encoding="utf-8") + "\n<https://w3id.org/qgraph/id/x> "
                   "<http://www.w3.org/2000/01/rdf-schema#label> \"an added label\"@en .\n", encoding="utf-8")
    edited = _started(clean_corpus)
    assert len(worked_out) == 2
    assert edited["labels"]["https://w3id.org/qgraph/id/x"] == "an added label"
    assert edited == _started(clean_corpus, cache=False)


def _older_version(value: dict) -> None:
    value["version"]["qgraph"] = "0.0.0-older"


def _other_key(value: dict) -> None:
    value["key"] = "0" * 32


def _a_picture_missing(value: dict) -> None:
    del value["pictures"]["timeline"]


def _labels_not_texts(value: dict) -> None:
    value["pictures"]["labels"] = {"https://w3id.org/qgraph/id/x": ["not", "a", "text"]}


def _network_without_nodes(value: dict) -> None:
    value["pictures"]["network"] = {"links": []}


@pytest.mark.parametrize("spoil", [
    lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),  # truncated
    lambda p: p.write_bytes(b"not the pictures at all"),
    lambda p: p.write_bytes(p.read_bytes().replace(b'"labels":{', b'"labels":{"x":"y",', 1)),  # the old hash
    lambda p: rewritten_kept(p, _older_version),
    lambda p: rewritten_kept(p, _other_key),
    lambda p: rewritten_kept(p, _a_picture_missing),
    lambda p: rewritten_kept(p, _labels_not_texts),
    lambda p: rewritten_kept(p, _network_without_nodes),
    lambda p: p.write_bytes(b""),
], ids=["truncated", "garbage", "hash-mismatch", "another-version", "another-key", "a-picture-missing",
        "labels-not-texts", "network-without-nodes", "empty"])
def test_kept_pictures_not_to_trust_are_not_read(clean_corpus: Path, spoil):
    """Each way a kept file can be not to trust: :func:`kept_pictures.read` gives nothing."""
    from qgraph.project import Project

    project = Project.at(clean_corpus)
    want = kept_pictures.key(project)
    pictures = {"labels": {"https://w3id.org/qgraph/id/x": "X"}, "types": {"https://w3id.org/qgraph/id/x": ["t"]},
                "network": {"nodes": [], "links": []}, "timeline": {"events": []}, "places": {"points": []}}
    assert kept_pictures.write(project, want, pictures)
    assert kept_pictures.read(project, want) == pictures  # as kept, it is read
    kept = (clean_corpus / KEPT).read_bytes()
    spoil(clean_corpus / KEPT)
    assert (clean_corpus / KEPT).read_bytes() != kept
    assert kept_pictures.read(project, want) is None


def test_kept_pictures_not_to_trust_are_worked_out_again(clean_corpus: Path, worked_out: list[int]):
    fresh = _started(clean_corpus)
    kept = (clean_corpus / KEPT).read_bytes()
    rewritten_kept(clean_corpus / KEPT, _labels_not_texts)
    assert _started(clean_corpus) == fresh
    assert len(worked_out) == 2
    assert (clean_corpus / KEPT).read_bytes() == kept  # and written anew


def test_no_cache_neither_reads_nor_writes(clean_corpus: Path, worked_out: list[int]):
    _started(clean_corpus)
    (clean_corpus / KEPT).write_bytes(b"spoiled")
    _started(clean_corpus, cache=False)
    assert len(worked_out) == 2 and (clean_corpus / KEPT).read_bytes() == b"spoiled"


def test_pictures_that_cannot_be_kept_are_served_all_the_same(clean_corpus: Path, worked_out: list[int]):
    """A cache folder that cannot be written (here a file in its place) is no error."""
    (clean_corpus / CACHE_DIR).write_text("not a folder", encoding="utf-8")
    fresh = _started(clean_corpus, cache=False)
    assert _started(clean_corpus) == fresh
    assert len(worked_out) == 2
    assert (clean_corpus / CACHE_DIR).read_text(encoding="utf-8") == "not a folder"


def test_the_command_keeps_them_unless_told_not_to():
    from qgraph.cli import _parser

    assert _parser().parse_args(["serve"]).cache is True
    assert _parser().parse_args(["serve", "--no-cache"]).cache is False
