"""The store the build validates and checks in is held by its outcome alone once the checks are
done, and freed with it (1M triples: ~340 MiB; held to the end of the process before, whatever
became of the outcome).

Two other things held it: the validation's own references (its validator and closures), and
every frame that was on the stack when xmlschema's meta-schema was first built (the XSD literal
checks build it, during the validation): xmlschema 4.3's builders leave those frames, with all
their local variables, in reference cycles, and the build pauses the cyclic collector."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def test_building_the_xsd_types_keeps_no_frame_of_the_caller(tmp_path: Path):
    """In a new interpreter (the meta-schema is built once per process), the cyclic collector
    paused as in the build: a local of the function whose call builds it is freed when that
    function returns (the frames were kept in reference cycles, which only a collection frees;
    the build pauses the collector throughout)."""
    script = tmp_path / "frames.py"
    script.write_text(
        "import gc, weakref\n"
        "gc.disable()\n"
        "class Big: pass\n"
        "def caller():\n"
        "    big = Big()\n"
        "    from qgraph.checks.literals import problem_with\n"
        "    assert problem_with('2020-13-01', 'http://www.w3.org/2001/XMLSchema#date')\n"
        "    assert problem_with('P1Y', 'http://www.w3.org/2001/XMLSchema#duration') is None\n"
        "    return weakref.ref(big)\n"
        "ref = caller()\n"
        "print('held' if ref() is not None else 'freed')\n")
    got = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert got.returncode == 0, got.stderr
    assert got.stdout.strip() == "freed"


def test_the_build_s_store_goes_with_its_outcome(clean_corpus: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch):
    """Every pyoxigraph store the build makes in this process is held by its outcome alone, and
    by nothing once the outcome is let go (the counts taken with the cyclic collector paused,
    as the build runs)."""
    import gc

    import pyoxigraph

    from qgraph import pipeline

    made: list = []
    real = pyoxigraph.Store

    def recorded(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        store = real(*args, **kwargs)
        made.append(store)
        return store

    monkeypatch.setattr(pyoxigraph, "Store", recorded)
    gc.disable()
    try:
        outcome = pipeline.build(tmp_path / "out", root=clean_corpus)
        assert outcome.conforms and outcome.written
        assert made, "the build made no store in this process"
        sizes = [len(store) for store in made]
        assert sizes[0] > 1000  # the corpus's quads: the store the build validated in
        # each store's references but `made`'s, the loop variable's and getrefcount's argument's
        assert [sys.getrefcount(store) - 3 for store in made] == [1] + [0] * (len(made) - 1)
        assert outcome.store.query("ASK { ?s ?p ?o }").boolean  # the outcome's, queried as one store
        del outcome
        assert [sys.getrefcount(store) - 3 for store in made] == [0] * len(made)
    finally:
        gc.enable()


def test_the_heavy_commands_have_large_blocks_mapped_on_their_own(clean_corpus: Path, monkeypatch: pytest.MonkeyPatch):
    """A check (and so a build or a validation) first asks glibc to map every block of 128 KiB or
    more on its own, which it does here (Linux, glibc): such a block's memory goes back to the
    system when freed, not kept in the allocator's heaps."""
    from qgraph import pipeline
    from qgraph.corpus import store as store_module

    asked: list[bool] = []
    real = store_module.map_large_blocks
    monkeypatch.setattr(store_module, "map_large_blocks", lambda: asked.append(real()) or asked[-1])
    assert pipeline.check(clean_corpus).conforms
    assert asked == [sys.platform.startswith("linux")]
