"""What ``qgraph validate`` does for speed: the process ends without the interpreter's teardown
once its verdict is written."""

from __future__ import annotations

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
