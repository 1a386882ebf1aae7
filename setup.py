"""Build hook: the tool's defaults become package data of the wheel.

The repository's top-level ``ontology/`` (the OWL, alignments, concept schemes and SHACL shapes)
and ``queries/`` (the competency questions with their expected answers, and the checks) stay the
one source; at build time they are copied into ``qgraph/resources/`` of the wheel (for an
editable install, into ``src/qgraph/resources/``, which git ignores), so an installed ``qgraph``
carries them and reads them with ``importlib.resources``. Everything else is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
#: (source folder in the repository, glob patterns copied, folder under qgraph/resources/)
RESOURCES = (
    ("ontology", ("*.ttl",), "ontology"),
    ("queries", ("*.rq", "*.csv"), "queries"),
    ("queries/checks", ("*.rq",), "queries/checks"),
)


def copy_resources(target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    for source, patterns, dest in RESOURCES:
        folder = HERE / source
        files = sorted(p for pattern in patterns for p in folder.glob(pattern))
        if not files:
            raise SystemExit(f"setup.py: {source}/ has no {', '.join(patterns)} files to ship")
        (target / dest).mkdir(parents=True, exist_ok=True)
        for p in files:
            shutil.copyfile(p, target / dest / p.name)
    (target / "__init__.py").write_text('"""The defaults that ship with qgraph (generated at build time)."""\n')


class BuildWithResources(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            copy_resources(HERE / "src" / "qgraph" / "resources")
        else:
            copy_resources(Path(self.build_lib) / "qgraph" / "resources")


# The command is a plain script (bin/qgraph), not a [project.scripts] entry point: pip's generated
# launcher imports ``re`` (half again a bare interpreter's start-up); the script imports only
# qgraph.cli. Its ``#!python`` line is rewritten to the environment's interpreter at install time
# (wheel and editable installs alike).
setup(cmdclass={"build_py": BuildWithResources}, scripts=["bin/qgraph"])
