"""Shared fixtures, and a guard that fails any test reaching beyond 127.0.0.1.

rdflib fetches remote JSON-LD contexts, follows SERVICE and reads ``file:``/``http:`` IRIs when
asked nicely; PyLD fetches contexts. An audit hook refuses every socket connection that is not
to the loopback interface or a Unix socket, and every urllib open of an http(s) URL.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
from pathlib import Path
from typing import Callable

import pytest

PROJECT = Path(__file__).resolve().parents[1]
# the kept validation store written before `qgraph validate` answers, in every test and every
# subprocess (where it is written by a process of its own, a second run may or may not find it:
# the verdict is the same, the steps reported are not); tests/test_kept_store.py tests "later"
os.environ["QGRAPH_KEEP_STORE"] = "now"
FIXTURE_PROJECT = PROJECT / "tests" / "fixtures" / "project"
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class NetworkRefused(RuntimeError):
    """Raised by the guard: a test tried to use the network."""


def _guard(event: str, args: tuple) -> None:
    if event == "socket.connect":
        sock, address = args[0], args[1]
        if getattr(sock, "family", None) == getattr(socket, "AF_UNIX", object()):
            return
        host = address[0] if isinstance(address, tuple) and address else address
        if host not in _LOOPBACK:
            raise NetworkRefused(f"test tried to connect to {address!r}")
    elif event == "urllib.Request":
        url = str(args[0])
        if url.lower().startswith(("http://", "https://")) and not any(
            url.lower().startswith(f"{s}://{h}") for s in ("http", "https") for h in ("127.0.0.1", "localhost", "[::1]")
        ):
            raise NetworkRefused(f"test tried to open {url}")


if not getattr(sys, "_qgraph_network_guard", False):
    sys.addaudithook(_guard)
    sys._qgraph_network_guard = True  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The real project (its data may still be growing)."""
    return PROJECT


@pytest.fixture
def fixture_root(tmp_path: Path) -> Path:
    """A private, writable copy of the tiny fixture project."""
    dst = tmp_path / "project"
    shutil.copytree(FIXTURE_PROJECT, dst)
    return dst


def _synthetic(tmp_path_factory: pytest.TempPathFactory, **options) -> Path:
    from qgraph import synth

    root = tmp_path_factory.mktemp("synth") / "corpus"
    synth.generate(1500, 0, root, **options)
    assert sorted((root / "data").glob("*.ttl")), "the synthetic corpus has no data file"
    return root


@pytest.fixture(scope="session")
def synth_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1,500-triple synthetic corpus with planted faults and its own shapes in ontology/,
    made once per session: read-only, tests take a copy (``synth_corpus``)."""
    return _synthetic(tmp_path_factory)


@pytest.fixture(scope="session")
def clean_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same without planted faults (the build conforms); read-only, see ``clean_corpus``."""
    return _synthetic(tmp_path_factory, shapes_file=None)


@pytest.fixture
def synth_corpus(synth_template: Path, tmp_path: Path) -> Path:
    """A private, writable copy of ``synth_template``."""
    root = tmp_path / "corpus"
    shutil.copytree(synth_template, root)
    return root


@pytest.fixture
def clean_corpus(clean_template: Path, tmp_path: Path) -> Path:
    """A private, writable copy of ``clean_template``."""
    root = tmp_path / "corpus"
    shutil.copytree(clean_template, root)
    return root


@pytest.fixture
def cli_env() -> dict[str, str]:
    """Environment for ``python -m qgraph`` subprocesses (no inherited QGRAPH_ROOT)."""
    env = dict(os.environ)
    env.pop("QGRAPH_ROOT", None)
    env["PYTHONPATH"] = str(PROJECT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def tree_snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes (to prove that nothing changed)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def jena():
    """The project's Jena launcher (scripts/jena.py: Debian's libapache-jena-java, installed by
    scripts/test.sh), after :func:`need_jena`."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("qgraph_scripts_jena", PROJECT / "scripts" / "jena.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def need_jena():
    """Jena's launcher, or skip when Jena is not installed and this is not root (who can run
    scripts/test.sh, which installs it); a failure under CI=true or as root, so the independent
    cross-checks can never pass by being skipped where they could run."""
    module = jena()
    why = module.missing()
    if why:
        if os.environ.get("CI", "").lower() == "true" or os.geteuid() == 0:
            pytest.fail(f"Jena cross-check cannot run: {why}")
        pytest.skip(why)
    return module


def validate_in_process(capsys: pytest.CaptureFixture, root: Path, *extra: str) -> tuple[int, str, str]:
    """``qgraph validate --root ROOT EXTRA…`` run in this process: exit code, stdout, stderr."""
    from qgraph.cli import main

    rc = main(["validate", "--root", str(root), *extra])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture
def asked_queries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts of the queries asked of any Oxigraph store of this process from now on (a
    forked child's are its own)."""
    from qgraph.corpus.store import OxigraphStore

    asked: list[str] = []
    real = OxigraphStore.query

    def query(self, text, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        asked.append(text)
        return real(self, text, *args, **kwargs)

    monkeypatch.setattr(OxigraphStore, "query", query)
    return asked


def count_calls(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[int]:
    """A list that grows by one at each call of ``owner.name`` from now on (the call itself
    made as before)."""
    calls: list[int] = []
    real = getattr(owner, name)

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def rewritten_kept(path: Path, change: Callable[[dict], None]) -> None:
    """A file kept by ``qgraph.checks.cache.keep_entry`` with its body changed by ``change`` and its
    hash line made to match (a kept file that passes the hash check but is not to be trusted)."""
    import orjson

    from qgraph.checks.cache import _hash

    value = orjson.loads(path.read_bytes().partition(b"\n")[2])
    change(value)
    body = orjson.dumps(value)
    path.write_bytes(_hash(body).encode("ascii") + b"\n" + body)
