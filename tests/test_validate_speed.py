"""What ``qgraph validate`` does for speed, each held to the plain way of getting the same:
the process ending without the interpreter's teardown once its verdict is written, and the
files stating the problems' nodes found without indexing every node of the corpus."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = ("import atexit, sys\n"
          "atexit.register(lambda: sys.stderr.write('teardown\\n'))\n"
          "from qgraph.cli import main\n"
          "sys.exit(main())\n")


def _validate(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", SCRIPT, "validate", *args], capture_output=True, text=True, env=env)


@pytest.mark.parametrize("cache", [True, False], ids=["cache", "no-cache"])
def test_validate_process_ends_without_teardown_once_its_verdict_is_written(
        clean_corpus: Path, tmp_path: Path, cli_env: dict, cache: bool):
    """A verdict, conforming (exit 0) or not (exit 1), ends the process at once with the whole
    report written (no atexit handler runs); an error ends it as usual."""
    flags = [] if cache else ["--no-cache"]
    r = _validate("--root", str(clean_corpus), "--format", "json", *flags, env=cli_env)
    assert r.returncode == 0, r.stderr
    assert "teardown" not in r.stderr
    assert r.stdout.endswith("\n") and '"conforms": true' in r.stdout
    data = sorted((clean_corpus / "data").glob("*.ttl"))
    assert data
    data[0].write_text(data[0].read_text() + "\n<https://w3id.org/qgraph/id/x> a <https://w3id.org/qgraph/ontology#Nation> .\n")
    r = _validate("--root", str(clean_corpus), *flags, env=cli_env)
    assert r.returncode == 1, r.stderr
    assert "teardown" not in r.stderr
    assert r.stdout.rstrip().splitlines()[-1].startswith("does not conform: ")
    r = _validate("--root", str(tmp_path / "missing"), *flags, env=cli_env)
    assert r.returncode == 2 and "teardown" in r.stderr


def test_files_stating_some_nodes_are_those_of_the_whole_index(clean_corpus: Path):
    """``Loaded.files_stating`` (one pass keeping only the nodes asked) gives each node the files
    ``Loaded.node_files`` gives it, in the same order; nodes stated nowhere are left out."""
    import pyoxigraph as ox

    from qgraph.corpus.loading import load

    loaded = load(clean_corpus)
    subjects = sorted({q.subject for q in loaded.quads}, key=str)
    blanks = sorted({q.object for q in loaded.quads if type(q.object) is ox.BlankNode}, key=str)
    assert subjects and blanks
    shared = [n for n in subjects if type(n) is ox.NamedNode
              and len({q.graph_name for q in loaded.quads if q.subject == n}) > 1]
    assert shared  # a node stated by several files (their order matters)
    nodes = random.Random(7).sample(subjects, 200) + blanks[:50] + shared[:50] + [ox.NamedNode("urn:x-nowhere")]
    found = loaded.files_stating(nodes)
    assert "node_files" not in loaded.__dict__  # found without building the whole index
    index = loaded.node_files
    expected = {n: index[n] for n in nodes if n in index}
    assert found == expected and all(len(v) > 1 for k, v in found.items() if k in shared[:50])
    assert loaded.files_stating(nodes) == expected  # read from the index once it is built
    assert loaded.files_stating([]) == {}
